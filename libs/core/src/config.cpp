#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include <casio/core/config.hpp>
#include <casio/core/text.hpp>

namespace casio::core {

namespace {

// ---------------------------------------------------------------------------------------------
// Environment substitution

bool is_name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Ends a default written without braces: `$VAR|default`.
bool ends_bare_default(char c) {
    return is_blank(c) || c == '\n' || c == '"' || c == '\'' || c == '{' || c == '}';
}

// A quote opens a quoted scalar only where a value may start, so that an apostrophe inside a
// plain scalar ("Bob's") does not hide the comment that follows.
bool value_may_start_after(std::string_view line, std::size_t i) {
    while (i > 0 && is_blank(line[i - 1])) {
        --i;
    }
    if (i == 0) {
        return true;
    }
    char c = line[i - 1];
    return c == ':' || c == '-' || c == '[' || c == '{' || c == ',';
}

// ---------------------------------------------------------------------------------------------
// A small tree of the file, so that dotted keys can be nested and merged before typing.

struct node {
    enum class kind { null, scalar, sequence, map };
    kind k = kind::null;
    std::string text;  // scalar text
    bool quoted = false;
    std::vector<node> items;
    std::vector<std::pair<std::string, node>> entries;  // map, in file order

    node* find(std::string_view key) {
        for (auto& [k2, v] : entries) {
            if (k2 == key) {
                return &v;
            }
        }
        return nullptr;
    }
};

std::string source_prefix(std::string_view source) {
    return "config: " + std::string(source);
}

node convert(const YAML::Node& y, std::string_view source) {
    node n;
    switch (y.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            n.k = node::kind::null;
            break;
        case YAML::NodeType::Scalar:
            n.k = node::kind::scalar;
            n.text = y.Scalar();
            n.quoted = y.Tag() == "!";
            break;
        case YAML::NodeType::Sequence:
            n.k = node::kind::sequence;
            for (const auto& item : y) {
                n.items.push_back(convert(item, source));
            }
            break;
        case YAML::NodeType::Map:
            n.k = node::kind::map;
            for (const auto& kv : y) {
                if (!kv.first.IsScalar()) {
                    auto m = kv.first.Mark();
                    throw config_error(source_prefix(source) + ":" + std::to_string(m.line + 1) +
                                       ":" + std::to_string(m.column + 1) +
                                       ": keys must be plain scalars");
                }
                n.entries.emplace_back(kv.first.Scalar(), convert(kv.second, source));
            }
            break;
    }
    return n;
}

// Maps merge key by key; anything else replaces.
void merge_into(node& dst, node src) {
    if (dst.k == node::kind::map && src.k == node::kind::map) {
        for (auto& [key, value] : src.entries) {
            if (node* existing = dst.find(key)) {
                merge_into(*existing, std::move(value));
            } else {
                dst.entries.emplace_back(key, std::move(value));
            }
        }
    } else {
        dst = std::move(src);
    }
}

// `elasticsearch.bulk.chunk_size: 100` at top level becomes nested maps. Only top-level keys are
// split, as in the Python service.
node nest_top_level(node root) {
    node out;
    out.k = node::kind::map;
    for (auto& [key, value] : root.entries) {
        node* at = &out;
        std::size_t start = 0;
        while (true) {
            std::size_t dot = key.find('.', start);
            std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
            node* child = at->find(part);
            if (!child) {
                at->entries.emplace_back(part, node{});
                child = &at->entries.back().second;
            }
            if (dot == std::string::npos) {
                merge_into(*child, std::move(value));
                break;
            }
            if (child->k != node::kind::map) {
                *child = node{};
                child->k = node::kind::map;
            }
            at = child;
            start = dot + 1;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Typed reading

std::string quote(std::string_view v) {
    std::string r = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            r += '\\';
        }
        if (c == '\n') {
            r += "\\n";
            continue;
        }
        r += c;
    }
    return r + "\"";
}

std::string describe(const node& n) {
    switch (n.k) {
        case node::kind::null:
            return "null";
        case node::kind::scalar:
            return quote(n.text);
        case node::kind::sequence:
            return "a list";
        case node::kind::map:
            return "a mapping";
    }
    return "null";
}

// Describes a secret value without showing it.
std::string describe_secret(const node& n) {
    return n.k == node::kind::scalar ? "a scalar" : describe(n);
}

[[noreturn]] void fail(const std::string& path, std::string_view expected, const node& n,
                       bool secret = false) {
    throw config_error("config: " + path + ": expected " + std::string(expected) + ", got " +
                       (secret ? describe_secret(n) : describe(n)));
}

std::optional<bool> scalar_bool(std::string_view text) {
    auto l = to_lower(text);
    if (l == "true" || l == "yes" || l == "on") {
        return true;
    }
    if (l == "false" || l == "no" || l == "off") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::int64_t> scalar_int(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
    if (i == text.size()) {
        return std::nullopt;
    }
    for (std::size_t j = i; j < text.size(); ++j) {
        if (!std::isdigit(static_cast<unsigned char>(text[j]))) {
            return std::nullopt;
        }
    }
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
}

std::optional<double> scalar_double(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) {
        return std::nullopt;
    }
    // Only plain decimal notation: no hex, inf or nan.
    for (char c : text) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
              c == 'e' || c == 'E')) {
            return std::nullopt;
        }
    }
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (errno == ERANGE || end != text.c_str() + text.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

class reader {
  public:
    std::vector<std::string> warnings;

    void warn_unknown(const std::string& path) {
        warnings.push_back("config: unknown key " + path + " (ignored)");
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }

    bool read_bool(const node& n, const std::string& path) {
        if (n.k == node::kind::scalar) {
            if (auto b = scalar_bool(n.text)) {
                return *b;
            }
        }
        fail(path, "true or false", n);
    }

    std::int64_t read_int(const node& n, const std::string& path, std::int64_t min) {
        if (n.k == node::kind::scalar) {
            if (auto v = scalar_int(n.text); v && *v >= min) {
                return *v;
            }
        }
        fail(path, min > 0 ? "a positive integer" : "a non-negative integer", n);
    }

    double read_number(const node& n, const std::string& path, double min, double max,
                       std::string_view expected) {
        if (n.k == node::kind::scalar) {
            if (auto v = scalar_double(n.text); v && *v >= min && *v <= max) {
                return *v;
            }
        }
        fail(path, expected, n);
    }

    seconds_ms read_seconds(const node& n, const std::string& path, bool positive) {
        double s = read_number(
            n, path, 0, 1e9,
            positive ? "a positive number of seconds" : "a non-negative number of seconds");
        if (positive && s <= 0) {
            fail(path, "a positive number of seconds", n);
        }
        return seconds_ms(static_cast<std::int64_t>(std::llround(s * 1000)));
    }

    std::size_t read_mib(const node& n, const std::string& path) {
        double v = read_number(n, path, 0, 1e6, "a non-negative number of MiB");
        return static_cast<std::size_t>(std::llround(v * static_cast<double>(mib)));
    }

    std::string read_string(const node& n, const std::string& path, bool secret = false) {
        if (n.k == node::kind::scalar) {
            return n.text;
        }
        fail(path, "a string", n, secret);
    }

    std::optional<std::string> read_optional_string(const node& n, const std::string& path,
                                                    bool secret = false) {
        if (n.k == node::kind::null) {
            return std::nullopt;
        }
        return read_string(n, path, secret);
    }

    log::level read_level(const node& n, const std::string& path) {
        if (n.k == node::kind::scalar) {
            if (auto l = log::parse_level(n.text)) {
                return *l;
            }
        }
        fail(path, "one of debug, info, warning, error, critical", n);
    }

    // A YAML list, or a comma-separated string (what an environment variable can carry).
    std::vector<std::string> read_string_list(const node& n, const std::string& path) {
        std::vector<std::string> out;
        if (n.k == node::kind::null) {
            return out;
        }
        if (n.k == node::kind::scalar) {
            std::stringstream ss(n.text);
            std::string item;
            while (std::getline(ss, item, ',')) {
                auto b = item.find_first_not_of(" \t");
                auto e = item.find_last_not_of(" \t");
                if (b != std::string::npos) {
                    out.push_back(item.substr(b, e - b + 1));
                }
            }
            return out;
        }
        if (n.k != node::kind::sequence) {
            fail(path, "a list of strings", n);
        }
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            out.push_back(read_string(n.items[i], path + "[" + std::to_string(i) + "]"));
        }
        return out;
    }

    std::map<std::string, std::string> read_string_map(const node& n, const std::string& path,
                                                       bool secret_values) {
        std::map<std::string, std::string> out;
        if (n.k == node::kind::null) {
            return out;
        }
        if (n.k != node::kind::map) {
            fail(path, "a mapping", n, secret_values);
        }
        for (const auto& [k, v] : n.entries) {
            out[k] = read_string(v, join(path, k), secret_values);
        }
        return out;
    }

    config_scalar read_scalar(const node& n, const std::string& path) {
        switch (n.k) {
            case node::kind::null:
                return std::monostate{};
            case node::kind::scalar:
                if (n.quoted) {
                    return n.text;
                }
                if (auto b = scalar_bool(n.text)) {
                    return *b;
                }
                if (auto i = scalar_int(n.text)) {
                    return *i;
                }
                if (auto d = scalar_double(n.text);
                    d && n.text.find_first_of("0123456789") != std::string::npos) {
                    return *d;
                }
                return n.text;
            default:
                break;
        }
        fail(path, "a scalar value", n, true);
    }

    // Visits the keys of a map section; `handle` returns false for a key it does not know.
    // A null section keeps every default.
    template <class Handler>
    void section(const node& n, const std::string& path, Handler&& handle) {
        if (n.k == node::kind::null) {
            return;
        }
        if (n.k != node::kind::map) {
            fail(path, "a mapping", n);
        }
        for (const auto& [key, value] : n.entries) {
            std::string p = join(path, key);
            if (!handle(key, value, p)) {
                warn_unknown(p);
            }
        }
    }

    void read_error_monitor(const node& n, const std::string& path, error_monitor_config& c) {
        section(n, path, [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "enabled")
                c.enabled = read_bool(v, p);
            else if (k == "max_total_errors")
                c.max_total_errors = read_int(v, p, 0);
            else if (k == "max_consecutive_errors")
                c.max_consecutive_errors = read_int(v, p, 0);
            else if (k == "max_error_rate")
                c.max_error_rate = read_number(v, p, 0, 1, "a number between 0 and 1");
            else if (k == "error_window_size")
                c.error_window_size = read_int(v, p, 1);
            else if (k == "error_queue_size")
                c.error_queue_size = read_int(v, p, 0);
            else
                return false;
            return true;
        });
    }

