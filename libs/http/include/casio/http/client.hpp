#pragma once
// HTTP/1.1 client on C++20 coroutines: keep-alive pool per origin, TLS with verification by
// default, deadlines, cancellation, transparent gzip/deflate and streaming bodies. Beast stays
// out of this header; the implementation lives in libs/http/src/client*.cpp.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <casio/core/error.hpp>

namespace casio::http {

enum class method { get, head, post, put, patch, delete_ };

std::string_view to_string(method m) noexcept;

struct header {
    std::string name;
    std::string value;
};
using header_list = std::vector<header>;

struct tls_options {
    bool verify = true;   // verify the peer chain and host name (SNI always sent)
    std::string ca_file;  // PEM bundle; empty -> system default verify paths
    std::string ca_dir;   // hashed CA directory; optional
};

// Whether `path` is a regular file OpenSSL reads CA certificates from (PEM): settings check
// ca_certs when they are loaded, not when the first TLS connection is made.
bool loadable_ca_file(const std::string& path);

// FIPS 140 mode for every TLS connection of the process (service.fips_mode): loads OpenSSL's
// FIPS and base providers and makes "fips=yes" the default property. Returns why not when this
// OpenSSL has no usable FIPS provider (Debian's packages ship none); nothing is changed then.
std::optional<std::string> enable_fips_mode();

struct client_options {
    std::size_t max_connections_per_origin = 32;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{240'000};  // whole exchange, headers and body
    std::chrono::milliseconds idle_timeout{60'000};      // pooled idle keep-alive connection
    // From the request sent to the response header (0: only request_timeout applies).
    std::chrono::milliseconds first_byte_timeout{0};
    // A streamed exchange (send_streaming) as a whole, body included (0: no limit; the body
    // must then keep making progress, see send_streaming).
    std::chrono::milliseconds stream_timeout{0};
    // A body (streamed or not) must bring at least this many bytes a second, measured over
    // each `transfer_rate_window`; time spent in a streaming sink does not count. 0: off.
    std::size_t min_transfer_rate = 0;
    std::chrono::milliseconds transfer_rate_window{30'000};
    // Called once for an exchange whose response header has not come after `slow_answer`
    // (0: never), with a line naming the URL (never its query) and the deadline.
    std::chrono::milliseconds slow_answer{0};
    std::function<void(const std::string&)> on_slow;
    std::size_t max_response_body = std::size_t{64} * 1024 * 1024;  // over -> error, never buffered
    bool accept_compressed = true;  // sends Accept-Encoding: gzip, deflate; decodes transparently
    tls_options tls;
};

struct request {
    method verb = method::get;
    std::string url;                       // absolute: http(s)://host[:port]/path?query
    header_list fields;                    // extra headers (Host, Content-Length set by client)
    std::string body;                      // ignored when body_chunks or body_view is set
    std::vector<std::string> body_chunks;  // streamed in order; Content-Length = total size
    // Sent without a copy (a bulk body of megabytes); the bytes must stay valid until the
    // call returns. Ignored when body_chunks is non-empty.
    std::string_view body_view;
    std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout

    // Copies a viewed body into `body`, for code that keeps the request after the call.
    void own_body() {
        if (!body_view.empty()) {
            body.assign(body_view);
            body_view = {};
        }
    }
};

struct response {
    unsigned status = 0;
    header_list fields;
    std::string body;  // decoded (gzip/deflate removed)
    std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
    bool ok() const noexcept { return status >= 200 && status < 300; }
    // The wait a Retry-After header asks for, as of now (see parse_retry_after).
    std::optional<std::chrono::milliseconds> retry_after() const;
};

// A Retry-After value: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
// as of `now`; a date in the past is no wait). nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Kind of a non-2xx status: 429 -> rate_limited; 401/403 -> auth; 404 -> not_found;
// 408/5xx -> transient; other 4xx -> bad_request.
core::error_kind classify_status(unsigned status) noexcept;

// Throws core::error(kind, "<what>: HTTP <status> <excerpt>", status, excerpt) for a non-2xx
// response; excerpt = first ~200 bytes of the body. Does nothing for 2xx.
void check(const response& res, std::string_view what);

// Counters for tests and diagnostics (monotonic since construction).
struct client_stats {
    std::size_t connections_opened = 0;  // TCP (and TLS) connections established
    std::size_t connections_reused = 0;  // exchanges served by a pooled keep-alive connection
    std::size_t retries = 0;             // reused connections found dead and replaced
};

// HTTP/1.1 client with a keep-alive pool per origin (scheme, host, port).
// Transport failures throw core::error: connect refused/reset/truncated -> transient; no answer
// within the deadline -> timeout;
// TLS verification failure -> fatal, message names the host; response body over the limit ->
// fatal ("response body exceeds N bytes"). HTTP statuses are returned, not thrown.
// Cancellation: the coroutine's cancellation slot (e.g. co_spawn with bind_cancellation_slot)
// aborts the exchange; the connection is then discarded, never returned to the pool. A
// cancelled request throws core::error(canceled, "... request cancelled").
// The deadline (request.timeout or request_timeout) covers waiting for a pooled connection,
// connecting (itself capped by connect_timeout), sending and reading the whole response.
// A reused keep-alive connection that fails before any response byte is replaced and the
// request sent once more. Messages name scheme://host:port/path, never the query or headers.
// Not thread safe: use a client from the thread running its io_context.
class client {
  public:
    explicit client(boost::asio::any_io_executor ex, client_options opts = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    boost::asio::awaitable<response> send(request req);

    // Streams the decoded response body to `sink` chunk by chunk (memory bounded by the chunk
    // size, at most 64 KiB, not the body size; max_response_body does not apply). The returned
    // response has an empty body. A body cut mid-way throws core::error(transient). The
    // deadline covers the exchange up to the response header; after it each body read must
    // make progress within the timeout (and within transfer_rate_window when a minimum rate
    // is set), so long downloads are not cut while they advance; stream_timeout, when set,
    // bounds the whole.
    using body_sink = std::function<boost::asio::awaitable<void>(std::string_view chunk)>;
    boost::asio::awaitable<response> send_streaming(request req, body_sink sink);

    void close();  // drops idle pooled connections

    const client_options& options() const noexcept;
    client_stats stats() const noexcept;

    struct impl;

  private:
    // Shared so that an exchange still running when the client is destroyed keeps its state.
    std::shared_ptr<impl> impl_;
};

}  // namespace casio::http
