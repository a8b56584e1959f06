// The HTTP client against scripted raw peers on 127.0.0.1: pooling, deadlines, cancellation,
// decoding, limits, streaming, TLS and failure classification.

#include <catch2/catch.hpp>
#include <string>
#include <vector>
#include <zlib.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <casio/http/client.hpp>

#include "support/compress.hpp"
#include "support/scripted_server.hpp"

namespace net = boost::asio;
using casio::core::error_kind;
using casio::http::client;
using casio::http::client_options;
using casio::http::request;
using casio::http::response;
using casio::test::compress;
using casio::test::http_reply;
using casio::test::scripted_reply;
using casio::test::scripted_request;
using casio::test::scripted_server;

namespace {

std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    }
    return s;
}

request get(std::string url) {
    request r;
    r.url = std::move(url);
    return r;
}

// Runs the request and returns the error it throws; fails the test if it succeeds.
casio::core::error expect_error(net::io_context& ioc, client& c, request r) {
    try {
        casio::test::run(ioc, c.send(std::move(r)));
    } catch (const casio::core::error& e) {
        return e;
    }
    FAIL("the request succeeded but an error was expected");
    throw std::logic_error("unreachable");
}

// The same for a streamed request.
casio::core::error expect_stream_error(net::io_context& ioc, client& c, request r,
                                       const client::body_sink& sink) {
    try {
        casio::test::run(ioc, c.send_streaming(std::move(r), sink));
    } catch (const casio::core::error& e) {
        return e;
    }
    FAIL("the streamed request succeeded but an error was expected");
    throw std::logic_error("unreachable");
}

client_options fast_options() {
    client_options o;
    o.connect_timeout = std::chrono::milliseconds(2'000);
    o.request_timeout = std::chrono::milliseconds(5'000);
    return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("status classification follows the contract", "[http][status]") {
    using casio::http::classify_status;
    CHECK(classify_status(429) == error_kind::rate_limited);
    CHECK(classify_status(401) == error_kind::auth);
    CHECK(classify_status(403) == error_kind::auth);
    CHECK(classify_status(404) == error_kind::not_found);
    CHECK(classify_status(408) == error_kind::transient);
    CHECK(classify_status(500) == error_kind::transient);
    CHECK(classify_status(503) == error_kind::transient);
    CHECK(classify_status(400) == error_kind::bad_request);
    CHECK(classify_status(409) == error_kind::bad_request);
}

TEST_CASE("check() throws with status and a bounded body excerpt", "[http][status]") {
    response ok;
    ok.status = 201;
    CHECK_NOTHROW(casio::http::check(ok, "create index"));

    response bad;
    bad.status = 400;
    bad.body = R"({"error":"parse_exception"})" + std::string(500, 'x');
    try {
        casio::http::check(bad, "bulk request");
        FAIL("check() accepted a 400");
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == error_kind::bad_request);
        CHECK(e.status() == 400);
        CHECK(std::string(e.what()).rfind("bulk request: HTTP 400 {\"error\":\"parse_exception\"}",
                                          0) == 0);
        CHECK(e.body_excerpt().size() == 200);
        CHECK(std::string(e.what()).size() < 300);
    }
}

TEST_CASE("statuses are returned, check() classifies them", "[http][status]") {
    net::io_context ioc;
    unsigned status = 0;
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        return http_reply(status, "status body " + std::to_string(status));
    });
    client c(ioc.get_executor(), fast_options());
    for (auto [code, kind] :
         {std::pair{503u, error_kind::transient}, std::pair{429u, error_kind::rate_limited},
          std::pair{401u, error_kind::auth}, std::pair{404u, error_kind::not_found},
          std::pair{400u, error_kind::bad_request}}) {
        status = code;
        response res = casio::test::run(ioc, c.send(get(server.url("/s"))));
        CHECK(res.status == code);
        CHECK_FALSE(res.ok());
        try {
            casio::http::check(res, "probe");
            FAIL("check() accepted " << code);
        } catch (const casio::core::error& e) {
            CHECK(e.kind() == kind);
            CHECK(e.status() == int(code));
            CHECK(std::string(e.what()) ==
                  "probe: HTTP " + std::to_string(code) + " status body " + std::to_string(code));
        }
    }
    CHECK(server.accepted() == 1);  // error statuses keep the connection alive
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("sequential requests reuse one keep-alive connection", "[http][pool]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request& r) {
        return http_reply(200, "hello " + std::to_string(r.index), {"Content-Type: text/plain"});
    });
    client c(ioc.get_executor(), fast_options());
    for (int i = 1; i <= 5; ++i) {
        response res = casio::test::run(ioc, c.send(get(server.url("/path?x=1"))));
        CHECK(res.status == 200);
        CHECK(res.body == "hello " + std::to_string(i));
        CHECK(res.header("content-type") == std::optional<std::string_view>("text/plain"));
    }
    CHECK(server.accepted() == 1);
    CHECK(c.stats().connections_opened == 1);
    CHECK(c.stats().connections_reused == 4);
    auto reqs = server.requests();
    REQUIRE(reqs.size() == 5);
    CHECK(reqs[0].target() == "/path?x=1");
    CHECK(reqs[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(reqs[0].header("accept-encoding") == "gzip, deflate");
}

TEST_CASE("concurrent requests beyond the cap wait for a pooled connection", "[http][pool]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(),
                           [](const scripted_request&) { return http_reply(200, "ok"); });
    auto opts = fast_options();
    opts.max_connections_per_origin = 2;
    client c(ioc.get_executor(), opts);

    constexpr int total = 8;
    int done = 0;
    int succeeded = 0;
    for (int i = 0; i < total; ++i) {
        net::co_spawn(ioc, c.send(get(server.url("/"))), [&](std::exception_ptr e, response res) {
            ++done;
            if (!e && res.status == 200) {
                ++succeeded;
            }
        });
    }
    while (done < total && ioc.run_one() > 0) {
    }
    CHECK(succeeded == total);
    CHECK(server.max_open() <= 2);
    CHECK(server.accepted() == 2);
    CHECK(c.stats().connections_opened == 2);
    CHECK(c.stats().connections_reused == total - 2);
}

