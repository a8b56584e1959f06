#pragma once
// Incremental sync of a Salesforce org (docs/incremental-sync.md): the cursor the connector keeps
// in its `sync_cursor`, the decision whether a job can read changes only or must list
// everything, and which records of which objects a change re-emits. Pure logic: no I/O.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include <casio/core/time.hpp>

namespace casio::salesforce {

inline constexpr int cursor_version = 1;
// Changes are read from the high-water mark minus this: the server's clock and ours may differ,
// and a transaction that began before the mark may commit after it with an older
// SystemModstamp.
inline constexpr std::chrono::seconds change_overlap{300};
// Salesforce keeps deleted records (IsDeleted, queryAll) 15 days; a day of margin.
inline constexpr std::chrono::hours deletion_window{24 * 14};

// The connector's sync_cursor:
//   {"version":1, "service":"salesforce", "taken_at":"<server time at the job's start>",
//    "fingerprint":"<md5 of what decides the synced content>",
//    "objects":{"Account":"<high-water mark>", ...}}
// A high-water mark is the server's time when the job that wrote it started: every change
// before it is in the index once that job completed.
struct sync_cursor {
    std::string fingerprint;
    core::sys_us taken_at{};
    std::map<std::string, core::sys_us> objects;
    // DLS: per object, md5 of who may read its records (the type-level identities written into
    // `_allow_access_control`): a change re-writes every document of the object.
    std::map<std::string, std::string> access;

    boost::json::value to_json() const;
    // The cursor in `v`, or nullopt and `why` when it is none, of another version or unreadable.
    static std::optional<sync_cursor> from_json(const boost::json::value& v, std::string& why);
};

struct incremental_plan {
    std::optional<std::string> full_listing_reason;  // nullopt: changes only
    core::sys_us since{};  // changes with SystemModstamp after this are read
};

// Whether a job with `fingerprint`, syncing `objects`, at server time `now`, can read changes
// only from `cursor` (the connector's sync_cursor, null when none).
incremental_plan plan_incremental(const boost::json::value& cursor, std::string_view fingerprint,
                                  const std::vector<std::string>& objects, core::sys_us now);

// Access-control jobs: the cursor's `access_control` member is the org's time when the last
// completed access-control job started reading users (the same overlap applies). nullopt
// reason: only the users changed since `since` are read.
struct access_control_plan {
    std::optional<std::string> full_listing_reason;
    core::sys_us since{};
};
access_control_plan plan_access_control(const boost::json::value& cursor, core::sys_us now);

// md5 of an object's read identities (sorted); "" when nobody is listed (nullptr).
std::string access_digest(const std::vector<std::string>* identities);

// `2025-03-01T10:15:02Z`: a SOQL datetime literal (no quotes).
std::string soql_datetime(core::sys_us t);

// getDeleted (the fallback when an object's queryAll of deleted records is refused):
// `/services/data/v59.0/sobjects/<Type>/deleted/?start=<ISO>&end=<ISO>`, the datetimes with a
// `+00:00` offset, URL-encoded (`%3A`, `%2B`: a raw `+` would decode to a space).
std::string get_deleted_path(std::string_view sobject, core::sys_us start, core::sys_us end);
// Its answer `{"deletedRecords":[{"id","deletedDate"}],"earliestDateAvailable",
// "latestDateCovered"}`: the ids. Throws core::error (fatal) naming the object and the member
// that is missing or not of its type.
struct deleted_records {
    std::vector<std::string> ids;
    std::string earliest_date_available;
    std::string latest_date_covered;
};
deleted_records parse_get_deleted(const boost::json::value& answer, std::string_view sobject);
// Whether an error (core::error's message) is getDeleted's INVALID_REPLICATION_DATE: the window
// asked for is not available (deletions purged, or start over 30 days ago).
bool is_invalid_replication_date(std::string_view error_message);

// Reads an HTTP Date header (`Sun, 06 Nov 1994 08:49:37 GMT`); nullopt when it is not one.
std::optional<core::sys_us> parse_http_date(std::string_view text);

// A parent record a document embeds through a relationship of the record's own query: a change
// of the parent (its SystemModstamp) re-emits the document; its deletion too (by `id_field`).
struct embedded_parent {
    std::string_view relationship;  // Account (Contact.Account.Name)
    std::string_view id_field;      // AccountId
    std::string_view parent;        // Account
};
// Account: Parent. Contact: Account. Lead: ConvertedAccount, ConvertedContact,
// ConvertedOpportunity. Campaign: Parent. (Owners and creators: embedded_people.)
std::span<const embedded_parent> embedded_parents(std::string_view sobject);

// Child records a document embeds (a subquery, or Case feeds): a change, addition or deletion of
// one re-emits the parent document, found by `parent_field` of the child.
struct embedded_child {
    std::string_view child;         // CaseComment
    std::string_view parent_field;  // ParentId
    std::string_view author_field;  // CreatedById: whose name the document embeds, or empty
};
// Account: Opportunity (its latest opportunity). Case: CaseComment, EmailMessage, CaseFeed,
// FeedComment. Files (ContentDocumentLink) are handled apart.
std::span<const embedded_child> embedded_children(std::string_view sobject);

// The reference fields through which a document embeds a user's or a queue's name and e-mail
// (`Owner.Name`, `CreatedBy.Email`): a renamed user or queue re-emits the documents whose
// record has its id there. Account, Opportunity, Contact, Lead, Campaign: OwnerId; Case:
// OwnerId, CreatedById. (Children: embedded_child::author_field; files: their ContentDocument's
// OwnerId and CreatedById.)
std::span<const std::string_view> embedded_people(std::string_view sobject);

// `SystemModstamp > t OR Account.SystemModstamp > t ...` for the parents that `usable` says
// can be read (the relationship's id field exists and the parent object is queryable).
std::string changed_condition(std::string_view sobject, core::sys_us since,
                              const std::function<bool(const embedded_parent&)>& usable);

}  // namespace casio::salesforce
