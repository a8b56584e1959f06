#include "connector_api.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <optional>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <casio/core/time.hpp>

#include "query.hpp"

namespace casio::mock_es {

namespace json = boost::json;

namespace {

constexpr std::string_view acl_index_prefix = ".search-acl-filter-";
constexpr std::string_view managed_index_prefix = "content-";

[[noreturn]] void unknown_field(std::string_view parser, std::string_view field) {
    throw es_error(400, "x_content_parse_exception",
                   "[" + std::string(parser) + "] unknown field [" + std::string(field) + "]");
}

[[noreturn]] void bad_field(std::string_view parser, std::string_view field, std::string_view why) {
    throw es_error(400, "x_content_parse_exception",
                   "[" + std::string(parser) + "] failed to parse field [" + std::string(field) +
                       "]: " + std::string(why));
}

[[noreturn]] void validation_failed(const std::vector<std::string>& messages) {
    std::string reason = "Validation Failed: ";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        reason += std::to_string(i + 1) + ": " + messages[i] + ";";
    }
    throw es_error(400, "action_request_validation_exception", std::move(reason));
}

[[noreturn]] void status_exception(std::string reason) {
    throw es_error(400, "status_exception", std::move(reason));
}

void only_fields(const json::object& body, std::string_view parser,
                 std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : body) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) {
            unknown_field(parser, k);
        }
    }
}

// A string field: absent -> nullopt; null only where ES declares the field nullable.
std::optional<std::string> string_field(const json::object& body, std::string_view parser,
                                        std::string_view key, bool nullable = false) {
    const json::value* v = body.if_contains(key);
    if (!v) {
        return std::nullopt;
    }
    if (v->is_null() && nullable) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        bad_field(parser, key, "expected a string");
    }
    return std::string(v->get_string());
}

std::optional<bool> bool_field(const json::object& body, std::string_view parser,
                               std::string_view key) {
    const json::value* v = body.if_contains(key);
    if (!v) {
        return std::nullopt;
    }
    if (v->is_bool()) {
        return v->get_bool();
    }
    if (v->is_string() && (v->get_string() == "true" || v->get_string() == "false")) {
        return v->get_string() == "true";
    }
    bad_field(parser, key, "expected a boolean");
}

const json::object& object_field(const json::object& body, std::string_view parser,
                                 std::string_view key) {
    const json::value* v = body.if_contains(key);
    if (!v || !v->is_object()) {
        bad_field(parser, key, v ? "expected an object" : "required");
    }
    return v->get_object();
}

std::optional<std::int64_t> count_field(const json::object& body, std::string_view parser,
                                        std::string_view key) {
    const json::value* v = body.if_contains(key);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (v->is_int64()) {
        return v->get_int64();
    }
    if (v->is_uint64()) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    if (v->is_double() &&
        v->get_double() == static_cast<double>(static_cast<std::int64_t>(v->get_double()))) {
        return static_cast<std::int64_t>(v->get_double());
    }
    bad_field(parser, key, "expected an integer");
}

void deep_merge(json::object& into, const json::object& patch) {
    for (const auto& [k, v] : patch) {
        json::value* existing = into.if_contains(k);
        if (existing && existing->is_object() && v.is_object()) {
            deep_merge(existing->get_object(), v.get_object());
        } else {
            into[k] = v;
        }
    }
}

std::string_view string_or_empty(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// MetadataCreateIndexService.validateIndexOrAliasName, as an action validation message.
std::optional<std::string> invalid_index_name(std::string_view name) {
    auto wrap = [&](const std::string& why) {
        return "[" + std::string(name) + "] InvalidIndexNameException[Invalid index name [" +
               std::string(name) + "], " + why + "]";
    };
    if (name.empty()) {
        return wrap("must not be empty");
    }
    constexpr std::string_view forbidden = "\\/*?\"<>| ,";
    if (name.find_first_of(forbidden) != std::string_view::npos) {
        return wrap(
            "must not contain the following characters [' "
            "','\"','*',',','/','<','>','?','\\','|']");
    }
    if (name.find('#') != std::string_view::npos) {
        return wrap("must not contain '#'");
    }
    if (name.find(':') != std::string_view::npos) {
        return wrap("must not contain ':'");
    }
    if (name[0] == '_' || name[0] == '-' || name[0] == '+') {
        return wrap("must not start with '_', '-', or '+'");
    }
    if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        return wrap("must be lowercase");
    }
    if (name == "." || name == "..") {
        return wrap("must not be '.' or '..'");
    }
    if (name.size() > 255) {
        return wrap("index name is too long, (" + std::to_string(name.size()) + " > 255)");
    }
    return std::nullopt;
}

json::object default_rule(std::string_view now) {
    return {{"created_at", now},   {"field", "_"},    {"id", "DEFAULT"},   {"order", 0},
            {"policy", "include"}, {"rule", "regex"}, {"updated_at", now}, {"value", ".*"}};
}

json::object default_filtering_rules(std::string_view now) {
    return {{"advanced_snippet",
             json::object{{"created_at", now}, {"updated_at", now}, {"value", json::object{}}}},
            {"rules", json::array{default_rule(now)}},
            {"validation", json::object{{"errors", json::array{}}, {"state", "valid"}}}};
}

