#pragma once
// A plain synchronous Beast HTTP/1.1 client for tests that drive a server over a real socket on
// 127.0.0.1 (an in-process server on another thread, or a child process): one exchange at a
// time on one keep-alive connection, each with a 30 s deadline.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace casio::test {

// The stream and buffer are open to tests that write or read raw messages on the connection.
struct blocking_http_client {
    using response = boost::beast::http::response<boost::beast::http::string_body>;
    using fields = std::vector<std::pair<std::string, std::string>>;

    explicit blocking_http_client(std::uint16_t port) : stream(ioc) {
        stream.connect(
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    }

    response send(boost::beast::http::verb verb, std::string target, std::string body = {},
                  const fields& extra = {}) {
        namespace bhttp = boost::beast::http;
        bhttp::request<bhttp::string_body> req{verb, target, 11};
        req.set(bhttp::field::host, "127.0.0.1");
        for (const auto& [k, v] : extra) {
            req.set(k, v);
        }
        req.body() = std::move(body);
        req.prepare_payload();
        stream.expires_after(std::chrono::seconds(30));
        bhttp::write(stream, req);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(256 * 1024 * 1024);
        if (verb == bhttp::verb::head) {
            parser.skip(true);
        }
        bhttp::read(stream, buffer, parser);
        return parser.release();
    }

    // Writes `req` as it is and reads one answer, ignoring errors on the way: a server that
    // answers before reading the whole body (413) may reset the connection meanwhile.
    response exchange_ignoring_errors(
        const boost::beast::http::request<boost::beast::http::string_body>& req) {
        boost::system::error_code ec;
        boost::beast::http::write(stream, req, ec);
        response res;
        boost::beast::http::read(stream, buffer, res, ec);
        return res;
    }

    boost::asio::io_context ioc;
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
};

}  // namespace casio::test