TEST_CASE("a pooled connection closed by the server is replaced", "[http][pool]") {
    net::io_context ioc;
    client c(ioc.get_executor(), fast_options());

    SECTION("closed while idle: detected before reuse") {
        scripted_server server(ioc.get_executor(), [](const scripted_request&) {
            auto reply = http_reply(200, "bye");
            reply.close = true;  // no "Connection: close": the client learns it from the socket
            return reply;
        });
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "bye");
        // Let the server finish closing so that the FIN is there before the next request.
        while (server.open() > 0 && ioc.run_one() > 0) {
        }
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "bye");
        CHECK(server.accepted() == 2);
        CHECK(c.stats().retries == 0);  // found dead in the pool, not by a failed request
    }

    SECTION("closed when the request arrives: retried once on a new connection") {
        scripted_server server(ioc.get_executor(), [](const scripted_request& r) {
            if (r.connection == 1 && r.index == 2) {
                scripted_reply reply;
                reply.close_after = 0;
                return reply;
            }
            return http_reply(200, "conn " + std::to_string(r.connection));
        });
        auto post = get(server.url("/items"));
        post.verb = casio::http::method::post;
        post.body = "payload";
        CHECK(casio::test::run(ioc, c.send(post)).body == "conn 1");
        CHECK(casio::test::run(ioc, c.send(post)).body == "conn 2");
        CHECK(c.stats().retries == 1);
        auto reqs = server.requests();
        REQUIRE(reqs.size() == 3);
        CHECK(reqs[2].body == "payload");  // the retried request carries its body again
    }

    SECTION("a fresh connection that closes without answering is an error, not a retry") {
        scripted_server server(ioc.get_executor(), [](const scripted_request&) {
            scripted_reply reply;
            reply.close_after = 0;
            return reply;
        });
        auto e = expect_error(ioc, c, get(server.url("/x")));
        CHECK(e.kind() == error_kind::transient);
        CHECK(server.accepted() == 1);
        CHECK(c.stats().retries == 0);
    }
}

TEST_CASE("idle connections expire and close() drops them", "[http][pool]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(),
                           [](const scripted_request&) { return http_reply(200, "ok"); });
    auto opts = fast_options();

    SECTION("expired after idle_timeout") {
        opts.idle_timeout = std::chrono::milliseconds(50);
        client c(ioc.get_executor(), opts);
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).status == 200);
        CHECK(server.open() == 1);
        // Runs until the client's idle sweep closes the socket and the server sees it.
        while (server.open() > 0 && ioc.run_one() > 0) {
        }
        CHECK(server.closed_by_peer() == 1);
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).status == 200);
        CHECK(server.accepted() == 2);
    }

    SECTION("still expired when pooled again right after close()") {
        opts.idle_timeout = std::chrono::milliseconds(50);
        client c(ioc.get_executor(), opts);
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).status == 200);
        c.close();
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).status == 200);
        while (server.open() > 0 && ioc.run_one() > 0) {
        }
        CHECK(server.closed_by_peer() == 2);
    }

    SECTION("dropped by close()") {
        client c(ioc.get_executor(), opts);  // 60 s idle timeout
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).status == 200);
        c.close();
        while (server.open() > 0 && ioc.run_one() > 0) {
        }
        CHECK(server.closed_by_peer() == 1);
    }
}

