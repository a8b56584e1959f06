#pragma once
// The Salesforce service type as the service loops see it (sync::source_factory): the
// configuration schema, the features, and a source per job. Every source shares one
// keep-alive HTTP client, and the sources of one org share its cap on requests in flight.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <casio/core/config_table.hpp>
#include <casio/core/retry.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/client.hpp>
#include <casio/salesforce/source.hpp>
#include <casio/sync/source.hpp>

namespace casio::salesforce {

// config.yml's `salesforce:` section (this service's own; the Python service has none and
// ignores it). Files in flight are elasticsearch.bulk.concurrent_downloads.
struct service_settings {
    std::size_t max_concurrent_requests = 20;  // to one org, every kind of request
    concurrency limits;                        // objects, pages and file bytes of one sync
    // Deadlines of every exchange with Salesforce (config in seconds).
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds first_byte_timeout{120'000};  // Salesforce's own query limit
    std::chrono::milliseconds request_timeout{300'000};     // token, describe, query page
    std::chrono::milliseconds download_timeout{900'000};    // one file, as a whole
    std::size_t min_transfer_rate = 4096;                   // bytes/s (config in KiB/s); 0: off
    std::chrono::milliseconds transfer_rate_window{30'000};
    std::chrono::milliseconds slow_answer_warning{10'000};  // a WARN line past it; 0: none
    std::optional<std::string> ca_certs;  // PEM bundle instead of the system's CAs
};

// The keys of that section: max_concurrent_requests, max_concurrent_objects,
// max_concurrent_pages, max_file_content_in_flight (MiB), connect_timeout,
// first_byte_timeout, request_timeout, download_timeout, transfer_rate_window and
// slow_answer_warning (s), min_transfer_rate (KiB/s) and ca_certs.
const core::config_table<service_settings>& settings_table();

// The HTTP client of the Salesforce requests: those deadlines, the CA bundle, and slow
// answers reported through `on_slow`.
http::client_options http_options(const service_settings& s,
                                  std::function<void(const std::string&)> on_slow);

class factory final : public sync::source_factory {
  public:
    // `base_url_override` replaces https://<domain>.my.salesforce.com (mocks and tests: see
    // emulator_base_url()).
    factory(boost::asio::any_io_executor ex, service_settings settings,
            std::string base_url_override = {});

    std::string_view service_type() const override { return "salesforce"; }
    boost::json::object configuration_schema() const override;
    boost::json::object features() const override;
    std::unique_ptr<sync::source> create(const boost::json::object& configuration,
                                         const sync::source_options& opts) override;

    // Drops idle connections so the io_context can end.
    void close() { http_.close(); }

    // The text extractors handed to every source (sync::source_options): in process
    // (extraction.mode: local) and the extraction service (extraction_service.host). Either
    // may be null.
    void set_extractors(std::shared_ptr<sync::text_extractor> local,
                        std::shared_ptr<sync::text_extractor> service) {
        local_extractor_ = std::move(local);
        service_extractor_ = std::move(service);
    }

  private:
    http::client http_;
    http::client_transport transport_;
    core::steady_sleeper sleeper_;
    service_settings settings_;
    std::string base_url_override_;
    std::map<std::string, std::shared_ptr<org_limits>> orgs_;  // by base URL
    // By base URL and credentials: a token is reused by every source of the same client.
    std::map<std::string, std::shared_ptr<shared_token>> tokens_;
    std::shared_ptr<sync::text_extractor> local_extractor_;
    std::shared_ptr<sync::text_extractor> service_extractor_;
};

// The override of the reference service's tests: SALESFORCE_EMULATOR_HOST when RUNNING_FTEST
// is set, else empty.
std::string emulator_base_url();

}  // namespace casio::salesforce
