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
        case boost::json::kind::double_: {
            const double d = v.get_double();
            if (!std::isfinite(d)) {
                out += "null";  // JSON has no NaN or infinity
                return;
            }
            const auto end = std::to_chars(buffer, buffer + sizeof buffer, d).ptr;
            const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
            out += text;
            // A double stays a double when read back: 3 -> 3.0.
            if (text.find_first_of(".eE") == std::string_view::npos) {
                out += ".0";
            }
            return;
        }
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
