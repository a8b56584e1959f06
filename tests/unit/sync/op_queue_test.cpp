// The bounded queue between producer and bulk workers (protocol.md §4.2).
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/sync/op_queue.hpp>

using namespace casio;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

sync::queued_op op(std::string id, std::size_t bytes) {
    sync::queued_op o;
    o.id = std::move(id);
    o.json.assign(bytes, 'x');
    return o;
}

template <typename F>
void run(F body) {
    asio::io_context ctx;
    std::exception_ptr failure;
    asio::co_spawn(ctx, body(), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace

TEST_CASE("queue: room is bounded by count and by bytes", "[sync][queue]") {
    sync::op_queue q(3, 100);
    CHECK(q.has_room(1000));  // empty: anything goes in
    run([&]() -> asio::awaitable<void> {
        // (No co_await inside Catch macros: GCC 12 miscompiles it.)
        auto r = co_await q.push(op("a", 40), 1h);
        CHECK(r == sync::op_queue::push_result::ok);
        CHECK(q.bytes() == 41);
        CHECK(q.has_room(50));        // 41 + 50 < 100
        CHECK_FALSE(q.has_room(59));  // 41 + 59 is not < 100
        r = co_await q.push(op("b", 10), 1h);
        CHECK(r == sync::op_queue::push_result::ok);
        r = co_await q.push(op("c", 10), 1h);
        CHECK(r == sync::op_queue::push_result::ok);
        CHECK_FALSE(q.has_room(0));  // three ops: full by count
    });
}

TEST_CASE("queue: an op larger than the byte cap is admitted when empty", "[sync][queue]") {
    sync::op_queue q(10, 100);
    run([&]() -> asio::awaitable<void> {
        auto r = co_await q.push(op("big", 500), 0ms);
        CHECK(r == sync::op_queue::push_result::ok);
        // Not while something is queued: times out.
        r = co_await q.push(op("big2", 500), 0ms);
        CHECK(r == sync::op_queue::push_result::timed_out);
        CHECK(q.size() == 1);
    });
}

TEST_CASE("queue: a blocked producer is woken by a pop, in order", "[sync][queue]") {
    sync::op_queue q(1, 1000);
    std::vector<std::string> popped;
    asio::io_context ctx;
    bool producer_done = false;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 5; ++i) {
                auto r = co_await q.push(op("d" + std::to_string(i), 10), 1h);
                REQUIRE(r == sync::op_queue::push_result::ok);
                CHECK(q.size() == 1);  // never more than the cap
            }
            q.close();
            producer_done = true;
        },
        asio::detached);
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            while (auto o = co_await q.pop()) {
                popped.push_back(o->id);
            }
        },
        asio::detached);
    ctx.run();  // returns only if nobody is left waiting
    CHECK(producer_done);
    CHECK(popped == std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"});
}

TEST_CASE("queue: abort wakes a blocked producer and ends pops", "[sync][queue]") {
    sync::op_queue q(1, 1000);
    asio::io_context ctx;
    sync::op_queue::push_result second{};
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            co_await q.push(op("a", 1), 1h);
            second = co_await q.push(op("b", 1), 1h);  // blocks: full
        },
        asio::detached);
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            q.abort();
            auto o = co_await q.pop();
            CHECK_FALSE(o);
        },
        asio::detached);
    ctx.run();
    CHECK(second == sync::op_queue::push_result::aborted);
    CHECK(q.size() == 0);
}

TEST_CASE("queue: close lets the consumer drain first", "[sync][queue]") {
    sync::op_queue q(5, 1000);
    run([&]() -> asio::awaitable<void> {
        co_await q.push(op("a", 1), 1h);
        co_await q.push(op("b", 1), 1h);
        q.close();
        auto r = co_await q.push(op("c", 1), 1h);
        CHECK(r == sync::op_queue::push_result::aborted);
        auto a = co_await q.pop();
        auto b = co_await q.pop();
        auto end = co_await q.pop();
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->id == "a");
        CHECK(b->id == "b");
        CHECK_FALSE(end);
    });
}
