#pragma once
// Appending JSON text straight into an output buffer (documents are shipped as bytes).

#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

namespace casio::salesforce::detail {

// A JSON string literal: quotes, `"` `\` and control characters escaped; other bytes verbatim.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        switch (c) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '\n':
                out.push_back('n');
                break;
            case '\r':
                out.push_back('r');
                break;
            case '\t':
                out.push_back('t');
                break;
            case '\b':
                out.push_back('b');
                break;
            case '\f':
                out.push_back('f');
                break;
            default:
                out += "u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0x0f]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

inline void append_json_value(std::string& out, const boost::json::value& v) {
    if (v.is_string()) {
        append_json_string(out, v.get_string());
    } else if (v.is_null()) {
        out += "null";
    } else if (v.is_bool()) {
        out += v.get_bool() ? "true" : "false";
    } else {
        // Serialised straight into `out` (no temporary string per nested object).
        boost::json::serializer sr;
        sr.reset(&v);
        char buffer[2048];
        while (!sr.done()) {
            out.append(sr.read(buffer, sizeof buffer));
        }
    }
}

// `"key":` preceded by a comma unless it is the first member.
inline void append_key(std::string& out, std::string_view key, bool& first) {
    if (!first) {
        out.push_back(',');
    }
    first = false;
    append_json_string(out, key);
    out.push_back(':');
}

inline void append_optional_string(std::string& out, const std::string* s) {
    if (s == nullptr) {
        out += "null";
    } else {
        append_json_string(out, *s);
    }
}

}  // namespace casio::salesforce::detail
