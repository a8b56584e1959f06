// Request-side helpers of the server: target splitting, decoding and case-insensitive lookups.
// Kept free of Beast so that tests build requests without sockets.

#include <stdexcept>

#include <casio/http/server.hpp>

namespace casio::http {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Lenient: a '%' not followed by two hex digits is kept literally, as most servers do.
std::string percent_decode(std::string_view in, bool plus_is_space) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%' && i + 2 < in.size()) {
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        if (c == '+' && plus_is_space)
            c = ' ';
        out.push_back(c);
    }
    return out;
}

}  // namespace

std::optional<std::string_view> server_request::query(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name)
            return std::string_view(v);
    }
    return std::nullopt;
}

std::optional<std::string_view> server_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name))
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
    path = percent_decode(raw_path, false);
    std::string_view rest = raw_path.substr(1);
    while (!rest.empty()) {
        auto slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        if (!seg.empty())
            segments.push_back(percent_decode(seg, false));
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
                params.emplace_back(percent_decode(pair, true), std::string());
            } else {
                params.emplace_back(percent_decode(pair.substr(0, eq), true),
                                    percent_decode(pair.substr(eq + 1), true));
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
        if (iequals(f.name, name))
            return std::string_view(f.value);
    }
    return std::nullopt;
}

}  // namespace casio::http
