#include "connector_api.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <initializer_list>
#include <optional>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <casio/core/time.hpp>

#include "json_util.hpp"
#include "query.hpp"

namespace casio::mock_es {

namespace json = boost::json;

namespace {

constexpr std::string_view acl_index_prefix = ".search-acl-filter-";
constexpr std::string_view managed_index_prefix = "content-";

// ---- where a token of the request body is -------------------------------------------------
// ES prefixes a parse error with "[line:column]" of the token its parser was on (Jackson's
// token location: 1-based, columns in bytes). The validators below know a field by its path
// in the body; the raw text of the body being parsed is kept here by body_text_scope.

thread_local std::string_view tl_body_text;

struct step {
    std::string key;
    std::int64_t index = -1;  // >= 0: an array element
};
using jpath = std::vector<step>;

jpath operator/(jpath p, std::string_view key) {
    p.push_back({std::string(key), -1});
    return p;
}
jpath operator/(jpath p, std::size_t index) {
    p.push_back({{}, static_cast<std::int64_t>(index)});
    return p;
}

enum class token_at { key, value, end };  // a member's name, its value, its value's last token

struct scanner {
    std::string_view s;
    std::size_t i = 0;
    std::size_t line = 1;
    std::size_t line_start = 0;

    void ws() {
        while (i < s.size()) {
            char c = s[i];
            if (c == '\n') {
                ++line;
                line_start = ++i;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++i;
            } else {
                break;
            }
        }
    }
    std::string loc(std::size_t at) const {
        return std::to_string(line) + ":" + std::to_string(at - line_start + 1);
    }
    std::string read_string() {  // at '"': the raw text between the quotes (escapes kept)
        std::size_t start = ++i;
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\')
                ++i;
            ++i;
        }
        std::string out(s.substr(start, std::min(i, s.size()) - start));
        ++i;
        return out;
    }
    void skip_value() {
        ws();
        if (i >= s.size())
            return;
        char c = s[i];
        if (c == '"') {
            read_string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            ++i;
            ws();
            if (i < s.size() && s[i] == close) {
                ++i;
                return;
            }
            while (i < s.size()) {
                ws();
                if (c == '{') {
                    read_string();
                    ws();
                    ++i;  // ':'
                }
                skip_value();
                ws();
                if (i < s.size() && s[i] == ',') {
                    ++i;
                    continue;
                }
                ++i;  // close
                return;
            }
        } else {
            while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
                   s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
                ++i;
        }
    }
};

// A JSON string's raw text for an object key, as the scanner reads it (no unescaping).
std::string raw_key(std::string_view key) {
    std::string q = json::serialize(json::value(key));
    return q.substr(1, q.size() - 2);
}

std::string location(const jpath& path, token_at which) {
    scanner sc{tl_body_text};
    sc.ws();
    for (std::size_t d = 0; d < path.size(); ++d) {
        const step& st = path[d];
        if (sc.i >= sc.s.size() || (sc.s[sc.i] != '{' && sc.s[sc.i] != '['))
            return "1:1";
        const bool object = sc.s[sc.i] == '{';
        ++sc.i;
        bool found = false;
        for (std::int64_t n = 0; sc.i < sc.s.size(); ++n) {
            sc.ws();
            if (sc.s[sc.i] == '}' || sc.s[sc.i] == ']')
                return "1:1";
            std::size_t key_at = sc.i;
            bool match = false;
            if (object) {
                match = sc.read_string() == raw_key(st.key);
                sc.ws();
                ++sc.i;  // ':'
                sc.ws();
            } else {
                match = n == st.index;
            }
            if (match) {
                if (d + 1 == path.size()) {
                    if (which == token_at::key)
                        return sc.loc(key_at);
                    if (which == token_at::value)
                        return sc.loc(sc.i);
                    sc.skip_value();
                    return sc.loc(sc.i - 1);
                }
                found = true;
                break;
            }
            sc.skip_value();
            sc.ws();
            if (sc.i < sc.s.size() && sc.s[sc.i] == ',')
                ++sc.i;
        }
        if (!found)
            return "1:1";
    }
    // The body itself.
    if (which == token_at::end) {
        sc.skip_value();
        return sc.loc(sc.i - 1);
    }
    return sc.loc(sc.i);
}

// ---- ES's object parsers ------------------------------------------------------------------
// A failure while parsing: the ES exception, and where the parser was (the wrappers of
// ObjectParser report that same place).
struct parse_failure {
    es_error err;
    std::string at;
};

[[noreturn]] void fail_xcp(const std::string& at, const std::string& message) {
    throw parse_failure{es_error(400, "x_content_parse_exception", "[" + at + "] " + message), at};
}
[[noreturn]] void fail_iae(const std::string& at, std::string message) {
    throw parse_failure{es_error(400, "illegal_argument_exception", std::move(message)), at};
}
[[noreturn]] void fail_as(const std::string& at, std::string type, std::string message) {
    throw parse_failure{es_error(400, std::move(type), std::move(message)), at};
}

// ObjectParser's "[l:c] [parser] failed to parse field [f]" around a field's value parser.
template <class F>
void wrap_field(std::string_view parser, std::string_view field, F&& f) {
    try {
        f();
    } catch (parse_failure& pf) {
        es_error e(400, "x_content_parse_exception",
                   "[" + pf.at + "] [" + std::string(parser) + "] failed to parse field [" +
                       std::string(field) + "]");
        e.caused_by(pf.err.as_cause());
        throw parse_failure{std::move(e), pf.at};
    }
}

// ObjectParser.ValueType, as the set of tokens a field accepts.
enum class vt {
    string,
    string_or_null,
    boolean,
    long_,
    int_,
    object,
    object_or_null,
    object_array,
    object_or_string,
    value,
    value_object_array,
    string_array,
};

bool accepts(vt t, const json::value& v) {
    const bool str = v.is_string();
    const bool num = v.is_number();
    const bool null = v.is_null();
    switch (t) {
        case vt::string:
            return str;
        case vt::string_or_null:
            return str || null;
        case vt::boolean:
            return v.is_bool() || str;
        case vt::long_:
        case vt::int_:
            return num || str;
        case vt::object:
            return v.is_object();
        case vt::object_or_null:
            return v.is_object() || null;
        case vt::object_array:
            return v.is_object() || v.is_array();
        case vt::object_or_string:
            return v.is_object() || str;
        case vt::value:
            return !v.is_object() && !v.is_array();
        case vt::value_object_array:
            return true;
        case vt::string_array:
            return v.is_array() || str;
    }
    return false;
}

struct field_spec {
    std::string_view name;
    vt type;
    bool required = false;  // a required constructor argument
    // Parses the value further (enum names, nested objects); may be empty.
    std::function<void(const json::value&, const jpath&)> parse = {};
};

// ConstructingObjectParser over `o` (at `at` in the body): unknown fields (unless lenient),
// unsupported token types, the fields' own parsers (wrapped as ES wraps them) in document order,
// then "Required [...]" for missing required fields.
void parse_object(std::string_view parser, bool lenient, const json::object& o, const jpath& at,
                  const std::vector<field_spec>& fields) {
    std::vector<std::string> names;
    for (const auto& f : fields)
        names.emplace_back(f.name);
    for (const auto& member : o) {
        // Named, not bound: clang 14 (the fuzz build) cannot capture structured bindings.
        const auto& k = member.key();
        const auto& v = member.value();
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const field_spec& f) { return f.name == std::string_view(k); });
        if (it == fields.end()) {
            if (lenient)
                continue;
            fail_xcp(location(at / k, token_at::key), "[" + std::string(parser) +
                                                          "] unknown field [" + std::string(k) +
                                                          "]" + did_you_mean(k, names));
        }
        const jpath here = at / k;
        if (!accepts(it->type, v)) {
            fail_xcp(location(here, token_at::value),
                     "[" + std::string(parser) + "] " + std::string(k) +
                         " doesn't support values of type: " + std::string(token_name(v)));
        }
        if (it->parse) {
            wrap_field(parser, k, [&] { it->parse(v, here); });
        }
    }
    std::string missing;
    for (const auto& f : fields) {
        if (f.required && !o.contains(f.name))
            missing += (missing.empty() ? "" : ", ") + std::string(f.name);
    }
    if (!missing.empty())
        fail_iae(location(at, token_at::end), "Required [" + missing + "]");
}

// Runs a request parser over the body: parse failures become the es_error ES answers.
template <class F>
void run_parser(F&& f) {
    try {
        f();
    } catch (parse_failure& pf) {
        throw std::move(pf.err);
    }
}

