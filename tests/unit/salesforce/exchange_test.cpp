// The client's decisions after an exchange with Salesforce, without sockets: what a user sees
// as retries, waits and errors.
#include <catch2/catch.hpp>

#include <casio/salesforce/client.hpp>
#include <casio/salesforce/exchange.hpp>

using namespace casio::salesforce;
using casio::core::error;
using casio::core::error_kind;
using kind = exchange_action::kind;
using namespace std::chrono_literals;

namespace {

// The client's default: 3 attempts, waits of 1 s then 2 s, rate limits not retried.
const casio::core::retry_policy policy = client_settings{}.retry;

exchange_result answer(unsigned status, std::string_view body = "",
                       std::optional<std::string_view> limit_info = std::nullopt) {
    exchange_result r;
    r.status = status;
    r.body = body;
    r.limit_info = limit_info;
    return r;
}

exchange_result no_answer(std::string message) {
    exchange_result r;
    r.failure = error(error_kind::transient, std::move(message));
    return r;
}

const std::string concurrency =
    R"([{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])";

}  // namespace

TEST_CASE("a 2xx is accepted", "[salesforce][exchange]") {
    exchange_state s;
    CHECK(decide(answer(200, "{}"), s, policy, "query Account").what == kind::accept);
    CHECK(decide(answer(204), s, policy, "query Account").what == kind::accept);
}

TEST_CASE("a 401 gets one new token, a second one is an auth error", "[salesforce][exchange]") {
    exchange_state s;
    const std::string expired =
        R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])";
    auto first = decide(answer(401, expired), s, policy, "query Account");
    CHECK(first.what == kind::new_token);
    CHECK(first.drop_token);
    auto second = decide(answer(401, expired), s, policy, "query Account");
    CHECK(second.what == kind::fail);
    CHECK(second.drop_token);
    REQUIRE(second.error);
    CHECK(second.error->kind() == error_kind::auth);
    CHECK_THAT(second.error->what(), Catch::Contains("query Account: HTTP 401"));
}

TEST_CASE("the 24-hour allocation used up fails at once, naming the usage",
          "[salesforce][exchange]") {
    exchange_state s;
    auto a = decide(answer(403,
                           R"([{"message":"TotalRequests Limit exceeded.",)"
                           R"("errorCode":"REQUEST_LIMIT_EXCEEDED"}])",
                           "api-usage=15000/15000"),
                    s, policy, "query Case");
    CHECK(a.what == kind::fail);
    REQUIRE(a.error);
    CHECK(a.error->kind() == error_kind::rate_limited);
    CHECK_THAT(a.error->what(), Catch::Contains("15000/15000"));
}

TEST_CASE("too many requests at once: the org waits, 1 s doubling to 30 s, 10 times, then retries",
          "[salesforce][exchange]") {
    exchange_state s;
    std::vector<casio::core::retry_ms> waits;
    for (int i = 0; i < 10; ++i) {
        auto a = decide(answer(403, concurrency), s, policy, "query Lead");
        REQUIRE(a.what == kind::org_wait);
        CHECK(a.fewer);
        waits.push_back(a.delay);
    }
    CHECK(waits ==
          std::vector<casio::core::retry_ms>{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s, 30s, 30s});
    // Past its patience it is a transient failure of the retry policy (the org still busy).
    auto eleventh = decide(answer(403, concurrency), s, policy, "query Lead");
    CHECK(eleventh.what == kind::org_wait);
    CHECK_FALSE(eleventh.fewer);
    CHECK(eleventh.delay == 1s);
    // An answer in between starts the patience over.
    exchange_state t;
    decide(answer(403, concurrency), t, policy, "query Lead");
    decide(answer(200), t, policy, "query Lead");
    CHECK(decide(answer(403, concurrency), t, policy, "query Lead").delay == 1s);
}

TEST_CASE("5xx waits 1 s then 2 s, then fails, and 503 makes the org wait",
          "[salesforce][exchange]") {
    exchange_state s;
    const std::string boom = R"([{"errorCode":"UNKNOWN_EXCEPTION","message":"boom"}])";
    auto first = decide(answer(500, boom), s, policy, "query Case");
    CHECK(first.what == kind::wait);
    CHECK(first.delay == 1s);
    auto second = decide(answer(500, boom), s, policy, "query Case");
    CHECK(second.what == kind::wait);
    CHECK(second.delay == 2s);
    auto third = decide(answer(500, boom), s, policy, "query Case");
    CHECK(third.what == kind::fail);
    CHECK(third.error->kind() == error_kind::transient);
    CHECK_THAT(third.error->what(), Catch::Contains("UNKNOWN_EXCEPTION: boom"));

    exchange_state t;
    auto busy = decide(answer(503, "<html>maintenance</html>"), t, policy, "query Case");
    CHECK(busy.what == kind::org_wait);
    CHECK_FALSE(busy.fewer);
    CHECK(busy.delay == 1s);
}

