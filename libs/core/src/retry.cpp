#include <algorithm>
#include <cmath>
#include <random>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/core/retry.hpp>

namespace casio::core {

namespace {

double default_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

retry_policy::retry_policy(int max_attempts, growth g, retry_ms initial, retry_ms max_delay)
    : max_attempts_(std::max(1, max_attempts)),
      growth_(g),
      initial_(std::max(retry_ms{0}, initial)),
      max_delay_(std::max(initial_, max_delay)) {}

retry_policy retry_policy::exponential(int max_attempts, retry_ms initial, double multiplier,
                                       retry_ms max_delay) {
    retry_policy p(max_attempts, growth::exponential, initial, max_delay);
    p.multiplier_ = std::max(1.0, multiplier);
    return p;
}

retry_policy retry_policy::linear(int max_attempts, retry_ms initial, retry_ms step,
                                  retry_ms max_delay) {
    retry_policy p(max_attempts, growth::linear, initial, max_delay);
    p.step_ = std::max(retry_ms{0}, step);
    return p;
}

retry_policy& retry_policy::with_jitter(double fraction, std::function<double()> random) {
    jitter_ = std::clamp(fraction, 0.0, 1.0);
    random_ = std::move(random);
    return *this;
}

retry_policy& retry_policy::retry_on(error_kind kind, bool retry) {
    unsigned bit = 1u << static_cast<unsigned>(kind);
    retryable_ = retry ? (retryable_ | bit) : (retryable_ & ~bit);
    return *this;
}

bool retry_policy::retries(error_kind kind) const noexcept {
    return (retryable_ & (1u << static_cast<unsigned>(kind))) != 0;
}

std::optional<retry_ms> retry_policy::next_delay(int failed_attempt, error_kind kind) const {
    if (!retries(kind) || failed_attempt < 1 || failed_attempt >= max_attempts_) {
        return std::nullopt;
    }
    const double cap = static_cast<double>(max_delay_.count());
    double base = 0;
    if (growth_ == growth::exponential) {
        // Computed in floating point and capped, so large attempt numbers cannot overflow.
        base = static_cast<double>(initial_.count()) * std::pow(multiplier_, failed_attempt - 1);
    } else {
        base = static_cast<double>(initial_.count()) +
               static_cast<double>(step_.count()) * (failed_attempt - 1);
    }
    base = std::min(base, cap);
    if (jitter_ > 0) {
        double u = random_ ? random_() : default_random();
        base *= 1.0 - jitter_ * std::clamp(u, 0.0, 1.0);
    }
    return retry_ms{static_cast<retry_ms::rep>(std::llround(base))};
}

boost::asio::awaitable<void> steady_sleeper::sleep_for(retry_ms d) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

bool error_budget::record(time_point now) {
    if (!window_start_ || now - *window_start_ > span_) {
        window_start_ = now;
        count_ = 0;
    }
    ++count_;
    return count_ > max_errors_;
}

}  // namespace casio::core
