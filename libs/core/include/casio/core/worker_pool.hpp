#pragma once
// CPU-heavy work (parsing a PDF, inflating a zip) off the io_context thread: a small pool of
// threads, and an awaitable that runs a function there and resumes the calling coroutine on
// its own executor with the result or the exception. The io_context keeps serving downloads
// and bulk requests while files are parsed.

#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace casio::core {

class worker_pool {
  public:
    // `threads` 0: one a core.
    explicit worker_pool(std::size_t threads = 0);
    ~worker_pool();  // waits for the work under way
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    std::size_t threads() const noexcept { return threads_; }

    // Runs `f` on a worker; the caller resumes on its own executor. `f` must not touch state
    // owned by the io_context thread. A cancelled caller still waits for `f` to end (a parser
    // cannot be interrupted; limits bound its time).
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
        using result = std::invoke_result_t<F&>;
        // Named, not a temporary of the co_await expression: GCC 12 destroys such temporaries
        // twice.
        auto work = [fn = std::move(f)]() mutable -> boost::asio::awaitable<result> {
            co_return fn();
        };
        auto done = boost::asio::co_spawn(pool_.get_executor(), std::move(work),
                                          boost::asio::use_awaitable);
        co_return co_await std::move(done);
    }

  private:
    std::size_t threads_;
    boost::asio::thread_pool pool_;
};

}  // namespace casio::core
