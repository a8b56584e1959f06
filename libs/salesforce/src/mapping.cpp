#include <algorithm>
#include <cstring>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/json_parse.hpp>
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

// Writes raw members: those already canonical and written `"key":value` are copied, runs of
// consecutive ones (`"k":v,"k":v`, nothing else between) as one range of the page's text; any
// other member is written key and value apart, the value parsed and written again when needed.
class member_writer {
  public:
    member_writer(std::string& out, bool& first) : out_(out), first_(first) {}
    ~member_writer() { flush(); }
    member_writer(const member_writer&) = delete;
    member_writer& operator=(const member_writer&) = delete;

    // (Called for most members of most records: the common case stays small enough to inline.)
    void add(const raw_member& m) {
        const char* const key_quote = m.key.data() - 1;
        if (m.canonical && m.value.data() == m.key.data() + m.key.size() + 2 &&
            run_begin_ != nullptr && key_quote == run_end_ + 1) {
            run_end_ = m.value.data() + m.value.size();  // one character between: the comma
            return;
        }
        start(m);
    }
    void flush() {
        if (run_begin_ == nullptr) {
            return;
        }
        if (!first_) {
            out_.push_back(',');
        }
        first_ = false;
        out_.append(run_begin_, run_end_);
        run_begin_ = nullptr;
    }

  private:
    // A member that does not continue the run: it starts one, or is written apart.
    [[gnu::noinline]] void start(const raw_member& m) {
        flush();
        if (m.canonical && m.value.data() == m.key.data() + m.key.size() + 2) {
            run_begin_ = m.key.data() - 1;
            run_end_ = m.value.data() + m.value.size();
            return;
        }
        append_key(out_, m.key, first_);
        append_canonical(out_, m.value, m.canonical);
    }
    std::string& out_;
    bool& first_;
    const char* run_begin_ = nullptr;
    const char* run_end_ = nullptr;
};