TEST_CASE("waiting for a free connection is bounded and cancellable", "[http][pool]") {
    net::io_context ioc;
    net::cancellation_signal cancel_waiter;
    scripted_server server(ioc.get_executor(), [&](const scripted_request& r) {
        if (r.connection == 1) {
            // The only connection is now busy: the second request is queued behind it.
            net::post(ioc, [&] { cancel_waiter.emit(net::cancellation_type::terminal); });
            scripted_reply reply;
            reply.stall = true;
            return reply;
        }
        return http_reply(200, "next");
    });
    auto opts = fast_options();
    opts.max_connections_per_origin = 1;
    client c(ioc.get_executor(), opts);

    std::vector<std::string> errors(3);
    int done = 0;
    auto record = [&](int i) {
        return [&, i](std::exception_ptr e, response) {
            ++done;
            try {
                if (e) {
                    std::rethrow_exception(e);
                }
            } catch (const casio::core::error& err) {
                errors[i] = err.what();
            }
        };
    };
    auto busy = get(server.url("/busy"));
    busy.timeout = std::chrono::milliseconds(300);
    net::co_spawn(ioc, c.send(busy), record(0));
    auto cancelled = get(server.url("/cancelled"));
    net::co_spawn(ioc, c.send(cancelled),
                  net::bind_cancellation_slot(cancel_waiter.slot(), record(1)));
    auto impatient = get(server.url("/impatient"));
    impatient.timeout = std::chrono::milliseconds(100);
    net::co_spawn(ioc, c.send(impatient), record(2));
    while (done < 3 && ioc.run_one() > 0) {
    }
    CHECK(errors[0].find("timed out after 300 ms") != std::string::npos);
    CHECK(errors[1].find("cancelled") != std::string::npos);
    CHECK(errors[2].find("timed out after 100 ms while waiting for a free connection") !=
          std::string::npos);
    // The slot of the timed-out exchange is free again, and the queue holds no stale waiter.
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "next");
    CHECK(server.accepted() == 2);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("a server that never answers hits the request deadline", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        scripted_reply reply;
        reply.stall = true;
        return reply;
    });
    auto opts = fast_options();
    opts.request_timeout = std::chrono::milliseconds(200);
    client c(ioc.get_executor(), opts);
    auto r = get(server.url("/slow?token=query-secret"));
    r.fields.push_back({"Authorization", "Bearer header-secret"});
    auto e = expect_error(ioc, c, r);
    CHECK(e.kind() == error_kind::timeout);
    std::string message = e.what();
    CHECK(message.find("timed out after 200 ms") != std::string::npos);
    CHECK(message.find("/slow") != std::string::npos);
    CHECK(message.find("secret") == std::string::npos);
}

TEST_CASE("a body that stops arriving hits the deadline", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(200, std::string(1'000'000, 's'));
        reply.bytes.resize(reply.bytes.size() - 900'000);  // header and the first 100 kB
        reply.stall = true;
        return reply;
    });
    auto opts = fast_options();
    opts.request_timeout = std::chrono::milliseconds(200);
    client c(ioc.get_executor(), opts);

    SECTION("buffered") {
        auto e = expect_error(ioc, c, get(server.url("/stuck")));
        CHECK(e.kind() == error_kind::timeout);
        CHECK(std::string(e.what()).find(
                  "timed out after 200 ms while reading the response body") != std::string::npos);
    }

    SECTION("streamed") {
        std::size_t received = 0;
        auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
            received += chunk.size();
            co_return;
        };
        const auto e = expect_stream_error(ioc, c, get(server.url("/stuck")), sink);
        CHECK(e.kind() == error_kind::timeout);
        CHECK(std::string(e.what()).find("timed out") != std::string::npos);
        CHECK(received == 100'000);  // what did arrive was delivered before the deadline
    }
}

