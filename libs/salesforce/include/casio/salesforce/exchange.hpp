#pragma once
// What the Salesforce client does after one exchange, decided without I/O: accept the answer,
// send again with a new token, wait (this request, or every request to the org) and send again,
// or fail with a classified error. The client's coroutines are plain loops over these answers;
// every rule (401 once, the 24-hour allocation, too many requests at once, 5xx, a dropped
// connection, the token endpoint) is tested here without sockets.

#include <optional>
#include <string_view>

#include <casio/core/error.hpp>
#include <casio/core/retry.hpp>

namespace casio::salesforce {

// What one exchange gave: an answer, or a failure the caller already named ("Salesforce query
// Account: connection reset", or a 2xx answer that is not JSON).
struct exchange_result {
    std::optional<unsigned> status;              // set when an answer came
    std::string_view body;                       // its body (of a download: its first bytes)
    std::optional<std::string_view> limit_info;  // Sforce-Limit-Info
    std::optional<core::retry_ms> retry_after;   // Retry-After
    std::optional<core::error> failure;          // set when no usable answer came
};

// One request's progress across its exchanges.
struct exchange_state {
    int attempt = 1;               // attempts of the retry policy used so far
    bool token_refreshed = false;  // a 401 already got a new token
    unsigned refusals = 0;         // refusals for too many requests at once, in a row
};

struct exchange_action {
    enum class kind {
        accept,     // a 2xx: the caller reads the answer
        new_token,  // an expired session: send again at once with a new token
        wait,       // wait `delay` (this request only), then send again
        org_wait,   // every request to the org waits `delay`, then this one is sent again
        fail,       // throw `error`
    };
    kind what = kind::accept;
    core::retry_ms delay{0};
    bool drop_token = false;           // the token is no longer valid (every 401)
    bool fewer = false;                // org_wait: the org wants fewer requests at once
    bool invalid_query = false;        // fail: the query itself was refused (INVALID_FIELD, ...)
    std::optional<core::error> error;  // the failure behind any action but accept
};

// An API call or a file download. `what` names the call in messages ("query Account"). The
// retry policy decides how often transient failures are tried and how long to wait (at least
// what a Retry-After asks, up to core::max_retry_after); a refusal for too many requests at
// once, or a 429, has its own patience (Retry-After, else 1, 2, 4, 8, 16, then 30 s; 10 times
// in a row) before it counts as a failure.
exchange_action decide(const exchange_result& r, exchange_state& s,
                       const core::retry_policy& policy, std::string_view what);

// The token endpoint: `failure` is what reading its answer threw (nullopt: a token came).
exchange_action decide_token(const std::optional<core::error>& failure, exchange_state& s,
                             const core::retry_policy& policy);

}  // namespace casio::salesforce
