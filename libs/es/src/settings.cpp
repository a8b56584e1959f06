// The `elasticsearch:` section as config tables.
#include <casio/es/settings.hpp>
#include <casio/http/client.hpp>

namespace casio::es {

namespace read = core::config_read;
using core::field;
using core::subsection;

const core::config_table<error_monitor_config>& error_monitor_table() {
    using c = error_monitor_config;
    static const core::config_table<c> table{{
        field("enabled", &c::enabled, read::boolean{}),
        field("max_total_errors", &c::max_total_errors, read::integer{0, 100000000}),
        field("max_consecutive_errors", &c::max_consecutive_errors, read::integer{0, 100000000}),
        field("max_error_rate", &c::max_error_rate, read::number{0, 1, "a number between 0 and 1"}),
        field("error_window_size", &c::error_window_size, read::integer{1, 1000000}),
        field("error_queue_size", &c::error_queue_size, read::integer{0, 10000}),
    }};
    return table;
}

const core::config_table<bulk_config>& bulk_table() {
    using c = bulk_config;
    static const core::config_table<c> table{{
        field("queue_max_size", &c::queue_max_size, read::integer{1, 1000000}),
        field("queue_max_mem_size", &c::queue_max_mem_size, read::mebibytes{4096}),
        field("queue_refresh_timeout", &c::queue_refresh_timeout, read::seconds{true}),
        field("chunk_size", &c::chunk_size, read::integer{1, 100000}),
        field("chunk_max_mem_size", &c::chunk_max_mem_size, read::mebibytes{1024}),
        field("max_text_document_size", &c::max_text_document_size, read::mebibytes{1024}),
        field("max_concurrency", &c::max_concurrency, read::integer{1, 256}),
        field("concurrent_downloads", &c::concurrent_downloads, read::integer{1, 1000}),
        field("max_retries", &c::max_retries, read::integer{0, 100}),
        field("retry_interval", &c::retry_interval, read::seconds{false}),
        field("display_every", &c::display_every, read::integer{0, 1000000000}),
        field("enable_operations_logging", &c::enable_operations_logging, read::boolean{}),
        subsection("error_monitor", &c::error_monitor, error_monitor_table()),
    }};
    return table;
}

namespace {

bool is_http_url(const std::string& v) {
    return v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
}

bool usable_ca_file(const std::optional<std::string>& path) {
    return !path || path->empty() || http::loadable_ca_file(*path);
}

}  // namespace

const core::config_table<elasticsearch_config>& elasticsearch_table() {
    using c = elasticsearch_config;
    static const core::config_table<c> table{{
        field("host", &c::host,
              read::checked{read::string{}, is_http_url, "an http:// or https:// URL"}),
        field("api_key", &c::api_key, read::optional_string{true}),
        field("username", &c::username, read::string{}),
        field("password", &c::password, read::string{true}),
        field("ssl", &c::ssl, read::boolean{}),
        field("verify_certs", &c::verify_certs, read::boolean{}),
        field("ca_certs", &c::ca_certs,
              read::checked{read::optional_string{}, usable_ca_file,
                            "a readable file of PEM CA certificates"}),
        field("retry_on_timeout", &c::retry_on_timeout, read::boolean{}),
        field("request_timeout", &c::request_timeout, read::seconds{true}),
        field("max_wait_duration", &c::max_wait_duration, read::seconds{false}),
        field("initial_backoff_duration", &c::initial_backoff_duration, read::seconds{false}),
        field("backoff_multiplier", &c::backoff_multiplier,
              read::number{1, 1000, "a number of at least 1"}),
        field("max_retries", &c::max_retries, read::integer{0, 100}),
        field("retry_interval", &c::retry_interval, read::seconds{false}),
        field("headers", &c::headers, read::string_map{true}),
        field("serverless", &c::serverless, read::boolean{}),
        subsection("bulk", &c::bulk, bulk_table()),
    }};
    return table;
}

void register_secrets(const elasticsearch_config& c) {
    core::log::register_secret(c.password);
    if (c.api_key) {
        core::log::register_secret(*c.api_key);
    }
    for (const auto& [name, value] : c.headers) {
        if (core::looks_secret(name)) {
            core::log::register_secret(value);
        }
    }
}

}  // namespace casio::es
