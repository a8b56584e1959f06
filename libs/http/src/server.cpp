// The coroutine HTTP/1.1 server: an accept loop and one coroutine per connection, all on the
// executor given at construction. A connection serves requests one after another (keep-alive);
// every read and write has a deadline (tcp_stream::expires_after).

#include <algorithm>
#include <exception>
#include <unordered_set>
#include <zlib.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <casio/http/server.hpp>

namespace casio::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t gzip_threshold = 1024;

bool accepts_gzip(std::string_view accept_encoding) {
    // A token "gzip" not followed by q=0; good enough for the clients we serve.
    auto pos = accept_encoding.find("gzip");
    if (pos == std::string_view::npos)
        return false;
    auto rest = accept_encoding.substr(pos + 4);
    auto comma = rest.find(',');
    auto params = rest.substr(0, comma);
    return params.find("q=0") == std::string_view::npos ||
           params.find("q=0.") != std::string_view::npos;
}

// Inflates a gzip or zlib ("deflate") request body. False when it is corrupt or would exceed
// `limit` bytes.
bool inflate_body(std::string_view in, std::size_t limit, std::string& out) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return false;  // +32: gzip or zlib header
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    out.clear();
    char chunk[64 * 1024];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        out.append(chunk, sizeof chunk - zs.avail_out);
        if (out.size() > limit)
            break;
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)
            break;  // truncated input
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END && out.size() <= limit;
}

std::string gzip(std::string_view in) {
    z_stream zs{};
    // Level 1: the mocks must stay faster than what they serve; ratio matters little.
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        throw std::runtime_error("deflate failed");
    return out;
}

}  // namespace

struct connection : response_stream {
    connection(tcp::socket s, const server_options& o) : stream(std::move(s)), opts(o) {}

    asio::awaitable<void> begin(unsigned status, header_list fields,
                                std::size_t content_length) override {
        if (began)
            throw std::logic_error("response_stream::begin called twice");
        began = true;
        announced = content_length;
        bhttp::response<bhttp::empty_body> res;
        res.version(11);
        res.result(status);
        for (const auto& f : opts.default_fields)
            res.insert(f.name, f.value);
        for (auto& f : fields)
            res.insert(f.name, f.value);
        res.content_length(content_length);
        res.keep_alive(keep_alive);
        bhttp::response_serializer<bhttp::empty_body> sr{res};
        stream.expires_after(opts.io_timeout);
        co_await bhttp::async_write_header(stream, sr, asio::use_awaitable);
    }

    asio::awaitable<void> write(std::string_view chunk) override {
        if (!began)
            throw std::logic_error("response_stream::write before begin");
        if (aborted)
            throw boost::system::system_error(asio::error::connection_aborted);
        stream.expires_after(opts.io_timeout);
        co_await asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()),
                                   asio::use_awaitable);
        written += chunk.size();
    }

    void abort() override {
        aborted = true;
        close();
    }

    void close() {
        boost::system::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream.socket().close(ec);
    }

    void reset_stream_state() {
        began = false;
        aborted = false;
        announced = 0;
        written = 0;
    }

    beast::tcp_stream stream;
    const server_options& opts;
    bool busy = false;
    bool keep_alive = true;
    bool began = false;
    bool aborted = false;
    std::size_t announced = 0;
    std::size_t written = 0;
};

