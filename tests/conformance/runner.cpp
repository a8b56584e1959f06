#include "runner.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace casio::conformance {

namespace json = boost::json;

namespace {

// ---- YAML -> JSON ---------------------------------------------------------------------------

// A plain scalar is typed the way YAML 1.2's core schema types it; a quoted or block scalar is
// always a string.
json::value scalar_value(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    if (node.Tag() != "?") {
        return json::value(s);
    }
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
        return nullptr;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    static const std::regex integer(R"([-+]?[0-9]+)");
    static const std::regex real(
        R"([-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+)");
    if (std::regex_match(s, integer)) {
        errno = 0;
        long long v = std::strtoll(s.c_str(), nullptr, 10);
        if (errno == 0)
            return v;
    }
    if (std::regex_match(s, real))
        return std::strtod(s.c_str(), nullptr);
    return json::value(s);
}

json::value to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            json::object o;
            for (const auto& kv : node)
                o[kv.first.as<std::string>()] = to_json(kv.second);
            return o;
        }
        case YAML::NodeType::Sequence: {
            json::array a;
            for (const auto& item : node)
                a.push_back(to_json(item));
            return a;
        }
        case YAML::NodeType::Scalar:
            return scalar_value(node);
        default:
            return nullptr;
    }
}

// ---- steps ----------------------------------------------------------------------------------

struct do_step {
    std::string method;
    std::string path;
    std::optional<json::value> body;  // a string is sent as it is, anything else as JSON
    std::vector<std::pair<std::string, std::string>> headers;
    std::string catch_;  // empty: 2xx expected
};

enum class check_kind { match, length, is_true, is_false, set, gt, gte, lt, lte };

struct check_step {
    check_kind kind;
    std::string path;
    json::value expected;  // match/length/gt...: the value; set: the variable's name
};

struct step {
    int line = 0;  // in the file, for messages
    std::optional<do_step> request;
    std::optional<check_step> check;
};

using step_list = std::vector<step>;

const std::map<std::string, unsigned, std::less<>>& catch_statuses() {
    static const std::map<std::string, unsigned, std::less<>> statuses{
        {"bad_request", 400},     {"unauthorized", 401}, {"forbidden", 403},   {"missing", 404},
        {"request_timeout", 408}, {"conflict", 409},     {"unavailable", 503},
    };
    return statuses;
}

bool is_regex(std::string_view s) {
    return s.size() >= 2 && s.front() == '/' && s.back() == '/';
}

[[noreturn]] void malformed(const std::string& where, int line, const std::string& what) {
    throw std::runtime_error(where + ", line " + std::to_string(line) + ": " + what);
}

do_step parse_do(const YAML::Node& node, const std::string& where, int line) {
    if (!node.IsMap())
        malformed(where, line, "`do` needs a mapping with method and path");
    do_step d;
    for (const auto& kv : node) {
        std::string key = kv.first.as<std::string>();
        if (key == "method") {
            d.method = kv.second.as<std::string>();
        } else if (key == "path") {
            d.path = kv.second.as<std::string>();
        } else if (key == "body") {
            d.body = to_json(kv.second);
            if (kv.second.IsScalar())
                d.body = json::value(kv.second.Scalar());  // sent as written
        } else if (key == "headers") {
            for (const auto& h : kv.second)
                d.headers.emplace_back(h.first.as<std::string>(), h.second.as<std::string>());
        } else if (key == "catch") {
            d.catch_ = kv.second.as<std::string>();
            if (!is_regex(d.catch_) && d.catch_ != "request" && !catch_statuses().count(d.catch_))
                malformed(where, line, "unknown catch value [" + d.catch_ + "]");
        } else {
            malformed(where, line, "unknown key [" + key + "] in `do`");
        }
    }
    if (d.method.empty() || d.path.empty())
        malformed(where, line, "`do` needs both method and path");
    return d;
}

