#include <casio/es/transport.hpp>

namespace casio::es {

boost::asio::awaitable<http::response> http_transport::send(http::request req) {
    co_return co_await client_.send(std::move(req));
}

}  // namespace casio::es
