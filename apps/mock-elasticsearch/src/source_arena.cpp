#include "source_arena.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace casio::mock_es {

source_arena::~source_arena() {
    for (const auto& b : blocks_)
        ::munmap(b.base, block_size);
}

bool source_arena::map_block() {
    void* p =
        ::mmap(nullptr, block_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    ::madvise(p, block_size, MADV_HUGEPAGE);
    blocks_.push_back(block{static_cast<char*>(p), 0, 0});
    free_.push_back(static_cast<std::uint32_t>(blocks_.size() - 1));
    return true;
}

void source_arena::reserve(std::size_t bytes) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::size_t held = free_.size() * block_size;
    while (held < bytes) {
        if (!map_block()) {
            throw std::runtime_error("cannot reserve " + std::to_string(bytes >> 20) +
                                     " MiB for document sources (" + std::to_string(held >> 20) +
                                     " MiB mapped): " + std::strerror(errno));
        }
        char* base = blocks_.back().base;
        for (std::size_t at = 0; at < block_size; at += page)
            base[at] = 0;  // touched now, not by the request that first writes here
        held += block_size;
    }
}

std::optional<source_arena::placed> source_arena::place(std::string_view bytes) {
    if (bytes.empty() || bytes.size() > max_source)
        return std::nullopt;
    if (!current_ || blocks_[*current_].used + bytes.size() > block_size) {
        if (free_.empty() && !map_block())
            return std::nullopt;
        // The block left behind is freed by its last document's release.
        current_ = free_.back();
        free_.pop_back();
        blocks_[*current_].used = 0;
    }
    block& b = blocks_[*current_];
    char* at = b.base + b.used;
    std::memcpy(at, bytes.data(), bytes.size());
    b.used += bytes.size();
    b.live += bytes.size();
    live_ += bytes.size();
    return placed{std::string_view(at, bytes.size()), *current_};
}

void source_arena::release(std::uint32_t index, std::size_t size) noexcept {
    block& b = blocks_[index];
    b.live -= size;
    live_ -= size;
    if (b.live != 0)
        return;
    if (current_ == index) {
        b.used = 0;  // written again from its start
    } else {
        free_.push_back(index);
    }
}

}  // namespace casio::mock_es
