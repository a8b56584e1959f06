#include <catch2/catch.hpp>

#include <casio/core/time.hpp>

using casio::core::format_iso8601;
using casio::core::format_iso8601_z_millis;
using casio::core::format_iso8601_z_seconds;
using casio::core::parse_iso8601;
using casio::core::sys_us;
using namespace std::chrono;

namespace {

sys_us utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, long us = 0) {
    return sys_us{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
           microseconds{us};
}

}  // namespace

TEST_CASE("parse_iso8601 reads the service's own now format", "[time][parse]") {
    auto t = parse_iso8601("2025-03-01T10:15:02.123456+00:00");
    REQUIRE(t);
    CHECK(*t == utc(2025, 3, 1, 10, 15, 2, 123456));
}

TEST_CASE("parse_iso8601 reads Java Instants with nanoseconds, truncating to microseconds",
          "[time][parse]") {
    CHECK(parse_iso8601("2025-03-01T10:15:02.123456789Z") == utc(2025, 3, 1, 10, 15, 2, 123456));
    CHECK(parse_iso8601("2025-03-01T10:15:02Z") == utc(2025, 3, 1, 10, 15, 2));
    CHECK(parse_iso8601("2025-03-01T10:15:02.1Z") == utc(2025, 3, 1, 10, 15, 2, 100000));
    CHECK(parse_iso8601("2025-03-01T10:15:02.123Z") == utc(2025, 3, 1, 10, 15, 2, 123000));
}

TEST_CASE("parse_iso8601 converts every offset form to UTC", "[time][parse]") {
    auto midnight = utc(2024, 1, 1);
    CHECK(parse_iso8601("2024-01-01T05:30:00.000+0530") == midnight);
    CHECK(parse_iso8601("2024-01-01T05:30:00+05:30") == midnight);
    CHECK(parse_iso8601("2023-12-31T18:30:00-05:30") == midnight);
    CHECK(parse_iso8601("2024-01-01T05:00:00+05") == midnight);
    CHECK(parse_iso8601("2024-01-01T00:00:00+0000") == midnight);
    CHECK(parse_iso8601("2024-01-01T00:00:00+00:00") == midnight);
    CHECK(parse_iso8601("2023-12-31T23:00:00-01") == midnight);
}

TEST_CASE("parse_iso8601 treats naive and date-only strings as UTC", "[time][parse]") {
    CHECK(parse_iso8601("2024-02-29") == utc(2024, 2, 29));
    CHECK(parse_iso8601("2024-02-29T12:00:00") == utc(2024, 2, 29, 12));
    CHECK(parse_iso8601("2024-02-29 12:00:00.5") == utc(2024, 2, 29, 12, 0, 0, 500000));
    CHECK(parse_iso8601("2024-02-29T12:34") == utc(2024, 2, 29, 12, 34));
}

TEST_CASE("parse_iso8601 rejects malformed and impossible timestamps", "[time][parse]") {
    for (const char* bad :
         {"", "2024", "2024-1-01", "2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10",
          "2024-01-01T25:00:00Z", "2024-01-01T23:60:00Z", "2024-01-01T23:00:61Z",
          "2024-01-01T10:00:00.Z", "2024-01-01T10:00:00X", "2024-01-01T10:00:00Zjunk",
          "2024-01-01T10:00:00+5", "2024-01-01T10:00:00+05:3", "2024-01-01x", "not a date",
          "2024-01-01T10:00:00+24:00", "2024-01-01T10:00:00 +00:00"}) {
        INFO(bad);
        CHECK_FALSE(parse_iso8601(bad));
    }
}

TEST_CASE("format functions write the three timestamp shapes", "[time][format]") {
    auto t = utc(2025, 3, 1, 10, 15, 2, 123456);
    CHECK(format_iso8601(t) == "2025-03-01T10:15:02.123456+00:00");
    CHECK(format_iso8601_z_seconds(t) == "2025-03-01T10:15:02Z");
    CHECK(format_iso8601_z_millis(t) == "2025-03-01T10:15:02.123Z");
    CHECK(format_iso8601(utc(2025, 3, 1)) == "2025-03-01T00:00:00.000000+00:00");
}

TEST_CASE("format then parse gives back the same instant", "[time][format]") {
    auto t = utc(1999, 12, 31, 23, 59, 59, 999999);
    CHECK(parse_iso8601(format_iso8601(t)) == t);
    CHECK(format_iso8601(utc(1969, 12, 31, 23, 59, 59, 1)) == "1969-12-31T23:59:59.000001+00:00");
    auto now = casio::core::now_utc();
    CHECK(parse_iso8601(format_iso8601(now)) == now);
}
