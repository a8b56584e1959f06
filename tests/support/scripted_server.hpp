#pragma once
// Scripted raw HTTP/1.1 peers for client tests. Each request read from a connection is handed
// to a script that returns the exact bytes to answer, or a misbehaviour: close after N bytes,
// close without answering, stall forever. Plain TCP or TLS with a certificate generated at run
// time. Runs on the test's io_context and binds 127.0.0.1 port 0.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace casio::test {

// One request as the server read it.
struct scripted_request {
    std::size_t connection = 0;  // 1-based index of the accepted connection
    std::size_t index = 0;       // 1-based index of the request on its connection
    std::string head;            // request line and header fields, raw, without the blank line
    std::string body;
    std::string server_name;  // TLS SNI the client sent, empty without TLS or SNI

    std::string_view method() const;
    std::string_view target() const;
    std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

struct scripted_reply {
    std::string bytes;                       // sent as-is
    std::optional<std::size_t> close_after;  // send only this many bytes, then close
    bool close = false;                      // close once the bytes are sent
    bool stall = false;  // after sending `bytes` (may be empty), wait for the peer to leave
    // A slow peer: the bytes after the first `trickle_from` go out `trickle_bytes` at a time,
    // each piece `trickle_every` after the last (0 bytes: all at once).
    std::size_t trickle_from = 0;
    std::size_t trickle_bytes = 0;
    std::chrono::milliseconds trickle_every{0};
};

// A complete response with Content-Length; `fields` are raw "Name: value" lines.
scripted_reply http_reply(unsigned status, std::string_view body,
                          const std::vector<std::string>& fields = {});

// A self-signed certificate (by default for CN 127.0.0.1, SAN 127.0.0.1 and localhost), with
// its key, also written to a temporary PEM file (removed with the object) for use as a CA file.
class tls_identity {
  public:
    // `subject_alt_names` in OpenSSL syntax, e.g. "DNS:other.example,IP:10.0.0.1".
    explicit tls_identity(std::string_view subject_alt_names = "IP:127.0.0.1,DNS:localhost",
                          std::string_view common_name = "127.0.0.1");
    ~tls_identity();
    tls_identity(const tls_identity&) = delete;
    tls_identity& operator=(const tls_identity&) = delete;

    const std::string& cert_pem() const { return cert_pem_; }
    const std::string& key_pem() const { return key_pem_; }
    const std::string& cert_file() const { return cert_file_; }

  private:
    std::string cert_pem_;
    std::string key_pem_;
    std::string cert_file_;
};

class scripted_server {
  public:
    using script = std::function<scripted_reply(const scripted_request&)>;

    // With `tls`, connections are TLS; the identity must outlive the server.
    scripted_server(boost::asio::any_io_executor ex, script s, const tls_identity* tls = nullptr);
    ~scripted_server();
    scripted_server(const scripted_server&) = delete;
    scripted_server& operator=(const scripted_server&) = delete;

    std::uint16_t port() const;
    std::string url(std::string_view path = "/") const;  // http(s)://127.0.0.1:<port><path>

    std::size_t accepted() const;        // connections accepted so far
    std::size_t open() const;            // connections open now
    std::size_t max_open() const;        // most connections open at the same time
    std::size_t closed_by_peer() const;  // connections the client closed
    std::vector<scripted_request> requests() const;

    void stop();  // stops accepting and closes every connection

    struct state;

  private:
    std::shared_ptr<state> state_;
};

// A listener whose accept queue is full, so that a new connect() hangs: for connect timeouts.
class blackhole_listener {
  public:
    explicit blackhole_listener(boost::asio::any_io_executor ex);
    ~blackhole_listener();
    std::uint16_t port() const;

    struct state;

  private:
    std::unique_ptr<state> state_;
};

// Runs `task` on `ioc` until it completes and returns its result (or rethrows).
template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> task) {
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<T>, int, T>> result;
    bool done = false;
    if constexpr (std::is_void_v<T>) {
        boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e) {
            error = e;
            done = true;
        });
    } else {
        boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T v) {
            error = e;
            if (!e) {
                result.emplace(std::move(v));
            }
            done = true;
        });
    }
    ioc.restart();
    while (!done && ioc.run_one() > 0) {
    }
    if (!done) {
        throw std::logic_error("io_context ran out of work before the task completed");
    }
    if (error) {
        std::rethrow_exception(error);
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

}  // namespace casio::test
