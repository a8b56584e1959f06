#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <unistd.h>
#include <vector>

#include <casio/core/json_text.hpp>
#include <casio/core/log.hpp>
#include <casio/core/time.hpp>

namespace casio::core::log {

namespace detail {
std::atomic<int> min_level{static_cast<int>(level::info)};
}  // namespace detail

namespace {

thread_local const labels* current = nullptr;

constexpr std::string_view redacted = "<redacted>";

struct state {
    std::atomic<int> fmt{static_cast<int>(format::text)};

    std::mutex out_mutex;  // guards sink and the service names, and serialises writes
    sink out;
    std::string service_name = "connectors-asio";
    std::string service_version = "0.1.0";

    std::shared_mutex secrets_mutex;
    std::vector<std::string> secrets;  // longest first, so a secret containing another wins
};

state& global() {
    static state s;
    return s;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals_at(std::string_view s, std::size_t pos, std::string_view word) {
    if (pos + word.size() > s.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (lower(s[pos + i]) != word[i]) {
            return false;
        }
    }
    return true;
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// Where an unquoted value stops.
bool ends_value(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == '&' ||
           c == '"' || c == '\'' || c == '}' || c == ']' || c == ')';
}

// Keys whose value is a secret wherever they appear (JSON, YAML, headers, query strings).
constexpr std::array<std::string_view, 14> secret_keys = {
    "password", "passwd",        "client_secret", "secret",        "api_key",
    "apikey",   "api-key",       "access_token",  "refresh_token", "token",
    "id_token", "authorization", "private_key",   "x-api-key"};

// First letters of the secret keys and of "bearer"/"apikey": most positions are rejected on
// this test alone.
bool may_start_pattern(char c) {
    switch (lower(c)) {
        case 'a':
        case 'b':
        case 'c':
        case 'i':
        case 'p':
        case 'r':
        case 's':
        case 't':
        case 'x':
            return true;
        default:
            return false;
    }
}

// Authorization schemes kept visible in front of the redacted credential.
constexpr std::array<std::string_view, 5> schemes = {"bearer", "apikey", "basic", "token",
                                                     "negotiate"};

// Length of a scheme word followed by spaces at `pos`, or 0.
std::size_t scheme_at(std::string_view s, std::size_t pos) {
    for (auto scheme : schemes) {
        if (iequals_at(s, pos, scheme)) {
            std::size_t end = pos + scheme.size();
            if (end < s.size() && is_space(s[end])) {
                while (end < s.size() && is_space(s[end])) {
                    ++end;
                }
                return end - pos;
            }
        }
    }
    return 0;
}

// Replaces s[from, to) with the marker; returns the position after it.
std::size_t replace_span(std::string& s, std::size_t from, std::size_t to) {
    if (to <= from) {
        return from;
    }
    s.replace(from, to - from, redacted);
    return from + redacted.size();
}

std::size_t unquoted_end(const std::string& s, std::size_t pos) {
    while (pos < s.size() && !ends_value(s[pos])) {
        ++pos;
    }
    return pos;
}

// After a secret key at [key_begin, key_end): finds `:` or `=` and redacts the value.
// Returns where scanning continues.
std::size_t redact_value_after(std::string& s, std::size_t key_end, bool is_authorization) {
    std::size_t p = key_end;
    // A closing quote of a JSON/YAML key, possibly escaped inside an already escaped string.
    if (p < s.size() && s[p] == '\\') {
        ++p;
    }
    if (p < s.size() && (s[p] == '"' || s[p] == '\'')) {
        ++p;
    }
    while (p < s.size() && is_space(s[p])) {
        ++p;
    }
    if (p >= s.size() || (s[p] != ':' && s[p] != '=')) {
        return key_end;
    }
    ++p;
    while (p < s.size() && is_space(s[p])) {
        ++p;
    }
    if (p >= s.size()) {
        return p;
    }
    if (s[p] == '\\' && p + 1 < s.size() && s[p + 1] == '"') {
        // An escaped JSON string inside a message: the value ends at the next \".
        std::size_t begin = p + 2;
        std::size_t end = s.find("\\\"", begin);
        if (end == std::string::npos) {
            end = s.size();
        }
        if (is_authorization) {
            begin += scheme_at(s, begin);
        }
        return replace_span(s, begin, end);
    }
    if (s[p] == '"' || s[p] == '\'') {
        char quote = s[p];
        std::size_t begin = p + 1;
        std::size_t end = begin;
        while (end < s.size() && s[end] != quote) {
            end += (s[end] == '\\' && end + 1 < s.size()) ? 2 : 1;
        }
        if (end > s.size()) {
            end = s.size();
        }
        // `\"` closes the value when the text is itself an escaped JSON string.
        if (end > begin && s[end - 1] == '\\') {
            --end;
        }
        if (is_authorization) {
            begin += scheme_at(s, begin);
        }
        return replace_span(s, begin, end);
    }
    if (is_authorization) {
        p += scheme_at(s, p);
    }
    return replace_span(s, p, unquoted_end(s, p));
}

void redact_patterns(std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] == ':' && s.compare(i, 3, "://") == 0) {
            // scheme://user:password@host
            std::size_t p = i + 3;
            std::size_t colon = std::string::npos;
            while (p < s.size() && !ends_value(s[p]) && s[p] != '/' && s[p] != '@') {
                if (s[p] == ':' && colon == std::string::npos) {
                    colon = p;
                }
                ++p;
            }
            if (p < s.size() && s[p] == '@' && colon != std::string::npos) {
                i = replace_span(s, colon + 1, p);
                continue;
            }
        }
        bool at_word_start = i == 0 || !is_key_char(s[i - 1]);
        if (!at_word_start || !may_start_pattern(s[i])) {
            ++i;
            continue;
        }
        std::size_t next = i + 1;
        for (auto key : secret_keys) {
            if (iequals_at(s, i, key) &&
                (i + key.size() == s.size() || !is_key_char(s[i + key.size()]))) {
                std::size_t after = redact_value_after(s, i + key.size(), key == "authorization");
                if (after > i + key.size()) {
                    next = after;
                }
                break;
            }
        }
        if (next == i + 1) {
            // A bare "Bearer xyz" / "ApiKey xyz" anywhere in the text.
            if (iequals_at(s, i, "bearer") || iequals_at(s, i, "apikey")) {
                std::size_t word = i + 6;
                if (word < s.size() && is_space(s[word])) {
                    std::size_t p = word;
                    while (p < s.size() && is_space(s[p])) {
                        ++p;
                    }
                    next = replace_span(s, p, unquoted_end(s, p));
                }
            }
        }
        i = std::max(next, i + 1);
    }
}

// A secret this short also occurs inside ordinary words ("x" in "index"): it is redacted only
// where it stands alone, so that lines stay readable and do not point at the secret.
constexpr std::size_t min_anywhere_secret = 8;

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

void replace_all(std::string& s, std::string_view what) {
    const bool whole_word_only = what.size() < min_anywhere_secret;
    std::size_t pos = 0;
    while ((pos = s.find(what, pos)) != std::string::npos) {
        const std::size_t end = pos + what.size();
        if (whole_word_only &&
            ((pos > 0 && word_char(s[pos - 1])) || (end < s.size() && word_char(s[end])))) {
            ++pos;
            continue;
        }
        s.replace(pos, what.size(), redacted);
        pos += redacted.size();
    }
}

std::string upper(std::string_view v) {
    std::string r(v);
    for (char& c : r) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return r;
}

}  // namespace