TEST_CASE("a per-request timeout overrides the client's", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        scripted_reply reply;
        reply.stall = true;
        return reply;
    });
    client c(ioc.get_executor(), fast_options());  // 5 s by default
    auto r = get(server.url());
    r.timeout = std::chrono::milliseconds(150);
    auto e = expect_error(ioc, c, r);
    CHECK(e.kind() == error_kind::timeout);
    CHECK(std::string(e.what()).find("timed out after 150 ms") != std::string::npos);
}

TEST_CASE("an answer whose header does not come hits the first-byte deadline", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        scripted_reply reply;
        reply.stall = true;
        return reply;
    });
    auto opts = fast_options();  // 5 s for the whole request
    opts.first_byte_timeout = std::chrono::milliseconds(150);
    client c(ioc.get_executor(), opts);
    auto e = expect_error(ioc, c, get(server.url("/held")));
    CHECK(e.kind() == error_kind::timeout);
    CHECK(std::string(e.what()).find("timed out after 150 ms while reading the response header") !=
          std::string::npos);
}

TEST_CASE("a body slower than the minimum transfer rate fails, a fast one passes",
          "[http][timeout]") {
    net::io_context ioc;
    const std::string body = pattern(200'000);
    scripted_server server(ioc.get_executor(), [&](const scripted_request& r) {
        auto reply = http_reply(200, body);
        if (r.target().starts_with("/trickle")) {  // about 2 kB/s after the header
            reply.trickle_from = reply.bytes.size() - body.size() + 1000;
            reply.trickle_bytes = 20;
            reply.trickle_every = std::chrono::milliseconds(10);
        }
        return reply;
    });
    auto opts = fast_options();
    opts.min_transfer_rate = 100'000;
    opts.transfer_rate_window = std::chrono::milliseconds(200);
    client c(ioc.get_executor(), opts);

    SECTION("buffered") {
        auto e = expect_error(ioc, c, get(server.url("/trickle?secret=x")));
        CHECK(e.kind() == error_kind::timeout);
        const std::string message = e.what();
        CHECK(message.find("/trickle") != std::string::npos);
        CHECK(message.find("slower than the minimum transfer rate") != std::string::npos);
        CHECK(message.find("at least 100000 bytes/s") != std::string::npos);
        CHECK(message.find("secret") == std::string::npos);
        CHECK(casio::test::run(ioc, c.send(get(server.url("/fast")))).body == body);
    }

    SECTION("streamed, with the time the sink takes not counted") {
        std::size_t received = 0;
        net::steady_timer busy(ioc);
        auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
            if (received == 0) {  // a consumer that holds the first chunk for 2 windows
                busy.expires_after(std::chrono::milliseconds(400));
                co_await busy.async_wait(net::use_awaitable);
            }
            received += chunk.size();
        };
        casio::test::run(ioc, c.send_streaming(get(server.url("/fast")), sink));
        CHECK(received == body.size());
        const auto e = expect_stream_error(ioc, c, get(server.url("/trickle")), sink);
        CHECK(e.kind() == error_kind::timeout);
        CHECK(std::string(e.what()).find("slower than the minimum transfer rate") !=
              std::string::npos);
    }
}

TEST_CASE("with a minimum rate, a body that stops for a whole window fails at once",
          "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(200, std::string(100'000, 's'));
        reply.bytes.resize(reply.bytes.size() - 90'000);
        reply.stall = true;
        return reply;
    });
    auto opts = fast_options();  // 5 s a request: the window fails it first
    opts.min_transfer_rate = 1;
    opts.transfer_rate_window = std::chrono::milliseconds(150);
    client c(ioc.get_executor(), opts);
    std::size_t received = 0;
    auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
        received += chunk.size();
        co_return;
    };
    const auto e = expect_stream_error(ioc, c, get(server.url("/stuck")), sink);
    CHECK(e.kind() == error_kind::timeout);
    CHECK(std::string(e.what()).find("no data for 150 ms while reading the response body") !=
          std::string::npos);
    CHECK(received == 10'000);
}