json::object default_scheduling() {
    auto off = [] { return json::object{{"enabled", false}, {"interval", "0 0 0 * * ?"}}; };
    return {{"access_control", off()}, {"full", off()}, {"incremental", off()}};
}

json::object default_pipeline() {
    return {{"extract_binary_content", true},
            {"name", "search-default-ingestion"},
            {"reduce_whitespace", true},
            {"run_ml_inference", true}};
}

// The single DEFAULT filtering entry; connectors written by older tools may lack it.
json::object& filtering_entry(json::object& connector, std::string_view connector_id_hint = {}) {
    json::value* f = connector.if_contains("filtering");
    if (!f || !f->is_array() || f->get_array().empty() || !f->get_array()[0].is_object()) {
        throw es_error(
            400, "status_exception",
            "Connector" +
                (connector_id_hint.empty() ? std::string()
                                           : " [" + std::string(connector_id_hint) + "]") +
                " has no [filtering] configuration");
    }
    return f->get_array()[0].get_object();
}

json::object& rules_of(json::object& entry, std::string_view which) {
    json::value& v = entry[which];
    if (!v.is_object()) {
        v = json::object{};
    }
    return v.get_object();
}

// ConnectorStateMachine.
bool connector_transition_ok(std::string_view from, std::string_view to) {
    if (from == "created") {
        return to == "needs_configuration" || to == "error";
    }
    if (from == "needs_configuration") {
        return to == "configured" || to == "error";
    }
    if (from == "configured") {
        return to == "needs_configuration" || to == "configured" || to == "connected" ||
               to == "error";
    }
    if (from == "connected") {
        return to == "configured" || to == "connected" || to == "error";
    }
    if (from == "error") {
        return to == "connected" || to == "configured" || to == "error";
    }
    return false;
}

bool is_connector_status(std::string_view s) {
    return s == "created" || s == "needs_configuration" || s == "configured" || s == "connected" ||
           s == "error";
}

bool is_sync_status(std::string_view s) {
    return s == "canceling" || s == "canceled" || s == "completed" || s == "error" ||
           s == "in_progress" || s == "pending" || s == "suspended";
}

bool is_job_type(std::string_view s) {
    return s == "full" || s == "incremental" || s == "access_control";
}

// ConnectorSyncJobStateMachine.
bool job_transition_ok(std::string_view from, std::string_view to) {
    if (from == "pending") {
        return to == "in_progress" || to == "canceled";
    }
    if (from == "in_progress") {
        return to == "canceling" || to == "completed" || to == "suspended" || to == "error";
    }
    if (from == "suspended") {
        return to == "in_progress" || to == "canceled";
    }
    if (from == "canceling") {
        return to == "canceled" || to == "error";
    }
    return false;
}

// ES words connector and sync-job transition errors slightly differently.
[[noreturn]] void invalid_transition(std::string_view from, std::string_view to,
                                     bool sync_job = false) {
    status_exception("Invalid transition attempt from [" + std::string(from) + "] to [" +
                     std::string(to) + "]. Such a " +
                     (sync_job ? "ConnectorSyncStatus transition" : "status transition") +
                     " is not supported by the Connector Protocol.");
}

json::object view(std::string_view id, const json::object& source) {
    json::object out;
    out.reserve(source.size() + 1);
    out["id"] = id;
    for (const auto& [k, v] : source) {
        if (k != "id") {
            out[k] = v;
        }
    }
    return out;
}

std::int64_t int_param(const url_params& params, std::string_view key, std::int64_t dflt) {
    auto it = params.find(key);
    if (it == params.end() || it->second.empty()) {
        return dflt;
    }
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
    if (ec != std::errc{} || p != it->second.data() + it->second.size()) {
        throw es_error(400, "illegal_argument_exception",
                       "Failed to parse int parameter [" + std::string(key) + "] with value [" +
                           it->second + "]");
    }
    return n;
}

std::vector<std::string> list_param(const url_params& params, std::string_view key) {
    std::vector<std::string> out;
    auto it = params.find(key);
    if (it == params.end()) {
        return out;
    }
    std::string_view s = it->second;
    while (!s.empty()) {
        auto comma = s.find(',');
        std::string_view item = s.substr(0, comma);
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        s.remove_prefix(comma + 1);
    }
    return out;
}

std::pair<std::size_t, std::size_t> page(const url_params& params) {
    const std::int64_t from = int_param(params, "from", 0);
    const std::int64_t size = int_param(params, "size", 100);
    std::vector<std::string> errors;
    if (from < 0) {
        errors.push_back("[from] parameter cannot be negative, found [" + std::to_string(from) +
                         "]");
    }
    if (size < 0) {
        errors.push_back("[size] parameter cannot be negative, found [" + std::to_string(size) +
                         "]");
    }
    if (errors.empty() && from + size > 10000) {
        errors.push_back("Sum of [from] and [size] cannot exceed [10000], found [" +
                         std::to_string(from + size) + "]");
    }
    if (!errors.empty()) {
        validation_failed(errors);
    }
    return {static_cast<std::size_t>(from), static_cast<std::size_t>(size)};
}

bool bool_param(const url_params& params, std::string_view key) {
    auto it = params.find(key);
    if (it == params.end()) {
        return false;
    }
    if (it->second.empty() || it->second == "true") {
        return true;
    }
    if (it->second == "false") {
        return false;
    }
    throw es_error(
        400, "illegal_argument_exception",
        "Failed to parse value [" + it->second + "] as only [true] or [false] are allowed.");
}