scoped_labels::scoped_labels(const labels* l) noexcept : previous_(current) {
    current = l;
}

scoped_labels::~scoped_labels() {
    current = previous_;
}

const labels* current_labels() noexcept {
    return current;
}

std::string_view to_string(level l) noexcept {
    switch (l) {
        case level::debug:
            return "debug";
        case level::info:
            return "info";
        case level::warning:
            return "warning";
        case level::error:
            return "error";
        case level::critical:
            return "critical";
    }
    return "info";
}

std::optional<level> parse_level(std::string_view text) {
    std::string l;
    for (char c : text) {
        l += lower(c);
    }
    if (l == "debug")
        return level::debug;
    if (l == "info")
        return level::info;
    if (l == "warning" || l == "warn")
        return level::warning;
    if (l == "error")
        return level::error;
    if (l == "critical" || l == "fatal")
        return level::critical;
    return std::nullopt;
}

void set_level(level l) noexcept {
    detail::min_level.store(static_cast<int>(l), std::memory_order_relaxed);
}

level get_level() noexcept {
    return static_cast<level>(detail::min_level.load(std::memory_order_relaxed));
}

void set_format(format f) noexcept {
    global().fmt.store(static_cast<int>(f), std::memory_order_relaxed);
}

void set_service(std::string name, std::string version) {
    auto& g = global();
    std::lock_guard lock(g.out_mutex);
    g.service_name = std::move(name);
    g.service_version = std::move(version);
}

