#pragma once
// The link of one connection at --bandwidth-mbps: when each part of a response body has crossed
// it. Pure arithmetic on time points; the HTTP adapter waits on a steady_timer until the time
// this returns before it writes the part, so the last byte leaves at about size / rate.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace casio::mock_sf {

class link_pacer {
  public:
    using clock = std::chrono::steady_clock;

    // Megabits (10^6 bits) per second; 0 or less = unlimited.
    explicit link_pacer(double mbps) : bytes_per_second_(mbps > 0 ? mbps * 1e6 / 8 : 0) {}

    bool unlimited() const noexcept { return bytes_per_second_ == 0; }

    // The time `bytes` take on the link (zero when unlimited).
    clock::duration transfer_time(std::uint64_t bytes) const {
        if (unlimited()) {
            return clock::duration::zero();
        }
        return std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(static_cast<double>(bytes) / bytes_per_second_));
    }

    // When a part of `bytes`, ready at `now`, has crossed the link. Parts follow each other back
    // to back, so timer wake-ups that come a little late do not slow the body down; but after a
    // stall longer than the part itself (a reader that stopped reading) the link starts again
    // from `now` instead of sending a burst to catch up.
    clock::time_point schedule(std::uint64_t bytes, clock::time_point now) {
        const auto t = transfer_time(bytes);
        if (!busy_until_ || *busy_until_ + t < now) {
            busy_until_ = now;
        }
        *busy_until_ += t;
        return *busy_until_;
    }

    // The link was idle on purpose until `now` (a delay between chunks): the next part takes
    // its own time from here.
    void idle(clock::time_point now) {
        if (busy_until_) {
            busy_until_ = std::max(*busy_until_, now);
        }
    }

  private:
    double bytes_per_second_;
    std::optional<clock::time_point> busy_until_;
};

}  // namespace casio::mock_sf
