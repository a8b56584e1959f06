#include "json_util.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>

#include "es_error.hpp"

namespace casio::mock_es {

namespace json = boost::json;

bool blank_body(std::string_view body) {
    for (char c : body) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return true;
}

std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    append_json_string(out, s);
    return out;
}

namespace {

// A SAX handler that builds nothing: validation at parser speed, no allocation.
struct null_handler {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    int depth = 0;
    bool top_is_object = false;
    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        if (depth++ == 0)
            top_is_object = true;
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        --depth;
        return true;
    }
    bool on_array_begin(json::error_code&) {
        ++depth;
        return true;
    }
    bool on_array_end(std::size_t, json::error_code&) {
        --depth;
        return true;
    }
    bool on_key_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_key(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

std::string position_message(std::string_view text, std::size_t consumed, const std::string& what) {
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "[" + std::to_string(line) + ":" + std::to_string(col) + "] " + what;
}

}  // namespace

bool validate_json_object(std::string_view text, std::string& error) {
    json::basic_parser<null_handler> p(json::parse_options{});
    json::error_code ec;
    std::size_t n = p.write_some(false, text.data(), text.size(), ec);
    if (ec) {
        error = position_message(text, n, "failed to parse: " + ec.message());
        return false;
    }
    if (!p.handler().top_is_object) {
        error = "[1:1] failed to parse: the document must be a JSON object";
        return false;
    }
    return true;
}

json::value parse_json_or_throw(std::string_view text, const char* error_type) {
    json::error_code ec;
    json::parser p;
    std::size_t n = p.write(text.data(), text.size(), ec);
    if (ec) {
        throw es_error(400, error_type,
                       position_message(text, n, "Unexpected input: " + ec.message()));
    }
    return p.release();
}

namespace {

std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        ++i;
    return i;
}

// i at the opening quote; returns the index after the closing quote.
std::size_t skip_string(std::string_view s, std::size_t i) {
    ++i;
    while (i < s.size()) {
        char c = s[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        ++i;
        if (c == '"')
            return i;
    }
    return s.size();
}

std::size_t skip_value(std::string_view s, std::size_t i) {
    if (i >= s.size())
        return i;
    char c = s[i];
    if (c == '"')
        return skip_string(s, i);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (i < s.size()) {
            char d = s[i];
            if (d == '"') {
                i = skip_string(s, i);
                continue;
            }
            if (d == '{' || d == '[')
                ++depth;
            if (d == '}' || d == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            ++i;
        }
        return i;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
        ++i;
    }
    return i;
}

// Calls f(key_raw_without_quotes, value_raw) for every top-level member; stops when f returns
// false.
template <class F>
void for_each_member(std::string_view s, F&& f) {
    std::size_t i = skip_ws(s, 0);
    if (i >= s.size() || s[i] != '{')
        return;
    ++i;
    while (true) {
        i = skip_ws(s, i);
        if (i >= s.size() || s[i] != '"')
            return;
        std::size_t kend = skip_string(s, i);
        std::string_view key = s.substr(i + 1, kend - i - 2);
        i = skip_ws(s, kend);
        if (i >= s.size() || s[i] != ':')
            return;
        i = skip_ws(s, i + 1);
        std::size_t vend = skip_value(s, i);
        if (!f(key, s.substr(i, vend - i)))
            return;
        i = skip_ws(s, vend);
        if (i >= s.size() || s[i] != ',')
            return;
        ++i;
    }
}

}  // namespace

std::optional<std::string_view> top_level_raw(std::string_view object_text, std::string_view key) {
    std::optional<std::string_view> found;
    for_each_member(object_text, [&](std::string_view k, std::string_view v) {
        if (k == key) {
            found = v;
            return false;
        }
        return true;
    });
    return found;
}

std::string project_top_level(std::string_view object_text, const std::vector<std::string>& keys) {
    std::string out = "{";
    bool first = true;
    for_each_member(object_text, [&](std::string_view k, std::string_view v) {
        for (const auto& want : keys) {
            if (want == k) {
                if (!first)
                    out.push_back(',');
                first = false;
                out.push_back('"');
                out.append(k);
                out += "\":";
                out.append(v);
                break;
            }
        }
        return true;
    });
    out.push_back('}');
    return out;
}

void deep_merge(json::object& target, const json::object& patch) {
    for (const auto& [k, v] : patch) {
        auto it = target.find(k);
        if (it != target.end() && it->value().is_object() && v.is_object()) {
            deep_merge(it->value().as_object(), v.as_object());
        } else {
            target[k] = v;
        }
    }
}

std::string_view token_name(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::object:
            return "START_OBJECT";
        case boost::json::kind::array:
            return "START_ARRAY";
        case boost::json::kind::string:
            return "VALUE_STRING";
        case boost::json::kind::bool_:
            return "VALUE_BOOLEAN";
        case boost::json::kind::null:
            return "VALUE_NULL";
        default:
            return "VALUE_NUMBER";
    }
}

}  // namespace casio::mock_es
