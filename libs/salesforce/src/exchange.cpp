#include <algorithm>

#include <casio/salesforce/errors.hpp>
#include <casio/salesforce/exchange.hpp>

namespace casio::salesforce {

namespace {

using action = exchange_action;

action failing(core::error e, bool invalid_query = false) {
    action a;
    a.what = action::kind::fail;
    a.invalid_query = invalid_query;
    a.error = std::move(e);
    return a;
}

// A failure the retry policy decides on: wait (this request, or the org when it is busy) and
// send again, or give up.
action retried(core::error e, exchange_state& s, const core::retry_policy& policy, bool org_busy,
               bool invalid_query = false) {
    const auto delay = policy.next_delay(s.attempt, e.kind());
    if (!delay) {
        return failing(std::move(e), invalid_query);
    }
    ++s.attempt;
    action a;
    a.what = org_busy ? action::kind::org_wait : action::kind::wait;
    a.delay = *delay;
    a.error = std::move(e);
    return a;
}

}  // namespace

exchange_action decide(const exchange_result& r, exchange_state& s,
                       const core::retry_policy& policy, std::string_view what) {
    if (!r.status || r.failure) {
        // Refused, reset, cut, timed out, or an answer that could not be read.
        return retried(
            r.failure.value_or(core::error(core::error_kind::transient,
                                           "Salesforce " + std::string(what) + ": no answer")),
            s, policy, false);
    }
    const unsigned status = *r.status;
    if (status >= 200 && status < 300) {
        s.refusals = 0;
        return action{};
    }
    if (status == 401 && !s.token_refreshed) {
        s.token_refreshed = true;  // an expired session: once more with a new token
        action a;
        a.what = action::kind::new_token;
        a.drop_token = true;
        a.error = classify_response(status, r.body, r.limit_info, what);
        return a;
    }
    auto e = classify_response(status, r.body, r.limit_info, what)
                 .value_or(core::error(
                     core::error_kind::transient,
                     "Salesforce " + std::string(what) + ": HTTP " + std::to_string(status)));
    const auto asked = r.retry_after
                           ? std::optional(std::min(*r.retry_after, core::max_retry_after))
                           : std::nullopt;
    if ((status == 429 || is_concurrency_limited(status, r.body)) && s.refusals < 10) {
        // Not a failure of the request: the org wants fewer requests at once.
        action a;
        a.what = action::kind::org_wait;
        a.fewer = true;
        a.delay = asked.value_or(
            std::min(core::retry_ms(std::chrono::seconds(1) * (1 << std::min(s.refusals, 5u))),
                     core::retry_ms(std::chrono::seconds(30))));
        a.error = std::move(e);
        ++s.refusals;
        return a;
    }
    const bool invalid_query = status != 401 && is_invalid_query(status, r.body);
    action a = retried(std::move(e), s, policy, is_org_busy(status, r.body), invalid_query);
    a.drop_token = status == 401;
    if (asked && a.what != action::kind::fail) {
        a.delay = std::max(a.delay, *asked);
    }
    return a;
}

exchange_action decide_token(const std::optional<core::error>& failure, exchange_state& s,
                             const core::retry_policy& policy) {
    if (!failure) {
        return action{};
    }
    return retried(*failure, s, policy, false);
}

}  // namespace casio::salesforce
