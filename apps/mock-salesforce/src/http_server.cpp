#include "http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/server.hpp>

namespace casio::mock_sf {

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

boost::asio::awaitable<void> pause(boost::asio::any_io_executor ex, std::chrono::milliseconds d) {
    if (d.count() <= 0) {
        co_return;
    }
    boost::asio::steady_timer timer(ex, d);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

boost::asio::awaitable<void> stream_file(boost::asio::any_io_executor ex, http::response_stream& s,
                                         const service_response& res, const fault_options& f) {
    const auto& file = *res.file;
    http::header_list fields;
    for (const auto& [k, v] : res.headers) {
        fields.push_back({k, v});
    }
    co_await s.begin(res.status, std::move(fields), static_cast<std::size_t>(file.size));
    const std::uint64_t cut = f.truncate_downloads_at.value_or(file.size);
    std::string chunk;
    for (std::uint64_t off = 0; off < file.size; off += chunk_size) {
        if (off >= cut) {
            s.abort();
            co_return;
        }
        chunk.clear();
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, cut - off));
        file.read(off, n, chunk);
        co_await s.write(chunk);
        if (off + n >= cut && cut < file.size) {
            s.abort();
            co_return;
        }
        co_await pause(ex, f.download_chunk_delay);
    }
}

}  // namespace

http_server::http_server(boost::asio::any_io_executor ex, service& svc) : ex_(ex), svc_(&svc) {
    http::server_options opts;
    // The service answers over-long URIs itself with Salesforce's HTML 414 page.
    opts.max_target_size = 0;
    opts.max_body_size = 16 * 1024 * 1024;
    server_ = std::make_unique<http::server>(
        ex,
        [this](http::server_request& req) -> boost::asio::awaitable<http::server_response> {
            service_request sr;
            sr.method = req.method;
            sr.target = req.target;
            sr.headers = req.headers;
            sr.body = std::move(req.body);
            service_response res = svc_->handle(sr);
            co_await pause(ex_, res.delay);
            if (res.drop) {
                // Not begun: the server closes the connection and the client gets no answer.
                req.stream().abort();
                http::server_response none;
                none.status = 0;
                co_return none;
            }
            if (res.file) {
                co_await stream_file(ex_, req.stream(), res, svc_->options().faults);
                http::server_response none;
                none.status = 0;
                co_return none;
            }
            http::server_response out;
            out.status = res.status;
            for (auto& [k, v] : res.headers) {
                out.fields.push_back({std::move(k), std::move(v)});
            }
            out.body = std::move(res.body);
            co_return out;
        },
        opts);
}

http_server::~http_server() = default;

std::uint16_t http_server::listen(const std::string& address, std::uint16_t port) {
    return server_->listen(address, port);
}

void http_server::start() {
    server_->start();
}

void http_server::stop() {
    server_->stop();
}

}  // namespace casio::mock_sf
