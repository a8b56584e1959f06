#pragma once
// Field values of the emulated org and the JSON text helpers that print them the way the
// Salesforce REST API does (datetime `2023-05-20T20:49:32.000+0000`, date `2023-12-12`,
// compound addresses as objects).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <casio/core/json_text.hpp>
#include <casio/core/text.hpp>

namespace casio::mock_sf {

enum class field_type {
    id,
    string,
    textarea,
    email,
    phone,
    url,
    picklist,
    reference,
    boolean,
    integer,
    double_,
    currency,
    percent,
    date,
    datetime,
    address,
};

std::string_view to_string(field_type t) noexcept;
bool is_text(field_type t) noexcept;     // compared as (case-insensitive) text
bool is_numeric(field_type t) noexcept;  // integer, double, currency, percent

// A compound address (BillingAddress, MailingAddress): read-only, printed as an object.
struct address {
    std::string street, city, state, postal_code, country;
    std::optional<double> latitude, longitude;
    bool operator==(const address&) const = default;
};

// null | bool | integer | double | text (also ids, dates and datetimes in their canonical
// text form, which sorts chronologically) | address.
using value = std::variant<std::monostate, bool, std::int64_t, double, std::string, address>;

inline bool is_null(const value& v) noexcept {
    return std::holds_alternative<std::monostate>(v);
}

// JSON text output.
using core::append_json_string;
void append_json_number(std::string& out, double d);
// Prints `v` as the API prints a field of type `t`.
void append_json_value(std::string& out, const value& v, field_type t);

// Dates and times (UTC).
std::int64_t unix_from_civil(int year, int month, int day, int hour, int minute, int second);
std::string format_datetime(std::int64_t unix_seconds);  // 2023-05-20T20:49:32.000+0000
std::string format_date(std::int64_t unix_seconds);      // 2023-05-20
std::string format_datetime_ms(std::int64_t unix_ms);    // 2023-05-20T20:49:32.123+0000
// "Sat, 05 Dec 2026 10:00:00 GMT", as HTTP's Date header reads.
std::string format_http_date(std::int64_t unix_seconds);
// Milliseconds since the epoch of any ISO-8601 datetime (`Z`, `+0000`, `+00:00`, fractions);
// nullopt when it is not one.
std::optional<std::int64_t> parse_datetime_ms(std::string_view text);
// Parses a SOQL datetime literal (`2023-05-20T20:49:32Z`, `...32.000+0000`, `...32+05:30`)
// into the canonical UTC text (milliseconds kept); nullopt when it is not one.
std::optional<std::string> canonical_datetime(std::string_view literal);
std::optional<std::string> canonical_date(std::string_view literal);

// Case-insensitive ASCII helpers.
using core::iequals;
using core::to_lower;
int icompare(std::string_view a, std::string_view b) noexcept;
bool icontains(std::string_view haystack, std::string_view needle) noexcept;

}  // namespace casio::mock_sf
