#pragma once
// The search subset of Elasticsearch that the connectors service (and Kibana-style tools) send to
// the system indices: a query compiled once into a tree and evaluated against JSON sources, a sort
// specification, and `_source` filtering. Pure: no I/O, `now` is always passed in.
//
// There are no mappings here, so field types are inferred from the values compared:
// * term/terms/ids compare loosely the way ES coerces into keyword/numeric/boolean fields
//   (`5` matches `"5"`, `"true"` matches `true`); strings compare exactly (keyword semantics).
// * range compares numbers numerically; strings that are both ISO-8601 dates compare as
//   instants (any offset; naive = UTC); bounds with date math (`now-300s`, `now-1d/d`,
//   `2025-01-01||+1M`) require the document value to be a date (string or epoch millis);
//   other strings compare lexicographically. Dates compare at millisecond resolution like ES
//   `date` fields, and `gt`/`lte` round partial dates and `/unit` rounding up as ES does.
//   `time_zone` and `format` are accepted and ignored (naive dates are UTC).
// * match: a string document value matches when it shares a token with the query (tokens are
//   lower-cased runs of letters/digits; operator "and" requires all); non-strings use term
//   equality. A deliberately small stand-in for the standard analyzer.
// * Dotted paths (`connector.id`) walk nested objects and arrays of objects, and also find keys
//   that themselves contain dots (a raw update may store `{"connector.sync_cursor": ...}`).
//   A trailing `.keyword` is the field itself.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace casio::mock_es {

namespace detail {
struct query_node;
struct field_path;
}  // namespace detail

// A compiled query. Copies share the immutable tree.
class query {
  public:
    // nullptr -> match_all. Malformed or unsupported -> es_error(400, "parsing_exception", ...)
    // (date math that cannot be parsed -> es_error(400, "parse_exception", ...)).
    static query parse(const boost::json::value* q);

    // The `q` URL parameter (query_string.hpp): `df` ("" = every field) and `default_operator`
    // ("" = OR). A syntax error throws qs::syntax_error, a bad operator es_error.
    static query parse_query_string(std::string_view text, std::string_view default_field,
                                    std::string_view default_operator);

    bool matches(std::string_view id, const boost::json::object& source,
                 std::chrono::system_clock::time_point now) const;

    bool is_match_all() const noexcept;

  private:
    explicit query(std::shared_ptr<const detail::query_node> root) : root_(std::move(root)) {}
    std::shared_ptr<const detail::query_node> root_;
};

// A search `sort`. Missing values sort last in both directions (ES default `missing: _last`),
// arrays use their minimum for ascending and their maximum for descending keys.
class sort_spec {
  public:
    // nullptr -> doc order; "_doc"; "field"; ["field", {"f":"desc"}, {"f":{"order":"asc"}}].
    // Malformed -> es_error(400, "parsing_exception", ...).
    static sort_spec parse(const boost::json::value* s);

    bool is_doc_order() const noexcept { return keys_.empty(); }

    // <0 when a sorts before b, 0 when tied (callers keep doc order with a stable sort).
    int compare(const boost::json::object& a, std::string_view a_id, const boost::json::object& b,
                std::string_view b_id) const;

    // The `sort` array ES returns with each hit: the key value used (dates as epoch millis, as
    // for ES date fields), null when missing.
    boost::json::array sort_values(const boost::json::object& source, std::string_view id) const;

    // Same order as compare(), on values precomputed with sort_values() (cheaper when sorting
    // many documents; sub-millisecond date differences are lost).
    int compare_sort_values(const boost::json::array& a, const boost::json::array& b) const;

    struct key {
        std::shared_ptr<const detail::field_path> path;
        bool descending = false;
        bool missing_first = false;
    };

  private:
    std::vector<key> keys_;
};

// `_source` filtering: nullptr/true -> the whole source; false -> null (omit `_source`);
// "f" / ["a","b.c","x*"] -> includes; {"includes":[...],"excludes":[...]} (also the singular
// spellings). Patterns use `*` wildcards and match dotted paths; including an object includes
// everything under it. Malformed -> es_error(400, "parsing_exception", ...).
boost::json::value filter_source(const boost::json::object& source, const boost::json::value* spec);

// A timestamp as ES writes Instants into documents: UTC, `Z`, at least three fraction digits and
// up to nine with trailing zeros dropped, e.g. `2025-03-01T10:15:02.120Z`,
// `2025-03-01T10:15:02.123456789Z`.
std::string format_instant(std::chrono::system_clock::time_point t);

}  // namespace casio::mock_es
