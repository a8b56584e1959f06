#pragma once
// Small JSON helpers for the hot paths of the mock: documents are kept as the bytes received,
// so responses are assembled as text and only what is needed is looked at.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/json_text.hpp>

namespace casio::mock_es {

// True when a body is empty or only whitespace.
bool blank_body(std::string_view body);

// Appends `s` as a quoted JSON string.
using core::append_json_string;
std::string json_quote(std::string_view s);

// Checks that `text` is exactly one JSON object (whitespace around allowed) without building a
// value. On failure returns false and sets `error` to a message with the position.
bool validate_json_object(std::string_view text, std::string& error);

// Parses `text` into a value; throws es_error(400, type, "[1:col] ...") on malformed input.
boost::json::value parse_json_or_throw(std::string_view text, const char* error_type);

// Scans only the top level of a JSON object (already validated) and returns the raw text of the
// value of `key`, or nullopt. Keys with escapes are compared after a plain byte match only.
std::optional<std::string_view> top_level_raw(std::string_view object_text, std::string_view key);

// `{"k1":raw1,"k2":raw2}` for the top-level keys present among `keys`, in the source's order.
std::string project_top_level(std::string_view object_text, const std::vector<std::string>& keys);

// How Elasticsearch's parser (XContentParser.Token) names the token a value starts with, for
// its error messages: START_OBJECT, START_ARRAY, VALUE_STRING, VALUE_NUMBER, VALUE_BOOLEAN,
// VALUE_NULL.
std::string_view token_name(const boost::json::value& v);

// Recursively merges `patch` into `target` the way `_update` merges `doc`: objects merge,
// everything else (arrays, scalars, null) replaces.
void deep_merge(boost::json::object& target, const boost::json::object& patch);

}  // namespace casio::mock_es
