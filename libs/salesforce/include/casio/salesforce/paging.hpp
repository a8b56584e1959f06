#pragma once
// Reading result pages and walking through them: the nextRecordsUrl cursor of standard queries,
// the LIMIT/OFFSET walk of queries that use FIELDS() (which Salesforce does not page with a
// cursor), SOSL results, and the rewriting/validation of advanced sync rules.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace casio::salesforce {

// One page of a query answer. `records` points into the parsed body (null when the page has
// none); `next_records_url` is the path of the next page, empty on the last one.
struct query_page {
    const boost::json::array* records = nullptr;
    std::string next_records_url;
    std::optional<long long> total_size;
};
// Throws core::error(transient) when the body is not a query answer (no object).
query_page read_query_page(const boost::json::value& body);

// A query locator of a nextRecordsUrl, `<path>/query/01gD0000002HU6KIAW-2000`: the path up to
// the `-` and the offset of the page's first record. Salesforce serves any offset of a
// locator, in any order, so once the first page gives totalSize the later pages can be
// fetched at once. nullopt for any other shape (the client then follows nextRecordsUrl).
struct query_locator {
    std::string prefix;  // "/services/data/v59.0/query/01gD0000002HU6KIAW"
    std::size_t offset = 0;
    std::string url(std::size_t at) const { return prefix + "-" + std::to_string(at); }
};
std::optional<query_locator> parse_locator(std::string_view next_records_url);

// The record offsets of one query handled so far, as ranges, so that a walk that falls back
// to nextRecordsUrl (a server refusing out-of-order locators) handles no page twice.
class offset_coverage {
  public:
    void add(std::size_t begin, std::size_t end);
    // True when every offset of [begin, end) was added.
    bool covers(std::size_t begin, std::size_t end) const;
    // The end of the range starting at 0 (0 when offset 0 was not added).
    std::size_t prefix_end() const;

  private:
    std::vector<std::pair<std::size_t, std::size_t>> ranges_;  // sorted, disjoint, not adjacent
};

// `searchRecords` of a SOSL answer (nullptr when absent).
const boost::json::array* read_search_records(const boost::json::value& body);

// True when the query calls the FIELDS() function (`FIELDS(ALL)`, `fields (custom)`); a field
// name containing "fields" (Custom_Fields__c) does not count.
bool uses_fields_function(std::string_view soql);

// Advanced-rule rewriting, in this order (A.9):
// adds `, Id` to the select list unless FIELDS(ALL|STANDARD) or the word `Id` is present;
std::string add_id_column(std::string_view soql);
// adds `, LastModifiedDate` unless FIELDS(ALL|STANDARD) or LastModifiedDate is present;
std::string add_last_modified_date_column(std::string_view soql);
// for a FIELDS() query: appends ` LIMIT 200 OFFSET 0` when it has no LIMIT, else ` OFFSET 0`
// when it has no OFFSET. Other queries are returned unchanged.
std::string add_limit_offset(std::string_view soql);
// The three rewrites applied to an advanced SOQL rule.
std::string rewrite_advanced_soql(std::string_view soql);

// The LIMIT/OFFSET walk of a FIELDS() query: the offset grows by the query's LIMIT (200 when it
// has none) up to 2000, Salesforce's maximum OFFSET.
class offset_pager {
  public:
    explicit offset_pager(std::string soql);  // soql already rewritten (has an OFFSET)
    const std::string& current() const noexcept { return soql_; }
    int offset() const noexcept { return offset_; }
    // After a page with `records` rows: false when done (a page shorter than the LIMIT, or the
    // next offset > 2000), else rewrites every `OFFSET <n>` (any case) to the next offset.
    bool advance(std::size_t records);

  private:
    std::string soql_;
    int offset_ = 0;
};

// Replaces the number of every `OFFSET <n>` (case-insensitive) by `offset`.
std::string replace_offset(std::string_view soql, int offset);

// One advanced rule, validated.
struct advanced_rule {
    enum class language { soql, sosl } lang;
    std::string query;
};
// Validates the advanced rules snippet: an array of objects with exactly `query` (non-empty
// string) and `language` ("SOQL" or "SOSL"). Returns the rules, or the error messages (each
// names the offending entry by position), never both.
struct rules_check {
    std::vector<advanced_rule> rules;
    std::vector<std::string> errors;
    bool ok() const noexcept { return errors.empty(); }
};
rules_check check_advanced_rules(const boost::json::value& snippet);

// "Found invalid queries: '<q1> & <q2>'. Either object or fields might be invalid."
std::string invalid_queries_message(const std::vector<std::string>& queries);

}  // namespace casio::salesforce
