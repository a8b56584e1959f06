// Retry layers of protocol.md §9.2/§9.3: app retrier, transport re-sends, OCC retry.
#include <catch2/catch.hpp>

#include <casio/core/log.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
using namespace std::chrono_literals;
using test::mock_es_transport;
using test::run;
namespace json = boost::json;

TEST_CASE("app retrier: 429/5xx retried with interval x attempt", "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c(t, test::es_test_options(), &s);
    t.reply(503, R"({"error":{"type":"unavailable_shards_exception","reason":"busy"}})");
    t.reply(429, R"({"error":{"type":"es_rejected_execution_exception","reason":"queue full"}})");
    t.reply(500, "{}");
    t.reply(200, R"({"id":"j"})");
    std::vector<std::string> lines;
    core::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
    const auto id = run(c.create_sync_job("c", "full", "on_demand"));
    core::log::set_sink({});
    CHECK(id == "j");
    CHECK(t.requests().size() == 4);
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{10s, 20s, 30s});
    // Each wait is a warning naming the call, the failure and the wait.
    REQUIRE(lines.size() == 3);
    CHECK_THAT(lines[0], Catch::Contains("[WARNING]"));
    CHECK_THAT(lines[0], Catch::Contains("POST /_connector/_sync_job"));
    CHECK_THAT(lines[0], Catch::Contains(": 503 unavailable_shards_exception: busy"));
    CHECK_THAT(lines[0], Catch::Contains("; trying again in 10 s (attempt 2 of 5)"));
    CHECK_THAT(lines[1], Catch::Contains(": 429 es_rejected_execution_exception"));
    CHECK_THAT(lines[2], Catch::Contains("; trying again in 30 s (attempt 4 of 5)"));
}

TEST_CASE("app retrier gives up after max_retries attempts with the last error", "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c(t, test::es_test_options(), &s);
    for (int i = 0; i < 5; ++i) {
        t.reply(504, R"({"error":{"type":"timeout","reason":"gateway timeout"}})");
    }
    try {
        run(c.check_in("c1"));
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(e.http_status() == 504);
        CHECK(e.kind() == core::error_kind::transient);
        CHECK_THAT(e.what(), Catch::Contains("PUT /_connector/c1/_check_in: 504"));
    }
    CHECK(t.requests().size() == 5);
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{10s, 20s, 30s, 40s});
}

TEST_CASE("app retrier does not retry other errors", "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c(t, test::es_test_options(), &s);
    SECTION("404") {
        t.reply(404, R"({"error":{"type":"resource_not_found_exception","reason":"x"}})");
        CHECK_THROWS_AS(run(c.check_in("c1")), es::es_error);
    }
    SECTION("409") {
        t.reply(409, R"({"error":{"type":"version_conflict_engine_exception","reason":"x"}})");
        CHECK_THROWS_AS(run(c.update_doc("i", "d", {}, es::occ_guard{1, 1})), es::es_error);
    }
    SECTION("400") {
        t.reply(400, R"({"error":{"type":"parsing_exception","reason":"x"}})");
        CHECK_THROWS_AS(run(c.license()), es::es_error);
    }
    CHECK(t.requests().size() == 1);
    CHECK(s.requested().empty());
}

TEST_CASE("connection failures: immediate transport re-sends, then the app retrier",
          "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    auto o = test::es_test_options();
    o.transport_retries = 1;
    o.retries.max_retries = 2;
    es::client c(t, o, &s);
    t.fail(core::error(core::error_kind::transient, "connection refused"));
    t.fail(core::error(core::error_kind::transient, "connection reset"));  // app attempt 1 ends
    t.fail(core::error(core::error_kind::transient, "timed out"));
    t.reply(200, R"({"license":{"status":"active","type":"basic"}})");
    CHECK(run(c.license()).type == "basic");
    CHECK(t.requests().size() == 4);
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{10s});
}