TEST_CASE("a dropped connection is retried like a 5xx, then its error is given",
          "[salesforce][exchange]") {
    exchange_state s;
    CHECK(decide(no_answer("Salesforce query Case: connection reset"), s, policy, "query Case")
              .what == kind::wait);
    CHECK(decide(no_answer("Salesforce query Case: connection reset"), s, policy, "query Case")
              .what == kind::wait);
    auto last =
        decide(no_answer("Salesforce query Case: connection reset"), s, policy, "query Case");
    CHECK(last.what == kind::fail);
    CHECK(std::string(last.error->what()) == "Salesforce query Case: connection reset");
}

TEST_CASE("a refused query fails at once and says it is the query", "[salesforce][exchange]") {
    exchange_state s;
    auto a = decide(answer(400, R"([{"errorCode":"INVALID_FIELD","message":"No such column"}])"), s,
                    policy, "query Account");
    CHECK(a.what == kind::fail);
    CHECK(a.invalid_query);
    CHECK(a.error->kind() == error_kind::bad_request);
    // Not found (a download, a describe) is not a query error.
    exchange_state t;
    auto missing = decide(answer(404, R"([{"errorCode":"NOT_FOUND","message":"gone"}])"), t, policy,
                          "download of ContentVersion 068A");
    CHECK(missing.what == kind::fail);
    CHECK_FALSE(missing.invalid_query);
    CHECK(missing.error->kind() == error_kind::not_found);
}

TEST_CASE("the token endpoint: bad credentials fail at once, 5xx are retried",
          "[salesforce][exchange]") {
    exchange_state s;
    CHECK(decide_token(std::nullopt, s, policy).what == kind::accept);
    const auto invalid = error(error_kind::auth, "invalid client credentials");
    auto a = decide_token(invalid, s, policy);
    CHECK(a.what == kind::fail);
    CHECK(std::string(a.error->what()) == "invalid client credentials");

    exchange_state t;
    const auto down = error(error_kind::transient, "token endpoint: HTTP 503");
    CHECK(decide_token(down, t, policy).what == kind::wait);
    CHECK(decide_token(down, t, policy).what == kind::wait);
    CHECK(decide_token(down, t, policy).what == kind::fail);
}

TEST_CASE("a 429 makes the org wait what Retry-After asks, or backs off, then fails",
          "[salesforce][exchange]") {
    exchange_state s;
    auto asked = answer(429, R"([{"errorCode":"TOO_MANY","message":"slow down"}])");
    asked.retry_after = 7s;
    auto first = decide(asked, s, policy, "query Account");
    CHECK(first.what == kind::org_wait);
    CHECK(first.fewer);
    CHECK(first.delay == 7s);
    auto silent = decide(answer(429), s, policy, "query Account");  // no Retry-After: 2 s
    CHECK(silent.what == kind::org_wait);
    CHECK(silent.delay == 2s);
    asked.retry_after = std::chrono::hours(3);  // a peer asking too much gets the cap
    CHECK(decide(asked, s, policy, "query Account").delay == casio::core::max_retry_after);
    for (int i = 3; i < 10; ++i) {
        CHECK(decide(answer(429), s, policy, "query Account").what == kind::org_wait);
    }
    auto last = decide(answer(429), s, policy, "query Account");
    CHECK(last.what == kind::fail);
    CHECK(last.error->kind() == error_kind::rate_limited);
    CHECK_THAT(last.error->what(), Catch::Contains("query Account"));
}

TEST_CASE("a 503 with Retry-After waits at least that long", "[salesforce][exchange]") {
    exchange_state s;
    auto busy = answer(503, "<html>maintenance</html>");
    busy.retry_after = 20s;
    auto a = decide(busy, s, policy, "query Case");
    CHECK(a.what == kind::org_wait);
    CHECK(a.delay == 20s);
    busy.retry_after = 0s;  // less than the policy's own wait: the policy's
    auto b = decide(busy, s, policy, "query Case");
    CHECK(b.delay == 2s);
}