bool in_list(const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

json::object page_result(std::vector<const stored_doc*> hits, std::size_t from, std::size_t size) {
    json::array results;
    for (std::size_t i = from; i < hits.size() && i < from + size; ++i) {
        results.emplace_back(view(hits[i]->id, *hits[i]->source));
    }
    return {{"count", hits.size()}, {"results", std::move(results)}};
}

}  // namespace

es_error connector_not_found(std::string_view connector_id) {
    return es_error(404, "resource_not_found_exception",
                    "connector [" + std::string(connector_id) + "] not found");
}

es_error sync_job_not_found(std::string_view job_id) {
    return es_error(404, "resource_not_found_exception",
                    "connector sync job [" + std::string(job_id) + "] not found");
}

// ---------------------------------------------------------------------------------------------
// Connectors

json::object new_connector(std::string_view id, const json::object& body, std::string_view now) {
    constexpr std::string_view parser = "connector_put_request";
    only_fields(body, parser,
                {"description", "index_name", "is_native", "language", "name", "service_type"});
    auto description = string_field(body, parser, "description");
    auto index_name = string_field(body, parser, "index_name", true);
    auto is_native = bool_field(body, parser, "is_native").value_or(false);
    auto language = string_field(body, parser, "language");
    auto name = string_field(body, parser, "name");
    auto service_type = string_field(body, parser, "service_type");

    std::vector<std::string> errors;
    if (index_name) {
        if (auto why = invalid_index_name(*index_name)) {
            errors.push_back(*why);
        }
        if (is_native && !index_name->starts_with(managed_index_prefix)) {
            errors.push_back("Index [" + *index_name +
                             "] is invalid. Index attached to an Elastic-managed connector must "
                             "start with the prefix: [" +
                             std::string(managed_index_prefix) + "]");
        }
    }
    if (!errors.empty()) {
        validation_failed(errors);
    }
    (void)id;  // the id is the document _id; ES does not store it in the source

    auto opt = [](const std::optional<std::string>& s) -> json::value {
        return s ? json::value(*s) : json::value(nullptr);
    };
    json::object c;
    c["api_key_id"] = nullptr;
    c["api_key_secret_id"] = nullptr;
    c["configuration"] = json::object{};
    c["custom_scheduling"] = json::object{};
    c["description"] = opt(description);
    c["error"] = nullptr;
    c["features"] = nullptr;
    c["filtering"] = json::array{json::object{{"active", default_filtering_rules(now)},
                                              {"domain", "DEFAULT"},
                                              {"draft", default_filtering_rules(now)}}};
    c["index_name"] = opt(index_name);
    c["is_native"] = is_native;
    c["language"] = opt(language);
    c["last_access_control_sync_error"] = nullptr;
    c["last_access_control_sync_scheduled_at"] = nullptr;
    c["last_access_control_sync_status"] = nullptr;
    c["last_deleted_document_count"] = nullptr;
    c["last_incremental_sync_scheduled_at"] = nullptr;
    c["last_indexed_document_count"] = nullptr;
    c["last_seen"] = nullptr;
    c["last_sync_error"] = nullptr;
    c["last_sync_scheduled_at"] = nullptr;
    c["last_sync_status"] = nullptr;
    c["last_synced"] = nullptr;
    c["name"] = name.value_or("");
    c["pipeline"] = default_pipeline();
    c["scheduling"] = default_scheduling();
    c["service_type"] = opt(service_type);
    c["status"] = is_native ? "needs_configuration" : "created";
    c["sync_cursor"] = nullptr;
    c["sync_now"] = false;
    c["deleted"] = false;
    return c;
}

void check_index_name_free(std::string_view index_name, std::string_view self_id,
                           const std::vector<stored_doc>& connectors) {
    for (const auto& d : connectors) {
        if (d.id == self_id || !d.source) {
            continue;
        }
        const json::value* deleted = d.source->if_contains("deleted");
        if (deleted && deleted->is_bool() && deleted->get_bool()) {
            continue;
        }
        if (string_or_empty(*d.source, "index_name") == index_name) {
            status_exception("Index name [" + std::string(index_name) +
                             "] is used by another connector.");
        }
    }
}

json::object connector_view(std::string_view id, const json::object& source, bool include_deleted) {
    const json::value* deleted = source.if_contains("deleted");
    if (!include_deleted && deleted && deleted->is_bool() && deleted->get_bool()) {
        throw connector_not_found(id);
    }
    return view(id, source);
}

void apply_check_in(json::object& connector, std::string_view now) {
    connector["last_seen"] = now;
}

