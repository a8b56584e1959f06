#pragma once
// UTC timestamps as the service reads and writes them. Elasticsearch documents carry both the
// service's own "now" format (offset and microseconds) and Java Instants ("Z", up to nanoseconds);
// both, and naive strings, must parse to the same instant.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace casio::core {

using sys_us = std::chrono::sys_time<std::chrono::microseconds>;
using sys_ns = std::chrono::sys_time<std::chrono::nanoseconds>;

// Parses an ISO-8601 timestamp, the one parser for every timestamp the project reads:
//   `YYYY-MM-DD` (a date alone is its midnight),
//   then optionally `T`, `t` or a space and `HH`, `HH:MM` or `HH:MM:SS`; after the minutes or
//     the seconds a fraction (`.` or `,` and any number of digits, read to the nanosecond);
//     second 60 (a leap second) reads as second 59 of that minute, as java.time does,
//   then optionally (with or without a time) `Z`, `+HH:MM`, `+HHMM` or `+HH` (or `-`; hours up
//     to 23); no offset means UTC.
// Returns nullopt for anything else: impossible dates (month 13, day 32, Feb 29 of a common
// year), hour 24, minute 60, a missing digit, trailing characters, empty text; and for instants
// sys_ns cannot hold (before 1677-09-22 or after 2262-04-11).
std::optional<sys_ns> parse_iso8601_ns(std::string_view text);

// The same forms, truncated to microseconds (years 0000 to 9999 all fit).
std::optional<sys_us> parse_iso8601(std::string_view text);

// "2025-03-01T10:15:02.123456+00:00": what the service writes for "now".
std::string format_iso8601(sys_us t);

// "2025-03-01T10:15:02Z"
std::string format_iso8601_z_seconds(sys_us t);

// "2025-03-01T10:15:02.123Z"
std::string format_iso8601_z_millis(sys_us t);

// "2025-03-01T10:15:02.123456789Z"
std::string format_iso8601_z_nanos(sys_ns t);

sys_us now_utc();

// format_iso8601(now_utc()): the timestamp the service writes for "now".
std::string now_iso8601();

}  // namespace casio::core
