
#include <casio/core/time.hpp>

namespace casio::core {

namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`; advances `pos` on success.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > s.size()) {
        return false;
    }
    int v = 0;
    for (int i = 0; i < n; ++i) {
        char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    out = v;
    return true;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

struct civil {
    int year, month, day, hour, minute, second;
    long micros;
};

civil split(sys_us t) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    auto tod = t - day;  // non-negative because of floor
    auto h = duration_cast<hours>(tod);
    auto m = duration_cast<minutes>(tod - h);
    auto s = duration_cast<seconds>(tod - h - m);
    auto us = duration_cast<microseconds>(tod - h - m - s);
    return {static_cast<int>(ymd.year()),
            static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day())),
            static_cast<int>(h.count()),
            static_cast<int>(m.count()),
            static_cast<int>(s.count()),
            static_cast<long>(us.count())};
}

}  // namespace

std::optional<sys_us> parse_iso8601(std::string_view s) {
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0;
    if (!read_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' ||
        !read_digits(s, pos, 2, mo) || pos >= s.size() || s[pos++] != '-' ||
        !read_digits(s, pos, 2, d)) {
        return std::nullopt;
    }
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    sys_us result{sys_days{ymd}};
    if (pos == s.size()) {
        return result;
    }
    char sep = s[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') {
        return std::nullopt;
    }
    int hh = 0, mi = 0, ss = 0;
    if (!read_digits(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':' ||
        !read_digits(s, pos, 2, mi)) {
        return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!read_digits(s, pos, 2, ss)) {
            return std::nullopt;
        }
    }
    if (hh > 23 || mi > 59 || ss > 59) {
        return std::nullopt;
    }
    long micros = 0;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && is_digit(s[pos])) {
            if (digits < 6) {
                micros = micros * 10 + (s[pos] - '0');
            }
            ++digits;
            ++pos;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (int i = digits; i < 6; ++i) {
            micros *= 10;
        }
    }
    result += hours{hh} + minutes{mi} + seconds{ss} + microseconds{micros};
    if (pos == s.size()) {
        return result;
    }
    char zone = s[pos++];
    if (zone == 'Z' || zone == 'z') {
        return pos == s.size() ? std::optional<sys_us>{result} : std::nullopt;
    }
    if (zone != '+' && zone != '-') {
        return std::nullopt;
    }
    int oh = 0, om = 0;
    if (!read_digits(s, pos, 2, oh)) {
        return std::nullopt;
    }
    if (pos < s.size()) {
        if (s[pos] == ':') {
            ++pos;
        }
        if (!read_digits(s, pos, 2, om)) {
            return std::nullopt;
        }
    }
    if (pos != s.size() || oh > 23 || om > 59) {
        return std::nullopt;
    }
    // Local time = UTC + offset, so UTC = local - offset.
    auto offset = hours{oh} + minutes{om};
    return zone == '+' ? result - offset : result + offset;
}

namespace {

// Writes `n` digits of v, zero-padded, at `out`.
char* put(char* out, long v, int n) {
    for (int i = n - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return out + n;
}

// "YYYY-MM-DDTHH:MM:SS" (years 0-9999; others are clamped, they never occur in our data).
char* put_seconds(char* out, const civil& c) {
    out = put(out, c.year < 0 ? 0 : (c.year > 9999 ? 9999 : c.year), 4);
    *out++ = '-';
    out = put(out, c.month, 2);
    *out++ = '-';
    out = put(out, c.day, 2);
    *out++ = 'T';
    out = put(out, c.hour, 2);
    *out++ = ':';
    out = put(out, c.minute, 2);
    *out++ = ':';
    return put(out, c.second, 2);
}

}  // namespace

std::string format_iso8601(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = '.';
    end = put(end, c.micros, 6);
    for (char ch : std::string_view("+00:00")) {
        *end++ = ch;
    }
    return std::string(buf, end);
}

std::string format_iso8601_z_seconds(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = 'Z';
    return std::string(buf, end);
}

std::string format_iso8601_z_millis(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = '.';
    end = put(end, c.micros / 1000, 3);
    *end++ = 'Z';
    return std::string(buf, end);
}

sys_us now_utc() {
    return time_point_cast<microseconds>(system_clock::now());
}

std::string now_iso8601() {
    return format_iso8601(now_utc());
}

}  // namespace casio::core
