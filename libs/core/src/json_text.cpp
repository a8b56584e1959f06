#include <charconv>
#include <cmath>

#include <boost/json/value.hpp>

#include <casio/core/json_text.hpp>

namespace casio::core {

void append_json_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t run = 0;  // start of the pending run of bytes copied verbatim
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
}

std::size_t json_escaped_prefix(std::string_view s, std::size_t max_escaped) noexcept {
    std::size_t used = 0;
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t cost = 1;
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
            c == '\t') {
            cost = 2;
        } else if (c < 0x20) {
            cost = 6;
        }
        if (used + cost > max_escaped) {
            break;
        }
        used += cost;
    }
    if (i == s.size()) {
        return i;
    }
    // Back to the start of the character that did not fit (continuation bytes are 10xxxxxx).
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
        --i;
    }
    return i;
}

void append_json_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    // The shortest digits come from to_chars in scientific form, [-]D[.DDD]e(+|-)XX; the
    // notation is then chosen as Python's float_repr does.
    char sci[32];
    const auto end = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific).ptr;
    const std::string_view text(sci, static_cast<std::size_t>(end - sci));
    const std::size_t e = text.find('e');
    const bool negative = text.front() == '-';
    char digits[24];
    std::size_t n = 0;
    for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
        if (text[i] != '.') {
            digits[n++] = text[i];
        }
    }
    int exponent = 0;
    std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), end, exponent);
    // The point goes after `point` digits (0.DIGITS x 10^point).
    const int point = exponent + 1;
    if (point <= -4 || point > 16) {
        out += text;  // Python's form too: 1e+16, 1.5e-05, 1.7976931348623157e+308
        return;
    }
    if (negative) {
        out.push_back('-');
    }
    const auto count = static_cast<int>(n);
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out.append(digits, n);
    } else if (point >= count) {
        out.append(digits, n);
        out.append(static_cast<std::size_t>(point - count), '0');
        out += ".0";
    } else {
        out.append(digits, static_cast<std::size_t>(point));
        out.push_back('.');
        out.append(digits + point, n - static_cast<std::size_t>(point));
    }
}

void append_json_value(std::string& out, const boost::json::value& v) {
    char buffer[32];
    switch (v.kind()) {
        case boost::json::kind::string: {
            const auto& str = v.get_string();
            append_json_string(out, std::string_view(str.data(), str.size()));
            return;
        }
        case boost::json::kind::null:
            out += "null";
            return;
        case boost::json::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            return;
        case boost::json::kind::int64:
            out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v.get_int64()).ptr);
            return;
        case boost::json::kind::uint64:
            out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v.get_uint64()).ptr);
            return;
        case boost::json::kind::double_:
            append_json_double(out, v.get_double());
            return;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                append_json_value(out, e);
            }
            out.push_back(']');
            return;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& m : v.get_object()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                append_json_string(out, m.key());
                out.push_back(':');
                append_json_value(out, m.value());
            }
            out.push_back('}');
            return;
        }
    }
}

}  // namespace casio::core
