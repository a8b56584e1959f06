#include <algorithm>

#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/mapping.hpp>

#include "json_out.hpp"

namespace casio::salesforce {

namespace json = boost::json;
using detail::append_json_string;
using detail::append_key;

// Kept as one raw literal so the bytes match the reference template exactly.
const std::string_view dls_query_source = R"DLS({
                    "bool": {
                        "should": [
                            {
                                "bool": {
                                    "must_not": {
                                        "exists": {
                                            "field": "_allow_access_control"
                                        }
                                    }
                                }
                            },
                            {
                                "terms": {
                                    "_allow_access_control.keyword": {{#toJson}}access_control{{/toJson}}
                                }
                            }
                        ]
                    }
                })DLS";

namespace {

const json::string* string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

void sort_unique(std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

void append_identity(std::string& out, const std::optional<std::string>& v) {
    if (v) {
        append_json_string(out, *v);
    } else {
        out += "null";
    }
}

}  // namespace

std::optional<std::string> prefix_user(std::string_view name) {
    if (name.empty()) {
        return std::nullopt;
    }
    return "user:" + std::string(name);
}

std::optional<std::string> prefix_user_id(std::string_view id) {
    if (id.empty()) {
        return std::nullopt;
    }
    return "user_id:" + std::string(id);
}

std::optional<std::string> prefix_email(std::string_view email) {
    return "email:" + std::string(email);
}

void read_permission::add_assignees(const json::array& records) {
    for (const auto& r : records) {
        if (!r.is_object()) {
            continue;
        }
        if (const auto* id = string_field(r.get_object(), "AssigneeId")) {
            if (auto p = prefix_user_id(*id)) {
                assignees_.emplace_back(*id);
                identities_.push_back(std::move(*p));
            }
        }
    }
    sort_unique(assignees_);
    sort_unique(identities_);
}

std::vector<std::string> read_permission::assignee_ids() const {
    return assignees_;
}

void read_permission::add_users(const json::array& records) {
    for (const auto& r : records) {
        if (!r.is_object()) {
            continue;
        }
        const auto& o = r.get_object();
        if (const auto* name = string_field(o, "Name")) {
            if (auto p = prefix_user(*name)) {
                identities_.push_back(std::move(*p));
            }
        }
        if (const auto* email = string_field(o, "Email")) {
            if (auto p = prefix_email(*email)) {
                identities_.push_back(std::move(*p));
            }
        }
    }
    sort_unique(identities_);
}

std::vector<std::string> read_permission::identities() const {
    return identities_;
}

const std::vector<std::string>* permission_cache::find(std::string_view sobject) const {
    for (const auto& [type, identities] : by_type_) {
        if (type == sobject) {
            return &identities;
        }
    }
    return nullptr;
}

void permission_cache::put(std::string_view sobject, std::vector<std::string> identities) {
    for (auto& [type, existing] : by_type_) {
        if (type == sobject) {
            existing = std::move(identities);
            return;
        }
    }
    by_type_.emplace_back(std::string(sobject), std::move(identities));
}

std::optional<sync::document> access_control_document(const json::object& user, core::sys_us now) {
    if (const auto* type = string_field(user, "UserType")) {
        if (std::find(skipped_user_types.begin(), skipped_user_types.end(),
                      std::string_view(*type)) != skipped_user_types.end()) {
            return std::nullopt;
        }
    }
    const auto* id = string_field(user, "Id");
    if (id == nullptr || id->empty()) {
        throw record_without_id("User");
    }
    std::optional<std::string> email;
    if (const auto* e = string_field(user, "Email")) {
        email = prefix_email(*e);
    }
    std::optional<std::string> username;
    if (const auto* n = string_field(user, "Name")) {
        username = prefix_user(*n);
    }
    std::optional<std::string> user_id = prefix_user_id(*id);

    sync::document doc;
    doc.id = *id;
    std::string& out = doc.json;
    out.reserve(1024);
    out.push_back('{');
    bool first = true;
    append_key(out, "identity", first);
    {
        out.push_back('{');
        bool f = true;
        append_key(out, "email", f);
        append_identity(out, email);
        append_key(out, "username", f);
        append_identity(out, username);
        append_key(out, "user_id", f);
        append_identity(out, user_id);
        out.push_back('}');
    }
    std::string now_text = core::format_iso8601(now);
    // Salesforce's raw value when the field is there (even null), else "now".
    auto raw_or_now = [&](std::string_view doc_key, std::string_view key) {
        append_key(out, doc_key, first);
        const auto* v = user.if_contains(key);
        if (v == nullptr) {
            append_json_string(out, now_text);
            return now_text;
        }
        detail::append_json_value(out, *v);
        return v->is_string() ? std::string(v->get_string()) : std::string();
    };
    raw_or_now("created_at", "CreatedDate");
    if (auto ts = raw_or_now("_timestamp", "LastModifiedDate"); !ts.empty()) {
        doc.timestamp = std::move(ts);  // a null or non-string value is not a timestamp
    }

    append_key(out, "query", first);
    out += "{\"template\":{\"params\":{\"access_control\":[";
    bool f = true;
    for (const auto* identity : {&email, &username, &user_id}) {
        if (*identity) {
            if (!f) {
                out.push_back(',');
            }
            f = false;
            append_json_string(out, **identity);
        }
    }
    out += "]},\"source\":";
    append_json_string(out, dls_query_source);
    out += "}}}";
    return doc;
}

}  // namespace casio::salesforce