void set_sink(sink s) {
    auto& g = global();
    std::lock_guard lock(g.out_mutex);
    g.out = std::move(s);
}

void register_secret(std::string_view secret) {
    if (secret.empty()) {
        return;
    }
    auto& g = global();
    std::unique_lock lock(g.secrets_mutex);
    if (std::find(g.secrets.begin(), g.secrets.end(), secret) != g.secrets.end()) {
        return;
    }
    g.secrets.emplace_back(secret);
    std::stable_sort(
        g.secrets.begin(), g.secrets.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void clear_secrets() {
    auto& g = global();
    std::unique_lock lock(g.secrets_mutex);
    g.secrets.clear();
}

std::string redact(std::string_view text) {
    std::string s(text);
    {
        auto& g = global();
        std::shared_lock lock(g.secrets_mutex);
        for (const auto& secret : g.secrets) {
            replace_all(s, secret);
        }
    }
    redact_patterns(s);
    return s;
}

void write(level l, std::string_view message) {
    auto& g = global();
    std::string clean = redact(message);
    auto stamp = format_iso8601_z_millis(now_utc());
    std::string line;
    line.reserve(clean.size() + 256);
    std::lock_guard lock(g.out_mutex);
    if (static_cast<format>(g.fmt.load(std::memory_order_relaxed)) == format::ecs_json) {
        line += "{\"@timestamp\":";
        append_json_string(line, stamp);
        line += ",\"log.level\":";
        append_json_string(line, to_string(l));
        line += ",\"message\":";
        append_json_string(line, clean);
        if (const labels* job = current) {
            line += ",\"labels\":{\"connector_id\":";
            append_json_string(line, job->connector_id);
            line += ",\"sync_job_id\":";
            append_json_string(line, job->sync_job_id);
            line += ",\"index_name\":";
            append_json_string(line, job->index_name);
            line += '}';
        }
        line += ",\"ecs\":{\"version\":\"1.6.0\"},\"log\":{\"logger\":";
        append_json_string(line, g.service_name);
        line += "},\"process\":{\"pid\":";
        line += std::to_string(::getpid());
        line += ",\"name\":";
        append_json_string(line, g.service_name);
        line += ",\"thread\":{\"id\":";
        line += std::to_string(::gettid());
        line += "}},\"service\":{\"name\":";
        append_json_string(line, g.service_name);
        line += ",\"type\":";
        append_json_string(line, g.service_name);
        line += ",\"version\":";
        append_json_string(line, g.service_version);
        line += "}}";
    } else {
        line += '[';
        line += stamp;
        line += "][";
        line += upper(to_string(l));
        line += "] ";
        line += clean;
    }
    if (g.out) {
        g.out(line);
    } else {
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    }
}

}  // namespace casio::core::log