// Sets the body text for location() when the caller (a unit test) did not.
struct text_for {
    std::string text;
    std::optional<body_text_scope> scope;
    explicit text_for(const json::object& body) {
        if (tl_body_text.empty()) {
            text = json::serialize(body);
            scope.emplace(text);
        }
    }
};

// Field value parsers shared by several requests.
void parse_boolean(const json::value& v, const jpath& at) {
    if (v.is_string() && v.get_string() != "true" && v.get_string() != "false") {
        fail_iae(location(at, token_at::value), "Failed to parse value [" +
                                                    std::string(v.get_string()) +
                                                    "] as only [true] or [false] are allowed.");
    }
}

void parse_number(const json::value& v, const jpath& at) {
    if (v.is_string()) {
        std::string_view s = v.get_string();
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || p != s.data() + s.size()) {
            fail_as(location(at, token_at::value), "number_format_exception",
                    "For input string: \"" + std::string(s) + "\"");
        }
    }
}

// DateTimeFormatter.ISO_INSTANT: yyyy-MM-ddTHH:mm:ss[.f{0,9}](Z|+hh:mm); "Text '...' could not be
// parsed at index N" where it stops matching.
void parse_instant(const json::value& v, const jpath& at, std::string_view field) {
    if (!v.is_string()) {
        if (v.is_number())
            return;  // epoch millis
        fail_iae(location(at, token_at::value), "unexpected token [" + std::string(token_name(v)) +
                                                    "] for [" + std::string(field) + "]");
    }
    std::string_view s = v.get_string();
    auto digits = [&](std::size_t pos, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) {
            if (pos + k >= s.size() || s[pos + k] < '0' || s[pos + k] > '9')
                return false;
        }
        return true;
    };
    auto bad = [&](std::size_t index) {
        fail_as(
            location(at, token_at::value), "date_time_parse_exception",
            "Text '" + std::string(s) + "' could not be parsed at index " + std::to_string(index));
    };
    std::size_t pos = 0;
    if (!digits(0, 4))
        bad(0);
    pos = 4;
    for (auto [sep, width] : {std::pair{'-', 2}, {'-', 2}, {'T', 2}, {':', 2}, {':', 2}}) {
        if (pos >= s.size() || (s[pos] != sep && !(sep == 'T' && s[pos] == 't')))
            bad(pos);
        if (!digits(pos + 1, static_cast<std::size_t>(width)))
            bad(pos + 1);
        pos += 1 + static_cast<std::size_t>(width);
    }
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 9)
            ++pos;
    }
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') && digits(pos + 1, 2) &&
               pos + 3 < s.size() && s[pos + 3] == ':' && digits(pos + 4, 2)) {
        pos += 6;
    } else {
        bad(pos);
    }
    if (pos != s.size()) {
        fail_as(location(at, token_at::value), "date_time_parse_exception",
                "Text '" + std::string(s) + "' could not be parsed, unparsed text found at index " +
                    std::to_string(pos));
    }
}

// An enum parsed from text: IllegalArgumentException "Unknown <Class> [value]." otherwise.
// Most compare the enum's name ignoring the case; FilteringRuleCondition its value exactly.
std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::function<void(const json::value&, const jpath&)> enum_of(
    std::string_view java_class, std::initializer_list<std::string_view> names, bool exact = false,
    bool null_is_unknown = false) {
    std::vector<std::string> allowed(names.begin(), names.end());
    std::string cls(java_class);
    return [allowed, cls, exact, null_is_unknown](const json::value& v, const jpath& at) {
        if (v.is_null() && !null_is_unknown)
            return;
        std::string_view s = v.is_null() ? std::string_view("null") : v.get_string();
        std::string key = exact ? std::string(s) : lower(s);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            fail_iae(location(at, token_at::value),
                     "Unknown " + cls + " [" + std::string(s) + "].");
    };
}

const std::initializer_list<std::string_view> sync_statuses = {
    "canceling", "canceled", "completed", "error", "in_progress", "pending", "suspended"};

[[noreturn]] void validation_failed(const std::vector<std::string>& messages) {
    std::string reason = "Validation Failed: ";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        reason += std::to_string(i + 1) + ": " + messages[i] + ";";
    }
    throw es_error(400, "action_request_validation_exception", std::move(reason));
}

[[noreturn]] void status_exception(std::string reason) {
    throw es_error(400, "status_exception", std::move(reason));
}

std::string_view string_or_empty(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::value* non_null(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

std::int64_t to_long(const json::value& v) {
    if (v.is_string()) {
        std::int64_t n = 0;
        std::string_view s = v.get_string();
        std::from_chars(s.data(), s.data() + s.size(), n);
        return n;
    }
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64())
        return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double())
        return static_cast<std::int64_t>(v.get_double());
    return 0;
}

bool to_bool(const json::value& v) {
    return v.is_bool() ? v.get_bool() : v.is_string() && v.get_string() == "true";
}

// MetadataCreateIndexService.validateIndexOrAliasName, as InvalidIndexNameException.toString()
// (what the connector requests add as a validation message). It does not check the case.
std::optional<std::string> invalid_index_name(std::string_view name) {
    auto wrap = [&](const std::string& why) {
        return "[" + std::string(name) + "] InvalidIndexNameException[Invalid index name [" +
               std::string(name) + "], " + why + "]";
    };
    constexpr std::string_view forbidden = "\\/*?\"<>| ,";
    if (name.find_first_of(forbidden) != std::string_view::npos) {
        return wrap(
            "must not contain the following characters [' "
            "','\"','*',',','/','<','>','?','\\','|']");
    }
    if (name.empty()) {
        return wrap("must not be empty");
    }
    if (name.find('#') != std::string_view::npos) {
        return wrap("must not contain '#'");
    }
    if (name.find(':') != std::string_view::npos) {
        return wrap("must not contain ':'");
    }
    if (name[0] == '_' || name[0] == '-' || name[0] == '+') {
        return wrap("must not start with '_', '-', or '+'");
    }
    if (name.size() > 255) {
        return wrap("index name is too long, (" + std::to_string(name.size()) + " > 255)");
    }
    if (name == "." || name == "..") {
        return wrap("must not be '.' or '..'");
    }
    return std::nullopt;
}

// What ES's Cron (a Quartz port) says of an expression it refuses; nullopt when it compiles.
// Checks the field count, numeric ranges and the day-of-month / day-of-week '?' rule.
std::optional<std::string> cron_error(std::string_view expression) {
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < expression.size()) {
        while (i < expression.size() && (expression[i] == ' ' || expression[i] == '\t'))
            ++i;
        std::size_t start = i;
        while (i < expression.size() && expression[i] != ' ' && expression[i] != '\t')
            ++i;
        if (i > start)
            fields.emplace_back(expression.substr(start, i - start));
    }
    if (fields.size() < 6)
        return "Unexpected end of expression.";
    struct range {
        int lo, hi;
        const char* message;
    };
    const range ranges[] = {
        {0, 59, "Minute and Second values must be between 0 and 59"},
        {0, 59, "Minute and Second values must be between 0 and 59"},
        {0, 23, "Hour values must be between 0 and 23"},
        {1, 31, "Day of month values must be between 1 and 31"},
        {1, 12, "Month values must be between 1 and 12"},
        {1, 7, "Day-of-Week values must be between 1 and 7"},
        {1970, 2199, "Start year must be less than stop year"},
    };
    for (std::size_t f = 0; f < fields.size() && f < 7; ++f) {
        const std::string& field = fields[f];
        // Every number before a '/' must be in range (what follows '/' is an increment).
        std::size_t p = 0;
        bool after_slash = false;
        while (p < field.size()) {
            char c = field[p];
            if (c >= '0' && c <= '9') {
                int n = 0;
                while (p < field.size() && field[p] >= '0' && field[p] <= '9')
                    n = n * 10 + (field[p++] - '0');
                if (!after_slash && f < 6 && (n < ranges[f].lo || n > ranges[f].hi))
                    return std::string(ranges[f].message);
                continue;
            }
            if (c == '/')
                after_slash = true;
            if (c == ',')
                after_slash = false;
            ++p;
        }
    }
    const bool dom_any = fields[3] == "?";
    const bool dow_any = fields[5] == "?";
    if (dom_any == dow_any) {
        return "Support for specifying both a day-of-week AND a day-of-month parameter is not "
               "implemented.";
    }
    return std::nullopt;
}
json::object default_rule(std::string_view now) {
    return {{"created_at", now},   {"field", "_"},    {"id", "DEFAULT"},   {"order", 0},
            {"policy", "include"}, {"rule", "regex"}, {"updated_at", now}, {"value", ".*"}};
}

