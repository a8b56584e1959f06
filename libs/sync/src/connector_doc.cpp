#include <algorithm>
#include <array>
#include <cctype>

#include <boost/json/array.hpp>

#include <casio/core/cron.hpp>
#include <casio/es/error.hpp>
#include <casio/sync/connector_doc.hpp>
#include <casio/sync/sync_rules.hpp>

namespace casio::sync {

namespace json = boost::json;

std::string_view to_string(job_type t) noexcept {
    switch (t) {
        case job_type::full:
            return "full";
        case job_type::incremental:
            return "incremental";
        case job_type::access_control:
            return "access_control";
    }
    return "full";
}

std::optional<job_type> parse_job_type(std::string_view text) noexcept {
    if (text == "full")
        return job_type::full;
    if (text == "incremental")
        return job_type::incremental;
    if (text == "access_control")
        return job_type::access_control;
    return std::nullopt;
}

std::string_view to_string(job_status s) noexcept {
    switch (s) {
        case job_status::completed:
            return "completed";
        case job_status::error:
            return "error";
        case job_status::canceled:
            return "canceled";
        case job_status::suspended:
            return "suspended";
    }
    return "error";
}

namespace {

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& s : v) {
        a.emplace_back(s);
    }
    return a;
}

json::object terms(std::string_view field, json::array values) {
    json::object inner;
    inner[field] = std::move(values);
    return json::object{{"terms", std::move(inner)}};
}

json::object term(std::string_view field, json::value value) {
    json::object inner;
    inner[field] = std::move(value);
    return json::object{{"term", std::move(inner)}};
}

json::array running_statuses() {
    return json::array{"in_progress", "canceling"};
}

}  // namespace

std::optional<json::object> discovery_query(const std::vector<std::string>& ids,
                                            const std::vector<std::string>& types) {
    if (ids.empty() && types.empty()) {
        return std::nullopt;
    }
    auto not_deleted = [] { return json::array{term("deleted", true)}; };
    json::object by_ids{
        {"bool", json::object{{"must_not", not_deleted()},
                              {"filter", json::array{terms("_id", strings(ids))}}}}};
    json::object by_types{
        {"bool", json::object{{"must_not", not_deleted()},
                              {"filter", json::array{terms("service_type", strings(types)),
                                                     term("is_native", false)}}}}};
    if (types.empty()) {
        return by_ids;
    }
    if (ids.empty()) {
        return by_types;
    }
    return json::object{{"bool", json::object{{"should", json::array{by_types, by_ids}}}}};
}

json::object pending_jobs_body(const std::vector<std::string>& connector_ids,
                               const std::vector<job_type>& types) {
    json::array type_names;
    for (auto t : types) {
        type_names.emplace_back(to_string(t));
    }
    json::array must{terms("status", json::array{"pending", "suspended"}),
                     terms("connector.id", strings(connector_ids)),
                     terms("job_type", std::move(type_names))};
    return json::object{{"query", json::object{{"bool", json::object{{"must", std::move(must)}}}}},
                        {"sort", json::array{json::object{{"created_at", "asc"}}}}};
}

json::object active_jobs_body(std::string_view connector_id, job_type type) {
    json::array filter{
        term("connector.id", json::string(connector_id)),
        term("job_type", json::string(to_string(type))),
        terms("status", json::array{"pending", "suspended", "in_progress", "canceling"})};
    return json::object{
        {"query", json::object{{"bool", json::object{{"filter", std::move(filter)}}}}}};
}

json::object orphaned_jobs_body(const std::vector<std::string>& all_connector_ids) {
    json::object b{{"must_not", terms("connector.id", strings(all_connector_ids))},
                   {"filter", json::array{terms("status", running_statuses())}}};
    return json::object{{"query", json::object{{"bool", std::move(b)}}}};
}

json::object idle_jobs_body(const std::vector<std::string>& connector_ids) {
    json::array filter{
        terms("connector.id", strings(connector_ids)), terms("status", running_statuses()),
        json::object{{"range", json::object{{"last_seen", json::object{{"lte", "now-300s"}}}}}}};
    return json::object{
        {"query", json::object{{"bool", json::object{{"filter", std::move(filter)}}}}}};
}

json::object complete_field(std::string_view key, const json::object& field) {
    std::string label(key);
    for (auto& c : label) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    json::object out = field;
    auto put = [&](std::string_view k, json::value v) {
        if (!out.contains(k)) {
            out[k] = std::move(v);
        }
    };
    put("default_value", nullptr);
    put("depends_on", json::array{});
    put("display", "text");
    put("label", json::string(label));
    put("options", json::array{});
    put("order", 1);
    put("required", true);
    put("sensitive", false);
    put("tooltip", nullptr);
    put("type", "str");
    put("ui_restrictions", json::array{});
    put("validations", json::array{});
    put("value", "");
    return out;
}

