#pragma once
// Salesforce records -> Elasticsearch documents, serialised straight to JSON bytes. A record is
// read from the parsed page (no copy); Contact/Lead enrichment comes from relationship fields of
// the same record and Case feeds from a small pre-serialised side table of the page, never from
// copies of whole tables of the org.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <casio/core/error.hpp>
#include <casio/core/time.hpp>
#include <casio/salesforce/raw_records.hpp>
#include <casio/sync/document.hpp>

namespace casio::salesforce {

// Receives one human-readable warning (names the object or document concerned).
using warning_sink = std::function<void(std::string_view)>;

// A field added to (or replacing) a record's own fields; `json` is the serialised value.
struct extra_field {
    std::string key;
    std::string json;
};

struct record_context {
    std::string_view base_url;
    std::string_view sobject;  // names the object in warnings
    // DLS enabled: identities for `_allow_access_control` (merged with any the record has).
    // nullptr: DLS off, the field is not written.
    const std::vector<std::string>* access_control = nullptr;
    std::vector<extra_field> extras;
    core::sys_us now{};
};

// `_timestamp` of a record: LastModifiedDate converted to UTC, printed YYYY-MM-DDTHH:MM:SSZ.
// Any form Salesforce sends is accepted (fraction or not, `Z`, `+0000`, `+05:30`). A missing or
// null value gives `now`; an unreadable one gives nullopt.
std::optional<std::string> record_timestamp(const boost::json::value* last_modified_date,
                                            core::sys_us now);

// Maps one record: `{"_timestamp", "url", <every record field>, <extras>,
// ["_allow_access_control"]}` (the sink appends `id`, so a record member named `id` is left
// out). Record fields win over _timestamp/url on a name collision; an extra replaces a record
// field of the same name. A record without a string Id throws record_without_id(): a listing
// with such a record is not complete, and its stale documents must not be deleted.
// Values are written compactly, as core::append_json_value writes them. With `raw` (the
// record's members in the page's text, raw_records.hpp), the members the scan found already
// written that way are copied from the text and the others written again from their text, so
// the document is the same byte for byte however the page was formatted; `record` then needs
// only Id, LastModifiedDate, _allow_access_control, id, _timestamp and url.
// The error for a record of `sobject` without Id, naming the object.
core::error record_without_id(std::string_view sobject);

std::optional<sync::document> map_record(
    const boost::json::object& record, const record_context& ctx, const warning_sink& warn,
    std::optional<std::span<const raw_member>> raw = std::nullopt);
// The members map_record reads from `record` when it is given `raw` (a sparse tree of the page,
// raw_records::sparse_tree, needs only these).
inline constexpr std::string_view map_record_tree_fields[] = {
    "Id", "LastModifiedDate", "_allow_access_control", "id", "_timestamp", "url",
};

// A parent record written into Contact and Lead documents: `key` is both the relationship
// selected in the query (`Account.Id, Account.Name`) and the document field.
struct enrichment_relationship {
    std::string_view key;       // Account
    std::string_view id_field;  // AccountId: the relationship is selected only if it exists
    std::string_view parent;    // Account: ... and this object can be queried
    bool with_email = false;
};
// Contact: Account, Owner. Lead: Owner, ConvertedAccount, ConvertedContact,
// ConvertedOpportunity. Empty for other objects.
std::span<const enrichment_relationship> enrichment_relationships(std::string_view sobject);

// The enrichment members of a Contact or Lead record: {"Id","Name"[,"Email"]} of each parent,
// or {} when the parent is null, was not selected, or is not the relationship's parent object
// (a queue owning a lead): the object is the parent's attributes.type (for a polymorphic
// relationship, whose type is "Name", the object in attributes.url); without attributes, a
// User parent is recognised by its id prefix 005.
std::vector<extra_field> enrichment_fields(std::string_view sobject,
                                           const boost::json::object& record);
// The same from the record's text (the same bytes).
std::vector<extra_field> enrichment_fields(std::string_view sobject,
                                           std::span<const raw_member> record);

// The members case_feed_index::add reads from the records' tree when it is given their text.
inline constexpr std::string_view case_feed_tree_fields[] = {"ParentId"};

// CaseFeed records of one page of cases, grouped by ParentId, kept serialised.
class case_feed_index {
  public:
    // With `raw` (the page's text, lined up with the records), a record is read from it as
    // map_record reads one (the same bytes as from the tree); the tree then needs only ParentId.
    void add(const boost::json::array& feed_records, const raw_records* raw = nullptr);
    // `Feeds`: the case's feed records, or null when it has none.
    extra_field feeds_field(std::string_view case_id) const;
    void clear() { feeds_.clear(); }

  private:
    std::unordered_map<std::string, std::string> feeds_;  // ParentId -> "rec,rec"
};

// Ids of the records of a page (for the CaseFeed queries).
std::vector<std::string> record_ids(const boost::json::array& records);

}  // namespace casio::salesforce
