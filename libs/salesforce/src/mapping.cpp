#include <algorithm>

#include <boost/json/serialize.hpp>

#include <casio/salesforce/mapping.hpp>

#include "json_out.hpp"

namespace casio::salesforce {

namespace json = boost::json;
using detail::append_json_string;
using detail::append_json_value;
using detail::append_key;

namespace {

const json::string* string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

}  // namespace

std::optional<std::string> record_timestamp(const json::value* last_modified_date,
                                            core::sys_us now) {
    if (last_modified_date == nullptr || last_modified_date->is_null()) {
        return core::format_iso8601_z_seconds(now);
    }
    if (!last_modified_date->is_string()) {
        return std::nullopt;
    }
    auto t = core::parse_iso8601(last_modified_date->get_string());
    if (!t) {
        return std::nullopt;
    }
    return core::format_iso8601_z_seconds(*t);
}

std::optional<mapped_document> map_record(const json::object& record, const record_context& ctx,
                                          const warning_sink& warn) {
    const auto* id = string_field(record, "Id");
    if (id == nullptr || id->empty()) {
        if (warn) {
            warn("Skipping a " + std::string(ctx.sobject) + " record without an Id");
        }
        return std::nullopt;
    }
    auto ts = record_timestamp(record.if_contains("LastModifiedDate"), ctx.now);
    if (!ts) {
        if (warn) {
            warn("Unreadable LastModifiedDate on " + std::string(ctx.sobject) + " " +
                 std::string(*id) + "; using the current time as _timestamp");
        }
        ts = core::format_iso8601_z_seconds(ctx.now);
    }

    mapped_document doc;
    doc.id = *id;
    doc.timestamp = *ts;
    std::string& out = doc.json;
    out.reserve(256 + record.size() * 32);
    out.push_back('{');
    bool first = true;

    auto find_extra = [&](std::string_view key) -> const extra_field* {
        for (const auto& e : ctx.extras) {
            if (e.key == key) {
                return &e;
            }
        }
        return nullptr;
    };

    // Leading members unless the record has a field of the same name (record wins).
    if (!record.contains("id")) {
        append_key(out, "id", first);
        append_json_string(out, doc.id);
    }
    if (!record.contains("_timestamp")) {
        append_key(out, "_timestamp", first);
        append_json_string(out, doc.timestamp);
    }
    if (!record.contains("url")) {
        append_key(out, "url", first);
        std::string url(ctx.base_url);
        url += '/';
        url += doc.id;
        append_json_string(out, url);
    }

    const json::array* existing_acl = nullptr;
    for (const auto& member : record) {
        const std::string_view key = member.key();
        if (key == "_allow_access_control" && ctx.access_control != nullptr) {
            existing_acl = member.value().is_array() ? &member.value().get_array() : nullptr;
            continue;
        }
        append_key(out, key, first);
        if (const auto* e = find_extra(key)) {
            out += e->json;
        } else {
            append_json_value(out, member.value());
        }
    }
    for (const auto& e : ctx.extras) {
        if (!record.contains(e.key)) {
            append_key(out, e.key, first);
            out += e.json;
        }
    }

    if (ctx.access_control != nullptr) {
        std::vector<std::string_view> acl(ctx.access_control->begin(), ctx.access_control->end());
        if (existing_acl != nullptr) {
            for (const auto& v : *existing_acl) {
                if (v.is_string()) {
                    acl.emplace_back(v.get_string());
                }
            }
        }
        std::sort(acl.begin(), acl.end());
        acl.erase(std::unique(acl.begin(), acl.end()), acl.end());
        append_key(out, "_allow_access_control", first);
        out.push_back('[');
        for (std::size_t i = 0; i < acl.size(); ++i) {
            if (i != 0) {
                out.push_back(',');
            }
            append_json_string(out, acl[i]);
        }
        out.push_back(']');
    }
    out.push_back('}');
    return doc;
}

enrichment_cache::table* enrichment_cache::table_for(std::string_view sobject) {
    if (sobject == "Account")
        return &accounts_;
    if (sobject == "Contact")
        return &contacts_;
    if (sobject == "Opportunity")
        return &opportunities_;
    if (sobject == "User")
        return &users_;
    return nullptr;
}

std::size_t enrichment_cache::size() const noexcept {
    return accounts_.size() + contacts_.size() + opportunities_.size() + users_.size();
}

void enrichment_cache::add(std::string_view sobject, const json::array& records) {
    table* t = table_for(sobject);
    if (t == nullptr) {
        return;
    }
    const bool with_email = sobject == "Contact" || sobject == "User";
    for (const auto& r : records) {
        if (!r.is_object()) {
            continue;
        }
        const auto& o = r.get_object();
        const auto* id = string_field(o, "Id");
        if (id == nullptr) {
            continue;
        }
        entry e;
        if (const auto* n = string_field(o, "Name")) {
            e.name = std::string(*n);
        }
        e.has_email = with_email;
        if (const auto* m = string_field(o, "Email")) {
            e.email = std::string(*m);
        }
        (*t)[std::string(*id)] = std::move(e);
    }
}

std::string enrichment_cache::lookup(const table& t, const json::object& record,
                                     std::string_view id_field) const {
    const auto* id = string_field(record, id_field);
    if (id == nullptr) {
        return "{}";
    }
    const auto it = t.find(std::string(*id));
    if (it == t.end()) {
        return "{}";
    }
    std::string out = "{";
    bool first = true;
    append_key(out, "Id", first);
    append_json_string(out, it->first);
    append_key(out, "Name", first);
    detail::append_optional_string(out, it->second.name ? &*it->second.name : nullptr);
    if (it->second.has_email) {
        append_key(out, "Email", first);
        detail::append_optional_string(out, it->second.email ? &*it->second.email : nullptr);
    }
    out.push_back('}');
    return out;
}

std::vector<extra_field> enrichment_cache::contact_fields(const json::object& record) const {
    return {{"Account", lookup(accounts_, record, "AccountId")},
            {"Owner", lookup(users_, record, "OwnerId")}};
}

std::vector<extra_field> enrichment_cache::lead_fields(const json::object& record) const {
    return {{"Owner", lookup(users_, record, "OwnerId")},
            {"ConvertedAccount", lookup(accounts_, record, "ConvertedAccountId")},
            {"ConvertedContact", lookup(contacts_, record, "ConvertedContactId")},
            {"ConvertedOpportunity", lookup(opportunities_, record, "ConvertedOpportunityId")}};
}

void case_feed_index::add(const json::array& feed_records) {
    for (const auto& r : feed_records) {
        if (!r.is_object()) {
            continue;
        }
        const auto* parent = string_field(r.get_object(), "ParentId");
        if (parent == nullptr) {
            continue;
        }
        auto& s = feeds_[std::string(*parent)];
        if (!s.empty()) {
            s.push_back(',');
        }
        append_json_value(s, r);
    }
}

extra_field case_feed_index::feeds_field(std::string_view case_id) const {
    const auto it = feeds_.find(std::string(case_id));
    if (it == feeds_.end()) {
        return {"Feeds", "null"};
    }
    return {"Feeds", "[" + it->second + "]"};
}

std::vector<std::string> record_ids(const json::array& records) {
    std::vector<std::string> ids;
    ids.reserve(records.size());
    for (const auto& r : records) {
        if (r.is_object()) {
            if (const auto* id = string_field(r.get_object(), "Id")) {
                ids.emplace_back(*id);
            }
        }
    }
    return ids;
}

}  // namespace casio::salesforce
