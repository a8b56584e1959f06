// The worker pool: work runs off the io_context thread, which stays free meanwhile; results
// and exceptions come back to the caller on its own thread.
#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <casio/core/worker_pool.hpp>

namespace asio = boost::asio;
using casio::core::worker_pool;

TEST_CASE("work runs on the pool while the io_context thread goes on", "[core][worker_pool]") {
    asio::io_context io;
    worker_pool pool(2);
    CHECK(pool.threads() == 2);
    const auto io_thread = std::this_thread::get_id();
    std::atomic<bool> released{false};
    std::atomic<int> started{0};
    std::vector<std::thread::id> ran_on;
    std::vector<std::thread::id> resumed_on;
    auto job = [&]() -> asio::awaitable<void> {
        auto id = co_await pool.run([&] {
            ++started;
            // Waits for the io_context thread: it would never come if this ran there.
            while (!released.load()) {
                std::this_thread::yield();
            }
            return std::this_thread::get_id();
        });
        ran_on.push_back(id);
        resumed_on.push_back(std::this_thread::get_id());
    };
    asio::co_spawn(io, job(), asio::detached);
    asio::co_spawn(io, job(), asio::detached);
    // The io_context thread releases the workers once both run at once.
    std::function<void()> poll = [&] {
        if (started.load() == 2) {
            released = true;
        } else {
            asio::post(io, poll);
        }
    };
    asio::post(io, poll);
    io.run();
    REQUIRE(ran_on.size() == 2);
    CHECK(ran_on[0] != io_thread);
    CHECK(ran_on[1] != io_thread);
    CHECK(ran_on[0] != ran_on[1]);  // two workers at once
    CHECK(resumed_on == std::vector<std::thread::id>{io_thread, io_thread});
}

TEST_CASE("a result and an exception come back to the caller", "[core][worker_pool]") {
    asio::io_context io;
    worker_pool pool;  // one a core
    CHECK(pool.threads() >= 1);
    std::string text;
    std::string error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            text = co_await pool.run([] { return std::string(100'000, 'x'); });
            try {
                co_await pool.run([]() -> int { throw std::runtime_error("corrupt file"); });
            } catch (const std::runtime_error& e) {
                error = e.what();
            }
        },
        asio::detached);
    io.run();
    CHECK(text.size() == 100'000);
    CHECK(error == "corrupt file");
}
