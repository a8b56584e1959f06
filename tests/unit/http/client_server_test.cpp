// The client against the project's own server: the two halves of libs/http agree on
// keep-alive, gzip, large uploads and cut streamed downloads.

#include <catch2/catch.hpp>
#include <string>

#include <boost/asio/io_context.hpp>

#include <casio/http/client.hpp>
#include <casio/http/server.hpp>

#include "support/scripted_server.hpp"

namespace net = boost::asio;
using casio::core::error_kind;
using namespace casio::http;

namespace {

struct fixture {
    net::io_context ioc;
    server srv;
    std::uint16_t port;

    explicit fixture(handler h)
        : srv(ioc.get_executor(), std::move(h)), port(srv.listen("127.0.0.1", 0)) {
        srv.start();
    }
    ~fixture() { srv.stop(); }

    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
    }
};

std::string text(std::size_t size) {
    std::string s;
    s.reserve(size);
    while (s.size() < size) {
        s += "line " + std::to_string(s.size()) + " of a compressible document\n";
    }
    s.resize(size);
    return s;
}

}  // namespace

TEST_CASE("client and server: gzip responses, uploads and keep-alive", "[http][client_server]") {
    const std::string document = text(200'000);
    fixture f([&](server_request& req) -> net::awaitable<server_response> {
        server_response res;
        if (req.method == "PUT") {
            res.body = std::to_string(req.body.size()) + ":" +
                       std::string(req.body.substr(req.body.size() - 5));
        } else {
            res.body = document;
            res.fields.push_back({"Content-Type", "text/plain"});
        }
        co_return res;
    });
    client c(f.ioc.get_executor());

    request get;
    get.url = f.url("/doc");
    response res = casio::test::run(f.ioc, c.send(get));
    CHECK(res.status == 200);
    CHECK(res.body == document);
    // The server compressed it (the client asked for gzip) and the client decoded it: the
    // framing headers of the compressed form are gone.
    CHECK_FALSE(res.header("Content-Encoding"));
    CHECK_FALSE(res.header("Content-Length"));

    client_options plain_opts;
    plain_opts.accept_compressed = false;
    client plain(f.ioc.get_executor(), plain_opts);
    res = casio::test::run(f.ioc, plain.send(get));
    CHECK(res.body == document);
    CHECK(res.header("Content-Length") == std::optional<std::string_view>("200000"));

    request put;
    put.verb = method::put;
    put.url = f.url("/upload");
    put.body_chunks = {text(3 * 1024 * 1024), "tail!"};
    res = casio::test::run(f.ioc, c.send(put));
    CHECK(res.status == 200);
    CHECK(res.body == std::to_string(3 * 1024 * 1024 + 5) + ":tail!");

    // The caller's bytes, sent without a copy.
    const std::string bulk = text(1024 * 1024) + "last.";
    request viewed;
    viewed.verb = method::put;
    viewed.url = f.url("/upload");
    viewed.body_view = bulk;
    res = casio::test::run(f.ioc, c.send(viewed));
    CHECK(res.body == std::to_string(bulk.size()) + ":last.");

    CHECK(c.stats().connections_opened == 1);
}

TEST_CASE("client and server: a cut streamed download is transient", "[http][client_server]") {
    fixture f([](server_request& req) -> net::awaitable<server_response> {
        auto& out = req.stream();
        header_list fields;
        fields.push_back(header{"Content-Type", "application/octet-stream"});
        co_await out.begin(200, std::move(fields), 1'000'000);
        co_await out.write(std::string(300'000, 'd'));
        if (req.path == "/cut") {
            out.abort();
        } else {
            co_await out.write(std::string(700'000, 'd'));
        }
        server_response streamed;
        streamed.status = 0;  // the body went through the stream
        co_return streamed;
    });
    client c(f.ioc.get_executor());
    std::size_t received = 0;
    auto sink = [&](std::string_view chunk) -> net::awaitable<void> {
        received += chunk.size();
        co_return;
    };

    request whole;
    whole.url = f.url("/whole");
    CHECK(casio::test::run(f.ioc, c.send_streaming(whole, sink)).status == 200);
    CHECK(received == 1'000'000);

    received = 0;
    request cut;
    cut.url = f.url("/cut");
    try {
        casio::test::run(f.ioc, c.send_streaming(cut, sink));
        FAIL("a cut download was accepted");
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == error_kind::transient);
        CHECK(std::string(e.what()).find("/cut") != std::string::npos);
    }
    CHECK(received < 1'000'000);
}
