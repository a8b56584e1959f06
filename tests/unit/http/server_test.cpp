// The coroutine HTTP server, driven by a plain synchronous Beast client on a second thread.

#include <catch2/catch.hpp>
#include <future>
#include <thread>
#include <zlib.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <casio/http/server.hpp>

#include "support/blocking_http_client.hpp"
#include "support/compress.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using casio::http::server;
using casio::http::server_request;
using casio::http::server_response;

namespace {

// Runs a server on its own thread for the duration of a test.
struct running_server {
    explicit running_server(casio::http::handler h, casio::http::server_options opts = {})
        : srv(ioc.get_executor(), std::move(h), opts) {
        port = srv.listen("127.0.0.1", 0);
        srv.start();
        thread = std::thread([this] { ioc.run(); });
    }
    ~running_server() {
        srv.stop();
        thread.join();
    }
    asio::io_context ioc;
    server srv;
    std::uint16_t port = 0;
    std::thread thread;
};

using client = casio::test::blocking_http_client;

asio::awaitable<server_response> echo(server_request& req) {
    server_response res;
    res.fields = {{"Content-Type", "text/plain"}, {"X-Path", req.path}};
    res.body = req.method + " " + req.path + " q=" + std::string(req.query("q").value_or("-")) +
               " body=" + std::to_string(req.body.size());
    co_return res;
}

std::string gunzip(const std::string& in) {
    z_stream zs{};
    REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
    std::string out(in.size() * 20 + 1024, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

}  // namespace

TEST_CASE("requests on one keep-alive connection are answered in order", "[http][server]") {
    running_server s(echo);
    client c(s.port);
    auto r1 = c.send(bhttp::verb::get, "/a%20b/c?q=x%2By&z");
    CHECK(r1.result_int() == 200);
    CHECK(r1.body() == "GET /a b/c q=x+y body=0");
    auto r2 = c.send(bhttp::verb::put, "/d", std::string(1000, 'x'));
    CHECK(r2.body() == "PUT /d q=- body=1000");
    auto r3 = c.send(bhttp::verb::head, "/e");
    CHECK(r3.result_int() == 200);
    CHECK(r3[bhttp::field::content_length] == "18");
    auto r4 = c.send(bhttp::verb::get, "/f");  // still the same connection after a HEAD
    CHECK(r4.body() == "GET /f q=- body=0");
}

TEST_CASE("server_request splits segments before decoding them", "[http][server]") {
    auto r = server_request::make("GET", "/idx/_doc/a%2Fb?refresh=true&x=1+2");
    REQUIRE(r.segments.size() == 3);
    CHECK(r.segments[2] == "a/b");
    CHECK(r.query("refresh") == "true");
    CHECK(r.query("x") == "1 2");
    CHECK_FALSE(r.query("y"));
    CHECK_FALSE(server_request().set_target("no-slash"));
}

TEST_CASE("a request-target over the limit gets 414", "[http][server]") {
    casio::http::server_options opts;
    opts.max_target_size = 100;
    opts.default_fields = {{"X-Test", "yes"}};
    opts.error_responder = [](unsigned status, std::string_view reason) {
        server_response r;
        r.fields = {{"Content-Type", "application/json"}};
        r.body = "{\"status\":" + std::to_string(status) + ",\"reason\":\"" +
                 std::string(reason.substr(0, 7)) + "\"}";
        return r;
    };
    running_server s(echo, opts);
    client ok(s.port);
    auto fine = ok.send(bhttp::verb::get, "/" + std::string(99, 'a'));
    CHECK(fine.result_int() == 200);
    CHECK(fine["X-Test"] == "yes");
    client c(s.port);
    auto too_long = c.send(bhttp::verb::get, "/" + std::string(100, 'a'));
    CHECK(too_long.result_int() == 414);
    CHECK(too_long["X-Test"] == "yes");
    CHECK(too_long.body() == R"({"status":414,"reason":"request"})");
}

TEST_CASE("large bodies are accepted up to the limit, 413 above", "[http][server]") {
    casio::http::server_options opts;
    opts.max_body_size = 60 * 1024 * 1024;
    running_server s(echo, opts);
    client c(s.port);
    auto r = c.send(bhttp::verb::post, "/big", std::string(50 * 1024 * 1024, 'b'));
    CHECK(r.body() == "POST /big q=- body=52428800");
    // The server answers 413 as soon as it sees Content-Length, and drains what the client
    // still sends so that the answer is not lost to a connection reset.
    client over(s.port);
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/big", 11};
    req.body() = std::string(61 * 1024 * 1024, 'b');
    req.prepare_payload();
    auto res = over.exchange_ignoring_errors(req);
    CHECK(res.result_int() == 413);
}

TEST_CASE("responses are gzipped only when the client accepts it", "[http][server]") {
    std::string payload;
    for (int i = 0; i < 500; ++i)
        payload += "line " + std::to_string(i) + "\n";
    running_server s([&](server_request&) -> asio::awaitable<server_response> {
        server_response res;
        res.body = payload;
        co_return res;
    });
    client c(s.port);
    auto plain = c.send(bhttp::verb::get, "/");
    CHECK(plain[bhttp::field::content_encoding].empty());
    CHECK(plain.body() == payload);
    auto zipped = c.send(bhttp::verb::get, "/", {}, {{"Accept-Encoding", "gzip, deflate"}});
    CHECK(zipped[bhttp::field::content_encoding] == "gzip");
    CHECK(zipped.body().size() < payload.size());
    CHECK(gunzip(zipped.body()) == payload);
}

TEST_CASE("a streaming handler can send a body in chunks or cut it off", "[http][server]") {
    running_server s([](server_request& req) -> asio::awaitable<server_response> {
        auto& st = req.stream();
        casio::http::header_list fields;
        fields.push_back({"Content-Type", "application/octet-stream"});
        co_await st.begin(200, std::move(fields), 10);
        co_await st.write("01234");
        if (req.path == "/cut") {
            st.abort();
        } else {
            co_await st.write("56789");
        }
        co_return server_response{0};
    });
    client c(s.port);
    auto full = c.send(bhttp::verb::get, "/full");
    CHECK(full.body() == "0123456789");
    auto again = c.send(bhttp::verb::get, "/full");  // connection kept after a complete stream
    CHECK(again.body() == "0123456789");

    client cut(s.port);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/cut", 11};
    bhttp::write(cut.stream, req);
    bhttp::response_parser<bhttp::string_body> parser;
    boost::system::error_code ec;
    bhttp::read(cut.stream, cut.buffer, parser, ec);
    CHECK(ec == bhttp::error::partial_message);
    CHECK(parser.get().body() == "01234");
}

TEST_CASE("a response's until_sent token is released only once the body is written",
          "[http][server]") {
    // 32 MB cannot fit in the loopback socket buffers, so the write cannot end before the client
    // has read most of the body.
    const std::string payload(32 * 1024 * 1024, 'x');
    std::promise<void> released;
    auto done = released.get_future();
    running_server s([&](server_request&) -> asio::awaitable<server_response> {
        server_response res;
        res.body = payload;
        res.until_sent = std::shared_ptr<void>(nullptr, [&](void*) { released.set_value(); });
        co_return res;
    });
    client c(s.port);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/big", 11};
    bhttp::write(c.stream, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read_header(c.stream, c.buffer, parser);
    CHECK(done.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
    bhttp::read(c.stream, c.buffer, parser);
    CHECK(parser.get().body().size() == payload.size());
    CHECK(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

TEST_CASE("handler exceptions become 500 and the server keeps serving", "[http][server]") {
    running_server s([](server_request& req) -> asio::awaitable<server_response> {
        if (req.path == "/boom")
            throw std::runtime_error("boom");
        co_return server_response{204};
    });
    client c(s.port);
    CHECK(c.send(bhttp::verb::get, "/boom").result_int() == 500);
    CHECK(c.send(bhttp::verb::get, "/ok").result_int() == 204);
}

TEST_CASE("many concurrent connections are served", "[http][server]") {
    running_server s(echo);
    std::vector<std::unique_ptr<client>> clients;
    for (int i = 0; i < 300; ++i)
        clients.push_back(std::make_unique<client>(s.port));
    int ok = 0;
    for (auto& c : clients)
        ok += c->send(bhttp::verb::get, "/x").result_int() == 200;
    CHECK(ok == 300);
}

TEST_CASE("stop closes idle connections and refuses new ones", "[http][server]") {
    auto s = std::make_unique<running_server>(echo);
    client c(s->port);
    CHECK(c.send(bhttp::verb::get, "/x").result_int() == 200);
    s->srv.stop();
    boost::system::error_code ec;
    bhttp::response<bhttp::string_body> res;
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/y", 11};
    bhttp::write(c.stream, req, ec);
    if (!ec)
        bhttp::read(c.stream, c.buffer, res, ec);
    CHECK(ec);         // closed by the server
    s->thread.join();  // the io_context runs out of work: nothing left open
    s->thread = std::thread([] {});
}

TEST_CASE("a thousand requests can be in flight at once", "[http][server]") {
    // Every request waits until the last one has arrived, so all are open concurrently; the
    // test would hang (and time out) if the server served connections one by one.
    constexpr int n = 1000;
    int arrived = 0;
    std::vector<asio::steady_timer*> waiting;
    running_server s([&](server_request&) -> asio::awaitable<server_response> {
        if (++arrived < n) {
            asio::steady_timer t(co_await asio::this_coro::executor);
            t.expires_at(asio::steady_timer::time_point::max());
            waiting.push_back(&t);
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        } else {
            for (auto* t : waiting)
                t->cancel();
        }
        co_return server_response{200, {}, "ok"};
    });
    asio::io_context ioc;
    std::vector<std::unique_ptr<beast::tcp_stream>> streams;
    for (int i = 0; i < n; ++i) {
        streams.push_back(std::make_unique<beast::tcp_stream>(ioc));
        streams.back()->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port));
        bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/", 11};
        bhttp::write(*streams.back(), req);
    }
    int ok = 0;
    for (auto& st : streams) {
        beast::flat_buffer buf;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(*st, buf, res);
        ok += res.result_int() == 200 && res.body() == "ok";
    }
    CHECK(ok == n);
}

TEST_CASE("gzip-encoded request bodies are inflated for the handler", "[http][server]") {
    running_server s([](server_request& req) -> asio::awaitable<server_response> {
        server_response res;
        res.body = req.body + "|" + std::string(req.header("Content-Encoding").value_or("none"));
        co_return res;
    });
    client c(s.port);
    std::string body(5000, 'z');
    auto r = c.send(bhttp::verb::post, "/", casio::test::compress(body, 31),
                    {{"Content-Encoding", "gzip"}});
    CHECK(r.body() == body + "|none");
    client bad(s.port);
    CHECK(
        bad.send(bhttp::verb::post, "/", "not gzip", {{"Content-Encoding", "gzip"}}).result_int() ==
        400);
}
