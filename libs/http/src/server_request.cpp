// Request-side helpers of the server: target splitting, decoding and case-insensitive lookups.
// Kept free of Beast so that tests build requests without sockets.

#include <stdexcept>

#include <casio/core/text.hpp>
#include <casio/http/server.hpp>

namespace casio::http {

std::optional<std::string_view> server_request::query(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name)
            return std::string_view(v);
    }
    return std::nullopt;
}

std::optional<std::string_view> server_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (core::iequals(k, name))
            return std::string_view(v);
    }
    return std::nullopt;
}

response_stream& server_request::stream() const {
    if (stream_ == nullptr)
        throw std::logic_error("server_request::stream(): not inside a server");
    return *stream_;
}

bool server_request::set_target(std::string raw_target) {
    target = std::move(raw_target);
    path.clear();
    segments.clear();
    params.clear();
    std::string_view t = target;
    if (t.empty() || t.front() != '/')
        return false;
    std::string_view raw_path = t;
    std::string_view raw_query;
    if (auto q = t.find('?'); q != std::string_view::npos) {
        raw_path = t.substr(0, q);
        raw_query = t.substr(q + 1);
    }
    if (auto h = raw_query.find('#'); h != std::string_view::npos)
        raw_query = raw_query.substr(0, h);
    path = core::percent_decode(raw_path, false);
    std::string_view rest = raw_path.substr(1);
    while (!rest.empty()) {
        auto slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        if (!seg.empty())
            segments.push_back(core::percent_decode(seg, false));
        if (slash == std::string_view::npos)
            break;
        rest = rest.substr(slash + 1);
    }
    while (!raw_query.empty()) {
        auto amp = raw_query.find('&');
        std::string_view pair = raw_query.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            if (eq == std::string_view::npos) {
                params.emplace_back(core::percent_decode(pair, true), std::string());
            } else {
                params.emplace_back(core::percent_decode(pair.substr(0, eq), true),
                                    core::percent_decode(pair.substr(eq + 1), true));
            }
        }
        if (amp == std::string_view::npos)
            break;
        raw_query = raw_query.substr(amp + 1);
    }
    return true;
}

server_request server_request::make(std::string method, std::string target, std::string body,
                                    std::vector<std::pair<std::string, std::string>> headers) {
    server_request r;
    r.method = std::move(method);
    r.set_target(std::move(target));
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

std::optional<std::string_view> server_response::header(std::string_view name) const {
    for (const auto& f : fields) {
        if (core::iequals(f.name, name))
            return std::string_view(f.value);
    }
    return std::nullopt;
}

}  // namespace casio::http