TEST_CASE("a fatal transport error is not retried", "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c(t, test::es_test_options(), &s);
    t.fail(core::error(core::error_kind::fatal, "certificate verify failed for host es.test"));
    CHECK_THROWS_WITH(run(c.license()), Catch::Contains("certificate verify failed"));
    CHECK(t.requests().size() == 1);
}

TEST_CASE("calls outside the app retrier: immediate re-sends only", "[es][retry]") {
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c(t, test::es_test_options(), &s);  // transport_retries = 3
    SECTION("busy answers are re-sent at once, up to 4 sends") {
        t.reply(503, "{}");
        t.reply(429, "{}");
        t.reply(200, R"({"count":7})");
        CHECK(run(c.count("search-x")) == 7);
        CHECK(t.requests().size() == 3);
        for (int i = 0; i < 4; ++i) {
            t.reply(502, "{}");
        }
        CHECK_THROWS_WITH(run(c.refresh("search-x")),
                          Catch::StartsWith("POST /search-x/_refresh: 502"));
        CHECK(t.requests().size() == 7);
    }
    SECTION("other errors are not re-sent") {
        t.reply(500, "{}");
        CHECK_FALSE(run(c.ping()));
        CHECK(t.requests().size() == 1);
    }
    SECTION("app-retried calls get no immediate status re-sends") {
        auto o = test::es_test_options();
        o.retries.max_retries = 2;
        es::client c2(t, o, &s);
        t.reply(503, "{}");
        t.reply(503, "{}");
        CHECK_THROWS_AS(run(c2.license()), es::es_error);
        CHECK(t.requests().size() == 2);
        CHECK(s.requested() == std::vector<std::chrono::milliseconds>{10s});
    }
}

TEST_CASE("OCC retry re-reads and retries a 409 up to 3 times", "[es][retry][occ]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    auto doc = [](int seq) {
        return R"({"_id":"c1","_seq_no":)" + std::to_string(seq) +
               R"(,"_primary_term":1,"found":true,"_source":{}})";
    };
    const std::string conflict =
        R"({"error":{"type":"version_conflict_engine_exception","reason":"conflict"}})";

    int attempts = 0;
    auto write = [&]() -> boost::asio::awaitable<std::int64_t> {
        ++attempts;
        auto d = co_await c.get_doc(es::connectors_index, "c1");
        json::object patch;  // built outside the call: GCC 12 rejects a braced list here
        patch["status"] = "connected";
        co_await c.update_doc(es::connectors_index, "c1", std::move(patch), es::guard_of(*d));
        co_return d->seq_no;
    };

    SECTION("succeeds on the third attempt with the latest seq_no") {
        t.reply(200, doc(1));
        t.reply(409, conflict);
        t.reply(200, doc(2));
        t.reply(409, conflict);
        t.reply(200, doc(3));
        t.reply(200, R"({"result":"updated"})");
        CHECK(run(es::with_occ_retry(write)) == 3);
        CHECK(attempts == 3);
        CHECK(t.requests().back().url ==
              "http://es.test:9200/.elastic-connectors/_update/c1?if_seq_no=3&if_primary_term=1");
    }
    SECTION("gives up after 3 conflicts") {
        for (int i = 1; i <= 3; ++i) {
            t.reply(200, doc(i));
            t.reply(409, conflict);
        }
        try {
            run(es::with_occ_retry(write));
            FAIL("expected a conflict");
        } catch (const es::es_error& e) {
            CHECK(e.is_conflict());
        }
        CHECK(attempts == 3);
        CHECK(t.pending() == 0);
    }
    SECTION("other errors are not retried") {
        t.reply(404, R"({"found":false})");
        auto missing = [&]() -> boost::asio::awaitable<void> {
            ++attempts;
            co_await c.update_doc(es::connectors_index, "c1", json::object());
        };
        CHECK_THROWS_AS(run(es::with_occ_retry(missing)), es::es_error);
        CHECK(attempts == 1);
    }
}
