#pragma once
// Appending JSON text straight into an output buffer (documents are shipped as bytes).

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include <casio/core/json_text.hpp>

namespace casio::salesforce::detail {

inline bool needs_json_escape(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == '"' || c == '\\';
}

// A JSON string literal: quotes, `"` `\` and control characters escaped; other bytes verbatim.
// `prefix` (`,` before a key, say) is written first.
inline void append_json_string(std::string& out, std::string_view s, std::string_view prefix = {}) {
    std::size_t clean = 0;
    while (clean < s.size() && !needs_json_escape(s[clean])) {
        ++clean;
    }
    // The common case, no escape: one resize and one copy.
    const std::size_t at = out.size();
    out.resize(at + prefix.size() + 1 + clean);
    char* p = out.data() + at;
    if (!prefix.empty()) {
        std::memcpy(p, prefix.data(), prefix.size());
        p += prefix.size();
    }
    *p++ = '"';
    std::memcpy(p, s.data(), clean);
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t run = clean;
    for (std::size_t i = clean; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!needs_json_escape(s[i])) {
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

// `"key":` preceded by a comma unless it is the first member.
inline void append_key(std::string& out, std::string_view key, bool& first) {
    append_json_string(out, key, first ? std::string_view() : std::string_view(","));
    first = false;
    out.push_back(':');
}

// Any value (numbers in their shortest form, as Salesforce writes them).
using core::append_json_value;

// A string, or null when absent.
template <typename String>
void append_optional_string(std::string& out, const String* s) {
    if (s == nullptr) {
        out += "null";
    } else {
        append_json_string(out, std::string_view(s->data(), s->size()));
    }
}

}  // namespace casio::salesforce::detail
