#pragma once
// A non-2xx answer from Elasticsearch: the HTTP status plus ES's own `error.type` and
// `error.reason`, so callers branch on 404/409/401/403 without parsing messages.

#include <string>
#include <string_view>

#include <casio/core/error.hpp>
#include <casio/http/client.hpp>

namespace casio::es {

class es_error : public core::error {
  public:
    // `what_call` is "<METHOD> <path>" (never a query string with secrets, never a header).
    es_error(core::error_kind kind, const std::string& message, unsigned status, std::string type,
             std::string reason, std::string body_excerpt);

    unsigned http_status() const noexcept { return static_cast<unsigned>(status()); }
    const std::string& type() const noexcept { return type_; }  // e.g. "index_not_found_exception"
    const std::string& reason() const noexcept { return reason_; }  // ES's human explanation

    bool is_not_found() const noexcept { return status() == 404; }
    bool is_conflict() const noexcept { return status() == 409; }
    bool is_unauthorized() const noexcept { return status() == 401; }
    bool is_forbidden() const noexcept { return status() == 403; }
    bool is_rate_limited() const noexcept { return status() == 429; }

  private:
    std::string type_;
    std::string reason_;
};

// Builds the error for a non-2xx response to `verb path`, reading `error.type`/`error.reason`
// (or a string `error`) from the JSON body when there is one. Message:
// "PUT /_connector/x/_check_in: 404 resource_not_found_exception: connector [x] not found".
es_error make_error(http::method verb, std::string_view path, const http::response& res);

// True for the statuses the app retrier retries: 429, 500, 502, 503, 504.
constexpr bool is_retryable_status(unsigned status) noexcept {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace casio::es
