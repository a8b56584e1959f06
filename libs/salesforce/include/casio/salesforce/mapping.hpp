#pragma once
// Salesforce records -> Elasticsearch documents, serialised straight to JSON bytes. A record is
// read from the parsed page (no copy); Contact/Lead enrichment and Case feeds come from small
// pre-serialised side tables, never from whole copies of other records.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <casio/core/time.hpp>

namespace casio::salesforce {

// Receives one human-readable warning (names the object or document concerned).
using warning_sink = std::function<void(std::string_view)>;

// A field added to (or replacing) a record's own fields; `json` is the serialised value.
struct extra_field {
    std::string key;
    std::string json;
};

// A document ready for the sink: the source is one JSON object whose last byte is `}` (so the
// sink may append members before it). The source carries `id` (not `_id`).
struct mapped_document {
    std::string id;
    std::string timestamp;  // the `_timestamp` value
    std::string json;
    bool has_attachment = false;  // `_attachment` present (file documents with content)
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

// Maps one record: `{"id", "_timestamp", "url", <every record field>, <extras>,
// ["_allow_access_control"]}`. Record fields win over id/_timestamp/url on a name collision; an
// extra replaces a record field of the same name. A record without a string Id is skipped with
// a warning naming the object (nullopt).
std::optional<mapped_document> map_record(const boost::json::object& record,
                                          const record_context& ctx, const warning_sink& warn);

// Id -> Name / Email of Accounts, Contacts, Opportunities and Users, for Contact and Lead
// enrichment. Only those two strings per id are kept.
class enrichment_cache {
  public:
    // Adds one page of `SELECT Id, Name[, Email] FROM <sobject>` records.
    void add(std::string_view sobject, const boost::json::array& records);
    void mark_loaded() noexcept { loaded_ = true; }
    bool loaded() const noexcept { return loaded_; }
    std::size_t size() const noexcept;

    // Contact: Account (by AccountId), Owner (User by OwnerId).
    std::vector<extra_field> contact_fields(const boost::json::object& record) const;
    // Lead: Owner, ConvertedAccount, ConvertedContact, ConvertedOpportunity.
    std::vector<extra_field> lead_fields(const boost::json::object& record) const;

  private:
    struct entry {
        std::optional<std::string> name;
        std::optional<std::string> email;
        bool has_email = false;
    };
    using table = std::unordered_map<std::string, entry>;
    table* table_for(std::string_view sobject);
    std::string lookup(const table& t, const boost::json::object& record,
                       std::string_view id_field) const;

    table accounts_, contacts_, opportunities_, users_;
    bool loaded_ = false;
};

// CaseFeed records of one page of cases, grouped by ParentId, kept serialised.
class case_feed_index {
  public:
    void add(const boost::json::array& feed_records);
    // `Feeds`: the case's feed records, or null when it has none.
    extra_field feeds_field(std::string_view case_id) const;
    void clear() { feeds_.clear(); }

  private:
    std::unordered_map<std::string, std::string> feeds_;  // ParentId -> "rec,rec"
};

// Ids of the records of a page (for the CaseFeed queries).
std::vector<std::string> record_ids(const boost::json::array& records);

}  // namespace casio::salesforce