step_list parse_steps(const YAML::Node& list, const std::string& where) {
    if (!list.IsSequence())
        malformed(where, list.Mark().line + 1, "a test is a list of steps");
    static const std::map<std::string, check_kind, std::less<>> kinds{
        {"match", check_kind::match},     {"length", check_kind::length},
        {"is_true", check_kind::is_true}, {"is_false", check_kind::is_false},
        {"set", check_kind::set},         {"gt", check_kind::gt},
        {"gte", check_kind::gte},         {"lt", check_kind::lt},
        {"lte", check_kind::lte}};
    step_list steps;
    for (const auto& item : list) {
        int line = item.Mark().line + 1;
        if (!item.IsMap() || item.size() != 1)
            malformed(where, line, "a step is a mapping with one key (do, match, ...)");
        const auto& kv = *item.begin();
        std::string key = kv.first.as<std::string>();
        if (key == "do") {
            step s;
            s.line = line;
            s.request = parse_do(kv.second, where, line);
            steps.push_back(std::move(s));
            continue;
        }
        auto kind = kinds.find(key);
        if (kind == kinds.end())
            malformed(where, line, "unknown step [" + key + "]");
        if (kind->second == check_kind::is_true || kind->second == check_kind::is_false) {
            if (!kv.second.IsScalar())
                malformed(where, line, key + " takes a path");
            steps.push_back({line, std::nullopt, check_step{kind->second, kv.second.Scalar(), {}}});
            continue;
        }
        if (!kv.second.IsMap())
            malformed(where, line, key + " takes a mapping of path: value");
        for (const auto& pv : kv.second) {
            json::value expected = to_json(pv.second);
            if (kind->second == check_kind::set && !expected.is_string())
                malformed(where, line, "set takes path: variable name");
            steps.push_back(
                {line, std::nullopt,
                 check_step{kind->second, pv.first.as<std::string>(), std::move(expected)}});
        }
    }
    return steps;
}

// ---- running --------------------------------------------------------------------------------

struct run_state {
    std::map<std::string, json::value, std::less<>> vars;
    response last;
    json::value last_json;  // null when the body is not JSON
    bool has_last = false;
};

bool ident_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

std::string var_text(const json::value& v) {
    if (v.is_string())
        return std::string(v.get_string());
    return json::serialize(v);
}

// Replaces $name and ${name} of known variables in a string.
std::string substitute(std::string_view s, const run_state& st) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '$') {
            out += s[i];
            continue;
        }
        bool braced = i + 1 < s.size() && s[i + 1] == '{';
        std::size_t start = i + (braced ? 2 : 1);
        std::size_t end = start;
        while (end < s.size() && ident_char(s[end], end == start))
            ++end;
        auto it = st.vars.find(s.substr(start, end - start));
        if (end == start || it == st.vars.end() || (braced && (end >= s.size() || s[end] != '}'))) {
            out += s[i];
            continue;
        }
        out += var_text(it->second);
        i = braced ? end : end - 1;
    }
    return out;
}

json::value substitute(const json::value& v, const run_state& st) {
    if (v.is_string()) {
        std::string_view s = v.get_string();
        if (s.size() > 1 && s[0] == '$') {
            auto it = st.vars.find(s.substr(1));
            if (it != st.vars.end())
                return it->second;
        }
        return json::value(substitute(s, st));
    }
    if (v.is_object()) {
        json::object o;
        for (const auto& kv : v.get_object())
            o[kv.key()] = substitute(kv.value(), st);
        return o;
    }
    if (v.is_array()) {
        json::array a;
        for (const auto& item : v.get_array())
            a.push_back(substitute(item, st));
        return a;
    }
    return v;
}

// "a.b.0.c" (with `\.` for a dot inside a key); "$body" is the whole answer, "$status" its code.
std::optional<json::value> lookup(const std::string& path, const run_state& st) {
    if (path == "$status")
        return json::value(st.last.status);
    if (path == "$body" || path.empty())
        return st.last_json.is_null() && !st.last.body.empty() ? json::value(st.last.body)
                                                               : st.last_json;
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '\\' && i + 1 < path.size() && path[i + 1] == '.') {
            parts.back() += '.';
            ++i;
        } else if (path[i] == '.') {
            parts.emplace_back();
        } else {
            parts.back() += path[i];
        }
    }
    const json::value* v = &st.last_json;
    for (auto& raw : parts) {
        std::string part = substitute(raw, st);
        if (v->is_object()) {
            v = v->get_object().if_contains(part);
        } else if (v->is_array() && !part.empty() &&
                   part.find_first_not_of("0123456789") == std::string::npos) {
            std::size_t n = std::stoul(part);
            v = n < v->get_array().size() ? &v->get_array()[n] : nullptr;
        } else {
            v = nullptr;
        }
        if (!v)
            return std::nullopt;
    }
    return *v;
}