TEST_CASE("stream_timeout bounds a streamed exchange that keeps progressing", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(200, std::string(100'000, 's'));
        reply.trickle_from = reply.bytes.size() - 100'000;
        reply.trickle_bytes = 1000;
        reply.trickle_every = std::chrono::milliseconds(10);  // 100 kB/s: 1 s for the body
        return reply;
    });
    auto opts = fast_options();
    opts.stream_timeout = std::chrono::milliseconds(250);
    client c(ioc.get_executor(), opts);
    auto sink = [](std::string_view) -> net::awaitable<void> { co_return; };
    const auto e = expect_stream_error(ioc, c, get(server.url("/long")), sink);
    CHECK(e.kind() == error_kind::timeout);
    CHECK(std::string(e.what()).find("timed out after 250 ms while reading the response body") !=
          std::string::npos);
    // A buffered request is not a stream: the request timeout (5 s) applies.
    CHECK(casio::test::run(ioc, c.send(get(server.url("/long")))).body.size() == 100'000);
}

TEST_CASE("a slow answer is reported once, a prompt one never", "[http][timeout]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request& r) {
        auto reply = http_reply(200, "ok");
        if (r.target().starts_with("/slow")) {  // the whole answer after 300 ms
            reply.trickle_bytes = reply.bytes.size();
            reply.trickle_every = std::chrono::milliseconds(300);
        }
        return reply;
    });
    auto opts = fast_options();
    opts.first_byte_timeout = std::chrono::milliseconds(4'000);
    opts.slow_answer = std::chrono::milliseconds(100);
    std::vector<std::string> lines;
    opts.on_slow = [&](const std::string& line) { lines.push_back(line); };
    client c(ioc.get_executor(), opts);

    CHECK(casio::test::run(ioc, c.send(get(server.url("/fast")))).body == "ok");
    CHECK(lines.empty());
    CHECK(casio::test::run(ioc, c.send(get(server.url("/slow?q=secret")))).body == "ok");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("/slow: no answer after 100 ms; waiting up to 4 s") != std::string::npos);
    CHECK(lines[0].find("secret") == std::string::npos);
}

TEST_CASE("a connect that never completes hits the connect deadline", "[http][timeout]") {
    net::io_context ioc;
    casio::test::blackhole_listener hole(ioc.get_executor());
    auto opts = fast_options();
    opts.connect_timeout = std::chrono::milliseconds(200);
    client c(ioc.get_executor(), opts);
    auto e = expect_error(ioc, c, get("http://127.0.0.1:" + std::to_string(hole.port()) + "/"));
    CHECK(e.kind() == error_kind::timeout);
    CHECK(std::string(e.what()).find("timed out after 200 ms while connecting") !=
          std::string::npos);
}

TEST_CASE("a refused connection is transient", "[http][timeout]") {
    net::io_context ioc;
    std::uint16_t port = 0;
    {
        net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    client c(ioc.get_executor(), fast_options());
    auto e = expect_error(ioc, c, get("http://127.0.0.1:" + std::to_string(port) + "/"));
    CHECK(e.kind() == error_kind::transient);
    CHECK(std::string(e.what()).find("connecting failed") != std::string::npos);
}

TEST_CASE("an invalid URL is a bad request naming the URL", "[http]") {
    net::io_context ioc;
    client c(ioc.get_executor(), fast_options());
    auto e = expect_error(ioc, c, get("ftp://example.com/file"));
    CHECK(e.kind() == error_kind::bad_request);
    CHECK(std::string(e.what()).find("ftp") != std::string::npos);
    auto e2 = expect_error(ioc, c, get("not a url"));
    CHECK(e2.kind() == error_kind::bad_request);
    CHECK(std::string(e2.what()).find("not a url") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("cancellation aborts the exchange and discards the connection", "[http][cancel]") {
    net::io_context ioc;
    net::cancellation_signal signal;
    scripted_server server(ioc.get_executor(), [&](const scripted_request& r) {
        if (r.connection == 1) {
            // Cancel once the request is in flight on the server side.
            net::post(ioc, [&] { signal.emit(net::cancellation_type::terminal); });
            scripted_reply reply;
            reply.stall = true;
            return reply;
        }
        return http_reply(200, "fresh");
    });
    client c(ioc.get_executor(), fast_options());

    bool done = false;
    std::exception_ptr error;
    net::co_spawn(ioc, c.send(get(server.url("/long"))),
                  net::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, response) {
                      error = e;
                      done = true;
                  }));
    while (!done && ioc.run_one() > 0) {
    }
    REQUIRE(error);
    try {
        std::rethrow_exception(error);
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == error_kind::canceled);
        CHECK(std::string(e.what()).find("cancelled") != std::string::npos);
    }
    // The next request must not inherit the aborted connection.
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "fresh");
    CHECK(server.accepted() == 2);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("gzip and deflate bodies are decoded", "[http][gzip]") {
    net::io_context ioc;
    const std::string text = pattern(300'000);
    int window_bits = 31;
    std::string coding = "gzip";
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        return http_reply(200, compress(text, window_bits), {"Content-Encoding: " + coding});
    });
    client c(ioc.get_executor(), fast_options());
    for (auto [bits, name] :
         {std::pair{31, "gzip"}, std::pair{15, "deflate"}, std::pair{-15, "deflate"}}) {
        window_bits = bits;
        coding = name;
        response res = casio::test::run(ioc, c.send(get(server.url())));
        CHECK(res.status == 200);
        CHECK(res.body.size() == text.size());
        CHECK(res.body == text);
        CHECK_FALSE(res.header("content-encoding"));
    }
}

