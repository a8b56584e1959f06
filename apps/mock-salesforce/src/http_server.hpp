#pragma once
// Puts a mock_sf::service on a casio::http::server: moves bytes, applies the latency the service
// asks for and streams file bodies in 64 KiB chunks (slowly or cut off when faults say so).

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
    http_server(boost::asio::any_io_executor ex, service& svc);
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
