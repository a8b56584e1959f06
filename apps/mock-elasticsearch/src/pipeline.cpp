#include "pipeline.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <casio/core/base64.hpp>
#include <casio/extract/extract.hpp>

namespace casio::mock_es {

namespace json = boost::json;

namespace {

constexpr std::string_view control_fields[] = {
    "_attachment",           "_attachment_indexed_chars",
    "_extracted_attachment", "_extract_binary_content",
    "_reduce_whitespace",    "_run_ml_inference",
};

// Cheap pre-check on the raw bytes: any `"_<control field>"` key at all? ('_' is rare in
// text, so memchr on it beats searching for the two-byte sequence.)
bool mentions_control_field(std::string_view s) {
    const char* p = s.data();
    const char* end = s.data() + s.size();
    while (p < end) {
        const void* hit = std::memchr(p, '_', static_cast<std::size_t>(end - p));
        if (hit == nullptr)
            return false;
        const char* h = static_cast<const char*>(hit);
        p = h + 1;
        if (h == s.data() || h[-1] != '"')
            continue;
        for (auto f : control_fields) {
            if (static_cast<std::size_t>(end - h) > f.size() &&
                std::memcmp(h, f.data(), f.size()) == 0 && h[f.size()] == '"') {
                return true;
            }
        }
    }
    return false;
}

// Text if valid UTF-8 without NUL and with few control characters (what Tika would read as
// plain text; binary formats are left to real Elasticsearch).
bool looks_like_text(std::string_view s) {
    std::size_t controls = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0)
            return false;
        if (c < 0x80) {
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
                ++controls;
            ++i;
            continue;
        }
        int n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0)
            return false;
        for (int k = 1; k <= n; ++k) {
            if (i + static_cast<std::size_t>(k) >= s.size())
                return false;
            if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0xc0) != 0x80)
                return false;
        }
        i += static_cast<std::size_t>(n) + 1;
    }
    return controls * 100 <= s.size();
}

// What the attachment processor (Tika) reads in a file: plain text as it is, documents (PDF,
// Office, RTF, HTML, XML) through libs/extract. Binary content that is no document (an image,
// random bytes) has no text and is no failure, as Tika gives such a file empty content. A
// document that cannot be read is the processor's failure: its reason.
struct attachment_outcome {
    std::optional<std::string> text;
    std::optional<std::string> failure;
};

attachment_outcome attachment_text(std::string_view bytes) {
    using extract::format;
    const auto f = extract::sniff_format(
        bytes.substr(0, 4096),
        bytes.substr(bytes.size() - std::min<std::size_t>(bytes.size(), 65536)));
    if (f == format::text || f == format::csv || f == format::json || f == format::markdown) {
        return {looks_like_text(bytes) ? std::optional<std::string>(bytes) : std::nullopt, {}};
    }
    constexpr std::string_view name = "_attachment";
    try {
        return {extract::extract_bytes(bytes, f, {}, name).text, {}};
    } catch (const std::exception& e) {
        std::string_view why = e.what();
        if (why.starts_with(name) && why.substr(name.size()).starts_with(": ")) {
            why.remove_prefix(name.size() + 2);
        }
        return {{}, std::string(why)};
    }
}

// Runs of whitespace become one space; none at either end. Words are copied as runs.
std::string reduce_whitespace(std::string_view s) {
    auto ws = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && ws(s[i]))
            ++i;
        const std::size_t word = i;
        while (i < s.size() && !ws(s[i]))
            ++i;
        if (i == word)
            break;
        if (!out.empty())
            out.push_back(' ');
        out.append(s.substr(word, i - word));
    }
    return out;
}

bool truthy(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

bool is_control_field(std::string_view key) {
    return std::find(std::begin(control_fields), std::end(control_fields), key) !=
           std::end(control_fields);
}

// The top-level members of a JSON object (already validated), as raw text: `key` without its
// quotes, `value` as written.
struct raw_member {
    std::string_view key;
    std::string_view value;
};

std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        ++i;
    return i;
}

// `i` at an opening quote: the index after the closing one (npos when unterminated). A quote
// ends the string unless an odd number of backslashes precedes it.
std::size_t skip_string(std::string_view s, std::size_t i) {
    const char* begin = s.data() + i + 1;
    const char* end = s.data() + s.size();
    for (const char* p = begin; p < end;) {
        const auto* q =
            static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
        if (q == nullptr)
            return std::string_view::npos;
        std::size_t backslashes = 0;
        for (const char* b = q; b > begin && b[-1] == '\\'; --b)
            ++backslashes;
        if (backslashes % 2 == 0)
            return static_cast<std::size_t>(q - s.data()) + 1;
        p = q + 1;
    }
    return std::string_view::npos;
}

std::size_t skip_value(std::string_view s, std::size_t i) {
    if (i >= s.size())
        return std::string_view::npos;
    if (s[i] == '"')
        return skip_string(s, i);
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < s.size()) {
            const char c = s[i];
            if (c == '"') {
                i = skip_string(s, i);
                if (i == std::string_view::npos)
                    return i;
                continue;
            }
            if (c == '{' || c == '[')
                ++depth;
            if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            ++i;
        }
        return std::string_view::npos;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
        ++i;
    }
    return i;
}