std::optional<double> number_of(const json::value& v) {
    if (v.is_int64())
        return static_cast<double>(v.get_int64());
    if (v.is_uint64())
        return static_cast<double>(v.get_uint64());
    if (v.is_double())
        return v.get_double();
    return std::nullopt;
}

bool equal(const json::value& expected, const json::value& actual) {
    if (expected.is_string() && is_regex(expected.get_string())) {
        std::string_view re = expected.get_string();
        std::string text =
            actual.is_string() ? std::string(actual.get_string()) : json::serialize(actual);
        return std::regex_search(text, std::regex(std::string(re.substr(1, re.size() - 2))));
    }
    auto en = number_of(expected);
    auto an = number_of(actual);
    if (en && an)
        return *en == *an;
    if (expected.is_object() && actual.is_object()) {
        const auto& eo = expected.get_object();
        const auto& ao = actual.get_object();
        if (eo.size() != ao.size())
            return false;
        for (const auto& kv : eo) {
            const json::value* a = ao.if_contains(kv.key());
            if (!a || !equal(kv.value(), *a))
                return false;
        }
        return true;
    }
    if (expected.is_array() && actual.is_array()) {
        const auto& ea = expected.get_array();
        const auto& aa = actual.get_array();
        if (ea.size() != aa.size())
            return false;
        for (std::size_t i = 0; i < ea.size(); ++i)
            if (!equal(ea[i], aa[i]))
                return false;
        return true;
    }
    return expected == actual;
}

bool truthy(const std::optional<json::value>& v) {
    if (!v || v->is_null())
        return false;
    if (v->is_bool())
        return v->get_bool();
    if (v->is_string())
        return !v->get_string().empty() && v->get_string() != "false";
    if (auto n = number_of(*v))
        return *n != 0;
    return true;
}

std::string shown(const std::string& body) {
    constexpr std::size_t max = 600;
    return body.size() <= max
               ? body
               : body.substr(0, max) + "… (" + std::to_string(body.size()) + " bytes)";
}

// Returns the failure, or "" when the step holds.
std::string run_do(const do_step& d, run_state& st, const transport& send) {
    request req;
    req.method = d.method;
    req.target = substitute(d.path, st);
    for (const auto& [k, v] : d.headers)
        req.headers.emplace_back(k, substitute(v, st));
    if (d.body) {
        json::value body = substitute(*d.body, st);
        req.body = body.is_string() ? std::string(body.get_string()) : json::serialize(body);
        bool has_type = false;
        for (const auto& h : req.headers)
            has_type = has_type || h.first == "Content-Type" || h.first == "content-type";
        if (!has_type)
            req.headers.emplace_back("Content-Type", "application/json");
    }
    st.last = send(req);
    st.has_last = true;
    boost::system::error_code ec;
    st.last_json = st.last.body.empty() ? json::value() : json::parse(st.last.body, ec);
    if (ec)
        st.last_json = nullptr;

    std::string what = req.method + " " + req.target;
    unsigned status = st.last.status;
    auto got = [&] { return " got " + std::to_string(status) + ": " + shown(st.last.body); };
    if (d.catch_.empty()) {
        if (status < 200 || status >= 300)
            return what + ": expected success," + got();
        return {};
    }
    if (is_regex(d.catch_)) {
        std::string re = d.catch_.substr(1, d.catch_.size() - 2);
        if (status < 400 || !std::regex_search(st.last.body, std::regex(re)))
            return what + ": expected an error matching " + d.catch_ + "," + got();
        return {};
    }
    if (d.catch_ == "request") {
        if (status < 400)
            return what + ": expected an error," + got();
        return {};
    }
    unsigned want = catch_statuses().find(d.catch_)->second;
    if (status != want)
        return what + ": expected " + std::to_string(want) + " " + d.catch_ + "," + got();
    return {};
}

