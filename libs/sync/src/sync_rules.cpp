#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <regex>

#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/sync/sync_rules.hpp>

namespace casio::sync {

namespace json = boost::json;

struct rule_set::compiled {
    std::optional<std::regex> re;
};

namespace {

core::error rule_error(const sync_rule& r, const std::string& what) {
    return core::error(core::error_kind::bad_request,
                       "sync rule '" + r.id + "' (field '" + r.field + "'): " + what);
}

std::string_view str_of(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) {
        return {};
    }
    return it->value().get_string();
}

std::optional<double> to_double(std::string_view s) {
    // Python float(): surrounding whitespace allowed.
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return d;
}

}  // namespace

std::string python_str(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return std::string(v.get_string());
        case json::kind::bool_:
            return v.get_bool() ? "True" : "False";
        case json::kind::null:
            return "None";
        case json::kind::int64:
            return std::to_string(v.get_int64());
        case json::kind::uint64:
            return std::to_string(v.get_uint64());
        case json::kind::double_: {
            char buf[64];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
            std::string s(buf, ec == std::errc() ? p : buf);
            if (s.find_first_of(".enai") == std::string::npos) {
                s += ".0";
            }
            return s;
        }
        default:
            return json::serialize(v);
    }
}

rule_set::rule_set(std::vector<sync_rule> rules) : rules_(std::move(rules)) {
    std::stable_sort(rules_.begin(), rules_.end(),
                     [](const sync_rule& a, const sync_rule& b) { return a.order < b.order; });
    auto c = std::make_shared<std::vector<compiled>>();
    c->reserve(rules_.size());
    for (const auto& r : rules_) {
        compiled k;
        if (r.kind == rule_kind::regex) {
            try {
                k.re.emplace(r.value, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                throw rule_error(r, "invalid regex '" + r.value + "': " + e.what());
            }
        }
        c->push_back(std::move(k));
    }
    compiled_ = std::move(c);
}

rule_set rule_set::from_json(const json::value& rules) {
    std::vector<sync_rule> out;
    if (rules.is_null()) {
        return rule_set(std::move(out));
    }
    if (!rules.is_array()) {
        throw core::error(core::error_kind::bad_request, "filtering.rules is not an array");
    }
    for (const auto& item : rules.get_array()) {
        if (!item.is_object()) {
            throw core::error(core::error_kind::bad_request,
                              "filtering.rules entry is not an object");
        }
        const auto& o = item.get_object();
        sync_rule r;
        r.id = std::string(str_of(o, "id"));
        if (r.id == "DEFAULT") {
            continue;
        }
        r.field = std::string(str_of(o, "field"));
        if (auto it = o.find("value"); it != o.end()) {
            r.value = it->value().is_string() ? std::string(it->value().get_string())
                                              : python_str(it->value());
        }
        if (auto it = o.find("order"); it != o.end() && it->value().is_number()) {
            r.order = it->value().to_number<std::int64_t>();
        }
        auto policy = str_of(o, "policy");
        if (policy == "include") {
            r.policy = rule_policy::include;
        } else if (policy == "exclude") {
            r.policy = rule_policy::exclude;
        } else {
            throw rule_error(r, "unknown policy '" + std::string(policy) + "'");
        }
        auto kind = str_of(o, "rule");
        if (kind == "equals") {
            r.kind = rule_kind::equals;
        } else if (kind == "starts_with") {
            r.kind = rule_kind::starts_with;
        } else if (kind == "ends_with") {
            r.kind = rule_kind::ends_with;
        } else if (kind == "contains") {
            r.kind = rule_kind::contains;
        } else if (kind == "regex") {
            r.kind = rule_kind::regex;
        } else if (kind == ">") {
            r.kind = rule_kind::greater_than;
        } else if (kind == "<") {
            r.kind = rule_kind::less_than;
        } else {
            throw rule_error(r, "unknown rule '" + std::string(kind) + "'");
        }
        out.push_back(std::move(r));
    }
    return rule_set(std::move(out));
}

bool rule_set::accepts(const json::object& doc) const {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const auto& r = rules_[i];
        auto it = doc.find(r.field);
        if (it == doc.end()) {
            continue;
        }
        const json::value& v = it->value();
        bool match = false;
        switch (r.kind) {
            case rule_kind::starts_with:
                match = python_str(v).starts_with(r.value);
                break;
            case rule_kind::ends_with:
                match = python_str(v).ends_with(r.value);
                break;
            case rule_kind::contains:
                match = python_str(v).find(r.value) != std::string::npos;
                break;
            case rule_kind::regex:
                // Python re.match: anchored at the start only.
                match = std::regex_search(python_str(v), *(*compiled_)[i].re,
                                          std::regex_constants::match_continuous);
                break;
            case rule_kind::equals:
            case rule_kind::greater_than:
            case rule_kind::less_than: {
                // The rule value takes the type of the document value.
                int cmp = 0;
                if (v.is_string()) {
                    cmp = std::string_view(v.get_string()).compare(r.value);
                } else if (v.is_number()) {
                    auto d = to_double(r.value);
                    if (!d) {
                        // A number never equals a string; ordering them is an error.
                        if (r.kind != rule_kind::equals) {
                            throw rule_error(r, "cannot compare the number " + python_str(v) +
                                                    " with '" + r.value + "'");
                        }
                        break;
                    }
                    double x = v.to_number<double>();
                    cmp = x < *d ? -1 : (x > *d ? 1 : 0);
                } else {
                    // Booleans (and others) meet the string "True"/"False": equality with a
                    // bool never holds and ordering is an error, as in the reference.
                    if (r.kind != rule_kind::equals) {
                        throw rule_error(r, "cannot order the value " + python_str(v) +
                                                " against '" + r.value + "'");
                    }
                    break;
                }
                match = r.kind == rule_kind::equals         ? cmp == 0
                        : r.kind == rule_kind::greater_than ? cmp > 0
                                                            : cmp < 0;
                break;
            }
        }
        if (match) {
            return r.policy == rule_policy::include;
        }
    }
    return true;
}

}  // namespace casio::sync
