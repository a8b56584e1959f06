// Fuzz target: mock-elasticsearch's request handling (bulk bodies, search queries, documents,
// the connector APIs). The first line of the input is "METHOD TARGET", the rest the body. Every
// request gets an answer; nothing crashes or throws out of handle().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "service.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static casio::mock_es::service svc;  // state carries over, as in a long-running server
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const std::string_view body = nl == std::string_view::npos ? "" : text.substr(nl + 1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) {
        return 0;
    }
    auto req = casio::http::server_request::make(
        std::string(line.substr(0, space)), std::string(line.substr(space + 1)), std::string(body),
        {{"Content-Type", line.find("_bulk") != std::string_view::npos ? "application/x-ndjson"
                                                                       : "application/json"}});
    const auto res = svc.handle(req);
    if (res.status < 200 || res.status > 599) {
        __builtin_trap();
    }
    return 0;
}
