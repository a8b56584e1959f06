// Bounded concurrency on one io_context: the semaphore that caps requests and file bytes in
// flight, and the worker pool that runs objects, pages and files.
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/concurrency.hpp>

using namespace casio;
namespace asio = boost::asio;
using core::async_semaphore;

namespace {

// Runs what is ready, then returns: coroutines waiting on the semaphore keep the context busy,
// so run() would not return.
void drain(asio::io_context& ctx) {
    ctx.restart();
    while (ctx.poll() > 0) {
    }
}

// Lets every other ready coroutine run once.
asio::awaitable<void> yield() {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

}  // namespace

TEST_CASE("a semaphore serves waiters in order once units come back", "[core][concurrency]") {
    asio::io_context ctx;
    async_semaphore sem(2);
    std::vector<std::string> events;
    std::vector<async_semaphore::permit> held;
    auto take = [&](std::string name) -> asio::awaitable<void> {
        auto p = co_await sem.acquire();
        events.push_back(name);
        held.push_back(std::move(p));
    };
    for (auto name : {"a", "b", "c", "d"}) {
        asio::co_spawn(ctx, take(name), asio::detached);
    }
    drain(ctx);
    CHECK(events == std::vector<std::string>{"a", "b"});  // c and d wait
    CHECK(sem.waiting() == 2);
    held.front().release();
    drain(ctx);
    CHECK(events == std::vector<std::string>{"a", "b", "c"});  // first come, first served
    held.clear();
    drain(ctx);
    CHECK(events == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(sem.max_in_use() == 2);
    held.clear();
    CHECK(sem.in_use() == 0);
}

TEST_CASE("a large request is not overtaken by small ones, and one over capacity runs alone",
          "[core][concurrency]") {
    asio::io_context ctx;
    async_semaphore sem(10);
    std::vector<std::string> events;
    std::vector<async_semaphore::permit> held;
    auto take = [&](std::string name, std::size_t units) -> asio::awaitable<void> {
        auto p = co_await sem.acquire(units);
        events.push_back(name + ":" + std::to_string(p.units()));
        held.push_back(std::move(p));
    };
    asio::co_spawn(ctx, take("first", 8), asio::detached);
    asio::co_spawn(ctx, take("large", 5), asio::detached);
    asio::co_spawn(ctx, take("small", 1), asio::detached);  // would fit, but comes after
    drain(ctx);
    CHECK(events == std::vector<std::string>{"first:8"});
    held.clear();
    drain(ctx);
    CHECK(events == std::vector<std::string>{"first:8", "large:5", "small:1"});
    held.clear();

    asio::co_spawn(ctx, take("huge", 500), asio::detached);  // clamped to the capacity
    drain(ctx);
    CHECK(events.back() == "huge:10");
    CHECK(sem.in_use() == 10);
    CHECK_FALSE(sem.try_acquire().units());
    held.clear();
    CHECK(sem.try_acquire().units() == 1);
}

TEST_CASE("a cancelled waiter leaves the queue and takes nothing", "[core][concurrency]") {
    asio::io_context ctx;
    async_semaphore sem(1);
    auto first = sem.try_acquire();
    REQUIRE(first.units() == 1);
    asio::cancellation_signal cancel;
    std::string outcome = "waiting";
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            try {
                auto p = co_await sem.acquire();
                outcome = "granted";
            } catch (const boost::system::system_error& e) {
                outcome = e.code() == asio::error::operation_aborted ? "aborted" : e.what();
            }
        },
        asio::bind_cancellation_slot(cancel.slot(), asio::detached));
    std::string behind = "waiting";
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            auto p = co_await sem.acquire();
            behind = "granted";
        },
        asio::detached);
    drain(ctx);
    REQUIRE(sem.waiting() == 2);
    cancel.emit(asio::cancellation_type::terminal);
    drain(ctx);
    CHECK(outcome == "aborted");
    CHECK(sem.waiting() == 1);
    first.release();  // goes to the one still waiting, not to the cancelled one
    drain(ctx);
    CHECK(behind == "granted");
    CHECK(sem.in_use() == 0);
}

TEST_CASE("a lowered capacity serves nobody until use is under it, a raised one serves waiters",
          "[core][concurrency]") {
    asio::io_context ctx;
    async_semaphore sem(4);
    std::vector<async_semaphore::permit> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(sem.try_acquire());
    }
    sem.set_capacity(2);
    std::size_t served = 0;
    for (int i = 0; i < 3; ++i) {
        asio::co_spawn(
            ctx,
            [&]() -> asio::awaitable<void> {
                held.push_back(co_await sem.acquire());
                ++served;
            },
            asio::detached);
    }
    drain(ctx);
    CHECK(served == 0);
    held[0].release();
    held[1].release();
    held[2].release();  // 1 in use: one waiter fits under 2
    drain(ctx);
    CHECK(served == 1);
    sem.set_capacity(3);  // the last of the first four and one waiter in use: room for one
    drain(ctx);
    CHECK(served == 2);
    CHECK(sem.in_use() == 3);
    held[3].release();
    drain(ctx);
    CHECK(served == 3);
    CHECK(sem.capacity() == 3);
    sem.set_capacity(0);
    CHECK(sem.capacity() == 1);  // never 0: a request could never be served
}

TEST_CASE("for_each_concurrently runs every job, at most W at once", "[core][concurrency]") {
    asio::io_context ctx;
    std::size_t running = 0;
    std::size_t peak = 0;
    std::vector<int> done(25, 0);
    asio::co_spawn(ctx,
                   core::for_each_concurrently(done.size(), 4,
                                               [&](std::size_t i) -> asio::awaitable<void> {
                                                   ++running;
                                                   peak = std::max(peak, running);
                                                   co_await yield();
                                                   co_await yield();
                                                   ++done[i];
                                                   --running;
                                               }),
                   asio::detached);
    ctx.run();
    CHECK(peak == 4);
    CHECK(std::all_of(done.begin(), done.end(), [](int n) { return n == 1; }));
}

TEST_CASE("the first failure stops the other workers, which are awaited", "[core][concurrency]") {
    asio::io_context ctx;
    std::size_t started = 0;
    std::size_t cancelled = 0;
    std::exception_ptr result;
    bool finished = false;
    asio::co_spawn(ctx,
                   core::for_each_concurrently(100, 3,
                                               [&](std::size_t i) -> asio::awaitable<void> {
                                                   ++started;
                                                   if (i == 2) {
                                                       co_await yield();
                                                       throw std::runtime_error("page 2 failed");
                                                   }
                                                   // The others would wait an hour: only their
                                                   // cancellation ends them.
                                                   asio::steady_timer t(
                                                       co_await asio::this_coro::executor,
                                                       std::chrono::hours(1));
                                                   try {
                                                       co_await t.async_wait(asio::use_awaitable);
                                                   } catch (const boost::system::system_error&) {
                                                       ++cancelled;
                                                       throw;
                                                   }
                                               }),
                   [&](std::exception_ptr e) {
                       result = e;
                       finished = true;
                   });
    ctx.run_for(std::chrono::seconds(30));
    REQUIRE(finished);
    REQUIRE(result);
    CHECK_THROWS_WITH(std::rethrow_exception(result), "page 2 failed");
    CHECK(started == 3);  // no job started after the failure
    CHECK(cancelled == 2);
}
