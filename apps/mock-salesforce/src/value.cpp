#include "value.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <casio/core/text.hpp>

#include "sf_error.hpp"

namespace casio::mock_sf {

std::string sf_error::to_json() const {
    std::string out = "[{\"message\":";
    append_json_string(out, what());
    out += ",\"errorCode\":";
    append_json_string(out, code_);
    out += "}]";
    return out;
}

std::string_view to_string(field_type t) noexcept {
    switch (t) {
        case field_type::id:
            return "id";
        case field_type::string:
            return "string";
        case field_type::textarea:
            return "textarea";
        case field_type::email:
            return "email";
        case field_type::phone:
            return "phone";
        case field_type::url:
            return "url";
        case field_type::picklist:
            return "picklist";
        case field_type::reference:
            return "reference";
        case field_type::boolean:
            return "boolean";
        case field_type::integer:
            return "int";
        case field_type::double_:
            return "double";
        case field_type::currency:
            return "currency";
        case field_type::percent:
            return "percent";
        case field_type::date:
            return "date";
        case field_type::datetime:
            return "datetime";
        case field_type::address:
            return "address";
    }
    return "string";
}

bool is_text(field_type t) noexcept {
    switch (t) {
        case field_type::string:
        case field_type::textarea:
        case field_type::email:
        case field_type::phone:
        case field_type::url:
        case field_type::picklist:
            return true;
        default:
            return false;
    }
}

bool is_numeric(field_type t) noexcept {
    return t == field_type::integer || t == field_type::double_ || t == field_type::currency ||
           t == field_type::percent;
}

void append_json_number(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    std::array<char, 64> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
    std::string_view text(buf.data(), static_cast<std::size_t>(end - buf.data()));
    out += text;
    // The API prints double-typed fields with a fraction: 15000.0, not 15000.
    if (text.find_first_of(".eE") == std::string_view::npos) {
        out += ".0";
    }
}

void append_json_value(std::string& out, const value& v, field_type t) {
    switch (v.index()) {
        case 0:
            out += "null";
            return;
        case 1:
            out += std::get<bool>(v) ? "true" : "false";
            return;
        case 2:
            if (t == field_type::integer) {
                out += std::to_string(std::get<std::int64_t>(v));
            } else {
                append_json_number(out, static_cast<double>(std::get<std::int64_t>(v)));
            }
            return;
        case 3:
            if (t == field_type::integer) {
                out += std::to_string(static_cast<std::int64_t>(std::get<double>(v)));
            } else {
                append_json_number(out, std::get<double>(v));
            }
            return;
        case 4:
            append_json_string(out, std::get<std::string>(v));
            return;
        case 5: {
            const auto& a = std::get<address>(v);
            auto opt = [&](std::string_view s) {
                if (s.empty()) {
                    out += "null";
                } else {
                    append_json_string(out, s);
                }
            };
            out += "{\"city\":";
            opt(a.city);
            out += ",\"country\":";
            opt(a.country);
            out += ",\"geocodeAccuracy\":null,\"latitude\":";
            if (a.latitude) {
                append_json_number(out, *a.latitude);
            } else {
                out += "null";
            }
            out += ",\"longitude\":";
            if (a.longitude) {
                append_json_number(out, *a.longitude);
            } else {
                out += "null";
            }
            out += ",\"postalCode\":";
            opt(a.postal_code);
            out += ",\"state\":";
            opt(a.state);
            out += ",\"street\":";
            opt(a.street);
            out += "}";
            return;
        }
    }
}

// Howard Hinnant's days-from-civil algorithms.
static std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

civil_time civil_from_unix(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2)),
            static_cast<int>(m),
            static_cast<int>(d),
            static_cast<int>(rem / 3600),
            static_cast<int>(rem % 3600 / 60),
            static_cast<int>(rem % 60),
            0};
}

std::int64_t unix_from_civil(int year, int month, int day, int hour, int minute, int second) {
    return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + second;
}

namespace {

// Fixed-width decimal digits without printf: dates are formatted for every record served.
void put(char* p, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

std::string format_datetime(std::int64_t unix_seconds) {
    auto c = civil_from_unix(unix_seconds);
    char buf[28] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':',
                    '0', '0', ':', '0', '0', '.', '0', '0', '0', '+', '0', '0', '0', '0'};
    put(buf, c.year, 4);
    put(buf + 5, c.month, 2);
    put(buf + 8, c.day, 2);
    put(buf + 11, c.hour, 2);
    put(buf + 14, c.minute, 2);
    put(buf + 17, c.second, 2);
    return std::string(buf, 28);
}

std::string format_date(std::int64_t unix_seconds) {
    auto c = civil_from_unix(unix_seconds);
    char buf[10] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0'};
    put(buf, c.year, 4);
    put(buf + 5, c.month, 2);
    put(buf + 8, c.day, 2);
    return std::string(buf, 10);
}

namespace {

bool valid_date(int y, int m, int d) {
    static constexpr int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1700 || m < 1 || m > 12 || d < 1) {
        return false;
    }
    if (m == 2) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return d <= (leap ? 29 : 28);
    }
    return d <= mdays[m - 1];
}

}  // namespace

std::optional<std::string> canonical_date(std::string_view s) {
    int y = 0, m = 0, d = 0;
    if (s.size() != 10 || !core::read_digits(s, 0, 4, y) || s[4] != '-' ||
        !core::read_digits(s, 5, 2, m) || s[7] != '-' || !core::read_digits(s, 8, 2, d) ||
        !valid_date(y, m, d)) {
        return std::nullopt;
    }
    return std::string(s);
}

std::optional<std::string> canonical_datetime(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (s.size() < 20 || !canonical_date(s.substr(0, 10)) || (s[10] != 'T' && s[10] != 't') ||
        !core::read_digits(s, 11, 2, h) || s[13] != ':' || !core::read_digits(s, 14, 2, mi) ||
        s[16] != ':' || !core::read_digits(s, 17, 2, se) || h > 23 || mi > 59 || se > 59) {
        return std::nullopt;
    }
    core::read_digits(s, 0, 4, y);
    core::read_digits(s, 5, 2, mo);
    core::read_digits(s, 8, 2, d);
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int scale = 100;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            millis += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int sign = s[pos] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!core::read_digits(s, pos + 1, 2, oh)) {
            return std::nullopt;
        }
        std::size_t p = pos + 3;
        if (p < s.size() && s[p] == ':') {
            ++p;
        }
        if (!core::read_digits(s, p, 2, om)) {
            return std::nullopt;
        }
        pos = p + 2;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    auto t = unix_from_civil(y, mo, d, h, mi, se) - offset;
    auto c = civil_from_unix(t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", c.year, c.month,
                  c.day, c.hour, c.minute, c.second, millis);
    return std::string(buf);
}

namespace {
char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

int icompare(std::string_view a, std::string_view b) noexcept {
    std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        auto x = static_cast<unsigned char>(lower(a[i]));
        auto y = static_cast<unsigned char>(lower(b[i]));
        if (x != y) {
            return x < y ? -1 : 1;
        }
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool icontains(std::string_view h, std::string_view n) noexcept {
    if (n.empty()) {
        return true;
    }
    if (n.size() > h.size()) {
        return false;
    }
    for (std::size_t i = 0; i + n.size() <= h.size(); ++i) {
        if (iequals(h.substr(i, n.size()), n)) {
            return true;
        }
    }
    return false;
}

}  // namespace casio::mock_sf
