#pragma once
// Failure kinds shared by every library. Retry logic reads the kind; nothing parses
// error strings to decide what to do.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace casio::core {

enum class error_kind {
    transient,     // network hiccup, timeout, 5xx: retry with backoff
    rate_limited,  // 429 or a source-specific quota signal: retry later, slower
    auth,          // 401/403 or rejected credentials: do not retry blindly
    bad_request,   // the request itself is wrong (4xx, malformed query): never retry
    not_found,     // the addressed thing does not exist (404)
    fatal,         // anything else that must stop the operation
    timeout,       // no answer within the deadline: retried like transient
    canceled,      // the operation was asked to stop (a job's cancel, shutdown): never retried
};

constexpr std::string_view to_string(error_kind k) noexcept {
    switch (k) {
        case error_kind::transient:
            return "transient";
        case error_kind::rate_limited:
            return "rate_limited";
        case error_kind::auth:
            return "auth";
        case error_kind::bad_request:
            return "bad_request";
        case error_kind::not_found:
            return "not_found";
        case error_kind::fatal:
            return "fatal";
        case error_kind::timeout:
            return "timeout";
        case error_kind::canceled:
            return "canceled";
    }
    return "fatal";
}

// An error that carries its kind and, when it came from an HTTP peer, the status and a short
// excerpt of the body for diagnostics. Messages must never contain a secret.
class error : public std::runtime_error {
  public:
    error(error_kind kind, const std::string& message, int status = 0,
          std::string body_excerpt = {})
        : std::runtime_error(message),
          kind_(kind),
          status_(status),
          body_excerpt_(std::move(body_excerpt)) {}

    error_kind kind() const noexcept { return kind_; }
    int status() const noexcept { return status_; }
    const std::string& body_excerpt() const noexcept { return body_excerpt_; }

    // The wait the peer asked for before a new attempt (an HTTP Retry-After), if any.
    std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }
    error& with_retry_after(std::optional<std::chrono::milliseconds> wait) noexcept {
        retry_after_ = wait;
        return *this;
    }

  private:
    error_kind kind_;
    int status_;
    std::string body_excerpt_;
    std::optional<std::chrono::milliseconds> retry_after_;
};

}  // namespace casio::core
