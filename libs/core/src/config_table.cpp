#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <casio/core/config_table.hpp>
#include <casio/core/text.hpp>

namespace casio::core {

namespace {

using kind = config_node::kind;

std::string describe(const config_node& n, bool secret) {
    switch (n.k) {
        case kind::null:
            return "null";
        case kind::scalar:
            return secret ? "a scalar" : config_quote(n.text);
        case kind::sequence:
            return "a list";
        case kind::map:
            return "a mapping";
    }
    return "null";
}

std::optional<bool> scalar_bool(std::string_view text) {
    auto l = to_lower(text);
    if (l == "true" || l == "yes" || l == "on") {
        return true;
    }
    if (l == "false" || l == "no" || l == "off") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::int64_t> scalar_int(const std::string& text) {
    std::size_t i = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
    if (i == text.size()) {
        return std::nullopt;
    }
    for (std::size_t j = i; j < text.size(); ++j) {
        if (!std::isdigit(static_cast<unsigned char>(text[j]))) {
            return std::nullopt;
        }
    }
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
}

std::optional<double> scalar_double(const std::string& text) {
    // Only plain decimal notation: no hex, inf or nan (and no leading blank).
    if (text.empty() || text.find_first_not_of("0123456789.-+eE") != std::string::npos) {
        return std::nullopt;
    }
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (errno == ERANGE || end != text.c_str() + text.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        auto b = item.find_first_not_of(" \t");
        auto e = item.find_last_not_of(" \t");
        if (b != std::string::npos) {
            out.push_back(item.substr(b, e - b + 1));
        }
    }
    return out;
}

}  // namespace

void config_fail(const std::string& path, std::string_view expected, const config_node& n,
                 bool secret) {
    throw config_error("config: " + path + ": expected " + std::string(expected) + ", got " +
                       describe(n, secret));
}

std::string config_quote(std::string_view v) {
    std::string r = "\"";
    for (const char c : v) {
        if (c == '"' || c == '\\') {
            r += '\\';
            r += c;
        } else {
            r += escape_control(std::string_view(&c, 1));
        }
    }
    return r + "\"";
}

bool looks_secret(std::string_view name) {
    auto l = to_lower(name);
    for (std::string_view word : {"auth", "key", "token", "secret", "password", "cookie"}) {
        if (l.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string config_path(const std::string& parent, std::string_view key) {
    // A key with a line break in it still makes a path that errors and warnings show on one line.
    std::string k = escape_control(key);
    return parent.empty() ? k : parent + "." + k;
}

namespace config_read {

bool boolean::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::scalar) {
        if (auto b = scalar_bool(n.text)) {
            return *b;
        }
    }
    config_fail(path, "true or false", n);
}

std::int64_t integer::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::scalar) {
        if (auto v = scalar_int(n.text); v && *v >= min && *v <= max) {
            return *v;
        }
    }
    if (max != std::numeric_limits<std::int64_t>::max()) {
        const std::string expected =
            "an integer from " + std::to_string(min) + " to " + std::to_string(max);
        config_fail(path, expected, n);
    }
    config_fail(path, min > 0 ? "a positive integer" : "a non-negative integer", n);
}

double number::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::scalar) {
        if (auto v = scalar_double(n.text); v && *v >= min && *v <= max) {
            return *v;
        }
    }
    config_fail(path, expected, n);
}

seconds_ms seconds::operator()(const config_node& n, const std::string& path) const {
    std::string_view expected =
        positive ? "a positive number of seconds" : "a non-negative number of seconds";
    double s = number{0, 1e9, expected}(n, path);
    if (positive && s <= 0) {
        config_fail(path, expected, n);
    }
    return seconds_ms(static_cast<std::int64_t>(std::llround(s * 1000)));
}

std::size_t mebibytes::operator()(const config_node& n, const std::string& path) const {
    const std::string expected =
        max == 1e6 ? std::string("a non-negative number of MiB")
                   : "a number of MiB from 0 to " + std::to_string(static_cast<long long>(max));
    double v = number{0, max, expected}(n, path);
    return static_cast<std::size_t>(std::llround(v * static_cast<double>(mib)));
}

std::string string::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::scalar) {
        return n.text;
    }
    config_fail(path, "a string", n, secret);
}

std::optional<std::string> optional_string::operator()(const config_node& n,
                                                       const std::string& path) const {
    if (n.k == kind::null) {
        return std::nullopt;
    }
    return string{secret}(n, path);
}

std::vector<std::string> string_list::operator()(const config_node& n,
                                                 const std::string& path) const {
    if (n.k == kind::null) {
        return {};
    }
    if (n.k == kind::scalar) {
        return split_commas(n.text);
    }
    if (n.k != kind::sequence) {
        config_fail(path, "a list of strings", n);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        out.push_back(string{}(n.items[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
}

std::map<std::string, std::string> string_map::operator()(const config_node& n,
                                                          const std::string& path) const {
    std::map<std::string, std::string> out;
    if (n.k == kind::null) {
        return out;
    }
    if (n.k != kind::map) {
        config_fail(path, "a mapping", n, secret_values);
    }
    for (const auto& [k, v] : n.entries) {
        out[k] = string{secret_values}(v, config_path(path, k));
    }
    return out;
}

config_scalar scalar::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::null) {
        return std::monostate{};
    }
    if (n.k != kind::scalar) {
        config_fail(path, "a scalar value", n, true);
    }
    if (n.quoted) {
        return n.text;
    }
    if (auto b = scalar_bool(n.text)) {
        return *b;
    }
    if (auto i = scalar_int(n.text)) {
        return *i;
    }
    if (auto d = scalar_double(n.text);
        d && n.text.find_first_of("0123456789") != std::string::npos) {
        return *d;
    }
    return n.text;
}

log::level log_level::operator()(const config_node& n, const std::string& path) const {
    if (n.k == kind::scalar) {
        if (auto l = log::parse_level(n.text)) {
            return *l;
        }
    }
    config_fail(path, "one of debug, info, warning, error, critical", n);
}

}  // namespace config_read

config_reader::config_reader(std::vector<std::string> accepted_unused)
    : accepted_unused_(std::move(accepted_unused)) {}

bool config_reader::is_section(const config_node& n, const std::string& path) const {
    if (n.k == kind::null) {
        return false;
    }
    if (n.k != kind::map) {
        config_fail(path, "a mapping", n);
    }
    return true;
}

void config_reader::not_in_table(const std::string& path) {
    for (const auto& key : accepted_unused_) {
        bool under = key.size() > 2 && key.compare(key.size() - 2, 2, ".*") == 0 &&
                     path.compare(0, key.size() - 2, key, 0, key.size() - 2) == 0 &&
                     (path.size() == key.size() - 2 || path[key.size() - 2] == '.');
        if (path == key || under) {
            unused_present_.push_back(path);
            return;
        }
    }
    warnings_.push_back("config: unknown key " + path + " (ignored)");
}

}  // namespace casio::core
