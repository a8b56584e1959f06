// HTTP/1.1 client: keep-alive pool per origin, TLS, deadlines, cancellation, decoding.
//
// One exchange = acquire a pooled connection (or a slot to open one), write the request, read
// the response with a parser over a fixed buffer, decode, hand the bytes to the caller. Every
// step runs under an absolute deadline (beast::tcp_stream::expires_at) and under the
// coroutine's cancellation slot. A connection goes back to the pool only after a complete,
// keep-alive exchange; any failure or cancellation closes it.
//
// Not thread safe: a client is used from the single io_context thread that runs it.

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <list>
#include <map>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <optional>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <casio/core/text.hpp>
#include <casio/http/client.hpp>

#include "client_decoder.hpp"

namespace casio::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// bounds every body piece handed out
constexpr std::size_t read_chunk_size = std::size_t{64} * 1024;
constexpr std::uint32_t max_header_bytes = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// URL

struct target_info {
    bool tls = false;
    std::string host;         // for DNS, SNI and verification (IPv6 without brackets)
    std::string port;         // decimal
    std::string key;          // pool key: scheme://host:port
    std::string host_header;  // Host field value
    std::string target;       // request-target: path?query
    std::string where;        // scheme://host:port/path for messages (no query, no userinfo)
};

// What of a URL may appear in an error: no query (may carry tokens), no userinfo.
std::string redact_url(std::string_view url) {
    url = url.substr(0, url.find_first_of("?#"));
    std::string out(url);
    auto scheme_end = out.find("://");
    if (scheme_end != std::string::npos) {
        auto authority = scheme_end + 3;
        auto path = out.find('/', authority);
        auto at = out.rfind('@', path == std::string::npos ? out.size() : path);
        if (at != std::string::npos && at >= authority) {
            out.erase(authority, at + 1 - authority);
        }
    }
    return out;
}

target_info parse_target(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw core::error(core::error_kind::bad_request, "invalid request URL '" + redact_url(url) +
                                                             "': " + parsed.error().message());
    }
    const auto& u = *parsed;
    target_info t;
    std::string scheme(u.scheme());
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (scheme == "https") {
        t.tls = true;
    } else if (scheme != "http") {
        throw core::error(core::error_kind::bad_request,
                          "unsupported URL scheme '" + scheme + "' in '" + redact_url(url) + "'");
    }
    if (!u.has_authority() || u.encoded_host().empty()) {
        throw core::error(core::error_kind::bad_request,
                          "request URL has no host: '" + redact_url(url) + "'");
    }
    t.host = u.host_address();
    std::uint16_t default_port = t.tls ? 443 : 80;
    std::uint16_t port = u.has_port() ? u.port_number() : default_port;
    if (u.has_port() && port == 0) {
        throw core::error(core::error_kind::bad_request,
                          "invalid port in request URL '" + redact_url(url) + "'");
    }
    t.port = std::to_string(port);
    std::string host_part(u.encoded_host());
    t.key = scheme + "://" + host_part + ":" + t.port;
    t.host_header = port == default_port ? host_part : host_part + ":" + t.port;
    t.target = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
    t.where = scheme + "://" + host_part + (port == default_port ? "" : ":" + t.port) + t.target;
    if (u.has_query()) {
        t.target += '?';
        t.target += u.encoded_query();
    }
    return t;
}

