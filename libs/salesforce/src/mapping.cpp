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

std::optional<sync::document> map_record(const json::object& record, const record_context& ctx,
                                         const warning_sink& warn,
                                         std::optional<std::span<const raw_member>> raw) {
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

    if (raw) {
        // The text must be this record's: its Id member reads "<the parsed Id>".
        const auto it = std::find_if(raw->begin(), raw->end(),
                                     [](const raw_member& m) { return m.key == "Id"; });
        const std::string_view want = *id;
        if (it == raw->end() || it->value.size() != want.size() + 2 ||
            it->value.substr(1, want.size()) != want) {
            raw.reset();
        }
    }

    sync::document doc;
    doc.id = *id;
    doc.timestamp = *ts;
    std::string& out = doc.json;
    // Sized once: the copied text plus the members written here.
    std::size_t size_hint = 256 + ctx.base_url.size();
    if (raw) {
        for (const auto& m : *raw) {
            size_hint += m.key.size() + m.value.size() + 4;
        }
    } else {
        size_hint += record.size() * 32;
    }
    for (const auto& e : ctx.extras) {
        size_hint += e.key.size() + e.json.size() + 4;
    }
    if (ctx.access_control != nullptr) {
        for (const auto& a : *ctx.access_control) {
            size_hint += a.size() + 3;
        }
    }
    out.reserve(size_hint);
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

    // Leading members unless the record has a field of the same name (record wins). `id` is
    // the sink's (sync::finish_document).
    if (!record.contains("_timestamp")) {
        append_key(out, "_timestamp", first);
        append_json_string(out, *doc.timestamp);
    }
    if (!record.contains("url")) {
        append_key(out, "url", first);
        std::string url(ctx.base_url);
        url += '/';
        url += doc.id;
        append_json_string(out, url);
    }

    const json::array* existing_acl = nullptr;
    if (ctx.access_control != nullptr) {
        if (const auto* v = record.if_contains("_allow_access_control"); v && v->is_array()) {
            existing_acl = &v->get_array();
        }
    }
    auto write_member = [&](std::string_view key, auto&& write_value) {
        if ((key == "_allow_access_control" && ctx.access_control != nullptr) || key == "id") {
            return;  // merged below, or the sink's
        }
        append_key(out, key, first);
        if (const auto* e = find_extra(key)) {
            out += e->json;
        } else {
            write_value();
        }
    };
    if (raw) {
        // Members copied unchanged are copied as runs of the page's text, commas included.
        const char* run_begin = nullptr;
        const char* run_end = nullptr;
        auto flush_run = [&] {
            if (run_begin != nullptr) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                out.append(run_begin, run_end);
                run_begin = nullptr;
            }
        };
        for (const auto& m : *raw) {
            const bool acl = m.key == "_allow_access_control" && ctx.access_control != nullptr;
            if (acl || m.key == "id" || find_extra(m.key) != nullptr) {
                flush_run();
                write_member(m.key, [] {});  // the extra, or nothing for the ACL
                continue;
            }
            if (run_begin == nullptr) {
                run_begin = m.key.data() - 1;  // the key's opening quote
            }
            run_end = m.value.data() + m.value.size();
        }
        flush_run();
    } else {
        for (const auto& m : record) {
            write_member(m.key(), [&] { append_json_value(out, m.value()); });
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

std::span<const enrichment_relationship> enrichment_relationships(std::string_view sobject) {
    static constexpr enrichment_relationship contact[] = {
        {"Account", "AccountId", "Account", false},
        {"Owner", "OwnerId", "User", true},
    };
    static constexpr enrichment_relationship lead[] = {
        {"Owner", "OwnerId", "User", true},
        {"ConvertedAccount", "ConvertedAccountId", "Account", false},
        {"ConvertedContact", "ConvertedContactId", "Contact", true},
        {"ConvertedOpportunity", "ConvertedOpportunityId", "Opportunity", false},
    };
    if (sobject == "Contact") {
        return contact;
    }
    if (sobject == "Lead") {
        return lead;
    }
    return {};
}

std::vector<extra_field> enrichment_fields(std::string_view sobject, const json::object& record) {
    std::vector<extra_field> out;
    for (const auto& r : enrichment_relationships(sobject)) {
        const auto* v = record.if_contains(r.key);
        const auto* parent = v != nullptr && v->is_object() ? &v->get_object() : nullptr;
        const auto* id = parent != nullptr ? string_field(*parent, "Id") : nullptr;
        // The reference's Owner comes from the User table: a queue (00G...) is not in it.
        if (id == nullptr || (r.parent == "User" && !id->starts_with("005"))) {
            out.push_back({std::string(r.key), "{}"});
            continue;
        }
        std::string json = "{";
        bool first = true;
        append_key(json, "Id", first);
        append_json_string(json, *id);
        append_key(json, "Name", first);
        detail::append_optional_string(json, string_field(*parent, "Name"));
        if (r.with_email) {
            append_key(json, "Email", first);
            detail::append_optional_string(json, string_field(*parent, "Email"));
        }
        json.push_back('}');
        out.push_back({std::string(r.key), std::move(json)});
    }
    return out;
}

std::vector<extra_field> enrichment_fields(std::string_view sobject,
                                           std::span<const raw_member> record) {
    std::vector<extra_field> out;
    for (const auto& r : enrichment_relationships(sobject)) {
        std::string_view id, name, email;
        for (const auto& m : record) {
            if (m.key != r.key) {
                continue;
            }
            for_each_raw_member(m.value, [&](std::string_view k, std::string_view v) {
                // Only strings are kept (the tree version ignores other kinds the same way).
                const bool is_string = !v.empty() && v.front() == '"';
                if (k == "Id" && is_string) {
                    id = v;
                } else if (k == "Name" && is_string) {
                    name = v;
                } else if (k == "Email" && is_string) {
                    email = v;
                }
            });
        }
        // The reference's Owner comes from the User table: a queue (00G...) is not in it.
        if (id.size() <= 2 || (r.parent == "User" && !id.starts_with("\"005"))) {
            out.push_back({std::string(r.key), "{}"});
            continue;
        }
        std::string json = "{\"Id\":";
        json += id;
        json += ",\"Name\":";
        json += name.empty() ? std::string_view("null") : name;
        if (r.with_email) {
            json += ",\"Email\":";
            json += email.empty() ? std::string_view("null") : email;
        }
        json.push_back('}');
        out.push_back({std::string(r.key), std::move(json)});
    }
    return out;
}

void case_feed_index::add(const json::array& feed_records, const raw_records* raw) {
    if (raw != nullptr && raw->size() != feed_records.size()) {
        raw = nullptr;
    }
    for (std::size_t i = 0; i < feed_records.size(); ++i) {
        const auto& r = feed_records[i];
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
        const auto members = raw != nullptr ? raw->record(i) : std::nullopt;
        if (!members) {
            append_json_value(s, r);
            continue;
        }
        s.push_back('{');
        bool first = true;
        for (const auto& m : *members) {
            append_key(s, m.key, first);
            s += m.value;
        }
        s.push_back('}');
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
