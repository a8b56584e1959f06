#pragma once
// mock-salesforce behind its real HTTP adapter, for tests of what only shows on the wire
// (streaming, pacing, connections closed, requests in flight).

#include <exception>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/http/client.hpp>

#include "http_server.hpp"
#include "service.hpp"

namespace casio::mock_sf::test {

// Serves `svc` on 127.0.0.1 (a port chosen by the OS) and runs `body` with a client and the
// server's base URL until it ends; then stops the server and rethrows the body's failure. The
// service stays readable afterwards (its stats).
inline void serve(service& svc,
                  std::function<boost::asio::awaitable<void>(http::client&, std::string)> body) {
    boost::asio::io_context io;
    http_server server(io.get_executor(), svc);
    const auto port = server.listen("127.0.0.1", 0);
    server.start();
    http::client client(io.get_executor());
    std::exception_ptr failure;
    boost::asio::co_spawn(io, body(client, "http://127.0.0.1:" + std::to_string(port)),
                          [&](std::exception_ptr e) {
                              failure = e;
                              client.close();
                              server.stop();
                          });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace casio::mock_sf::test