void apply_configuration(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_configuration_request";
    only_fields(body, parser, {"configuration", "values"});
    const json::value* configuration = body.if_contains("configuration");
    const json::value* values = body.if_contains("values");
    if (configuration && configuration->is_null()) {
        configuration = nullptr;
    }
    if (values && values->is_null()) {
        values = nullptr;
    }
    if (!configuration && !values) {
        status_exception("[configuration] and [values] cannot both be null.");
    }
    if (configuration && values) {
        validation_failed(
            {"[configuration] and [values] cannot both be provided in the same "
             "request."});
    }
    if (configuration) {
        if (!configuration->is_object()) {
            bad_field(parser, "configuration", "expected an object");
        }
        for (const auto& [k, v] : configuration->get_object()) {
            if (!v.is_object()) {
                bad_field(parser, "configuration",
                          "field [" + std::string(k) + "] must be an object");
            }
        }
        connector["configuration"] = *configuration;
    } else {
        if (!values->is_object()) {
            bad_field(parser, "values", "expected an object");
        }
        json::value& existing = connector["configuration"];
        if (!existing.is_object()) {
            existing = json::object{};
        }
        json::object& config = existing.get_object();
        std::string unknown;
        for (const auto& [k, v] : values->get_object()) {
            if (!config.contains(k)) {
                unknown += (unknown.empty() ? "" : ", ") + std::string(k);
            }
        }
        if (!unknown.empty()) {
            status_exception("Unknown [configuration] fields in the request payload: [" + unknown +
                             "]. Remove them from request or register their schema first.");
        }
        for (const auto& [k, v] : values->get_object()) {
            json::value& field = config[k];
            if (!field.is_object()) {
                field = json::object{};
            }
            field.get_object()["value"] = v;
        }
    }
    connector["status"] = "configured";
}

void apply_scheduling(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_scheduling_request";
    only_fields(body, parser, {"scheduling"});
    const json::object& scheduling = object_field(body, parser, "scheduling");
    for (const auto& [type, spec] : scheduling) {
        if (type != "access_control" && type != "full" && type != "incremental") {
            unknown_field("connector_scheduling", type);
        }
        if (!spec.is_object()) {
            bad_field("connector_scheduling", type, "expected an object");
        }
        for (const auto& [k, v] : spec.get_object()) {
            if (k == "enabled") {
                if (!v.is_bool()) {
                    bad_field("schedule", k, "expected a boolean");
                }
            } else if (k == "interval") {
                if (!v.is_string()) {
                    bad_field("schedule", k, "expected a string");
                }
                // Quartz: sec min hour dom month dow [year]
                std::string_view s = v.get_string();
                std::size_t fields = 0;
                bool in_field = false;
                for (char c : s) {
                    if (c == ' ') {
                        in_field = false;
                    } else if (!in_field) {
                        in_field = true;
                        ++fields;
                    }
                }
                if (fields < 6 || fields > 7) {
                    bad_field(
                        "schedule", k,
                        "invalid cron expression [" + std::string(s) + "]: expected 6 or 7 fields");
                }
            } else {
                unknown_field("schedule", k);
            }
        }
    }
    // ES writes the scheduling through a partial-document update, which deep-merges.
    json::value& existing = connector["scheduling"];
    if (!existing.is_object()) {
        existing = json::object{};
    }
    deep_merge(existing.get_object(), scheduling);
}

void apply_status(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_status_request";
    only_fields(body, parser, {"status"});
    auto status = string_field(body, parser, "status");
    if (!status) {
        validation_failed({"[status] cannot be [null] or empty."});
    }
    if (!is_connector_status(*status)) {
        bad_field(parser, "status", "unknown connector status [" + *status + "]");
    }
    std::string from(string_or_empty(connector, "status"));
    if (!connector_transition_ok(from, *status)) {
        invalid_transition(from, *status);
    }
    connector["status"] = *status;
}

void apply_error(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_error_request";
    only_fields(body, parser, {"error"});
    if (!body.contains("error")) {
        bad_field(parser, "error", "required");
    }
    auto error = string_field(body, parser, "error", true);
    if (error && !error->empty()) {
        connector["error"] = *error;
        connector["status"] = "error";
    } else {
        connector["error"] = error ? json::value(*error) : json::value(nullptr);
        connector["status"] = "connected";
    }
}

void apply_filtering_validation(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_filtering_validation";
    only_fields(body, parser, {"validation"});
    const json::object& validation = object_field(body, parser, "validation");
    only_fields(validation, "filtering_validation_info", {"errors", "state"});
    auto state = string_field(validation, "filtering_validation_info", "state");
    if (!state || (*state != "valid" && *state != "invalid" && *state != "edited")) {
        bad_field("filtering_validation_info", "state", "expected one of [edited, invalid, valid]");
    }
    const json::value* errors = validation.if_contains("errors");
    if (!errors || !errors->is_array()) {
        bad_field("filtering_validation_info", "errors", "expected an array");
    }
    for (const auto& e : errors->get_array()) {
        if (!e.is_object()) {
            bad_field("filtering_validation_info", "errors", "expected objects");
        }
        only_fields(e.get_object(), "filtering_validation", {"ids", "messages"});
        for (std::string_view k : {"ids", "messages"}) {
            const json::value* list = e.get_object().if_contains(k);
            if (!list || !list->is_array()) {
                bad_field("filtering_validation", k, "expected an array of strings");
            }
        }
    }
    rules_of(filtering_entry(connector), "draft")["validation"] =
        json::object{{"errors", *errors}, {"state", *state}};
}

void apply_filtering_activate(json::object& connector) {
    json::object& entry = filtering_entry(connector);
    json::object& draft = rules_of(entry, "draft");
    std::string_view state;
    if (const json::value* v = draft.if_contains("validation"); v && v->is_object()) {
        state = string_or_empty(v->get_object(), "state");
    }
    if (state != "valid") {
        status_exception(
            "Filtering draft needs to be validated by the connector service before "
            "activation. Current filtering draft validation state [" +
            std::string(state) + "] is not equal to [valid].");
    }
    entry["active"] = draft;
}

