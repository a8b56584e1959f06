#pragma once
// The emulated Salesforce org. A generated org derives every record from (seed, object, index)
// when asked, so a million-record org costs no memory and any page can be produced directly from
// its offset. A fixture org is loaded from JSON for exact tests. Edits made while running (the
// admin endpoint) are an overlay on top of either.
//
// Fixture format (JSON):
//   {"records": {"Account": [{"Id": "001...", "Name": "Acme", "BillingAddress": {...}}, ...],
//                "User": [...], ...}}
// Object and field names are matched case-insensitively against the built-in schema; unknown ones
// are an error naming them. Missing fields are null; a missing Id is generated from the object's
// key prefix and the record's position. Dates are "YYYY-MM-DD", datetimes any SOQL datetime form
// (stored as "YYYY-MM-DDTHH:MM:SS.sss+0000"). A record's Id must carry its object's key prefix
// (a User's starts with 005), and a reference must point at one of the objects the field refers
// to (Lead.OwnerId a User or a Group, Contact.OwnerId only a User); ids whose prefix is no
// object of the schema are left alone and resolve to null relationships.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "file_body.hpp"
#include "schema.hpp"
#include "value.hpp"

namespace casio::mock_sf {

struct stored_record {
    std::vector<value> fields;  // aligned with object_def::fields
};

class org;

// One record: stored values (fixture, overlay) or values derived on demand.
class record_ref {
  public:
    record_ref(const org* o, std::size_t object, std::uint32_t index, const stored_record* stored,
               bool deleted)
        : org_(o), object_(object), index_(index), stored_(stored), deleted_(deleted) {}

    std::size_t object_index() const noexcept { return object_; }
    const object_def& object() const;
    std::uint32_t index() const noexcept { return index_; }
    bool deleted() const noexcept { return deleted_; }
    value get(int field) const;
    std::string id() const;

  private:
    const org* org_;
    std::size_t object_;
    std::uint32_t index_;
    const stored_record* stored_;
    bool deleted_;
};

struct org_options {
    std::uint64_t seed = 1;
    std::size_t records = 100;  // records per main object (Account, Contact, Case, ...)
    // One more ContentDocument (and its ContentVersion) per entry of damaged_files, after the
    // generated ones, each linked from the first record of one of Account, Opportunity,
    // Contact, Lead, Campaign and Case in turn (none when `records` is 0).
    bool damaged_files = false;
    // The extensions generated files cycle through (each one of file_kind_names()); empty: the
    // default mix of every kind.
    std::vector<std::string> file_kinds;
    // The share of a PDF's or an OOXML document's bytes that are images (file_body).
    double file_media_share = 0;
};

// The file extensions mock-salesforce generates: txt pdf docx csv html json md xml png xlsx
// pptx rtf.
bool is_file_kind(std::string_view extension);

// A file body derived from a ContentVersion: read any byte range without holding the file.
struct file_info {
    std::string version_id;
    std::string extension;     // lower case, no dot
    std::string content_type;  // MIME type
    std::uint64_t size = 0;
    std::shared_ptr<const file_body> body;  // its bytes and text
    // Appends bytes [offset, offset + length) of the body to `out` (clamped to size).
    void read(std::uint64_t offset, std::size_t length, std::string& out) const {
        body->read(offset, length, out);
    }
};

class org {
  public:
    explicit org(org_options opts);
    // Throws std::invalid_argument naming the object/field/value on bad input.
    static org from_fixture(std::string_view json_text);

    const mock_sf::schema& schema() const noexcept { return *schema_; }
    std::uint64_t seed() const noexcept { return seed_; }
    bool generated() const noexcept { return fixture_.empty(); }

    // Indices [0, index_space) address every record ever known for the object, including holes,
    // deleted and added ones.
    std::size_t index_space(std::size_t object) const;
    // True when every index in [0, index_space) is a live record (fast paging path).
    bool dense(std::size_t object, bool include_deleted) const;
    std::optional<record_ref> get(std::size_t object, std::uint32_t index,
                                  bool include_deleted = false) const;
    std::optional<record_ref> find(std::string_view id, bool include_deleted = false) const;
    // Indices of `child_object` records whose reference `field` may equal `parent_id`; nullopt
    // when there is no fast path (the caller scans). Candidates must still be checked.
    std::optional<std::vector<std::uint32_t>> children_candidates(std::size_t child_object,
                                                                  int field,
                                                                  std::string_view parent_id) const;

    std::string make_id(std::size_t object, std::uint64_t index) const;
    // (object, index) of an id (15 or 18 characters) minted by make_id.
    std::optional<std::pair<std::size_t, std::uint64_t>> parse_id(std::string_view id) const;

    // The org's clock: the real time plus what /__admin/clock added, in ms since the epoch. It
    // only moves forward. Edits are stamped with it; the recycle bin purges by it.
    std::int64_t now_ms() const;
    std::int64_t start_ms() const noexcept { return start_ms_; }
    void advance_clock(std::int64_t ms);  // throws std::invalid_argument when ms < 0
    // Every generated record's CreatedDate <= LastModifiedDate <= SystemModstamp is before this.
    static constexpr std::int64_t generated_ceiling_ms = 1735776000000;  // 2025-01-02T00:00:00Z
    // How long a deleted record stays in the recycle bin (queryAll, getDeleted).
    static constexpr std::int64_t recycle_bin_ms = 15LL * 24 * 3600 * 1000;

