#pragma once
// The one seam between the libraries that talk HTTP (es, salesforce) and the network: an
// exchange, whole or with its body streamed. Production code uses client_transport over a
// shared casio::http::client; tests script a fake.

#include <boost/asio/awaitable.hpp>

#include <casio/http/client.hpp>

namespace casio::http {

class transport {
  public:
    virtual ~transport() = default;
    // One exchange. HTTP statuses are returned; connection failures throw core::error
    // (transient for refused/reset/timeout), as casio::http::client does.
    virtual boost::asio::awaitable<response> send(request req) = 0;
    // The same with the body handed to `sink` chunk by chunk (the response's body stays
    // empty). The default sends whole and hands the body over in one chunk, which is what a
    // scripted fake needs.
    virtual boost::asio::awaitable<response> send_streaming(request req, client::body_sink sink);
};

// A transport over a shared HTTP client (its keep-alive pool); `c` must outlive it.
class client_transport final : public transport {
  public:
    explicit client_transport(client& c) noexcept : client_(c) {}
    boost::asio::awaitable<response> send(request req) override;
    boost::asio::awaitable<response> send_streaming(request req, client::body_sink sink) override;

  private:
    client& client_;
};

}  // namespace casio::http
