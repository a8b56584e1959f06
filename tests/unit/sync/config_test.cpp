// The sync service's sections: service, connectors (and the deprecated single-connector form),
// sources, with the elasticsearch section inside.
#include <catch2/catch.hpp>
#include <support/config_fixture.hpp>

#include <casio/sync/settings.hpp>

using namespace casio;
using namespace std::chrono_literals;
using test::config_error_of;
using test::fake_env;
using test::has_warning;

namespace {

auto load(std::string_view yaml, const fake_env& env = {}) {
    return test::read_yaml(yaml, sync::config_table(), env);
}

std::string error_of(std::string_view yaml) {
    return config_error_of([&] { load(yaml); });
}

}  // namespace

TEST_CASE("an empty file gives every service default", "[config][defaults]") {
    auto r = load("");
    const auto& c = r.cfg;
    CHECK(r.warnings.empty());
    CHECK(c.elasticsearch.host == "http://localhost:9200");
    CHECK(c.service.idling == 30s);
    CHECK(c.service.heartbeat == 300s);
    CHECK(c.service.max_errors == 20);
    CHECK(c.service.max_errors_span == 600s);
    CHECK(c.service.max_file_download_size == 10485760);
    CHECK(c.service.log_level == core::log::level::info);
    CHECK(c.connectors.empty());
    CHECK(c.sources.count("salesforce") == 1);
}

TEST_CASE("service keys merge, a later key replaces and a null section keeps defaults",
          "[config][merge]") {
    fake_env env{{{"EMPTY", ""}}};
    auto r = load(R"(
elasticsearch:
service:
  max_errors: 3
service.max_errors: 4
service.idling: 0.5
service.service_types: "salesforce$EMPTY,dir"
sources.price: "$$5"
)",
                  env);
    CHECK(r.cfg.elasticsearch.host == "http://localhost:9200");
    CHECK(r.cfg.service.max_errors == 4);
    CHECK(r.cfg.service.idling == 500ms);
    CHECK(r.cfg.service.heartbeat == 300s);
    CHECK(r.cfg.service.service_types == std::vector<std::string>{"salesforce", "dir"});
    CHECK(r.cfg.sources.at("price") == "$5");
    CHECK(r.cfg.sources.at("salesforce") == "salesforce");
}

TEST_CASE("invalid service values name the key path and the value", "[config][errors]") {
    test::check_errors(
        error_of,
        {
            {"service.log_level: verbose\n",
             "config: service.log_level: expected one of debug, info, warning, error, critical, "
             "got "
             "\"verbose\""},
            {"service.idling: soon\n",
             "config: service.idling: expected a positive number of seconds, got \"soon\""},
            {"service.idling:\n",
             "config: service.idling: expected a positive number of seconds, got null"},
            {"service.max_errors: 1.5\n",
             "config: service.max_errors: expected an integer from 0 to 1000000, got \"1.5\""},
            {"service: [1, 2]\n", "config: service: expected a mapping, got a list"},
            {"connectors: nope\n", "config: connectors: expected a list, got \"nope\""},
            {"connectors: [nope]\n",
             "config: connectors[0]: expected a mapping with connector_id and service_type, got "
             "\"nope\""},
        });
}

TEST_CASE("connector credentials never appear in error messages", "[config][secrets]") {
    test::check_secrets_hidden(
        error_of, {
                      {"connectors:\n  - connector_id: x\n    api_key: [topsecret-3]\n",
                       "connectors[0].api_key"},
                      {"connectors:\n  - connector_id: x\n    configuration:\n"
                       "      client_secret: [topsecret-4]\n",
                       "connectors[0].configuration.client_secret"},
                      {"connectors:\n  - connector_id: x\n    configuration: topsecret-5\n",
                       "connectors[0].configuration"},
                  });
}

