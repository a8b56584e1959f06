#include <algorithm>
#include <thread>

#include <casio/core/worker_pool.hpp>

namespace casio::core {

namespace {

std::size_t thread_count(std::size_t asked) {
    if (asked > 0) {
        return asked;
    }
    return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

}  // namespace

worker_pool::worker_pool(std::size_t threads) : threads_(thread_count(threads)), pool_(threads_) {}

worker_pool::~worker_pool() {
    pool_.join();
}

}  // namespace casio::core
