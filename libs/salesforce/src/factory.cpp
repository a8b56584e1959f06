#include <cstdlib>

#include <boost/json/parse.hpp>

#include <casio/core/log.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/salesforce/factory.hpp>

namespace casio::salesforce {

namespace json = boost::json;

namespace {

void log_warning(std::string_view w) {
    core::log::warning("salesforce: ", w);
}

}  // namespace

std::string emulator_base_url() {
    const char* ftest = std::getenv("RUNNING_FTEST");
    const char* host = std::getenv("SALESFORCE_EMULATOR_HOST");
    if (ftest != nullptr && host != nullptr && *host != '\0') {
        return host;
    }
    return {};
}

factory::factory(boost::asio::any_io_executor ex, service_settings settings,
                 std::string base_url_override)
    : http_(std::move(ex), http_options(settings, [](const std::string& w) { log_warning(w); })),
      transport_(http_),
      settings_(settings),
      base_url_override_(std::move(base_url_override)) {}

json::object factory::configuration_schema() const {
    return salesforce::configuration_schema();
}

json::object factory::features() const {
    return json::parse(
               R"({"sync_rules":{"basic":{"enabled":true},"advanced":{"enabled":true}},)"
               R"("document_level_security":{"enabled":true},"incremental_sync":{"enabled":true},)"
               R"("native_connector_api_keys":{"enabled":false}})")
        .as_object();
}

std::unique_ptr<sync::source> factory::create(const json::object& configuration,
                                              const sync::source_options& opts) {
    config cfg = parse_config(configuration);
    client_settings cs{base_url(cfg.domain, base_url_override_), cfg.client_id, cfg.client_secret};
    auto& limits = orgs_[cs.base_url];
    if (!limits) {
        limits = std::make_shared<org_limits>(settings_.max_concurrent_requests);
    }
    cs.limits = limits;
    auto& token = tokens_[cs.base_url + '\n' + cs.client_id + '\n' + cs.client_secret];
    if (!token) {
        token = std::make_shared<shared_token>();
    }
    cs.token = token;
    cs.pages_per_query = settings_.limits.pages;
    auto c = std::make_unique<client>(transport_, sleeper_, std::move(cs), log_warning);
    sync::source_options with = opts;
    if (!with.local_extractor) {
        with.local_extractor = local_extractor_;
    }
    if (!with.service_extractor) {
        with.service_extractor = service_extractor_;
    }
    return std::make_unique<source>(std::move(c), std::move(cfg), with, settings_.limits,
                                    log_warning);
}

}  // namespace casio::salesforce