json::object default_filtering_rules(std::string_view now) {
    return {{"advanced_snippet",
             json::object{{"created_at", now}, {"updated_at", now}, {"value", json::object{}}}},
            {"rules", json::array{default_rule(now)}},
            {"validation", json::object{{"errors", json::array{}}, {"state", "valid"}}}};
}

json::object default_scheduling() {
    auto off = [] { return json::object{{"enabled", false}, {"interval", "0 0 0 * * ?"}}; };
    return {{"access_control", off()}, {"full", off()}, {"incremental", off()}};
}

json::object default_pipeline() {
    return {{"extract_binary_content", true},
            {"name", "search-default-ingestion"},
            {"reduce_whitespace", true},
            {"run_ml_inference", true}};
}

// The single DEFAULT filtering entry; connectors written by older tools may lack it.
json::object& filtering_entry(json::object& connector, std::string_view connector_id_hint = {}) {
    json::value* f = connector.if_contains("filtering");
    if (!f || !f->is_array() || f->get_array().empty() || !f->get_array()[0].is_object()) {
        throw es_error(
            400, "status_exception",
            "Connector" +
                (connector_id_hint.empty() ? std::string()
                                           : " [" + std::string(connector_id_hint) + "]") +
                " has no [filtering] configuration");
    }
    return f->get_array()[0].get_object();
}

json::object& rules_of(json::object& entry, std::string_view which) {
    json::value& v = entry[which];
    if (!v.is_object()) {
        v = json::object{};
    }
    return v.get_object();
}

// ConnectorStateMachine.
bool connector_transition_ok(std::string_view from, std::string_view to) {
    if (from == "created") {
        return to == "needs_configuration" || to == "error";
    }
    if (from == "needs_configuration") {
        return to == "configured" || to == "error";
    }
    if (from == "configured") {
        return to == "needs_configuration" || to == "configured" || to == "connected" ||
               to == "error";
    }
    if (from == "connected") {
        return to == "configured" || to == "connected" || to == "error";
    }
    if (from == "error") {
        return to == "connected" || to == "configured" || to == "error";
    }
    return false;
}

bool is_sync_status(std::string_view s) {
    return s == "canceling" || s == "canceled" || s == "completed" || s == "error" ||
           s == "in_progress" || s == "pending" || s == "suspended";
}

bool is_job_type(std::string_view s) {
    return s == "full" || s == "incremental" || s == "access_control";
}

// ConnectorSyncJobStateMachine.
bool job_transition_ok(std::string_view from, std::string_view to) {
    if (from == "pending") {
        return to == "in_progress" || to == "canceled";
    }
    if (from == "in_progress") {
        return to == "canceling" || to == "completed" || to == "suspended" || to == "error";
    }
    if (from == "suspended") {
        return to == "in_progress" || to == "canceled";
    }
    if (from == "canceling") {
        return to == "canceled" || to == "error";
    }
    return false;
}

// ES words connector and sync-job transition errors slightly differently.
[[noreturn]] void invalid_transition(std::string_view from, std::string_view to,
                                     bool sync_job = false) {
    status_exception("Invalid transition attempt from [" + std::string(from) + "] to [" +
                     std::string(to) + "]. Such a " +
                     (sync_job ? "ConnectorSyncStatus transition" : "status transition") +
                     " is not supported by the Connector Protocol.");
}

json::object view(std::string_view id, const json::object& source) {
    json::object out;
    out.reserve(source.size() + 1);
    out["id"] = id;
    for (const auto& [k, v] : source) {
        if (k != "id") {
            out[k] = v;
        }
    }
    return out;
}

std::int64_t int_param(const url_params& params, std::string_view key, std::int64_t dflt) {
    auto it = params.find(key);
    if (it == params.end() || it->second.empty()) {
        return dflt;
    }
    return int_parameter(key, it->second);
}

std::vector<std::string> list_param(const url_params& params, std::string_view key) {
    std::vector<std::string> out;
    auto it = params.find(key);
    if (it == params.end()) {
        return out;
    }
    std::string_view s = it->second;
    while (!s.empty()) {
        auto comma = s.find(',');
        std::string_view item = s.substr(0, comma);
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        s.remove_prefix(comma + 1);
    }
    return out;
}

// PageParams' checks (IllegalArgumentException), then the search's result window.
std::pair<std::size_t, std::size_t> page(const url_params& params) {
    const std::int64_t from = int_param(params, "from", 0);
    const std::int64_t size = int_param(params, "size", 100);
    if (from < 0) {
        throw es_error(400, "illegal_argument_exception", "Parameter [from] cannot be < 0");
    }
    if (size < 0) {
        throw es_error(400, "illegal_argument_exception", "Parameter [size] cannot be < 0");
    }
    if (from + size > 10000) {
        es_error window(400, "illegal_argument_exception",
                        "Result window is too large, from + size must be less than or equal to: "
                        "[10000] but was [" +
                            std::to_string(from + size) +
                            "]. See the scroll api for a more efficient way to request large "
                            "data sets. This limit can be set by changing the "
                            "[index.max_result_window] index level setting.");
        es_error e(400, "search_phase_execution_exception", "all shards failed",
                   json::object{{"phase", "query"}, {"grouped", true}});
        e.caused_by(window.as_cause());
        throw e;
    }
    return {static_cast<std::size_t>(from), static_cast<std::size_t>(size)};
}

bool bool_param(const url_params& params, std::string_view key) {
    auto it = params.find(key);
    if (it == params.end()) {
        return false;
    }
    if (it->second.empty() || it->second == "true") {
        return true;
    }
    if (it->second == "false") {
        return false;
    }
    throw es_error(
        400, "illegal_argument_exception",
        "Failed to parse value [" + it->second + "] as only [true] or [false] are allowed.");
}

bool in_list(const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

json::object page_result(std::vector<const stored_doc*> hits, std::size_t from, std::size_t size) {
    json::array results;
    for (std::size_t i = from; i < hits.size() && i < from + size; ++i) {
        results.emplace_back(view(hits[i]->id, *hits[i]->source));
    }
    return {{"count", hits.size()}, {"results", std::move(results)}};
}

// ---- the request parsers ------------------------------------------------------------------

std::vector<field_spec> put_connector_fields() {
    return {{"description", vt::string},
            {"index_name", vt::string_or_null},
            {"is_native", vt::boolean, false, parse_boolean},
            {"language", vt::string},
            {"name", vt::string},
            {"service_type", vt::string}};
}

// ConnectorScheduling ("connector_scheduling", lenient): each schedule a "schedule_config"
// (lenient; enabled and interval required), whose builder compiles the cron expression.
void parse_scheduling(const json::value& v, const jpath& at) {
    auto schedule = [](const json::value& sv, const jpath& sat) {
        const json::object& o = sv.get_object();
        parse_object(
            "schedule_config", true, o, sat,
            {{"enabled", vt::boolean, true, parse_boolean}, {"interval", vt::string, true}});
        // The builder runs when the last of the two arrives; ES reports that token's place.
        std::string last;
        for (const auto& [k, val] : o) {
            if (k == "enabled" || k == "interval")
                last = k;
        }
        std::string where = location(sat / last, token_at::value);
        std::string_view cron = o.at("interval").get_string();
        if (auto why = cron_error(cron)) {
            es_error inner(400, "parse_exception", *why);
            es_error outer(400, "parse_exception",
                           "invalid cron expression [" + std::string(cron) + "]");
            outer.caused_by(inner.as_cause());
            es_error built(400, "x_content_parse_exception",
                           "Failed to build [schedule_config] after last required field arrived");
            built.caused_by(outer.as_cause());
            // It runs inside the last field's parser, which wraps it.
            es_error field(
                400, "x_content_parse_exception",
                "[" + where + "] [schedule_config] failed to parse field [" + last + "]");
            field.caused_by(built.as_cause());
            throw parse_failure{std::move(field), where};
        }
    };
    parse_object("connector_scheduling", true, v.get_object(), at,
                 {{"access_control", vt::object, false, schedule},
                  {"full", vt::object, false, schedule},
                  {"incremental", vt::object, false, schedule}});
}

void parse_filtering_rule(const json::value& v, const jpath& at) {
    parse_object(
        "connector_filtering_rule", true, v.get_object(), at,
        {{"created_at", vt::string, false,
          [](const json::value& x, const jpath& p) { parse_instant(x, p, "created_at"); }},
         {"field", vt::string, true},
         {"id", vt::string, true},
         {"order", vt::int_, true, parse_number},
         {"policy", vt::string, true, enum_of("FilteringPolicy", {"exclude", "include"})},
         {"rule", vt::string, true,
          enum_of("FilteringRuleCondition",
                  {"contains", "ends_with", "equals", "regex", "starts_with", ">", "<"}, true)},
         {"updated_at", vt::string, false,
          [](const json::value& x, const jpath& p) { parse_instant(x, p, "updated_at"); }},
         {"value", vt::string, true}});
}

void parse_rules(const json::value& v, const jpath& at) {
    if (!v.is_array()) {
        parse_filtering_rule(v, at);
        return;
    }
    const json::array& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_object()) {
            fail_xcp(location(at / i, token_at::value),
                     "[connector_filtering_rule] Expected START_OBJECT but was: " +
                         std::string(token_name(a[i])));
        }
        parse_filtering_rule(a[i], at / i);
    }
}

