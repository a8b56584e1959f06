#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <casio/sync/op_queue.hpp>

namespace casio::sync {

namespace asio = boost::asio;

asio::awaitable<bool> async_event::wait_until(std::chrono::steady_clock::time_point deadline) {
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    waiters_.push_back(&timer);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // notify_all() empties the list; a deadline or a cancellation leaves us in it.
    std::erase(waiters_, &timer);
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
        throw boost::system::system_error(asio::error::operation_aborted);
    }
    co_return !ec;
}

asio::awaitable<void> async_event::wait() {
    co_await wait_until(std::chrono::steady_clock::time_point::max());
}

void async_event::notify_all() noexcept {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto* t : waiters) {
        t->cancel();
    }
}

op_queue::op_queue(std::size_t max_ops, std::size_t max_bytes)
    : max_ops_(std::max<std::size_t>(1, max_ops)), max_bytes_(max_bytes) {}

bool op_queue::has_room(std::size_t size) const noexcept {
    if (ops_.empty()) {
        return true;
    }
    return ops_.size() < max_ops_ && bytes_ + size < max_bytes_;
}

asio::awaitable<op_queue::push_result> op_queue::push(
    queued_op op, std::chrono::steady_clock::duration patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    const std::size_t size = op.size();
    while (!aborted_ && !closed_ && !has_room(size)) {
        if (co_await space_.wait_until(deadline) && !has_room(size)) {
            co_return push_result::timed_out;
        }
    }
    if (aborted_ || closed_) {
        co_return push_result::aborted;
    }
    bytes_ += size;
    ops_.push_back(std::move(op));
    items_.notify_all();
    co_return push_result::ok;
}

asio::awaitable<std::optional<queued_op>> op_queue::pop() {
    while (!aborted_ && ops_.empty() && !closed_) {
        co_await items_.wait();
    }
    if (aborted_ || ops_.empty()) {
        co_return std::nullopt;
    }
    queued_op op = std::move(ops_.front());
    ops_.pop_front();
    bytes_ -= op.size();
    space_.notify_all();
    co_return op;
}

void op_queue::close() noexcept {
    closed_ = true;
    items_.notify_all();
    space_.notify_all();
}

void op_queue::abort() noexcept {
    aborted_ = true;
    ops_.clear();
    bytes_ = 0;
    items_.notify_all();
    space_.notify_all();
}

}  // namespace casio::sync