bool is_ip_literal(const std::string& host) {
    error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// ---------------------------------------------------------------------------------------------
// Request body: the caller's chunks, written as one gather list after the header (no copy).

struct chunks_body {
    struct value_type {
        std::vector<std::string> chunks;
        std::string_view view;  // the caller's bytes (request::body_view), after the chunks
    };

    static std::uint64_t size(const value_type& v) {
        std::uint64_t n = v.view.size();
        for (const auto& c : v.chunks) {
            n += c.size();
        }
        return n;
    }

    class writer {
      public:
        using const_buffers_type = std::vector<net::const_buffer>;

        template <bool is_request, class Fields>
        writer(const bhttp::header<is_request, Fields>&, const value_type& body) : body_(body) {}

        void init(error_code& ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
            ec = {};
            if (done_) {
                return boost::none;
            }
            done_ = true;
            const_buffers_type buffers;
            buffers.reserve(body_.chunks.size() + 1);
            for (const auto& c : body_.chunks) {
                if (!c.empty()) {
                    buffers.emplace_back(c.data(), c.size());
                }
            }
            if (!body_.view.empty()) {
                buffers.emplace_back(body_.view.data(), body_.view.size());
            }
            if (buffers.empty()) {
                return boost::none;
            }
            return std::make_pair(std::move(buffers), false);
        }

      private:
        const value_type& body_;
        bool done_ = false;
    };
};

bhttp::verb to_verb(method m) {
    switch (m) {
        case method::get:
            return bhttp::verb::get;
        case method::head:
            return bhttp::verb::head;
        case method::post:
            return bhttp::verb::post;
        case method::put:
            return bhttp::verb::put;
        case method::patch:
            return bhttp::verb::patch;
        case method::delete_:
            return bhttp::verb::delete_;
    }
    return bhttp::verb::get;
}

using outgoing = bhttp::request<chunks_body>;

outgoing build_message(const client_options& opts, const target_info& t, request& req) {
    outgoing msg{to_verb(req.verb), t.target, 11};
    msg.set(bhttp::field::host, t.host_header);
    msg.set(bhttp::field::user_agent, "connectors-asio");
    if (opts.accept_compressed) {
        msg.set(bhttp::field::accept_encoding, "gzip, deflate");
    }
    for (auto& f : req.fields) {
        // Framing is the client's business: a caller's Content-Length could desync the stream.
        if (core::iequals(f.name, "content-length") || core::iequals(f.name, "transfer-encoding")) {
            continue;
        }
        if (core::iequals(f.name, "host") || core::iequals(f.name, "user-agent") ||
            core::iequals(f.name, "accept-encoding")) {
            msg.set(f.name, f.value);
        } else {
            msg.insert(f.name, f.value);
        }
    }
    if (!req.body_chunks.empty()) {
        msg.body().chunks = std::move(req.body_chunks);
    } else if (!req.body_view.empty()) {
        msg.body().view = req.body_view;
    } else if (!req.body.empty()) {
        msg.body().chunks.push_back(std::move(req.body));
    }
    std::uint64_t size = chunks_body::size(msg.body());
    if (size > 0 || req.verb == method::post || req.verb == method::put ||
        req.verb == method::patch) {
        msg.content_length(size);
    }
    return msg;
}

// ---------------------------------------------------------------------------------------------
// Connections and pools

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<tls_stream> tls;
    beast::flat_buffer buffer;
    std::unique_ptr<char[]> read_buffer = std::make_unique<char[]>(read_chunk_size);
    clock_type::time_point idle_since{};

    // Beast reads at most the free capacity of the buffer (512 bytes when empty): reserving
    // lets one recv() take a whole chunk instead of hundreds of tiny reads per megabyte.
    connection() { buffer.reserve(read_chunk_size); }

    beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

    void close() { tcp().close(); }

    // A pooled connection is reusable only if the peer has not closed it and has sent nothing
    // unsolicited; checked without blocking before each reuse.
    bool looks_alive() {
        auto& sock = tcp().socket();
        if (!sock.is_open() || buffer.size() != 0) {
            return false;
        }
        error_code ec;
        if (sock.available(ec) > 0 || ec) {
            return false;
        }
        char byte;
        auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) {
            return false;
        }
        return n > 0 || errno == EAGAIN || errno == EWOULDBLOCK;
    }
};

// A coroutine waiting for a connection slot of a full pool. Woken in FIFO order by cancelling
// its timer, which otherwise expires at the request deadline. Leaves the queue when destroyed
// (a coroutine frame can be destroyed without resuming, e.g. with its io_context).
struct waiter {
    waiter(const net::any_io_executor& ex, std::list<waiter*>& queue)
        : timer(ex), queue_(queue), pos_(queue.insert(queue.end(), this)) {}
    ~waiter() { leave(); }
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    void leave() {
        if (queued_) {
            queue_.erase(pos_);
            queued_ = false;
        }
    }

    net::steady_timer timer;
    std::unique_ptr<connection> conn;  // handed over directly by a finishing exchange
    bool granted = false;              // a slot was counted for this waiter

  private:
    std::list<waiter*>& queue_;
    std::list<waiter*>::iterator pos_;
    bool queued_ = true;
};

struct pool {
    std::vector<std::unique_ptr<connection>> idle;  // most recently used last
    std::size_t open = 0;                           // idle + leased + connecting
    std::list<waiter*> waiters;
};

struct exchange_failure {
    error_code ec;
    std::string stage;
    std::optional<std::chrono::milliseconds> limit;  // the deadline missed, when not the request's
};

// The deadlines of one exchange.
struct timing {
    clock_type::time_point deadline;    // up to the response header; the whole when not streamed
    std::chrono::milliseconds timeout;  // its length, for messages
    // A streamed exchange as a whole (stream_timeout), else time_point::max().
    clock_type::time_point stream_deadline = clock_type::time_point::max();
    std::chrono::milliseconds stream_timeout{0};
};

