#include <atomic>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/log.hpp>
#include <casio/core/metrics.hpp>
#include <casio/es/client.hpp>
#include <casio/sync/job_metrics.hpp>
#include <casio/sync/status_endpoint.hpp>

namespace casio::sync {

namespace json = boost::json;

namespace {

std::atomic<bool> loops_flag{false};

http::server_response json_answer(unsigned status, const json::object& body) {
    http::server_response r;
    r.status = status;
    r.fields.push_back({"Content-Type", "application/json"});
    r.body = json::serialize(body);
    return r;
}

http::server_response ready_answer() {
    const auto es = es::last_call_status();
    std::string reason;
    if (!loops_running() && running_job_count() == 0) {
        reason = "the service loops are not running";
    } else if (!es.seen) {
        reason = "no call to Elasticsearch yet";
    } else if (!es.ok) {
        reason = "the last call to Elasticsearch failed: " + es.error;
    }
    if (reason.empty()) {
        return json_answer(200, {{"status", "ready"}});
    }
    return json_answer(503, {{"status", "not_ready"}, {"reason", reason}});
}

}  // namespace

void set_loops_running(bool running) noexcept {
    loops_flag.store(running, std::memory_order_relaxed);
}

bool loops_running() noexcept {
    return loops_flag.load(std::memory_order_relaxed);
}

http::server_response status_answer(const http::server_request& req) {
    const bool known = req.path == "/health" || req.path == "/ready" || req.path == "/metrics";
    if (!known) {
        return json_answer(404, {{"error", "not found: GET /health, /ready or /metrics"}});
    }
    if (req.method != "GET" && req.method != "HEAD") {
        auto r = json_answer(405, {{"error", "method not allowed: only GET"}});
        r.fields.push_back({"Allow", "GET, HEAD"});
        return r;
    }
    if (req.path == "/health") {
        return json_answer(200, {{"status", "ok"}});
    }
    if (req.path == "/ready") {
        return ready_answer();
    }
    http::server_response r;
    r.fields.push_back({"Content-Type", std::string(core::metrics::content_type)});
    r.body = core::metrics::global().render();
    return r;
}

status_endpoint::status_endpoint(boost::asio::any_io_executor ex) {
    http::server_options o;
    o.max_body_size = 64 * 1024;
    o.max_target_size = 4096;
    o.idle_timeout = std::chrono::seconds(30);
    o.io_timeout = std::chrono::seconds(30);
    server_ = std::make_unique<http::server>(
        std::move(ex),
        [](http::server_request& req) -> boost::asio::awaitable<http::server_response> {
            co_return status_answer(req);
        },
        o);
}

status_endpoint::~status_endpoint() {
    stop();
}

std::uint16_t status_endpoint::start(const std::string& host, std::uint16_t port) {
    std::uint16_t bound = 0;
    try {
        bound = server_->listen(host, port);
    } catch (const std::exception& e) {
        throw core::error(core::error_kind::fatal, "service.http: cannot listen on " + host + ":" +
                                                       std::to_string(port) + ": " + e.what());
    }
    server_->start();
    const bool v6 = host.find(':') != std::string::npos;
    core::log::info("http endpoint listening on http://", v6 ? "[" : "", host, v6 ? "]" : "", ":",
                    bound);
    return bound;
}

void status_endpoint::stop() {
    if (server_) {
        server_->stop();
    }
}

}  // namespace casio::sync
