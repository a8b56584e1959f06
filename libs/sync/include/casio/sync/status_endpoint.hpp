#pragma once
// The optional HTTP endpoint of the service (service.http.port in config.yml), on the service's
// io_context: GET /health (liveness: it answers while the event loop runs), GET /ready
// (Elasticsearch answered the last call and the service's loops or a job run) and GET /metrics
// (core::metrics::global() in the Prometheus text format). Read only; it takes no input but
// the path.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <casio/http/server.hpp>

namespace casio::sync {

// The service's poll loops run (set by service::run); /ready needs them, or a running job.
void set_loops_running(bool running) noexcept;
bool loops_running() noexcept;

// The answer to one request, without sockets (unit tests drive it directly).
http::server_response status_answer(const http::server_request& req);

class status_endpoint {
  public:
    explicit status_endpoint(boost::asio::any_io_executor ex);
    ~status_endpoint();
    status_endpoint(const status_endpoint&) = delete;
    status_endpoint& operator=(const status_endpoint&) = delete;

    // Binds host:port (0: the system chooses), starts serving, and logs
    // "http endpoint listening on http://HOST:PORT". Returns the port. Throws when it cannot
    // bind (the message names the address).
    std::uint16_t start(const std::string& host, std::uint16_t port);
    void stop();

  private:
    std::unique_ptr<http::server> server_;
};

}  // namespace casio::sync
