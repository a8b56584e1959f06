// hostile-proxy: an HTTP/1.1 proxy for tests that stands between connectors-asio and
// mock-salesforce and misbehaves on chosen requests the way real peers and networks do:
// answers held open or trickled byte by byte, bodies cut short, connections refused, 429s with
// Retry-After, and query pages that lie (a record without Id, an id twice, fewer records than
// totalSize says, a nextRecordsUrl pointing back to a page already read).
//
//   hostile-proxy --upstream http://127.0.0.1:PORT [--port 0] [--host 127.0.0.1]
//                 [--tls-cert FILE --tls-key FILE]
//
// With a certificate and its key (PEM) it serves HTTPS, a TLS front for mock-salesforce.
// Prints "listening on http(s)://HOST:PORT" when ready. Rules are set at run time:
//   POST   /__proxy/rules   a JSON array of rules (replaces the rules in force)
//   DELETE /__proxy/rules   no rule: every request passes unchanged
//   GET    /__proxy/stats   {"requests": N, "applied": [count of each rule]}
// A rule: {"match": "<substring of the request target>", "skip": N (matching requests let
// through first, default 0), "times": K (requests it applies to, default every one),
// "action": A, ...}. Actions and their parameters:
//   pass              forwarded unchanged (to count requests of a kind)
//   status            "status", "headers" {name: value}, "body": answered without upstream
//   refuse            the connection is closed without an answer
//   hold              "ms" (0: until the client gives up): nothing is sent for that long
//   slow              "bytes_per_second": the answer's body is trickled
//   truncate          "keep_bytes": the full Content-Length is announced, fewer bytes sent
//   drop_id           "record" (default 0): that record of the page loses its Id
//   duplicate_record  "record" (default 0): the record after it is replaced by a copy of it
//                     (an id twice, another missing, the count unchanged)
//   short_page        "count" (default 1): the page's last records are left out
//   loop_locator      nextRecordsUrl points to the page just read (done: false)
// Requests are forwarded one by one on a fresh upstream connection, without Accept-Encoding,
// so bodies can be edited; the upstream's origin in answers is replaced by the proxy's.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

namespace {

struct rule {
    std::string match;
    std::int64_t skip = 0;
    std::int64_t times = -1;  // -1: every matching request
    std::string action;
    json::object params;
    std::int64_t seen = 0;
    std::int64_t applied = 0;
};

struct proxy_state {
    std::string upstream_host;
    std::string upstream_port;
    std::string upstream_origin;  // http://host:port
    std::string own_origin;
    std::vector<rule> rules;
    std::int64_t requests = 0;
    std::unique_ptr<asio::ssl::context> tls;  // HTTPS towards the client when set
};

std::int64_t int_param(const json::object& o, std::string_view key, std::int64_t fallback) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_int64()) {
        throw std::invalid_argument("rule member '" + std::string(key) + "' must be an integer");
    }
    return v->as_int64();
}

std::vector<rule> parse_rules(std::string_view body) {
    const json::value v = json::parse(body);
    if (!v.is_array()) {
        throw std::invalid_argument("rules must be a JSON array");
    }
    std::vector<rule> out;
    for (const auto& item : v.as_array()) {
        if (!item.is_object()) {
            throw std::invalid_argument("a rule must be a JSON object");
        }
        const auto& o = item.as_object();
        rule r;
        if (const auto* m = o.if_contains("match"); m && m->is_string()) {
            r.match = m->as_string();
        }
        const auto* a = o.if_contains("action");
        if (a == nullptr || !a->is_string()) {
            throw std::invalid_argument("a rule needs an \"action\" string");
        }
        r.action = a->as_string();
        static const std::vector<std::string_view> known = {
            "pass",    "status",     "refuse",           "hold",        "slow", "truncate",
            "drop_id", "short_page", "duplicate_record", "loop_locator"};
        if (std::find(known.begin(), known.end(), r.action) == known.end()) {
            throw std::invalid_argument("unknown action '" + r.action + "'");
        }
        r.skip = int_param(o, "skip", 0);
        r.times = int_param(o, "times", -1);
        r.params = o;
        out.push_back(std::move(r));
    }
    return out;
}

// The first rule that matches this target and is due; counts what it sees.
rule* pick_rule(proxy_state& st, std::string_view target) {
    for (auto& r : st.rules) {
        if (target.find(r.match) == std::string_view::npos) {
            continue;
        }
        ++r.seen;
        if (r.seen <= r.skip || (r.times >= 0 && r.applied >= r.times)) {
            continue;
        }
        ++r.applied;
        return &r;
    }
    return nullptr;
}

