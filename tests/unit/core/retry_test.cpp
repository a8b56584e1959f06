#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <support/manual_clock.hpp>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/retry.hpp>

using namespace casio::core;
using namespace std::chrono_literals;
using casio::test::manual_clock;
using casio::test::manual_sleeper;

namespace {

// Runs a coroutine to completion on a fresh io_context and returns its result (or throws).
template <class T>
T run(boost::asio::awaitable<T> a) {
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
    io.run();
    return fut.get();
}

// Fails with the given kinds in order, then succeeds with the number of calls.
struct scripted_op {
    std::vector<error_kind> failures;
    int calls = 0;

    boost::asio::awaitable<int> operator()() {
        ++calls;
        if (static_cast<std::size_t>(calls) <= failures.size()) {
            throw error(failures[static_cast<std::size_t>(calls - 1)],
                        "attempt " + std::to_string(calls) + " failed", 503);
        }
        co_return calls;
    }
};

}  // namespace

TEST_CASE("transient, timeout and rate_limited are retried, other kinds are not",
          "[retry][policy]") {
    auto p = retry_policy::exponential(5, 100ms, 2.0, 10s);
    CHECK(p.next_delay(1, error_kind::transient) == 100ms);
    CHECK(p.next_delay(1, error_kind::timeout) == 100ms);
    CHECK(p.next_delay(1, error_kind::rate_limited) == 100ms);
    for (auto k : {error_kind::bad_request, error_kind::auth, error_kind::not_found,
                   error_kind::fatal, error_kind::canceled}) {
        INFO(to_string(k));
        CHECK_FALSE(p.next_delay(1, k));
    }
}

TEST_CASE("a policy can opt other kinds in and out", "[retry][policy]") {
    auto p = retry_policy::exponential(3, 1s, 2.0, 10s)
                 .retry_on(error_kind::not_found)
                 .retry_on(error_kind::rate_limited, false);
    CHECK(p.next_delay(1, error_kind::not_found) == 1s);
    CHECK_FALSE(p.next_delay(1, error_kind::rate_limited));
    CHECK(p.next_delay(1, error_kind::transient) == 1s);
}

TEST_CASE("exponential delays grow, are capped, and stop at max attempts", "[retry][policy]") {
    auto p = retry_policy::exponential(6, 1s, 2.0, 5s);
    CHECK(p.next_delay(1, error_kind::transient) == 1s);
    CHECK(p.next_delay(2, error_kind::transient) == 2s);
    CHECK(p.next_delay(3, error_kind::transient) == 4s);
    CHECK(p.next_delay(4, error_kind::transient) == 5s);
    CHECK(p.next_delay(5, error_kind::transient) == 5s);
    CHECK_FALSE(p.next_delay(6, error_kind::transient));  // 6 attempts made
    auto big = retry_policy::exponential(10000, 1s, 10.0, 30s);
    CHECK(big.next_delay(5000, error_kind::transient) == 30s);  // no overflow
}

TEST_CASE("linear delays match the Elasticsearch app retrier", "[retry][policy]") {
    auto p = retry_policy::linear(5, 10s, 10s);
    std::vector<retry_ms> delays;
    for (int a = 1; auto d = p.next_delay(a, error_kind::transient); ++a) {
        delays.push_back(*d);
    }
    CHECK(delays == std::vector<retry_ms>{10s, 20s, 30s, 40s});
}

TEST_CASE("one attempt means no retry", "[retry][policy]") {
    CHECK_FALSE(retry_policy::linear(1, 1s, 1s).next_delay(1, error_kind::transient));
    CHECK_FALSE(retry_policy::linear(0, 1s, 1s).next_delay(1, error_kind::transient));
}

TEST_CASE("jitter shortens delays by the injected random fraction", "[retry][jitter]") {
    double u = 0.5;
    auto p = retry_policy::exponential(5, 1000ms, 2.0, 1min).with_jitter(0.5, [&] { return u; });
    CHECK(p.next_delay(1, error_kind::transient) == 750ms);
    CHECK(p.next_delay(2, error_kind::transient) == 1500ms);
    u = 0.0;
    CHECK(p.next_delay(1, error_kind::transient) == 1000ms);
    auto real = retry_policy::exponential(5, 1000ms, 2.0, 1min).with_jitter(1.0);
    for (int i = 0; i < 100; ++i) {
        auto d = real.next_delay(1, error_kind::transient);
        REQUIRE(d);
        CHECK(*d >= 0ms);
        CHECK(*d <= 1000ms);
    }
}

TEST_CASE("retry() returns the first success after the recorded waits", "[retry][async]") {
    manual_sleeper sleeper;
    scripted_op op{{error_kind::transient, error_kind::rate_limited}};
    auto p = retry_policy::exponential(5, 100ms, 3.0, 10s);
    std::vector<int> observed;
    int result = run(retry(
        p, sleeper, [&] { return op(); },
        [&](int attempt, const error& e, retry_ms) {
            observed.push_back(attempt);
            CHECK(e.status() == 503);
        }));
    CHECK(result == 3);
    CHECK(op.calls == 3);
    CHECK(sleeper.requested() == std::vector<retry_ms>{100ms, 300ms});
    CHECK(observed == std::vector<int>{1, 2});
}

