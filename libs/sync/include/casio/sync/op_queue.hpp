#pragma once
// The bounded queue between the producer of a sync (source stream + extractor decisions) and
// the bulk workers (protocol.md §4.2), sized in operations AND bytes. Waiting is event driven: a
// waiter sleeps on its own timer and is woken by the other side, never by polling.
// Single io_context: no locking.

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <casio/es/bulk.hpp>

namespace casio::sync {

// One bulk operation waiting to be sent. `json` is the document source (empty for a delete).
struct queued_op {
    es::bulk_op op = es::bulk_op::index;
    std::string id;
    std::string json;
    bool has_attachment = false;
    std::shared_ptr<void> lease;  // the document's (sync::document::lease)

    // What the operation weighs in the queue: its serialised bytes.
    std::size_t size() const noexcept { return id.size() + json.size(); }
};

// Wakes every coroutine waiting on it. Waiters re-check their condition after waking.
class async_event {
  public:
    // Waits for notify_all() or `deadline`; true when the deadline passed. Throws
    // boost::system::system_error(operation_aborted) when the waiting coroutine is cancelled.
    boost::asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);
    boost::asio::awaitable<void> wait();
    void notify_all() noexcept;

  private:
    std::vector<boost::asio::steady_timer*> waiters_;
};

class op_queue {
  public:
    op_queue(std::size_t max_ops, std::size_t max_bytes);

    // Room for `size` bytes now: any op when the queue is empty, otherwise only under both
    // caps (protocol.md §4.2: current + size < max_bytes).
    bool has_room(std::size_t size) const noexcept;

    enum class push_result { ok, timed_out, aborted };
    // Waits for room up to `patience`; timed_out leaves the queue unchanged.
    boost::asio::awaitable<push_result> push(queued_op op,
                                             std::chrono::steady_clock::duration patience);
    // The next op; nullopt once closed and drained, or aborted.
    boost::asio::awaitable<std::optional<queued_op>> pop();

    // No more pushes: pop() drains what is queued then ends.
    void close() noexcept;
    // Drops everything queued and wakes every waiter: pushes answer aborted, pops end.
    void abort() noexcept;

    bool closed() const noexcept { return closed_; }
    bool aborted() const noexcept { return aborted_; }
    std::size_t size() const noexcept { return ops_.size(); }
    std::size_t bytes() const noexcept { return bytes_; }

  private:
    std::size_t max_ops_;
    std::size_t max_bytes_;
    std::deque<queued_op> ops_;
    std::size_t bytes_ = 0;
    bool closed_ = false;
    bool aborted_ = false;
    async_event space_;
    async_event items_;
};

}  // namespace casio::sync