response json_answer(unsigned status, std::string body) {
    response res{static_cast<bhttp::status>(status), 11};
    res.set(bhttp::field::content_type, "application/json");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response admin(proxy_state& st, const request& req) {
    const std::string target(req.target());
    try {
        if (target == "/__proxy/rules" && req.method() == bhttp::verb::post) {
            st.rules = parse_rules(req.body());
            return json_answer(204, "");
        }
        if (target == "/__proxy/rules" && req.method() == bhttp::verb::delete_) {
            st.rules.clear();
            return json_answer(204, "");
        }
        if (target == "/__proxy/stats" && req.method() == bhttp::verb::get) {
            json::array applied;
            for (const auto& r : st.rules) {
                applied.push_back(r.applied);
            }
            return json_answer(200, json::serialize(json::object{{"requests", st.requests},
                                                                 {"applied", applied}}));
        }
    } catch (const std::exception& e) {
        return json_answer(400, json::serialize(json::object{{"error", e.what()}}));
    }
    return json_answer(404, R"({"error":"unknown admin call"})");
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) {
        return;
    }
    for (std::size_t pos = s.find(from); pos != std::string::npos;
         pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
}

// Edits a query page as the rule says; other answers are left alone.
void edit_page(const rule& r, std::string_view target, response& res) {
    json::value v;
    try {
        v = json::parse(res.body());
    } catch (const std::exception&) {
        return;
    }
    auto* page = v.if_object();
    if (page == nullptr) {
        return;
    }
    auto* records_value = page->if_contains("records");
    if (records_value == nullptr || !records_value->is_array()) {
        return;
    }
    auto& records = records_value->as_array();
    const auto index = static_cast<std::size_t>(int_param(r.params, "record", 0));
    if (r.action == "drop_id" && index < records.size() && records[index].is_object()) {
        records[index].as_object().erase("Id");
    } else if (r.action == "duplicate_record" && index + 1 < records.size()) {
        records[index + 1] = records[index];
    } else if (r.action == "short_page") {
        const auto count = static_cast<std::size_t>(int_param(r.params, "count", 1));
        records.resize(records.size() > count ? records.size() - count : 0);
    } else if (r.action == "loop_locator") {
        (*page)["nextRecordsUrl"] = std::string(target);
        (*page)["done"] = false;
    }
    res.body() = json::serialize(v);
}

asio::awaitable<response> forward(proxy_state& st, request req) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    beast::tcp_stream upstream(ex);
    const auto endpoints =
        co_await resolver.async_resolve(st.upstream_host, st.upstream_port, asio::use_awaitable);
    upstream.expires_after(std::chrono::minutes(5));
    co_await upstream.async_connect(endpoints, asio::use_awaitable);
    req.erase(bhttp::field::accept_encoding);
    req.set(bhttp::field::host, st.upstream_host + ":" + st.upstream_port);
    req.keep_alive(false);
    req.prepare_payload();
    co_await bhttp::async_write(upstream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 31);
    if (req.method() == bhttp::verb::head) {
        parser.skip(true);
    }
    co_await bhttp::async_read(upstream, buffer, parser, asio::use_awaitable);
    response res = parser.release();
    beast::error_code ignored;
    upstream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    replace_all(res.body(), st.upstream_origin, st.own_origin);
    if (req.method() != bhttp::verb::head) {
        res.prepare_payload();
    }
    res.keep_alive(true);
    co_return res;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

// Sends the header as it is, then `body_bytes` of the body at `rate` bytes per second (0: at
// once).
template <class Stream>
asio::awaitable<void> send_paced(Stream& client, response& res, std::size_t body_bytes,
                                 std::int64_t rate) {
    bhttp::response_serializer<bhttp::string_body> sr(res);
    beast::get_lowest_layer(client).expires_never();
    co_await bhttp::async_write_header(client, sr, asio::use_awaitable);
    const std::string& body = res.body();
    const std::size_t n = std::min(body_bytes, body.size());
    if (rate <= 0) {
        co_await asio::async_write(client, asio::buffer(body.data(), n), asio::use_awaitable);
        co_return;
    }
    const auto step = static_cast<std::size_t>(rate);
    for (std::size_t at = 0; at < n; at += step) {
        const std::size_t len = std::min(step, n - at);
        co_await asio::async_write(client, asio::buffer(body.data() + at, len),
                                   asio::use_awaitable);
        if (at + len < n) {
            co_await sleep_for(std::chrono::seconds(1));
        }
    }
}

// Answers one request; false when the connection is to be closed.
template <class Stream>
asio::awaitable<bool> serve_one(proxy_state& st, Stream& client, request req) {
    const std::string target(req.target());
    if (target.starts_with("/__proxy/")) {
        response res = admin(st, req);
        co_await bhttp::async_write(client, res, asio::use_awaitable);
        co_return true;
    }
    ++st.requests;
    rule* r = pick_rule(st, target);
    const std::string action = r ? r->action : "";
    if (action == "refuse") {
        co_return false;
    }
    if (action == "status") {
        response res{static_cast<bhttp::status>(int_param(r->params, "status", 503)), 11};
        if (const auto* h = r->params.if_contains("headers"); h && h->is_object()) {
            for (const auto& [name, value] : h->as_object()) {
                if (value.is_string()) {
                    res.set(std::string(name), std::string(value.as_string()));
                }
            }
        }
        if (const auto* b = r->params.if_contains("body"); b && b->is_string()) {
            res.body() = std::string(b->as_string());
        }
        res.set(bhttp::field::content_type, "application/json");
        res.prepare_payload();
        co_await bhttp::async_write(client, res, asio::use_awaitable);
        co_return true;
    }
    if (action == "hold") {
        const auto ms = int_param(r->params, "ms", 0);
        co_await sleep_for(ms > 0 ? std::chrono::milliseconds(ms) : std::chrono::hours(24));
    }
    response res = co_await forward(st, std::move(req));
    if (r != nullptr && (action == "drop_id" || action == "duplicate_record" ||
                         action == "short_page" || action == "loop_locator")) {
        edit_page(*r, target, res);
        res.prepare_payload();
    }
    if (action == "slow") {
        co_await send_paced(client, res, res.body().size(),
                            std::max<std::int64_t>(1, int_param(r->params, "bytes_per_second", 1)));
        co_return true;
    }
    if (action == "truncate") {
        const auto keep = static_cast<std::size_t>(int_param(r->params, "keep_bytes", 0));
        co_await send_paced(client, res, keep, 0);
        co_return false;
    }
    co_await bhttp::async_write(client, res, asio::use_awaitable);
    co_return true;
}

template <class Stream>
asio::awaitable<void> serve_stream(proxy_state& st, Stream& client) {
    beast::flat_buffer buffer;
    try {
        for (;;) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.body_limit(1ull << 30);
            beast::get_lowest_layer(client).expires_never();
            co_await bhttp::async_read(client, buffer, parser, asio::use_awaitable);
            request req = parser.release();
            const bool client_keeps = req.keep_alive();
            const bool keep = co_await serve_one(st, client, std::move(req));
            if (!keep || !client_keeps) {
                break;
            }
        }
    } catch (const std::exception&) {
        // The client or the upstream went away: this connection ends.
    }
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(client).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::awaitable<void> serve_connection(proxy_state& st, tcp::socket socket) {
    if (!st.tls) {
        beast::tcp_stream client(std::move(socket));
        co_await serve_stream(st, client);
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> client(beast::tcp_stream(std::move(socket)), *st.tls);
    auto [ec] = co_await client.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (!ec) {  // else a client that does not trust the certificate: it hangs up
        co_await serve_stream(st, client);
    }
}

asio::awaitable<void> accept_loop(proxy_state& st, tcp::acceptor& acceptor) {
    for (;;) {
        tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), serve_connection(st, std::move(s)), asio::detached);
    }
}

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "hostile-proxy: " << why
              << "\nusage: hostile-proxy --upstream http://HOST:PORT [--port N] [--host ADDR]\n";
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    proxy_state st;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string tls_cert;
    std::string tls_key;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc) {
            usage("missing value for " + std::string(a));
        }
        const std::string_view v = argv[++i];
        if (a == "--upstream") {
            constexpr std::string_view scheme = "http://";
            if (!v.starts_with(scheme)) {
                usage("--upstream must be an http:// URL");
            }
            const auto hostport = v.substr(scheme.size());
            const auto colon = hostport.rfind(':');
            if (colon == std::string_view::npos) {
                usage("--upstream needs a port");
            }
            st.upstream_host = hostport.substr(0, colon);
            st.upstream_port = hostport.substr(colon + 1);
            while (!st.upstream_port.empty() && st.upstream_port.back() == '/') {
                st.upstream_port.pop_back();
            }
            st.upstream_origin = "http://" + st.upstream_host + ":" + st.upstream_port;
        } else if (a == "--port") {
            unsigned p = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
            if (ec != std::errc{} || end != v.data() + v.size() || p > 65535) {
                usage("invalid --port " + std::string(v));
            }
            port = static_cast<std::uint16_t>(p);
        } else if (a == "--host") {
            host = v;
        } else if (a == "--tls-cert") {
            tls_cert = v;
        } else if (a == "--tls-key") {
            tls_key = v;
        } else {
            usage("unknown flag " + std::string(a));
        }
    }
    if (st.upstream_host.empty()) {
        usage("--upstream is required");
    }
    if (tls_cert.empty() != tls_key.empty()) {
        usage("--tls-cert and --tls-key go together");
    }
    try {
        asio::io_context ioc(1);
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address(host), port));
        const auto bound = acceptor.local_endpoint().port();
        if (!tls_cert.empty()) {
            st.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
            st.tls->use_certificate_chain_file(tls_cert);
            st.tls->use_private_key_file(tls_key, asio::ssl::context::pem);
        }
        st.own_origin =
            std::string(st.tls ? "https://" : "http://") + host + ":" + std::to_string(bound);
        asio::co_spawn(ioc, accept_loop(st, acceptor), asio::detached);
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
        std::printf("listening on %s\n", st.own_origin.c_str());
        std::fflush(stdout);
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "hostile-proxy: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
