#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <casio/core/cron.hpp>

using namespace casio::core;

namespace {

sys_us at(std::string_view iso) {
    auto t = parse_iso8601(iso);
    REQUIRE(t);
    return *t;
}

// The next `count` fire times after `after`, as "YYYY-MM-DDTHH:MM:SSZ".
std::vector<std::string> fires(std::string_view expr, std::string_view after, int count = 1) {
    auto c = cron_schedule::parse(expr);
    std::vector<std::string> out;
    sys_us t = at(after);
    for (int i = 0; i < count; ++i) {
        auto n = c.next_fire(t);
        if (!n) {
            out.push_back("none");
            break;
        }
        out.push_back(format_iso8601_z_seconds(*n));
        t = *n;
    }
    return out;
}

std::string next(std::string_view expr, std::string_view after) {
    return fires(expr, after)[0];
}

std::string parse_error(std::string_view expr) {
    try {
        cron_schedule::parse(expr);
    } catch (const cron_error& e) {
        return e.what();
    }
    FAIL("no cron_error for " << expr);
    return {};
}

using v = std::vector<std::string>;

}  // namespace

TEST_CASE("the reference service's schedules", "[cron]") {
    CHECK(fires("0 0 0 * * ?", "2025-03-01T10:15:02Z", 2) ==
          v{"2025-03-02T00:00:00Z", "2025-03-03T00:00:00Z"});
    // Second 1 of every minute: second resolution, unlike the reference.
    CHECK(fires("1 * * * * ?", "2025-03-01T10:15:02Z", 2) ==
          v{"2025-03-01T10:16:01Z", "2025-03-01T10:17:01Z"});
    CHECK(fires("0 0/5 * * * ?", "2025-03-01T10:15:02Z", 2) ==
          v{"2025-03-01T10:20:00Z", "2025-03-01T10:25:00Z"});
    // 2025-03-01 is a Saturday: MON-FRI skips to Monday.
    CHECK(fires("0 15 10 ? * MON-FRI", "2025-03-01T10:15:02Z", 2) ==
          v{"2025-03-03T10:15:00Z", "2025-03-04T10:15:00Z"});
    // Quartz 2-6 is MON-FRI too (the reference would read it as TUE-SAT).
    CHECK(fires("0 0 12 ? * 2-6", "2025-03-01T10:15:02Z", 6) ==
          v{"2025-03-03T12:00:00Z", "2025-03-04T12:00:00Z", "2025-03-05T12:00:00Z",
            "2025-03-06T12:00:00Z", "2025-03-07T12:00:00Z", "2025-03-10T12:00:00Z"});
}

TEST_CASE("next_fire is strictly after, at second resolution", "[cron]") {
    CHECK(next("0 0 0 * * ?", "2025-03-02T00:00:00Z") == "2025-03-03T00:00:00Z");
    CHECK(next("0 0 0 * * ?", "2025-03-01T23:59:59.999999Z") == "2025-03-02T00:00:00Z");
    CHECK(next("* * * * * ?", "2025-03-01T10:00:00.5Z") == "2025-03-01T10:00:01Z");
    CHECK(next("30 * * * * ?", "2025-03-01T10:00:29Z") == "2025-03-01T10:00:30Z");
}

TEST_CASE("numeric days of week are Quartz 1=SUN..7=SAT everywhere", "[cron][dow]") {
    // 2025-03-02 is a Sunday.
    CHECK(next("0 0 0 ? * 1", "2025-03-01T00:00:00Z") == "2025-03-02T00:00:00Z");
    CHECK(next("0 0 0 ? * 7", "2025-03-02T00:00:00Z") == "2025-03-08T00:00:00Z");
    CHECK(fires("0 0 0 ? * 1,7", "2025-03-03T00:00:00Z", 2) ==
          v{"2025-03-08T00:00:00Z", "2025-03-09T00:00:00Z"});
    CHECK(fires("0 0 0 ? * SUN,SAT", "2025-03-03T00:00:00Z", 2) ==
          v{"2025-03-08T00:00:00Z", "2025-03-09T00:00:00Z"});
    // Ranges wrap: FRI-MON and 6-2 are Fri, Sat, Sun, Mon.
    CHECK(fires("0 0 0 ? * FRI-MON", "2025-03-04T00:00:00Z", 4) ==
          v{"2025-03-07T00:00:00Z", "2025-03-08T00:00:00Z", "2025-03-09T00:00:00Z",
            "2025-03-10T00:00:00Z"});
    CHECK(fires("0 0 0 ? * 6-2", "2025-03-04T00:00:00Z", 4) ==
          fires("0 0 0 ? * FRI-MON", "2025-03-04T00:00:00Z", 4));
    CHECK(fires("0 0 0 ? * 2/2", "2025-03-02T00:00:00Z", 3) ==  // MON, WED, FRI
          v{"2025-03-03T00:00:00Z", "2025-03-05T00:00:00Z", "2025-03-07T00:00:00Z"});
}

