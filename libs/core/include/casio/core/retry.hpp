#pragma once
// Retry decisions and backoff, kept apart from I/O: a policy says whether a failure of a given
// kind is retried and how long to wait; a sleeper does the waiting (a steady timer in the
// service, a recording fake in tests); retry() ties them to a coroutine.
// Also the per-loop error budget of the service loops.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include <casio/core/error.hpp>

namespace casio::core {

using retry_ms = std::chrono::milliseconds;

class retry_policy {
  public:
    enum class growth { exponential, linear };

    // delay(n) = initial * multiplier^(n-1), capped at max_delay.
    static retry_policy exponential(int max_attempts, retry_ms initial, double multiplier,
                                    retry_ms max_delay);
    // delay(n) = initial + step * (n-1), capped at max_delay. The Elasticsearch app retrier is
    // linear(max_retries, retry_interval, retry_interval): 10 s, 20 s, 30 s, ...
    static retry_policy linear(int max_attempts, retry_ms initial, retry_ms step,
                               retry_ms max_delay = std::chrono::hours(1));

    // Total attempts, the first included; 1 means never retry.
    int max_attempts() const noexcept { return max_attempts_; }

    // Random delay reduction: each delay becomes base * (1 - fraction * u), u in [0, 1) from
    // `random` (a default generator when empty). fraction is clamped to [0, 1].
    retry_policy& with_jitter(double fraction, std::function<double()> random = {});

    // By default transient and rate_limited failures are retried and nothing else.
    retry_policy& retry_on(error_kind kind, bool retry = true);
    bool retries(error_kind kind) const noexcept;

    // The delay before the next attempt after attempt `failed_attempt` (1-based) failed with
    // `kind`; nullopt means give up.
    std::optional<retry_ms> next_delay(int failed_attempt, error_kind kind) const;

  private:
    retry_policy() = default;
    // What both growths share: attempts at least 1, delays from `initial` up to `max_delay`.
    retry_policy(int max_attempts, growth g, retry_ms initial, retry_ms max_delay);

    int max_attempts_ = 1;
    growth growth_ = growth::exponential;
    retry_ms initial_{0};
    double multiplier_ = 2.0;
    retry_ms step_{0};
    retry_ms max_delay_{0};
    double jitter_ = 0.0;
    std::function<double()> random_;
    unsigned retryable_ = (1u << static_cast<unsigned>(error_kind::transient)) |
                          (1u << static_cast<unsigned>(error_kind::timeout)) |
                          (1u << static_cast<unsigned>(error_kind::rate_limited));
};

// Waits without blocking the io_context. Injected so tests need no real time.
class sleeper {
  public:
    virtual ~sleeper() = default;
    virtual boost::asio::awaitable<void> sleep_for(retry_ms d) = 0;
};

// Waits on a steady_timer of the calling coroutine's executor; cancellable through the
// coroutine's cancellation slot like any other Asio operation.
class steady_sleeper final : public sleeper {
  public:
    boost::asio::awaitable<void> sleep_for(retry_ms d) override;
};

// Called before each wait: the attempt that failed, its error, the wait.
using retry_observer = std::function<void(int failed_attempt, const error& e, retry_ms delay)>;

// The longest Retry-After a retry honours; a peer asking for more gets this.
inline constexpr retry_ms max_retry_after = std::chrono::minutes(5);

// Runs `op` (returning awaitable<T>) until it succeeds, the policy gives up, or it throws
// something that is not a casio::core::error (cancellation, broken invariants), which is
// propagated at once. On giving up the last error is rethrown as it was thrown.
// `policy` and `s` are held by reference: they must outlive the returned awaitable.
template <class Op>
auto retry(const retry_policy& policy, sleeper& s, Op op, retry_observer observe = {})
    -> decltype(op()) {
    for (int attempt = 1;; ++attempt) {
        std::exception_ptr failure;
        error_kind kind = error_kind::fatal;
        std::optional<retry_ms> asked;
        try {
            co_return co_await op();
        } catch (const error& e) {
            failure = std::current_exception();
            kind = e.kind();
            asked = e.retry_after();
        }
        auto delay = policy.next_delay(attempt, kind);
        if (!delay) {
            std::rethrow_exception(failure);
        }
        if (asked) {  // the peer's Retry-After, within reason
            delay = std::max(*delay, std::min(*asked, max_retry_after));
        }
        if (observe) {
            try {
                std::rethrow_exception(failure);
            } catch (const error& e) {
                observe(attempt, e, *delay);
            }
        }
        co_await s.sleep_for(*delay);
    }
}

// The service loops' error budget (one per loop): errors are counted in a window that starts
// at the first error; an error arriving more than `span` after the window start opens a new
// window. More than `max_errors` errors in one window exhaust the budget.
class error_budget {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    error_budget(std::int64_t max_errors, std::chrono::milliseconds span)
        : max_errors_(max_errors), span_(span) {}

    // Records an error seen at `now`; true when the budget is exhausted and the loop must stop.
    bool record(time_point now);

    std::int64_t errors_in_window() const noexcept { return count_; }

  private:
    std::int64_t max_errors_;
    std::chrono::milliseconds span_;
    std::int64_t count_ = 0;
    std::optional<time_point> window_start_;
};

}  // namespace casio::core
