#pragma once
// Where the sources of documents kept in memory live (no --data-dir): packed one after the
// other in blocks of 64 MiB of their own, not one heap allocation each. A block whose documents
// are all gone is used again, never given back to the system: a load test that indexes its
// documents again and again does not make the kernel find (and zero) fresh memory for each
// round.
//
// reserve() maps and touches memory at start, as Elasticsearch touches its whole heap when it
// starts (-XX:+AlwaysPreTouch): what the machine charges for fresh memory (on a VM whose host
// backs the guest's memory on first use, far more than the page fault itself) is then paid
// once before the first request, not by the requests that happen to grow the process.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace casio::mock_es {

class source_arena {
  public:
    static constexpr std::size_t block_size = std::size_t{64} << 20;
    // Larger sources are not placed here (the caller keeps its own copy).
    static constexpr std::size_t max_source = std::size_t{1} << 20;

    source_arena() = default;
    ~source_arena();
    source_arena(const source_arena&) = delete;
    source_arena& operator=(const source_arena&) = delete;

    // Maps and touches blocks until `bytes` are held (in blocks not yet used). Throws
    // std::runtime_error naming the size when the system refuses.
    void reserve(std::size_t bytes);

    struct placed {
        std::string_view bytes;  // the copy
        std::uint32_t block = 0;
    };
    // Copies `bytes` into a block; nullopt when empty or larger than max_source, or when no
    // memory can be had (the caller then keeps its own copy).
    std::optional<placed> place(std::string_view bytes);
    // The copy of `size` bytes in `block` is no longer used.
    void release(std::uint32_t block, std::size_t size) noexcept;

    std::size_t mapped_bytes() const noexcept { return blocks_.size() * block_size; }
    std::size_t live_bytes() const noexcept { return live_; }

  private:
    struct block {
        char* base = nullptr;
        std::size_t used = 0;  // bytes handed out since the block was last empty
        std::size_t live = 0;  // of which still in use
    };
    bool map_block();  // appends an empty block to blocks_ and free_

    std::vector<block> blocks_;
    std::vector<std::uint32_t> free_;  // empty blocks, the next one to use last
    std::optional<std::uint32_t> current_;
    std::size_t live_ = 0;
};

}  // namespace casio::mock_es
