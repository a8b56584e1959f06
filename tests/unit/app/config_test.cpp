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
    CHECK(r.cfg.elasticsearch.bulk.display_every == 10);
    CHECK(r.cfg.elasticsearch.bulk.enable_operations_logging);
    CHECK(r.unused == std::vector<std::string>{
                          "elasticsearch.log_level",
                          "elasticsearch.feature_use_connectors_api",
                          "elasticsearch.bulk.queue_refresh_interval",
                          "service.fips_mode",
                      });
    CHECK(app::unused_keys_line(r) ==
          "accepted but not used: elasticsearch.log_level, "
          "elasticsearch.feature_use_connectors_api, "
          "elasticsearch.bulk.queue_refresh_interval, service.fips_mode");
    CHECK(app::unused_keys_line(load("service.idling: 3\n")).empty());
    CHECK(load("extraction_service:\n").unused.empty());  // read: see the extraction tests
}

TEST_CASE("extraction_service: the Python service's keys, validated and named",
          "[config][extraction]") {
    auto r = load(
        "extraction_service:\n  host: http://127.0.0.1:8090\n  timeout: 5\n"
        "  use_file_pointers: true\n  shared_volume_dir: /shared\n  stream_chunk_size: 1024\n");
    CHECK(r.warnings.empty());
    const auto& e = r.cfg.extraction_service;
    CHECK(e.host == "http://127.0.0.1:8090");
    CHECK(e.timeout == std::chrono::seconds(5));
    CHECK(e.use_file_pointers);
    CHECK(e.shared_volume_dir == "/shared");
    CHECK(e.stream_chunk_size == 1024);
    CHECK_FALSE(load("").cfg.extraction_service.host);  // no service unless a host is given
    CHECK_THROWS_WITH(load("extraction_service.host: tika:8090\n"),
                      Catch::Contains("extraction_service.host: expected an http:// or https:// "
                                      "URL"));
    CHECK_THROWS_WITH(load("extraction_service.stream_chunk_size: 0\n"),
                      Catch::Contains("extraction_service.stream_chunk_size"));
}

TEST_CASE("extraction: the mode, workers and limits, validated and named", "[config][extraction]") {
    CHECK(load("").cfg.extraction.mode == casio::sync::extraction_mode::attachment);
    auto r = load("extraction:\n  mode: LOCAL\n  workers: 3\n  timeout: 5\n  max_text_size: 100\n");
    CHECK(r.warnings.empty());
    CHECK(r.cfg.extraction.mode == casio::sync::extraction_mode::local);
    CHECK(r.cfg.extraction.workers == 3);
    CHECK(r.cfg.extraction.timeout == std::chrono::seconds(5));
    CHECK(r.cfg.extraction.max_text_size == 100);
    CHECK_THROWS_WITH(load("extraction.mode: tika\n"),
                      "config: extraction.mode: expected one of attachment, local, got \"tika\"");
    CHECK_THROWS_WITH(load("extraction.workers: 1000\n"), Catch::Contains("extraction.workers"));
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
                      "config: salesforce.max_concurrent_requests: expected an integer from 1 to "
                      "1000, got \"0\"");
    CHECK_THROWS_WITH(load("salesforce:\n  max_concurrent_pages: many\n"),
                      Catch::Contains("salesforce.max_concurrent_pages"));
}

