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

// Parses an ISO-8601 timestamp: `YYYY-MM-DD`, optionally followed by `T` or a space and
// `HH:MM[:SS[.fraction]]`, optionally followed by `Z`, `+HH:MM`, `+HHMM` or `+HH`. Fractions of
// any length are truncated to microseconds; a missing offset means UTC. Returns nullopt for
// anything malformed or out of range (Feb 30, month 13, hour 25, trailing garbage).
std::optional<sys_us> parse_iso8601(std::string_view text);

// "2025-03-01T10:15:02.123456+00:00": what the service writes for "now".
std::string format_iso8601(sys_us t);

// "2025-03-01T10:15:02Z"
std::string format_iso8601_z_seconds(sys_us t);

// "2025-03-01T10:15:02.123Z"
std::string format_iso8601_z_millis(sys_us t);

sys_us now_utc();

// format_iso8601(now_utc()): the timestamp the service writes for "now".
std::string now_iso8601();

}  // namespace casio::core