    // Admin overlay. Field values are JSON in the API's format. Throws std::invalid_argument.
    // Inserts and updates stamp SystemModstamp (and LastModifiedDate, CreatedDate on insert,
    // unless given) with now_ms(); remove() marks the record deleted at now_ms(), stamps its
    // SystemModstamp, and keeps it for queryAll until recycle_bin_ms later.
    std::string insert(std::string_view object, const boost::json::object& fields);
    void update(std::string_view id, const boost::json::object& fields);
    void remove(std::string_view id);

    // A deterministic batch of edits for tests and benchmarks: from each object, round(share *
    // its live records) picked by `seed` get a changed text field (Description, Subject,
    // CommentBody, ... so a re-indexed document differs), are deleted, or are added. The three
    // sets are disjoint. Throws std::invalid_argument naming a bad object or share.
    struct mutation {
        std::vector<std::string> objects;  // empty: every main object (main_objects())
        double change_share = 0.01;
        double delete_share = 0.001;
        double add_share = 0.001;
        std::uint64_t seed = 7;
    };
    struct mutation_result {
        // Per object, in the order processed: the ids changed, deleted and added.
        std::vector<std::pair<std::string, std::vector<std::string>>> changed, deleted, added;
    };
    mutation_result mutate(const mutation& m);
    // Account, Contact, Opportunity, Lead, Campaign, Case, EmailMessage, CaseComment, CaseFeed,
    // FeedComment, Project__c, Ticket__c.
    static const std::vector<std::string>& main_objects();

    struct deletion {
        std::int64_t at_ms = 0;
        std::string id;
    };
    // Deletions of an object, oldest first (purged ones included: callers compare with now).
    const std::vector<deletion>& deletions(std::size_t object) const { return deletions_[object]; }
    // Indices of an object's records the overlay holds (edited, deleted or added), ascending.
    std::vector<std::uint32_t> overlay_indices(std::size_t object) const;
    // Changes on every overlay edit, so cached query results can be invalidated.
    std::uint64_t generation() const noexcept { return generation_; }

    // Adds a ContentVersion to a ContentDocument (by 069 id), as uploading a new version does:
    // a new 068 id with its own deterministic body, IsLatest true (the previous latest false),
    // VersionNumber one more; the document's LatestPublishedVersionId, Title, FileExtension,
    // FileType and ContentSize follow it and its LastModifiedDate and SystemModstamp are now.
    // Unset options keep the document's title and extension; the size is derived from the new
    // version. Throws std::out_of_range for an unknown document, std::invalid_argument for a
    // bad option.
    struct version_options {
        std::optional<std::int64_t> size;
        std::optional<std::string> extension;
        std::optional<std::string> title;
    };
    std::string add_version(std::string_view document_id, const version_options& opts);

    // The body of a ContentVersion (by 068 id); nullopt when unknown.
    std::optional<file_info> file(std::string_view version_id) const;

    value generate(std::size_t object, std::uint32_t index, int field) const;

  private:
    org() = default;
    struct overlay_entry {
        std::shared_ptr<stored_record> record;  // null = base record unchanged
        bool deleted = false;
        std::int64_t deleted_at_ms = 0;
    };
    std::int64_t start_ms_ = 0;
    std::int64_t clock_offset_ms_ = 0;
    std::vector<std::vector<deletion>> deletions_;
    std::uint64_t mutations_ = 0;  // edits made by mutate(), so each run writes new text
    std::string now_text() const;
    void stamp(std::size_t object, stored_record& rec, std::initializer_list<const char*> fields,
               const boost::json::object& given) const;
    std::size_t base_count(std::size_t object) const;
    std::optional<record_ref> base_or_added(std::size_t object, std::uint32_t index) const;
    std::optional<std::vector<std::uint32_t>> generated_children(std::size_t child_object,
                                                                 int field,
                                                                 std::string_view parent_id) const;
    stored_record materialise(const record_ref& r) const;
    void apply(std::size_t object, stored_record& rec, const boost::json::object& fields) const;
    // Throws std::invalid_argument when `id` is the id of an object `f` does not refer to.
    void check_reference(const object_def& o, const field_def& f, std::string_view id) const;
    std::uint64_t hash(std::size_t object, std::uint64_t index, std::uint64_t salt) const;

    std::shared_ptr<const mock_sf::schema> schema_;
    std::uint64_t seed_ = 1;
    std::size_t n_ = 0;
    std::vector<std::size_t> counts_;                  // base count per object
    std::vector<std::vector<stored_record>> fixture_;  // per object, when loaded
    std::unordered_map<std::string, std::pair<std::size_t, std::uint32_t>> fixture_ids_;
    std::vector<std::vector<std::shared_ptr<stored_record>>> added_;
    std::unordered_map<std::string, overlay_entry> overlay_;  // by 15-char id
    std::vector<std::set<std::uint32_t>> touched_;            // overlaid base indices per object
    std::vector<std::size_t> deleted_count_;
    std::uint64_t generation_ = 0;
    // Indices of objects the generator treats specially.
    int user_ = -1, group_ = -1, content_document_ = -1, content_version_ = -1, cdl_ = -1;
    int permission_set_ = -1, assignment_ = -1, object_permissions_ = -1;
    std::vector<int> linkable_;  // objects that carry ContentDocumentLinks, in schema order
    // The generated files and their links come first; the damaged ones (org_options) after.
    std::size_t generated_docs_ = 0;
    std::size_t generated_links_ = 0;
    std::vector<std::shared_ptr<const file_body>> damaged_;
    std::vector<std::string> kinds_;  // org_options::file_kinds
    double media_share_ = 0;
    // The damaged file of a ContentDocument/ContentVersion index, or -1.
    int damaged_index(std::uint64_t index) const;
};

}  // namespace casio::mock_sf
