#include "salesforce_source.hpp"

#include <cstdlib>

#include <boost/json/parse.hpp>

#include <casio/core/log.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/salesforce/source.hpp>

namespace casio::app {

namespace json = boost::json;
namespace sf = casio::salesforce;
using boost::asio::awaitable;

namespace {

sync::document to_document(sf::mapped_document d) {
    sync::document out;
    out.id = std::move(d.id);
    if (!d.timestamp.empty()) {
        out.timestamp = std::move(d.timestamp);
    }
    out.json = std::move(d.json);
    return out;
}

void warn(std::string_view w) {
    core::log::warning("salesforce: ", w);
}

class salesforce_source final : public sync::source {
  public:
    salesforce_source(sf::transport& t, core::sleeper& s, sf::config cfg, std::string base_url,
                      const sync::source_options& opts)
        : client_(t, s, sf::client_settings{std::move(base_url), cfg.client_id, cfg.client_secret},
                  warn),
          source_(client_, cfg, make_options(opts), warn) {}

    awaitable<void> validate_config() override { co_await source_.validate_config(); }
    awaitable<void> ping() override { co_await source_.ping(); }

    awaitable<sync::rules_verdict> validate_advanced_rules(const json::value& snippet) override {
        auto r = co_await source_.validate_advanced_rules(snippet);
        co_return sync::rules_verdict{r.valid, r.message};
    }

    awaitable<void> get_docs(const json::value& snippet, sync::document_handler on_doc) override {
        std::vector<sf::advanced_rule> rules;
        if (!snippet.is_null() && !(snippet.is_object() && snippet.get_object().empty()) &&
            !(snippet.is_array() && snippet.get_array().empty())) {
            auto checked = sf::check_advanced_rules(snippet);
            if (!checked.ok()) {
                std::string msg = "invalid advanced rules:";
                for (const auto& e : checked.errors) {
                    msg += ' ' + e;
                }
                throw core::error(core::error_kind::bad_request, msg);
            }
            rules = std::move(checked.rules);
        }
        co_await source_.get_docs(rules, [&](sf::mapped_document d) -> awaitable<void> {
            co_await on_doc(to_document(std::move(d)));
        });
    }

    awaitable<void> get_access_control(sync::document_handler on_doc) override {
        co_await source_.get_access_control([&](sf::mapped_document d) -> awaitable<void> {
            co_await on_doc(to_document(std::move(d)));
        });
    }

  private:
    static sf::source_options make_options(const sync::source_options& o) {
        sf::source_options out;
        out.dls_feature_enabled = o.dls_feature_enabled;
        out.max_file_size = o.max_file_size;
        return out;
    }

    sf::client client_;
    sf::source source_;
};

}  // namespace

std::string salesforce_base_url_override() {
    const char* ftest = std::getenv("RUNNING_FTEST");
    const char* host = std::getenv("SALESFORCE_EMULATOR_HOST");
    if (ftest != nullptr && host != nullptr && *host != '\0') {
        return host;
    }
    return {};
}

salesforce_factory::salesforce_factory(boost::asio::any_io_executor ex,
                                       std::string base_url_override)
    : http_(std::move(ex)), transport_(http_), base_url_override_(std::move(base_url_override)) {}

json::object salesforce_factory::configuration_schema() const {
    return sf::configuration_schema();
}

json::object salesforce_factory::features() const {
    return json::parse(
               R"({"sync_rules":{"basic":{"enabled":true},"advanced":{"enabled":true}},)"
               R"("document_level_security":{"enabled":true},"incremental_sync":{"enabled":true},)"
               R"("native_connector_api_keys":{"enabled":false}})")
        .as_object();
}

std::unique_ptr<sync::source> salesforce_factory::create(const json::object& configuration,
                                                         const sync::source_options& opts) {
    sf::config cfg = sf::parse_config(configuration);
    std::string base = sf::base_url(cfg.domain, base_url_override_);
    return std::make_unique<salesforce_source>(transport_, sleeper_, std::move(cfg),
                                               std::move(base), opts);
}

}  // namespace casio::app
