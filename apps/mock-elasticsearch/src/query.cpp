#include "query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <regex>
#include <unordered_set>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <casio/core/text.hpp>
#include <casio/core/time.hpp>

#include "es_error.hpp"
#include "json_util.hpp"
#include "query_string.hpp"

namespace casio::mock_es {

namespace json = boost::json;

namespace {

[[noreturn]] void parsing_error(std::string reason) {
    throw es_error(400, "parsing_exception", std::move(reason));
}

std::optional<double> as_number(const json::value& v) {
    switch (v.kind()) {
        case json::kind::int64:
            return static_cast<double>(v.get_int64());
        case json::kind::uint64:
            return static_cast<double>(v.get_uint64());
        case json::kind::double_:
            return v.get_double();
        default:
            return std::nullopt;
    }
}

// The whole text must be a number (ES coerces such strings into numeric fields).
std::optional<double> parse_number(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    double d = 0;
    const char* first = s.data();
    if (*first == '+') {
        ++first;
    }
    auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), d);
    if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(d)) {
        return std::nullopt;
    }
    return d;
}

std::string number_text(double d) {
    if (d == std::trunc(d) && std::fabs(d) < 9.0e15) {
        return std::to_string(static_cast<long long>(d));
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

// Glob with `*` (any run) and `?` (one char); `\` escapes the next pattern char.
bool glob_match(std::string_view pat, std::string_view text) {
    std::size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pat.size() && pat[p] == '*') {
            star_p = p++;
            star_t = t;
            continue;
        }
        if (p < pat.size()) {
            char pc = pat[p];
            std::size_t step = 1;
            bool any = pc == '?';
            if (pc == '\\' && p + 1 < pat.size()) {
                pc = pat[p + 1];
                step = 2;
            }
            if (any || pc == text[t]) {
                p += step;
                ++t;
                continue;
            }
        }
        if (star_p == std::string_view::npos) {
            return false;
        }
        p = star_p + 1;
        t = ++star_t;
    }
    while (p < pat.size() && pat[p] == '*') {
        ++p;
    }
    return p == pat.size();
}

// True when some continuation of `text` would match `pat` (used to decide whether to descend
// into an object while filtering `_source`). A set of pattern positions is advanced over the
// text, so the cost stays |pat| * |text| whatever the number of stars.
bool glob_prefix_match(std::string_view pat, std::string_view text) {
    std::vector<char> states(pat.size() + 1, 0), next(pat.size() + 1, 0);
    auto close = [&](std::vector<char>& st) {  // a star may match nothing
        for (std::size_t i = 0; i < pat.size(); ++i) {
            if (st[i] && pat[i] == '*') {
                st[i + 1] = 1;
            }
        }
    };
    states[0] = 1;
    close(states);
    for (char c : text) {
        std::fill(next.begin(), next.end(), 0);
        bool any = false;
        for (std::size_t i = 0; i < pat.size(); ++i) {
            if (!states[i]) {
                continue;
            }
            if (pat[i] == '*') {
                next[i] = 1;
                any = true;
            } else if (pat[i] == '?' || pat[i] == c) {
                next[i + 1] = 1;
                any = true;
            }
        }
        if (!any) {
            return false;
        }
        close(next);
        states.swap(next);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Dates

constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t ns_per_day = 86'400 * ns_per_s;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        --q;
    }
    return q;
}

// The calendar date of an instant in nanoseconds, and the instant of a date's midnight.
std::chrono::year_month_day date_of(std::int64_t ns) {
    return std::chrono::year_month_day{
        std::chrono::sys_days{std::chrono::days{floor_div(ns, ns_per_day)}}};
}

std::int64_t midnight_ns(std::chrono::year_month_day date) {
    return std::chrono::sys_days{date}.time_since_epoch().count() * ns_per_day;
}

// An ISO-8601 text as nanoseconds since the epoch, the unit every comparison here uses.
std::optional<std::int64_t> iso_ns(std::string_view text) {
    if (auto t = core::parse_iso8601_ns(text)) {
        return t->time_since_epoch().count();
    }
    return std::nullopt;
}

// Calendar month arithmetic clamps the day like java.time's plusMonths.
std::int64_t add_months(std::int64_t ns, std::int64_t months) {
    using namespace std::chrono;
    const std::int64_t time_of_day = ns - floor_div(ns, ns_per_day) * ns_per_day;
    const year_month_day date = date_of(ns);
    const year_month target = year_month{date.year(), date.month()} + std::chrono::months{months};
    const day last = year_month_day_last{target.year(), month_day_last{target.month()}}.day();
    return midnight_ns(target / std::min(date.day(), last)) + time_of_day;
}

// ---------------------------------------------------------------------------------------------
// Date math: `now`, `now-300s`, `now-1d/d`, `2025-01-01||+1M/M`.

struct date_op {
    char op;  // '+', '-', '/'
    std::int64_t amount;
    char unit;
};

struct date_math {
    bool from_now = true;
    std::int64_t anchor_ns = 0;
    std::vector<date_op> ops;
};

std::int64_t fixed_unit_ns(char unit) {
    switch (unit) {
        case 's':
            return ns_per_s;
        case 'm':
            return 60 * ns_per_s;
        case 'h':
        case 'H':
            return 3600 * ns_per_s;
        case 'd':
            return ns_per_day;
        case 'w':
            return 7 * ns_per_day;
        default:
            return 0;
    }
}

std::int64_t round_down(std::int64_t ns, char unit) {
    switch (unit) {
        case 'y':
        case 'M': {
            const auto date = date_of(ns);
            const auto month = unit == 'y' ? std::chrono::January : date.month();
            return midnight_ns(date.year() / month / 1);
        }
        case 'w': {
            // ISO weeks start on Monday; 1970-01-01 was a Thursday.
            std::int64_t days = floor_div(ns, ns_per_day);
            std::int64_t weekday = floor_div(days + 3, 7) * 7 - 3;  // the Monday on or before
            return weekday * ns_per_day;
        }
        default: {
            std::int64_t u = fixed_unit_ns(unit);
            return floor_div(ns, u) * u;
        }
    }
}

std::int64_t add_unit(std::int64_t ns, std::int64_t amount, char unit) {
    if (unit == 'y') {
        return add_months(ns, amount * 12);
    }
    if (unit == 'M') {
        return add_months(ns, amount);
    }
    return ns + amount * fixed_unit_ns(unit);
}

std::int64_t evaluate(const date_math& m, std::int64_t now_ns, bool round_up) {
    std::int64_t t = m.from_now ? now_ns : m.anchor_ns;
    for (const auto& op : m.ops) {
        if (op.op == '/') {
            t = round_down(t, op.unit);
            if (round_up) {
                // ES rounds `gt`/`lte` bounds up to the last millisecond of the unit.
                t = add_unit(t, 1, op.unit) - ns_per_ms;
            }
        } else {
            t = add_unit(t, op.op == '-' ? -op.amount : op.amount, op.unit);
        }
    }
    return t;
}