// Whether the JSON string literal `text` stands for `want`.
bool raw_string_is(std::string_view text, std::string_view want) {
    if (text.size() == want.size() + 2 && text.front() == '"' &&
        text.substr(1, want.size()) == want && text.back() == '"') {
        return true;
    }
    if (std::memchr(text.data(), '\\', text.size()) == nullptr) {
        return false;
    }
    const auto decoded = raw_string(text);
    return decoded && *decoded == want;
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

namespace {

// The record's `_timestamp`; an unreadable LastModifiedDate is warned about and replaced by now.
std::string timestamp_of(const json::object& record, const record_context& ctx,
                         const warning_sink& warn, std::string_view id) {
    if (auto ts = record_timestamp(record.if_contains("LastModifiedDate"), ctx.now)) {
        return std::move(*ts);
    }
    if (warn) {
        warn("Unreadable LastModifiedDate on " + std::string(ctx.sobject) + " " + std::string(id) +
             "; using the current time as _timestamp");
    }
    return core::format_iso8601_z_seconds(ctx.now);
}

// Whether the text is this record's: its Id member reads "<the parsed Id>".
bool raw_is_record(std::span<const raw_member> raw, std::string_view id) {
    const auto it =
        std::find_if(raw.begin(), raw.end(), [](const raw_member& m) { return m.key == "Id"; });
    return it != raw.end() && raw_string_is(it->value, id);
}

// The document's size, so that it is reserved once: the copied text plus the members written.
std::size_t size_hint(const json::object& record, const record_context& ctx,
                      std::optional<std::span<const raw_member>> raw) {
    std::size_t hint = 256 + ctx.base_url.size();
    if (raw) {
        for (const auto& m : *raw) {
            hint += m.key.size() + m.value.size() + 4;
        }
    } else {
        hint += record.size() * 32;
    }
    for (const auto& e : ctx.extras) {
        hint += e.key.size() + e.json.size() + 4;
    }
    if (ctx.access_control != nullptr) {
        for (const auto& a : *ctx.access_control) {
            hint += a.size() + 3;
        }
    }
    return hint;
}

// An extra replaces the record's member of the same name where it is; the others are appended.
// Which were placed is noted here rather than asked of `record`, which may hold only a few
// members (the sparse tree of a record read from its text).
class extras_placement {
  public:
    explicit extras_placement(const std::vector<extra_field>& extras) : extras_(extras) {}

    const extra_field* find(std::string_view key) {
        for (std::size_t i = 0; i < extras_.size(); ++i) {
            if (extras_[i].key == key) {
                placed_ |= i < 64 ? std::uint64_t{1} << i : 0;
                return &extras_[i];
            }
        }
        return nullptr;
    }
    void append_unplaced(std::string& out, bool& first) const {
        for (std::size_t i = 0; i < extras_.size(); ++i) {
            if (i >= 64 || (placed_ >> i & 1) == 0) {
                append_key(out, extras_[i].key, first);
                out += extras_[i].json;
            }
        }
    }

  private:
    const std::vector<extra_field>& extras_;
    std::uint64_t placed_ = 0;
};

// Leading members unless the record has a field of the same name (record wins). `id` is the
// sink's (sync::finish_document).
void append_leading_members(std::string& out, bool& first, const json::object& record,
                            const record_context& ctx, const sync::document& doc) {
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
}

// Members not written from the record: the ACL (merged at the end) and the sink's `id`.
bool written_apart(std::string_view key, const record_context& ctx) {
    return (key == "_allow_access_control" && ctx.access_control != nullptr) || key == "id";
}

// The record's members copied from the page's text, an extra in place of its namesake.
void append_raw_members(std::string& out, bool& first, std::span<const raw_member> raw,
                        const record_context& ctx, extras_placement& extras) {
    member_writer members(out, first);
    for (const auto& m : raw) {
        if (written_apart(m.key, ctx)) {
            continue;
        }
        if (const auto* e = extras.find(m.key)) {
            members.flush();
            append_key(out, m.key, first);
            out += e->json;
            continue;
        }
        members.add(m);
    }
    members.flush();
}

// The record's members written from the tree, an extra in place of its namesake.
void append_tree_members(std::string& out, bool& first, const json::object& record,
                         const record_context& ctx, extras_placement& extras) {
    for (const auto& m : record) {
        if (written_apart(m.key(), ctx)) {
            continue;
        }
        append_key(out, m.key(), first);
        if (const auto* e = extras.find(m.key())) {
            out += e->json;
        } else {
            append_json_value(out, m.value());
        }
    }
}

// `_allow_access_control`: the context's identities and the record's own, sorted, unique.
void append_access_control(std::string& out, bool& first, const json::object& record,
                           const std::vector<std::string>& identities) {
    std::vector<std::string_view> acl(identities.begin(), identities.end());
    if (const auto* v = record.if_contains("_allow_access_control"); v && v->is_array()) {
        for (const auto& e : v->get_array()) {
            if (e.is_string()) {
                acl.emplace_back(e.get_string());
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

}  // namespace

core::error record_without_id(std::string_view sobject) {
    return core::error(core::error_kind::fatal,
                       "Salesforce " + std::string(sobject) +
                           ": a record without Id; the listing is not complete, so no document "
                           "is deleted");
}

std::optional<sync::document> map_record(const json::object& record, const record_context& ctx,
                                         const warning_sink& warn,
                                         std::optional<std::span<const raw_member>> raw) {
    const auto* id = string_field(record, "Id");
    if (id == nullptr || id->empty()) {
        throw record_without_id(ctx.sobject);
    }
    if (raw && !raw_is_record(*raw, *id)) {
        raw.reset();
    }

    sync::document doc;
    doc.id = *id;
    doc.timestamp = timestamp_of(record, ctx, warn, *id);
    std::string& out = doc.json;
    out.reserve(size_hint(record, ctx, raw));
    out.push_back('{');
    bool first = true;
    append_leading_members(out, first, record, ctx, doc);
    extras_placement extras(ctx.extras);
    if (raw) {
        append_raw_members(out, first, *raw, ctx, extras);
    } else {
        append_tree_members(out, first, record, ctx, extras);
    }
    extras.append_unplaced(out, first);
    if (ctx.access_control != nullptr) {
        append_access_control(out, first, record, *ctx.access_control);
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

namespace {

// What an enrichment reads of a parent (strings only; the tree version ignores other kinds).
struct parent_fields {
    std::optional<std::string_view> id, name, email;
    std::optional<std::string_view> type, url;  // attributes.type, attributes.url
    bool clean = false;                         // the strings need no escaping
};

// The object a parent is, as Salesforce says in its attributes: `type`, or for a polymorphic
// relationship (Lead.Owner may be a user or a queue), whose type is the "Name" pseudo-object,
// the object named in its url (/services/data/v59.0/sobjects/User/005...). nullopt when they
// say neither.
std::optional<std::string_view> parent_object(const parent_fields& p) {
    if (p.type && *p.type != "Name") {
        return p.type;
    }
    if (p.url) {
        constexpr std::string_view marker = "/sobjects/";
        if (const auto at = p.url->find(marker); at != std::string_view::npos) {
            const auto rest = p.url->substr(at + marker.size());
            if (const auto slash = rest.find('/'); slash != std::string_view::npos && slash > 0) {
                return rest.substr(0, slash);
            }
        }
    }
    return std::nullopt;
}

// `{"Id","Name"[,"Email"]}` of a parent, or {} when there is none or it is not the relationship's
// parent object: the reference reads parents from that object's table (a queue owning a lead is
// not in the User table).
std::string enrichment_json(const enrichment_relationship& r, const parent_fields& p) {
    if (!p.id) {
        return "{}";
    }
    if (const auto object = parent_object(p)) {
        if (*object != r.parent) {
            return "{}";
        }
    } else if (r.parent == "User" && !p.id->starts_with("005")) {
        return "{}";  // no attributes (hand-written fixtures): a user's key prefix is 005
    }
    // Strings need escaping only when read from a tree (from the text, a string without a
    // backslash cannot hold a character to escape).
    auto append_string = [&](std::string& out, std::optional<std::string_view> v) {
        if (!v) {
            out += "null";
        } else if (p.clean) {
            out.push_back('"');
            out += *v;
            out.push_back('"');
        } else {
            append_json_string(out, *v);
        }
    };
    std::string json;
    json.reserve(32 + p.id->size() + (p.name ? p.name->size() : 4) +
                 (p.email ? p.email->size() : 4));
    json += "{\"Id\":";
    append_string(json, p.id);
    json += ",\"Name\":";
    append_string(json, p.name);
    if (r.with_email) {
        json += ",\"Email\":";
        append_string(json, p.email);
    }
    json.push_back('}');
    return json;
}

parent_fields fields_of(const json::value* v) {
    parent_fields p;
    if (v == nullptr || !v->is_object()) {
        return p;
    }
    const auto& o = v->get_object();
    auto str = [](const json::string* s) -> std::optional<std::string_view> {
        if (s == nullptr) {
            return std::nullopt;
        }
        return std::string_view(s->data(), s->size());
    };
    p.id = str(string_field(o, "Id"));
    p.name = str(string_field(o, "Name"));
    p.email = str(string_field(o, "Email"));
    if (const auto* a = o.if_contains("attributes"); a != nullptr && a->is_object()) {
        p.type = str(string_field(a->get_object(), "type"));
        p.url = str(string_field(a->get_object(), "url"));
    }
    return p;
}

// The same from a parent's text; nullopt when the text must be parsed instead (an escape, which
// would have to be decoded, or a member read twice, of which the parsed object keeps the last).
std::optional<parent_fields> raw_fields_of(std::string_view text) {
    parent_fields p;
    if (text.empty() || text.front() != '{') {
        return p;  // null, or not an object
    }
    if (std::memchr(text.data(), '\\', text.size()) != nullptr) {
        return std::nullopt;
    }
    p.clean = true;
    bool repeated = false;
    // Without escapes, a string's text between its quotes is its value.
    auto set = [&](std::optional<std::string_view>& field, bool& seen, std::string_view v) {
        repeated = repeated || seen;
        seen = true;
        field.reset();
        if (!v.empty() && v.front() == '"') {
            field = v.substr(1, v.size() - 2);
        }
    };
    bool seen_id = false, seen_name = false, seen_email = false, seen_attributes = false;
    bool seen_type = false, seen_url = false;
    for_each_raw_member(text, [&](std::string_view k, std::string_view v) {
        if (k == "Id") {
            set(p.id, seen_id, v);
        } else if (k == "Name") {
            set(p.name, seen_name, v);
        } else if (k == "Email") {
            set(p.email, seen_email, v);
        } else if (k == "attributes") {
            repeated = repeated || seen_attributes;
            seen_attributes = true;
            for_each_raw_member(v, [&](std::string_view ak, std::string_view av) {
                if (ak == "type") {
                    set(p.type, seen_type, av);
                } else if (ak == "url") {
                    set(p.url, seen_url, av);
                }
            });
        }
    });
    if (repeated) {
        return std::nullopt;
    }
    return p;
}

}  // namespace

std::vector<extra_field> enrichment_fields(std::string_view sobject, const json::object& record) {
    std::vector<extra_field> out;
    for (const auto& r : enrichment_relationships(sobject)) {
        out.push_back(
            {std::string(r.key), enrichment_json(r, fields_of(record.if_contains(r.key)))});
    }
    return out;
}

std::vector<extra_field> enrichment_fields(std::string_view sobject,
                                           std::span<const raw_member> record) {
    std::vector<extra_field> out;
    for (const auto& r : enrichment_relationships(sobject)) {
        // (The keys of a record read from its text are unique.)
        const auto m = std::find_if(record.begin(), record.end(),
                                    [&](const raw_member& x) { return x.key == r.key; });
        if (m == record.end()) {
            out.push_back({std::string(r.key), "{}"});
            continue;
        }
        if (const auto p = raw_fields_of(m->value)) {
            out.push_back({std::string(r.key), enrichment_json(r, *p)});
            continue;
        }
        unsigned char buffer[2048];
        json::monotonic_resource arena(buffer, sizeof buffer);
        const auto parent = core::parse_json(m->value, &arena);  // checked JSON
        out.push_back({std::string(r.key), enrichment_json(r, fields_of(&parent))});
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
        {
            member_writer writer(s, first);
            for (const auto& m : *members) {
                writer.add(m);
            }
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