namespace {

json::array checked_rules(const json::value& rules, std::string_view now) {
    constexpr std::string_view parser = "connector_filtering_rule";
    if (!rules.is_array()) {
        bad_field("connector_update_filtering_request", "rules", "expected an array");
    }
    json::array out;
    for (const auto& r : rules.get_array()) {
        if (!r.is_object()) {
            bad_field("connector_update_filtering_request", "rules", "expected objects");
        }
        json::object rule = r.get_object();
        only_fields(
            rule, parser,
            {"created_at", "field", "id", "order", "policy", "rule", "updated_at", "value"});
        for (std::string_view k : {"field", "id", "policy", "rule", "value"}) {
            if (!string_field(rule, parser, k)) {
                bad_field(parser, k, "required");
            }
        }
        const json::value* order = rule.if_contains("order");
        if (!order || !(order->is_int64() || order->is_uint64())) {
            bad_field(parser, "order", "required integer");
        }
        std::string_view policy = rule["policy"].get_string();
        if (policy != "include" && policy != "exclude") {
            bad_field(parser, "policy", "expected one of [exclude, include]");
        }
        std::string_view kind = rule["rule"].get_string();
        constexpr std::string_view kinds[] = {"contains",    "ends_with", "equals", "regex",
                                              "starts_with", ">",         "<"};
        if (std::find(std::begin(kinds), std::end(kinds), kind) == std::end(kinds)) {
            bad_field(parser, "rule",
                      "expected one of [contains, ends_with, equals, regex, starts_with, >, <]");
        }
        if (!rule.contains("created_at")) {
            rule["created_at"] = now;
        }
        if (!rule.contains("updated_at")) {
            rule["updated_at"] = now;
        }
        out.emplace_back(std::move(rule));
    }
    // By order, with the DEFAULT catch-all rule always last.
    std::stable_sort(out.begin(), out.end(), [](const json::value& a, const json::value& b) {
        const bool da = a.get_object().at("id") == "DEFAULT";
        const bool db = b.get_object().at("id") == "DEFAULT";
        if (da != db) {
            return db;
        }
        return a.get_object().at("order").to_number<std::int64_t>() <
               b.get_object().at("order").to_number<std::int64_t>();
    });
    return out;
}

}  // namespace

void apply_filtering(json::object& connector, const json::object& body, std::string_view now) {
    constexpr std::string_view parser = "connector_update_filtering_request";
    only_fields(body, parser, {"filtering", "rules", "advanced_snippet"});
    if (const json::value* full = body.if_contains("filtering")) {
        if (body.contains("rules") || body.contains("advanced_snippet")) {
            validation_failed(
                {"[filtering] cannot be combined with [rules] or [advanced_snippet]"});
        }
        if (!full->is_array() || full->get_array().empty()) {
            validation_failed({"[filtering] cannot be [null] or empty"});
        }
        connector["filtering"] = *full;
        return;
    }
    const json::value* rules = body.if_contains("rules");
    const json::value* snippet = body.if_contains("advanced_snippet");
    if (!rules && !snippet) {
        validation_failed({"[advanced_snippet] and [rules] cannot be both [null]"});
    }
    json::object& draft = rules_of(filtering_entry(connector), "draft");
    if (rules) {
        draft["rules"] = checked_rules(*rules, now);
    }
    if (snippet) {
        if (!snippet->is_object()) {
            bad_field(parser, "advanced_snippet", "expected an object");
        }
        json::object s = snippet->get_object();
        only_fields(s, "connector_filtering_advanced_snippet",
                    {"created_at", "updated_at", "value"});
        if (!s.contains("value")) {
            bad_field("connector_filtering_advanced_snippet", "value", "required");
        }
        if (!s.contains("created_at")) {
            s["created_at"] = now;
        }
        s["updated_at"] = now;
        draft["advanced_snippet"] = std::move(s);
    }
    draft["validation"] = json::object{{"errors", json::array{}}, {"state", "edited"}};
}

void apply_name(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_name_request";
    only_fields(body, parser, {"name", "description"});
    auto name = string_field(body, parser, "name", true);
    auto description = string_field(body, parser, "description", true);
    if (!name && !description) {
        validation_failed({"[name] and [description] cannot both be [null]"});
    }
    if (name) {
        connector["name"] = *name;
    }
    if (description) {
        connector["description"] = *description;
    }
}

void apply_pipeline(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_pipeline_request";
    only_fields(body, parser, {"pipeline"});
    const json::object& pipeline = object_field(body, parser, "pipeline");
    only_fields(pipeline, "ingest_pipeline_params",
                {"extract_binary_content", "name", "reduce_whitespace", "run_ml_inference"});
    std::vector<std::string> missing;
    for (std::string_view k :
         {"extract_binary_content", "name", "reduce_whitespace", "run_ml_inference"}) {
        if (!pipeline.contains(k)) {
            missing.emplace_back(k);
        }
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) {
            list += (list.empty() ? "" : ", ") + m;
        }
        throw es_error(400, "x_content_parse_exception",
                       "[ingest_pipeline_params] failed to parse object: Required [" + list + "]");
    }
    if (!string_field(pipeline, "ingest_pipeline_params", "name")) {
        bad_field("ingest_pipeline_params", "name", "expected a string");
    }
    for (std::string_view k : {"extract_binary_content", "reduce_whitespace", "run_ml_inference"}) {
        bool_field(pipeline, "ingest_pipeline_params", k);
    }
    connector["pipeline"] = pipeline;
}

