// The whole config.yml of connectors-asio: every section together, the accepted-but-unused
// keys, the `salesforce:` section, and conf/config.yml.example against the code.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <settings.hpp>
#include <sstream>
#include <support/config_fixture.hpp>
#include <unistd.h>

using namespace casio;
using core::mib;
using test::config_error_of;
using test::fake_env;
using test::has_warning;

namespace {

app::loaded_settings load(std::string_view yaml, const fake_env& env = {}) {
    return app::load_settings_string(yaml, "test.yml", env.lookup());
}

std::string example_text() {
    std::ifstream in(CASIO_SOURCE_DIR "/conf/config.yml.example");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("unknown keys of every section produce a warning naming the full path",
          "[config][warnings]") {
    auto r = load(R"(
elasticsearch.bulk.chunk_sise: 5
service:
  idlin: 3
surprise: true
salesforce:
  max_concurent_objects: 2
connectors:
  - connector_id: abc
    colour: blue
)");
    CHECK(has_warning(r.warnings, "elasticsearch.bulk.chunk_sise"));
    CHECK(has_warning(r.warnings, "service.idlin"));
    CHECK(has_warning(r.warnings, "unknown key surprise"));
    CHECK(
        has_warning(r.warnings, "config: unknown key salesforce.max_concurent_objects (ignored)"));
    CHECK(has_warning(r.warnings, "connectors[0].colour"));
    CHECK(r.warnings.size() == 5);
    CHECK(r.unused.empty());
}

TEST_CASE("keys accepted but not used are reported once, by the names in the file",
          "[config][unused]") {
    auto r = load(R"(
elasticsearch:
  log_level: debug
  feature_use_connectors_api: false
  bulk:
    display_every: 10
    queue_refresh_interval: 2
    enable_operations_logging: true
    chunk_size: 7
service.fips_mode: true
extraction_service:
  host: http://tika:8090
  timeout: 3
)");
    CHECK(r.warnings.empty());
    CHECK(r.cfg.elasticsearch.bulk.chunk_size == 7);  // a used key beside them still counts
    CHECK(r.unused == std::vector<std::string>{
                          "elasticsearch.log_level",
                          "elasticsearch.feature_use_connectors_api",
                          "elasticsearch.bulk.display_every",
                          "elasticsearch.bulk.queue_refresh_interval",
                          "elasticsearch.bulk.enable_operations_logging",
                          "service.fips_mode",
                          "extraction_service",
                      });
    CHECK(app::unused_keys_line(r) ==
          "accepted but not used: elasticsearch.log_level, "
          "elasticsearch.feature_use_connectors_api, elasticsearch.bulk.display_every, "
          "elasticsearch.bulk.queue_refresh_interval, "
          "elasticsearch.bulk.enable_operations_logging, service.fips_mode, extraction_service");
    CHECK(app::unused_keys_line(load("service.idling: 3\n")).empty());
    CHECK(load("extraction_service:\n").unused == std::vector<std::string>{"extraction_service"});
}

TEST_CASE("the salesforce section: concurrency bounds, validated and named",
          "[config][salesforce]") {
    auto r = load(
        "salesforce:\n  max_concurrent_requests: 5\n  max_concurrent_objects: 2\n"
        "  max_concurrent_pages: 3\n  max_file_content_in_flight: 8\n"
        "elasticsearch.bulk.concurrent_downloads: 7\n");
    CHECK(r.warnings.empty());
    CHECK(r.cfg.salesforce.max_concurrent_requests == 5);
    CHECK(r.cfg.salesforce.limits.objects == 2);
    CHECK(r.cfg.salesforce.limits.pages == 3);
    CHECK(r.cfg.salesforce.limits.file_bytes == 8 * mib);
    CHECK(r.cfg.elasticsearch.bulk.concurrent_downloads == 7);
    CHECK(load("salesforce.max_file_content_in_flight: 0\n").cfg.salesforce.limits.file_bytes == 1);
    CHECK_THROWS_WITH(load("salesforce.max_concurrent_requests: 0\n"),
                      "config: salesforce.max_concurrent_requests: expected a positive integer, "
                      "got \"0\"");
    CHECK_THROWS_WITH(load("salesforce:\n  max_concurrent_pages: many\n"),
                      Catch::Contains("salesforce.max_concurrent_pages"));
}

TEST_CASE("load_settings_file reads a file and reports a missing one", "[config][file]") {
    std::string path = "/tmp/casio_app_config_test_" + std::to_string(::getpid()) + ".yml";
    {
        std::ofstream out(path);
        out << "service.max_concurrent_content_syncs: 3\n";
    }
    auto r = app::load_settings_file(path, fake_env{}.lookup());
    std::remove(path.c_str());
    CHECK(r.cfg.service.max_concurrent_content_syncs == 3);
    auto msg = config_error_of([] { app::load_settings_file("/nonexistent/casio.yml"); });
    CHECK(msg.find("/nonexistent/casio.yml") != std::string::npos);
}

TEST_CASE("app::register_secrets hides configured credentials from logs", "[config][secrets]") {
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
    app::register_secrets(r.cfg);
    auto out = core::log::redact(
        "es-key-value es-password-value header-secret-value connector-key-value sf-secret-value "
        "connectors");
    core::log::clear_secrets();
    CHECK(out == "<redacted> <redacted> <redacted> <redacted> <redacted> connectors");
}

TEST_CASE("conf/config.yml.example loads cleanly and states the defaults", "[config][example]") {
    auto example =
        app::load_settings_file(CASIO_SOURCE_DIR "/conf/config.yml.example", fake_env{}.lookup());
    CHECK(example.warnings.empty());
    CHECK(example.unused.empty());  // documented in a commented block of their own
    const app::settings& a = example.cfg;
    const app::settings b = load("").cfg;
    const auto& e = a.elasticsearch;
    const auto& f = b.elasticsearch;
    CHECK(e.host == f.host);
    CHECK(e.api_key == f.api_key);
    CHECK(e.username == f.username);
    CHECK(e.password == f.password);
    CHECK(e.ssl == f.ssl);
    CHECK(e.verify_certs == f.verify_certs);
    CHECK(e.ca_certs == f.ca_certs);
    CHECK(e.headers == f.headers);
    CHECK(e.request_timeout == f.request_timeout);
    CHECK(e.retry_on_timeout == f.retry_on_timeout);
    CHECK(e.max_wait_duration == f.max_wait_duration);
    CHECK(e.initial_backoff_duration == f.initial_backoff_duration);
    CHECK(e.backoff_multiplier == f.backoff_multiplier);
    CHECK(e.max_retries == f.max_retries);
    CHECK(e.retry_interval == f.retry_interval);
    const auto& x = e.bulk;
    const auto& y = f.bulk;
    CHECK(x.queue_max_size == y.queue_max_size);
    CHECK(x.queue_max_mem_size == y.queue_max_mem_size);
    CHECK(x.queue_refresh_timeout == y.queue_refresh_timeout);
    CHECK(x.chunk_size == y.chunk_size);
    CHECK(x.chunk_max_mem_size == y.chunk_max_mem_size);
    CHECK(x.max_concurrency == y.max_concurrency);
    CHECK(x.max_text_document_size == y.max_text_document_size);
    CHECK(x.concurrent_downloads == y.concurrent_downloads);
    CHECK(x.max_retries == y.max_retries);
    CHECK(x.retry_interval == y.retry_interval);
    CHECK(x.error_monitor.enabled == y.error_monitor.enabled);
    CHECK(x.error_monitor.max_total_errors == y.error_monitor.max_total_errors);
    CHECK(x.error_monitor.max_consecutive_errors == y.error_monitor.max_consecutive_errors);
    CHECK(x.error_monitor.max_error_rate == y.error_monitor.max_error_rate);
    CHECK(x.error_monitor.error_window_size == y.error_monitor.error_window_size);
    CHECK(x.error_monitor.error_queue_size == y.error_monitor.error_queue_size);
    const auto& s = a.service;
    const auto& t = b.service;
    CHECK(s.idling == t.idling);
    CHECK(s.heartbeat == t.heartbeat);
    CHECK(s.job_cleanup_interval == t.job_cleanup_interval);
    CHECK(s.service_types == t.service_types);
    CHECK(s.worker_mode == t.worker_mode);
    CHECK(s.preflight_max_attempts == t.preflight_max_attempts);
    CHECK(s.preflight_idle == t.preflight_idle);
    CHECK(s.max_errors == t.max_errors);
    CHECK(s.max_errors_span == t.max_errors_span);
    CHECK(s.max_concurrent_content_syncs == t.max_concurrent_content_syncs);
    CHECK(s.max_concurrent_access_control_syncs == t.max_concurrent_access_control_syncs);
    CHECK(s.max_concurrent_scheduling_tasks == t.max_concurrent_scheduling_tasks);
    CHECK(s.max_file_download_size == t.max_file_download_size);
    CHECK(s.log_level == t.log_level);
    CHECK(a.salesforce.max_concurrent_requests == b.salesforce.max_concurrent_requests);
    CHECK(a.salesforce.limits.objects == b.salesforce.limits.objects);
    CHECK(a.salesforce.limits.pages == b.salesforce.limits.pages);
    CHECK(a.salesforce.limits.file_bytes == b.salesforce.limits.file_bytes);
    CHECK(a.connectors.empty());
    CHECK(a.sources == b.sources);
}

TEST_CASE("conf/config.yml.example names every key accepted but not used",
          "[config][example][unused]") {
    const std::string text = example_text();
    for (std::string key : app::accepted_but_unused()) {
        if (key.size() > 2 && key.compare(key.size() - 2, 2, ".*") == 0) {
            key.resize(key.size() - 2);
        }
        INFO(key);
        CHECK(text.find("#" + key + ":") != std::string::npos);
    }
}

TEST_CASE("conf/config.yml loads without warnings", "[config][example]") {
    auto r = app::load_settings_file(CASIO_SOURCE_DIR "/conf/config.yml", fake_env{}.lookup());
    CHECK(r.warnings.empty());
    CHECK(r.unused.empty());
    CHECK(r.cfg.connectors.size() == 1);
}