TEST_CASE("retry() gives up after max attempts and rethrows the last error", "[retry][async]") {
    manual_clock clock;
    auto start = clock.now();
    manual_sleeper sleeper(clock);
    scripted_op op{{error_kind::transient, error_kind::transient, error_kind::transient,
                    error_kind::transient}};
    auto p = retry_policy::linear(3, 10s, 10s);
    try {
        run(retry(p, sleeper, [&] { return op(); }));
        FAIL("expected an error");
    } catch (const error& e) {
        CHECK(std::string(e.what()) == "attempt 3 failed");
        CHECK(e.kind() == error_kind::transient);
    }
    CHECK(op.calls == 3);
    CHECK(sleeper.requested() == std::vector<retry_ms>{10s, 20s});
    CHECK(clock.now() - start == 30s);
}

TEST_CASE("retry() does not retry a bad request", "[retry][async]") {
    manual_sleeper sleeper;
    scripted_op op{{error_kind::bad_request}};
    auto p = retry_policy::exponential(5, 1s, 2.0, 10s);
    CHECK_THROWS_AS(run(retry(p, sleeper, [&] { return op(); })), error);
    CHECK(op.calls == 1);
    CHECK(sleeper.requested().empty());
}

TEST_CASE("retry() propagates foreign exceptions at once", "[retry][async]") {
    manual_sleeper sleeper;
    int calls = 0;
    auto op = [&]() -> boost::asio::awaitable<int> {
        ++calls;
        throw std::logic_error("broken invariant");
        co_return 0;
    };
    auto p = retry_policy::exponential(5, 1s, 2.0, 10s);
    CHECK_THROWS_AS(run(retry(p, sleeper, op)), std::logic_error);
    CHECK(calls == 1);
}

TEST_CASE("retry() works for operations returning void", "[retry][async]") {
    manual_sleeper sleeper;
    int calls = 0;
    auto op = [&]() -> boost::asio::awaitable<void> {
        if (++calls == 1) {
            throw error(error_kind::transient, "once");
        }
        co_return;
    };
    run(retry(retry_policy::linear(2, 5ms, 0ms), sleeper, op));
    CHECK(calls == 2);
    CHECK(sleeper.requested() == std::vector<retry_ms>{5ms});
}

TEST_CASE("steady_sleeper waits on the io_context", "[retry][sleeper]") {
    boost::asio::io_context io;
    steady_sleeper sleeper;
    bool done = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await sleeper.sleep_for(1ms);
            done = true;
        },
        boost::asio::detached);
    io.run();
    CHECK(done);
}

TEST_CASE("steady_sleeper is cancelled through the coroutine's cancellation slot",
          "[retry][sleeper]") {
    boost::asio::io_context io;
    steady_sleeper sleeper;
    boost::asio::cancellation_signal cancel;
    std::exception_ptr outcome;
    bool finished = false;
    boost::asio::co_spawn(
        io, sleeper.sleep_for(std::chrono::hours(1)),
        boost::asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
            outcome = e;
            finished = true;
        }));
    io.poll();  // the coroutine is now waiting on its timer
    CHECK_FALSE(finished);
    cancel.emit(boost::asio::cancellation_type::terminal);
    io.run();
    REQUIRE(finished);
    REQUIRE(outcome);
    try {
        std::rethrow_exception(outcome);
    } catch (const boost::system::system_error& e) {
        CHECK(e.code() == boost::asio::error::operation_aborted);
    }
}

TEST_CASE("error budget: more than max_errors within the span exhausts it", "[retry][budget]") {
    manual_clock clock;
    error_budget budget(3, 600s);
    CHECK_FALSE(budget.record(clock.now()));
    clock.advance(100s);
    CHECK_FALSE(budget.record(clock.now()));
    clock.advance(100s);
    CHECK_FALSE(budget.record(clock.now()));
    CHECK(budget.errors_in_window() == 3);
    clock.advance(100s);
    CHECK(budget.record(clock.now()));  // 4th error 300 s after the first
}

TEST_CASE("error budget: an error after the span opens a new window", "[retry][budget]") {
    manual_clock clock;
    error_budget budget(2, 600s);
    CHECK_FALSE(budget.record(clock.now()));
    CHECK_FALSE(budget.record(clock.now()));
    clock.advance(600s);
    CHECK(budget.record(clock.now()));  // exactly at the span: same window
    clock.advance(1ms);
    CHECK_FALSE(budget.record(clock.now()));  // more than the span after the window start
    CHECK(budget.errors_in_window() == 1);
}

TEST_CASE("retry() waits at least what the peer's Retry-After asks, within a cap",
          "[retry][async]") {
    manual_sleeper sleeper;
    int calls = 0;
    auto op = [&]() -> boost::asio::awaitable<int> {
        ++calls;
        if (calls == 1) {
            throw error(error_kind::rate_limited, "429", 429).with_retry_after(30s);
        }
        if (calls == 2) {
            throw error(error_kind::transient, "503", 503).with_retry_after(std::chrono::hours(2));
        }
        if (calls == 3) {
            throw error(error_kind::transient, "503", 503).with_retry_after(1ms);
        }
        co_return calls;
    };
    auto p = retry_policy::exponential(5, 100ms, 2.0, 10s);
    CHECK(run(retry(p, sleeper, op)) == 4);
    CHECK(sleeper.requested() == std::vector<retry_ms>{30s, max_retry_after, 400ms});
}
