// Retry-After as servers send it: seconds, an HTTP date, or something else.
#include <catch2/catch.hpp>

#include <casio/http/client.hpp>

using casio::http::parse_retry_after;
using namespace std::chrono;

TEST_CASE("Retry-After in seconds or as an HTTP date gives the wait", "[http][retry_after]") {
    const auto now = sys_days(year(2026) / 12 / 4) + hours(12);
    CHECK(parse_retry_after("120", now) == seconds(120));
    CHECK(parse_retry_after(" 0 ", now) == seconds(0));
    CHECK(parse_retry_after("Fri, 04 Dec 2026 12:00:30 GMT", now) == seconds(30));
    CHECK(parse_retry_after("Fri, 04 Dec 2026 11:00:00 GMT", now) == milliseconds(0));  // past
    CHECK(parse_retry_after("Sat, 01 Jan 2028 00:00:00 GMT", now) > hours(24 * 365));
}

TEST_CASE("a Retry-After that is neither is no wait at all", "[http][retry_after]") {
    const auto now = system_clock::now();
    for (const char* bad :
         {"", "-1", "1.5", "soon", "12abc", "99999999999999999999", "Fri, 32 Dec 2026 12:00:30 GMT",
          "Fri, 04 Foo 2026 12:00:30 GMT", "Fri, 04 Dec 2026 25:00:30 GMT",
          "Fri, 04 Dec 2026 12:00:30 UTC", "Friday, 04-Dec-26 12:00:30 GMT"}) {
        INFO(bad);
        CHECK_FALSE(parse_retry_after(bad, now));
    }
}
