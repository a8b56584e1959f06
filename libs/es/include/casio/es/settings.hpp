#pragma once
// The `elasticsearch:` section of config.yml (bulk.* included), declared as a config table next
// to the structs it fills. The bulk and error-monitor settings are read by the sync engine, but
// they live in this section of the file, so this library owns them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <casio/core/config_table.hpp>

namespace casio::es {

using core::mib;
using core::seconds_ms;

struct error_monitor_config {
    bool enabled = true;
    std::int64_t max_total_errors = 1000;
    std::int64_t max_consecutive_errors = 10;
    double max_error_rate = 0.15;
    std::int64_t error_window_size = 100;
    std::int64_t error_queue_size = 10;

    bool operator==(const error_monitor_config&) const = default;
};

// elasticsearch.bulk: the extractor -> sink queue and the _bulk requests. Sizes written in MiB
// in the file are kept here in bytes.
struct bulk_config {
    std::int64_t queue_max_size = 1024;
    std::size_t queue_max_mem_size = 25 * mib;
    seconds_ms queue_refresh_timeout = std::chrono::seconds(1300);
    std::int64_t chunk_size = 500;
    std::size_t chunk_max_mem_size = 3 * mib;
    std::size_t max_text_document_size = 3 * mib;  // 0 disables the cap
    std::int64_t max_concurrency = 5;
    std::int64_t concurrent_downloads = 20;  // files of one sync downloaded at once
    std::int64_t max_retries = 5;
    seconds_ms retry_interval = std::chrono::seconds(10);
    // A progress line every this many documents of a sync (0: none).
    std::int64_t display_every = 100;
    // One line per _bulk item with its result (index/update/delete, id, result or error).
    bool enable_operations_logging = false;
    error_monitor_config error_monitor;

    bool operator==(const bulk_config&) const = default;
};

struct elasticsearch_config {
    std::string host = "http://localhost:9200";
    std::optional<std::string> api_key;  // wins over username/password when set
    std::string username = "elastic";
    std::string password = "changeme";
    bool ssl = true;
    bool verify_certs = true;
    std::optional<std::string> ca_certs;
    bool retry_on_timeout = true;
    seconds_ms request_timeout = std::chrono::seconds(240);
    seconds_ms max_wait_duration = std::chrono::seconds(240);
    seconds_ms initial_backoff_duration = std::chrono::seconds(1);
    double backoff_multiplier = 2;
    std::int64_t max_retries = 5;
    seconds_ms retry_interval = std::chrono::seconds(10);
    std::map<std::string, std::string> headers;
    bool serverless = false;  // normally learnt at preflight, not written by users
    bulk_config bulk;

    bool operator==(const elasticsearch_config&) const = default;
};

const core::config_table<error_monitor_config>& error_monitor_table();
const core::config_table<bulk_config>& bulk_table();
const core::config_table<elasticsearch_config>& elasticsearch_table();

// Registers the credentials of the section (password, api_key, secret-looking headers) with
// the logger so no log line can show them.
void register_secrets(const elasticsearch_config& c);

}  // namespace casio::es
