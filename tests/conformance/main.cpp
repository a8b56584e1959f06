// es-conformance: replays recorded Elasticsearch exchanges (tests/conformance/es/*.yml) and
// reports every answer that differs from the recording.
//
//   es-conformance --in-process FILE...        mock-elasticsearch's service, a new one per test
//   es-conformance --spawn BINARY FILE...      the mock-elasticsearch binary, a new process per
//                                              test, on a port the OS chooses
//   es-conformance --url http://HOST:PORT [--header "Name: value"]... FILE...
//                                              a running cluster (plain HTTP); each file's
//                                              teardown cleans up after every test
// Exit status: 0 when every test passed, 1 when one failed, 2 on a usage or file error.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include "runner.hpp"
#include "service.hpp"
#include "support/child_process.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using casio::conformance::request;
using casio::conformance::response;

constexpr const char* usage =
    "usage: es-conformance (--in-process | --spawn BINARY | --url http://HOST:PORT\n"
    "                       [--header \"Name: value\"]...) FILE...\n";

// One keep-alive HTTP/1.1 connection, reopened when the server closes it.
class http_connection {
  public:
    http_connection(std::string host, std::string port)
        : host_(std::move(host)), port_(std::move(port)) {}

    response send(const request& r, const std::vector<std::pair<std::string, std::string>>& extra) {
        for (int attempt = 0;; ++attempt) {
            try {
                return exchange(r, extra);
            } catch (const boost::system::system_error&) {
                stream_.reset();  // a closed keep-alive connection: once more on a new one
                if (attempt == 1)
                    throw;
            }
        }
    }

  private:
    response exchange(const request& r,
                      const std::vector<std::pair<std::string, std::string>>& extra) {
        if (!stream_) {
            stream_ = std::make_unique<beast::tcp_stream>(ioc_);
            asio::ip::tcp::resolver resolver(ioc_);
            stream_->expires_after(std::chrono::seconds(30));
            stream_->connect(resolver.resolve(host_, port_));
        }
        bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(r.method), r.target, 11};
        req.set(bhttp::field::host, host_);
        for (const auto& [k, v] : extra)
            req.set(k, v);
        for (const auto& [k, v] : r.headers)
            req.set(k, v);
        req.body() = r.body;
        req.prepare_payload();
        stream_->expires_after(std::chrono::seconds(30));
        bhttp::write(*stream_, req);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (req.method() == bhttp::verb::head)
            parser.skip(true);
        bhttp::read(*stream_, buffer_, parser);
        auto res = parser.release();
        if (!res.keep_alive())
            stream_.reset();
        return {res.result_int(), std::move(res.body())};
    }

    std::string host_;
    std::string port_;
    asio::io_context ioc_;
    std::unique_ptr<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

response in_process(casio::mock_es::service& svc, const request& r) {
    auto req = casio::http::server_request::make(r.method, r.target, r.body, r.headers);
    auto res = svc.handle(req);
    return {res.status, std::move(res.body)};
}

}  // namespace

int main(int argc, char** argv) {
    enum class mode { none, in_process, spawn, url } m = mode::none;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if (a == "--in-process") {
            m = mode::in_process;
        } else if (a == "--spawn" && has_value) {
            m = mode::spawn;
            target = argv[++i];
        } else if (a == "--url" && has_value) {
            m = mode::url;
            target = argv[++i];
        } else if (a == "--header" && has_value) {
            std::string h = argv[++i];
            auto colon = h.find(':');
            if (colon == std::string::npos) {
                std::cerr << "es-conformance: --header needs \"Name: value\", got [" << h << "]\n";
                return 2;
            }
            std::size_t v = h.find_first_not_of(' ', colon + 1);
            headers.emplace_back(h.substr(0, colon),
                                 v == std::string::npos ? std::string() : h.substr(v));
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "es-conformance: unknown option " << a << "\n" << usage;
            return 2;
        } else {
            files.push_back(a);
        }
    }
    if (m == mode::none || files.empty()) {
        std::cerr << usage;
        return 2;
    }
    std::string url_host, url_port;
    if (m == mode::url) {
        auto u = boost::urls::parse_uri(target);
        if (!u || u->scheme() != "http" || u->host().empty()) {
            std::cerr << "es-conformance: --url must be http://HOST:PORT, got [" << target << "]\n";
            return 2;
        }
        url_host = u->host();
        url_port = u->has_port() ? std::string(u->port()) : "9200";
    }

    std::vector<casio::conformance::suite> suites;
    try {
        for (const auto& f : files)
            suites.push_back(casio::conformance::suite::load(f));
    } catch (const std::exception& e) {
        std::cerr << "es-conformance: " << e.what() << "\n";
        return 2;
    }

    std::unique_ptr<http_connection> shared;
    if (m == mode::url)
        shared = std::make_unique<http_connection>(url_host, url_port);

    std::size_t passed = 0, failed = 0;
    for (const auto& s : suites) {
        for (const auto& name : s.test_names()) {
            casio::conformance::test_result result;
            try {
                if (m == mode::in_process) {
                    casio::mock_es::service svc;
                    result = s.run(name, [&](const request& r) { return in_process(svc, r); });
                } else if (m == mode::spawn) {
                    auto proc = casio::test::child_process::start_server(target, {"--port", "0"});
                    http_connection conn("127.0.0.1", std::to_string(proc.port()));
                    result = s.run(name, [&](const request& r) { return conn.send(r, headers); });
                } else {
                    result =
                        s.run(name, [&](const request& r) { return shared->send(r, headers); });
                }
            } catch (const std::exception& e) {
                result.name = name;
                result.failures.push_back(e.what());
            }
            if (result.failures.empty()) {
                ++passed;
                std::cout << "ok    " << s.file_name() << ": " << name << "\n";
            } else {
                ++failed;
                std::cout << "FAIL  " << s.file_name() << ": " << name << "\n";
                for (const auto& f : result.failures)
                    std::cout << "      " << f << "\n";
            }
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}