    void read_bulk(const node& n, const std::string& path, bulk_config& c) {
        section(n, path, [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "queue_max_size")
                c.queue_max_size = read_int(v, p, 1);
            else if (k == "queue_max_mem_size")
                c.queue_max_mem_size = read_mib(v, p);
            else if (k == "queue_refresh_interval")
                c.queue_refresh_interval = read_seconds(v, p, true);
            else if (k == "queue_refresh_timeout")
                c.queue_refresh_timeout = read_seconds(v, p, true);
            else if (k == "display_every")
                c.display_every = read_int(v, p, 1);
            else if (k == "chunk_size")
                c.chunk_size = read_int(v, p, 1);
            else if (k == "chunk_max_mem_size")
                c.chunk_max_mem_size = read_mib(v, p);
            else if (k == "max_text_document_size")
                c.max_text_document_size = read_mib(v, p);
            else if (k == "max_concurrency")
                c.max_concurrency = read_int(v, p, 1);
            else if (k == "concurrent_downloads")
                c.concurrent_downloads = read_int(v, p, 1);
            else if (k == "max_retries")
                c.max_retries = read_int(v, p, 0);
            else if (k == "retry_interval")
                c.retry_interval = read_seconds(v, p, false);
            else if (k == "enable_operations_logging")
                c.enable_operations_logging = read_bool(v, p);
            else if (k == "error_monitor")
                read_error_monitor(v, p, c.error_monitor);
            else
                return false;
            return true;
        });
    }

    void read_elasticsearch(const node& n, elasticsearch_config& c) {
        section(n, "elasticsearch", [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "host") {
                c.host = read_string(v, p);
                if (c.host.rfind("http://", 0) != 0 && c.host.rfind("https://", 0) != 0) {
                    fail(p, "an http:// or https:// URL", v);
                }
            } else if (k == "api_key")
                c.api_key = read_optional_string(v, p, true);
            else if (k == "username")
                c.username = read_string(v, p);
            else if (k == "password")
                c.password = read_string(v, p, true);
            else if (k == "ssl")
                c.ssl = read_bool(v, p);
            else if (k == "verify_certs")
                c.verify_certs = read_bool(v, p);
            else if (k == "ca_certs")
                c.ca_certs = read_optional_string(v, p);
            else if (k == "retry_on_timeout")
                c.retry_on_timeout = read_bool(v, p);
            else if (k == "request_timeout")
                c.request_timeout = read_seconds(v, p, true);
            else if (k == "max_wait_duration")
                c.max_wait_duration = read_seconds(v, p, false);
            else if (k == "initial_backoff_duration")
                c.initial_backoff_duration = read_seconds(v, p, false);
            else if (k == "backoff_multiplier")
                c.backoff_multiplier = read_number(v, p, 1, 1000, "a number of at least 1");
            else if (k == "log_level")
                c.log_level = read_level(v, p);
            else if (k == "max_retries")
                c.max_retries = read_int(v, p, 0);
            else if (k == "retry_interval")
                c.retry_interval = read_seconds(v, p, false);
            else if (k == "feature_use_connectors_api")
                c.feature_use_connectors_api = read_bool(v, p);
            else if (k == "headers")
                c.headers = read_string_map(v, p, true);
            else if (k == "serverless")
                c.serverless = read_bool(v, p);
            else if (k == "bulk")
                read_bulk(v, p, c.bulk);
            else
                return false;
            return true;
        });
    }

    void read_service(const node& n, service_config& c) {
        section(n, "service", [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "worker_mode")
                c.worker_mode = read_bool(v, p);
            else if (k == "service_types")
                c.service_types = read_string_list(v, p);
            else if (k == "idling")
                c.idling = read_seconds(v, p, true);
            else if (k == "heartbeat")
                c.heartbeat = read_seconds(v, p, true);
            else if (k == "preflight_max_attempts")
                c.preflight_max_attempts = read_int(v, p, 1);
            else if (k == "preflight_idle")
                c.preflight_idle = read_seconds(v, p, false);
            else if (k == "max_errors")
                c.max_errors = read_int(v, p, 0);
            else if (k == "max_errors_span")
                c.max_errors_span = read_seconds(v, p, true);
            else if (k == "max_concurrent_content_syncs")
                c.max_concurrent_content_syncs = read_int(v, p, 1);
            else if (k == "max_concurrent_access_control_syncs")
                c.max_concurrent_access_control_syncs = read_int(v, p, 1);
            else if (k == "max_concurrent_scheduling_tasks")
                c.max_concurrent_scheduling_tasks = read_int(v, p, 1);
            else if (k == "max_file_download_size")
                c.max_file_download_size = static_cast<std::uint64_t>(read_int(v, p, 0));
            else if (k == "job_cleanup_interval")
                c.job_cleanup_interval = read_seconds(v, p, true);
            else if (k == "log_level")
                c.log_level = read_level(v, p);
            else if (k == "fips_mode")
                c.fips_mode = read_bool(v, p);
            else
                return false;
            return true;
        });
    }

    void read_salesforce(const node& n, salesforce_config& c) {
        section(n, "salesforce", [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "max_concurrent_requests")
                c.max_concurrent_requests = read_int(v, p, 1);
            else if (k == "max_concurrent_objects")
                c.max_concurrent_objects = read_int(v, p, 1);
            else if (k == "max_concurrent_pages")
                c.max_concurrent_pages = read_int(v, p, 1);
            else if (k == "max_file_content_in_flight")
                c.max_file_content_in_flight = std::max<std::size_t>(1, read_mib(v, p));
            else
                return false;
            return true;
        });
    }

    void read_extraction(const node& n, std::optional<extraction_service_config>& out) {
        extraction_service_config c;
        // A present-but-empty key still enables the extraction service.
        section(n, "extraction_service",
                [&](const std::string& k, const node& v, const std::string& p) {
                    if (k == "host")
                        c.host = read_optional_string(v, p);
                    else if (k == "timeout")
                        c.timeout = read_seconds(v, p, true);
                    else if (k == "use_file_pointers")
                        c.use_file_pointers = read_bool(v, p);
                    else if (k == "stream_chunk_size")
                        c.stream_chunk_size = read_int(v, p, 1);
                    else if (k == "shared_volume_dir")
                        c.shared_volume_dir = read_string(v, p);
                    else
                        return false;
                    return true;
                });
        out = std::move(c);
    }

    // Returns nullopt for an entry without connector_id (ignored with a warning).
    std::optional<connector_entry> read_connector(const node& n, const std::string& path) {
        if (n.k != node::kind::map) {
            fail(path, "a mapping with connector_id and service_type", n);
        }
        connector_entry e;
        bool has_id = false;
        section(n, path, [&](const std::string& k, const node& v, const std::string& p) {
            if (k == "connector_id") {
                if (v.k == node::kind::null || (v.k == node::kind::scalar && v.text.empty())) {
                    return true;
                }
                e.connector_id = read_string(v, p);
                has_id = true;
            } else if (k == "service_type")
                e.service_type = read_optional_string(v, p);
            else if (k == "api_key")
                e.api_key = read_optional_string(v, p, true);
            else if (k == "index_name")
                e.index_name = read_optional_string(v, p);
            else if (k == "name")
                e.name = read_optional_string(v, p);
            else if (k == "configuration") {
                if (v.k == node::kind::null) {
                    return true;
                }
                if (v.k != node::kind::map) {
                    fail(p, "a mapping of field names to values", v, true);
                }
                for (const auto& [fk, fv] : v.entries) {
                    e.configuration[fk] = read_scalar(fv, join(p, fk));
                }
            } else
                return false;
            return true;
        });
        if (!has_id) {
            warnings.push_back("config: " + path + ": entry without connector_id ignored");
            return std::nullopt;
        }
        return e;
    }

    void read_connectors(const node& n, std::vector<connector_entry>& out) {
        if (n.k == node::kind::null) {
            return;
        }
        if (n.k != node::kind::sequence) {
            fail("connectors", "a list", n);
        }
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            auto e = read_connector(n.items[i], "connectors[" + std::to_string(i) + "]");
            if (!e) {
                continue;
            }
            auto same = std::find_if(out.begin(), out.end(), [&](const connector_entry& x) {
                return x.connector_id == e->connector_id;
            });
            if (same != out.end()) {
                warnings.push_back("config: connectors: connector_id " + quote(e->connector_id) +
                                   " is listed more than once; the last entry wins");
                *same = std::move(*e);
            } else {
                out.push_back(std::move(*e));
            }
        }
    }

    config read(const node& root) {
        config c;
        std::optional<std::string> legacy_id;
        std::optional<std::string> legacy_type;
        for (const auto& [key, value] : root.entries) {
            if (key == "elasticsearch")
                read_elasticsearch(value, c.elasticsearch);
            else if (key == "service")
                read_service(value, c.service);
            else if (key == "connectors")
                read_connectors(value, c.connectors);
            else if (key == "extraction_service")
                read_extraction(value, c.extraction_service);
            else if (key == "salesforce")
                read_salesforce(value, c.salesforce);
            else if (key == "sources") {
                for (auto& [k, v] : read_string_map(value, "sources", false)) {
                    c.sources[k] = v;
                }
            } else if (key == "connector_id")
                legacy_id = read_optional_string(value, key);
            else if (key == "service_type")
                legacy_type = read_optional_string(value, key);
            else
                warn_unknown(key);
        }
        if (legacy_id && !legacy_id->empty()) {
            if (c.connectors.empty()) {
                connector_entry e;
                e.connector_id = *legacy_id;
                e.service_type = legacy_type;
                c.connectors.push_back(std::move(e));
            } else {
                warnings.push_back(
                    "config: connector_id: ignored because the connectors list is not empty");
            }
        }
        return c;
    }
};

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
    std::string n(name);
    if (const char* v = std::getenv(n.c_str())) {
        return std::string(v);
    }
    return std::nullopt;
}

