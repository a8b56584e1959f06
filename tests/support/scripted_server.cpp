#include "support/scripted_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <list>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <casio/core/text.hpp>

namespace casio::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {}  // namespace

// ---------------------------------------------------------------------------------------------

std::string_view scripted_request::method() const {
    std::string_view h(head);
    return h.substr(0, h.find(' '));
}

std::string_view scripted_request::target() const {
    std::string_view h(head);
    auto start = h.find(' ') + 1;
    return h.substr(start, h.find(' ', start) - start);
}

std::optional<std::string> scripted_request::header(std::string_view name) const {
    std::string wanted = core::to_lower(name);
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        std::size_t start = pos + 2;
        std::size_t end = head.find("\r\n", start);
        std::string_view line(head.data() + start,
                              (end == std::string::npos ? head.size() : end) - start);
        auto colon = line.find(':');
        if (colon != std::string_view::npos && core::to_lower(line.substr(0, colon)) == wanted) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
            return std::string(value);
        }
        pos = end;
    }
    return std::nullopt;
}

scripted_reply http_reply(unsigned status, std::string_view body,
                          const std::vector<std::string>& fields) {
    std::string bytes = "HTTP/1.1 " + std::to_string(status) + " Scripted\r\n";
    for (const auto& f : fields) {
        bytes += f;
        bytes += "\r\n";
    }
    bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    bytes += body;
    return scripted_reply{std::move(bytes)};
}

// ---------------------------------------------------------------------------------------------

tls_identity::tls_identity(std::string_view subject_alt_names, std::string_view common_name) {
    const std::string san(subject_alt_names);
    const std::string cn(common_name);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    if (!key || !cert) {
        throw std::runtime_error("cannot create a test key");
    }
    X509_set_version(cert, 2);
    static std::atomic<long> serial{1};
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_subject_key_identifier, "hash"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) {
            throw std::runtime_error("cannot build a test certificate extension");
        }
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert, key, EVP_sha256()) == 0) {
        throw std::runtime_error("cannot sign the test certificate");
    }
    auto to_pem = [](auto write) {
        BIO* bio = BIO_new(BIO_s_mem());
        write(bio);
        char* data = nullptr;
        long size = BIO_get_mem_data(bio, &data);
        std::string pem(data, static_cast<std::size_t>(size));
        BIO_free(bio);
        return pem;
    };
    cert_pem_ = to_pem([&](BIO* b) { PEM_write_bio_X509(b, cert); });
    key_pem_ = to_pem(
        [&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
    X509_free(cert);
    EVP_PKEY_free(key);

    static std::atomic<int> counter{0};
    cert_file_ =
        (std::filesystem::temp_directory_path() / ("casio-test-cert-" + std::to_string(::getpid()) +
                                                   "-" + std::to_string(counter++) + ".pem"))
            .string();
    std::ofstream(cert_file_) << cert_pem_;
}

tls_identity::~tls_identity() {
    std::error_code ec;
    std::filesystem::remove(cert_file_, ec);
}

// ---------------------------------------------------------------------------------------------

struct scripted_server::state : std::enable_shared_from_this<state> {
    state(net::any_io_executor ex, script s, const tls_identity* tls)
        : acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
          run_script(std::move(s)),
          tls_ctx(net::ssl::context::tls_server),
          use_tls(tls != nullptr) {
        if (tls) {
            tls_ctx.use_certificate_chain(net::buffer(tls->cert_pem()));
            tls_ctx.use_private_key(net::buffer(tls->key_pem()), net::ssl::context::pem);
        }
    }

    tcp::acceptor acceptor;
    script run_script;
    net::ssl::context tls_ctx;
    bool use_tls;
    bool stopped = false;
    std::size_t accepted = 0;
    std::size_t open = 0;
    std::size_t max_open = 0;
    std::size_t closed_by_peer = 0;
    std::vector<scripted_request> requests;
    std::list<tcp::socket*> sockets;

    net::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
            if (ec || stopped) {
                co_return;
            }
            ++accepted;
            net::co_spawn(acceptor.get_executor(), session(std::move(socket), accepted),
                          net::detached);
        }
    }

    net::awaitable<void> session(tcp::socket socket, std::size_t id) {
        auto self = shared_from_this();
        ++open;
        max_open = std::max(max_open, open);
        try {
            if (use_tls) {
                net::ssl::stream<tcp::socket> stream(std::move(socket), tls_ctx);
                auto it = sockets.insert(sockets.end(), &stream.next_layer());
                try {
                    co_await stream.async_handshake(net::ssl::stream_base::server,
                                                    net::use_awaitable);
                    const char* sni =
                        SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
                    co_await serve(stream, stream.next_layer(), id, sni ? sni : "");
                } catch (...) {
                }
                sockets.erase(it);
            } else {
                auto it = sockets.insert(sockets.end(), &socket);
                try {
                    co_await serve(socket, socket, id, "");
                } catch (...) {
                }
                sockets.erase(it);
            }
        } catch (...) {
        }
        --open;
    }

    // The first trickle_from bytes at once, then the rest piece by piece (a slow peer).
    template <class Stream>
    static net::awaitable<void> send_slowly(Stream& stream, const scripted_reply& reply,
                                            std::size_t to_send) {
        if (reply.trickle_from > 0) {
            co_await net::async_write(stream, net::buffer(reply.bytes.data(), reply.trickle_from),
                                      net::use_awaitable);
        }
        net::steady_timer pace(co_await net::this_coro::executor);
        for (std::size_t at = reply.trickle_from; at < to_send; at += reply.trickle_bytes) {
            pace.expires_after(reply.trickle_every);
            co_await pace.async_wait(net::use_awaitable);
            const std::size_t n = std::min(reply.trickle_bytes, to_send - at);
            co_await net::async_write(stream, net::buffer(reply.bytes.data() + at, n),
                                      net::use_awaitable);
        }
    }

    template <class Stream>
    net::awaitable<void> serve(Stream& stream, tcp::socket& raw, std::size_t id,
                               std::string server_name) {
        std::string buffer;
        for (std::size_t index = 1;; ++index) {
            auto [ec, head_size] = co_await net::async_read_until(
                stream, net::dynamic_buffer(buffer), "\r\n\r\n", net::as_tuple(net::use_awaitable));
            if (ec) {
                if (!stopped) {
                    ++closed_by_peer;
                }
                co_return;
            }
            scripted_request req;
            req.connection = id;
            req.index = index;
            req.server_name = server_name;
            req.head = buffer.substr(0, head_size - 4);
            buffer.erase(0, head_size);
            std::size_t length = 0;
            if (auto cl = req.header("content-length")) {
                length = std::stoul(*cl);
            }
            if (buffer.size() < length) {
                std::size_t missing = length - buffer.size();
                std::size_t old = buffer.size();
                buffer.resize(length);
                co_await net::async_read(stream, net::buffer(buffer.data() + old, missing),
                                         net::use_awaitable);
            }
            req.body = buffer.substr(0, length);
            buffer.erase(0, length);
            requests.push_back(req);
            scripted_reply reply = run_script(req);

            std::size_t to_send = reply.bytes.size();
            if (reply.close_after) {
                to_send = std::min(to_send, *reply.close_after);
            }
            if (reply.trickle_bytes > 0 && to_send > reply.trickle_from) {
                co_await send_slowly(stream, reply, to_send);
            } else if (to_send > 0) {
                co_await net::async_write(stream, net::buffer(reply.bytes.data(), to_send),
                                          net::use_awaitable);
            }
            if (reply.stall) {
                char byte;
                auto [read_ec, n] = co_await net::async_read(stream, net::buffer(&byte, 1),
                                                             net::as_tuple(net::use_awaitable));
                if (read_ec && !stopped) {
                    ++closed_by_peer;
                }
                co_return;
            }
            if (reply.close_after || reply.close) {
                boost::system::error_code ignored;
                raw.shutdown(tcp::socket::shutdown_both, ignored);
                raw.close(ignored);
                co_return;
            }
        }
    }

    void stop() {
        stopped = true;
        boost::system::error_code ignored;
        acceptor.close(ignored);
        for (auto* s : sockets) {
            s->close(ignored);
        }
    }
};

