#pragma once
// The service configuration, read from the same config.yml the Python connectors service reads:
// environment substitution, dotted top-level keys, deep merge over the defaults, then typed and
// validated. Every key and its default is documented in conf/config.yml.example.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <casio/core/log.hpp>

namespace casio::core {

// Thrown for anything that stops the service from starting with this configuration. what() is
// one line that names the file or key path and the offending value, never a secret.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

using seconds_ms = std::chrono::milliseconds;  // durations are written in seconds, kept in ms

inline constexpr std::size_t mib = 1024 * 1024;

struct error_monitor_config {
    bool enabled = true;
    std::int64_t max_total_errors = 1000;
    std::int64_t max_consecutive_errors = 10;
    double max_error_rate = 0.15;
    std::int64_t error_window_size = 100;
    std::int64_t error_queue_size = 10;
};

// elasticsearch.bulk: the extractor -> sink queue and the _bulk requests. Sizes written in MiB
// in the file are kept here in bytes.
struct bulk_config {
    std::int64_t queue_max_size = 1024;
    std::size_t queue_max_mem_size = 25 * mib;
    seconds_ms queue_refresh_interval = std::chrono::seconds(1);
    seconds_ms queue_refresh_timeout = std::chrono::seconds(1300);
    std::int64_t display_every = 100;
    std::int64_t chunk_size = 500;
    std::size_t chunk_max_mem_size = 3 * mib;
    std::size_t max_text_document_size = 3 * mib;  // 0 disables the cap
    std::int64_t max_concurrency = 5;
    std::int64_t concurrent_downloads = 20;
    std::int64_t max_retries = 5;
    seconds_ms retry_interval = std::chrono::seconds(10);
    bool enable_operations_logging = false;
    error_monitor_config error_monitor;
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
    log::level log_level = log::level::info;
    std::int64_t max_retries = 5;
    seconds_ms retry_interval = std::chrono::seconds(10);
    bool feature_use_connectors_api = true;
    std::map<std::string, std::string> headers;
    bool serverless = false;  // normally learnt at preflight, not written by users
    bulk_config bulk;
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
    seconds_ms job_cleanup_interval = std::chrono::seconds(300);
    log::level log_level = log::level::info;
    bool fips_mode = false;
};

// A scalar from the file, typed as YAML 1.1 reads it (quoted text is always a string).
using config_scalar = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

// One entry of `connectors:`. The bootstrap fields (index_name, name, configuration) let a
// connector be created from the file; they are optional.
struct connector_entry {
    std::string connector_id;
    std::optional<std::string> service_type;
    std::optional<std::string> api_key;
    std::optional<std::string> index_name;
    std::optional<std::string> name;
    std::map<std::string, config_scalar> configuration;  // empty when not given
};

// `salesforce:`: how much of a Salesforce sync runs at once (this service's own section; the
// Python service has none and ignores it). Files in flight are elasticsearch.bulk's
// concurrent_downloads.
struct salesforce_config {
    std::int64_t max_concurrent_requests = 20;          // to one org at once, every kind of request
    std::int64_t max_concurrent_objects = 4;            // objects of one sync queried at once
    std::int64_t max_concurrent_pages = 6;              // query pages of one sync held at once
    std::size_t max_file_content_in_flight = 24 * mib;  // file content of one sync held at once
};

// Present only when the file has an `extraction_service` key.
struct extraction_service_config {
    std::optional<std::string> host;
    seconds_ms timeout = std::chrono::seconds(30);
    bool use_file_pointers = false;
    std::int64_t stream_chunk_size = 65536;
    std::string shared_volume_dir = "/app/files";
};

struct config {
    elasticsearch_config elasticsearch;
    service_config service;
    std::vector<connector_entry> connectors;  // after deprecated-form fallback and dedup
    std::optional<extraction_service_config> extraction_service;
    salesforce_config salesforce;
    std::map<std::string, std::string> sources = {{"salesforce", "salesforce"}};
};

struct load_result {
    config cfg;
    std::vector<std::string> warnings;  // e.g. unknown keys, named by their dotted path
};

// Looks a variable up; nullopt when it is not set. The default reads the process environment.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
std::optional<std::string> process_env(std::string_view name);

// Adds the NAME=VALUE lines of a dotenv file (comments and blank lines skipped, surrounding
// quotes stripped) to `base`; variables set in `base` win. A missing file adds nothing.
env_lookup with_dotenv(env_lookup base, const std::string& dotenv_path);

// Like the Python service, also reads `.env` in the current directory when it exists
// (through with_dotenv, so the real environment wins).
load_result load_config_file(const std::string& path, const env_lookup& env = process_env);
load_result load_config_string(std::string_view yaml, std::string_view source_name,
                               const env_lookup& env = process_env);

// Substitutes $VAR, ${VAR}, $VAR|default, ${VAR|default} and $$ outside comments.
// Exposed for tests and for tools; load_config_* call it.
std::string substitute_env(std::string_view text, std::string_view source_name,
                           const env_lookup& env = process_env);

// Registers every secret of the configuration with the logger so no log line can show it.
void register_secrets(const config& cfg);

}  // namespace casio::core