void parse_advanced_snippet(const json::value& v, const jpath& at) {
    parse_object("connector_filtering_advanced_snippet", true, v.get_object(), at,
                 {{"created_at", vt::string, false,
                   [](const json::value& x, const jpath& p) { parse_instant(x, p, "created_at"); }},
                  {"updated_at", vt::string, false,
                   [](const json::value& x, const jpath& p) { parse_instant(x, p, "updated_at"); }},
                  {"value", vt::object_array, true}});
}

void parse_validation_info(const json::value& v, const jpath& at) {
    auto errors = [](const json::value& ev, const jpath& eat) {
        if (!ev.is_array())
            return;
        const json::array& a = ev.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_object()) {
                fail_xcp(location(eat / i, token_at::value),
                         "[filtering_validation] Expected START_OBJECT but was: " +
                             std::string(token_name(a[i])));
            }
            parse_object("filtering_validation", true, a[i].get_object(), eat / i,
                         {{"ids", vt::string_array, true}, {"messages", vt::string_array, true}});
        }
    };
    parse_object("filtering_validation_info", true, v.get_object(), at,
                 {{"errors", vt::object_array, true, errors},
                  {"state", vt::string, true,
                   enum_of("FilteringValidationState", {"edited", "invalid", "valid"})}});
}

void parse_connector_filtering(const json::value& v, const jpath& at) {
    auto rules = [](const json::value& rv, const jpath& rat) {
        parse_object("connector_filtering_rules", true, rv.get_object(), rat,
                     {{"advanced_snippet", vt::object, true, parse_advanced_snippet},
                      {"rules", vt::object_array, true, parse_rules},
                      {"validation", vt::object, true, parse_validation_info}});
    };
    auto one = [&](const json::value& fv, const jpath& fat) {
        parse_object("connector_filtering", true, fv.get_object(), fat,
                     {{"active", vt::object, true, rules},
                      {"domain", vt::string, true},
                      {"draft", vt::object, true, rules}});
    };
    if (v.is_array()) {
        const json::array& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_object()) {
                fail_xcp(location(at / i, token_at::value),
                         "[connector_filtering] Expected START_OBJECT but was: " +
                             std::string(token_name(a[i])));
            }
            one(a[i], at / i);
        }
    } else {
        one(v, at);
    }
}

void parse_object_list(std::string_view parser, const json::value& v, const jpath& at,
                       const std::vector<field_spec>& fields) {
    if (v.is_array()) {
        const json::array& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_object()) {
                fail_xcp(location(at / i, token_at::value),
                         "[" + std::string(parser) +
                             "] Expected START_OBJECT but was: " + std::string(token_name(a[i])));
            }
            parse_object(parser, true, a[i].get_object(), at / i, fields);
        }
    } else {
        parse_object(parser, true, v.get_object(), at, fields);
    }
}

// One entry of a connector's configuration ("connector_configuration", lenient).
void parse_configuration_entry(const json::value& v, const jpath& at) {
    if (!v.is_object()) {
        fail_xcp(location(at, token_at::value),
                 "[connector_configuration] Expected START_OBJECT but was: " +
                     std::string(token_name(v)));
    }
    auto value_like = [](const json::value& x, const jpath& p) {
        if (x.is_array())
            fail_xcp(location(p, token_at::value), "Unsupported token [START_ARRAY]");
    };
    auto constraint = [](const json::value& x, const jpath& p) {
        if (!x.is_string() && !x.is_number() && !x.is_array())
            fail_as(location(p, token_at::value), "x_content_parse_exception",
                    "Unsupported token [" + std::string(token_name(x)) + "]");
    };
    // ConfigurationDisplayType and ConfigurationValidationType compare names ignoring the case,
    // ConfigurationFieldType its values exactly.
    // display: null reaches displayType(null), which knows no such name.
    auto display =
        enum_of("ConfigurationDisplayType",
                {"text", "textbox", "textarea", "numeric", "toggle", "dropdown"}, false, true);
    auto field_type = enum_of("ConfigurationFieldType", {"str", "int", "list", "bool"}, true);
    auto validation_type =
        enum_of("ConfigurationValidationType",
                {"less_than", "greater_than", "list_type", "included_in", "regex"});
    auto validations = [&](const json::value& x, const jpath& p) {
        parse_object_list("connector_configuration_validation", x, p,
                          {{"constraint", vt::value_object_array, true, constraint},
                           {"type", vt::string, true, validation_type}});
    };
    auto depends_on = [](const json::value& x, const jpath& p) {
        parse_object_list("connector_configuration_dependency", x, p,
                          {{"field", vt::string, true}, {"value", vt::value, true}});
    };
    auto options = [](const json::value& x, const jpath& p) {
        parse_object_list("connector_configuration_select_option", x, p,
                          {{"label", vt::string, true}, {"value", vt::value, true}});
    };
    parse_object("connector_configuration", true, v.get_object(), at,
                 {{"category", vt::string},
                  {"default_value", vt::value},
                  {"depends_on", vt::object_array, false, depends_on},
                  {"display", vt::string_or_null, false, display},
                  {"label", vt::string, true},
                  {"options", vt::object_array, false, options},
                  {"order", vt::int_, false, parse_number},
                  {"placeholder", vt::string_or_null},
                  {"required", vt::boolean, false, parse_boolean},
                  {"sensitive", vt::boolean, false, parse_boolean},
                  {"tooltip", vt::string_or_null},
                  {"type", vt::string_or_null, false, field_type},
                  {"ui_restrictions", vt::string_array},
                  {"validations", vt::object_array, false, validations},
                  {"value", vt::value_object_array, false, value_like}});
}

