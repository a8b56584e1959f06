#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <string>

#include <casio/core/time.hpp>

using namespace casio::core;
using namespace std::chrono;

namespace {

sys_us utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, long us = 0) {
    return sys_us{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
           microseconds{us};
}

sys_ns utc_ns(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
              std::int64_t ns = 0) {
    return sys_ns{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
           nanoseconds{ns};
}

std::string two(int v) {
    return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
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

TEST_CASE("parse_iso8601_ns reads fractions to the nanosecond", "[time][parse]") {
    CHECK(parse_iso8601_ns("2025-03-01T10:15:02.123456789Z") ==
          utc_ns(2025, 3, 1, 10, 15, 2, 123456789));
    CHECK(parse_iso8601_ns("2025-03-01T10:15:02.1Z") == utc_ns(2025, 3, 1, 10, 15, 2, 100000000));
    CHECK(parse_iso8601_ns("2025-03-01T10:15:02,000000001Z") == utc_ns(2025, 3, 1, 10, 15, 2, 1));
    // Digits past the ninth are dropped, as ES drops them.
    CHECK(parse_iso8601_ns("2025-03-01T10:15:02.1234567899999Z") ==
          utc_ns(2025, 3, 1, 10, 15, 2, 123456789));
    // A fraction may follow the minutes (a fraction of the minute's first second).
    CHECK(parse_iso8601_ns("2025-03-01T10:15.5") == utc_ns(2025, 3, 1, 10, 15, 0, 500000000));
}

TEST_CASE("parse_iso8601_ns reads hour-only and minute-only times, with or without an offset",
          "[time][parse]") {
    CHECK(parse_iso8601_ns("2025-03-01T10") == utc_ns(2025, 3, 1, 10));
    CHECK(parse_iso8601_ns("2025-03-01t10Z") == utc_ns(2025, 3, 1, 10));
    CHECK(parse_iso8601_ns("2025-03-01 10+02") == utc_ns(2025, 3, 1, 8));
    CHECK(parse_iso8601_ns("2025-03-01T10:15") == utc_ns(2025, 3, 1, 10, 15));
    CHECK(parse_iso8601_ns("2025-03-01T10:15-0130") == utc_ns(2025, 3, 1, 11, 45));
}

TEST_CASE("parse_iso8601_ns reads a date alone, with or without an offset", "[time][parse]") {
    CHECK(parse_iso8601_ns("2025-03-01") == utc_ns(2025, 3, 1));
    CHECK(parse_iso8601_ns("2025-03-01Z") == utc_ns(2025, 3, 1));
    CHECK(parse_iso8601_ns("2025-03-01+01:00") == utc_ns(2025, 2, 28, 23));
    CHECK(parse_iso8601_ns("2025-03-01-23:59") == utc_ns(2025, 3, 1, 23, 59));
}

TEST_CASE("a leap second reads as the last second of its minute, as java.time reads it",
          "[time][parse]") {
    CHECK(parse_iso8601_ns("2016-12-31T23:59:60Z") == utc_ns(2016, 12, 31, 23, 59, 59));
    CHECK(parse_iso8601_ns("2016-12-31T23:59:60.25Z") ==
          utc_ns(2016, 12, 31, 23, 59, 59, 250000000));
    CHECK(parse_iso8601("2016-12-31T23:59:60Z") == utc(2016, 12, 31, 23, 59, 59));
    CHECK_FALSE(parse_iso8601_ns("2016-12-31T23:59:61Z"));
}

TEST_CASE("leap years: Feb 29 exists in 2000 and 2024, not in 1900 nor 2023", "[time][parse]") {
    CHECK(parse_iso8601_ns("2000-02-29") == utc_ns(2000, 2, 29));
    CHECK(parse_iso8601_ns("2024-02-29T23:59:59Z") == utc_ns(2024, 2, 29, 23, 59, 59));
    CHECK_FALSE(parse_iso8601_ns("1900-02-29"));
    CHECK_FALSE(parse_iso8601("1900-02-29"));
    CHECK_FALSE(parse_iso8601_ns("2023-02-29"));
}

TEST_CASE("both precisions reject the same malformed text", "[time][parse]") {
    for (const char* bad : {"",
                            " ",
                            "Z",
                            "2024-13-01",
                            "2024-12-32",
                            "2024-04-31",
                            "2023-02-29",
                            "2024-00-01",
                            "2024-01-00",
                            "2024/01/01",
                            "20240101",
                            "2024-01-01T",
                            "2024-01-01T1",
                            "2024-01-01T24",
                            "2024-01-01T10:",
                            "2024-01-01T10:6",
                            "2024-01-01T10:60",
                            "2024-01-01T10:00:",
                            "2024-01-01T10:00:6",
                            "2024-01-01T10.5",
                            "2024-01-01T10:00:00.",
                            "2024-01-01T10:00:00,Z",
                            "2024-01-01T10:00:00+",
                            "2024-01-01T10:00:00+1",
                            "2024-01-01T10:00:00+01:",
                            "2024-01-01T10:00:00+01:0",
                            "2024-01-01T10:00:00+010",
                            "2024-01-01T10:00:00+01:60",
                            "2024-01-01T10:00:00Zz",
                            "2024-01-01T10:00:00Z ",
                            "2024-01-01 ",
                            "2024-01-01 Z",
                            "2024-01-01TZ",
                            "2024-01-01T10:00:00+01:00 ",
                            "x2024-01-01",
                            "2024-01-01\n",
                            "-2024-01-01"}) {
        INFO(bad);
        CHECK_FALSE(parse_iso8601_ns(bad));
        CHECK_FALSE(parse_iso8601(bad));
    }
}

TEST_CASE("nanoseconds stop where the clock does, microseconds keep every four-digit year",
          "[time][parse]") {
    CHECK_FALSE(parse_iso8601_ns("1600-01-01"));
    CHECK_FALSE(parse_iso8601_ns("2262-04-12T00:00:00Z"));
    CHECK_FALSE(parse_iso8601_ns("9999-12-31T23:59:59.999999999Z"));
    CHECK(parse_iso8601_ns("1677-09-22T00:00:00Z") == utc_ns(1677, 9, 22));
    CHECK(parse_iso8601_ns("2262-04-11T23:47:16.854775807Z") == sys_ns::max());
    CHECK_FALSE(parse_iso8601_ns("2262-04-11T23:47:16.854775808Z"));
    CHECK(parse_iso8601("0000-01-01") == sys_us{sys_days{year{0} / 1 / 1}});
    CHECK(parse_iso8601("9999-12-31T23:59:59.999999999Z") == utc(9999, 12, 31, 23, 59, 59, 999999));
    CHECK(parse_iso8601("1600-01-01T00:00:00.5Z") == utc(1600, 1, 1, 0, 0, 0, 500000));
}

TEST_CASE("every prefix of a full timestamp is either one of the short forms or rejected",
          "[time][parse]") {
    const std::string full = "2025-03-01T10:15:02.123456789+05:30";
    // The prefixes that are whole timestamps: the date, the hour, the minutes, the seconds, the
    // seconds with 1 to 9 fraction digits, then the offset's hour and the whole offset.
    const std::set<std::size_t> valid = {10, 13, 16, 19, 21, 22, 23, 24,
                                         25, 26, 27, 28, 29, 32, 35};
    for (std::size_t n = 0; n <= full.size(); ++n) {
        INFO(full.substr(0, n));
        CHECK(parse_iso8601_ns(full.substr(0, n)).has_value() == valid.contains(n));
    }
    CHECK(parse_iso8601_ns(full.substr(0, 32)) == utc_ns(2025, 3, 1, 5, 15, 2, 123456789));
}

TEST_CASE("property: random timestamps in every form parse to the instant they name",
          "[time][parse][property]") {
    std::mt19937_64 rng(20260101);
    auto pick = [&](int lo, int hi) {
        return static_cast<int>(std::uniform_int_distribution<int>(lo, hi)(rng));
    };
    for (int i = 0; i < 5000; ++i) {
        const int y = pick(1678, 2261);
        const auto m = static_cast<unsigned>(pick(1, 12));
        const auto last = static_cast<int>(
            static_cast<unsigned>(year_month_day_last{year{y}, month_day_last{month{m}}}.day()));
        const auto d = static_cast<unsigned>(pick(1, last));
        std::string text =
            std::to_string(y) + "-" + two(static_cast<int>(m)) + "-" + two(static_cast<int>(d));
        sys_ns expected = utc_ns(y, m, d);
        const int parts = pick(0, 4);  // date, hour, minutes, seconds, seconds and fraction
        if (parts >= 1) {
            const int h = pick(0, 23);
            text += std::string(1, "Tt "[pick(0, 2)]) + two(h);
            expected += hours{h};
        }
        if (parts >= 2) {
            const int mi = pick(0, 59);
            text += ":" + two(mi);
            expected += minutes{mi};
        }
        if (parts >= 3) {
            const int s = pick(0, 59);
            text += ":" + two(s);
            expected += seconds{s};
        }
        if (parts == 4) {
            const int digits = pick(1, 12);
            std::int64_t ns = 0, scale = 100000000;
            text += pick(0, 1) ? "." : ",";
            for (int k = 0; k < digits; ++k) {
                const int digit = pick(0, 9);
                text += static_cast<char>('0' + digit);
                ns += digit * scale;
                scale /= 10;
            }
            expected += nanoseconds{ns};
        }
        const int oh = pick(0, 23), om = pick(0, 59);
        const bool west = pick(0, 1) == 1;
        const auto offset = (west ? -1 : 1) * (hours{oh} + minutes{om});
        switch (pick(0, 4)) {
            case 0:
                break;  // naive: UTC
            case 1:
                text += pick(0, 1) ? "Z" : "z";
                break;
            case 2:
                text += (west ? "-" : "+") + two(oh) + ":" + two(om);
                expected -= offset;
                break;
            case 3:
                text += (west ? "-" : "+") + two(oh) + two(om);
                expected -= offset;
                break;
            default:
                text += (west ? "-" : "+") + two(oh);
                expected -= (west ? -1 : 1) * hours{oh};
                break;
        }
        INFO(text);
        if (expected < sys_ns{sys_days{year{1677} / 9 / 22}} ||
            expected > sys_ns{sys_days{year{2262} / 4 / 11}}) {
            continue;  // an offset pushed it past what a nanosecond clock holds
        }
        REQUIRE(parse_iso8601_ns(text) == expected);
        CHECK(parse_iso8601(text) == floor<microseconds>(expected));
        // Anything after a complete timestamp is garbage.
        CHECK_FALSE(parse_iso8601_ns(text + "x"));
    }
}

TEST_CASE("property: each format reads back as the instant it wrote, to its precision",
          "[time][format][property]") {
    std::mt19937_64 rng(7);
    const auto ns_lo = sys_ns{sys_days{year{1678} / 1 / 1}}.time_since_epoch().count();
    const auto ns_hi = sys_ns{sys_days{year{2261} / 12 / 31}}.time_since_epoch().count();
    const auto us_lo = sys_us{sys_days{year{1} / 1 / 1}}.time_since_epoch().count();
    const auto us_hi = sys_us{sys_days{year{9999} / 12 / 31}}.time_since_epoch().count();
    for (int i = 0; i < 5000; ++i) {
        const sys_ns t{nanoseconds{std::uniform_int_distribution<std::int64_t>(ns_lo, ns_hi)(rng)}};
        INFO(format_iso8601_z_nanos(t));
        CHECK(parse_iso8601_ns(format_iso8601_z_nanos(t)) == t);
        const sys_us u{
            microseconds{std::uniform_int_distribution<std::int64_t>(us_lo, us_hi)(rng)}};
        INFO(format_iso8601(u));
        CHECK(parse_iso8601(format_iso8601(u)) == u);
        CHECK(parse_iso8601(format_iso8601_z_millis(u)) == floor<milliseconds>(u));
        CHECK(parse_iso8601(format_iso8601_z_seconds(u)) == floor<seconds>(u));
    }
    CHECK(format_iso8601_z_nanos(utc_ns(1969, 12, 31, 23, 59, 59, 1)) ==
          "1969-12-31T23:59:59.000000001Z");
}