json::object prepare_patch(const json::object& connector, std::string_view service_type,
                           const json::object& schema, const json::object& features) {
    json::object patch;
    const json::value* cfg = connector.if_contains("configuration");
    const bool empty = cfg == nullptr || !cfg->is_object() || cfg->get_object().empty();
    if (empty) {
        json::object full;
        for (const auto& [k, v] : schema) {
            full[k] = v.is_object() ? complete_field(k, v.get_object()) : v;
        }
        patch["configuration"] = std::move(full);
        patch["status"] = "needs_configuration";
    } else {
        const json::object& current = cfg->get_object();
        json::object changed;
        for (const auto& [k, v] : schema) {
            const json::value* have = current.if_contains(k);
            if (have == nullptr || !have->is_object()) {
                changed[k] = v.is_object() ? complete_field(k, v.get_object()) : v;
                continue;
            }
            json::object completed = complete_field(k, have->get_object());
            if (completed.size() != have->get_object().size()) {
                changed[k] = std::move(completed);
            }
        }
        for (const auto& [k, v] : current) {
            if (!schema.contains(k) && v.is_object()) {
                json::object completed = complete_field(k, v.get_object());
                if (completed.size() != v.get_object().size()) {
                    changed[k] = std::move(completed);
                }
            }
        }
        if (!changed.empty()) {
            patch["configuration"] = std::move(changed);
        }
    }
    const json::value* st = connector.if_contains("service_type");
    if (st == nullptr || st->is_null()) {
        patch["service_type"] = json::string(service_type);
    }
    const json::value* f = connector.if_contains("features");
    if (f == nullptr || *f != json::value(features)) {
        patch["features"] = features;
    }
    return patch;
}

const json::value* find_path(const json::object& o, std::string_view path) {
    const json::object* cur = &o;
    while (true) {
        auto dot = path.find('.');
        auto key = path.substr(0, dot);
        const json::value* v = cur->if_contains(key);
        if (v == nullptr || dot == std::string_view::npos) {
            return v;
        }
        if (!v->is_object()) {
            return nullptr;
        }
        cur = &v->get_object();
        path.remove_prefix(dot + 1);
    }
}

std::string string_at(const json::object& o, std::string_view path, std::string_view fallback) {
    const json::value* v = find_path(o, path);
    if (v != nullptr && v->is_string()) {
        return std::string(v->get_string());
    }
    return std::string(fallback);
}

bool feature_enabled(const json::object& connector, std::string_view path) {
    std::string full = "features.";
    full += path;
    full += ".enabled";
    const json::value* v = find_path(connector, full);
    return v != nullptr && v->is_bool() && v->get_bool();
}

std::string_view last_scheduled_field(job_type t) noexcept {
    switch (t) {
        case job_type::full:
            return "last_sync_scheduled_at";
        case job_type::incremental:
            return "last_incremental_sync_scheduled_at";
        case job_type::access_control:
            return "last_access_control_sync_scheduled_at";
    }
    return "last_sync_scheduled_at";
}

std::string_view last_status_field(job_type t) noexcept {
    return is_content(t) ? "last_sync_status" : "last_access_control_sync_status";
}

std::string_view last_error_field(job_type t) noexcept {
    return is_content(t) ? "last_sync_error" : "last_access_control_sync_error";
}

schedule_decision decide_schedule(const json::object& connector, job_type t,
                                  core::sys_us last_wake_up, core::sys_us now) {
    using v = schedule_decision::verdict;
    if (const json::value* last = connector.if_contains(last_scheduled_field(t));
        last != nullptr && last->is_string()) {
        if (auto at = core::parse_iso8601(last->get_string()); at && *at > last_wake_up) {
            return {v::already_scheduled, std::nullopt, {}};
        }
    }
    std::string base = "scheduling.";
    base += to_string(t);
    const json::value* enabled = find_path(connector, base + ".enabled");
    if (enabled == nullptr || !enabled->is_bool() || !enabled->get_bool()) {
        return {v::disabled, std::nullopt, {}};
    }
    const std::string interval = string_at(connector, base + ".interval");
    try {
        auto next = core::cron_schedule::parse(interval).next_fire(last_wake_up);
        if (!next || now < *next) {
            return {v::not_due, next, {}};
        }
        return {v::due, next, {}};
    } catch (const core::cron_error& e) {
        return {v::bad_interval, std::nullopt, e.what()};
    }
}

bool sync_in_progress(const json::object& connector, job_type t) {
    return string_at(connector, last_status_field(t)) == "in_progress";
}

json::object sync_starts_patch(job_type t) {
    json::object p{{"status", "connected"}, {"error", nullptr}};
    p[last_status_field(t)] = "in_progress";
    p[last_error_field(t)] = nullptr;
    return p;
}

json::object terminal_job_doc(job_status s, const std::optional<std::string>& error,
                              std::string_view now, const std::optional<job_counts>& counts,
                              std::optional<std::int64_t> total) {
    json::object d{{"last_seen", json::string(now)}, {"status", json::string(to_string(s))}};
    if (error) {
        d["error"] = *error;
    } else {
        d["error"] = nullptr;
    }
    if (s != job_status::suspended) {
        d["completed_at"] = json::string(now);
    }
    if (s == job_status::canceled) {
        d["canceled_at"] = json::string(now);
    }
    if (counts) {
        d["indexed_document_count"] = counts->indexed_document_count;
        d["indexed_document_volume"] = counts->indexed_document_volume;
        d["deleted_document_count"] = counts->deleted_document_count;
    }
    if (total) {
        d["total_document_count"] = *total;
    }
    return d;
}

