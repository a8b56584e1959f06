#pragma once
// Bounded concurrency on one io_context: a counting semaphore with FIFO waiters (requests in
// flight, bytes of file content held) and a helper that runs N jobs on at most W coroutines.
// Neither is thread safe: use them from the thread that runs their io_context.

#include <cstddef>
#include <deque>
#include <functional>

#include <boost/asio/awaitable.hpp>

namespace casio::core {

// Units of a shared resource (requests, bytes). acquire() waits in FIFO order, so a large
// request is not starved by a stream of small ones. A waiting coroutine that is cancelled
// (its cancellation slot, e.g. a job's cancellation signal) leaves the queue and throws
// boost::system::system_error(operation_aborted) without taking anything.
class async_semaphore {
  public:
    // Releases its units when destroyed (or by release()).
    class permit {
      public:
        permit() = default;
        permit(permit&& other) noexcept : owner_(other.owner_), units_(other.units_) {
            other.owner_ = nullptr;
            other.units_ = 0;
        }
        permit& operator=(permit&& other) noexcept;
        permit(const permit&) = delete;
        permit& operator=(const permit&) = delete;
        ~permit() { release(); }

        void release() noexcept;
        std::size_t units() const noexcept { return units_; }

      private:
        friend class async_semaphore;
        permit(async_semaphore* owner, std::size_t units) : owner_(owner), units_(units) {}
        async_semaphore* owner_ = nullptr;
        std::size_t units_ = 0;
    };

    explicit async_semaphore(std::size_t capacity);
    async_semaphore(const async_semaphore&) = delete;
    async_semaphore& operator=(const async_semaphore&) = delete;
    ~async_semaphore();

    // Waits for `units`, clamped to [1, capacity()] so that any request can be served once the
    // semaphore is idle.
    boost::asio::awaitable<permit> acquire(std::size_t units = 1);
    // Takes `units` (clamped likewise) when free now and nobody waits; else an empty permit.
    permit try_acquire(std::size_t units = 1);

    // A new capacity (at least 1). Lowering it takes nothing back from holders: no waiter is
    // served until what is in use is under the new capacity. Raising it serves waiters.
    void set_capacity(std::size_t capacity);

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t in_use() const noexcept { return in_use_; }
    std::size_t max_in_use() const noexcept { return max_in_use_; }
    std::size_t waiting() const noexcept { return waiters_.size(); }

  private:
    struct waiter;
    std::size_t clamp(std::size_t units) const noexcept;
    void take(std::size_t units) noexcept;
    void give_back(std::size_t units) noexcept;

    std::size_t capacity_;
    std::size_t in_use_ = 0;
    std::size_t max_in_use_ = 0;
    std::deque<waiter*> waiters_;
};

// Runs job(0) .. job(count - 1) on at most `workers` coroutines at once, each taking the next
// index when it is done with one (in index order when workers <= 1). The first failure cancels
// the other workers (their cancellation slots), every worker is awaited, then the failure is
// rethrown: nothing started here outlives the call. Cancelling the caller cancels every worker.
boost::asio::awaitable<void> for_each_concurrently(
    std::size_t count, std::size_t workers,
    std::function<boost::asio::awaitable<void>(std::size_t)> job);

}  // namespace casio::core