void apply_index_name(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_index_name_request";
    only_fields(body, parser, {"index_name"});
    if (!body.contains("index_name")) {
        bad_field(parser, "index_name", "required");
    }
    auto index_name = string_field(body, parser, "index_name", true);
    if (index_name) {
        if (auto why = invalid_index_name(*index_name)) {
            validation_failed({*why});
        }
        const json::value* native = connector.if_contains("is_native");
        if (native && native->is_bool() && native->get_bool() &&
            !index_name->starts_with(managed_index_prefix)) {
            status_exception(
                "Index attached to an Elastic-managed connector must start with the "
                "prefix: [" +
                std::string(managed_index_prefix) + "]. The index name in the payload [" +
                *index_name + "] doesn't comply with this requirement.");
        }
        connector["index_name"] = *index_name;
    } else {
        connector["index_name"] = nullptr;
    }
}

void apply_service_type(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_service_type_request";
    only_fields(body, parser, {"service_type"});
    auto service_type = string_field(body, parser, "service_type");
    if (!service_type || service_type->empty()) {
        validation_failed({"[service_type] cannot be [null] or [\"\"]."});
    }
    const bool was_created = string_or_empty(connector, "status") == "created";
    connector["service_type"] = *service_type;
    connector["status"] = was_created ? "created" : "needs_configuration";
}

void apply_features(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_features_request";
    only_fields(body, parser, {"features"});
    const json::object& features = object_field(body, parser, "features");
    for (const auto& [k, v] : features) {
        if (k != "document_level_security" && k != "incremental_sync" &&
            k != "native_connector_api_keys" && k != "sync_rules") {
            unknown_field("connector_features", k);
        }
        if (!v.is_object()) {
            bad_field("connector_features", k, "expected an object");
        }
    }
    json::value& existing = connector["features"];
    if (!existing.is_object()) {
        existing = json::object{};
    }
    deep_merge(existing.get_object(), features);
}

void apply_last_sync(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_last_sync_stats_request";
    only_fields(body, parser,
                {"last_access_control_sync_error", "last_access_control_sync_scheduled_at",
                 "last_access_control_sync_status", "last_deleted_document_count",
                 "last_incremental_sync_scheduled_at", "last_indexed_document_count", "last_seen",
                 "last_sync_error", "last_sync_scheduled_at", "last_sync_status", "last_synced",
                 "sync_cursor"});
    for (std::string_view k : {"last_access_control_sync_status", "last_sync_status"}) {
        if (auto s = string_field(body, parser, k, true); s && !is_sync_status(*s)) {
            bad_field(parser, k, "unknown sync status [" + *s + "]");
        }
    }
    for (std::string_view k : {"last_deleted_document_count", "last_indexed_document_count"}) {
        count_field(body, parser, k);
    }
    for (const auto& [k, v] : body) {
        connector[k] = v;
    }
}

void apply_native(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_native_request";
    only_fields(body, parser, {"is_native"});
    auto is_native = bool_field(body, parser, "is_native");
    if (!is_native) {
        bad_field(parser, "is_native", "required");
    }
    std::string_view index_name = string_or_empty(connector, "index_name");
    if (*is_native && !index_name.empty() && !index_name.starts_with(managed_index_prefix)) {
        status_exception("The index name [" + std::string(index_name) +
                         "] attached to the connector must start with the required prefix: [" +
                         std::string(managed_index_prefix) +
                         "] to be Elastic-managed. Please update the attached index first to "
                         "comply with this requirement.");
    }
    connector["is_native"] = *is_native;
    std::string_view status = string_or_empty(connector, "status");
    if (status == "connected") {
        connector["status"] = "configured";  // must reconnect in its new mode
    }
}

void apply_api_key_id(json::object& connector, const json::object& body) {
    constexpr std::string_view parser = "connector_update_api_key_id_request";
    only_fields(body, parser, {"api_key_id", "api_key_secret_id"});
    auto key_id = string_field(body, parser, "api_key_id", true);
    auto secret_id = string_field(body, parser, "api_key_secret_id", true);
    if (!key_id && !secret_id) {
        validation_failed({"[api_key_id] and [api_key_secret_id] cannot both be [null]"});
    }
    if (key_id) {
        connector["api_key_id"] = *key_id;
    }
    if (secret_id) {
        connector["api_key_secret_id"] = *secret_id;
    }
}

void apply_soft_delete(json::object& connector) {
    connector["deleted"] = true;
}

