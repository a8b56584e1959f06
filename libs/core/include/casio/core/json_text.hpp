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

// Appends `s` as a complete JSON string, quotes included.
inline void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    append_json_escaped(out, s);
    out.push_back('"');
}

// Appends any value as compact JSON. Numbers are written as the shortest text that reads
// back to the same value (35.6762, not Boost.JSON's 3.56762E1), as Elasticsearch and
// Salesforce print them.
void append_json_value(std::string& out, const boost::json::value& v);

}  // namespace casio::core
