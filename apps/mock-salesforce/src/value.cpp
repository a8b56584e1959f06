#include "value.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <casio/core/text.hpp>
#include <casio/core/time.hpp>

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

namespace {

struct civil_time {
    int year, month, day, hour, minute, second;
};

civil_time civil_from_unix(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds t{seconds{unix_seconds}};
    const auto midnight = floor<days>(t);
    const year_month_day date{midnight};
    const hh_mm_ss time{t - midnight};
    return {static_cast<int>(date.year()),
            static_cast<int>(static_cast<unsigned>(date.month())),
            static_cast<int>(static_cast<unsigned>(date.day())),
            static_cast<int>(time.hours().count()),
            static_cast<int>(time.minutes().count()),
            static_cast<int>(time.seconds().count())};
}

// Fixed-width decimal digits without printf: dates are formatted for every record served.
void put(char* p, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

std::int64_t unix_from_civil(int year, int month, int day, int hour, int minute, int second) {
    using namespace std::chrono;
    // A day past the month's end counts on into the next month.
    const sys_days date{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
                        std::chrono::day{static_cast<unsigned>(day)}};
    return (date + hours{hour} + minutes{minute} + seconds{second}).time_since_epoch().count();
}

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

std::string format_datetime_ms(std::int64_t unix_ms) {
    const std::int64_t sec = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    auto out = format_datetime(sec);
    put(out.data() + 20, static_cast<int>(unix_ms - sec * 1000), 3);
    return out;
}

std::string format_http_date(std::int64_t unix_seconds) {
    static constexpr const char* wdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto c = civil_from_unix(unix_seconds);
    const std::int64_t days = (unix_seconds >= 0 ? unix_seconds : unix_seconds - 86399) / 86400;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  wdays[((days % 7) + 7) % 7], c.day, months[c.month - 1], c.year, c.hour, c.minute,
                  c.second);
    return buf;
}

std::optional<std::int64_t> parse_datetime_ms(std::string_view text) {
    auto t = core::parse_iso8601(text);
    if (!t || text.size() < 11) {
        return std::nullopt;  // a date alone is not a datetime here
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

std::string format_date(std::int64_t unix_seconds) {
    auto c = civil_from_unix(unix_seconds);
    char buf[10] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0'};
    put(buf, c.year, 4);
    put(buf + 5, c.month, 2);
    put(buf + 8, c.day, 2);
    return std::string(buf, 10);
}

std::optional<std::string> canonical_date(std::string_view s) {
    // The ISO parser checks the calendar; SOQL dates have exactly this shape, from 1700 on.
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || s.substr(0, 4) < "1700" ||
        !core::parse_iso8601(s)) {
        return std::nullopt;
    }
    return std::string(s);
}

std::optional<std::string> canonical_datetime(std::string_view s) {
    // Of the ISO forms core::parse_iso8601 reads, SOQL takes a date of canonical_date, `T`,
    // hours, minutes and seconds (59 at most), an optional `.` fraction, and a zone that is `Z`
    // or has minutes (`+05:30`, `+0530`).
    if (s.size() < 20 || !canonical_date(s.substr(0, 10)) || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':' || s.substr(17, 2) == "60" ||
        s.find(',') != std::string_view::npos) {
        return std::nullopt;
    }
    const auto zone = s.find_first_of("Zz+-", 19);
    if (zone == std::string_view::npos ||
        (s[zone] == '+' || s[zone] == '-') != (s.size() - zone == 5 || s.size() - zone == 6)) {
        return std::nullopt;
    }
    const auto t = core::parse_iso8601(s);
    if (!t) {
        return std::nullopt;
    }
    const auto whole = std::chrono::floor<std::chrono::seconds>(*t);
    std::string out = format_datetime(whole.time_since_epoch().count());
    put(out.data() + 20, static_cast<int>((*t - whole) / std::chrono::milliseconds{1}), 3);
    return out;
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