// Calls `fire` once after `after` unless destroyed first: a line for a wait that lasts.
class alarm {
  public:
    alarm(const net::any_io_executor& ex, std::chrono::milliseconds after,
          std::function<void()> fire)
        : state_(std::make_shared<state>(ex)) {
        state_->timer.expires_after(after);
        state_->timer.async_wait([s = state_, f = std::move(fire)](error_code ec) {
            if (!ec && s->armed) {
                f();
            }
        });
    }
    ~alarm() {
        state_->armed = false;
        state_->timer.cancel();
    }
    alarm(const alarm&) = delete;
    alarm& operator=(const alarm&) = delete;

  private:
    struct state {
        explicit state(const net::any_io_executor& ex) : timer(ex) {}
        net::steady_timer timer;
        bool armed = true;
    };
    std::shared_ptr<state> state_;
};

// Bytes of a body over a sliding window: too few in a whole window fails the exchange
// (client_options::min_transfer_rate). Time the caller's sink takes is not counted.
class rate_meter {
  public:
    rate_meter(std::size_t min_rate, std::chrono::milliseconds window)
        : min_rate_(min_rate), window_(window) {}

    void add(std::size_t bytes, const std::string& where) {
        bytes_ += bytes;
        const auto now = clock_type::now();
        if (min_rate_ == 0 || now - start_ < window_) {
            return;
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_);
        const auto needed = static_cast<std::uint64_t>(min_rate_) *
                            static_cast<std::uint64_t>(elapsed.count()) / 1000;
        if (bytes_ < needed) {
            throw core::error(core::error_kind::timeout,
                              where + ": response body slower than the minimum transfer rate (" +
                                  std::to_string(bytes_) + " bytes in " +
                                  std::to_string(elapsed.count()) + " ms, at least " +
                                  std::to_string(min_rate_) + " bytes/s required)");
        }
        start_ = now;
        bytes_ = 0;
    }
    void pause(clock_type::duration d) { start_ += d; }

  private:
    std::size_t min_rate_;
    std::chrono::milliseconds window_;
    clock_type::time_point start_ = clock_type::now();
    std::uint64_t bytes_ = 0;
};

