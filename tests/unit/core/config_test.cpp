#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

#include <casio/core/config.hpp>

using namespace casio::core;
using namespace std::chrono_literals;

namespace {

// A fake environment so tests never depend on (or change) the real one.
struct fake_env {
    std::map<std::string, std::string> vars;
    env_lookup lookup() const {
        return [this](std::string_view name) -> std::optional<std::string> {
            auto it = vars.find(std::string(name));
            if (it == vars.end()) {
                return std::nullopt;
            }
            return it->second;
        };
    }
};

load_result load(std::string_view yaml, const fake_env& env = {}) {
    return load_config_string(yaml, "test.yml", env.lookup());
}

// The message of the config_error thrown by loading `yaml`.
std::string error_of(std::string_view yaml, const fake_env& env = {}) {
    try {
        load(yaml, env);
    } catch (const config_error& e) {
        return e.what();
    }
    FAIL("no config_error for: " << yaml);
    return {};
}

bool has_warning(const load_result& r, std::string_view text) {
    for (const auto& w : r.warnings) {
        if (w.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("an empty file gives every default", "[config][defaults]") {
    auto r = load("");
    const auto& c = r.cfg;
    CHECK(r.warnings.empty());
    CHECK(c.elasticsearch.host == "http://localhost:9200");
    CHECK(c.elasticsearch.username == "elastic");
    CHECK(c.elasticsearch.password == "changeme");
    CHECK_FALSE(c.elasticsearch.api_key);
    CHECK(c.elasticsearch.request_timeout == 240s);
    CHECK(c.elasticsearch.max_retries == 5);
    CHECK(c.elasticsearch.retry_interval == 10s);
    CHECK(c.elasticsearch.backoff_multiplier == 2.0);
    CHECK(c.elasticsearch.bulk.chunk_size == 500);
    CHECK(c.elasticsearch.bulk.queue_max_mem_size == 25 * mib);
    CHECK(c.elasticsearch.bulk.chunk_max_mem_size == 3 * mib);
    CHECK(c.elasticsearch.bulk.max_text_document_size == 3 * mib);
    CHECK(c.elasticsearch.bulk.queue_refresh_timeout == 1300s);
    CHECK(c.elasticsearch.bulk.error_monitor.max_error_rate == Approx(0.15));
    CHECK(c.service.idling == 30s);
    CHECK(c.service.heartbeat == 300s);
    CHECK(c.service.max_errors == 20);
    CHECK(c.service.max_errors_span == 600s);
    CHECK(c.service.max_file_download_size == 10485760);
    CHECK(c.service.log_level == log::level::info);
    CHECK(c.connectors.empty());
    CHECK_FALSE(c.extraction_service);
    CHECK(c.sources.count("salesforce") == 1);
}

TEST_CASE("dotted top-level keys and nested maps merge over the defaults", "[config][merge]") {
    auto r = load(R"(
elasticsearch.bulk.chunk_size: 100
elasticsearch:
  host: https://es.example.com:9243
  bulk:
    max_concurrency: 3
service.idling: 0.5
)");
    const auto& es = r.cfg.elasticsearch;
    CHECK(r.warnings.empty());
    CHECK(es.bulk.chunk_size == 100);
    CHECK(es.bulk.max_concurrency == 3);
    CHECK(es.bulk.queue_max_size == 1024);  // sibling default kept
    CHECK(es.host == "https://es.example.com:9243");
    CHECK(es.username == "elastic");
    CHECK(r.cfg.service.idling == 500ms);
    CHECK(r.cfg.service.heartbeat == 300s);
}

TEST_CASE("a later key replaces an earlier non-map value and a null section keeps defaults",
          "[config][merge]") {
    auto r = load(R"(
elasticsearch:
service:
  max_errors: 3
service.max_errors: 4
)");
    CHECK(r.cfg.elasticsearch.host == "http://localhost:9200");
    CHECK(r.cfg.service.max_errors == 4);
}

TEST_CASE("sizes are MiB in the file and bytes in the struct", "[config][units]") {
    auto r = load(
        "elasticsearch.bulk.queue_max_mem_size: 10\n"
        "elasticsearch.bulk.chunk_max_mem_size: 0.5\n"
        "elasticsearch.bulk.max_text_document_size: 0\n");
    CHECK(r.cfg.elasticsearch.bulk.queue_max_mem_size == 10 * mib);
    CHECK(r.cfg.elasticsearch.bulk.chunk_max_mem_size == mib / 2);
    CHECK(r.cfg.elasticsearch.bulk.max_text_document_size == 0);
}

TEST_CASE("environment variables are substituted in every form", "[config][env]") {
    fake_env env{{{"ES_HOST", "https://from-env:9200"},
                  {"ES_USER", "ingest"},
                  {"EMPTY", ""},
                  {"CHUNK", "42"}}};
    auto r = load(R"(
elasticsearch.host: $ES_HOST
elasticsearch.username: ${ES_USER}
elasticsearch.password: "$MISSING_PW|fallback-pw"
elasticsearch.ca_certs: "${MISSING_CA|/etc/ca.pem}"
elasticsearch.bulk.chunk_size: ${CHUNK}
service.service_types: "salesforce$EMPTY,dir"
sources.price: "$$5"
)",
                  env);
    const auto& c = r.cfg;
    CHECK(c.elasticsearch.host == "https://from-env:9200");
    CHECK(c.elasticsearch.username == "ingest");
    CHECK(c.elasticsearch.password == "fallback-pw");
    CHECK(c.elasticsearch.ca_certs == "/etc/ca.pem");
    CHECK(c.elasticsearch.bulk.chunk_size == 42);
    CHECK(c.service.service_types == std::vector<std::string>{"salesforce", "dir"});
    CHECK(c.sources.at("price") == "$5");
}

TEST_CASE("comments are not substituted", "[config][env]") {
    auto r = load(
        "# uses $NOT_DEFINED_ANYWHERE\n"
        "service.max_errors: 7  # or ${ALSO_UNDEFINED}\n");
    CHECK(r.cfg.service.max_errors == 7);
}

TEST_CASE("an undefined variable without default names the variable", "[config][env][errors]") {
    auto msg = error_of("elasticsearch.host: $NO_SUCH_VAR\n");
    CHECK(msg.find("NO_SUCH_VAR") != std::string::npos);
    CHECK(msg.find("test.yml:1") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("ENVYAML_STRICT_DISABLE leaves undefined variables as written", "[config][env]") {
    fake_env env{{{"ENVYAML_STRICT_DISABLE", "1"}}};
    auto r = load("elasticsearch.username: $NO_SUCH_USER\n", env);
    CHECK(r.cfg.elasticsearch.username == "$NO_SUCH_USER");
}

TEST_CASE("substitute_env keeps quoted apostrophes and text around names", "[config][env]") {
    fake_env env{{{"A", "x"}}};
    CHECK(substitute_env("name: Bob's ${A}y # $UNSET\n", "t", env.lookup()) ==
          "name: Bob's xy # $UNSET\n");
    CHECK(substitute_env("v: pre$A.post and $ alone and ${bad name}\n", "t", env.lookup()) ==
          "v: prex.post and $ alone and ${bad name}\n");
    CHECK(substitute_env("v: 'quoted # not a comment $A'\n", "t", env.lookup()) ==
          "v: 'quoted # not a comment x'\n");
}

TEST_CASE("unknown keys produce a warning naming the full path", "[config][warnings]") {
    auto r = load(R"(
elasticsearch.bulk.chunk_sise: 5
service:
  idlin: 3
surprise: true
connectors:
  - connector_id: abc
    colour: blue
)");
    CHECK(has_warning(r, "elasticsearch.bulk.chunk_sise"));
    CHECK(has_warning(r, "service.idlin"));
    CHECK(has_warning(r, "unknown key surprise"));
    CHECK(has_warning(r, "connectors[0].colour"));
    CHECK(r.warnings.size() == 4);
}

TEST_CASE("invalid values name the key path and the value", "[config][errors]") {
    CHECK(error_of("elasticsearch.bulk.chunk_size: abc\n") ==
          "config: elasticsearch.bulk.chunk_size: expected a positive integer, got \"abc\"");
    CHECK(error_of("elasticsearch.bulk.chunk_size: 0\n") ==
          "config: elasticsearch.bulk.chunk_size: expected a positive integer, got \"0\"");
    CHECK(error_of("elasticsearch:\n  bulk:\n    max_text_document_size: -1\n") ==
          "config: elasticsearch.bulk.max_text_document_size: expected a non-negative number of "
          "MiB, got \"-1\"");
    CHECK(error_of("service.log_level: verbose\n") ==
          "config: service.log_level: expected one of debug, info, warning, error, critical, got "
          "\"verbose\"");
    CHECK(error_of("elasticsearch.ssl: maybe\n") ==
          "config: elasticsearch.ssl: expected true or false, got \"maybe\"");
    CHECK(error_of("service.idling: soon\n") ==
          "config: service.idling: expected a positive number of seconds, got \"soon\"");
    CHECK(error_of("service.idling:\n") ==
          "config: service.idling: expected a positive number of seconds, got null");
    CHECK(error_of("service.max_errors: 1.5\n") ==
          "config: service.max_errors: expected a non-negative integer, got \"1.5\"");
    CHECK(error_of("elasticsearch.bulk.error_monitor.max_error_rate: 2\n") ==
          "config: elasticsearch.bulk.error_monitor.max_error_rate: expected a number between 0 "
          "and 1, got \"2\"");
    CHECK(error_of("elasticsearch.host: localhost:9200\n") ==
          "config: elasticsearch.host: expected an http:// or https:// URL, got "
          "\"localhost:9200\"");
    CHECK(error_of("service: [1, 2]\n") == "config: service: expected a mapping, got a list");
    CHECK(error_of("connectors: nope\n") == "config: connectors: expected a list, got \"nope\"");
    CHECK(error_of("- a\n- b\n").find("top level must be a mapping") != std::string::npos);
}

TEST_CASE("a YAML syntax error names file, line and column", "[config][errors]") {
    auto msg = error_of("service:\n  idling: 30\n  heartbeat: [1, 2\n");
    CHECK(msg.rfind("config: test.yml:", 0) == 0);
    CHECK(msg.find("YAML syntax error") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    auto msg2 = error_of("a: b\nc: d: e\n");
    CHECK(msg2.rfind("config: test.yml:2:", 0) == 0);
}

TEST_CASE("secrets never appear in error messages", "[config][errors][secrets]") {
    auto a = error_of("elasticsearch.api_key: {k: topsecret-1}\n");
    CHECK(a.find("elasticsearch.api_key") != std::string::npos);
    CHECK(a.find("topsecret") == std::string::npos);
    auto b = error_of("elasticsearch.password: [topsecret-2]\n");
    CHECK(b.find("elasticsearch.password") != std::string::npos);
    CHECK(b.find("topsecret") == std::string::npos);
    auto c = error_of("connectors:\n  - connector_id: x\n    api_key: [topsecret-3]\n");
    CHECK(c.find("connectors[0].api_key") != std::string::npos);
    CHECK(c.find("topsecret") == std::string::npos);
    auto d = error_of(
        "connectors:\n  - connector_id: x\n    configuration:\n"
        "      client_secret: [topsecret-4]\n");
    CHECK(d.find("connectors[0].configuration.client_secret") != std::string::npos);
    CHECK(d.find("topsecret") == std::string::npos);
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
    CHECK(has_warning(r, "connectors[1]: entry without connector_id ignored"));
    CHECK(has_warning(r, "listed more than once"));
    CHECK(has_warning(r, "connector_id: ignored"));
}

TEST_CASE("the deprecated single-connector form is used when connectors is empty",
          "[config][connectors]") {
    auto r = load("connector_id: 42\nservice_type: salesforce\nconnectors:\n");
    REQUIRE(r.cfg.connectors.size() == 1);
    CHECK(r.cfg.connectors[0].connector_id == "42");
    CHECK(r.cfg.connectors[0].service_type == "salesforce");
}

TEST_CASE("extraction_service is absent unless the key is present", "[config][extraction]") {
    CHECK_FALSE(load("").cfg.extraction_service);
    auto empty = load("extraction_service:\n").cfg.extraction_service;
    REQUIRE(empty);
    CHECK(empty->timeout == 30s);
    CHECK(empty->stream_chunk_size == 65536);
    CHECK(empty->shared_volume_dir == "/app/files");
    CHECK_FALSE(empty->host);
    auto set = load("extraction_service:\n  host: http://tika:8090\n  use_file_pointers: yes\n")
                   .cfg.extraction_service;
    REQUIRE(set);
    CHECK(set->host == "http://tika:8090");
    CHECK(set->use_file_pointers);
}

TEST_CASE("load_config_file reads a file and reports a missing one", "[config][file]") {
    std::string path = "/tmp/casio_core_config_test_" + std::to_string(::getpid()) + ".yml";
    {
        std::ofstream out(path);
        out << "service.max_concurrent_content_syncs: 3\n";
    }
    auto r = load_config_file(path, fake_env{}.lookup());
    CHECK(r.cfg.service.max_concurrent_content_syncs == 3);
    std::remove(path.c_str());
    try {
        load_config_file("/nonexistent/casio.yml");
        FAIL("expected config_error");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).find("/nonexistent/casio.yml") != std::string::npos);
    }
}

TEST_CASE("register_secrets hides configured credentials from logs", "[config][secrets]") {
    auto r = load(R"(
elasticsearch.api_key: es-key-value
elasticsearch.password: es-password-value
elasticsearch.headers:
  X-Custom-Auth: header-secret-value
  X-Elastic-Product-Origin: connectors
connectors:
  - connector_id: a
    api_key: connector-key-value
    configuration:
      client_secret: sf-secret-value
)");
    register_secrets(r.cfg);
    auto out = log::redact(
        "es-key-value es-password-value header-secret-value connector-key-value sf-secret-value "
        "connectors");
    log::clear_secrets();
    CHECK(out == "<redacted> <redacted> <redacted> <redacted> <redacted> connectors");
}

TEST_CASE("conf/config.yml.example loads cleanly and states the defaults", "[config][example]") {
    auto example =
        load_config_file(CASIO_SOURCE_DIR "/conf/config.yml.example", fake_env{}.lookup());
    CHECK(example.warnings.empty());
    const config& a = example.cfg;
    const config b = load("").cfg;
    CHECK(a.elasticsearch.host == b.elasticsearch.host);
    CHECK(a.elasticsearch.api_key == b.elasticsearch.api_key);
    CHECK(a.elasticsearch.username == b.elasticsearch.username);
    CHECK(a.elasticsearch.request_timeout == b.elasticsearch.request_timeout);
    CHECK(a.elasticsearch.max_wait_duration == b.elasticsearch.max_wait_duration);
    CHECK(a.elasticsearch.initial_backoff_duration == b.elasticsearch.initial_backoff_duration);
    CHECK(a.elasticsearch.backoff_multiplier == b.elasticsearch.backoff_multiplier);
    CHECK(a.elasticsearch.max_retries == b.elasticsearch.max_retries);
    CHECK(a.elasticsearch.retry_interval == b.elasticsearch.retry_interval);
    CHECK(a.elasticsearch.log_level == b.elasticsearch.log_level);
    const auto& x = a.elasticsearch.bulk;
    const auto& y = b.elasticsearch.bulk;
    CHECK(x.queue_max_size == y.queue_max_size);
    CHECK(x.queue_max_mem_size == y.queue_max_mem_size);
    CHECK(x.queue_refresh_interval == y.queue_refresh_interval);
    CHECK(x.queue_refresh_timeout == y.queue_refresh_timeout);
    CHECK(x.chunk_size == y.chunk_size);
    CHECK(x.chunk_max_mem_size == y.chunk_max_mem_size);
    CHECK(x.max_concurrency == y.max_concurrency);
    CHECK(x.max_text_document_size == y.max_text_document_size);
    CHECK(x.display_every == y.display_every);
    CHECK(x.concurrent_downloads == y.concurrent_downloads);
    CHECK(x.error_monitor.max_total_errors == y.error_monitor.max_total_errors);
    CHECK(x.error_monitor.max_consecutive_errors == y.error_monitor.max_consecutive_errors);
    CHECK(x.error_monitor.max_error_rate == y.error_monitor.max_error_rate);
    CHECK(x.error_monitor.error_window_size == y.error_monitor.error_window_size);
    CHECK(x.error_monitor.error_queue_size == y.error_monitor.error_queue_size);
    CHECK(a.service.idling == b.service.idling);
    CHECK(a.service.heartbeat == b.service.heartbeat);
    CHECK(a.service.job_cleanup_interval == b.service.job_cleanup_interval);
    CHECK(a.service.preflight_max_attempts == b.service.preflight_max_attempts);
    CHECK(a.service.preflight_idle == b.service.preflight_idle);
    CHECK(a.service.max_errors == b.service.max_errors);
    CHECK(a.service.max_errors_span == b.service.max_errors_span);
    CHECK(a.service.max_concurrent_content_syncs == b.service.max_concurrent_content_syncs);
    CHECK(a.service.max_concurrent_access_control_syncs ==
          b.service.max_concurrent_access_control_syncs);
    CHECK(a.service.max_concurrent_scheduling_tasks == b.service.max_concurrent_scheduling_tasks);
    CHECK(a.service.max_file_download_size == b.service.max_file_download_size);
    CHECK(a.service.log_level == b.service.log_level);
    CHECK(a.salesforce.max_concurrent_requests == b.salesforce.max_concurrent_requests);
    CHECK(a.salesforce.max_concurrent_objects == b.salesforce.max_concurrent_objects);
    CHECK(a.salesforce.max_concurrent_pages == b.salesforce.max_concurrent_pages);
    CHECK(a.salesforce.max_file_content_in_flight == b.salesforce.max_file_content_in_flight);
    CHECK(a.connectors.empty());
    CHECK_FALSE(a.extraction_service);
    CHECK(a.sources == b.sources);
}

TEST_CASE("the salesforce section: concurrency bounds, validated and named",
          "[config][salesforce]") {
    auto r = load(
        "salesforce:\n  max_concurrent_requests: 5\n  max_concurrent_objects: 2\n"
        "  max_concurrent_pages: 3\n  max_file_content_in_flight: 8\n"
        "elasticsearch.bulk.concurrent_downloads: 7\n");
    CHECK(r.warnings.empty());
    CHECK(r.cfg.salesforce.max_concurrent_requests == 5);
    CHECK(r.cfg.salesforce.max_concurrent_objects == 2);
    CHECK(r.cfg.salesforce.max_concurrent_pages == 3);
    CHECK(r.cfg.salesforce.max_file_content_in_flight == 8 * mib);
    CHECK(r.cfg.elasticsearch.bulk.concurrent_downloads == 7);
    CHECK_THROWS_WITH(load("salesforce.max_concurrent_requests: 0\n"),
                      Catch::Contains("salesforce.max_concurrent_requests"));
    CHECK_THROWS_WITH(load("salesforce:\n  max_concurrent_pages: many\n"),
                      Catch::Contains("salesforce.max_concurrent_pages"));
    CHECK(
        load("salesforce:\n  max_concurent_objects: 2\n").warnings ==
        std::vector<std::string>{"config: unknown key salesforce.max_concurent_objects (ignored)"});
}

TEST_CASE("a dotenv file supplies variables the environment lacks", "[config][env]") {
    std::string path = "/tmp/casio_core_dotenv_" + std::to_string(::getpid());
    {
        std::ofstream out(path);
        out << "# comment\nES_USER=from-dotenv\nexport ES_PASS='quoted value'\n"
               "ES_HOST=http://dotenv:9200\nbroken line\n";
    }
    fake_env env{{{"ES_HOST", "https://real-env:9200"}}};
    auto lookup = with_dotenv(env.lookup(), path);
    std::remove(path.c_str());
    auto r = load_config_string(
        "elasticsearch.username: $ES_USER\nelasticsearch.password: ${ES_PASS}\n"
        "elasticsearch.host: $ES_HOST\n",
        "test.yml", lookup);
    CHECK(r.cfg.elasticsearch.username == "from-dotenv");
    CHECK(r.cfg.elasticsearch.password == "quoted value");
    CHECK(r.cfg.elasticsearch.host == "https://real-env:9200");  // the real environment wins
    CHECK_FALSE(with_dotenv(env.lookup(), "/nonexistent/.env")("ES_USER"));
}
