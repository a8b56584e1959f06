#pragma once
// The sections of config.yml the sync service reads: `service:`, `connectors:` (with the
// deprecated top-level connector_id/service_type), `sources:`, and the `elasticsearch:` section
// declared by libs/es. config_table() reads them all into one `sync::config`.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <casio/core/config_table.hpp>
#include <casio/es/settings.hpp>

namespace casio::sync {

using core::seconds_ms;

// service.http: the status endpoint (GET /health, /ready, /metrics), off without a port.
struct http_endpoint_config {
    std::string host = "127.0.0.1";
    std::optional<std::uint16_t> port;  // 0: a port chosen by the system

    bool operator==(const http_endpoint_config&) const = default;
};

struct service_config {
    bool worker_mode = false;
    std::vector<std::string> service_types;
    seconds_ms idling = std::chrono::seconds(30);
    seconds_ms heartbeat = std::chrono::seconds(300);
    std::int64_t preflight_max_attempts = 10;
    seconds_ms preflight_idle = std::chrono::seconds(30);
    std::int64_t max_errors = 20;
    seconds_ms max_errors_span = std::chrono::seconds(600);
    std::int64_t max_concurrent_content_syncs = 1;
    std::int64_t max_concurrent_access_control_syncs = 1;
    std::int64_t max_concurrent_scheduling_tasks = 4;
    std::uint64_t max_file_download_size = 10485760;
    // Incremental jobs read only the changes since the connector's sync_cursor
    // (docs/incremental-sync.md); false: they list everything and skip unchanged documents,
    // as the reference does.
    bool incremental_sync_reads_changes = true;
    seconds_ms job_cleanup_interval = std::chrono::seconds(300);
    core::log::level log_level = core::log::level::info;
    http_endpoint_config http;
    // TLS through OpenSSL's FIPS provider; refused at start when this build has none.
    bool fips_mode = false;

    bool operator==(const service_config&) const = default;
};

// One entry of `connectors:`. The bootstrap fields (index_name, name, configuration) let a
// connector be created from the file; they are optional.
struct connector_entry {
    std::string connector_id;
    std::optional<std::string> service_type;
    std::optional<std::string> api_key;
    std::optional<std::string> index_name;
    std::optional<std::string> name;
    std::map<std::string, core::config_scalar> configuration;  // empty when not given
};

// The one service type this build serves (libs/salesforce): a connector of any other type
// would never be synced, so the configuration may not ask for one.
inline constexpr std::string_view served_service_type = "salesforce";

struct config {
    es::elasticsearch_config elasticsearch;
    service_config service;
    std::vector<connector_entry> connectors;  // after deprecated-form fallback and dedup
    std::map<std::string, std::string> sources = {{"salesforce", "salesforce"}};
};

const core::config_table<http_endpoint_config>& http_endpoint_table();
const core::config_table<service_config>& service_table();
const core::config_table<connector_entry>& connector_table();
// The top-level keys above; a service that adds sections reads them with its own table.
const core::config_table<config>& config_table();

// Registers every secret of these sections with the logger so no log line can show it.
void register_secrets(const config& cfg);

}  // namespace casio::sync
