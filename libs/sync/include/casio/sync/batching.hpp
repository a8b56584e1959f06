#pragma once
// When the sink cuts a _bulk request (protocol.md §4.3). Pure.
//
// Limits count NDJSON lines (index/update = 2, delete = 1) and body bytes. A batch is sent
// *before* an operation that would overflow a non-empty batch, and *after* an operation that
// fills it, so a single operation larger than the byte cap still travels, alone.

#include <cstddef>

namespace casio::sync {

struct batch_limits {
    std::size_t max_lines = 500;                           // elasticsearch.bulk.chunk_size
    std::size_t max_bytes = std::size_t{3} * 1024 * 1024;  // elasticsearch.bulk.chunk_max_mem_size
};

struct batch_state {
    std::size_t lines = 0;
    std::size_t bytes = 0;
    constexpr bool empty() const noexcept { return lines == 0; }
};

constexpr bool flush_before(const batch_state& b, std::size_t op_lines, std::size_t op_bytes,
                            const batch_limits& l) noexcept {
    return !b.empty() && (b.lines + op_lines > l.max_lines || b.bytes + op_bytes > l.max_bytes);
}

constexpr bool flush_after(const batch_state& b, const batch_limits& l) noexcept {
    return b.lines >= l.max_lines || b.bytes >= l.max_bytes;
}

}  // namespace casio::sync
