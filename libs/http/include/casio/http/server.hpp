#pragma once
// A coroutine HTTP/1.1 server on Beast, for the mock servers and for test fakes: one
// io_context, keep-alive, thousands of concurrent connections, large request bodies, a
// request-target limit (414), gzip of responses, streaming responses that can be cut off.
//
// Handlers run on the server's executor; one request per connection is in flight at a time
// (HTTP/1.1 without pipelining overlap), so a handler may suspend freely (latency injection,
// slow streams) without blocking other connections. The server keeps no strand: run its
// io_context on one thread (as every program of the project does).
//
// Request bodies sent with Content-Encoding gzip/deflate reach the handler inflated (bounded
// by max_body_size; corrupt -> 400). Answers the server writes itself (400, 413, 414, 431)
// close the connection; server_options::error_responder can shape them.
//
// Streaming: a handler that wants to stream calls `req.stream()` to obtain the connection's
// response_stream, calls begin() once and write() any number of times (or abort()), then
// returns a server_response whose status is 0. The server then ignores the returned response.
// The connection is kept alive only if exactly `content_length` bytes were written and the
// stream was not aborted; otherwise it is closed, which the client sees as a truncated body.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <casio/http/client.hpp>  // header, header_list

namespace casio::http {

class response_stream;

// One parsed request. Built by the server; tests may build one with make() to drive a
// handler without sockets.
struct server_request {
    std::string method;                 // "GET", "PUT", ...
    std::string target;                 // raw request-target ("/path?query")
    std::string path;                   // percent-decoded path without the query
    std::vector<std::string> segments;  // the path's segments, each percent-decoded (so an
                                        // encoded '/' inside a segment stays in it)
    std::vector<std::pair<std::string, std::string>> params;   // decoded query parameters
    std::vector<std::pair<std::string, std::string>> headers;  // as received
    std::string body;

    // First value of a query parameter; a parameter without '=' yields "".
    std::optional<std::string_view> query(std::string_view name) const;
    // First value of a header, name compared case-insensitively.
    std::optional<std::string_view> header(std::string_view name) const;

    // The streaming side of the connection; only valid inside a server-run handler.
    response_stream& stream() const;

    // Splits `target` into path, segments and params (percent-decoding each; '+' in the
    // query is a space). Returns false when the target does not start with '/'.
    bool set_target(std::string raw_target);

    static server_request make(std::string method, std::string target, std::string body = {},
                               std::vector<std::pair<std::string, std::string>> headers = {});

    response_stream* stream_ = nullptr;  // set by the server
};

struct server_response {
    unsigned status = 200;
    header_list fields;  // Content-Type etc. (Content-Length and Content-Encoding are set)
    std::string body;
    bool allow_gzip = true;
    // Released once the response has been written (or its connection has failed), not when the
    // handler returns: a handler that accounts for requests until the end of their answer (a
    // mock's in-flight count) puts its token here.
    std::shared_ptr<void> until_sent;

    // The first value of a field, case-insensitively (for tests).
    std::optional<std::string_view> header(std::string_view name) const;
};

// Handed to a streaming handler through server_request::stream().
class response_stream {
  public:
    virtual ~response_stream() = default;
    // Sends status + headers; `content_length` is announced (may be larger than what is
    // sent, to simulate a cut download together with abort()).
    virtual boost::asio::awaitable<void> begin(unsigned status, header_list fields,
                                               std::size_t content_length) = 0;
    // Sends part of the body. Throws boost::system::system_error when the peer is gone.
    virtual boost::asio::awaitable<void> write(std::string_view chunk) = 0;
    // Closes the connection mid-body (simulates a cut download).
    virtual void abort() = 0;
};

struct server_options {
    std::size_t max_body_size = std::size_t{100} * 1024 * 1024;  // over -> 413
    std::size_t max_target_size = 0;                             // 0 = no limit; else 414 above it
    std::size_t max_header_size = std::size_t{64} * 1024;        // whole header block; over -> 431
    bool gzip_responses = true;  // when the client accepts gzip and the body is > ~1 KB
    std::chrono::milliseconds idle_timeout{60'000};  // waiting for the next request
    std::chrono::milliseconds io_timeout{120'000};   // reading a body / writing a response
    // Added to every response, including the ones the server writes itself (413, 414, ...).
    header_list default_fields;
    // Shapes the answers the server writes itself (400, 413, 414, 431) when set; it gets the
    // status and a short reason. Lets a mock answer those in its protocol's error format.
    std::function<server_response(unsigned status, std::string_view reason)> error_responder;
};

using handler = std::function<boost::asio::awaitable<server_response>(server_request&)>;

class server {
  public:
    server(boost::asio::any_io_executor ex, handler h, server_options opts = {});
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds and listens; returns the bound port (useful with port 0). Throws on failure.
    std::uint16_t listen(const std::string& address, std::uint16_t port);
    void start();  // spawns the accept loop
    // Stops accepting, closes idle connections at once and busy ones after their current
    // response. Safe to call from any thread; idempotent.
    void stop();

    std::size_t connection_count() const noexcept;

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace casio::http