json::object sync_done_doc(const std::optional<json::object>& job, std::string_view now,
                           const json::value& cursor) {
    json::object d{{"last_synced", json::string(now)}};
    if (!job) {
        d["status"] = "error";
        d["error"] = "Couldn't find the job";
        for (auto t : {job_type::full, job_type::access_control}) {
            d[last_status_field(t)] = "error";
            d[last_error_field(t)] = "Couldn't find the job";
        }
        return d;
    }
    const std::string status = string_at(*job, "status");
    const auto type = parse_job_type(string_at(*job, "job_type")).value_or(job_type::full);
    json::value error = nullptr;
    if (const json::value* e = job->if_contains("error"); e != nullptr && !e->is_null()) {
        error = *e;
    } else if (status == "error") {
        error = "unknown error";
    }
    d["status"] = status == "error" ? "error" : "connected";
    d["error"] = error;
    d[last_status_field(type)] = json::string(status);
    d[last_error_field(type)] = error;
    if (is_content(type) && status == "completed") {
        d["sync_cursor"] = cursor;
    } else if (type == job_type::access_control && status == "completed" && !cursor.is_null()) {
        d["sync_cursor"] = cursor;  // the content marks with the access-control mark merged in
    }
    if (status == "completed" || status == "error" || status == "canceled") {
        auto count = [&](std::string_view k) -> json::value {
            const json::value* v = job->if_contains(k);
            return v != nullptr && v->is_number() ? *v : json::value(0);
        };
        d["last_indexed_document_count"] = count("indexed_document_count");
        d["last_deleted_document_count"] = count("deleted_document_count");
    }
    return d;
}

json::array validate_basic_rules(const json::value& rules) {
    json::array errors;
    if (!rules.is_array()) {
        errors.push_back(json::object{{"ids", json::array{"rules"}},
                                      {"messages", json::array{"rules must be an array"}}});
        return errors;
    }
    auto add = [&](const std::string& id, const std::string& message) {
        errors.push_back(json::object{{"ids", json::array{json::string(id)}},
                                      {"messages", json::array{json::string(message)}}});
    };
    static constexpr std::array<std::string_view, 7> kinds{
        "equals", "starts_with", "ends_with", "contains", "regex", ">", "<"};
    std::vector<std::string> seen;
    bool duplicate_reported = false;
    for (const auto& r : rules.get_array()) {
        if (!r.is_object()) {
            add("", "a rule must be an object");
            continue;
        }
        const auto& o = r.get_object();
        const std::string id = string_at(o, "id");
        if (id == "DEFAULT") {
            continue;
        }
        auto lower = [](std::string v) {
            for (auto& c : v)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return v;
        };
        const std::string policy = lower(string_at(o, "policy"));
        const std::string rule = lower(string_at(o, "rule"));
        const std::string field = string_at(o, "field");
        const std::string value = string_at(o, "value");
        const json::value* order = o.if_contains("order");
        if (id.empty()) {
            add(id, "'id' must be a non-empty string");
        } else if (policy != "include" && policy != "exclude") {
            add(id, "'policy' must be include or exclude");
        } else if (field.empty()) {
            add(id, "'field' must be a non-empty string");
        } else if (std::find(kinds.begin(), kinds.end(), rule) == kinds.end()) {
            add(id, "'rule' must be one of equals, starts_with, ends_with, contains, regex, >, <");
        } else if (value.empty()) {
            add(id, "'value' must be a non-empty string");
        } else if (order == nullptr || !order->is_number()) {
            add(id, "'order' must be a number");
        } else if (rule == "regex" && (value == ".*" || value == "(.*)")) {
            add(id, "regex rule value '" + value + "' would match everything");
        } else {
            std::string key = field;
            key.append(1, '\x1f').append(rule).append(1, '\x1f').append(value);
            if (std::find(seen.begin(), seen.end(), key) != seen.end() && !duplicate_reported) {
                duplicate_reported = true;
                std::string message = "duplicate of another rule with field '" + field;
                message.append("', rule '").append(rule).append("' and value '");
                add(id, message.append(value).append("'"));
            }
            seen.push_back(key);
            try {
                json::object normalised = o;
                normalised["policy"] = json::string(policy);
                normalised["rule"] = json::string(rule);
                (void)rule_set::from_json(json::array{normalised});
            } catch (const std::exception& e) {
                add(id, e.what());
            }
        }
    }
    return errors;
}

std::string job_error_message(const std::exception& e, std::string_view index) {
    if (const auto* es = dynamic_cast<const es::es_error*>(&e); es && es->is_forbidden()) {
        return "Connector is not authorized to access index [" + std::string(index) +
               "]. API key may need to be regenerated. Status code: [403].";
    }
    return e.what();
}

}  // namespace casio::sync
