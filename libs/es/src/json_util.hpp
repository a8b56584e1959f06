#pragma once
// Private helpers: reading ES JSON answers and percent-encoding URL parts.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/text.hpp>

namespace casio::es::detail {

// Parses a response body that must be a JSON object; throws core::error(fatal) naming `what`.
boost::json::object parse_object(std::string_view body, std::string_view what);

// Reads `o[key]` as a string/integer; missing or another type -> fallback.
std::string string_or(const boost::json::object& o, std::string_view key,
                      std::string_view fallback = {});
std::int64_t int_or(const boost::json::object& o, std::string_view key, std::int64_t fallback);
const boost::json::object* object_at(const boost::json::object& o, std::string_view key);

// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and
// query values).
using core::percent_encode;

}  // namespace casio::es::detail
