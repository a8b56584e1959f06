#pragma once
// Runs one coroutine to completion on a private io_context and returns its result (or
// rethrows what it threw): unit tests drive awaitable code without a service around it.

#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace casio::test {

template <typename T>
T run(boost::asio::awaitable<T> task) {
    boost::asio::io_context ctx;
    std::exception_ptr failure;
    std::optional<T> result;
    boost::asio::co_spawn(ctx, std::move(task), [&](std::exception_ptr e, T v) {
        failure = e;
        if (!e) {
            result.emplace(std::move(v));
        }
    });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*result);
}

inline void run(boost::asio::awaitable<void> task) {
    boost::asio::io_context ctx;
    std::exception_ptr failure;
    boost::asio::co_spawn(ctx, std::move(task), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

// Runs `task` on `ctx`, whose I/O objects it uses, until the context is out of work, and
// rethrows what the task threw. `on_done` runs as the task ends, either way: it closes a
// client whose idle sweep would otherwise keep the context busy.
inline void run(boost::asio::io_context& ctx, boost::asio::awaitable<void> task,
                const std::function<void()>& on_done = {}) {
    std::exception_ptr failure;
    boost::asio::co_spawn(ctx, std::move(task), [&](std::exception_ptr e) {
        failure = e;
        if (on_done) {
            on_done();
        }
    });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace casio::test
