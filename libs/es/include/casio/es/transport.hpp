#pragma once
// The seam between the ES client and the network: one HTTP exchange. The production
// implementation is casio::http::client; unit tests script a fake (tests/unit/es).

#include <memory>

#include <boost/asio/awaitable.hpp>

#include <casio/http/client.hpp>

namespace casio::es {

class transport {
  public:
    virtual ~transport() = default;
    // Performs one exchange. HTTP statuses are returned; connection failures throw
    // core::error (transient for refused/reset/timeout).
    virtual boost::asio::awaitable<http::response> send(http::request req) = 0;
};

// A transport over a shared HTTP client (keep-alive pool); `c` must outlive it.
class http_transport final : public transport {
  public:
    explicit http_transport(http::client& c) noexcept : client_(c) {}
    boost::asio::awaitable<http::response> send(http::request req) override;

  private:
    http::client& client_;
};

}  // namespace casio::es
