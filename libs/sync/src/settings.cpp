// The sync service's sections of config.yml as config tables.
#include <algorithm>

#include <casio/sync/settings.hpp>

namespace casio::sync {

namespace read = core::config_read;
using core::config_node;
using core::field;

namespace {

bool is_blank_id(const config_node& n) {
    return n.k == config_node::kind::null || (n.k == config_node::kind::scalar && n.text.empty());
}

// Field values of an API-created connector; any of them may be a credential, so a value that
// is not a scalar is refused without being shown.
std::map<std::string, core::config_scalar> read_configuration(const config_node& n,
                                                              const std::string& path) {
    std::map<std::string, core::config_scalar> out;
    if (n.k == config_node::kind::null) {
        return out;
    }
    if (n.k != config_node::kind::map) {
        core::config_fail(path, "a mapping of field names to values", n, true);
    }
    for (const auto& [key, value] : n.entries) {
        out[key] = read::scalar{}(value, core::config_path(path, key));
    }
    return out;
}

void read_connector_id(connector_entry& e, const config_node& n, const std::string& path,
                       core::config_reader&) {
    if (!is_blank_id(n)) {
        e.connector_id = read::string{}(n, path);
    }
}

}  // namespace

const core::config_table<http_endpoint_config>& http_endpoint_table() {
    using c = http_endpoint_config;
    static const core::config_table<c> table{{
        field("host", &c::host, read::string{}),
        core::setter<c>("port", read::integer{0, 65535},
                        [](c& e, std::int64_t v) { e.port = static_cast<std::uint16_t>(v); }),
    }};
    return table;
}

const core::config_table<service_config>& service_table() {
    using c = service_config;
    static const core::config_table<c> table{{
        field("worker_mode", &c::worker_mode, read::boolean{}),
        field("service_types", &c::service_types, read::string_list{}),
        field("idling", &c::idling, read::seconds{true}),
        field("heartbeat", &c::heartbeat, read::seconds{true}),
        field("preflight_max_attempts", &c::preflight_max_attempts, read::integer{1, 1000000}),
        field("preflight_idle", &c::preflight_idle, read::seconds{false}),
        field("max_errors", &c::max_errors, read::integer{0, 1000000}),
        field("max_errors_span", &c::max_errors_span, read::seconds{true}),
        field("max_concurrent_content_syncs", &c::max_concurrent_content_syncs,
              read::integer{1, 1000}),
        field("max_concurrent_access_control_syncs", &c::max_concurrent_access_control_syncs,
              read::integer{1, 1000}),
        field("max_concurrent_scheduling_tasks", &c::max_concurrent_scheduling_tasks,
              read::integer{1, 1000}),
        field("max_file_download_size", &c::max_file_download_size,
              read::integer{0, std::int64_t{1} << 40}),
        field("incremental_sync_reads_changes", &c::incremental_sync_reads_changes,
              read::boolean{}),
        field("job_cleanup_interval", &c::job_cleanup_interval, read::seconds{true}),
        field("log_level", &c::log_level, read::log_level{}),
        core::subsection("http", &c::http, http_endpoint_table()),
        field("fips_mode", &c::fips_mode, read::boolean{}),
    }};
    return table;
}

const core::config_table<connector_entry>& connector_table() {
    using c = connector_entry;
    static const core::config_table<c> table{{
        {"connector_id", read_connector_id},
        field("service_type", &c::service_type, read::optional_string{}),
        field("api_key", &c::api_key, read::optional_string{true}),
        field("index_name", &c::index_name, read::optional_string{}),
        field("name", &c::name, read::optional_string{}),
        core::setter<c>("configuration", read_configuration,
                        [](c& e, std::map<std::string, core::config_scalar> v) {
                            e.configuration = std::move(v);
                        }),
    }};
    return table;
}

namespace {

// Entries without connector_id are skipped with a warning; a repeated id replaces the earlier
// entry in place.
void read_connectors(config& cfg, const config_node& n, const std::string& path,
                     core::config_reader& r) {
    if (n.k == config_node::kind::null) {
        return;
    }
    if (n.k != config_node::kind::sequence) {
        core::config_fail(path, "a list", n);
    }
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        std::string at = path + "[" + std::to_string(i) + "]";
        if (n.items[i].k != config_node::kind::map) {
            core::config_fail(at, "a mapping with connector_id and service_type", n.items[i]);
        }
        connector_entry e;
        r.read(n.items[i], at, connector_table(), e);
        if (e.connector_id.empty()) {
            r.warn("config: " + at + ": entry without connector_id ignored");
            continue;
        }
        auto same = std::find_if(
            cfg.connectors.begin(), cfg.connectors.end(),
            [&](const connector_entry& x) { return x.connector_id == e.connector_id; });
        if (same == cfg.connectors.end()) {
            cfg.connectors.push_back(std::move(e));
            continue;
        }
        r.warn("config: connectors: connector_id " + core::config_quote(e.connector_id) +
               " is listed more than once; the last entry wins");
        *same = std::move(e);
    }
}

// The deprecated single-connector form: top-level connector_id and service_type, used only
// when the connectors list is empty.
void apply_single_connector(config& cfg, const config_node& root, core::config_reader& r) {
    const config_node* id = root.find("connector_id");
    if (!id) {
        return;
    }
    auto connector_id = read::optional_string{}(*id, "connector_id");
    if (!connector_id || connector_id->empty()) {
        return;
    }
    if (!cfg.connectors.empty()) {
        r.warn("config: connector_id: ignored because the connectors list is not empty");
        return;
    }
    connector_entry e;
    e.connector_id = *connector_id;
    if (const config_node* type = root.find("service_type")) {
        e.service_type = read::optional_string{}(*type, "service_type");
    }
    cfg.connectors.push_back(std::move(e));
}

void merge_sources(config& cfg, const std::map<std::string, std::string>& sources) {
    for (const auto& [k, v] : sources) {
        cfg.sources[k] = v;
    }
}

}  // namespace

const core::config_table<config>& config_table() {
    using c = config;
    static const core::config_table<c> table{
        {
            core::subsection("elasticsearch", &c::elasticsearch, es::elasticsearch_table()),
            core::subsection("service", &c::service, service_table()),
            {"connectors", read_connectors},
            core::setter<c>("sources", read::string_map{}, merge_sources),
            core::checked_only<c>("connector_id", read::optional_string{}),
            core::checked_only<c>("service_type", read::optional_string{}),
        },
        apply_single_connector};
    return table;
}

void register_secrets(const config& cfg) {
    es::register_secrets(cfg.elasticsearch);
    for (const auto& c : cfg.connectors) {
        if (c.api_key) {
            core::log::register_secret(*c.api_key);
        }
        for (const auto& [name, value] : c.configuration) {
            if (const auto* text = std::get_if<std::string>(&value);
                text && core::looks_secret(name)) {
                core::log::register_secret(*text);
            }
        }
    }
}

}  // namespace casio::sync