std::vector<std::string> check_connector_fields(std::string_view api, const json::object& body) {
    std::vector<std::string> errors;
    const jpath root;
    auto instant = [](std::string_view field) {
        std::string f(field);
        return [f](const json::value& x, const jpath& p) {
            if (!x.is_null())
                parse_instant(x, p, f);
        };
    };
    if (api.empty()) {
        parse_object("connector_put_request", false, body, root, put_connector_fields());
        const json::value* index_name = non_null(body, "index_name");
        if (index_name) {
            if (auto why = invalid_index_name(index_name->get_string()))
                errors.push_back(*why);
        }
        const json::value* native = body.if_contains("is_native");
        if (native && to_bool(*native) && index_name) {
            std::string name(index_name->get_string());
            if (!name.starts_with(managed_index_prefix)) {
                errors.push_back("Index [" + name +
                                 "] is invalid. Index attached to an Elastic-managed connector "
                                 "must start with the prefix: [" +
                                 std::string(managed_index_prefix) + "]");
            }
        }
    } else if (api == "_name") {
        parse_object("connector_update_name_request", false, body, root,
                     {{"name", vt::string_or_null}, {"description", vt::string_or_null}});
        if (!non_null(body, "name") && !non_null(body, "description")) {
            errors.emplace_back(
                "[name] and [description] cannot both be [null]. Please provide a value for at "
                "least one of them.");
        }
    } else if (api == "_api_key_id") {
        parse_object(
            "connector_update_api_key_id_request", false, body, root,
            {{"api_key_id", vt::string_or_null}, {"api_key_secret_id", vt::string_or_null}});
        if (!non_null(body, "api_key_id") && !non_null(body, "api_key_secret_id")) {
            errors.emplace_back(
                "[api_key_id] and [api_key_secret_id] cannot both be [null]. Please provide a "
                "value for at least one of them.");
        }
    } else if (api == "_configuration") {
        auto entries = [](const json::value& x, const jpath& p) {
            for (const auto& [k, e] : x.get_object())
                parse_configuration_entry(e, p / k);
        };
        parse_object(
            "connector_update_configuration_request", false, body, root,
            {{"configuration", vt::object, false, entries}, {"values", vt::value_object_array}});
        const bool has_config = non_null(body, "configuration") != nullptr;
        const bool has_values = non_null(body, "values") != nullptr;
        if (!has_config && !has_values)
            errors.emplace_back("[configuration] and [values] cannot both be null.");
        if (has_config && has_values) {
            errors.emplace_back(
                "[configuration] and [values] cannot both be provided in the same request.");
        }
    } else if (api == "_error") {
        parse_object("connector_update_error_request", false, body, root,
                     {{"error", vt::string_or_null, true}});
    } else if (api == "_features") {
        auto flag = [](const json::value& x, const jpath& p) {
            parse_object("connector_feature_enabled", true, x.get_object(), p,
                         {{"enabled", vt::boolean, false, parse_boolean}});
        };
        auto sync_rules = [flag](const json::value& x, const jpath& p) {
            parse_object(
                "sync_rules_features", true, x.get_object(), p,
                {{"advanced", vt::object, false, flag}, {"basic", vt::object, false, flag}});
        };
        auto features = [flag, sync_rules](const json::value& x, const jpath& p) {
            parse_object("connector_features", true, x.get_object(), p,
                         {{"document_level_security", vt::object, false, flag},
                          {"incremental_sync", vt::object, false, flag},
                          {"native_connector_api_keys", vt::object, false, flag},
                          {"sync_rules", vt::object, false, sync_rules}});
        };
        parse_object("connector_update_features_request", false, body, root,
                     {{"features", vt::object, true, features}});
    } else if (api == "_filtering") {
        parse_object("connector_update_filtering_request", false, body, root,
                     {{"filtering", vt::object_array, false, parse_connector_filtering},
                      {"advanced_snippet", vt::object, false, parse_advanced_snippet},
                      {"rules", vt::object_array, false, parse_rules}});
        const bool has_rules = non_null(body, "rules") != nullptr;
        const bool has_snippet = non_null(body, "advanced_snippet") != nullptr;
        if (!non_null(body, "filtering")) {
            if (!has_rules && !has_snippet)
                errors.emplace_back("[advanced_snippet] and [rules] cannot be both [null].");
        } else if (has_rules || has_snippet) {
            errors.emplace_back(
                "If [filtering] is specified, [rules] and [advanced_snippet] should not be present "
                "in the request body.");
        }
    } else if (api == "_filtering/_validation") {
        parse_object("connector_update_filtering_validation", false, body, root,
                     {{"validation", vt::object, true, parse_validation_info}});
    } else if (api == "_index_name") {
        parse_object("connector_update_index_name_request", false, body, root,
                     {{"index_name", vt::string_or_null, true}});
        if (const json::value* n = non_null(body, "index_name")) {
            if (auto why = invalid_index_name(n->get_string()))
                errors.push_back(*why);
        }
    } else if (api == "_native") {
        parse_object("connector_update_native_request", false, body, root,
                     {{"is_native", vt::boolean, true, parse_boolean}});
    } else if (api == "_pipeline") {
        auto pipeline = [](const json::value& x, const jpath& p) {
            parse_object("ingest_pipeline_params", true, x.get_object(), p,
                         {{"extract_binary_content", vt::boolean, true, parse_boolean},
                          {"name", vt::string, true},
                          {"reduce_whitespace", vt::boolean, true, parse_boolean},
                          {"run_ml_inference", vt::boolean, true, parse_boolean}});
        };
        parse_object("connector_update_pipeline_request", false, body, root,
                     {{"pipeline", vt::object, true, pipeline}});
    } else if (api == "_scheduling") {
        parse_object("connector_update_scheduling_request", false, body, root,
                     {{"scheduling", vt::object, true, parse_scheduling}});
        const json::object& s = body.at("scheduling").get_object();
        // ES tests [full] and [incremental] (the latter twice): access_control alone fails too.
        if (!non_null(s, "full") && !non_null(s, "incremental")) {
            errors.emplace_back(
                "[scheduling] object needs to define at least one schedule type: [full | "
                "incremental | access_control]");
        }
    } else if (api == "_service_type") {
        parse_object("connector_update_service_type_request", false, body, root,
                     {{"service_type", vt::string, true}});
        if (string_or_empty(body, "service_type").empty())
            errors.emplace_back("[service_type] cannot be [null] or [\"\"].");
    } else if (api == "_status") {
        parse_object("connector_update_status_request", false, body, root,
                     {{"status", vt::string, true,
                       enum_of("ConnectorStatus", {"created", "needs_configuration", "configured",
                                                   "connected", "error"})}});
    } else if (api == "_last_sync") {
        auto status = enum_of("ConnectorSyncStatus", sync_statuses);
        parse_object("connector_update_last_sync_stats_request", false, body, root,
                     {{"last_access_control_sync_error", vt::string_or_null},
                      {"last_access_control_sync_scheduled_at", vt::string_or_null, false,
                       instant("last_access_control_sync_scheduled_at")},
                      {"last_access_control_sync_status", vt::string_or_null, false, status},
                      {"last_deleted_document_count", vt::long_, false, parse_number},
                      {"last_incremental_sync_scheduled_at", vt::string_or_null, false,
                       instant("last_incremental_sync_scheduled_at")},
                      {"last_indexed_document_count", vt::long_, false, parse_number},
                      {"last_sync_error", vt::string_or_null},
                      {"last_sync_scheduled_at", vt::string_or_null, false,
                       instant("last_sync_scheduled_at")},
                      {"last_sync_status", vt::string_or_null, false, status},
                      {"last_synced", vt::string_or_null, false, instant("last_synced")},
                      {"sync_cursor", vt::object_or_null}});
    }
    return errors;
}

