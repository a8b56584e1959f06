#include <algorithm>

#include <casio/core/error.hpp>
#include <casio/sync/error_monitor.hpp>

namespace casio::sync {

error_monitor::error_monitor(es::error_monitor_config cfg)
    : cfg_(cfg),
      window_(static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.error_window_size)), false) {}

void error_monitor::push_outcome(bool failed) noexcept {
    if (window_[next_]) {
        --in_window_;
    }
    window_[next_] = failed;
    if (failed) {
        ++in_window_;
    }
    next_ = (next_ + 1) % window_.size();
}

void error_monitor::note_success() noexcept {
    consecutive_ = 0;
    push_outcome(false);
}

void error_monitor::note_error(std::string message) {
    ++total_;
    ++consecutive_;
    push_outcome(true);
    last_.push_back(std::move(message));
    while (static_cast<std::int64_t>(last_.size()) >
           std::max<std::int64_t>(1, cfg_.error_queue_size)) {
        last_.pop_front();
    }
    if (!cfg_.enabled) {
        return;
    }
    if (consecutive_ > cfg_.max_consecutive_errors) {
        trip(std::to_string(consecutive_) +
             " consecutive failed operations (max_consecutive_errors " +
             std::to_string(cfg_.max_consecutive_errors) + ")");
    }
    if (total_ > cfg_.max_total_errors) {
        trip(std::to_string(total_) + " failed operations in this sync (max_total_errors " +
             std::to_string(cfg_.max_total_errors) + ")");
    }
    const double rate = static_cast<double>(in_window_) / static_cast<double>(window_.size());
    if (rate > cfg_.max_error_rate) {
        trip(std::to_string(in_window_) + " of the last " + std::to_string(window_.size()) +
             " operations failed (max_error_rate " + std::to_string(cfg_.max_error_rate) + ")");
    }
}

void error_monitor::trip(const std::string& why) const {
    std::string msg = "too many errors: " + why + "; last errors: ";
    bool first = true;
    for (const auto& e : last_) {
        if (!first) {
            msg += " | ";
        }
        first = false;
        msg += e;
    }
    throw core::error(core::error_kind::fatal, msg);
}

}  // namespace casio::sync
