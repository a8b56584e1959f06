#pragma once
// Puts a mock_sf::service on a casio::http::server: moves bytes, applies the latency the service
// asks for and streams file bodies in 64 KiB chunks (slowly or cut off when faults say so).
// With --bandwidth-mbps it paces every response body to that rate per connection (bodies over
// one chunk are streamed in chunks, each sent when the link has carried it). It also keeps the
// in-flight count (in_flight.hpp): a request holds a ticket from its arrival to the last byte
// of its answer, and is refused with 403 when --max-in-flight are already running.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "service.hpp"

namespace casio::http {
class server;
}

namespace casio::mock_sf {

class http_server {
  public:
    http_server(const boost::asio::any_io_executor& ex, service& svc);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds; returns the bound port (0 picks a free one).
    std::uint16_t listen(const std::string& address, std::uint16_t port);
    void start();
    void stop();

  private:
    boost::asio::any_io_executor ex_;
    service* svc_;
    std::unique_ptr<http::server> server_;
};

}  // namespace casio::mock_sf