[[noreturn]] void date_parse_error(std::string_view text) {
    throw es_error(400, "parse_exception",
                   "failed to parse date field [" + std::string(text) +
                       "] with format [strict_date_optional_time||epoch_millis]");
}

// Returns nullopt when the text has no date math in it (no `now` anchor, no `||`).
std::optional<date_math> parse_date_math(std::string_view text) {
    date_math m;
    std::string_view rest;
    if (text.substr(0, 3) == "now") {
        rest = text.substr(3);
    } else if (auto bars = text.find("||"); bars != std::string_view::npos) {
        m.from_now = false;
        const auto anchor = iso_ns(text.substr(0, bars));
        if (!anchor) {
            date_parse_error(text);
        }
        m.anchor_ns = *anchor;
        rest = text.substr(bars + 2);
    } else {
        return std::nullopt;
    }
    std::size_t i = 0;
    while (i < rest.size()) {
        date_op op{rest[i], 1, 0};
        if (op.op != '+' && op.op != '-' && op.op != '/') {
            date_parse_error(text);
        }
        ++i;
        if (op.op != '/') {
            std::size_t start = i;
            while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
                ++i;
            }
            if (i > start) {
                auto [p, ec] = std::from_chars(rest.data() + start, rest.data() + i, op.amount);
                if (ec != std::errc{}) {
                    date_parse_error(text);
                }
            }
        }
        if (i >= rest.size() ||
            std::string_view("yMwdhHms").find(rest[i]) == std::string_view::npos) {
            date_parse_error(text);
        }
        op.unit = rest[i++];
        m.ops.push_back(op);
    }
    return m;
}

// ---------------------------------------------------------------------------------------------
// Field paths and value lookup

}  // namespace

namespace detail {
struct field_path {
    std::string name;
    std::vector<std::string> parts;
    // joined[i][k] = parts[i..i+k] joined with '.', to find keys that contain dots.
    std::vector<std::vector<std::string>> joined;
    bool is_id = false;
    bool all_fields = false;  // "*": every leaf of the source (query_string's default field)
};
}  // namespace detail

namespace {
using detail::field_path;

field_path make_path(std::string_view field) {
    field_path p;
    if (field.size() > 8 && field.substr(field.size() - 8) == ".keyword") {
        field.remove_suffix(8);
    }
    p.name = std::string(field);
    p.is_id = field == "_id";
    p.all_fields = field == "*";
    std::size_t start = 0;
    while (true) {
        auto dot = field.find('.', start);
        p.parts.emplace_back(field.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    p.joined.resize(p.parts.size());
    for (std::size_t i = 0; i < p.parts.size(); ++i) {
        std::string acc;
        for (std::size_t j = i; j < p.parts.size(); ++j) {
            if (j > i) {
                acc += '.';
            }
            acc += p.parts[j];
            p.joined[i].push_back(acc);
        }
    }
    return p;
}

template <class F>
bool visit_value(const json::value& v, const field_path& p, std::size_t i, const F& f);

template <class F>
bool visit_object(const json::object& o, const field_path& p, std::size_t i, const F& f) {
    for (std::size_t k = 0; i + k < p.parts.size(); ++k) {
        if (const json::value* child = o.if_contains(p.joined[i][k])) {
            if (visit_value(*child, p, i + k + 1, f)) {
                return true;
            }
        }
    }
    return false;
}

template <class F>
bool visit_leaves(const json::value& v, const F& f) {
    if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            if (visit_leaves(e, f)) {
                return true;
            }
        }
        return false;
    }
    return f(v);
}

template <class F>
bool visit_value(const json::value& v, const field_path& p, std::size_t i, const F& f) {
    if (i == p.parts.size()) {
        return visit_leaves(v, f);
    }
    if (v.is_object()) {
        return visit_object(v.get_object(), p, i, f);
    }
    if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            if (visit_value(e, p, i, f)) {
                return true;
            }
        }
    }
    return false;
}

// Calls f on every scalar under v (objects and arrays walked) until f returns true.
template <class F>
bool visit_all_leaves(const json::value& v, const F& f) {
    if (v.is_object()) {
        for (const auto& [k, child] : v.get_object()) {
            if (visit_all_leaves(child, f)) {
                return true;
            }
        }
        return false;
    }
    if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            if (visit_all_leaves(e, f)) {
                return true;
            }
        }
        return false;
    }
    return f(v);
}

// Calls f on every value of the field (arrays flattened) until f returns true.
template <class F>
bool any_leaf(const field_path& p, std::string_view id, const json::object& source, const F& f) {
    if (p.is_id) {
        return f(json::value(json::string_view(id.data(), id.size())));
    }
    if (p.all_fields) {
        return visit_all_leaves(json::value(source), f);  // copies only on this rare path
    }
    return visit_object(source, p, 0, f);
}

// ---------------------------------------------------------------------------------------------
// Loose equality sets for term/terms/ids

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

class value_set {
  public:
    void add(const json::value& v, std::string_view query_name) {
        switch (v.kind()) {
            case json::kind::string: {
                std::string_view s = v.get_string();
                strings_.insert(case_insensitive_ ? core::to_lower(s) : std::string(s));
                if (auto d = parse_number(s)) {
                    numbers_.push_back(*d);
                }
                if (s == "true") {
                    bools_ |= 2;
                } else if (s == "false") {
                    bools_ |= 1;
                }
                break;
            }
            case json::kind::bool_:
                bools_ |= v.get_bool() ? 2 : 1;
                strings_.insert(v.get_bool() ? "true" : "false");
                break;
            case json::kind::null:
                parsing_error("[" + std::string(query_name) + "] query value cannot be null");
            case json::kind::object:
            case json::kind::array:
                parsing_error("[" + std::string(query_name) + "] query does not support " +
                              std::string(token_name(v)) + " values");
            default: {
                double d = *as_number(v);
                numbers_.push_back(d);
                strings_.insert(number_text(d));
            }
        }
    }

    void set_case_insensitive(bool ci) { case_insensitive_ = ci; }
    void finish() { std::sort(numbers_.begin(), numbers_.end()); }
    bool empty() const { return strings_.empty() && numbers_.empty() && bools_ == 0; }

    bool contains_string(std::string_view s) const {
        if (case_insensitive_) {
            return strings_.find(core::to_lower(s)) != strings_.end();
        }
        return strings_.find(s) != strings_.end();
    }

    bool contains(const json::value& v) const {
        switch (v.kind()) {
            case json::kind::string:
                return contains_string(v.get_string());
            case json::kind::bool_:
                return (bools_ & (v.get_bool() ? 2 : 1)) != 0;
            case json::kind::int64:
            case json::kind::uint64:
            case json::kind::double_:
                return std::binary_search(numbers_.begin(), numbers_.end(), *as_number(v));
            default:
                return false;
        }
    }

