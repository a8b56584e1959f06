#pragma once
// The bytes of each record of a query page, member by member, so that a document can carry a
// record's values copied from the page instead of writing them again from a parsed tree (most
// of a record is copied through unchanged; writing it again was a third of the CPU of a sync).
// The page must already be known to be valid JSON (it was parsed or checked).
//
// A document must not depend on how the page was formatted, only on its values: the scan marks
// which members are already written as core::append_json_value would write their parsed value
// (compact, the escapes core::append_json_escaped writes, numbers as core::append_json_double
// writes them, no repeated key). Those are copied; any other member is parsed and written again.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <casio/core/json_parse.hpp>

namespace casio::salesforce {

// Views into the page's text.
struct raw_member {
    std::string_view key;    // between the quotes, as written
    std::string_view value;  // the value's JSON text
    // `value` is the canonical text of its value (what core::append_json_value writes for it
    // once parsed): it may be copied as is. When false it must be parsed and written again.
    bool canonical = false;
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

    // The members of record `i`, in page order; nullopt when the record must be read from its
    // parsed tree instead (not an object, a key written with an escape, or a key that appears
    // twice: the parsed object keeps one of them).
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
                                                  core::json_parser& parser,
                                                  const boost::json::storage_ptr& sp) const;

  private:
    class scanning;  // the steps of scan (raw_records.cpp)

    std::vector<raw_member> members_;
    std::vector<std::uint32_t> starts_;  // record i: members_[starts_[i], starts_[i + 1])
    std::vector<bool> usable_;
    std::vector<std::string_view> texts_;
    std::vector<raw_member> page_;
    std::string_view records_key_;
};

// Calls f(key, value text) for each member of the JSON object `object_text` (already checked
// JSON), keys as written (escapes not decoded). False when it is not an object.
bool for_each_raw_member(std::string_view object_text,
                         const std::function<void(std::string_view, std::string_view)>& f);
// Calls f(element text) for each element of the JSON array `array_text`. False when it is not
// an array.
bool for_each_raw_element(std::string_view array_text,
                          const std::function<void(std::string_view)>& f);

// Calls f(value text) for each value at `path` in the JSON text, in one pass over it: a key
// steps into an object's member, "*" into each element of an array; where the value on the way
// is of another kind there is nothing (as in the parsed value). False when the text alone cannot
// settle what the parsed value holds there (a key on the way written with an escape, or the
// path's key written twice in one object) or is not JSON: f may have been called already, and
// the caller should read the parsed value instead.
bool for_each_raw_value_at(std::string_view text, std::span<const std::string_view> path,
                           const std::function<void(std::string_view)>& f);

// The string a JSON string literal stands for (escapes decoded); nullopt when `text` is not a
// string literal.
std::optional<std::string> raw_string(std::string_view text);

// Appends the value of the JSON text `text` (valid JSON) as core::append_json_value writes it
// once parsed: copied when `canonical` says it already is, parsed and written again otherwise.
void append_canonical(std::string& out, std::string_view text, bool canonical = false);

}  // namespace casio::salesforce