TEST_CASE("the salesforce section: deadlines and CA bundle, validated and named",
          "[config][salesforce]") {
    using std::chrono::milliseconds;
    auto r = load(
        "salesforce:\n  connect_timeout: 5\n  first_byte_timeout: 60\n  request_timeout: 90\n"
        "  download_timeout: 1200\n  min_transfer_rate: 8\n  transfer_rate_window: 2.5\n"
        "  slow_answer_warning: 0\n");
    CHECK(r.warnings.empty());
    const auto& sf = r.cfg.salesforce;
    CHECK(sf.connect_timeout == milliseconds(5'000));
    CHECK(sf.first_byte_timeout == milliseconds(60'000));
    CHECK(sf.request_timeout == milliseconds(90'000));
    CHECK(sf.download_timeout == milliseconds(1'200'000));
    CHECK(sf.min_transfer_rate == 8 * 1024);
    CHECK(sf.transfer_rate_window == milliseconds(2'500));
    CHECK(sf.slow_answer_warning == milliseconds(0));
    const auto o = casio::salesforce::http_options(sf, {});
    CHECK(o.connect_timeout == milliseconds(5'000));
    CHECK(o.first_byte_timeout == milliseconds(60'000));
    CHECK(o.request_timeout == milliseconds(90'000));
    CHECK(o.stream_timeout == milliseconds(1'200'000));
    CHECK(o.min_transfer_rate == 8 * 1024);
    CHECK(o.tls.ca_file.empty());
    CHECK_THROWS_WITH(load("salesforce.first_byte_timeout: 0.5\n"),
                      "config: salesforce.first_byte_timeout: expected a number of seconds from 1 "
                      "to 3600, got \"0.5\"");
    CHECK_THROWS_WITH(load("salesforce.download_timeout: 100000\n"),
                      Catch::Contains("salesforce.download_timeout: expected a number of seconds "
                                      "from 1 to 86400"));
    CHECK_THROWS_WITH(load("salesforce.min_transfer_rate: -1\n"),
                      Catch::Contains("salesforce.min_transfer_rate"));
    CHECK_THROWS_WITH(load("salesforce.ca_certs: /nonexistent/ca.pem\n"),
                      "config: salesforce.ca_certs: expected a readable file of PEM CA "
                      "certificates, got \"/nonexistent/ca.pem\"");
    CHECK_THROWS_WITH(load("salesforce.ca_certs: " CASIO_SOURCE_DIR "/conf/config.yml\n"),
                      Catch::Contains("salesforce.ca_certs: expected a readable file of PEM CA"));
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

TEST_CASE("conf/config.yml.example loads cleanly and states the defaults", "[config][example]") {
    auto example =
        app::load_settings_file(CASIO_SOURCE_DIR "/conf/config.yml.example", fake_env{}.lookup());
    CHECK(example.warnings.empty());
    CHECK(example.unused.empty());  // documented in a commented block of their own
    const app::settings& a = example.cfg;
    const app::settings b = load("").cfg;
    CHECK(a.elasticsearch.bulk.error_monitor == b.elasticsearch.bulk.error_monitor);
    CHECK(a.elasticsearch.bulk == b.elasticsearch.bulk);
    CHECK(a.elasticsearch == b.elasticsearch);
    CHECK(a.service == b.service);
    CHECK(a.salesforce.max_concurrent_requests == b.salesforce.max_concurrent_requests);
    CHECK(a.salesforce.limits.objects == b.salesforce.limits.objects);
    CHECK(a.salesforce.limits.pages == b.salesforce.limits.pages);
    CHECK(a.salesforce.limits.file_bytes == b.salesforce.limits.file_bytes);
    CHECK(a.salesforce.connect_timeout == b.salesforce.connect_timeout);
    CHECK(a.salesforce.first_byte_timeout == b.salesforce.first_byte_timeout);
    CHECK(a.salesforce.request_timeout == b.salesforce.request_timeout);
    CHECK(a.salesforce.download_timeout == b.salesforce.download_timeout);
    CHECK(a.salesforce.min_transfer_rate == b.salesforce.min_transfer_rate);
    CHECK(a.salesforce.transfer_rate_window == b.salesforce.transfer_rate_window);
    CHECK(a.salesforce.slow_answer_warning == b.salesforce.slow_answer_warning);
    CHECK(a.salesforce.ca_certs == b.salesforce.ca_certs);
    CHECK(a.extraction_service == b.extraction_service);
    CHECK(a.extraction == b.extraction);
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

TEST_CASE("docker/config.yml loads without a warning and points at the compose extraction service",
          "[config][docker]") {
    std::ifstream in(CASIO_SOURCE_DIR "/docker/config.yml");
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE(!text.str().empty());
    auto r = app::load_settings_string(text.str(), "docker/config.yml", fake_env{}.lookup());
    CHECK(r.warnings.empty());
    CHECK(r.unused.empty());
    CHECK(r.cfg.extraction_service.host == "http://extraction-service:8090");
    CHECK(r.cfg.extraction.mode == casio::sync::extraction_mode::attachment);
    fake_env local;
    local.vars["EXTRACTION_MODE"] = "local";
    auto l = app::load_settings_string(text.str(), "docker/config.yml", local.lookup());
    CHECK(l.cfg.extraction.mode == casio::sync::extraction_mode::local);
}