json::object list_connectors(const std::vector<stored_doc>& connectors, const url_params& params) {
    auto [from, size] = page(params);
    const auto index_names = list_param(params, "index_name");
    const auto names = list_param(params, "connector_name");
    const auto service_types = list_param(params, "service_type");
    const bool include_deleted = bool_param(params, "include_deleted");
    std::string search;
    if (auto it = params.find("query"); it != params.end()) {
        search = it->second;
    }
    std::vector<const stored_doc*> hits;
    for (const auto& d : connectors) {
        if (!d.source) {
            continue;
        }
        const json::object& s = *d.source;
        const json::value* deleted = s.if_contains("deleted");
        if (!include_deleted && deleted && deleted->is_bool() && deleted->get_bool()) {
            continue;
        }
        if (!index_names.empty() && !in_list(index_names, string_or_empty(s, "index_name"))) {
            continue;
        }
        if (!names.empty() && !in_list(names, string_or_empty(s, "name"))) {
            continue;
        }
        if (!service_types.empty() && !in_list(service_types, string_or_empty(s, "service_type"))) {
            continue;
        }
        if (!search.empty()) {
            auto has = [&](std::string_view key) {
                return string_or_empty(s, key).find(search) != std::string_view::npos;
            };
            if (!has("index_name") && !has("name") && !has("description")) {
                continue;
            }
        }
        hits.push_back(&d);
    }
    // ES sorts by index_name ascending; connectors without one come last.
    std::stable_sort(hits.begin(), hits.end(), [](const stored_doc* a, const stored_doc* b) {
        std::string_view ia = string_or_empty(*a->source, "index_name");
        std::string_view ib = string_or_empty(*b->source, "index_name");
        if (ia.empty() != ib.empty()) {
            return ib.empty();
        }
        return ia < ib;
    });
    return page_result(std::move(hits), from, size);
}

// ---------------------------------------------------------------------------------------------
// Sync jobs

std::string sync_job_connector_id(const json::object& body) {
    constexpr std::string_view parser = "connector_sync_job_post_request";
    only_fields(body, parser, {"id", "job_type", "trigger_method"});
    auto id = string_field(body, parser, "id", true);
    if (!id || id->empty()) {
        validation_failed({"[id] of the connector cannot be null or empty."});
    }
    if (auto t = string_field(body, parser, "job_type", true); t && !is_job_type(*t)) {
        bad_field(
            parser, "job_type",
            "unknown job type [" + *t + "], expected one of [full, incremental, access_control]");
    }
    if (auto t = string_field(body, parser, "trigger_method", true);
        t && *t != "on_demand" && *t != "scheduled") {
        bad_field(parser, "trigger_method",
                  "unknown trigger method [" + *t + "], expected one of [on_demand, scheduled]");
    }
    return *id;
}

json::object new_sync_job(const json::object* connector, std::string_view connector_id,
                          const json::object& body, std::string_view now) {
    sync_job_connector_id(body);  // validates the body whatever the router did
    if (!connector) {
        throw es_error(404, "resource_not_found_exception",
                       "Connector with id '" + std::string(connector_id) + "' does not exist.");
    }
    constexpr std::string_view parser = "connector_sync_job_post_request";
    const std::string job_type = string_field(body, parser, "job_type", true).value_or("full");
    const std::string trigger =
        string_field(body, parser, "trigger_method", true).value_or("on_demand");

    std::string_view index_name = string_or_empty(*connector, "index_name");
    if (index_name.empty()) {
        status_exception("Cannot start a sync for connector [" + std::string(connector_id) +
                         "] with no index attached. Set the [index_name] property for the "
                         "connector to enable syncing data.");
    }
    if (string_or_empty(*connector, "service_type").empty()) {
        status_exception("Cannot start a sync for connector [" + std::string(connector_id) +
                         "] with [service_type] not defined. Set the service type of your "
                         "connector before starting the sync.");
    }
    auto copy = [&](std::string_view key) -> json::value {
        const json::value* v = connector->if_contains(key);
        return v ? *v : json::value(nullptr);
    };
    json::value filtering = nullptr;
    if (const json::value* f = connector->if_contains("filtering");
        f && f->is_array() && !f->get_array().empty() && f->get_array()[0].is_object()) {
        if (const json::value* active = f->get_array()[0].get_object().if_contains("active")) {
            filtering = *active;
        }
    }
    std::string target_index = job_type == "access_control"
                                   ? std::string(acl_index_prefix) + std::string(index_name)
                                   : std::string(index_name);
    json::object snapshot{{"id", connector_id},
                          {"filtering", std::move(filtering)},
                          {"index_name", std::move(target_index)},
                          {"language", copy("language")},
                          {"pipeline", copy("pipeline")},
                          {"service_type", copy("service_type")},
                          {"configuration", copy("configuration")}};
    return {{"cancelation_requested_at", nullptr},
            {"canceled_at", nullptr},
            {"completed_at", nullptr},
            {"connector", std::move(snapshot)},
            {"created_at", now},
            {"deleted_document_count", 0},
            {"error", nullptr},
            {"indexed_document_count", 0},
            {"indexed_document_volume", 0},
            {"job_type", job_type},
            {"last_seen", now},
            {"metadata", json::object{}},
            {"started_at", nullptr},
            {"status", "pending"},
            {"total_document_count", 0},
            {"trigger_method", trigger},
            {"worker_hostname", nullptr}};
}

json::object sync_job_view(std::string_view id, const json::object& source) {
    return view(id, source);
}

void apply_claim(json::object& job, const json::object& body, std::string_view now) {
    constexpr std::string_view parser = "connector_sync_job_claim_request";
    only_fields(body, parser, {"worker_hostname", "sync_cursor"});
    auto host = string_field(body, parser, "worker_hostname", true);
    if (!host || host->empty()) {
        validation_failed({"[worker_hostname] of the connector sync job cannot be null."});
    }
    // ES does not check the state machine here (protocol.md §2.4).
    job["status"] = "in_progress";
    job["worker_hostname"] = *host;
    job["started_at"] = now;
    job["last_seen"] = now;
    if (const json::value* cursor = body.if_contains("sync_cursor"); cursor && !cursor->is_null()) {
        json::value& c = job["connector"];
        if (!c.is_object()) {
            c = json::object{};
        }
        c.get_object()["sync_cursor"] = *cursor;
    }
}

