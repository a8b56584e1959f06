#include <casio/http/transport.hpp>

namespace casio::http {

boost::asio::awaitable<response> transport::send_streaming(request req, client::body_sink sink) {
    auto res = co_await send(std::move(req));
    std::string body = std::move(res.body);
    res.body.clear();
    if (!body.empty()) {
        co_await sink(body);
    }
    co_return res;
}

boost::asio::awaitable<response> client_transport::send(request req) {
    co_return co_await client_.send(std::move(req));
}

boost::asio::awaitable<response> client_transport::send_streaming(request req,
                                                                  client::body_sink sink) {
    co_return co_await client_.send_streaming(std::move(req), std::move(sink));
}

}  // namespace casio::http
