#include "http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/server.hpp>

#include "pacing.hpp"

namespace casio::mock_sf {

namespace {

constexpr std::size_t chunk_size = std::size_t{64} * 1024;

boost::asio::awaitable<void> pause(boost::asio::any_io_executor ex,
                                   std::chrono::steady_clock::duration d) {
    if (d <= std::chrono::steady_clock::duration::zero()) {
        co_return;
    }
    boost::asio::steady_timer timer(ex, d);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

// Waits until the link has carried `bytes` more (nothing when the bandwidth is unlimited).
boost::asio::awaitable<void> cross_link(boost::asio::any_io_executor ex, link_pacer& link,
                                        std::size_t bytes) {
    if (link.unlimited()) {
        co_return;
    }
    const auto now = link_pacer::clock::now();
    const auto at = link.schedule(bytes, now);
    if (at > now) {
        boost::asio::steady_timer timer(ex, at);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

boost::asio::awaitable<void> stream_file(boost::asio::any_io_executor ex, http::response_stream& s,
                                         const service_response& res, const fault_options& f,
                                         link_pacer& link) {
    const auto& file = *res.file;
    co_await s.begin(res.status, res.fields, static_cast<std::size_t>(file.size));
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
        co_await cross_link(ex, link, chunk.size());
        co_await s.write(chunk);
        if (off + n >= cut && cut < file.size) {
            s.abort();
            co_return;
        }
        co_await pause(ex, f.download_chunk_delay);
        link.idle(link_pacer::clock::now());
    }
}

// A body larger than one chunk on a limited link: sent in chunks, each when the link has
// carried it (the server's gzip applies only to bodies sent whole, so this one goes as is).
boost::asio::awaitable<void> stream_body(boost::asio::any_io_executor ex, http::response_stream& s,
                                         const service_response& res, link_pacer& link) {
    co_await s.begin(res.status, res.fields, res.body.size());
    const std::string_view body = res.body;
    for (std::size_t off = 0; off < body.size(); off += chunk_size) {
        const auto chunk = body.substr(off, chunk_size);
        co_await cross_link(ex, link, chunk.size());
        co_await s.write(chunk);
    }
}

}  // namespace

http_server::http_server(const boost::asio::any_io_executor& ex, service& svc)
    : ex_(ex), svc_(&svc) {
    http::server_options opts;
    // The service answers over-long URIs itself with Salesforce's HTML 414 page.
    opts.max_target_size = 0;
    opts.max_body_size = std::size_t{16} * 1024 * 1024;
    server_ = std::make_unique<http::server>(
        ex,
        [this](http::server_request& req) -> boost::asio::awaitable<http::server_response> {
            // Held from here to the end of the response (its last byte written), through
            // every wait below; the service cannot see that far.
            std::shared_ptr<in_flight_counter::ticket> ticket;
            if (service::counts_in_flight(req)) {
                ticket = svc_->in_flight().enter();
                if (!ticket) {
                    co_return svc_->too_many_in_flight(req);
                }
            }
            service_response res = svc_->handle(req);
            const auto& faults = svc_->options().faults;
            link_pacer link(faults.bandwidth_mbps);
            http::server_response none;
            none.status = 0;  // streamed (or dropped) by the handler itself
            none.until_sent = ticket;
            if (res.drop) {
                co_await pause(ex_, res.delay);
                // Not begun: the server closes the connection and the client gets no answer.
                req.stream().abort();
                co_return none;
            }
            if (res.file) {
                if (ticket) {
                    ticket->mark_download();
                }
                co_await pause(ex_, res.delay);
                co_await stream_file(ex_, req.stream(), res, faults, link);
                co_return none;
            }
            const bool head = req.method == "HEAD";
            if (!link.unlimited() && !head && res.body.size() > chunk_size) {
                co_await pause(ex_, res.delay);
                co_await stream_body(ex_, req.stream(), res, link);
                co_return none;
            }
            // A body of one chunk or less is written at once, after the time it takes.
            co_await pause(ex_, res.delay + link.transfer_time(head ? 0 : res.body.size()));
            res.until_sent = ticket;
            co_return std::move(res);
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
