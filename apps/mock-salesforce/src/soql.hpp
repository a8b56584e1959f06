#pragma once
// SOQL and SOSL syntax: tokenizer and parser producing a syntax tree. No schema knowledge here;
// names are bound (and INVALID_FIELD / INVALID_TYPE raised) by the query engine. Syntax errors
// throw sf_error MALFORMED_QUERY with Salesforce's "ERROR at Row:R:Column:C" excerpt.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace casio::mock_sf::soql {

struct literal {
    enum class kind { null, boolean, number, string, date, datetime };
    kind k = kind::null;
    std::string text;  // string value (unescaped), canonical date/datetime, or number text
    double number = 0;
    bool boolean = false;
    std::size_t pos = 0;
};

struct field_ref {
    std::string path;  // as written: Name, Owner.Name, ContentDocument.LatestPublishedVersion.Id
    std::size_t pos = 0;
};

struct select_query;

struct condition {
    enum class kind { and_, or_, not_, compare, in, not_in, like, includes, excludes };
    kind k = kind::compare;
    std::vector<condition> children;  // and_, or_, not_
    field_ref field;
    std::string op;                          // compare: = != < > <= >=
    std::vector<literal> values;             // compare: one; in/not_in/includes/excludes: the list
    std::shared_ptr<select_query> subquery;  // semi-join / anti-join
};

struct select_item {
    enum class kind { field, subquery, fields_fn, count };
    kind k = kind::field;
    field_ref field;
    std::shared_ptr<select_query> subquery;
    std::string fields_arg;  // ALL, STANDARD, CUSTOM (upper case)
    std::size_t pos = 0;
};

struct order_item {
    field_ref field;
    bool ascending = true;
    std::optional<bool> nulls_first;
};

struct select_query {
    std::vector<select_item> items;
    std::string from;
    std::size_t from_pos = 0;
    std::optional<condition> where;
    std::vector<order_item> order_by;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
    std::size_t offset_pos = 0;
};

// Parses one SOQL statement. Throws sf_error (MALFORMED_QUERY).
select_query parse_soql(std::string_view text);

struct sosl_returning {
    std::string object;
    std::size_t pos = 0;
    std::vector<field_ref> fields;  // empty -> Id only
    std::optional<condition> where;
    std::vector<order_item> order_by;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
};

struct sosl_query {
    std::string term;                       // text inside {...} or '...'
    std::string scope = "ALL";              // ALL, NAME, EMAIL, PHONE
    std::vector<sosl_returning> returning;  // empty -> every searchable object
    std::optional<std::int64_t> limit;
};

// Parses `FIND {term} [IN ALL FIELDS] [RETURNING Obj(fields [WHERE..] [ORDER BY..] [LIMIT n]),
// ...] [LIMIT n]`. Throws sf_error (MALFORMED_QUERY).
sosl_query parse_sosl(std::string_view text);

// "\n<line>\n<caret>\nERROR at Row:R:Column:C\n<message>" as Salesforce reports positions.
std::string positioned_message(std::string_view text, std::size_t pos, std::string_view message);

}  // namespace casio::mock_sf::soql