// False when `s` is not an object of plainly written keys (then the caller parses it).
bool top_level_members(std::string_view s, std::vector<raw_member>& out) {
    std::size_t i = skip_ws(s, 0);
    if (i >= s.size() || s[i] != '{')
        return false;
    i = skip_ws(s, i + 1);
    if (i < s.size() && s[i] == '}')
        return skip_ws(s, i + 1) == s.size();
    while (true) {
        if (i >= s.size() || s[i] != '"')
            return false;
        const std::size_t key_end = skip_string(s, i);
        if (key_end == std::string_view::npos)
            return false;
        const std::string_view key = s.substr(i + 1, key_end - i - 2);
        if (key.find('\\') != std::string_view::npos)
            return false;  // an escaped key may spell a control field
        i = skip_ws(s, key_end);
        if (i >= s.size() || s[i] != ':')
            return false;
        i = skip_ws(s, i + 1);
        const std::size_t value_end = skip_value(s, i);
        if (value_end == std::string_view::npos || value_end == i)
            return false;
        out.push_back({key, s.substr(i, value_end - i)});
        i = skip_ws(s, value_end);
        if (i < s.size() && s[i] == '}')
            return skip_ws(s, i + 1) == s.size();
        if (i >= s.size() || s[i] != ',')
            return false;
        i = skip_ws(s, i + 1);
    }
}

// The emulation without a parse, for the common case (every connector document carries
// `_extract_binary_content`, `_reduce_whitespace` and `_run_ml_inference`; content is
// extracted only when `_attachment` is there too): the control fields are dropped and `body`
// is rewritten when whitespace is to be reduced; every other member keeps its bytes. Nullopt
// when the document needs the parsed path (an attachment to extract, a duplicate or escaped
// key).
std::optional<std::string> strip_control_fields(std::string_view source) {
    thread_local std::vector<raw_member> members;
    members.clear();
    if (!top_level_members(source, members))
        return std::nullopt;
    bool extract = false;
    bool attachment = false;
    bool reduce = false;
    for (const auto& m : members) {
        if (m.key == "_extract_binary_content")
            extract = m.value == "true";
        else if (m.key == "_attachment")
            attachment = !m.value.empty() && m.value.front() == '"';
        else if (m.key == "_reduce_whitespace")
            reduce = m.value == "true";
    }
    if (extract && attachment)
        return std::nullopt;
    // A key written twice: the parsed path keeps the last one.
    thread_local std::vector<std::string_view> keys;
    keys.clear();
    for (const auto& m : members)
        keys.push_back(m.key);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
        return std::nullopt;

    std::string out;
    out.reserve(source.size());
    out.push_back('{');
    for (const auto& m : members) {
        if (is_control_field(m.key))
            continue;
        if (out.size() > 1)
            out.push_back(',');
        out.push_back('"');
        out.append(m.key);
        out.append("\":");
        if (reduce && m.key == "body" && m.value.front() == '"') {
            const std::string_view raw = m.value.substr(1, m.value.size() - 2);
            if (raw.find('\\') == std::string_view::npos) {
                // No escapes: the reduced text needs none either.
                out.push_back('"');
                out.append(reduce_whitespace(raw));
                out.push_back('"');
            } else {
                json::value v = json::parse(m.value);
                out.append(json::serialize(
                    json::string(reduce_whitespace(std::string_view(v.as_string())))));
            }
            continue;
        }
        out.append(m.value);
    }
    out.push_back('}');
    return out;
}

}  // namespace

std::string apply_ingest_emulation(std::string source, std::string_view pipeline) {
    if (!mentions_control_field(source))
        return source;
    if (auto stripped = strip_control_fields(source))
        return std::move(*stripped);
    json::value v = json::parse(source);
    if (!v.is_object())
        return source;
    auto& o = v.as_object();
    if (truthy(o, "_extract_binary_content")) {
        if (auto* a = o.if_contains("_attachment"); a && a->is_string()) {
            auto decoded = core::base64_decode(std::string_view(a->as_string()));
            if (decoded) {
                auto outcome = attachment_text(*decoded);
                if (outcome.text) {
                    o["body"] = std::move(*outcome.text);
                } else if (outcome.failure) {
                    // The pipeline's on_failure of the attachment processor: an `append` to
                    // _ingestion_errors, whose message is the innermost cause's (Tika's
                    // parser's; here libs/extract's reason). No body is set.
                    std::string error = "Processor 'attachment' in pipeline '";
                    error.append(pipeline).append("' failed with message '");
                    error.append(*outcome.failure).append("'");
                    json::value& errors = o["_ingestion_errors"];
                    if (!errors.is_array()) {
                        json::array list;
                        if (!errors.is_null()) {
                            list.push_back(errors);
                        }
                        errors = std::move(list);
                    }
                    errors.as_array().emplace_back(error);
                }
            }
        }
    }
    if (truthy(o, "_reduce_whitespace")) {
        if (auto* b = o.if_contains("body"); b && b->is_string()) {
            *b = reduce_whitespace(std::string_view(b->as_string()));
        }
    }
    for (auto f : control_fields)
        o.erase(f);
    return json::serialize(v);
}

}  // namespace casio::mock_es