struct server::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor e, handler hd, server_options o)
        : ex(std::move(e)), h(std::move(hd)), opts(std::move(o)), acceptor(ex) {}

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        asio::steady_timer backoff(ex);
        while (!stopped) {
            auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
            if (stopped)
                co_return;
            if (ec) {
                if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
                    co_return;
                }
                // Out of descriptors or a transient failure: pause briefly instead of spinning.
                backoff.expires_after(std::chrono::milliseconds(20));
                co_await backoff.async_wait(use_tuple);
                continue;
            }
            boost::system::error_code ignored;
            sock.set_option(tcp::no_delay(true), ignored);
            auto c = std::make_shared<connection>(std::move(sock), opts);
            conns.insert(c.get());
            asio::co_spawn(ex, serve(self, c), asio::detached);
        }
    }

    static asio::awaitable<void> write_simple(connection& c, unsigned status, std::string body) {
        bhttp::response<bhttp::string_body> res;
        res.version(11);
        res.result(status);
        for (const auto& f : c.opts.default_fields)
            res.insert(f.name, f.value);
        if (c.opts.error_responder) {
            server_response shaped = c.opts.error_responder(status, body);
            for (const auto& f : shaped.fields)
                res.insert(f.name, f.value);
            body = std::move(shaped.body);
        } else {
            res.set(bhttp::field::content_type, "text/plain");
        }
        res.keep_alive(false);
        res.body() = std::move(body);
        res.prepare_payload();
        c.stream.expires_after(c.opts.io_timeout);
        co_await bhttp::async_write(c.stream, res, use_tuple);
    }

    // After an early error answer (413) the client may still be sending its body; closing at
    // once would reset the connection and lose the answer. Read and discard for a while.
    static asio::awaitable<void> drain(connection& c) {
        boost::system::error_code ec;
        c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        std::vector<char> sink(std::size_t{64} * 1024);
        std::size_t total = 0;
        c.stream.expires_after(std::chrono::seconds(5));
        while (total < (1u << 30)) {
            auto [rec, n] = co_await c.stream.async_read_some(asio::buffer(sink), use_tuple);
            if (rec)
                break;
            total += n;
        }
    }

    static asio::awaitable<void> serve(std::shared_ptr<impl> self, std::shared_ptr<connection> c) {
        try {
            co_await self->serve_requests(*c);
        } catch (const std::exception&) {
            // A peer gone mid-write, a timeout: the connection just ends.
        }
        c->close();
        self->conns.erase(c.get());
    }

    asio::awaitable<void> serve_requests(connection& c) {
        beast::flat_buffer buffer;
        while (!stopped) {
            request_parser parser;
            parser.body_limit(opts.max_body_size);
            parser.header_limit(static_cast<std::uint32_t>(opts.max_header_size));
            c.busy = false;
            if (!co_await read_request_head(c, buffer, parser)) {
                co_return;
            }
            c.busy = true;
            auto& head = parser.get();
            std::string target(head.target().data(), head.target().size());
            if (!co_await accept_request_head(c, parser, target.size())) {
                co_return;
            }
            auto body = co_await read_request_body(c, buffer, parser);
            if (!body) {
                co_return;
            }
            auto msg = parser.release();
            server_request req;
            req.method = std::string(msg.method_string());
            bool target_ok = req.set_target(std::move(target));
            req.headers.reserve(16);
            for (const auto& f : msg) {
                req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            }
            req.body = std::move(*body);
            const auto enc = msg[bhttp::field::content_encoding];
            if (target_ok && !inflate_request(req, enc)) {
                const std::string message = "request body is not valid " + std::string(enc) +
                                            " or inflates beyond the body limit\n";
                co_await write_simple(c, 400, message);
                co_return;
            }
            req.stream_ = &c;
            c.keep_alive = msg.keep_alive();
            c.reset_stream_state();
            bool is_head = msg.method() == bhttp::verb::head;
            bool gzip_ok = opts.gzip_responses && accepts_gzip(std::string_view(
                                                      msg[bhttp::field::accept_encoding].data(),
                                                      msg[bhttp::field::accept_encoding].size()));

            // Lives to the end of this iteration, so res.until_sent is released only after the
            // answer has been written (or the write has failed).
            server_response res;
            if (!co_await answer(c, req, target_ok, res)) {
                co_return;
            }
            if (res.status == 0) {
                if (!c.began || c.aborted || c.written != c.announced || !c.keep_alive)
                    co_return;
                continue;
            }
            bool keep = c.keep_alive && !stopped;
            co_await write_response(c, res, is_head, gzip_ok, keep);
            if (!keep)
                co_return;
        }
    }

    // The steps of serve_requests; those returning false end the connection.
    using request_parser = bhttp::request_parser<bhttp::string_body>;

    asio::awaitable<bool> read_request_head(connection& c, beast::flat_buffer& buffer,
                                            request_parser& parser) {
        c.stream.expires_after(opts.idle_timeout);
        auto [ec, n] = co_await bhttp::async_read_header(c.stream, buffer, parser, use_tuple);
        if (!ec) {
            co_return true;
        }
        if (ec == bhttp::error::body_limit) {
            // Beast checks Content-Length against the limit while reading the header.
            co_await refuse_large_body(c);
        } else if (ec == bhttp::error::header_limit) {
            co_await write_simple(c, 431, "request header fields too large\n");
        } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::operation_aborted && ec != beast::error::timeout &&
                   ec != asio::error::connection_reset && ec != asio::error::bad_descriptor) {
            const std::string message = "bad request: " + ec.message() + "\n";
            co_await write_simple(c, 400, message);
        }
        co_return false;
    }

    // The limits a request head must keep, then `100 Continue` when the client waits for it.
    asio::awaitable<bool> accept_request_head(connection& c, request_parser& parser,
                                              std::size_t target_size) {
        if (opts.max_target_size != 0 && target_size > opts.max_target_size) {
            co_await write_simple(c, 414, "request-target too long\n");
            co_return false;
        }
        if (auto cl = parser.content_length(); cl && *cl > opts.max_body_size) {
            co_await refuse_large_body(c);
            co_return false;
        }
        auto expect = parser.get()[bhttp::field::expect];
        if (expect.size() == 12 && (expect[0] == '1')) {  // "100-continue"
            static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
            c.stream.expires_after(opts.io_timeout);
            co_await asio::async_write(c.stream, asio::buffer(cont.data(), cont.size()),
                                       asio::use_awaitable);
        }
        co_return true;
    }

    asio::awaitable<void> refuse_large_body(connection& c) {
        const std::string message =
            "request body exceeds " + std::to_string(opts.max_body_size) + " bytes\n";
        co_await write_simple(c, 413, message);
        co_await drain(c);
    }

    // The request's body; nullopt when it could not be read.
    asio::awaitable<std::optional<std::string>> read_request_body(connection& c,
                                                                  beast::flat_buffer& buffer,
                                                                  request_parser& parser) {
        // A large body of known length is read straight into its final string: Beast's
        // parser would read it into the buffer first and then copy it.
        if (auto cl = parser.content_length();
            !parser.is_done() && !parser.chunked() && cl && *cl >= std::uint64_t{64} * 1024) {
            std::string direct_body;
            auto length = static_cast<std::size_t>(*cl);
            direct_body.resize(length);
            std::size_t have = std::min(buffer.size(), length);
            asio::buffer_copy(asio::buffer(direct_body.data(), have), buffer.data());
            buffer.consume(have);
            if (have < length) {
                c.stream.expires_after(opts.io_timeout);
                auto [ec2, n2] = co_await asio::async_read(
                    c.stream, asio::buffer(direct_body.data() + have, length - have), use_tuple);
                if (ec2)
                    co_return std::nullopt;
            }
            co_return direct_body;
        }
        if (!parser.is_done()) {
            c.stream.expires_after(opts.io_timeout);
            auto [ec2, n2] = co_await bhttp::async_read(c.stream, buffer, parser, use_tuple);
            if (ec2 == bhttp::error::body_limit) {
                co_await refuse_large_body(c);
                co_return std::nullopt;
            }
            if (ec2)
                co_return std::nullopt;
        }
        co_return std::move(parser.get().body());
    }

    // A gzip or deflate body inflated in place (its Content-Encoding then dropped); false when
    // it is not valid or inflates beyond the body limit.
    bool inflate_request(server_request& req, beast::string_view enc) const {
        if ((enc != "gzip" && enc != "deflate") || req.body.empty()) {
            return true;
        }
        std::string inflated;
        if (!inflate_body(req.body, opts.max_body_size, inflated)) {
            return false;
        }
        req.body = std::move(inflated);
        std::erase_if(req.headers, [](const auto& h) {
            return h.first.size() == 16 && (h.first[0] == 'C' || h.first[0] == 'c') &&
                   (h.first.substr(8) == "Encoding" || h.first.substr(8) == "encoding");
        });
        return true;
    }

    // The handler's answer into `res`; false when it failed mid-stream (nothing sensible left
    // to send).
    asio::awaitable<bool> answer(connection& c, server_request& req, bool target_ok,
                                 server_response& res) {
        if (!target_ok) {
            res.status = 400;
            res.body = "bad request-target\n";
            co_return true;
        }
        try {
            res = co_await h(req);
        } catch (const std::exception& e) {
            if (c.began)
                co_return false;
            res = server_response{};
            res.status = 500;
            res.fields = {{"Content-Type", "text/plain"}};
            res.body = std::string("internal error: ") + e.what() + "\n";
        }
        co_return true;
    }

    template <class Body>
    void start_response(bhttp::response<Body>& out, const server_response& res) const {
        out.version(11);
        out.result(res.status);
        for (const auto& f : opts.default_fields)
            out.insert(f.name, f.value);
        for (const auto& f : res.fields)
            out.insert(f.name, f.value);
    }

    asio::awaitable<void> write_response(connection& c, server_response& res, bool is_head,
                                         bool gzip_ok, bool keep) {
        if (is_head) {
            bhttp::response<bhttp::empty_body> out;
            start_response(out, res);
            out.content_length(res.body.size());
            out.keep_alive(keep);
            bhttp::response_serializer<bhttp::empty_body> sr{out};
            c.stream.expires_after(opts.io_timeout);
            co_await bhttp::async_write_header(c.stream, sr, asio::use_awaitable);
            co_return;
        }
        bhttp::response<bhttp::string_body> out;
        start_response(out, res);
        if (gzip_ok && res.allow_gzip && res.body.size() > gzip_threshold &&
            out.find(bhttp::field::content_encoding) == out.end()) {
            out.body() = gzip(res.body);
            out.set(bhttp::field::content_encoding, "gzip");
            out.set(bhttp::field::vary, "Accept-Encoding");
        } else {
            out.body() = std::move(res.body);
        }
        out.keep_alive(keep);
        out.prepare_payload();
        c.stream.expires_after(opts.io_timeout);
        co_await bhttp::async_write(c.stream, out, asio::use_awaitable);
    }

    void do_stop() {
        if (stopped)
            return;
        stopped = true;
        boost::system::error_code ec;
        acceptor.close(ec);
        for (auto* c : conns) {
            // Busy connections finish their current response and then see `stopped`.
            if (!c->busy)
                c->close();
        }
    }

    asio::any_io_executor ex;
    handler h;
    server_options opts;
    tcp::acceptor acceptor;
    bool stopped = false;
    std::unordered_set<connection*> conns;
};

server::server(asio::any_io_executor ex, handler h, server_options opts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(h), std::move(opts))) {}

server::~server() {
    // Coroutines hold the impl alive; make them finish promptly.
    auto i = impl_;
    asio::dispatch(i->ex, [i] { i->do_stop(); });
}

std::uint16_t server::listen(const std::string& address, std::uint16_t port) {
    tcp::endpoint ep(asio::ip::make_address(address), port);
    auto& a = impl_->acceptor;
    a.open(ep.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
    return a.local_endpoint().port();
}

void server::start() {
    auto i = impl_;
    asio::co_spawn(
        i->ex, [i]() { return i->accept_loop(); }, asio::detached);
}

void server::stop() {
    auto i = impl_;
    asio::dispatch(i->ex, [i] { i->do_stop(); });
}

std::size_t server::connection_count() const noexcept {
    return impl_->conns.size();
}

}  // namespace casio::http
