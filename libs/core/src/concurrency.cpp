#include <algorithm>
#include <exception>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/concurrency.hpp>

namespace casio::core {

namespace asio = boost::asio;

struct async_semaphore::waiter {
    asio::steady_timer timer;
    std::size_t units;
    bool granted = false;
};

async_semaphore::permit& async_semaphore::permit::operator=(permit&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        units_ = other.units_;
        other.owner_ = nullptr;
        other.units_ = 0;
    }
    return *this;
}

void async_semaphore::permit::release() noexcept {
    if (owner_ != nullptr && units_ != 0) {
        owner_->give_back(units_);
    }
    owner_ = nullptr;
    units_ = 0;
}

async_semaphore::async_semaphore(std::size_t capacity)
    : capacity_(std::max<std::size_t>(1, capacity)) {}

async_semaphore::~async_semaphore() = default;

std::size_t async_semaphore::clamp(std::size_t units) const noexcept {
    return std::clamp<std::size_t>(units, 1, capacity_);
}

void async_semaphore::set_capacity(std::size_t capacity) {
    capacity_ = std::max<std::size_t>(1, capacity);
    give_back(0);  // serves waiters that fit now
}

void async_semaphore::take(std::size_t units) noexcept {
    in_use_ += units;
    max_in_use_ = std::max(max_in_use_, in_use_);
}

void async_semaphore::give_back(std::size_t units) noexcept {
    in_use_ -= std::min(units, in_use_);
    // FIFO: the head is served first; a head that does not fit yet blocks the others. (A
    // waiter's units were clamped to the capacity of its time: one larger than a lowered
    // capacity is served once nothing else is in use.)
    while (!waiters_.empty() && (in_use_ + waiters_.front()->units <= capacity_ || in_use_ == 0)) {
        waiter* w = waiters_.front();
        waiters_.pop_front();
        take(w->units);
        w->granted = true;
        w->timer.cancel();
    }
}

async_semaphore::permit async_semaphore::try_acquire(std::size_t units) {
    units = clamp(units);
    if (!waiters_.empty() || in_use_ + units > capacity_) {
        return {};
    }
    take(units);
    return permit(this, units);
}

asio::awaitable<async_semaphore::permit> async_semaphore::acquire(std::size_t units) {
    units = clamp(units);
    if (waiters_.empty() && in_use_ + units <= capacity_) {
        take(units);
        co_return permit(this, units);
    }
    // (Named first: GCC 12 mishandles temporaries of a co_await inside a call.)
    const auto ex = co_await asio::this_coro::executor;
    waiter w{asio::steady_timer(ex, asio::steady_timer::time_point::max()), units};
    waiters_.push_back(&w);
    // However the wait ends (granted, cancelled, or an exception thrown by the co_await of a
    // coroutine cancelled earlier), the queue no longer points at `w` and nothing taken for it
    // is lost.
    struct cleanup {
        async_semaphore& s;
        waiter& w;
        bool handed_over = false;
        ~cleanup() {
            if (!w.granted) {
                std::erase(s.waiters_, &w);
            } else if (!handed_over) {
                s.give_back(w.units);
            }
        }
    } guard{*this, w};
    boost::system::error_code ec;  // woken by cancel(): granted, or the coroutine was cancelled
    co_await w.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    const auto state = co_await asio::this_coro::cancellation_state;
    if (!w.granted || state.cancelled() != asio::cancellation_type::none) {
        // A cancelled waiter takes nothing, even when served at the same moment.
        throw boost::system::system_error(asio::error::operation_aborted);
    }
    guard.handed_over = true;
    co_return permit(this, units);
}

asio::awaitable<void> for_each_concurrently(std::size_t count, std::size_t workers,
                                            std::function<asio::awaitable<void>(std::size_t)> job) {
    workers = std::min(workers, count);
    if (workers <= 1) {
        for (std::size_t i = 0; i < count; ++i) {
            co_await job(i);
        }
        co_return;
    }
    std::size_t next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < count) {
            co_await job(next++);
        }
    };
    const auto ex = co_await asio::this_coro::executor;
    using op = decltype(asio::co_spawn(ex, worker(), asio::deferred));
    std::vector<op> ops;
    ops.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) {
        ops.push_back(asio::co_spawn(ex, worker(), asio::deferred));
    }
    auto [order, failures] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    // The first failure is the cause; the others are the cancellations it caused.
    for (auto i : order) {
        if (failures[i]) {
            std::rethrow_exception(failures[i]);
        }
    }
}

}  // namespace casio::core