std::string seconds_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) {
        return std::to_string(d.count() / 1000) + " s";
    }
    return std::to_string(d.count()) + " ms";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct client::impl : std::enable_shared_from_this<impl> {
    impl(net::any_io_executor ex, client_options opts)
        : ex_(std::move(ex)),
          opts_(std::move(opts)),
          ssl_(net::ssl::context::tls_client),
          sweep_timer_(ex_) {
        if (opts_.max_connections_per_origin == 0) {
            opts_.max_connections_per_origin = 1;
        }
        init_tls();
    }

    void init_tls() {
        ssl_.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                         net::ssl::context::no_tlsv1_1);
        error_code ec;
        if (!opts_.tls.ca_file.empty()) {
            ssl_.load_verify_file(opts_.tls.ca_file, ec);
            if (ec) {
                throw core::error(
                    core::error_kind::fatal,
                    "tls.ca_file: cannot load '" + opts_.tls.ca_file + "': " + ec.message());
            }
        }
        if (!opts_.tls.ca_dir.empty()) {
            ssl_.add_verify_path(opts_.tls.ca_dir, ec);
            if (ec) {
                throw core::error(
                    core::error_kind::fatal,
                    "tls.ca_dir: cannot use '" + opts_.tls.ca_dir + "': " + ec.message());
            }
        }
        // The system store is read at the first TLS connection: parsing its ~150 certificates
        // costs ~0.1 CPU-s, wasted by clients that only speak plain HTTP (mocks, a local
        // cluster).
        system_store_pending_ =
            opts_.tls.verify && opts_.tls.ca_file.empty() && opts_.tls.ca_dir.empty();
        ssl_.set_verify_mode(opts_.tls.verify ? net::ssl::verify_peer : net::ssl::verify_none);
    }

    void load_system_store_once() {
        if (system_store_pending_) {
            system_store_pending_ = false;
            error_code ec;
            ssl_.set_default_verify_paths(ec);  // a missing system store shows at handshake
        }
    }

    // --- lease: a slot in a pool, with or without an open connection ---------------------

    class lease {
      public:
        lease(std::shared_ptr<impl> owner, pool& p, std::unique_ptr<connection> c, bool reused)
            : owner_(std::move(owner)), pool_(&p), conn(std::move(c)), reused(reused) {}
        lease(lease&& o) noexcept
            : owner_(std::move(o.owner_)),
              pool_(std::exchange(o.pool_, nullptr)),
              conn(std::move(o.conn)),
              reused(o.reused) {}
        lease& operator=(lease&&) = delete;
        ~lease() {
            if (pool_) {
                owner_->discard(*pool_, std::move(conn));
            }
        }
        void give_back() { owner_->give_back(*std::exchange(pool_, nullptr), std::move(conn)); }

      private:
        std::shared_ptr<impl> owner_;
        pool* pool_;

      public:
        std::unique_ptr<connection> conn;
        bool reused;
    };

    void grant_next(pool& p) {
        while (!p.waiters.empty() && p.open < opts_.max_connections_per_origin) {
            waiter* w = p.waiters.front();
            w->leave();
            ++p.open;
            w->granted = true;
            w->timer.cancel();
        }
    }

    void discard(pool& p, std::unique_ptr<connection> c) {
        if (c) {
            c->close();
        }
        --p.open;
        grant_next(p);
    }

    void give_back(pool& p, std::unique_ptr<connection> c) {
        if (closed_) {
            discard(p, std::move(c));
            return;
        }
        if (!p.waiters.empty()) {
            waiter* w = p.waiters.front();
            w->leave();
            w->conn = std::move(c);  // the slot moves with the connection
            w->granted = true;
            w->timer.cancel();
            return;
        }
        c->idle_since = clock_type::now();
        p.idle.push_back(std::move(c));
        arm_sweeper(p.idle.back()->idle_since + opts_.idle_timeout);
    }

    // --- idle expiry ---------------------------------------------------------------------

    void arm_sweeper(clock_type::time_point when) {
        if (sweep_armed_) {
            return;
        }
        sweep_armed_ = true;
        sweep_timer_.expires_at(when);
        sweep_timer_.async_wait([weak = weak_from_this()](error_code ec) {
            auto self = weak.lock();
            if (!self || ec) {
                return;  // cancelled: drop_idle() already cleared sweep_armed_
            }
            self->sweep_armed_ = false;
            self->sweep();
        });
    }

    void sweep() {
        auto now = clock_type::now();
        std::optional<clock_type::time_point> next;
        for (auto& [key, p] : pools_) {
            auto expired = [&](const std::unique_ptr<connection>& c) {
                return c->idle_since + opts_.idle_timeout <= now;
            };
            for (auto& c : p.idle) {
                if (expired(c)) {
                    c->close();
                    --p.open;
                } else if (!next || c->idle_since + opts_.idle_timeout < *next) {
                    next = c->idle_since + opts_.idle_timeout;
                }
            }
            std::erase_if(p.idle, expired);
            grant_next(p);
        }
        if (next) {
            arm_sweeper(*next);
        }
    }

    void drop_idle() {
        for (auto& [key, p] : pools_) {
            for (auto& c : p.idle) {
                c->close();
                --p.open;
            }
            p.idle.clear();
            grant_next(p);
        }
        sweep_timer_.cancel();  // nothing left to expire; lets an io_context run() return
        sweep_armed_ = false;
    }

    void shutdown() {
        closed_ = true;
        drop_idle();
    }

    // --- errors --------------------------------------------------------------------------

    [[noreturn]] void fail(const target_info& t, const net::cancellation_state& cs,
                           clock_type::time_point deadline, std::chrono::milliseconds timeout,
                           const exchange_failure& f) const {
        if (cs.cancelled() != net::cancellation_type::none) {
            throw core::error(core::error_kind::canceled, t.where + ": request cancelled");
        }
        if (f.ec == beast::error::timeout || clock_type::now() >= deadline) {
            throw core::error(core::error_kind::timeout,
                              t.where + ": timed out after " +
                                  std::to_string(f.limit.value_or(timeout).count()) + " ms while " +
                                  f.stage);
        }
        throw core::error(core::error_kind::transient,
                          t.where + ": " + f.stage + " failed: " + f.ec.message());
    }

    // --- acquire -------------------------------------------------------------------------

    net::awaitable<lease> acquire(const target_info& t, clock_type::time_point deadline,
                                  std::chrono::milliseconds timeout) {
        auto self = shared_from_this();
        pool& p = pools_[t.key];
        auto now = clock_type::now();
        while (!p.idle.empty()) {
            auto c = std::move(p.idle.back());
            p.idle.pop_back();
            if (c->idle_since + opts_.idle_timeout > now && c->looks_alive()) {
                ++stats_.connections_reused;
                co_return lease(self, p, std::move(c), true);
            }
            c->close();
            --p.open;
        }
        if (p.open < opts_.max_connections_per_origin) {
            ++p.open;
            co_return lease(self, p, nullptr, false);
        }
        waiter w(ex_, p.waiters);
        w.timer.expires_at(deadline);
        co_await w.timer.async_wait(net::as_tuple(net::use_awaitable));
        if (w.granted) {
            bool reused = w.conn != nullptr;
            if (reused) {
                ++stats_.connections_reused;
            }
            co_return lease(self, p, std::move(w.conn), reused);
        }
        w.leave();
        auto cs = co_await net::this_coro::cancellation_state;
        fail(t, cs, deadline, timeout,
             {net::error::operation_aborted, "waiting for a free connection"});
    }

    // --- connect -------------------------------------------------------------------------

    net::awaitable<tcp::resolver::results_type> resolve(const target_info& t,
                                                        clock_type::time_point deadline,
                                                        std::chrono::milliseconds timeout) {
        auto cs = co_await net::this_coro::cancellation_state;
        if (is_ip_literal(t.host)) {
            co_return tcp::resolver::results_type::create(
                tcp::endpoint(net::ip::make_address(t.host),
                              static_cast<std::uint16_t>(std::stoi(t.port))),
                t.host, t.port);
        }
        // getaddrinfo cannot be interrupted; wait for it under a timer and leave it behind
        // (it owns its resolver) when the deadline or a cancellation comes first.
        struct state {
            explicit state(const net::any_io_executor& ex) : timer(ex), resolver(ex) {}
            net::steady_timer timer;
            tcp::resolver resolver;
            bool done = false;
            error_code ec;
            tcp::resolver::results_type results;
        };
        auto st = std::make_shared<state>(ex_);
        st->timer.expires_at(deadline);
        st->resolver.async_resolve(t.host, t.port,
                                   [st](error_code ec, tcp::resolver::results_type results) {
                                       st->done = true;
                                       st->ec = ec;
                                       st->results = std::move(results);
                                       st->timer.cancel();
                                   });
        co_await st->timer.async_wait(net::as_tuple(net::use_awaitable));
        if (!st->done) {
            st->resolver.cancel();
            fail(t, cs, deadline, timeout, {beast::error::timeout, "resolving " + t.host});
        }
        if (st->ec) {
            fail(t, cs, deadline, timeout, {st->ec, "resolving " + t.host});
        }
        co_return std::move(st->results);
    }

    net::awaitable<std::unique_ptr<connection>> connect(const target_info& t,
                                                        clock_type::time_point deadline,
                                                        std::chrono::milliseconds timeout) {
        auto cs = co_await net::this_coro::cancellation_state;
        auto connect_deadline = std::min(deadline, clock_type::now() + opts_.connect_timeout);
        auto connect_timeout = std::min(timeout, opts_.connect_timeout);
        auto endpoints = co_await resolve(t, connect_deadline, connect_timeout);

        auto c = std::make_unique<connection>();
        if (t.tls) {
            load_system_store_once();
            c->tls.emplace(ex_, ssl_);
        } else {
            c->plain.emplace(ex_);
        }
        auto& tcp_layer = c->tcp();
        tcp_layer.expires_at(connect_deadline);
        auto [ec, ep] =
            co_await tcp_layer.async_connect(endpoints, net::as_tuple(net::use_awaitable));
        if (ec) {
            fail(t, cs, connect_deadline, connect_timeout, {ec, "connecting"});
        }
        tcp_layer.socket().set_option(tcp::no_delay(true), ec);

        if (t.tls) {
            SSL* ssl = c->tls->native_handle();
            bool ip = is_ip_literal(t.host);
            // SNI carries names only (RFC 6066 forbids address literals).
            if (!ip) {
                SSL_set_tlsext_host_name(ssl, t.host.c_str());
            }
            if (opts_.tls.verify) {
                if (ip) {
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
                } else {
                    SSL_set1_host(ssl, t.host.c_str());
                }
            }
            auto [hs_ec] = co_await c->tls->async_handshake(net::ssl::stream_base::client,
                                                            net::as_tuple(net::use_awaitable));
            if (hs_ec) {
                long verify = SSL_get_verify_result(ssl);
                if (opts_.tls.verify && verify != X509_V_OK) {
                    throw core::error(core::error_kind::fatal,
                                      "TLS certificate verification failed for host '" + t.host +
                                          "' (" + t.key +
                                          "): " + X509_verify_cert_error_string(verify));
                }
                fail(t, cs, connect_deadline, connect_timeout, {hs_ec, "TLS handshake"});
            }
        }
        ++stats_.connections_opened;
        co_return c;
    }

    // --- exchange ------------------------------------------------------------------------

    using response_parser = bhttp::response_parser<bhttp::buffer_body>;

    template <class Stream>
    net::awaitable<std::optional<exchange_failure>> exchange(Stream& stream, connection& conn,
                                                             const target_info& t, outgoing& msg,
                                                             method verb, const timing& tm,
                                                             body_sink* sink, response& res,
                                                             bool& keep_alive,
                                                             bool& response_started) {
        auto& tcp_layer = conn.tcp();
        tcp_layer.expires_at(tm.deadline);
        {
            bhttp::request_serializer<chunks_body> sr{msg};
            auto [ec, n] =
                co_await bhttp::async_write(stream, sr, net::as_tuple(net::use_awaitable));
            if (ec) {
                co_return exchange_failure{ec, "sending the request"};
            }
        }
        std::optional<response_parser> parser_storage;
        if (auto failure = co_await read_final_header(stream, conn, t, verb, tm, parser_storage,
                                                      response_started)) {
            co_return failure;
        }
        auto& parser = *parser_storage;
        const auto coding = take_head(parser.get(), t, res);
        const bool decoding = coding != detail::content_coding::identity;
        if (!sink && !decoding && parser.content_length()) {
            if (*parser.content_length() > opts_.max_response_body) {
                throw body_too_large(t);
            }
            res.body.reserve(static_cast<std::size_t>(*parser.content_length()));
        }
        if (auto failure = co_await read_body(stream, conn, t, parser, coding, tm, sink, res)) {
            co_return failure;
        }
        keep_alive = parser.get().keep_alive() && conn.buffer.size() == 0;
        co_return std::nullopt;
    }

    // Reads response headers into `parser_storage` until the final one: interim 1xx responses
    // (100 Continue sent unasked, 103 Early Hints) precede it, each needing a fresh parser.
    template <class Stream>
    net::awaitable<std::optional<exchange_failure>> read_final_header(
        Stream& stream, connection& conn, const target_info& t, method verb, const timing& tm,
        std::optional<response_parser>& parser_storage, bool& response_started) {
        // The request is sent: the answer's first byte is due within first_byte_timeout.
        auto deadline = tm.deadline;
        std::optional<std::chrono::milliseconds> limit;
        const auto first_byte = opts_.first_byte_timeout;
        if (first_byte.count() > 0 && clock_type::now() + first_byte < deadline) {
            deadline = clock_type::now() + first_byte;
            limit = first_byte;
        }
        std::optional<alarm> slow;
        if (opts_.on_slow && opts_.slow_answer.count() > 0) {
            slow.emplace(ex_, opts_.slow_answer, [this, where = t.where, tm, limit] {
                opts_.on_slow(where + ": no answer after " + seconds_text(opts_.slow_answer) +
                              "; waiting up to " + seconds_text(limit.value_or(tm.timeout)));
            });
        }
        for (;;) {
            parser_storage.emplace();
            auto& p = *parser_storage;
            p.header_limit(max_header_bytes);
            p.body_limit(boost::none);  // limits are applied to decoded bytes (read_body)
            if (verb == method::head) {
                p.skip(true);
            }
            conn.tcp().expires_at(deadline);
            auto [ec, n] = co_await bhttp::async_read_header(stream, conn.buffer, p,
                                                             net::as_tuple(net::use_awaitable));
            if (ec) {
                response_started = response_started || p.got_some() || conn.buffer.size() > 0;
                if (ec == bhttp::error::header_limit) {
                    throw core::error(core::error_kind::fatal,
                                      t.where + ": response header exceeds " +
                                          std::to_string(max_header_bytes) + " bytes");
                }
                co_return exchange_failure{ec, "reading the response header", limit};
            }
            response_started = true;
            unsigned status = p.get().result_int();
            if (status < 100 || status >= 200 || status == 101) {
                co_return std::nullopt;
            }
        }
    }

    // The status and fields of the final header into `res`; the body's content coding.
    static detail::content_coding take_head(const response_parser::value_type& head,
                                            const target_info& t, response& res) {
        res.status = head.result_int();
        detail::content_coding coding = detail::content_coding::identity;
        for (const auto& f : head) {
            if (f.name() == bhttp::field::content_encoding &&
                !detail::parse_content_coding(f.value(), coding)) {
                throw core::error(
                    core::error_kind::fatal,
                    t.where + ": unsupported Content-Encoding '" + std::string(f.value()) + "'");
            }
        }
        const bool decoding = coding != detail::content_coding::identity;
        for (const auto& f : head) {
            // A decoded body no longer matches the encoded framing headers.
            if (decoding && (f.name() == bhttp::field::content_encoding ||
                             f.name() == bhttp::field::content_length)) {
                continue;
            }
            res.fields.push_back({std::string(f.name_string()), std::string(f.value())});
        }
        return coding;
    }

    core::error body_too_large(const target_info& t) const {
        return core::error(core::error_kind::fatal, t.where + ": response body exceeds " +
                                                        std::to_string(opts_.max_response_body) +
                                                        " bytes (max_response_body)");
    }

    // The expiry of the next body read. A streamed body may take long as a whole (up to
    // stream_timeout); what must not stall is progress. With a minimum rate, no byte for a
    // whole window is a failure too.
    clock_type::time_point read_expiry(const timing& tm, bool streamed) const {
        const auto now = clock_type::now();
        auto at = streamed ? std::min(tm.stream_deadline, now + tm.timeout) : tm.deadline;
        if (opts_.min_transfer_rate > 0) {
            at = std::min(at, now + opts_.transfer_rate_window);
        }
        return at;
    }

    // Which deadline a body read missed.
    exchange_failure body_timeout(const target_info& t, const timing& tm, bool streamed,
                                  error_code ec) const {
        const auto now = clock_type::now();
        const std::string stage = "reading the response body";
        if (streamed && now >= tm.stream_deadline) {
            return {ec, stage, tm.stream_timeout};
        }
        if (!streamed && now >= tm.deadline) {
            return {ec, stage, tm.timeout};
        }
        if (opts_.min_transfer_rate > 0) {
            throw core::error(core::error_kind::timeout,
                              t.where + ": no data for " +
                                  seconds_text(opts_.transfer_rate_window) + " while " + stage +
                                  " (at least " + std::to_string(opts_.min_transfer_rate) +
                                  " bytes/s required)");
        }
        return {ec, stage, tm.timeout};  // streamed: no progress within the timeout
    }

    // Reads the body, decoded, into `res.body` or the sink.
    template <class Stream>
    net::awaitable<std::optional<exchange_failure>> read_body(
        Stream& stream, connection& conn, const target_info& t, response_parser& parser,
        detail::content_coding coding, const timing& tm, body_sink* sink, response& res) {
        const std::size_t limit = opts_.max_response_body;
        detail::body_decoder decoder(coding, read_chunk_size);
        rate_meter meter(opts_.min_transfer_rate, opts_.transfer_rate_window);
        std::uint64_t raw_total = 0;
        char* buf = conn.read_buffer.get();
        while (!parser.is_done()) {
            parser.get().body().data = buf;
            parser.get().body().size = read_chunk_size;
            conn.tcp().expires_at(read_expiry(tm, sink != nullptr));
            // read_some: hand over what arrived instead of waiting for a full buffer, so a
            // slow stream is delivered as it comes.
            auto [ec, n] = co_await bhttp::async_read_some(stream, conn.buffer, parser,
                                                           net::as_tuple(net::use_awaitable));
            if (ec == bhttp::error::need_buffer) {
                ec = {};
            }
            if (ec) {
                if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream ||
                    ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
                    auto cs = co_await net::this_coro::cancellation_state;
                    if (cs.cancelled() == net::cancellation_type::none) {
                        throw core::error(core::error_kind::transient,
                                          t.where + ": response body truncated after " +
                                              std::to_string(raw_total) + " bytes");
                    }
                }
                if (ec == beast::error::timeout) {
                    co_return body_timeout(t, tm, sink != nullptr, ec);
                }
                co_return exchange_failure{ec, "reading the response body"};
            }
            std::size_t got = read_chunk_size - parser.get().body().size;
            raw_total += got;
            meter.add(got, t.where);
            if (!sink && raw_total > limit) {
                throw body_too_large(t);
            }
            try {
                decoder.input({buf, got});
                for (auto out = decoder.next(); !out.empty(); out = decoder.next()) {
                    if (sink) {
                        const auto handed = clock_type::now();
                        co_await (*sink)(out);
                        meter.pause(clock_type::now() - handed);
                    } else {
                        if (res.body.size() + out.size() > limit) {
                            throw body_too_large(t);
                        }
                        res.body.append(out);
                    }
                }
            } catch (const std::runtime_error& e) {
                if (dynamic_cast<const core::error*>(&e)) {
                    throw;
                }
                throw core::error(core::error_kind::transient, t.where + ": " + e.what());
            }
        }
        try {
            decoder.finish();
        } catch (const std::runtime_error& e) {
            throw core::error(core::error_kind::transient, t.where + ": " + e.what());
        }
        co_return std::nullopt;
    }

    // --- one request, with one retry on a reused connection that died idle --------------

    static net::awaitable<response> perform(std::shared_ptr<impl> self, request req,
                                            body_sink sink) {
        auto cs = co_await net::this_coro::cancellation_state;
        std::string where = redact_url(req.url);
        try {
            co_return co_await run(std::move(self), std::move(req), std::move(sink));
        } catch (const boost::system::system_error& e) {
            // An operation started after a cancellation throws instead of completing.
            if (cs.cancelled() != net::cancellation_type::none) {
                throw core::error(core::error_kind::canceled, where + ": request cancelled");
            }
            throw core::error(core::error_kind::transient, where + ": " + e.code().message());
        }
    }

    timing timing_of(const request& req, bool streamed) const {
        const auto now = clock_type::now();
        timing tm;
        tm.timeout = req.timeout.value_or(opts_.request_timeout);
        tm.deadline = now + tm.timeout;
        if (streamed && opts_.stream_timeout.count() > 0) {
            tm.stream_timeout = opts_.stream_timeout;
            tm.stream_deadline = now + tm.stream_timeout;
            if (tm.stream_deadline < tm.deadline) {
                tm.deadline = tm.stream_deadline;
                tm.timeout = tm.stream_timeout;
            }
        }
        return tm;
    }

    static net::awaitable<response> run(std::shared_ptr<impl> self, request req, body_sink sink) {
        auto cs = co_await net::this_coro::cancellation_state;
        target_info t = parse_target(req.url);
        const timing tm = self->timing_of(req, sink != nullptr);
        const auto deadline = tm.deadline;
        const auto timeout = tm.timeout;
        outgoing msg = build_message(self->opts_, t, req);
        body_sink* sink_ptr = sink ? &sink : nullptr;

        for (int attempt = 0;; ++attempt) {
            lease l = co_await self->acquire(t, deadline, timeout);
            if (!l.conn) {
                l.conn = co_await self->connect(t, deadline, timeout);
            }
            response res;
            bool keep_alive = false;
            bool started = false;
            connection& c = *l.conn;
            std::optional<exchange_failure> failure;
            if (c.tls) {
                failure = co_await self->exchange(*c.tls, c, t, msg, req.verb, tm, sink_ptr, res,
                                                  keep_alive, started);
            } else {
                failure = co_await self->exchange(*c.plain, c, t, msg, req.verb, tm, sink_ptr, res,
                                                  keep_alive, started);
            }
            if (!failure) {
                if (keep_alive && cs.cancelled() == net::cancellation_type::none) {
                    l.give_back();
                }
                co_return res;
            }
            // The peer may close an idle keep-alive connection just as we reuse it: the
            // request then fails before any response byte and is safe to send again once.
            bool stale = l.reused && !started && attempt == 0 &&
                         cs.cancelled() == net::cancellation_type::none &&
                         failure->ec != beast::error::timeout && clock_type::now() < deadline;
            if (stale) {
                ++self->stats_.retries;
                continue;  // `l` closes the dead connection
            }
            self->fail(t, cs, deadline, timeout, *failure);
        }
    }

    net::any_io_executor ex_;
    client_options opts_;
    net::ssl::context ssl_;
    bool system_store_pending_ = false;
    std::map<std::string, pool> pools_;  // node-based: pool references stay valid
    net::steady_timer sweep_timer_;
    bool sweep_armed_ = false;
    bool closed_ = false;
    client_stats stats_;
};

