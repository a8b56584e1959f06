#pragma once
// Scripted fakes for the Salesforce client and source tests: a transport that answers from a
// script (or from routes matched against the decoded URL) and records every request, a sleeper
// that records waits, and run() to drive a coroutine to completion.

#include <algorithm>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/core/error.hpp>
#include <casio/core/retry.hpp>
#include <casio/core/text.hpp>
#include <casio/salesforce/client.hpp>

namespace casio::salesforce::test {

namespace asio = boost::asio;
using casio::core::error;
using casio::core::error_kind;

// Answers requests from a script, in order, and records what was asked.
struct scripted_transport final : casio::http::transport {
    // Answers for requests whose decoded URL contains `needle`, used once each, before the
    // script.
    struct route {
        std::string needle;
        unsigned status;
        std::string body;
    };
    std::vector<route> routes;
    void on(std::string needle, unsigned status, std::string body) {
        routes.push_back({std::move(needle), status, std::move(body)});
    }

    struct step {
        unsigned status = 200;
        std::string body;
        casio::http::header_list fields;
        bool transport_failure = false;
    };
    std::deque<step> script;
    std::vector<casio::http::request> seen;

    void add(unsigned status, std::string body, casio::http::header_list fields = {}) {
        script.push_back({status, std::move(body), std::move(fields), false});
    }
    void add_failure() { script.push_back({0, {}, {}, true}); }

    step next(const casio::http::request& req) {
        seen.push_back(req);
        const auto url = core::percent_decode(req.url, false);
        for (auto it = routes.begin(); it != routes.end(); ++it) {
            if (url.find(it->needle) != std::string::npos) {
                step s{it->status, std::move(it->body), {}, false};
                routes.erase(it);
                return s;
            }
        }
        if (script.empty()) {
            throw std::logic_error("unexpected request " + req.url);
        }
        auto s = std::move(script.front());
        script.pop_front();
        if (s.transport_failure) {
            throw error(error_kind::transient, "connection reset");
        }
        return s;
    }
    // Suspends before answering, as a real exchange does (lets other coroutines run):
    // `yield_before_answer` times (1 when set to true).
    int yield_before_answer = 0;
    // Requests between their start and their answer, and the most at once.
    std::size_t in_flight = 0;
    std::size_t max_in_flight = 0;

    asio::awaitable<void> exchange_delay() {
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        for (int i = 0; i < yield_before_answer; ++i) {
            co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        }
        --in_flight;
    }

    asio::awaitable<casio::http::response> send(casio::http::request req) override {
        co_await exchange_delay();
        auto s = next(req);
        co_return casio::http::response{s.status, std::move(s.fields), std::move(s.body)};
    }
    asio::awaitable<casio::http::response> send_streaming(
        casio::http::request req, casio::http::client::body_sink sink) override {
        co_await exchange_delay();
        auto s = next(req);
        co_await sink(s.body);
        co_return casio::http::response{s.status, std::move(s.fields), {}};
    }

    std::size_t count(std::string_view path_part) const {
        return static_cast<std::size_t>(
            std::count_if(seen.begin(), seen.end(), [&](const casio::http::request& r) {
                return core::percent_decode(r.url, false).find(path_part) != std::string::npos;
            }));
    }
};

struct recording_sleeper final : casio::core::sleeper {
    std::vector<casio::core::retry_ms> waits;
    asio::awaitable<void> sleep_for(casio::core::retry_ms d) override {
        waits.push_back(d);
        co_return;
    }
};

template <class T>
T run(asio::awaitable<T> a) {
    asio::io_context ctx;
    std::optional<T> out;
    std::exception_ptr failure;
    asio::co_spawn(ctx, std::move(a), [&](std::exception_ptr e, T v) {
        failure = e;
        if (!e) {
            out = std::move(v);
        }
    });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*out);
}

inline void run(asio::awaitable<void> a) {
    asio::io_context ctx;
    std::exception_ptr failure;
    asio::co_spawn(ctx, std::move(a), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace casio::salesforce::test
