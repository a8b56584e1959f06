#pragma once
// Per-sync tolerance of failed bulk items (protocol.md §4.4): a failed item does not stop a sync
// until too many fail in a row, in total, or within the last `error_window_size` outcomes. Pure.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <casio/es/settings.hpp>

namespace casio::sync {

class error_monitor {
  public:
    explicit error_monitor(es::error_monitor_config cfg);

    void note_success() noexcept;
    // Records a failure described by `message` (operation, id, ES error). Throws
    // core::error(fatal) "too many errors ..." with the last errors when a threshold is
    // crossed (never when the monitor is disabled: it then only counts).
    void note_error(std::string message);

    std::int64_t total_errors() const noexcept { return total_; }
    std::int64_t consecutive_errors() const noexcept { return consecutive_; }
    std::int64_t errors_in_window() const noexcept { return in_window_; }
    const std::deque<std::string>& last_errors() const noexcept { return last_; }

  private:
    void push_outcome(bool failed) noexcept;
    [[noreturn]] void trip(const std::string& why) const;

    es::error_monitor_config cfg_;
    std::int64_t total_ = 0;
    std::int64_t consecutive_ = 0;
    std::int64_t in_window_ = 0;
    std::vector<bool> window_;  // ring of the last outcomes, initially all successes
    std::size_t next_ = 0;
    std::deque<std::string> last_;
};

}  // namespace casio::sync
