#include "json_style.hpp"

#include <cstdint>
#include <vector>

namespace casio::mock_sf {

namespace {

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void put_unicode_escape(std::string& out, unsigned unit, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    out += "\\u";
    out += digits[(unit >> 12) & 0xF];
    out += digits[(unit >> 8) & 0xF];
    out += digits[(unit >> 4) & 0xF];
    out += digits[unit & 0xF];
}

// The code point of the UTF-8 sequence at s[i] and its length; length 0 when it is not valid
// UTF-8 (then the byte is copied as it is: the input was not valid JSON to begin with).
std::pair<std::uint32_t, std::size_t> decode_utf8(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    const auto cont = [&](std::size_t k) { return (byte(k) & 0xC0) == 0x80; };
    const unsigned b0 = byte(0);
    if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
        return {((b0 & 0x1F) << 6) | (byte(1) & 0x3F), 2};
    }
    if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
        const std::uint32_t cp = ((b0 & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return {0, 0};  // overlong, or a surrogate
        }
        return {cp, 3};
    }
    if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
        const std::uint32_t cp = ((b0 & 0x07) << 18) | ((byte(1) & 0x3F) << 12) |
                                 ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
        if (cp < 0x10000 || cp > 0x10FFFF) {
            return {0, 0};
        }
        return {cp, 4};
    }
    return {0, 0};
}

bool is_ascii_letter(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Copies the string token that starts at in[i] (a '"'); returns the index after its closing
// quote. Escapes already in the text are copied as they are, so the value cannot change.
std::size_t copy_string(std::string_view in, std::size_t i, bool is_value, bool escape,
                        std::string& out) {
    out += '"';
    ++i;
    if (!escape) {
        // Only the end matters: copy runs up to the next quote or backslash.
        for (;;) {
            const auto stop = in.find_first_of("\"\\", i);
            if (stop == std::string_view::npos) {
                out.append(in.substr(i));
                return in.size();
            }
            out.append(in.substr(i, stop - i));
            if (in[stop] == '"') {
                out += '"';
                return stop + 1;
            }
            const std::size_t n = stop + 1 < in.size() && in[stop + 1] == 'u' ? 6 : 2;
            out.append(in.substr(stop, n));
            i = stop + n;
        }
    }
    while (i < in.size()) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '"') {
            out += '"';
            return i + 1;
        }
        if (c == '\\') {
            const std::size_t n = i + 1 < in.size() && in[i + 1] == 'u' ? 6 : 2;
            out.append(in.substr(i, n));
            i += n;
            continue;
        }
        if (c == '/') {
            out += "\\/";
            ++i;
            continue;
        }
        if (is_value && c >= 0x80) {
            if (auto [cp, len] = decode_utf8(in, i); len != 0) {
                const bool upper = (mix(i) & 1) != 0;
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    put_unicode_escape(out, 0xD800 + (cp >> 10), upper);
                    put_unicode_escape(out, 0xDC00 + (cp & 0x3FF), upper);
                } else {
                    put_unicode_escape(out, cp, upper);
                }
                i += len;
                continue;
            }
        }
        if (is_value && is_ascii_letter(c)) {
            // About one letter in five, by position: irregular, and the same for the same text.
            if (const auto h = mix(i); h % 5 == 0) {
                put_unicode_escape(out, c, (h & 8) != 0);
                ++i;
                continue;
            }
        }
        out += static_cast<char>(c);
        ++i;
    }
    return i;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::optional<json_style> parse_json_style(std::string_view name) {
    if (name == "compact")
        return json_style::compact;
    if (name == "pretty")
        return json_style::pretty;
    if (name == "escaped")
        return json_style::escaped;
    if (name == "pretty-escaped")
        return json_style::pretty_escaped;
    if (name == "spaced")
        return json_style::spaced;
    return std::nullopt;
}

std::string restyle_json(std::string_view in, json_style style) {
    if (style == json_style::compact) {
        return std::string(in);
    }
    const bool pretty = style == json_style::pretty || style == json_style::pretty_escaped;
    const bool escape = style == json_style::escaped || style == json_style::pretty_escaped;
    const bool spaced = style == json_style::spaced;
    std::string out;
    out.reserve(in.size() + in.size() / 2);
    std::vector<char> open;  // '{' or '[' per level
    bool expect_key = false;
    const auto newline = [&] {
        out += '\n';
        out.append(open.size() * 4, ' ');
    };
    std::size_t i = 0;
    while (i < in.size()) {
        const char c = in[i];
        switch (c) {
            case ' ':
            case '\t':
            case '\n':
            case '\r':
                ++i;
                break;
            case '{':
            case '[': {
                out += c;
                const char close = c == '{' ? '}' : ']';
                std::size_t j = i + 1;
                while (j < in.size() && is_space(in[j])) {
                    ++j;
                }
                if (j < in.size() && in[j] == close) {
                    out += close;  // empty: stays on one line
                    i = j + 1;
                    break;
                }
                open.push_back(c);
                expect_key = c == '{';
                if (pretty) {
                    newline();
                }
                ++i;
                break;
            }
            case '}':
            case ']':
                if (!open.empty()) {
                    open.pop_back();
                }
                if (pretty) {
                    newline();
                }
                out += c;
                ++i;
                break;
            case ',':
                out += spaced ? ", " : ",";
                expect_key = !open.empty() && open.back() == '{';
                if (pretty) {
                    newline();
                }
                ++i;
                break;
            case ':':
                out += pretty || spaced ? ": " : ":";
                expect_key = false;
                ++i;
                break;
            case '"':
                i = copy_string(in, i, !expect_key, escape, out);
                break;
            default: {
                // A number, true, false or null: copied up to the next delimiter.
                auto end = in.find_first_of(",:]} \t\n\r", i);
                if (end == std::string_view::npos) {
                    end = in.size();
                }
                out.append(in.substr(i, end - i));
                i = end;
            }
        }
    }
    return out;
}

}  // namespace casio::mock_sf