TEST_CASE("concatenated gzip members in a chunked body decode as one", "[http][gzip]") {
    net::io_context ioc;
    const std::string first = pattern(70'000);
    const std::string second = "and the second member";
    const std::string packed = compress(first, 31) + compress(second, 31);
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        std::string bytes =
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
            "Transfer-Encoding: chunked\r\n\r\n";
        for (std::size_t off = 0; off < packed.size(); off += 1000) {
            auto piece = packed.substr(off, 1000);
            char size[16];
            std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
            bytes += size + piece + "\r\n";
        }
        bytes += "0\r\n\r\n";
        return scripted_reply{bytes};
    });
    client c(ioc.get_executor(), fast_options());
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == first + second);
}

TEST_CASE("an unsupported Content-Encoding is refused, not passed through", "[http][gzip]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        return http_reply(200, "\x1b\x02\x00", {"Content-Encoding: br"});
    });
    client c(ioc.get_executor(), fast_options());
    auto e = expect_error(ioc, c, get(server.url()));
    CHECK(e.kind() == error_kind::fatal);
    CHECK(std::string(e.what()).find("unsupported Content-Encoding 'br'") != std::string::npos);
}

TEST_CASE("a compressed body that decodes over the limit is refused", "[http][gzip]") {
    net::io_context ioc;
    const std::string bomb = compress(std::string(16 * 1024 * 1024, '\0'), 31);
    REQUIRE(bomb.size() < 64 * 1024);
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        return http_reply(200, bomb, {"Content-Encoding: gzip"});
    });
    auto opts = fast_options();
    opts.max_response_body = 1024 * 1024;
    client c(ioc.get_executor(), opts);
    auto e = expect_error(ioc, c, get(server.url()));
    CHECK(e.kind() == error_kind::fatal);
    CHECK(std::string(e.what()).find("response body exceeds 1048576 bytes") != std::string::npos);
}

TEST_CASE("a corrupt gzip body is an error", "[http][gzip]") {
    net::io_context ioc;
    std::string broken = compress(pattern(10'000), 31);
    broken[broken.size() / 2] ^= 0x55;
    broken.resize(broken.size() - 8);
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        return http_reply(200, broken, {"Content-Encoding: gzip"});
    });
    client c(ioc.get_executor(), fast_options());
    auto e = expect_error(ioc, c, get(server.url()));
    CHECK(e.kind() == error_kind::transient);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("a body cut mid-way is a transient error", "[http][body]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(200, std::string(1000, 'b'));
        reply.close_after = reply.bytes.size() - 500;
        return reply;
    });
    client c(ioc.get_executor(), fast_options());
    auto e = expect_error(ioc, c, get(server.url("/file")));
    CHECK(e.kind() == error_kind::transient);
    CHECK(std::string(e.what()).find("truncated") != std::string::npos);
}

TEST_CASE("a body over max_response_body is refused", "[http][body]") {
    net::io_context ioc;
    const std::string big(2 * 1024 * 1024, 'z');
    bool chunked = false;
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        if (!chunked) {
            return http_reply(200, big);
        }
        // No length announced: the limit must trip while reading.
        std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (std::size_t off = 0; off < big.size(); off += 65536) {
            char size[16];
            std::snprintf(size, sizeof size, "%x\r\n", 65536);
            bytes += size;
            bytes.append(big, off, 65536);
            bytes += "\r\n";
        }
        bytes += "0\r\n\r\n";
        return scripted_reply{bytes};
    });
    auto opts = fast_options();
    opts.max_response_body = 1024 * 1024;
    client c(ioc.get_executor(), opts);
    for (bool mode : {false, true}) {
        chunked = mode;
        auto e = expect_error(ioc, c, get(server.url()));
        CHECK(e.kind() == error_kind::fatal);
        CHECK(std::string(e.what()).find("response body exceeds 1048576 bytes") !=
              std::string::npos);
    }
}

