// Status classification, check(), header lookup and Retry-After: pure logic, no I/O.
#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include <casio/core/text.hpp>
#include <casio/http/client.hpp>

namespace casio::http {

namespace {

constexpr std::size_t excerpt_size = 200;

}  // namespace

std::string_view to_string(method m) noexcept {
    switch (m) {
        case method::get:
            return "GET";
        case method::head:
            return "HEAD";
        case method::post:
            return "POST";
        case method::put:
            return "PUT";
        case method::patch:
            return "PATCH";
        case method::delete_:
            return "DELETE";
    }
    return "GET";
}

std::optional<std::string_view> response::header(std::string_view name) const {
    for (const auto& f : fields) {
        if (core::iequals(f.name, name)) {
            return std::string_view(f.value);
        }
    }
    return std::nullopt;
}

core::error_kind classify_status(unsigned status) noexcept {
    using core::error_kind;
    if (status == 429) {
        return error_kind::rate_limited;
    }
    if (status == 401 || status == 403) {
        return error_kind::auth;
    }
    if (status == 404) {
        return error_kind::not_found;
    }
    if (status == 408 || (status >= 500 && status < 600)) {
        return error_kind::transient;
    }
    if (status >= 400 && status < 500) {
        return error_kind::bad_request;
    }
    // 1xx/3xx reaching check() mean the exchange did not give what was asked for.
    return error_kind::fatal;
}

void check(const response& res, std::string_view what) {
    if (res.ok()) {
        return;
    }
    std::string excerpt = res.body.substr(0, excerpt_size);
    std::string message(what);
    message += ": HTTP ";
    message += std::to_string(res.status);
    if (!excerpt.empty()) {
        message += ' ';
        message += excerpt;
        if (res.body.size() > excerpt_size) {
            message += "...";
        }
    }
    throw core::error(classify_status(res.status), message, int(res.status), std::move(excerpt));
}

namespace {

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, the form HTTP/1.1 senders must use).
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view v) {
    using namespace std::chrono;
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT") {
        return std::nullopt;
    }
    int day = 0;
    int year = 0;
    int hh = 0;
    int mm = 0;
    int ss = 0;
    if (!core::read_digits(v, 5, 2, day) || !core::read_digits(v, 12, 4, year) ||
        !core::read_digits(v, 17, 2, hh) || !core::read_digits(v, 20, 2, mm) ||
        !core::read_digits(v, 23, 2, ss)) {
        return std::nullopt;
    }
    const auto month = std::find(months.begin(), months.end(), v.substr(8, 3));
    if (month == months.end() || hh > 23 || mm > 59 || ss > 60) {
        return std::nullopt;
    }
    const year_month_day date{std::chrono::year(year),
                              std::chrono::month(static_cast<unsigned>(month - months.begin()) + 1),
                              std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) {
        return std::nullopt;
    }
    return sys_days(date) + hours(hh) + minutes(mm) + seconds(ss);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    if (!value.empty() && value.size() <= 9 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::chrono::seconds(std::stoll(std::string(value)));
    }
    if (auto at = parse_imf_fixdate(value)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
        return std::max(left, std::chrono::milliseconds(0));
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> response::retry_after() const {
    const auto v = header("Retry-After");
    if (!v) {
        return std::nullopt;
    }
    return parse_retry_after(*v, std::chrono::system_clock::now());
}

}  // namespace casio::http
