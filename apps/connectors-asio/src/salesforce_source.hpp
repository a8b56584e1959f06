#pragma once
// Wiring: the Salesforce source (libs/salesforce) behind the sync source interface
// (libs/sync/source.hpp), sharing one keep-alive HTTP client for every Salesforce call.

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <casio/core/retry.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/client.hpp>
#include <casio/sync/source.hpp>

namespace casio::app {

class salesforce_factory final : public sync::source_factory {
  public:
    // `base_url_override` replaces https://<domain>.my.salesforce.com (mocks and tests: the
    // SALESFORCE_EMULATOR_HOST variable when RUNNING_FTEST is set, as the reference reads it).
    salesforce_factory(boost::asio::any_io_executor ex, std::string base_url_override);

    std::string_view service_type() const override { return "salesforce"; }
    boost::json::object configuration_schema() const override;
    boost::json::object features() const override;
    std::unique_ptr<sync::source> create(const boost::json::object& configuration,
                                         const sync::source_options& opts) override;

    // Drops idle connections so the io_context can end.
    void close() { http_.close(); }

  private:
    http::client http_;
    salesforce::http_transport transport_;
    core::steady_sleeper sleeper_;
    std::string base_url_override_;
};

// The override of the reference service's tests: SALESFORCE_EMULATOR_HOST when RUNNING_FTEST
// is set, else empty.
std::string salesforce_base_url_override();

}  // namespace casio::app
