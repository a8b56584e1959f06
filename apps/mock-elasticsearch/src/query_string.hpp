#pragma once
// The Lucene query-string syntax of `?q=` and of the `query_string` query, parsed into a small
// tree the query compiler turns into a matcher (query.cpp). A subset of Lucene's classic
// QueryParser as Elasticsearch configures it:
// * terms, `field:term`, `"quoted phrases"` (with `~slop`), `(groups)` and `field:(groups)`;
// * AND / OR / NOT (upper case only, also `&&`, `||`, `!`) and the `+` / `-` prefixes, combined
//   the way Lucene combines them (AND makes both neighbours required, OR makes the previous
//   clause optional under default_operator AND, NOT prohibits the next clause);
// * wildcards `*` and `?` inside terms, `field:*` (exists), `*:*` (all), `_exists_:field`;
// * ranges `[a TO b]`, `{a TO b}`, mixed ends, `*` for an open end, and `field:>=5`-style
//   comparisons; `/regex/` terms;
// * `\` escapes any character; `^boost` and `term~fuzziness` are accepted and ignored.
// Anything else is a syntax error, reported as Elasticsearch reports it: query_shard_exception
// "Failed to parse query [...]" caused by a parse_exception "Cannot parse '...': ...".

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "es_error.hpp"

namespace casio::mock_es::qs {

enum class occur { must, should, must_not };

struct clause;

struct node {
    enum class kind {
        term,        // text: the unescaped term, analysed by the matcher
        phrase,      // text: the phrase; slop
        wildcard,    // text: the pattern with `*` / `?` (escaped wildcards as `\*`, `\?`)
        regexp,      // text: the regular expression
        range,       // lower / upper ("" = open), inclusive flags
        exists,      // field
        match_all,   // `*:*`
        match_none,  // an empty query
        group        // clauses
    };
    kind k = kind::match_all;
    std::string field;  // resolved: the explicit field, else the default field ("*" = all)
    std::string text;
    int slop = 0;
    std::string lower, upper;
    bool include_lower = true, include_upper = true;
    std::vector<clause> clauses;
};

// An occurrence and its query (not a std::pair: a pair of a type still incomplete inside
// `node` does not compile with clang's standard library checks).
struct clause {
    clause(occur o, node n) : first(o), second(std::move(n)) {}
    occur first;
    node second;
};

struct options {
    std::string default_field = "*";
    bool default_and = false;  // default_operator AND
};

// A malformed query string; a 400 query_shard_exception whose `caused_by` is the
// parse_exception (search and count wrap it into a shard failure).
class syntax_error : public es_error {
  public:
    syntax_error(std::string_view query, const std::string& detail);
};

// Throws syntax_error.
node parse(std::string_view text, const options& opts = {});

// Lucene-like rendering for tests and debugging: `+title:a -b (c d)`, `"a b"~2`, `f:[1 TO *}`.
std::string to_string(const node& n);

}  // namespace casio::mock_es::qs
