// The `elasticsearch:` section (bulk.* and bulk.error_monitor.* included).
#include <catch2/catch.hpp>
#include <support/config_fixture.hpp>

#include <casio/es/settings.hpp>

using namespace casio;
using namespace std::chrono_literals;
using core::mib;
using test::config_error_of;
using test::fake_env;

namespace {

struct file {
    es::elasticsearch_config elasticsearch;
};

const core::config_table<file>& file_table() {
    static const core::config_table<file> t{
        {core::subsection("elasticsearch", &file::elasticsearch, es::elasticsearch_table())}};
    return t;
}

auto load(std::string_view yaml, const fake_env& env = {}) {
    return test::read_yaml(yaml, file_table(), env);
}

std::string error_of(std::string_view yaml) {
    return config_error_of([&] { load(yaml); });
}

}  // namespace

TEST_CASE("the elasticsearch section's defaults", "[config][defaults]") {
    auto r = load("");
    const auto& c = r.cfg.elasticsearch;
    CHECK(r.warnings.empty());
    CHECK(c.host == "http://localhost:9200");
    CHECK(c.username == "elastic");
    CHECK(c.password == "changeme");
    CHECK_FALSE(c.api_key);
    CHECK(c.request_timeout == 240s);
    CHECK(c.max_retries == 5);
    CHECK(c.retry_interval == 10s);
    CHECK(c.backoff_multiplier == 2.0);
    CHECK(c.bulk.chunk_size == 500);
    CHECK(c.bulk.queue_max_mem_size == 25 * mib);
    CHECK(c.bulk.chunk_max_mem_size == 3 * mib);
    CHECK(c.bulk.max_text_document_size == 3 * mib);
    CHECK(c.bulk.queue_refresh_timeout == 1300s);
    CHECK(c.bulk.max_retries == 5);
    CHECK(c.bulk.concurrent_downloads == 20);
    CHECK(c.bulk.error_monitor.max_error_rate == Approx(0.15));
}

TEST_CASE("dotted and nested elasticsearch keys merge over the defaults", "[config][merge]") {
    fake_env env{{{"ES_HOST", "https://from-env:9200"}, {"CHUNK", "42"}}};
    auto r = load(R"(
elasticsearch.bulk.max_concurrency: 3
elasticsearch:
  host: $ES_HOST
  password: "$MISSING_PW|fallback-pw"
  bulk:
    chunk_size: ${CHUNK}
    queue_max_mem_size: 10
    chunk_max_mem_size: 0.5
    max_text_document_size: 0
    max_retries: 2
    error_monitor:
      enabled: false
)",
                  env);
    const auto& c = r.cfg.elasticsearch;
    CHECK(r.warnings.empty());
    CHECK(c.host == "https://from-env:9200");
    CHECK(c.password == "fallback-pw");
    CHECK(c.username == "elastic");
    CHECK(c.bulk.chunk_size == 42);
    CHECK(c.bulk.max_concurrency == 3);
    CHECK(c.bulk.queue_max_size == 1024);  // sibling default kept
    CHECK(c.bulk.queue_max_mem_size == 10 * mib);
    CHECK(c.bulk.chunk_max_mem_size == mib / 2);
    CHECK(c.bulk.max_text_document_size == 0);
    CHECK(c.bulk.max_retries == 2);
    CHECK_FALSE(c.bulk.error_monitor.enabled);
}

TEST_CASE("invalid elasticsearch values name the key path and the value", "[config][errors]") {
    test::check_errors(
        error_of,
        {
            {"elasticsearch.bulk.chunk_size: abc\n",
             "config: elasticsearch.bulk.chunk_size: expected an integer from 1 to 100000, got "
             "\"abc\""},
            {"elasticsearch.bulk.chunk_size: 0\n",
             "config: elasticsearch.bulk.chunk_size: expected an integer from 1 to 100000, got "
             "\"0\""},
            {"elasticsearch.bulk.chunk_size: 1000000000\n",
             "config: elasticsearch.bulk.chunk_size: expected an integer from 1 to 100000, got "
             "\"1000000000\""},
            {"elasticsearch.bulk.max_concurrency: 257\n",
             "config: elasticsearch.bulk.max_concurrency: expected an integer from 1 to 256, got "
             "\"257\""},
            {"elasticsearch:\n  bulk:\n    max_text_document_size: -1\n",
             "config: elasticsearch.bulk.max_text_document_size: expected a number of MiB from 0 "
             "to 1024, got \"-1\""},
            {"elasticsearch.ssl: maybe\n",
             "config: elasticsearch.ssl: expected true or false, got \"maybe\""},
            {"elasticsearch.bulk.error_monitor.max_error_rate: 2\n",
             "config: elasticsearch.bulk.error_monitor.max_error_rate: expected a number between 0 "
             "and 1, got \"2\""},
            {"elasticsearch.host: localhost:9200\n",
             "config: elasticsearch.host: expected an http:// or https:// URL, got "
             "\"localhost:9200\""},
            {"elasticsearch.backoff_multiplier: 0.5\n",
             "config: elasticsearch.backoff_multiplier: expected a number of at least 1, got "
             "\"0.5\""},
        });
}

TEST_CASE("elasticsearch credentials never appear in error messages", "[config][secrets]") {
    test::check_secrets_hidden(
        error_of, {
                      {"elasticsearch.api_key: {k: topsecret-1}\n", "elasticsearch.api_key"},
                      {"elasticsearch.password: [topsecret-2]\n", "elasticsearch.password"},
                      {"elasticsearch.headers:\n  Authorization: [topsecret-3]\n",
                       "elasticsearch.headers.Authorization"},
                  });
}

TEST_CASE("unknown elasticsearch keys are warned by full path", "[config][warnings]") {
    auto r = load("elasticsearch.bulk.chunk_sise: 5\nelasticsearch.hots: x\n");
    CHECK(r.warnings == std::vector<std::string>{
                            "config: unknown key elasticsearch.bulk.chunk_sise (ignored)",
                            "config: unknown key elasticsearch.hots (ignored)",
                        });
}

TEST_CASE("es::register_secrets hides the password, the API key and secret headers",
          "[config][secrets]") {
    auto r = load(R"(
elasticsearch.api_key: es-key-value
elasticsearch.password: es-password-value
elasticsearch.headers:
  X-Custom-Auth: header-secret-value
  X-Elastic-Product-Origin: connectors
)");
    es::register_secrets(r.cfg.elasticsearch);
    auto out = core::log::redact("es-key-value es-password-value header-secret-value connectors");
    core::log::clear_secrets();
    CHECK(out == "<redacted> <redacted> <redacted> connectors");
}