TEST_CASE("steps, ranges, lists and names", "[cron]") {
    CHECK(fires("0 10-20/5 8 * * ?", "2025-03-01T08:00:00Z", 4) ==
          v{"2025-03-01T08:10:00Z", "2025-03-01T08:15:00Z", "2025-03-01T08:20:00Z",
            "2025-03-02T08:10:00Z"});
    CHECK(fires("0 0 6,18 * * ?", "2025-03-01T07:00:00Z", 2) ==
          v{"2025-03-01T18:00:00Z", "2025-03-02T06:00:00Z"});
    CHECK(fires("0 0 0 1 jan,Jul ?", "2025-03-01T00:00:00Z", 2) ==
          v{"2025-07-01T00:00:00Z", "2026-01-01T00:00:00Z"});
    CHECK(next("0 0 22-2 * * ?", "2025-03-01T03:00:00Z") == "2025-03-01T22:00:00Z");
    CHECK(next("0 0 22-2 * * ?", "2025-03-01T23:30:00Z") == "2025-03-02T00:00:00Z");
    CHECK(next("*/20 * * * * ?", "2025-03-01T00:00:41Z") == "2025-03-01T00:01:00Z");
}

TEST_CASE("month ends, leap years and year rollover", "[cron][calendar]") {
    CHECK(fires("0 0 0 31 * ?", "2025-01-31T00:00:00Z", 3) ==
          v{"2025-03-31T00:00:00Z", "2025-05-31T00:00:00Z", "2025-07-31T00:00:00Z"});
    CHECK(fires("0 0 0 29 2 ?", "2025-01-01T00:00:00Z", 2) ==
          v{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"});
    CHECK(next("0 0 0 29 FEB ?", "2099-03-01T00:00:00Z") == "2104-02-29T00:00:00Z");  // 2100 isn't
    CHECK(next("59 59 23 31 12 ?", "2025-12-31T23:59:59Z") == "2026-12-31T23:59:59Z");
    CHECK(next("0 0 0 1 1 ?", "2025-12-31T23:59:59Z") == "2026-01-01T00:00:00Z");
}

TEST_CASE("L, L-n, LW and nW in day-of-month", "[cron][special]") {
    CHECK(fires("0 0 0 L * ?", "2024-01-31T00:00:00Z", 3) ==
          v{"2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z", "2024-04-30T00:00:00Z"});
    CHECK(next("0 0 0 L-3 * ?", "2025-02-01T00:00:00Z") == "2025-02-25T00:00:00Z");
    // 2025-05-31 is a Saturday: last weekday is Friday the 30th. 2025-08-31 is a Sunday.
    CHECK(next("0 0 0 LW * ?", "2025-05-01T00:00:00Z") == "2025-05-30T00:00:00Z");
    CHECK(next("0 0 0 LW * ?", "2025-08-01T00:00:00Z") == "2025-08-29T00:00:00Z");
    // 2025-03-15 is a Saturday -> Friday 14th; 2025-06-15 is a Sunday -> Monday 16th.
    CHECK(next("0 0 0 15W * ?", "2025-03-01T00:00:00Z") == "2025-03-14T00:00:00Z");
    CHECK(next("0 0 0 15W * ?", "2025-06-01T00:00:00Z") == "2025-06-16T00:00:00Z");
    // 2025-03-01 is a Saturday: 1W never goes back into February, it is Monday the 3rd.
    CHECK(next("0 0 0 1W * ?", "2025-02-28T00:00:00Z") == "2025-03-03T00:00:00Z");
    // 31W skips months without a 31st.
    CHECK(next("0 0 0 31W * ?", "2025-04-01T00:00:00Z") == "2025-05-30T00:00:00Z");
}

TEST_CASE("nL and n#k in day-of-week", "[cron][special]") {
    CHECK(fires("0 0 0 ? * 6L", "2025-03-01T00:00:00Z", 2) ==  // last Fridays
          v{"2025-03-28T00:00:00Z", "2025-04-25T00:00:00Z"});
    CHECK(next("0 0 0 ? * FRIL", "2025-03-01T00:00:00Z") == "2025-03-28T00:00:00Z");
    CHECK(fires("0 0 0 ? * 2#1", "2025-03-01T00:00:00Z", 2) ==  // first Mondays
          v{"2025-03-03T00:00:00Z", "2025-04-07T00:00:00Z"});
    CHECK(next("0 0 0 ? * MON#3", "2025-03-01T00:00:00Z") == "2025-03-17T00:00:00Z");
    CHECK(next("0 0 0 ? * 1#5", "2025-04-01T00:00:00Z") == "2025-06-29T00:00:00Z");
    CHECK(next("0 0 0 ? * L", "2025-03-03T00:00:00Z") == "2025-03-08T00:00:00Z");  // SAT
}

TEST_CASE("day-of-month and day-of-week both restricted must both match", "[cron][dow]") {
    // Friday the 13th.
    CHECK(fires("0 0 0 13 * FRI", "2025-01-01T00:00:00Z", 2) ==
          v{"2025-06-13T00:00:00Z", "2026-02-13T00:00:00Z"});
    CHECK(next("0 0 0 * * *", "2025-01-01T00:00:00Z") == "2025-01-02T00:00:00Z");
}

TEST_CASE("year field", "[cron][year]") {
    CHECK(next("0 0 0 1 1 ? 2030", "2025-06-01T00:00:00Z") == "2030-01-01T00:00:00Z");
    CHECK(next("0 0 0 1 1 ? 2030", "2030-01-01T00:00:00Z") == "none");
    CHECK(fires("0 0 0 1 1 ? 2027,2029-2030", "2025-06-01T00:00:00Z", 4) ==
          v{"2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "none"});
    CHECK(next("0 0 0 1 1 ? *", "2025-06-01T00:00:00Z") == "2026-01-01T00:00:00Z");
    CHECK(next("0 0 0 1 1 ? 2020", "2025-06-01T00:00:00Z") == "none");
}

TEST_CASE("a schedule that never fires gives up", "[cron]") {
    CHECK(next("0 0 0 30 2 ?", "2025-01-01T00:00:00Z") == "none");
    CHECK(next("0 0 0 ? * 1#5", "2199-12-30T00:00:00Z") == "none");
}

TEST_CASE("parse errors name the expression and the field", "[cron][errors]") {
    // Whole messages, then the part of each that names the field.
    const std::pair<std::string_view, std::string_view> whole[] = {
        {"0 0 0 * *",
         "invalid cron expression \"0 0 0 * *\": expected 6 or 7 fields (second minute hour "
         "day-of-month month day-of-week [year]), got 5"},
        {"0 60 0 * * ?",
         "invalid cron expression \"0 60 0 * * ?\": minute field \"60\": value 60 out of range "
         "0-59"},
        {"0 0 0 ? * 8",
         "invalid cron expression \"0 0 0 ? * 8\": day-of-week field \"8\": value 8 out of range "
         "1-7"},
    };
    for (const auto& [expr, message] : whole) {
        CHECK(parse_error(expr) == message);
    }
    CHECK(parse_error("0 0 0 ? * 0").find("day-of-week field \"0\"") != std::string::npos);
    CHECK(parse_error("0 0 25 * * ?").find("hour field \"25\"") != std::string::npos);
    CHECK(parse_error("0 0 0 32 * ?").find("day-of-month field \"32\"") != std::string::npos);
    CHECK(parse_error("0 0 0 * 13 ?").find("month field \"13\"") != std::string::npos);
    CHECK(parse_error("0 0 0 * FOO ?").find("unknown value \"FOO\"") != std::string::npos);
    CHECK(parse_error("0 */0 0 * * ?").find("step must be positive") != std::string::npos);
    CHECK(parse_error("? 0 0 * * ?").find("second field \"?\"") != std::string::npos);
    CHECK(parse_error("0 0 0 * * 2#6").find("n#k needs k between 1 and 5") != std::string::npos);
    CHECK(parse_error("0 0 0 L-40 * ?").find("day-of-month field \"L-40\"") != std::string::npos);
    CHECK(parse_error("0 0 0 1,,2 * ?").find("empty list element") != std::string::npos);
    CHECK(parse_error("0 0 0 1 1 ? 1969").find("year field \"1969\"") != std::string::npos);
    CHECK(parse_error("0 0 0 1 1 ? 2300").find("year field") != std::string::npos);
    CHECK(parse_error("0 a 0 * * ?").find("minute field \"a\"") != std::string::npos);
    CHECK(parse_error("").find("got 0") != std::string::npos);
}
