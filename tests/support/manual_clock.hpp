#pragma once
// Time under the test's control: a sleeper that records every requested wait and returns at
// once (advancing a virtual clock), so backoff is tested without sleeping.

#include <chrono>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <casio/core/retry.hpp>

namespace casio::test {

class manual_clock {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    time_point now() const noexcept { return now_; }
    void advance(std::chrono::milliseconds d) noexcept { now_ += d; }

  private:
    time_point now_{std::chrono::hours(1000)};  // arbitrary, far from the epoch
};

class manual_sleeper final : public core::sleeper {
  public:
    manual_sleeper() = default;
    explicit manual_sleeper(manual_clock& clock) : clock_(&clock) {}

    boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d) override {
        requested_.push_back(d);
        if (clock_) {
            clock_->advance(d);
        }
        co_return;
    }

    const std::vector<std::chrono::milliseconds>& requested() const noexcept { return requested_; }

    std::chrono::milliseconds total() const noexcept {
        std::chrono::milliseconds sum{0};
        for (auto d : requested_) {
            sum += d;
        }
        return sum;
    }

  private:
    manual_clock* clock_ = nullptr;
    std::vector<std::chrono::milliseconds> requested_;
};

}  // namespace casio::test
