// Status classification, check() and header lookup: pure logic, no I/O.
#include <string>

#include <casio/core/text.hpp>
#include <casio/http/client.hpp>

namespace casio::http {

namespace {

constexpr std::size_t excerpt_size = 200;

}  // namespace

std::string_view to_string(method m) noexcept {
    switch (m) {
        case method::get:
            return "GET";
        case method::head:
            return "HEAD";
        case method::post:
            return "POST";
        case method::put:
            return "PUT";
        case method::delete_:
            return "DELETE";
    }
    return "GET";
}

std::optional<std::string_view> response::header(std::string_view name) const {
    for (const auto& f : fields) {
        if (core::iequals(f.name, name)) {
            return std::string_view(f.value);
        }
    }
    return std::nullopt;
}

core::error_kind classify_status(unsigned status) noexcept {
    using core::error_kind;
    if (status == 429) {
        return error_kind::rate_limited;
    }
    if (status == 401 || status == 403) {
        return error_kind::auth;
    }
    if (status == 404) {
        return error_kind::not_found;
    }
    if (status == 408 || (status >= 500 && status < 600)) {
        return error_kind::transient;
    }
    if (status >= 400 && status < 500) {
        return error_kind::bad_request;
    }
    // 1xx/3xx reaching check() mean the exchange did not give what was asked for.
    return error_kind::fatal;
}

void check(const response& res, std::string_view what) {
    if (res.ok()) {
        return;
    }
    std::string excerpt = res.body.substr(0, excerpt_size);
    std::string message(what);
    message += ": HTTP ";
    message += std::to_string(res.status);
    if (!excerpt.empty()) {
        message += ' ';
        message += excerpt;
        if (res.body.size() > excerpt_size) {
            message += "...";
        }
    }
    throw core::error(classify_status(res.status), std::move(message), int(res.status),
                      std::move(excerpt));
}

}  // namespace casio::http