// ---------------------------------------------------------------------------------------------

bool loadable_ca_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return false;
    }
    net::ssl::context ctx(net::ssl::context::tls_client);
    error_code load;
    ctx.load_verify_file(path, load);
    return !load;
}

std::optional<std::string> enable_fips_mode() {
    OSSL_PROVIDER* fips = OSSL_PROVIDER_load(nullptr, "fips");
    if (fips == nullptr) {
        ERR_clear_error();
        return std::string("OpenSSL ") + OpenSSL_version(OPENSSL_VERSION_STRING) +
               " has no FIPS provider (no fips module in " + OpenSSL_version(OPENSSL_MODULES_DIR) +
               ")";
    }
    OSSL_PROVIDER* base = OSSL_PROVIDER_load(nullptr, "base");
    if (base == nullptr || EVP_default_properties_enable_fips(nullptr, 1) != 1) {
        ERR_clear_error();
        if (base != nullptr) {
            OSSL_PROVIDER_unload(base);
        }
        OSSL_PROVIDER_unload(fips);
        return std::string("OpenSSL could not switch to its FIPS provider");
    }
    return std::nullopt;
}

client::client(boost::asio::any_io_executor ex, client_options opts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts))) {}

client::~client() {
    impl_->shutdown();
}

// Not coroutines themselves: the returned awaitable owns a reference to the state, so a
// request still running when the client object goes away stays valid.
boost::asio::awaitable<response> client::send(request req) {
    return impl::perform(impl_, std::move(req), nullptr);
}

boost::asio::awaitable<response> client::send_streaming(request req, body_sink sink) {
    return impl::perform(impl_, std::move(req), std::move(sink));
}

void client::close() {
    impl_->drop_idle();
}

const client_options& client::options() const noexcept {
    return impl_->opts_;
}

client_stats client::stats() const noexcept {
    return impl_->stats_;
}

}  // namespace casio::http