TEST_CASE("connectors: ids stringified, entries without id skipped, last duplicate wins",
          "[config][connectors]") {
    auto r = load(R"(
connectors:
  - connector_id: 123
    service_type: salesforce
    api_key: ZW5jb2RlZA==
  - service_type: salesforce
  - connector_id: abc
    service_type: salesforce
    index_name: search-sf
    name: Salesforce
    colour: blue
    configuration:
      domain: acme
      client_id: "007"
      use_text_extraction_service: false
      page_size: 200
      ratio: 0.5
      unset:
  - connector_id: "123"
    service_type: other
connector_id: legacy
)");
    const auto& cs = r.cfg.connectors;
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].connector_id == "123");
    CHECK(cs[0].service_type == "other");  // the later entry replaced the earlier one
    CHECK_FALSE(cs[0].api_key);
    CHECK(cs[1].connector_id == "abc");
    CHECK(cs[1].index_name == "search-sf");
    CHECK(cs[1].name == "Salesforce");
    const auto& conf = cs[1].configuration;
    CHECK(std::get<std::string>(conf.at("domain")) == "acme");
    CHECK(std::get<std::string>(conf.at("client_id")) == "007");
    CHECK(std::get<bool>(conf.at("use_text_extraction_service")) == false);
    CHECK(std::get<std::int64_t>(conf.at("page_size")) == 200);
    CHECK(std::get<double>(conf.at("ratio")) == 0.5);
    CHECK(std::holds_alternative<std::monostate>(conf.at("unset")));
    CHECK(has_warning(r.warnings, "connectors[1]: entry without connector_id ignored"));
    CHECK(has_warning(r.warnings, "unknown key connectors[2].colour"));
    CHECK(has_warning(r.warnings, "listed more than once"));
    CHECK(has_warning(r.warnings, "connector_id: ignored"));
    CHECK(r.warnings.size() == 4);
}

TEST_CASE("the deprecated single-connector form is used when connectors is empty",
          "[config][connectors]") {
    auto r = load("connector_id: 42\nservice_type: salesforce\nconnectors:\n");
    REQUIRE(r.cfg.connectors.size() == 1);
    CHECK(r.cfg.connectors[0].connector_id == "42");
    CHECK(r.cfg.connectors[0].service_type == "salesforce");
    CHECK(r.warnings.empty());
    CHECK(load("connector_id:\nservice_type: salesforce\n").cfg.connectors.empty());
}

TEST_CASE("sync::register_secrets hides configured credentials from logs", "[config][secrets]") {
    auto r = load(R"(
elasticsearch.password: es-password-value
connectors:
  - connector_id: a
    api_key: connector-key-value
    configuration:
      client_secret: sf-secret-value
      domain: acme
)");
    sync::register_secrets(r.cfg);
    auto out = core::log::redact("es-password-value connector-key-value sf-secret-value acme");
    core::log::clear_secrets();
    CHECK(out == "<redacted> <redacted> <redacted> acme");
}

TEST_CASE("service.http: off without a port, 0 lets the system choose, bad ports named",
          "[config][http]") {
    auto off = load("");
    CHECK_FALSE(off.cfg.service.http.port.has_value());
    CHECK(off.cfg.service.http.host == "127.0.0.1");
    auto any = load("service.http.port: 0\n");
    REQUIRE(any.cfg.service.http.port.has_value());
    CHECK(*any.cfg.service.http.port == 0);
    auto set = load("service:\n  http:\n    host: 0.0.0.0\n    port: 8081\n");
    CHECK(set.cfg.service.http.host == "0.0.0.0");
    CHECK(set.cfg.service.http.port == std::uint16_t{8081});
    CHECK_THAT(error_of("service.http.port: 70000\n"),
               Catch::Contains("service.http.port") && Catch::Contains("70000"));
}

TEST_CASE("elasticsearch.bulk.display_every and enable_operations_logging are read",
          "[config][bulk]") {
    auto d = load("");
    CHECK(d.cfg.elasticsearch.bulk.display_every == 100);
    CHECK_FALSE(d.cfg.elasticsearch.bulk.enable_operations_logging);
    auto r = load(
        "elasticsearch.bulk.display_every: 0\n"
        "elasticsearch.bulk.enable_operations_logging: true\n");
    CHECK(r.cfg.elasticsearch.bulk.display_every == 0);
    CHECK(r.cfg.elasticsearch.bulk.enable_operations_logging);
    CHECK_THAT(error_of("elasticsearch.bulk.display_every: -1\n"),
               Catch::Contains("elasticsearch.bulk.display_every"));
}