std::string substitute_env(std::string_view text, std::string_view source_name,
                           const env_lookup& env) {
    const bool strict = !env("ENVYAML_STRICT_DISABLE").has_value();
    std::string out;
    out.reserve(text.size());
    std::size_t line_no = 1;
    std::size_t line_start = 0;
    while (line_start < text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        std::size_t stop = line_end == std::string_view::npos ? text.size() : line_end + 1;
        std::string_view line = text.substr(line_start, stop - line_start);
        bool in_single = false;
        bool in_double = false;
        std::size_t i = 0;
        while (i < line.size()) {
            char c = line[i];
            if (!in_single && !in_double && c == '#' && (i == 0 || is_blank(line[i - 1]))) {
                out.append(line.substr(i));  // comments are copied as they are
                break;
            }
            if (c == '\'' && !in_double && (in_single || value_may_start_after(line, i))) {
                in_single = !in_single;
            } else if (c == '"' && !in_single &&
                       (in_double ? line[i - 1] != '\\' : value_may_start_after(line, i))) {
                in_double = !in_double;
            }
            if (c != '$') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 < line.size() && line[i + 1] == '$') {
                out += '$';
                i += 2;
                continue;
            }
            std::string name;
            std::optional<std::string> fallback;
            std::size_t end = i + 1;
            if (end < line.size() && line[end] == '{') {
                std::size_t close = line.find('}', end);
                if (close == std::string_view::npos) {
                    out += c;
                    ++i;
                    continue;
                }
                std::string_view inner = line.substr(end + 1, close - end - 1);
                std::size_t bar = inner.find('|');
                name = std::string(inner.substr(0, bar));
                if (bar != std::string_view::npos) {
                    fallback = std::string(inner.substr(bar + 1));
                }
                end = close + 1;
                bool valid = !name.empty() && is_name_start(name[0]) &&
                             std::all_of(name.begin(), name.end(), is_name_char);
                if (!valid) {
                    out += c;
                    ++i;
                    continue;
                }
            } else if (end < line.size() && is_name_start(line[end])) {
                while (end < line.size() && is_name_char(line[end])) {
                    name += line[end++];
                }
                if (end < line.size() && line[end] == '|') {
                    std::size_t d = end + 1;
                    while (d < line.size() && !ends_bare_default(line[d])) {
                        ++d;
                    }
                    fallback = std::string(line.substr(end + 1, d - end - 1));
                    end = d;
                }
            } else {
                out += c;
                ++i;
                continue;
            }
            if (auto value = env(name)) {
                out += *value;
            } else if (fallback) {
                out += *fallback;
            } else if (strict) {
                throw config_error(source_prefix(source_name) + ":" + std::to_string(line_no) +
                                   ": environment variable " + name +
                                   " is not set and has no default (set it, write $" + name +
                                   "|default, or set ENVYAML_STRICT_DISABLE)");
            } else {
                out.append(line.substr(i, end - i));
            }
            i = end;
        }
        line_start = stop;
        ++line_no;
    }
    return out;
}