scripted_server::scripted_server(net::any_io_executor ex, script s, const tls_identity* tls)
    : state_(std::make_shared<state>(ex, std::move(s), tls)) {
    net::co_spawn(ex, state_->accept_loop(), net::detached);
}

scripted_server::~scripted_server() {
    state_->stop();
}

std::uint16_t scripted_server::port() const {
    return state_->acceptor.local_endpoint().port();
}

std::string scripted_server::url(std::string_view path) const {
    return std::string(state_->use_tls ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::size_t scripted_server::accepted() const {
    return state_->accepted;
}
std::size_t scripted_server::open() const {
    return state_->open;
}
std::size_t scripted_server::max_open() const {
    return state_->max_open;
}
std::size_t scripted_server::closed_by_peer() const {
    return state_->closed_by_peer;
}
std::vector<scripted_request> scripted_server::requests() const {
    return state_->requests;
}
void scripted_server::stop() {
    state_->stop();
}

// ---------------------------------------------------------------------------------------------

struct blackhole_listener::state {
    explicit state(net::any_io_executor ex) : acceptor(ex), filler(ex) {
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.bind(ep);
        acceptor.listen(0);  // backlog 0: one pending connection fills the accept queue
        filler.connect(acceptor.local_endpoint());
    }
    tcp::acceptor acceptor;
    tcp::socket filler;  // never accepted: keeps the queue full so later SYNs are dropped
};

blackhole_listener::blackhole_listener(net::any_io_executor ex)
    : state_(std::make_unique<state>(std::move(ex))) {}

blackhole_listener::~blackhole_listener() = default;

std::uint16_t blackhole_listener::port() const {
    return state_->acceptor.local_endpoint().port();
}

}  // namespace casio::test