TEST_CASE("a large body streams in bounded chunks", "[http][stream]") {
    net::io_context ioc;
    const std::string body = pattern(20 * 1024 * 1024);
    scripted_server server(ioc.get_executor(),
                           [&](const scripted_request&) { return http_reply(200, body); });
    auto opts = fast_options();
    opts.max_response_body = 1024 * 1024;  // does not apply to streaming
    client c(ioc.get_executor(), opts);

    std::size_t total = 0;
    std::size_t largest = 0;
    std::size_t chunks = 0;
    bool matches = true;
    auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
        matches = matches && body.compare(total, chunk.size(), chunk) == 0;
        total += chunk.size();
        largest = std::max(largest, chunk.size());
        ++chunks;
        co_return;
    };
    response res = casio::test::run(ioc, c.send_streaming(get(server.url("/big")), sink));
    CHECK(res.status == 200);
    CHECK(res.body.empty());
    CHECK(total == body.size());
    CHECK(matches);
    CHECK(largest <= 64 * 1024);
    CHECK(chunks >= body.size() / (64 * 1024));
    // The connection is still good for the next request.
    CHECK(casio::test::run(ioc, c.send_streaming(get(server.url("/big")), sink)).status == 200);
    CHECK(server.accepted() == 1);
}

TEST_CASE("a streamed gzip body is decoded in bounded chunks", "[http][stream][gzip]") {
    net::io_context ioc;
    const std::string text(8 * 1024 * 1024, 'q');
    const std::string packed = compress(text, 31);
    scripted_server server(ioc.get_executor(), [&](const scripted_request&) {
        return http_reply(200, packed, {"Content-Encoding: gzip"});
    });
    client c(ioc.get_executor(), fast_options());
    std::size_t total = 0;
    std::size_t largest = 0;
    auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
        total += chunk.size();
        largest = std::max(largest, chunk.size());
        co_return;
    };
    CHECK(casio::test::run(ioc, c.send_streaming(get(server.url()), sink)).status == 200);
    CHECK(total == text.size());
    CHECK(largest <= 64 * 1024);
}

TEST_CASE("a streamed body cut mid-way is a transient error", "[http][stream]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(200, std::string(300'000, 'b'));
        reply.close_after = 200'000;
        return reply;
    });
    client c(ioc.get_executor(), fast_options());
    std::size_t total = 0;
    auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
        total += chunk.size();
        co_return;
    };
    try {
        casio::test::run(ioc, c.send_streaming(get(server.url()), sink));
        FAIL("a truncated stream was accepted");
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == error_kind::transient);
        CHECK(std::string(e.what()).find("truncated") != std::string::npos);
    }
    CHECK(total < 300'000);
}

TEST_CASE("request body chunks arrive intact with their total length", "[http][stream]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(),
                           [](const scripted_request&) { return http_reply(200, "stored"); });
    client c(ioc.get_executor(), fast_options());
    request r = get(server.url("/_bulk"));
    r.verb = casio::http::method::put;
    r.body = "ignored because chunks are given";
    r.body_chunks = {"{\"index\":{}}\n", pattern(1024 * 1024), "", "\n{\"last\":true}\n"};
    std::string expected;
    for (const auto& chunk : r.body_chunks) {
        expected += chunk;
    }
    r.fields.push_back({"Content-Type", "application/x-ndjson"});
    r.fields.push_back({"Content-Length", "3"});  // framing belongs to the client
    CHECK(casio::test::run(ioc, c.send(r)).body == "stored");
    auto reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].method() == "PUT");
    CHECK(reqs[0].header("content-length") == std::to_string(expected.size()));
    CHECK(reqs[0].header("content-type") == "application/x-ndjson");
    CHECK(reqs[0].body == expected);
}

TEST_CASE("HEAD responses have no body and keep the connection", "[http]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request& r) {
        if (r.method() == "HEAD") {
            return scripted_reply{"HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"};
        }
        return http_reply(200, "after head");
    });
    client c(ioc.get_executor(), fast_options());
    auto head = get(server.url("/index"));
    head.verb = casio::http::method::head;
    response res = casio::test::run(ioc, c.send(head));
    CHECK(res.status == 200);
    CHECK(res.body.empty());
    CHECK(res.header("Content-Length") == std::optional<std::string_view>("12345"));
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "after head");
    CHECK(server.accepted() == 1);
}

