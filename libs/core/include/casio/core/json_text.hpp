#pragma once
// Writing JSON text by hand on hot paths (bulk bodies, mapped documents, log lines, mock
// responses) without building a boost::json value first.

#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace casio::core {

// Appends `s` escaped for the inside of a JSON string (no surrounding quotes). Bytes >= 0x20
// other than '"' and '\' are copied as they are (UTF-8 passes through).
void append_json_escaped(std::string& out, std::string_view s);

// The length of the longest prefix of `s` whose escaped form (append_json_escaped) takes at
// most `max_escaped` bytes and that does not end inside a UTF-8 sequence: where to cut a text
// that must fit a byte budget once written as JSON.
std::size_t json_escaped_prefix(std::string_view s, std::size_t max_escaped) noexcept;

// Appends `s` as a complete JSON string, quotes included.
inline void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    append_json_escaped(out, s);
    out.push_back('"');
}

// Appends a double as Python's repr() writes a float (which is what Elastic's Python connectors
// send, their documents being json.dumps of Python objects): the shortest digits that read back
// to the same value, in fixed notation with at least one digit after the point when
// 1e-4 <= |d| < 1e16 (15000000.0, 0.0001, -0.0), else scientific (1e+16, 1.5e-05). Not
// Boost.JSON's 3.56762E1, nor to_chars' 1.5e+07 for 15000000.0. NaN and infinities, which JSON
// cannot hold, are written null.
void append_json_double(std::string& out, double d);

// Appends any value as compact JSON: strings as append_json_string writes them, integers as
// they are, doubles as append_json_double writes them, members in the object's order.
void append_json_value(std::string& out, const boost::json::value& v);

}  // namespace casio::core