std::vector<std::string> check_sync_job_fields(std::string_view api, const json::object& body) {
    std::vector<std::string> errors;
    const jpath root;
    if (api == "_sync_job") {
        parse_object(
            "connector_sync_job_post_request", false, body, root,
            {{"id", vt::string, true}, {"job_type", vt::string}, {"trigger_method", vt::string}});
        // The builder turns the names into enums once every argument is in.
        auto check_enum = [&](std::string_view field, std::string_view cls,
                              std::initializer_list<std::string_view> names) {
            const json::value* v = body.if_contains(field);
            if (!v)
                return;
            std::string_view s = v->get_string();
            if (std::find(names.begin(), names.end(), s) == names.end()) {
                es_error cause(400, "illegal_argument_exception",
                               "Unknown " + std::string(cls) + " [" + std::string(s) + "].");
                es_error e(400, "x_content_parse_exception",
                           "Failed to build [connector_sync_job_post_request] after last "
                           "required field arrived");
                e.caused_by(cause.as_cause());
                // With all three fields given it runs inside the last one's parser, which wraps
                // it; otherwise at the end of the object, unwrapped.
                std::string last;
                for (const auto& [k, val] : body)
                    last = k;
                if (body.contains("id") && body.contains("job_type") &&
                    body.contains("trigger_method")) {
                    std::string where = location(jpath{} / last, token_at::value);
                    es_error wrapped(400, "x_content_parse_exception",
                                     "[" + where +
                                         "] [connector_sync_job_post_request] failed to parse "
                                         "field [" +
                                         last + "]");
                    wrapped.caused_by(e.as_cause());
                    throw parse_failure{std::move(wrapped), where};
                }
                throw parse_failure{std::move(e), "1:1"};
            }
        };
        check_enum("job_type", "ConnectorSyncJobType", {"full", "incremental", "access_control"});
        check_enum("trigger_method", "ConnectorSyncJobTriggerMethod", {"on_demand", "scheduled"});
        if (string_or_empty(body, "id").empty())
            errors.emplace_back("[id] of the connector cannot be null or empty.");
    } else if (api == "_claim") {
        parse_object("claim_connector_sync_job", false, body, root,
                     {{"worker_hostname", vt::string, true}, {"sync_cursor", vt::object}});
    } else if (api == "_stats") {
        parse_object(
            "connector_sync_job_update_ingestion_stats", false, body, root,
            {{"deleted_document_count", vt::long_, true, parse_number},
             {"indexed_document_count", vt::long_, true, parse_number},
             {"indexed_document_volume", vt::long_, true, parse_number},
             {"total_document_count", vt::long_, false, parse_number},
             {"last_seen", vt::object_or_string, false,
              [](const json::value& x, const jpath& p) { parse_instant(x, p, "last_seen"); }},
             {"metadata", vt::object}});
        for (std::string_view k : {"deleted_document_count", "indexed_document_count",
                                   "indexed_document_volume", "total_document_count"}) {
            if (const json::value* v = body.if_contains(k); v && to_long(*v) < 0)
                errors.push_back("[" + std::string(k) + "] cannot be negative.");
        }
    } else if (api == "_error") {
        parse_object("connector_sync_job_error_request", false, body, root,
                     {{"error", vt::string, true}});
        if (string_or_empty(body, "error").empty())
            errors.emplace_back("[error] of the connector sync job cannot be null or empty");
    }
    return errors;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Body checks

body_text_scope::body_text_scope(std::string_view text) : previous_(tl_body_text) {
    tl_body_text = text;
}
body_text_scope::~body_text_scope() {
    tl_body_text = previous_;
}

std::vector<std::string> check_connector_body(std::string_view api, const json::object& body) {
    text_for text(body);
    std::vector<std::string> errors;
    run_parser([&] { errors = check_connector_fields(api, body); });
    return errors;
}

std::vector<std::string> check_sync_job_body(std::string_view api, const json::object& body) {
    text_for text(body);
    std::vector<std::string> errors;
    run_parser([&] { errors = check_sync_job_fields(api, body); });
    return errors;
}

void check_known_fields(std::string_view body_text, const json::object& body,
                        std::string_view parser, const std::vector<std::string_view>& known) {
    for (const auto& member : body) {
        const std::string_view k = member.key();
        if (std::find(known.begin(), known.end(), k) != known.end())
            continue;
        body_text_scope scope(body_text);
        std::vector<std::string> names(known.begin(), known.end());
        run_parser([&] {
            fail_xcp(location(jpath{} / k, token_at::key),
                     "[" + std::string(parser) + "] unknown field [" + std::string(k) + "]" +
                         did_you_mean(k, names));
        });
    }
}

void throw_if_invalid(const std::vector<std::string>& errors) {
    if (!errors.empty())
        validation_failed(errors);
}

es_error connector_not_found(std::string_view connector_id) {
    return es_error(404, "resource_not_found_exception",
                    "connector [" + std::string(connector_id) + "] not found");
}

es_error sync_job_not_found(std::string_view job_id) {
    return es_error(404, "resource_not_found_exception",
                    "connector sync job [" + std::string(job_id) + "] not found");
}

// ---------------------------------------------------------------------------------------------
// Connectors

json::object new_connector(std::string_view id, const json::object& body, std::string_view now) {
    throw_if_invalid(check_connector_body("", body));
    (void)id;  // the id is the document _id; ES does not store it in the source
    auto opt = [&](std::string_view key) -> json::value {
        const json::value* v = non_null(body, key);
        return v ? *v : json::value(nullptr);
    };
    const bool is_native = body.contains("is_native") && to_bool(body.at("is_native"));
    json::object c;
    c["api_key_id"] = nullptr;
    c["api_key_secret_id"] = nullptr;
    c["configuration"] = json::object{};
    c["custom_scheduling"] = json::object{};
    c["description"] = opt("description");
    c["error"] = nullptr;
    c["features"] = nullptr;
    c["filtering"] = json::array{json::object{{"active", default_filtering_rules(now)},
                                              {"domain", "DEFAULT"},
                                              {"draft", default_filtering_rules(now)}}};
    c["index_name"] = opt("index_name");
    c["is_native"] = is_native;
    c["language"] = opt("language");
    c["last_access_control_sync_error"] = nullptr;
    c["last_access_control_sync_scheduled_at"] = nullptr;
    c["last_access_control_sync_status"] = nullptr;
    c["last_deleted_document_count"] = nullptr;
    c["last_incremental_sync_scheduled_at"] = nullptr;
    c["last_indexed_document_count"] = nullptr;
    c["last_seen"] = nullptr;
    c["last_sync_error"] = nullptr;
    c["last_sync_scheduled_at"] = nullptr;
    c["last_sync_status"] = nullptr;
    c["last_synced"] = nullptr;
    c["name"] = body.contains("name") ? body.at("name") : json::value("");
    c["pipeline"] = default_pipeline();
    c["scheduling"] = default_scheduling();
    c["service_type"] = opt("service_type");
    c["status"] = is_native ? "needs_configuration" : "created";
    c["sync_cursor"] = nullptr;
    c["sync_now"] = false;
    c["deleted"] = false;
    return c;
}

void check_index_name_free(std::string_view index_name, std::string_view self_id,
                           const std::vector<stored_doc>& connectors) {
    for (const auto& d : connectors) {
        if (d.id == self_id || !d.source) {
            continue;
        }
        const json::value* deleted = d.source->if_contains("deleted");
        if (deleted && deleted->is_bool() && deleted->get_bool()) {
            continue;
        }
        if (string_or_empty(*d.source, "index_name") == index_name) {
            status_exception("Index name [" + std::string(index_name) +
                             "] is used by another connector.");
        }
    }
}

json::object connector_view(std::string_view id, const json::object& source, bool include_deleted) {
    const json::value* deleted = source.if_contains("deleted");
    if (!include_deleted && deleted && deleted->is_bool() && deleted->get_bool()) {
        throw connector_not_found(id);
    }
    return view(id, source);
}

bool is_soft_deleted(const json::object& connector) {
    const json::value* d = connector.if_contains("deleted");
    return d && d->is_bool() && d->get_bool();
}

bool connector_api_reads_connector(std::string_view api, const json::object& body) {
    if (api == "_filtering")
        return non_null(body, "filtering") == nullptr;  // the full list is a plain update
    return api == "_configuration" || api == "_filtering/_validation" ||
           api == "_filtering/_activate" || api == "_native" || api == "_index_name" ||
           api == "_service_type" || api == "_status";
}

void apply_check_in(json::object& connector, std::string_view now) {
    connector["last_seen"] = now;
}

json::object normalized_configuration_entry(const json::object& e) {
    // ConnectorConfiguration.toMap(): known fields only, with the always-written ones.
    json::object out;
    auto copy_if = [&](std::string_view k) {
        if (const json::value* v = non_null(e, k))
            out[k] = *v;
    };
    copy_if("category");
    out["default_value"] = e.contains("default_value") ? e.at("default_value") : nullptr;
    copy_if("depends_on");
    if (const json::value* d = non_null(e, "display")) {
        std::string s(d->get_string());
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out["display"] = s;
    }
    out["label"] = e.contains("label") ? e.at("label") : nullptr;
    copy_if("options");
    if (const json::value* o = non_null(e, "order"))
        out["order"] = to_long(*o);
    copy_if("placeholder");
    out["required"] = e.contains("required") && to_bool(e.at("required"));
    out["sensitive"] = e.contains("sensitive") && to_bool(e.at("sensitive"));
    copy_if("tooltip");
    if (const json::value* t = non_null(e, "type")) {
        std::string s(t->get_string());
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out["type"] = s;
    }
    copy_if("ui_restrictions");
    if (const json::value* v = non_null(e, "validations"); v && v->is_array()) {
        json::array vs;
        for (const auto& x : v->get_array()) {
            const json::object& xo = x.get_object();
            std::string type(xo.at("type").get_string());
            std::transform(type.begin(), type.end(), type.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            vs.push_back(json::object{{"constraint", xo.at("constraint")}, {"type", type}});
        }
        out["validations"] = std::move(vs);
    }
    out["value"] = e.contains("value") ? e.at("value") : nullptr;
    return out;
}

void apply_configuration(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_configuration", body));
    if (const json::value* configuration = non_null(body, "configuration")) {
        json::object normalized;
        for (const auto& [k, v] : configuration->get_object())
            normalized[k] = normalized_configuration_entry(v.get_object());
        connector["configuration"] = std::move(normalized);
    } else {
        const json::value& values = body.at("values");
        json::value& existing = connector["configuration"];
        if (!existing.is_object()) {
            existing = json::object{};
        }
        json::object& config = existing.get_object();
        std::string unknown;
        if (values.is_object()) {
            for (const auto& [k, v] : values.get_object()) {
                if (!config.contains(k)) {
                    unknown += (unknown.empty() ? "" : ", ") + std::string(k);
                }
            }
        }
        if (!unknown.empty()) {
            status_exception("Unknown [configuration] fields in the request payload: [" + unknown +
                             "]. Remove them from request or register their schema first.");
        }
        if (values.is_object()) {
            for (const auto& [k, v] : values.get_object()) {
                json::value& field = config[k];
                if (!field.is_object()) {
                    field = json::object{};
                }
                field.get_object()["value"] = v;
            }
        }
    }
    connector["status"] = "configured";
}

void apply_scheduling(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_scheduling", body));
    // Only the declared schedules, each {enabled, interval}, deep-merged by the partial update.
    json::object patch;
    for (const auto& [type, spec] : body.at("scheduling").get_object()) {
        if (type != "access_control" && type != "full" && type != "incremental")
            continue;
        const json::object& s = spec.get_object();
        std::string interval(s.at("interval").get_string());
        std::transform(interval.begin(), interval.end(), interval.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        patch[type] = json::object{{"enabled", to_bool(s.at("enabled"))}, {"interval", interval}};
    }
    json::value& existing = connector["scheduling"];
    if (!existing.is_object()) {
        existing = json::object{};
    }
    deep_merge(existing.get_object(), patch);
}

void apply_status(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_status", body));
    std::string status = lower(body.at("status").get_string());
    std::string from(string_or_empty(connector, "status"));
    if (!connector_transition_ok(from, status)) {
        invalid_transition(from, status);
    }
    connector["status"] = status;
}

void apply_error(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_error", body));
    const json::value& error = body.at("error");
    connector["error"] = error;
    const bool empty = error.is_null() || error.get_string().empty();
    connector["status"] = empty ? "connected" : "error";
}

void apply_filtering_validation(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_filtering/_validation", body));
    const json::object& validation = body.at("validation").get_object();
    rules_of(filtering_entry(connector), "draft")["validation"] =
        json::object{{"errors", validation.at("errors")}, {"state", validation.at("state")}};
}

void apply_filtering_activate(json::object& connector) {
    json::object& entry = filtering_entry(connector);
    json::object& draft = rules_of(entry, "draft");
    std::string_view state;
    if (const json::value* v = draft.if_contains("validation"); v && v->is_object()) {
        state = string_or_empty(v->get_object(), "state");
    }
    if (state != "valid") {
        status_exception(
            "Filtering draft needs to be validated by the connector service before "
            "activation. Current filtering draft validation state [" +
            std::string(state) + "] is not equal to [valid].");
    }
    entry["active"] = draft;
}

namespace {

json::array checked_rules(const json::value& rules, std::string_view now) {
    json::array out;
    auto one = [&](const json::object& r) {
        json::object rule;
        for (std::string_view k :
             {"created_at", "field", "id", "order", "policy", "rule", "updated_at", "value"}) {
            if (const json::value* v = r.if_contains(k))
                rule[k] = *v;
        }
        rule["order"] = to_long(rule.at("order"));
        rule["policy"] = lower(rule.at("policy").get_string());
        if (!rule.contains("created_at")) {
            rule["created_at"] = now;
        }
        if (!rule.contains("updated_at")) {
            rule["updated_at"] = now;
        }
        out.emplace_back(std::move(rule));
    };
    if (rules.is_array()) {
        for (const auto& r : rules.get_array())
            one(r.get_object());
    } else {
        one(rules.get_object());
    }
    // By order, with the DEFAULT catch-all rule always last.
    std::stable_sort(out.begin(), out.end(), [](const json::value& a, const json::value& b) {
        const bool da = a.get_object().at("id") == "DEFAULT";
        const bool db = b.get_object().at("id") == "DEFAULT";
        if (da != db) {
            return db;
        }
        return a.get_object().at("order").to_number<std::int64_t>() <
               b.get_object().at("order").to_number<std::int64_t>();
    });
    return out;
}

}  // namespace

void apply_filtering(json::object& connector, const json::object& body, std::string_view now) {
    throw_if_invalid(check_connector_body("_filtering", body));
    if (const json::value* full = non_null(body, "filtering")) {
        connector["filtering"] = full->is_array() ? *full : json::value(json::array{*full});
        return;
    }
    const json::value* rules = non_null(body, "rules");
    const json::value* snippet = non_null(body, "advanced_snippet");
    json::object& draft = rules_of(filtering_entry(connector), "draft");
    if (rules) {
        draft["rules"] = checked_rules(*rules, now);
    }
    if (snippet) {
        const json::object& given = snippet->get_object();
        json::object s;
        s["created_at"] = given.contains("created_at") ? given.at("created_at") : json::value(now);
        s["updated_at"] = given.contains("updated_at") ? given.at("updated_at") : json::value(now);
        s["value"] = given.at("value");
        draft["advanced_snippet"] = std::move(s);
    }
    draft["validation"] = json::object{{"errors", json::array{}}, {"state", "edited"}};
}

void apply_name(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_name", body));
    for (std::string_view k : {"name", "description"}) {
        if (const json::value* v = non_null(body, k))
            connector[k] = *v;
    }
}

void apply_pipeline(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_pipeline", body));
    const json::object& p = body.at("pipeline").get_object();
    connector["pipeline"] =
        json::object{{"extract_binary_content", to_bool(p.at("extract_binary_content"))},
                     {"name", p.at("name")},
                     {"reduce_whitespace", to_bool(p.at("reduce_whitespace"))},
                     {"run_ml_inference", to_bool(p.at("run_ml_inference"))}};
}

void apply_index_name(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_index_name", body));
    const json::value* index_name = non_null(body, "index_name");
    if (index_name) {
        const json::value* native = connector.if_contains("is_native");
        std::string_view name = index_name->get_string();
        if (native && native->is_bool() && native->get_bool() &&
            !name.starts_with(managed_index_prefix)) {
            status_exception(
                "Index attached to an Elastic-managed connector must start with the "
                "prefix: [" +
                std::string(managed_index_prefix) + "]. The index name in the payload [" +
                std::string(name) + "] doesn't comply with this requirement.");
        }
        connector["index_name"] = *index_name;
    } else {
        connector["index_name"] = nullptr;
    }
}

void apply_service_type(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_service_type", body));
    const bool was_created = string_or_empty(connector, "status") == "created";
    connector["service_type"] = body.at("service_type");
    connector["status"] = was_created ? "created" : "needs_configuration";
}

void apply_features(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_features", body));
    json::value& existing = connector["features"];
    if (!existing.is_object()) {
        existing = json::object{};
    }
    // ConnectorFeatures.toXContent: the known features only, each {"enabled": bool}.
    auto flag = [](const json::value& f) {
        const json::value* e = f.get_object().if_contains("enabled");
        return json::object{{"enabled", e && to_bool(*e)}};
    };
    json::object patch;
    for (const auto& [k, v] : body.at("features").get_object()) {
        if (k == "document_level_security" || k == "incremental_sync" ||
            k == "native_connector_api_keys") {
            patch[k] = flag(v);
        } else if (k == "sync_rules") {
            json::object rules;
            for (const auto& [rk, rv] : v.get_object()) {
                if (rk == "advanced" || rk == "basic")
                    rules[rk] = flag(rv);
            }
            patch[k] = std::move(rules);
        }
    }
    deep_merge(existing.get_object(), patch);
}

void apply_last_sync(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_last_sync", body));
    for (const auto& [k, v] : body) {
        if (k == "sync_cursor" && v.is_null())
            continue;  // written only when given
        if (k.ends_with("_count") && !v.is_null())
            connector[k] = to_long(v);
        else if (k.ends_with("_status") && v.is_string())
            connector[k] = lower(v.get_string());
        else
            connector[k] = v;
    }
}

void apply_native(json::object& connector, const json::object& body,
                  std::string_view connector_id) {
    throw_if_invalid(check_connector_body("_native", body));
    const bool is_native = to_bool(body.at("is_native"));
    std::string_view index_name = string_or_empty(connector, "index_name");
    if (is_native && !index_name.empty() && !index_name.starts_with(managed_index_prefix)) {
        status_exception("The index name [" + std::string(index_name) +
                         "] attached to the connector [" + std::string(connector_id) +
                         "] must start with the required prefix: [" +
                         std::string(managed_index_prefix) +
                         "] to be Elastic-managed. Please update the attached index first to "
                         "comply with this requirement.");
    }
    connector["is_native"] = is_native;
    if (string_or_empty(connector, "status") == "connected") {
        connector["status"] = "configured";  // must reconnect in its new mode
    }
}

void apply_api_key_id(json::object& connector, const json::object& body) {
    throw_if_invalid(check_connector_body("_api_key_id", body));
    for (std::string_view k : {"api_key_id", "api_key_secret_id"}) {
        if (const json::value* v = non_null(body, k))
            connector[k] = *v;
    }
}

void apply_soft_delete(json::object& connector) {
    connector["deleted"] = true;
}

json::object list_connectors(const std::vector<stored_doc>& connectors, const url_params& params) {
    const auto index_names = list_param(params, "index_name");
    const auto names = list_param(params, "connector_name");
    const auto service_types = list_param(params, "service_type");
    const bool include_deleted = bool_param(params, "include_deleted");
    auto [from, size] = page(params);
    std::vector<std::string> invalid;
    for (const auto& n : index_names) {
        if (auto why = invalid_index_name(n))
            invalid.push_back(*why);
    }
    throw_if_invalid(invalid);
    std::string search;
    if (auto it = params.find("query"); it != params.end()) {
        search = it->second;
    }
    std::vector<const stored_doc*> hits;
    for (const auto& d : connectors) {
        if (!d.source) {
            continue;
        }
        const json::object& s = *d.source;
        const json::value* deleted = s.if_contains("deleted");
        if (!include_deleted && deleted && deleted->is_bool() && deleted->get_bool()) {
            continue;
        }
        if (!index_names.empty() && !in_list(index_names, string_or_empty(s, "index_name"))) {
            continue;
        }
        if (!names.empty() && !in_list(names, string_or_empty(s, "name"))) {
            continue;
        }
        if (!service_types.empty() && !in_list(service_types, string_or_empty(s, "service_type"))) {
            continue;
        }
        if (!search.empty()) {
            auto has = [&](std::string_view key) {
                return string_or_empty(s, key).find(search) != std::string_view::npos;
            };
            if (!has("index_name") && !has("name") && !has("description")) {
                continue;
            }
        }
        hits.push_back(&d);
    }
    // ES sorts by index_name ascending; connectors without one come last.
    std::stable_sort(hits.begin(), hits.end(), [](const stored_doc* a, const stored_doc* b) {
        std::string_view ia = string_or_empty(*a->source, "index_name");
        std::string_view ib = string_or_empty(*b->source, "index_name");
        if (ia.empty() != ib.empty()) {
            return ib.empty();
        }
        return ia < ib;
    });
    return page_result(std::move(hits), from, size);
}

// ---------------------------------------------------------------------------------------------
// Sync jobs

// ---------------------------------------------------------------------------------------------
// Sync jobs

std::string sync_job_connector_id(const json::object& body) {
    throw_if_invalid(check_sync_job_body("_sync_job", body));
    return std::string(body.at("id").get_string());
}

json::object new_sync_job(const json::object* connector, std::string_view connector_id,
                          const json::object& body, std::string_view now) {
    sync_job_connector_id(body);  // validates the body whatever the router did
    if (!connector) {
        throw es_error(404, "resource_not_found_exception",
                       "Connector with id '" + std::string(connector_id) + "' does not exist.");
    }
    const std::string job_type(body.contains("job_type") ? string_or_empty(body, "job_type")
                                                         : "full");
    const std::string trigger(
        body.contains("trigger_method") ? string_or_empty(body, "trigger_method") : "on_demand");

    std::string_view index_name = string_or_empty(*connector, "index_name");
    if (index_name.empty()) {
        status_exception("Cannot start a sync for connector [" + std::string(connector_id) +
                         "] with no index attached. Set the [index_name] property for the "
                         "connector to enable syncing data.");
    }
    if (string_or_empty(*connector, "service_type").empty()) {
        status_exception("Cannot start a sync for connector [" + std::string(connector_id) +
                         "] with [service_type] not defined. Set the service type of your "
                         "connector before starting the sync.");
    }
    auto copy = [&](std::string_view key) -> json::value {
        const json::value* v = connector->if_contains(key);
        return v ? *v : json::value(nullptr);
    };
    json::value filtering = nullptr;
    if (const json::value* f = connector->if_contains("filtering");
        f && f->is_array() && !f->get_array().empty() && f->get_array()[0].is_object()) {
        if (const json::value* active = f->get_array()[0].get_object().if_contains("active")) {
            filtering = *active;
        }
    }
    std::string target_index = job_type == "access_control"
                                   ? std::string(acl_index_prefix) + std::string(index_name)
                                   : std::string(index_name);
    json::object snapshot{{"id", connector_id},
                          {"filtering", std::move(filtering)},
                          {"index_name", std::move(target_index)},
                          {"language", copy("language")},
                          {"pipeline", copy("pipeline")},
                          {"service_type", copy("service_type")},
                          {"configuration", copy("configuration")}};
    return {{"cancelation_requested_at", nullptr},
            {"canceled_at", nullptr},
            {"completed_at", nullptr},
            {"connector", std::move(snapshot)},
            {"created_at", now},
            {"deleted_document_count", 0},
            {"error", nullptr},
            {"indexed_document_count", 0},
            {"indexed_document_volume", 0},
            {"job_type", job_type},
            {"last_seen", now},
            {"metadata", json::object{}},
            {"started_at", nullptr},
            {"status", "pending"},
            {"total_document_count", 0},
            {"trigger_method", trigger},
            {"worker_hostname", nullptr}};
}

json::object sync_job_view(std::string_view id, const json::object& source) {
    return view(id, source);
}

void apply_claim(json::object& job, const json::object& body, std::string_view now) {
    throw_if_invalid(check_sync_job_body("_claim", body));
    // ES does not check the state machine here (protocol.md §2.4).
    job["status"] = "in_progress";
    job["worker_hostname"] = body.at("worker_hostname");
    job["started_at"] = now;
    job["last_seen"] = now;
    if (const json::value* cursor = non_null(body, "sync_cursor")) {
        json::value& c = job["connector"];
        if (!c.is_object()) {
            c = json::object{};
        }
        c.get_object()["sync_cursor"] = *cursor;
    }
}

void apply_stats(json::object& job, const json::object& body, std::string_view now) {
    throw_if_invalid(check_sync_job_body("_stats", body));
    for (std::string_view k :
         {"deleted_document_count", "indexed_document_count", "indexed_document_volume"}) {
        job[k] = to_long(body.at(k));
    }
    if (const json::value* total = non_null(body, "total_document_count")) {
        job["total_document_count"] = to_long(*total);
    }
    const json::value* last_seen = non_null(body, "last_seen");
    job["last_seen"] = last_seen ? *last_seen : json::value(now);
    if (const json::value* metadata = non_null(body, "metadata")) {
        // A partial update: objects merge into the stored metadata.
        json::value& existing = job["metadata"];
        if (!existing.is_object())
            existing = json::object{};
        deep_merge(existing.get_object(), metadata->get_object());
    }
}

void apply_cancel(json::object& job, std::string_view now) {
    std::string from(string_or_empty(job, "status"));
    if (from == "pending" || from == "suspended") {
        job["status"] = "canceled";
        job["cancelation_requested_at"] = now;
        job["canceled_at"] = now;
        job["completed_at"] = now;
        return;
    }
    if (!job_transition_ok(from, "canceling")) {
        invalid_transition(from, "canceling", true);
    }
    job["status"] = "canceling";
    job["cancelation_requested_at"] = now;
}

void apply_job_check_in(json::object& job, std::string_view now) {
    job["last_seen"] = now;
}

void apply_job_error(json::object& job, const json::object& body) {
    throw_if_invalid(check_sync_job_body("_error", body));
    std::string from(string_or_empty(job, "status"));
    if (!job_transition_ok(from, "error")) {
        invalid_transition(from, "error", true);
    }
    job["status"] = "error";
    job["error"] = body.at("error");
}

json::object list_sync_jobs(const std::vector<stored_doc>& jobs, const url_params& params) {
    auto [from, size] = page(params);
    std::string connector_id;
    if (auto it = params.find("connector_id"); it != params.end()) {
        connector_id = it->second;
    }
    std::string status;
    if (auto it = params.find("status"); it != params.end()) {
        status = it->second;
        if (!is_sync_status(status)) {
            throw es_error(400, "illegal_argument_exception",
                           "Unknown ConnectorSyncStatus [" + status + "].");
        }
    }
    const auto job_types = list_param(params, "job_type");
    for (const auto& t : job_types) {
        if (!is_job_type(t)) {
            throw es_error(400, "illegal_argument_exception",
                           "Unknown ConnectorSyncJobType [" + t + "].");
        }
    }
    std::vector<const stored_doc*> hits;
    for (const auto& d : jobs) {
        if (!d.source) {
            continue;
        }
        const json::object& s = *d.source;
        if (!connector_id.empty()) {
            const json::value* c = s.if_contains("connector");
            if (!c || !c->is_object() || string_or_empty(c->get_object(), "id") != connector_id) {
                continue;
            }
        }
        if (!status.empty() && string_or_empty(s, "status") != status) {
            continue;
        }
        if (!job_types.empty() && !in_list(job_types, string_or_empty(s, "job_type"))) {
            continue;
        }
        hits.push_back(&d);
    }
    // Newest first, comparing instants (fraction widths and offsets vary); jobs without a
    // parsable created_at come last.
    std::vector<std::pair<core::sys_ns, const stored_doc*>> keyed;
    keyed.reserve(hits.size());
    for (const auto* h : hits) {
        const auto created = core::parse_iso8601_ns(string_or_empty(*h->source, "created_at"));
        keyed.emplace_back(created.value_or(core::sys_ns::min()), h);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        hits[i] = keyed[i].second;
    }
    return page_result(std::move(hits), from, size);
}

}  // namespace casio::mock_es