load_result load_config_string(std::string_view yaml, std::string_view source_name,
                               const env_lookup& env) {
    std::string text = substitute_env(yaml, source_name, env);
    YAML::Node doc;
    try {
        doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_error(source_prefix(source_name) + ":" + std::to_string(e.mark.line + 1) +
                           ":" + std::to_string(e.mark.column + 1) +
                           ": YAML syntax error: " + e.msg);
    }
    node root = convert(doc, source_name);
    if (root.k == node::kind::null) {
        root.k = node::kind::map;
    }
    if (root.k != node::kind::map) {
        throw config_error(source_prefix(source_name) +
                           ": the top level must be a mapping of keys to values");
    }
    reader r;
    config cfg = r.read(nest_top_level(std::move(root)));
    return {std::move(cfg), std::move(r.warnings)};
}

env_lookup with_dotenv(env_lookup base, const std::string& dotenv_path) {
    std::ifstream in(dotenv_path);
    if (!in) {
        return base;
    }
    auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    std::string line;
    while (std::getline(in, line)) {
        auto trim = [](std::string v) {
            auto b = v.find_first_not_of(" \t\r");
            auto e = v.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
        };
        line = trim(line);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.rfind("export ", 0) == 0) {
            line = trim(line.substr(7));
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) {
            continue;
        }
        std::string name = trim(line.substr(0, eq));
        std::string value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        (*vars)[name] = value;
    }
    return [base = std::move(base), vars](std::string_view name) -> std::optional<std::string> {
        if (auto v = base(name)) {
            return v;
        }
        if (auto it = vars->find(name); it != vars->end()) {
            return it->second;
        }
        return std::nullopt;
    };
}

load_result load_config_file(const std::string& path, const env_lookup& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error("config: cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return load_config_string(buf.str(), path, with_dotenv(env, ".env"));
}

namespace {

// Header names and connector configuration fields whose values are credentials.
bool looks_secret(std::string_view name) {
    auto l = to_lower(name);
    for (std::string_view word : {"auth", "key", "token", "secret", "password", "cookie"}) {
        if (l.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

void register_secrets(const config& cfg) {
    log::register_secret(cfg.elasticsearch.password);
    if (cfg.elasticsearch.api_key) {
        log::register_secret(*cfg.elasticsearch.api_key);
    }
    for (const auto& [name, value] : cfg.elasticsearch.headers) {
        if (looks_secret(name)) {
            log::register_secret(value);
        }
    }
    for (const auto& c : cfg.connectors) {
        if (c.api_key) {
            log::register_secret(*c.api_key);
        }
        for (const auto& [name, value] : c.configuration) {
            if (const auto* text = std::get_if<std::string>(&value); text && looks_secret(name)) {
                log::register_secret(*text);
            }
        }
    }
}

}  // namespace casio::core