TEST_CASE("interim 1xx responses are skipped", "[http]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        auto reply = http_reply(201, "created");
        reply.bytes =
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
            reply.bytes;
        return reply;
    });
    client c(ioc.get_executor(), fast_options());
    auto r = get(server.url());
    r.verb = casio::http::method::post;
    r.body = "{}";
    for (int i = 0; i < 2; ++i) {
        response res = casio::test::run(ioc, c.send(r));
        CHECK(res.status == 201);
        CHECK(res.body == "created");
    }
    CHECK(server.accepted() == 1);
}

TEST_CASE("a body delimited by the end of the connection is read whole", "[http]") {
    net::io_context ioc;
    scripted_server server(ioc.get_executor(), [](const scripted_request&) {
        scripted_reply reply{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" +
                             pattern(100'000)};
        reply.close = true;
        return reply;
    });
    client c(ioc.get_executor(), fast_options());
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == pattern(100'000));
    CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == pattern(100'000));
    CHECK(server.accepted() == 2);  // such a connection is never pooled
    CHECK(c.stats().retries == 0);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("TLS: verification, opt-out and a private CA", "[http][tls]") {
    net::io_context ioc;
    casio::test::tls_identity identity;
    scripted_server server(
        ioc.get_executor(), [](const scripted_request&) { return http_reply(200, "secure"); },
        &identity);
    REQUIRE(server.url().rfind("https://127.0.0.1:", 0) == 0);

    SECTION("self-signed with verify=false works") {
        auto opts = fast_options();
        opts.tls.verify = false;
        client c(ioc.get_executor(), opts);
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "secure");
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "secure");
        CHECK(server.accepted() == 1);
        CHECK(server.requests().at(0).server_name.empty());  // no SNI for an address
    }

    SECTION("self-signed with verification on fails naming the host") {
        client c(ioc.get_executor(), fast_options());
        auto e = expect_error(ioc, c, get(server.url()));
        CHECK(e.kind() == error_kind::fatal);
        std::string message = e.what();
        CHECK(message.find("verification failed for host '127.0.0.1'") != std::string::npos);
        CHECK(message.find("self-signed certificate") != std::string::npos);
    }

    SECTION("the generated certificate as ca_file is trusted") {
        auto opts = fast_options();
        opts.tls.ca_file = identity.cert_file();
        client c(ioc.get_executor(), opts);
        CHECK(casio::test::run(ioc, c.send(get(server.url()))).body == "secure");
    }
}

TEST_CASE("TLS: a trusted certificate for another name is refused", "[http][tls]") {
    net::io_context ioc;
    casio::test::tls_identity identity("DNS:other.example", "other.example");
    scripted_server server(
        ioc.get_executor(), [](const scripted_request&) { return http_reply(200, "secure"); },
        &identity);
    auto opts = fast_options();
    opts.tls.ca_file = identity.cert_file();
    client c(ioc.get_executor(), opts);
    auto e = expect_error(ioc, c, get(server.url()));
    CHECK(e.kind() == error_kind::fatal);
    std::string message = e.what();
    CHECK(message.find("verification failed for host '127.0.0.1'") != std::string::npos);
    CHECK(message.find("mismatch") != std::string::npos);
}

TEST_CASE("TLS: a host name is resolved, sent as SNI and verified", "[http][tls]") {
    net::io_context ioc;
    casio::test::tls_identity identity;  // SAN DNS:localhost
    scripted_server server(
        ioc.get_executor(), [](const scripted_request&) { return http_reply(200, "by name"); },
        &identity);
    auto opts = fast_options();
    opts.tls.ca_file = identity.cert_file();
    client c(ioc.get_executor(), opts);
    auto url = "https://localhost:" + std::to_string(server.port()) + "/";
    CHECK(casio::test::run(ioc, c.send(get(url))).body == "by name");
    CHECK(server.requests().at(0).header("host") == "localhost:" + std::to_string(server.port()));
    CHECK(server.requests().at(0).server_name == "localhost");
}

TEST_CASE("an unreadable ca_file is a configuration error", "[http][tls]") {
    net::io_context ioc;
    client_options opts;
    opts.tls.ca_file = "/nonexistent/ca.pem";
    try {
        client c(ioc.get_executor(), opts);
        FAIL("the client accepted a missing CA file");
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == error_kind::fatal);
        CHECK(std::string(e.what()).find("tls.ca_file") != std::string::npos);
        CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
    }
}
