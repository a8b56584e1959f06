#pragma once
// A scripted http::transport for unit tests: records every request and answers from a queue of
// canned responses or thrown errors. No sockets.

#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/es/client.hpp>

#include "support/manual_clock.hpp"

namespace casio::es::test {

inline http::response es_response(unsigned status, std::string body, bool product = true) {
    http::response r;
    r.status = status;
    r.body = std::move(body);
    r.fields.push_back({"content-type", "application/vnd.elasticsearch+json;compatible-with=8"});
    if (product) {
        r.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
    }
    return r;
}

class fake_transport : public http::transport {
  public:
    std::vector<http::request> requests;

    void reply(unsigned status, std::string body = "{}") {
        script_.emplace_back(es_response(status, std::move(body)));
    }
    void reply(http::response r) { script_.emplace_back(std::move(r)); }
    void fail(core::error e) { script_.emplace_back(std::move(e)); }
    std::size_t pending() const noexcept { return script_.size(); }

    boost::asio::awaitable<http::response> send(http::request req) override {
        req.own_body();  // kept after the call
        requests.push_back(std::move(req));
        if (script_.empty()) {
            throw std::logic_error("fake_transport: unexpected request " + requests.back().url);
        }
        auto next = std::move(script_.front());
        script_.pop_front();
        if (auto* e = std::get_if<core::error>(&next)) {
            throw *e;
        }
        co_return std::get<http::response>(std::move(next));
    }

  private:
    std::deque<std::variant<http::response, core::error>> script_;
};

// Runs one coroutine to completion on a private io_context and returns its result.
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

inline std::optional<std::string> field(const http::request& r, std::string_view name) {
    for (const auto& h : r.fields) {
        if (h.name.size() == name.size() &&
            std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return h.value;
        }
    }
    return std::nullopt;
}

inline client_options test_options() {
    client_options o;
    o.host = "http://es.test:9200";
    o.retries.retry_interval = std::chrono::seconds(10);
    o.bulk_retries.retry_interval = std::chrono::seconds(2);
    return o;
}

}  // namespace casio::es::test
