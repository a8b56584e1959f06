#pragma once
// The bytes of each record of a query page, member by member, so that a document can carry a
// record's values as Salesforce wrote them instead of writing them again from the parsed tree
// (most of a record is copied through unchanged; writing it again was a third of the CPU of
// a sync). The page must already be known to be valid JSON (it was parsed).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <boost/json/parser.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

namespace casio::salesforce {

// Views into the page's text. In a usable record, `key` is preceded by its opening quote and
// the members follow one another with only `,` and spaces or tabs between them, so a run of
// consecutive members can be copied as one range: from key.data() - 1 to the end of the last
// value.
struct raw_member {
    std::string_view key;    // between the quotes, as written
    std::string_view value;  // the value's JSON text
};

class raw_records {
  public:
    // Scans `{..."records":[{...},...]...}` (a query answer) or `{"searchRecords":[...]}` (a
    // SOSL answer). Any other shape leaves it empty. `body` must outlive this object.
    explicit raw_records(std::string_view body);
    raw_records() = default;
    // Scans another page, reusing the memory of the previous one.
    void scan(std::string_view body);

    std::size_t size() const noexcept { return starts_.empty() ? 0 : starts_.size() - 1; }

    // The members of record `i`, in page order; nullopt when it cannot be passed through as
    // is (not an object, a key with an escape, or a line break that would end an NDJSON line).
    std::optional<std::span<const raw_member>> record(std::size_t i) const;
    // The whole text of record `i`.
    std::string_view record_text(std::size_t i) const { return texts_.at(i); }
    // The page's other members (totalSize, done, nextRecordsUrl, ...), and the name of the
    // member holding the records ("records" or "searchRecords").
    std::span<const raw_member> page_members() const noexcept { return page_; }
    std::string_view records_key() const noexcept { return records_key_; }

    // The page as a tree holding every page member but, of each record, only the members
    // named in `fields` (a record that cannot be copied from the text is parsed whole). The
    // text must be valid JSON (checked before). nullopt when the scan found no records array.
    std::optional<boost::json::value> sparse_tree(std::span<const std::string_view> fields,
                                                  boost::json::parser& parser,
                                                  boost::json::storage_ptr sp) const;

  private:
    std::vector<raw_member> members_;
    std::vector<std::uint32_t> starts_;  // record i: members_[starts_[i], starts_[i + 1])
    std::vector<bool> usable_;
    std::vector<std::string_view> texts_;
    std::vector<raw_member> page_;
    std::string_view records_key_;
};

// Calls f(key, value text) for each member of the JSON object `object_text` (already checked
// JSON). False when it is not an object.
bool for_each_raw_member(std::string_view object_text,
                         const std::function<void(std::string_view, std::string_view)>& f);

}  // namespace casio::salesforce