std::string run_check(const check_step& c, run_state& st) {
    if (!st.has_last)
        return "a check before any request";
    auto actual = lookup(c.path, st);
    auto shown_actual = [&] {
        return actual ? json::serialize(*actual) : std::string("nothing (absent)");
    };
    switch (c.kind) {
        case check_kind::match: {
            json::value expected = substitute(c.expected, st);
            if (!actual || !equal(expected, *actual))
                return "match " + c.path + ": expected " + json::serialize(expected) + ", got " +
                       shown_actual() + " in " + shown(st.last.body);
            return {};
        }
        case check_kind::length: {
            std::size_t n = 0;
            if (actual && actual->is_array())
                n = actual->get_array().size();
            else if (actual && actual->is_object())
                n = actual->get_object().size();
            else if (actual && actual->is_string())
                n = actual->get_string().size();
            else
                return "length " + c.path + ": not an array, object or string: " + shown_actual();
            auto want = number_of(c.expected);
            if (!want || static_cast<double>(n) != *want)
                return "length " + c.path + ": expected " + json::serialize(c.expected) + ", got " +
                       std::to_string(n);
            return {};
        }
        case check_kind::is_true:
            if (!truthy(actual))
                return "is_true " + c.path + ": got " + shown_actual();
            return {};
        case check_kind::is_false:
            if (truthy(actual))
                return "is_false " + c.path + ": got " + shown_actual();
            return {};
        case check_kind::set:
            if (!actual)
                return "set " + c.path + ": absent in " + shown(st.last.body);
            st.vars[std::string(c.expected.get_string())] = *actual;
            return {};
        case check_kind::gt:
        case check_kind::gte:
        case check_kind::lt:
        case check_kind::lte: {
            auto a = actual ? number_of(*actual) : std::nullopt;
            auto e = number_of(substitute(c.expected, st));
            if (!a || !e)
                return "comparison " + c.path + ": not numbers: " + shown_actual();
            bool ok = c.kind == check_kind::gt    ? *a > *e
                      : c.kind == check_kind::gte ? *a >= *e
                      : c.kind == check_kind::lt  ? *a < *e
                                                  : *a <= *e;
            if (!ok)
                return "comparison " + c.path + ": " + shown_actual() + " against " +
                       json::serialize(c.expected);
            return {};
        }
    }
    return {};
}

}  // namespace

struct suite::impl {
    step_list setup;
    step_list teardown;
    std::vector<std::pair<std::string, step_list>> tests;
};

suite::suite() : impl_(std::make_unique<impl>()) {}
suite::~suite() = default;
suite::suite(suite&&) noexcept = default;
suite& suite::operator=(suite&&) noexcept = default;

suite suite::parse(const std::string& yaml_text, std::string file_name) {
    suite s;
    s.file_name_ = std::move(file_name);
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(s.file_name_ + ": not YAML: " + e.what());
    }
    if (!root.IsMap())
        throw std::runtime_error(s.file_name_ + ": a file is a mapping of test names to steps");
    for (const auto& kv : root) {
        std::string name = kv.first.as<std::string>();
        std::string where = s.file_name_ + ", \"" + name + "\"";
        if (name == "setup") {
            s.impl_->setup = parse_steps(kv.second, where);
        } else if (name == "teardown") {
            s.impl_->teardown = parse_steps(kv.second, where);
        } else {
            for (const auto& t : s.impl_->tests)
                if (t.first == name)
                    throw std::runtime_error(where + ": a second test of that name");
            s.impl_->tests.emplace_back(name, parse_steps(kv.second, where));
        }
    }
    if (s.impl_->tests.empty())
        throw std::runtime_error(s.file_name_ + ": no test");
    return s;
}

suite suite::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    std::string name = path.substr(path.find_last_of('/') + 1);
    return parse(text.str(), name);
}

std::vector<std::string> suite::test_names() const {
    std::vector<std::string> names;
    for (const auto& t : impl_->tests)
        names.push_back(t.first);
    return names;
}

test_result suite::run(const std::string& test_name, const transport& send) const {
    test_result result{test_name, {}};
    const step_list* steps = nullptr;
    for (const auto& t : impl_->tests)
        if (t.first == test_name)
            steps = &t.second;
    if (!steps) {
        result.failures.push_back("no test named \"" + test_name + "\"");
        return result;
    }
    run_state st;
    auto run_list = [&](const step_list& list, const char* part) {
        for (const auto& s : list) {
            std::string failure;
            try {
                failure = s.request ? run_do(*s.request, st, send) : run_check(*s.check, st);
            } catch (const std::exception& e) {
                failure = std::string("the request failed: ") + e.what();
            }
            if (!failure.empty()) {
                result.failures.push_back(file_name_ + ":" + std::to_string(s.line) + " (" + part +
                                          "): " + failure);
                return false;
            }
        }
        return true;
    };
    if (run_list(impl_->setup, "setup"))
        run_list(*steps, "test");
    run_list(impl_->teardown, "teardown");
    return result;
}

}  // namespace casio::conformance
