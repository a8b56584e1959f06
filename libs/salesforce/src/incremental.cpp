#include <algorithm>
#include <array>
#include <cstdio>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/core/text.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/incremental.hpp>
#include <casio/sync/document.hpp>

namespace casio::salesforce {

namespace json = boost::json;

json::value sync_cursor::to_json() const {
    json::object o;
    o["version"] = cursor_version;
    o["service"] = "salesforce";
    o["taken_at"] = core::format_iso8601_z_seconds(taken_at);
    o["fingerprint"] = fingerprint;
    json::object marks;
    for (const auto& [name, t] : objects) {
        marks[name] = core::format_iso8601_z_seconds(t);
    }
    o["objects"] = std::move(marks);
    if (!access.empty()) {
        json::object a;
        for (const auto& [name, digest] : access) {
            a[name] = digest;
        }
        o["access"] = std::move(a);
    }
    return o;
}

std::optional<sync_cursor> sync_cursor::from_json(const json::value& v, std::string& why) {
    // (An access-control job's mark alone: no content marks yet.)
    if (v.is_null() || (v.is_object() && v.get_object().size() == 1 &&
                        v.get_object().contains("access_control"))) {
        why =
            "the connector has no sync cursor (no content sync completed since changes are "
            "tracked)";
        return std::nullopt;
    }
    const auto* o = v.if_object();
    const json::value* version = o != nullptr ? o->if_contains("version") : nullptr;
    if (version == nullptr || !version->is_int64() || version->get_int64() != cursor_version) {
        why = "the sync cursor is not one this version writes (version " +
              std::to_string(cursor_version) + " expected)";
        return std::nullopt;
    }
    auto text = [&](std::string_view key) -> std::optional<std::string_view> {
        const auto* f = o->if_contains(key);
        if (f == nullptr || !f->is_string()) {
            return std::nullopt;
        }
        return std::string_view(f->get_string());
    };
    sync_cursor c;
    const auto fp = text("fingerprint");
    const auto taken = text("taken_at");
    const auto taken_at = taken ? core::parse_iso8601(*taken) : std::nullopt;
    const auto* objects = o->if_contains("objects");
    if (!fp || !taken_at || objects == nullptr || !objects->is_object()) {
        why = "the sync cursor lacks fingerprint, taken_at or objects";
        return std::nullopt;
    }
    c.fingerprint = std::string(*fp);
    c.taken_at = *taken_at;
    for (const auto& [name, mark] : objects->get_object()) {
        const auto t = mark.is_string() ? core::parse_iso8601(mark.get_string()) : std::nullopt;
        if (!t) {
            why = "the sync cursor's mark of " + std::string(name) + " is not a timestamp";
            return std::nullopt;
        }
        c.objects[std::string(name)] = *t;
    }
    if (const auto* access = o->if_contains("access"); access != nullptr && access->is_object()) {
        for (const auto& [name, digest] : access->get_object()) {
            if (digest.is_string()) {
                c.access[std::string(name)] = std::string(digest.get_string());
            }
        }
    }
    return c;
}

incremental_plan plan_incremental(const json::value& cursor, std::string_view fingerprint,
                                  const std::vector<std::string>& objects, core::sys_us now) {
    incremental_plan plan;
    std::string why;
    auto c = sync_cursor::from_json(cursor, why);
    if (!c) {
        plan.full_listing_reason = why;
        return plan;
    }
    if (c->fingerprint != fingerprint) {
        plan.full_listing_reason =
            "what is synced changed since the sync cursor was taken (objects, sync rules, DLS, "
            "text extraction or pipeline settings)";
        return plan;
    }
    std::optional<core::sys_us> oldest;
    for (const auto& name : objects) {
        auto it = c->objects.find(name);
        if (it == c->objects.end()) {
            plan.full_listing_reason = "the sync cursor has no mark for " + name;
            return plan;
        }
        if (!oldest || it->second < *oldest) {
            oldest = it->second;
        }
    }
    if (!oldest) {
        oldest = c->taken_at;
    }
    if (now - *oldest > deletion_window) {
        plan.full_listing_reason =
            "the sync cursor (" + core::format_iso8601_z_seconds(*oldest) +
            ") is older than the 14 days within which Salesforce reports deleted records";
        return plan;
    }
    plan.since = *oldest - change_overlap;
    return plan;
}

std::string access_digest(const std::vector<std::string>* identities) {
    if (identities == nullptr || identities->empty()) {
        return {};
    }
    auto sorted = *identities;
    std::sort(sorted.begin(), sorted.end());
    std::string all;
    for (const auto& i : sorted) {
        all += i;
        all += '\n';
    }
    return sync::md5_hex(all);
}

std::string soql_datetime(core::sys_us t) {
    return core::format_iso8601_z_seconds(t);
}

access_control_plan plan_access_control(const json::value& cursor, core::sys_us now) {
    access_control_plan plan;
    const auto* o = cursor.if_object();
    const auto* mark = o != nullptr ? o->if_contains("access_control") : nullptr;
    if (mark == nullptr || mark->is_null()) {
        plan.full_listing_reason =
            "the sync cursor has no access-control mark (no access-control sync completed since "
            "changes are tracked)";
        return plan;
    }
    const auto t = mark->is_string() ? core::parse_iso8601(mark->get_string()) : std::nullopt;
    if (!t) {
        plan.full_listing_reason = "the sync cursor's access-control mark " +
                                   json::serialize(*mark) + " is not a timestamp";
        return plan;
    }
    if (now - *t > deletion_window) {
        plan.full_listing_reason =
            "the sync cursor's access-control mark (" + core::format_iso8601_z_seconds(*t) +
            ") is older than the 14 days within which Salesforce reports deleted records";
        return plan;
    }
    plan.since = *t - change_overlap;
    return plan;
}

std::string get_deleted_path(std::string_view sobject, core::sys_us start, core::sys_us end) {
    auto iso = [](core::sys_us t) {
        std::string s = soql_datetime(t);  // ...Z
        s.pop_back();
        return core::percent_encode(s + "+00:00");
    };
    std::string p(sobjects_path);
    p += '/';
    p += core::percent_encode(sobject);
    p += "/deleted/?start=";
    p += iso(start);
    p += "&end=";
    p += iso(end);
    return p;
}

deleted_records parse_get_deleted(const json::value& answer, std::string_view sobject) {
    auto bad = [&](const std::string& what) {
        return core::error(core::error_kind::fatal,
                           "Salesforce getDeleted of " + std::string(sobject) + ": " + what);
    };
    const auto* o = answer.if_object();
    if (o == nullptr) {
        throw bad("the answer is not a JSON object");
    }
    const auto* list = o->if_contains("deletedRecords");
    if (list == nullptr || !list->is_array()) {
        throw bad("deletedRecords is missing or not an array");
    }
    deleted_records out;
    std::size_t i = 0;
    for (const auto& r : list->get_array()) {
        const auto* rec = r.if_object();
        const auto* id = rec != nullptr ? rec->if_contains("id") : nullptr;
        if (id == nullptr || !id->is_string() || id->get_string().empty()) {
            throw bad("deletedRecords[" + std::to_string(i) + "] has no string id");
        }
        out.ids.emplace_back(id->get_string());
        ++i;
    }
    auto text = [&](std::string_view key, std::string& into) {
        if (const auto* v = o->if_contains(key)) {
            if (!v->is_string() && !v->is_null()) {
                throw bad(std::string(key) + " is not a string");
            }
            if (v->is_string()) {
                into = std::string(v->get_string());
            }
        }
    };
    text("earliestDateAvailable", out.earliest_date_available);
    text("latestDateCovered", out.latest_date_covered);
    return out;
}

bool is_invalid_replication_date(std::string_view error_message) {
    return error_message.find("INVALID_REPLICATION_DATE") != std::string_view::npos;
}

std::optional<core::sys_us> parse_http_date(std::string_view text) {
    // IMF-fixdate, the only form servers send today: "Sun, 06 Nov 1994 08:49:37 GMT".
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    int month = 0;
    for (std::size_t i = 0; i < months.size(); ++i) {
        if (text.substr(8, 3) == months[i]) {
            month = static_cast<int>(i) + 1;
        }
    }
    if (month == 0) {
        return std::nullopt;
    }
    char iso[32];
    std::snprintf(iso, sizeof iso, "%.4s-%02d-%.2sT%.8sZ", text.data() + 12, month, text.data() + 5,
                  text.data() + 17);
    return core::parse_iso8601(iso);
}

std::span<const embedded_parent> embedded_parents(std::string_view sobject) {
    static constexpr embedded_parent account[] = {{"Parent", "ParentId", "Account"}};
    static constexpr embedded_parent contact[] = {{"Account", "AccountId", "Account"}};
    static constexpr embedded_parent lead[] = {
        {"ConvertedAccount", "ConvertedAccountId", "Account"},
        {"ConvertedContact", "ConvertedContactId", "Contact"},
        {"ConvertedOpportunity", "ConvertedOpportunityId", "Opportunity"},
    };
    static constexpr embedded_parent campaign[] = {{"Parent", "ParentId", "Campaign"}};
    if (sobject == "Account") {
        return account;
    }
    if (sobject == "Contact") {
        return contact;
    }
    if (sobject == "Lead") {
        return lead;
    }
    if (sobject == "Campaign") {
        return campaign;
    }
    return {};
}

std::span<const embedded_child> embedded_children(std::string_view sobject) {
    // (An Account embeds its latest opportunity's name and stage, not its owner.)
    static constexpr embedded_child account[] = {{"Opportunity", "AccountId", ""}};
    static constexpr embedded_child case_[] = {{"CaseComment", "ParentId", "CreatedById"},
                                               {"EmailMessage", "ParentId", "CreatedById"},
                                               {"CaseFeed", "ParentId", "CreatedById"},
                                               {"FeedComment", "ParentId", "CreatedById"}};
    if (sobject == "Account") {
        return account;
    }
    if (sobject == "Case") {
        return case_;
    }
    return {};
}

std::span<const std::string_view> embedded_people(std::string_view sobject) {
    static constexpr std::string_view owner[] = {"OwnerId"};
    static constexpr std::string_view owner_and_creator[] = {"OwnerId", "CreatedById"};
    if (sobject == "Case") {
        return owner_and_creator;
    }
    for (std::string_view o : {"Account", "Opportunity", "Contact", "Lead", "Campaign"}) {
        if (sobject == o) {
            return owner;
        }
    }
    return {};
}

std::string changed_condition(std::string_view sobject, core::sys_us since,
                              const std::function<bool(const embedded_parent&)>& usable) {
    const std::string t = soql_datetime(since);
    std::string out = "SystemModstamp > " + t;
    for (const auto& p : embedded_parents(sobject)) {
        if (usable(p)) {
            out += " OR ";
            out += p.relationship;
            out += ".SystemModstamp > " + t;
        }
    }
    return out;
}

}  // namespace casio::salesforce