  private:
    std::unordered_set<std::string, string_hash, std::equal_to<>> strings_;
    std::vector<double> numbers_;
    unsigned bools_ = 0;  // bit 1: false, bit 2: true
    bool case_insensitive_ = false;
};

// ---------------------------------------------------------------------------------------------
// Range bounds

struct bound {
    enum class type { none, number, text, date_math } t = type::none;
    bool inclusive = false;
    bool round_up = false;  // gt and lte round date math up
    double number = 0;
    std::string text;
    std::optional<std::int64_t> text_date;
    std::optional<double> text_number;
    date_math math;
};

std::optional<std::int64_t> leaf_instant(const json::value& v) {
    if (v.is_string()) {
        return iso_ns(v.get_string());
    }
    if (auto d = as_number(v)) {
        return static_cast<std::int64_t>(*d) * ns_per_ms;  // epoch millis
    }
    return std::nullopt;
}

template <class T>
int three_way(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

// The connector indices map timestamps as `date` (millisecond resolution), so range queries
// compare whole milliseconds, as ES does.
int compare_ms(std::int64_t a_ns, std::int64_t b_ns) {
    return three_way(floor_div(a_ns, ns_per_ms), floor_div(b_ns, ns_per_ms));
}

// ES parses `gt`/`lte` dates with a round-up parser that fills the fields the text leaves out
// with their maximum: `lte: "2025-03-01"` ends at 23:59:59.999, `lte: "...T10:00"` at 10:00:59.999.
std::int64_t round_up_partial(std::string_view s, std::int64_t ns) {
    if (s.size() <= 10 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
        return ns + ns_per_day - ns_per_ms;
    }
    const std::size_t zone = s.find_first_of("Zz+-", 11);
    const std::string_view time = s.substr(11, zone == std::string_view::npos ? zone : zone - 11);
    if (time.find_first_of(".,") != std::string_view::npos) {
        return ns;
    }
    switch (std::count(time.begin(), time.end(), ':')) {
        case 0:
            return ns + 3600 * ns_per_s - ns_per_ms;
        case 1:
            return ns + 60 * ns_per_s - ns_per_ms;
        default:
            return ns + ns_per_s - ns_per_ms;
    }
}

// Document value compared to the bound: <0, 0, >0, or nullopt when they cannot be compared.
std::optional<int> compare_to_bound(const json::value& v, const bound& b, std::int64_t now_ns) {
    switch (b.t) {
        case bound::type::number:
            if (auto d = as_number(v)) {
                return three_way(*d, b.number);
            }
            if (v.is_string()) {
                if (auto ns = iso_ns(v.get_string())) {
                    return compare_ms(*ns, static_cast<std::int64_t>(b.number) * ns_per_ms);
                }
                if (auto d = parse_number(v.get_string())) {
                    return three_way(*d, b.number);
                }
            }
            return std::nullopt;
        case bound::type::text:
            if (v.is_string()) {
                std::string_view s = v.get_string();
                if (b.text_date) {
                    if (auto ns = iso_ns(s)) {
                        return compare_ms(*ns, *b.text_date);
                    }
                }
                int c = s.compare(b.text);
                return c < 0 ? -1 : (c > 0 ? 1 : 0);
            }
            if (auto d = as_number(v)) {
                if (b.text_number) {
                    return three_way(*d, *b.text_number);
                }
                if (b.text_date) {
                    return compare_ms(static_cast<std::int64_t>(*d) * ns_per_ms, *b.text_date);
                }
            }
            return std::nullopt;
        case bound::type::date_math:
            if (auto ns = leaf_instant(v)) {
                return compare_ms(*ns, evaluate(b.math, now_ns, b.round_up));
            }
            return std::nullopt;
        case bound::type::none:
            return 0;
    }
    return std::nullopt;
}

bool within(const json::value& v, const bound& lo, const bound& hi, std::int64_t now_ns) {
    if (lo.t != bound::type::none) {
        auto c = compare_to_bound(v, lo, now_ns);
        if (!c || *c < 0 || (*c == 0 && !lo.inclusive)) {
            return false;
        }
    }
    if (hi.t != bound::type::none) {
        auto c = compare_to_bound(v, hi, now_ns);
        if (!c || *c > 0 || (*c == 0 && !hi.inclusive)) {
            return false;
        }
    }
    return true;
}

void set_bound(bound& b, const json::value& v, bool inclusive, bool round_up) {
    b = bound{};
    b.inclusive = inclusive;
    b.round_up = round_up;
    if (v.is_null()) {
        return;  // an open end, as ES treats null bounds
    }
    if (auto d = as_number(v)) {
        b.t = bound::type::number;
        b.number = *d;
        return;
    }
    if (!v.is_string()) {
        parsing_error("[range] query does not support " + std::string(token_name(v)) +
                      " as a bound");
    }
    std::string_view s = v.get_string();
    if (auto m = parse_date_math(s)) {
        b.t = bound::type::date_math;
        b.math = std::move(*m);
        return;
    }
    b.t = bound::type::text;
    b.text = std::string(s);
    if (auto ns = iso_ns(s)) {
        b.text_date = round_up ? round_up_partial(s, *ns) : *ns;
    }
    b.text_number = parse_number(s);
}

// Tokens for `match`: lower-cased runs of ASCII letters/digits; other bytes (incl. UTF-8) are
// kept inside tokens so non-ASCII words still compare whole.
std::vector<std::string> tokenize(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        bool word =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
        if (word) {
            cur += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : ch;
        } else if (!cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) {
        out.push_back(std::move(cur));
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The compiled tree

namespace detail {

enum class node_kind {
    match_all,
    match_none,
    values,
    exists,
    range,
    bool_,
    prefix,
    wildcard,
    match,
    phrase,  // query_string "quoted" terms: consecutive tokens (any order within slop > 0)
    regexp   // query_string /regexp/
};

struct query_node {
    node_kind kind = node_kind::match_all;
    field_path path;
    value_set values;  // term, terms, ids (path = _id), match on non-strings
    bound lo, hi;      // range
    std::vector<std::unique_ptr<query_node>> must, should, must_not;  // bool (filter in must)
    std::size_t minimum_should_match = 0;                             // bool
    std::string text;                                                 // prefix / wildcard pattern
    bool case_insensitive = false;                                    // prefix / wildcard
    std::vector<std::string> tokens;                                  // match
    bool all_tokens = false;                                          // match with operator "and"
    bool analysed = false;  // wildcard from query_string: also matched against each token
    int slop = 0;           // phrase
    std::shared_ptr<const std::regex> re;  // regexp

    bool eval(std::string_view id, const json::object& src, std::int64_t now_ns) const;
};

bool query_node::eval(std::string_view id, const json::object& src, std::int64_t now_ns) const {
    switch (kind) {
        case node_kind::match_all:
            return true;
        case node_kind::match_none:
            return false;
        case node_kind::values:
            if (path.is_id) {
                return values.contains_string(id);
            }
            return any_leaf(path, id, src,
                            [&](const json::value& v) { return values.contains(v); });
        case node_kind::exists:
            return any_leaf(path, id, src, [](const json::value& v) {
                return !v.is_null() && !(v.is_object() && v.get_object().empty());
            });
        case node_kind::range:
            return any_leaf(path, id, src,
                            [&](const json::value& v) { return within(v, lo, hi, now_ns); });
        case node_kind::prefix:
            return any_leaf(path, id, src, [&](const json::value& v) {
                if (!v.is_string()) {
                    return false;
                }
                std::string_view s = v.get_string();
                if (case_insensitive) {
                    return core::to_lower(s).starts_with(text);
                }
                return s.starts_with(text);
            });
        case node_kind::wildcard:
            return any_leaf(path, id, src, [&](const json::value& v) {
                if (!v.is_string()) {
                    return false;
                }
                std::string_view s = v.get_string();
                if (analysed) {
                    for (const auto& t : tokenize(s)) {
                        if (glob_match(text, t)) {
                            return true;
                        }
                    }
                }
                return case_insensitive ? glob_match(text, core::to_lower(s)) : glob_match(text, s);
            });
        case node_kind::regexp:
            return any_leaf(path, id, src, [&](const json::value& v) {
                if (!v.is_string()) {
                    return false;
                }
                std::string_view s = v.get_string();
                for (const auto& t : tokenize(s)) {
                    if (std::regex_match(t, *re)) {
                        return true;
                    }
                }
                return std::regex_match(s.begin(), s.end(), *re);
            });
        case node_kind::phrase:
            return any_leaf(path, id, src, [&](const json::value& v) {
                if (!v.is_string()) {
                    return values.contains(v);
                }
                auto doc_tokens = tokenize(v.get_string());
                if (slop > 0) {
                    return std::all_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
                        return std::find(doc_tokens.begin(), doc_tokens.end(), t) !=
                               doc_tokens.end();
                    });
                }
                return std::search(doc_tokens.begin(), doc_tokens.end(), tokens.begin(),
                                   tokens.end()) != doc_tokens.end();
            });
        case node_kind::match:
            return any_leaf(path, id, src, [&](const json::value& v) {
                if (!v.is_string()) {
                    return values.contains(v);
                }
                auto doc_tokens = tokenize(v.get_string());
                auto has = [&](const std::string& t) {
                    return std::find(doc_tokens.begin(), doc_tokens.end(), t) != doc_tokens.end();
                };
                return all_tokens ? std::all_of(tokens.begin(), tokens.end(), has)
                                  : std::any_of(tokens.begin(), tokens.end(), has);
            });
        case node_kind::bool_: {
            for (const auto& c : must) {
                if (!c->eval(id, src, now_ns)) {
                    return false;
                }
            }
            for (const auto& c : must_not) {
                if (c->eval(id, src, now_ns)) {
                    return false;
                }
            }
            std::size_t matched = 0;
            for (const auto& c : should) {
                if (matched >= minimum_should_match) {
                    break;
                }
                if (c->eval(id, src, now_ns)) {
                    ++matched;
                }
            }
            return matched >= minimum_should_match;
        }
    }
    return false;
}

}  // namespace detail

namespace {

using detail::node_kind;
using detail::query_node;
using node_ptr = std::unique_ptr<query_node>;

node_ptr compile(const json::value& q);

// `{"field": value}` or `{"field": {"value": ..., options}}` queries allow exactly one field.
std::pair<std::string_view, const json::value*> single_field(std::string_view query_name,
                                                             const json::object& body) {
    std::string_view field;
    const json::value* value = nullptr;
    for (const auto& [k, v] : body) {
        if (k == "boost" || k == "_name") {
            continue;
        }
        if (value) {
            parsing_error("[" + std::string(query_name) +
                          "] query doesn't support multiple fields, found [" + std::string(field) +
                          "] and [" + std::string(k) + "]");
        }
        field = k;
        value = &v;
    }
    if (!value) {
        parsing_error("[" + std::string(query_name) + "] query malformed, no field specified");
    }
    return {field, value};
}

const json::object& expect_object(std::string_view query_name, const json::value& v) {
    if (!v.is_object()) {
        parsing_error("[" + std::string(query_name) +
                      "] query malformed, no start_object after query name");
    }
    return v.get_object();
}

bool option_bool(std::string_view query_name, const json::value& v, std::string_view key) {
    if (v.is_bool()) {
        return v.get_bool();
    }
    if (v.is_string() && (v.get_string() == "true" || v.get_string() == "false")) {
        return v.get_string() == "true";
    }
    parsing_error("[" + std::string(query_name) + "] query expects a boolean for [" +
                  std::string(key) + "]");
}

node_ptr compile_term(const json::object& body) {
    auto [field, value] = single_field("term", body);
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::values;
    n->path = make_path(field);
    const json::value* term = value;
    if (value->is_object()) {
        term = nullptr;
        for (const auto& [k, v] : value->get_object()) {
            if (k == "value") {
                term = &v;
            } else if (k == "case_insensitive") {
                n->values.set_case_insensitive(option_bool("term", v, k));
            } else if (k != "boost" && k != "_name") {
                parsing_error("[term] query does not support [" + std::string(k) + "]");
            }
        }
        if (!term) {
            parsing_error("[term] query malformed, no value specified for field [" +
                          std::string(field) + "]");
        }
    }
    if (term->is_array()) {
        parsing_error("[term] query does not support array of values");
    }
    n->values.add(*term, "term");
    n->values.finish();
    return n;
}

node_ptr compile_terms(const json::object& body) {
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::values;
    const json::value* list = nullptr;
    std::string_view field;
    for (const auto& [k, v] : body) {
        if (k == "boost" || k == "_name") {
            continue;
        }
        if (!v.is_array()) {
            if (v.is_object()) {
                parsing_error("[terms] query does not support terms lookup for field [" +
                              std::string(k) + "]");
            }
            parsing_error("[terms] query does not support [" + std::string(k) + "]");
        }
        if (list) {
            parsing_error("[terms] query does not support multiple fields");
        }
        list = &v;
        field = k;
    }
    if (!list) {
        parsing_error("[terms] query requires a field with an array of values");
    }
    n->path = make_path(field);
    for (const auto& v : list->get_array()) {
        if (!v.is_null()) {
            n->values.add(v, "terms");
        }
    }
    n->values.finish();
    if (n->values.empty()) {
        n->kind = node_kind::match_none;
    }
    return n;
}

node_ptr compile_ids(const json::object& body) {
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::values;
    n->path = make_path("_id");
    bool any = false;
    for (const auto& [k, v] : body) {
        if (k == "values") {
            if (!v.is_array()) {
                parsing_error("[ids] query expects an array for [values]");
            }
            for (const auto& id : v.get_array()) {
                if (!id.is_string()) {
                    parsing_error("[ids] query expects string ids, found " +
                                  std::string(token_name(id)));
                }
                n->values.add(id, "ids");
                any = true;
            }
        } else if (k != "boost" && k != "_name" && k != "type") {
            parsing_error("[ids] query does not support [" + std::string(k) + "]");
        }
    }
    if (!any) {
        n->kind = node_kind::match_none;
    }
    n->values.finish();
    return n;
}

node_ptr compile_exists(const json::object& body) {
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::exists;
    const json::value* field = body.if_contains("field");
    if (!field || !field->is_string()) {
        parsing_error("[exists] must be provided with a [field]");
    }
    for (const auto& [k, v] : body) {
        if (k != "field" && k != "boost" && k != "_name") {
            parsing_error("[exists] query does not support [" + std::string(k) + "]");
        }
    }
    n->path = make_path(field->get_string());
    return n;
}

node_ptr compile_range(const json::object& body) {
    auto [field, spec] = single_field("range", body);
    if (!spec->is_object()) {
        parsing_error("[range] query malformed, no start_object after field [" +
                      std::string(field) + "]");
    }
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::range;
    n->path = make_path(field);
    // Legacy from/to/include_* are resolved after the loop, as ES does.
    const json::value* from = nullptr;
    const json::value* to = nullptr;
    bool include_lower = true, include_upper = true;
    for (const auto& [k, v] : spec->get_object()) {
        if (k == "gt") {
            set_bound(n->lo, v, false, true);
        } else if (k == "gte") {
            set_bound(n->lo, v, true, false);
        } else if (k == "lt") {
            set_bound(n->hi, v, false, false);
        } else if (k == "lte") {
            set_bound(n->hi, v, true, true);
        } else if (k == "from") {
            from = &v;
        } else if (k == "to") {
            to = &v;
        } else if (k == "include_lower") {
            include_lower = option_bool("range", v, k);
        } else if (k == "include_upper") {
            include_upper = option_bool("range", v, k);
        } else if (k != "format" && k != "time_zone" && k != "boost" && k != "relation" &&
                   k != "_name") {
            parsing_error("[range] query does not support [" + std::string(k) + "]");
        }
    }
    if (from) {
        set_bound(n->lo, *from, include_lower, !include_lower);
    }
    if (to) {
        set_bound(n->hi, *to, include_upper, include_upper);
    }
    return n;
}

node_ptr compile_pattern(std::string_view name, const json::object& body) {
    auto [field, value] = single_field(name, body);
    auto n = std::make_unique<query_node>();
    n->kind = name == "prefix" ? node_kind::prefix : node_kind::wildcard;
    n->path = make_path(field);
    const json::value* pattern = value;
    if (value->is_object()) {
        pattern = nullptr;
        for (const auto& [k, v] : value->get_object()) {
            if (k == "value" || (name == "wildcard" && k == "wildcard")) {
                pattern = &v;
            } else if (k == "case_insensitive") {
                n->case_insensitive = option_bool(name, v, k);
            } else if (k != "boost" && k != "rewrite" && k != "_name") {
                parsing_error("[" + std::string(name) + "] query does not support [" +
                              std::string(k) + "]");
            }
        }
    }
    if (!pattern || !pattern->is_string()) {
        parsing_error("[" + std::string(name) + "] query requires a string value for field [" +
                      std::string(field) + "]");
    }
    n->text = std::string(pattern->get_string());
    if (n->case_insensitive) {
        n->text = core::to_lower(n->text);
    }
    return n;
}

node_ptr compile_match(const json::object& body) {
    auto [field, value] = single_field("match", body);
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::match;
    n->path = make_path(field);
    const json::value* text = value;
    if (value->is_object()) {
        text = nullptr;
        for (const auto& [k, v] : value->get_object()) {
            if (k == "query") {
                text = &v;
            } else if (k == "operator") {
                if (!v.is_string()) {
                    parsing_error("[match] query expects a string for [operator]");
                }
                std::string op = core::to_lower(v.get_string());
                if (op != "and" && op != "or") {
                    parsing_error("[match] query does not support operator [" +
                                  std::string(v.get_string()) + "]");
                }
                n->all_tokens = op == "and";
            } else if (k != "boost" && k != "analyzer" && k != "fuzziness" && k != "lenient" &&
                       k != "zero_terms_query" && k != "_name") {
                parsing_error("[match] query does not support [" + std::string(k) + "]");
            }
        }
        if (!text) {
            parsing_error("[match] requires query value");
        }
    }
    if (text->is_object() || text->is_array() || text->is_null()) {
        parsing_error("[match] unknown token [" + std::string(token_name(*text)) + "] after [" +
                      std::string(field) + "]");
    }
    if (text->is_string()) {
        n->tokens = tokenize(text->get_string());
        if (n->tokens.empty()) {
            n->kind = node_kind::match_none;  // zero_terms_query defaults to none
        }
    }
    n->values.add(*text, "match");  // non-string document values compare by term equality
    n->values.finish();
    return n;
}

std::size_t minimum_should(const json::value& v, std::size_t should_count) {
    long long n = 0;
    bool percent = false;
    if (v.is_int64() || v.is_uint64()) {
        n = v.is_int64() ? v.get_int64() : static_cast<long long>(v.get_uint64());
    } else if (v.is_string()) {
        std::string_view s = v.get_string();
        if (!s.empty() && s.back() == '%') {
            percent = true;
            s.remove_suffix(1);
        }
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || p != s.data() + s.size()) {
            parsing_error("[bool] query does not support minimum_should_match [" +
                          std::string(v.get_string()) + "]");
        }
    } else {
        parsing_error("[bool] query expects a number or string for [minimum_should_match]");
    }
    const long long count = static_cast<long long>(should_count);
    long long result = percent ? (count * std::llabs(n)) / 100 : std::llabs(n);
    if (n < 0) {
        result = count - result;
    }
    return static_cast<std::size_t>(std::max(0LL, result));
}

node_ptr compile_bool(const json::object& body) {
    auto n = std::make_unique<query_node>();
    n->kind = node_kind::bool_;
    const json::value* msm = nullptr;
    bool has_must = false;
    auto add = [](std::vector<node_ptr>& to, const json::value& clauses, std::string_view name) {
        if (clauses.is_array()) {
            for (const auto& c : clauses.get_array()) {
                to.push_back(compile(c));
            }
        } else if (clauses.is_object()) {
            to.push_back(compile(clauses));
        } else {
            parsing_error("[bool] query does not support [" + std::string(name) + "] as " +
                          std::string(token_name(clauses)));
        }
    };
    for (const auto& [k, v] : body) {
        if (k == "must" || k == "filter") {
            add(n->must, v, k);
            has_must = true;
        } else if (k == "should") {
            add(n->should, v, k);
        } else if (k == "must_not" || k == "mustNot") {
            add(n->must_not, v, k);
        } else if (k == "minimum_should_match") {
            msm = &v;
        } else if (k != "boost" && k != "_name" && k != "adjust_pure_negative") {
            parsing_error("[bool] query does not support [" + std::string(k) + "]");
        }
    }
    if (msm) {
        n->minimum_should_match = minimum_should(*msm, n->should.size());
    } else {
        // A bool of only `should` clauses needs one of them; next to must/filter they only score.
        n->minimum_should_match = (!n->should.empty() && !has_must) ? 1 : 0;
    }
    if (n->minimum_should_match > n->should.size()) {
        n->kind = node_kind::match_none;
    }
    return n;
}

// A parsed query string. nullptr when nothing is left to match (terms the analyser drops), as
// Lucene drops such clauses.
node_ptr compile_qs(const qs::node& q, bool default_and) {
    auto n = std::make_unique<query_node>();
    switch (q.k) {
        case qs::node::kind::match_all:
            return n;
        case qs::node::kind::match_none:
            n->kind = node_kind::match_none;
            return n;
        case qs::node::kind::exists:
            n->kind = node_kind::exists;
            n->path = make_path(q.field);
            return n;
        case qs::node::kind::term:
        case qs::node::kind::phrase: {
            n->path = make_path(q.field);
            const bool keyword = q.field.size() > 8 && q.field.ends_with(".keyword");
            if (keyword) {  // not analysed: the exact value
                n->kind = node_kind::values;
                n->values.add(json::value(json::string_view(q.text)), "query_string");
                n->values.finish();
                return n;
            }
            n->tokens = tokenize(q.text);
            if (n->tokens.empty()) {
                return nullptr;
            }
            n->values.add(json::value(json::string_view(q.text)), "query_string");
            n->values.finish();
            if (q.k == qs::node::kind::phrase && n->tokens.size() > 1) {
                n->kind = node_kind::phrase;
                n->slop = q.slop;
            } else {
                n->kind = node_kind::match;
                n->all_tokens = default_and;
            }
            return n;
        }
        case qs::node::kind::wildcard:
            n->kind = node_kind::wildcard;
            n->path = make_path(q.field);
            n->analysed = !q.field.ends_with(".keyword");
            n->case_insensitive = n->analysed;
            n->text = n->analysed ? core::to_lower(q.text) : q.text;
            return n;
        case qs::node::kind::regexp:
            n->kind = node_kind::regexp;
            n->path = make_path(q.field);
            try {
                n->re = std::make_shared<const std::regex>(q.text);
            } catch (const std::regex_error&) {
                throw qs::syntax_error(q.text, "invalid regular expression");
            }
            return n;
        case qs::node::kind::range: {
            n->kind = node_kind::range;
            n->path = make_path(q.field);
            auto bound_value = [](const std::string& text) {
                if (text.empty()) {
                    return json::value(nullptr);
                }
                if (auto d = parse_number(text)) {
                    return json::value(*d);
                }
                return json::value(json::string_view(text));
            };
            set_bound(n->lo, bound_value(q.lower), q.include_lower, !q.include_lower);
            set_bound(n->hi, bound_value(q.upper), q.include_upper, q.include_upper);
            return n;
        }
        case qs::node::kind::group: {
            n->kind = node_kind::bool_;
            for (const auto& [o, c] : q.clauses) {
                node_ptr child = compile_qs(c, default_and);
                if (!child) {
                    continue;
                }
                (o == qs::occur::must       ? n->must
                 : o == qs::occur::must_not ? n->must_not
                                            : n->should)
                    .push_back(std::move(child));
            }
            if (n->must.empty() && n->should.empty() && n->must_not.empty()) {
                return nullptr;
            }
            n->minimum_should_match = n->must.empty() && !n->should.empty() ? 1 : 0;
            return n;
        }
    }
    return n;
}

node_ptr compile_query_string(std::string_view text, const qs::options& opts) {
    node_ptr n = compile_qs(qs::parse(text, opts), opts.default_and);
    if (!n) {
        n = std::make_unique<query_node>();
        n->kind = node_kind::match_none;
    }
    return n;
}

qs::options query_string_options(std::string_view default_field, std::string_view op) {
    qs::options o;
    if (!default_field.empty()) {
        o.default_field = std::string(default_field);
    }
    const std::string lower = core::to_lower(op);
    if (!op.empty() && lower != "and" && lower != "or") {
        // Operator.fromString is Enum.valueOf on the upper-cased text.
        std::string upper(op);
        for (auto& c : upper) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        throw es_error(400, "illegal_argument_exception",
                       "No enum constant org.elasticsearch.index.query.Operator." + upper);
    }
    o.default_and = lower == "and";
    return o;
}

// The `query_string` query: query, default_field, default_operator; the scoring and analysis
// options are accepted and ignored.
node_ptr compile_query_string(const json::object& body) {
    const json::value* text = nullptr;
    std::string default_field, op;
    for (const auto& [k, v] : body) {
        if (k == "query") {
            text = &v;
        } else if (k == "default_field" || k == "default_operator") {
            if (!v.is_string()) {
                parsing_error("[query_string] query does not support [" + std::string(k) + "]");
            }
            (k == "default_field" ? default_field : op) = std::string(v.get_string());
        } else if (k == "fields" && v.is_array() && v.get_array().size() == 1 &&
                   v.get_array()[0].is_string()) {
            default_field = std::string(v.get_array()[0].get_string());
        } else if (k != "boost" && k != "_name" && k != "analyzer" && k != "quote_analyzer" &&
                   k != "allow_leading_wildcard" && k != "analyze_wildcard" && k != "lenient" &&
                   k != "fuzziness" && k != "phrase_slop" && k != "time_zone" &&
                   k != "minimum_should_match" && k != "escape" && k != "type" &&
                   k != "auto_generate_synonyms_phrase_query" && k != "tie_breaker" &&
                   k != "rewrite" && k != "fuzzy_transpositions" &&
                   k != "max_determinized_states" && k != "quote_field_suffix" &&
                   k != "enable_position_increments" && k != "fuzzy_prefix_length" &&
                   k != "fuzzy_max_expansions" && k != "fuzzy_rewrite") {
            parsing_error("[query_string] query does not support [" + std::string(k) + "]");
        }
    }
    if (!text || !text->is_string()) {
        parsing_error("[query_string] must be provided with a [query]");
    }
    return compile_query_string(text->get_string(), query_string_options(default_field, op));
}

node_ptr compile(const json::value& q) {
    if (!q.is_object()) {
        parsing_error("[_na] query malformed, must start with start_object");
    }
    const json::object& o = q.get_object();
    if (o.empty()) {
        return std::make_unique<query_node>();  // `{}` matches everything
    }
    if (o.size() > 1) {
        auto second = std::next(o.begin());
        parsing_error("[" + std::string(o.begin()->key()) +
                      "] malformed query, expected [END_OBJECT] but found [FIELD_NAME] (" +
                      std::string(second->key()) + ")");
    }
    const auto& [name, body] = *o.begin();
    if (name == "match_all" || name == "match_none") {
        for (const auto& [k, v] : expect_object(name, body)) {
            if (k != "boost" && k != "_name") {
                parsing_error("[" + std::string(name) + "] query does not support [" +
                              std::string(k) + "]");
            }
        }
        auto n = std::make_unique<query_node>();
        n->kind = name == "match_all" ? node_kind::match_all : node_kind::match_none;
        return n;
    }
    if (name == "term") {
        return compile_term(expect_object(name, body));
    }
    if (name == "terms") {
        return compile_terms(expect_object(name, body));
    }
    if (name == "ids") {
        return compile_ids(expect_object(name, body));
    }
    if (name == "exists") {
        return compile_exists(expect_object(name, body));
    }
    if (name == "range") {
        return compile_range(expect_object(name, body));
    }
    if (name == "bool") {
        return compile_bool(expect_object(name, body));
    }
    if (name == "prefix" || name == "wildcard") {
        return compile_pattern(name, expect_object(name, body));
    }
    if (name == "match") {
        return compile_match(expect_object(name, body));
    }
    if (name == "query_string") {
        return compile_query_string(expect_object(name, body));
    }
    if (name == "constant_score") {
        const json::object& cs = expect_object(name, body);
        const json::value* filter = cs.if_contains("filter");
        if (!filter) {
            parsing_error("[constant_score] requires a 'filter' element");
        }
        return compile(*filter);
    }
    parsing_error("unknown query [" + std::string(name) + "]");
}

std::int64_t to_nanos(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

query query::parse(const json::value* q) {
    if (!q || q->is_null()) {
        return query(std::make_shared<const query_node>());
    }
    return query(std::shared_ptr<const query_node>(compile(*q)));
}

query query::parse_query_string(std::string_view text, std::string_view default_field,
                                std::string_view default_operator) {
    return query(std::shared_ptr<const query_node>(
        compile_query_string(text, query_string_options(default_field, default_operator))));
}

bool query::matches(std::string_view id, const json::object& source,
                    std::chrono::system_clock::time_point now) const {
    return root_->eval(id, source, to_nanos(now));
}

bool query::is_match_all() const noexcept {
    return root_->kind == node_kind::match_all;
}

// ---------------------------------------------------------------------------------------------
// Dates as text

std::string format_instant(std::chrono::system_clock::time_point t) {
    std::string out =
        core::format_iso8601_z_nanos(std::chrono::time_point_cast<std::chrono::nanoseconds>(t));
    out.pop_back();  // the 'Z'
    // Keep at least millis; drop trailing zeros beyond them.
    const std::size_t min_len = out.size() - 6;
    while (out.size() > min_len && out.back() == '0') {
        out.pop_back();
    }
    out += 'Z';
    return out;
}

// ---------------------------------------------------------------------------------------------
// Sort

namespace {

// Same characters except digits in the same places, and the same zone offset: text order is
// then time order for timestamps (and plain text order for anything else), so sorting the usual
// uniformly written timestamps needs no date parsing.
bool same_layout(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const bool da = a[i] >= '0' && a[i] <= '9';
        const bool db = b[i] >= '0' && b[i] <= '9';
        if (da != db || (!da && a[i] != b[i])) {
            return false;
        }
    }
    if (a.size() > 11) {
        auto zone = a.find_first_of("+-", 11);
        if (zone != std::string_view::npos && a.substr(zone) != b.substr(zone)) {
            return false;
        }
    }
    return true;
}

int compare_values(const json::value& a, const json::value& b) {
    auto na = a.is_bool() ? std::optional<double>(a.get_bool() ? 1.0 : 0.0) : as_number(a);
    auto nb = b.is_bool() ? std::optional<double>(b.get_bool() ? 1.0 : 0.0) : as_number(b);
    if (na && nb) {
        return three_way(*na, *nb);
    }
    if (a.is_string() && b.is_string()) {
        std::string_view sa = a.get_string(), sb = b.get_string();
        if (same_layout(sa, sb)) {
            int c = sa.compare(sb);
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        const auto ta = iso_ns(sa);
        const auto tb = ta ? iso_ns(sb) : std::nullopt;
        if (ta && tb) {
            return three_way(*ta, *tb);
        }
        int c = sa.compare(sb);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    // Mixed kinds: numbers before strings, anything else after.
    auto rank = [](const json::value& v, bool numeric) {
        return numeric ? 0 : v.is_string() ? 1 : 2;
    };
    return three_way(rank(a, na.has_value()), rank(b, nb.has_value()));
}

// The value a key sorts by: min for ascending, max for descending (ES `mode` defaults).
// The value a key sorts by: min for ascending, max for descending (ES `mode` defaults); null
// when missing. Points into the source, so nothing is copied while sorting.
const json::value* sort_value(const sort_spec::key& k, const json::object& src) {
    const field_path& p = *k.path;
    if (p.parts.size() == 1) {
        const json::value* v = src.if_contains(p.parts[0]);
        if (!v) {
            return nullptr;
        }
        if (!v->is_array()) {
            return (v->is_null() || v->is_object()) ? nullptr : v;
        }
    }
    const json::value* best = nullptr;
    visit_object(src, p, 0, [&](const json::value& v) {
        if (v.is_null() || v.is_object()) {
            return false;
        }
        if (!best || (k.descending ? compare_values(v, *best) > 0 : compare_values(v, *best) < 0)) {
            best = &v;
        }
        return false;
    });
    return best;
}

sort_spec::key parse_sort_key(std::string_view field, const json::value* options) {
    sort_spec::key k;
    k.path = std::make_shared<const field_path>(make_path(field));
    if (!options) {
        return k;
    }
    auto set_order = [&](const json::value& o) {
        if (!o.is_string() || (o.get_string() != "asc" && o.get_string() != "desc")) {
            parsing_error("[field_sort] unknown sort order for field [" + std::string(field) + "]");
        }
        k.descending = o.get_string() == "desc";
    };
    if (options->is_string()) {
        set_order(*options);
    } else if (options->is_object()) {
        for (const auto& [name, v] : options->get_object()) {
            if (name == "order") {
                set_order(v);
            } else if (name == "missing") {
                if (v.is_string() && v.get_string() == "_first") {
                    k.missing_first = true;
                } else if (!(v.is_string() && v.get_string() == "_last")) {
                    parsing_error(
                        "[field_sort] only [_first] and [_last] are supported for "
                        "[missing]");
                }
            } else if (name != "unmapped_type" && name != "mode" && name != "format" &&
                       name != "numeric_type") {
                parsing_error("[field_sort] unknown field [" + std::string(name) + "]");
            }
        }
    } else {
        parsing_error("[field_sort] malformed sort for field [" + std::string(field) + "]");
    }
    return k;
}

}  // namespace

sort_spec sort_spec::parse(const json::value* s) {
    sort_spec spec;
    if (!s || s->is_null()) {
        return spec;
    }
    auto add = [&](const json::value& e) {
        if (e.is_string()) {
            std::string_view f = e.get_string();
            // `_doc` and `_score` (constant here) keep index order, which a stable sort preserves.
            if (f != "_doc" && f != "_score") {
                spec.keys_.push_back(parse_sort_key(f, nullptr));
            }
        } else if (e.is_object()) {
            for (const auto& [f, opts] : e.get_object()) {
                if (f != "_doc" && f != "_score") {
                    spec.keys_.push_back(parse_sort_key(f, &opts));
                }
            }
        } else {
            parsing_error("[sort] malformed, expected a field name or an object but found " +
                          std::string(token_name(e)));
        }
    };
    if (s->is_array()) {
        for (const auto& e : s->get_array()) {
            add(e);
        }
    } else {
        add(*s);
    }
    return spec;
}

int sort_spec::compare(const json::object& a, std::string_view a_id, const json::object& b,
                       std::string_view b_id) const {
    for (const auto& k : keys_) {
        if (k.path->is_id) {
            int c = a_id.compare(b_id);
            if (c != 0) {
                return (k.descending ? -c : c) < 0 ? -1 : 1;
            }
            continue;
        }
        const json::value* va = sort_value(k, a);
        const json::value* vb = sort_value(k, b);
        if (!va || !vb) {
            if (!va && !vb) {
                continue;
            }
            const int missing_side = !va ? -1 : 1;  // -1: a is the missing one
            return k.missing_first ? missing_side : -missing_side;
        }
        int c = compare_values(*va, *vb);
        if (c != 0) {
            return k.descending ? -c : c;
        }
    }
    return 0;
}

int sort_spec::compare_sort_values(const json::array& a, const json::array& b) const {
    for (std::size_t i = 0; i < keys_.size() && i < a.size() && i < b.size(); ++i) {
        const auto& k = keys_[i];
        const bool ma = a[i].is_null(), mb = b[i].is_null();
        if (ma || mb) {
            if (ma && mb) {
                continue;
            }
            const int missing_side = ma ? -1 : 1;
            return k.missing_first ? missing_side : -missing_side;
        }
        int c = compare_values(a[i], b[i]);
        if (c != 0) {
            return k.descending ? -c : c;
        }
    }
    return 0;
}

json::array sort_spec::sort_values(const json::object& source, std::string_view id) const {
    json::array out;
    for (const auto& k : keys_) {
        if (k.path->is_id) {
            out.emplace_back(json::string_view(id.data(), id.size()));
            continue;
        }
        const json::value* v = sort_value(k, source);
        if (!v) {
            out.emplace_back(nullptr);
            continue;
        }
        const auto ns = v->is_string() ? iso_ns(v->get_string()) : std::nullopt;
        if (ns) {
            out.emplace_back(floor_div(*ns, ns_per_ms));  // date fields sort by epoch millis
        } else {
            out.push_back(*v);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// _source filtering

namespace {

std::vector<std::string> pattern_list(const json::value& v, std::string_view what) {
    std::vector<std::string> out;
    if (v.is_string()) {
        out.emplace_back(v.get_string());
    } else if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            if (!e.is_string()) {
                parsing_error("[_source] " + std::string(what) + " must be strings, found " +
                              std::string(token_name(e)));
            }
            out.emplace_back(e.get_string());
        }
    } else {
        parsing_error("[_source] unexpected " + std::string(token_name(v)) + " for [" +
                      std::string(what) + "]");
    }
    return out;
}

bool any_glob(const std::vector<std::string>& patterns, std::string_view path) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return glob_match(p, path); });
}

json::value filter_value(const json::value& v, const std::string& path,
                         const std::vector<std::string>& includes,
                         const std::vector<std::string>& excludes, bool included);

json::object filter_object(const json::object& o, const std::string& prefix,
                           const std::vector<std::string>& includes,
                           const std::vector<std::string>& excludes, bool included) {
    json::object out;
    for (const auto& [k, v] : o) {
        std::string path = prefix.empty() ? std::string(k) : prefix + "." + std::string(k);
        if (any_glob(excludes, path)) {
            continue;
        }
        bool inc = included || includes.empty() || any_glob(includes, path);
        if (inc) {
            out[k] = filter_value(v, path, includes, excludes, true);
            continue;
        }
        // Not included itself: descend only where an include pattern can reach.
        if (!(v.is_object() || v.is_array())) {
            continue;
        }
        std::string child_prefix = path + ".";
        bool reachable = std::any_of(includes.begin(), includes.end(), [&](const std::string& p) {
            return glob_prefix_match(p, child_prefix);
        });
        if (!reachable) {
            continue;
        }
        json::value filtered = filter_value(v, path, includes, excludes, false);
        if ((filtered.is_object() && !filtered.get_object().empty()) ||
            (filtered.is_array() && !filtered.get_array().empty())) {
            out[k] = std::move(filtered);
        }
    }
    return out;
}

json::value filter_value(const json::value& v, const std::string& path,
                         const std::vector<std::string>& includes,
                         const std::vector<std::string>& excludes, bool included) {
    if (v.is_object()) {
        return filter_object(v.get_object(), path, includes, excludes, included);
    }
    if (v.is_array()) {
        json::array out;
        for (const auto& e : v.get_array()) {
            if (e.is_object()) {
                json::object f = filter_object(e.get_object(), path, includes, excludes, included);
                if (included || !f.empty()) {
                    out.emplace_back(std::move(f));
                }
            } else if (included) {
                out.push_back(e);
            }
        }
        return out;
    }
    return v;
}

}  // namespace

json::value filter_source(const json::object& source, const json::value* spec) {
    if (!spec || spec->is_null() || (spec->is_bool() && spec->get_bool())) {
        return source;
    }
    if (spec->is_bool()) {
        return nullptr;
    }
    std::vector<std::string> includes, excludes;
    if (spec->is_string() || spec->is_array()) {
        includes = pattern_list(*spec, "includes");
    } else if (spec->is_object()) {
        for (const auto& [k, v] : spec->get_object()) {
            if (k == "includes" || k == "include") {
                includes = pattern_list(v, k);
            } else if (k == "excludes" || k == "exclude") {
                excludes = pattern_list(v, k);
            } else {
                parsing_error("[_source] unknown key [" + std::string(k) + "]");
            }
        }
    } else {
        parsing_error("[_source] unexpected " + std::string(token_name(*spec)));
    }
    if (includes.empty() && excludes.empty()) {
        return source;
    }
    return filter_object(source, "", includes, excludes, false);
}

}  // namespace casio::mock_es