void apply_stats(json::object& job, const json::object& body, std::string_view now) {
    constexpr std::string_view parser = "connector_sync_job_update_ingestion_stats_request";
    only_fields(body, parser,
                {"deleted_document_count", "indexed_document_count", "indexed_document_volume",
                 "total_document_count", "last_seen", "metadata"});
    constexpr std::string_view required[] = {"deleted_document_count", "indexed_document_count",
                                             "indexed_document_volume"};
    std::string missing;
    for (std::string_view k : required) {
        if (!count_field(body, parser, k)) {
            missing += (missing.empty() ? "" : ", ") + std::string(k);
        }
    }
    if (!missing.empty()) {
        throw es_error(
            400, "x_content_parse_exception",
            "[" + std::string(parser) + "] failed to parse object: Required [" + missing + "]");
    }
    std::vector<std::string> negative;
    for (std::string_view k : {"deleted_document_count", "indexed_document_count",
                               "indexed_document_volume", "total_document_count"}) {
        if (auto n = count_field(body, parser, k); n && *n < 0) {
            negative.push_back("[" + std::string(k) + "] cannot be negative.");
        }
    }
    if (!negative.empty()) {
        validation_failed(negative);
    }
    for (std::string_view k : required) {
        job[k] = *count_field(body, parser, k);
    }
    if (auto total = count_field(body, parser, "total_document_count")) {
        job["total_document_count"] = *total;
    }
    auto last_seen = string_field(body, parser, "last_seen", true);
    job["last_seen"] = last_seen ? json::value(*last_seen) : json::value(now);
    if (const json::value* metadata = body.if_contains("metadata");
        metadata && !metadata->is_null()) {
        if (!metadata->is_object()) {
            bad_field(parser, "metadata", "expected an object");
        }
        job["metadata"] = *metadata;
    }
}

void apply_cancel(json::object& job, std::string_view now) {
    std::string from(string_or_empty(job, "status"));
    if (from == "pending" || from == "suspended") {
        job["status"] = "canceled";
        job["cancelation_requested_at"] = now;
        job["canceled_at"] = now;
        job["completed_at"] = now;
        return;
    }
    if (!job_transition_ok(from, "canceling")) {
        invalid_transition(from, "canceling", true);
    }
    job["status"] = "canceling";
    job["cancelation_requested_at"] = now;
}

void apply_job_check_in(json::object& job, std::string_view now) {
    job["last_seen"] = now;
}

void apply_job_error(json::object& job, const json::object& body) {
    constexpr std::string_view parser = "connector_sync_job_error_request";
    only_fields(body, parser, {"error"});
    auto error = string_field(body, parser, "error", true);
    if (!error || error->empty()) {
        validation_failed({"[error] of the connector sync job cannot be null or empty."});
    }
    std::string from(string_or_empty(job, "status"));
    if (!job_transition_ok(from, "error")) {
        invalid_transition(from, "error", true);
    }
    job["status"] = "error";
    job["error"] = *error;
}

json::object list_sync_jobs(const std::vector<stored_doc>& jobs, const url_params& params) {
    auto [from, size] = page(params);
    std::string connector_id;
    if (auto it = params.find("connector_id"); it != params.end()) {
        connector_id = it->second;
    }
    std::string status;
    if (auto it = params.find("status"); it != params.end()) {
        status = it->second;
        if (!is_sync_status(status)) {
            throw es_error(400, "illegal_argument_exception",
                           "Unknown ConnectorSyncStatus [" + status + "].");
        }
    }
    const auto job_types = list_param(params, "job_type");
    for (const auto& t : job_types) {
        if (!is_job_type(t)) {
            throw es_error(400, "illegal_argument_exception",
                           "Unknown ConnectorSyncJobType [" + t + "].");
        }
    }
    std::vector<const stored_doc*> hits;
    for (const auto& d : jobs) {
        if (!d.source) {
            continue;
        }
        const json::object& s = *d.source;
        if (!connector_id.empty()) {
            const json::value* c = s.if_contains("connector");
            if (!c || !c->is_object() || string_or_empty(c->get_object(), "id") != connector_id) {
                continue;
            }
        }
        if (!status.empty() && string_or_empty(s, "status") != status) {
            continue;
        }
        if (!job_types.empty() && !in_list(job_types, string_or_empty(s, "job_type"))) {
            continue;
        }
        hits.push_back(&d);
    }
    // Newest first, comparing instants (fraction widths and offsets vary); jobs without a
    // parsable created_at come last.
    std::vector<std::pair<core::sys_ns, const stored_doc*>> keyed;
    keyed.reserve(hits.size());
    for (const auto* h : hits) {
        const auto created = core::parse_iso8601_ns(string_or_empty(*h->source, "created_at"));
        keyed.emplace_back(created.value_or(core::sys_ns::min()), h);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        hits[i] = keyed[i].second;
    }
    return page_result(std::move(hits), from, size);
}

}  // namespace casio::mock_es
