#pragma once
// The ids (and `_timestamp`s) of the documents already in an index (protocol.md §4.7), held
// compactly because a full sync keeps all of them in memory: every id and timestamp lives in one
// character arena, each entry is 24 bytes, and an open-addressing table of 32-bit entry
// numbers finds them. No per-id allocation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace casio::sync {

class id_set {
  public:
    using entry_ref = std::uint32_t;

    id_set() = default;

    // Sizes the table for `n` ids (avoids rehashing while a scan fills it).
    void reserve(std::size_t n);

    // Adds `id` with its stored `_timestamp` (nullopt: absent or null). An id already present
    // keeps its first timestamp and false is returned (ES ids are unique; a scan that repeats
    // one is harmless). An erased id is revived with the new timestamp.
    bool insert(std::string_view id, std::optional<std::string_view> timestamp);

    // The live entry for `id`, if any.
    std::optional<entry_ref> find(std::string_view id) const noexcept;
    bool contains(std::string_view id) const noexcept { return find(id).has_value(); }

    std::string_view id(entry_ref e) const noexcept;
    std::optional<std::string_view> timestamp(entry_ref e) const noexcept;

    // Marks the entry seen: it no longer counts, is no longer found, and is not visited.
    void erase(entry_ref e) noexcept;
    bool erase(std::string_view id) noexcept;

    // Whether `id` is held as seen (erased, or added by insert_seen): a listing that brings it
    // again brought it twice.
    bool was_seen(std::string_view id) const noexcept;
    // Holds an id that was not in the index as seen, so that a second sighting is told apart
    // from a first one. Not counted by size(), not visited.
    void insert_seen(std::string_view id);

    std::size_t size() const noexcept { return live_; }
    bool empty() const noexcept { return live_ == 0; }
    // Bytes held (arena + entries + table), for logs and the memory budget.
    std::size_t memory_bytes() const noexcept;

    // Calls f(id, timestamp) for every live entry, in insertion order.
    template <typename F>
    void for_each(F&& f) const {
        for (entry_ref e = 0; e < entries_.size(); ++e) {
            if (entries_[e].live) {
                f(id(e), timestamp(e));
            }
        }
    }

    void clear() noexcept;

  private:
    struct entry {
        std::uint64_t offset;  // id bytes, then timestamp bytes, in arena_
        std::uint32_t id_len;
        std::uint32_t ts_len;
        std::uint32_t hash;
        bool has_ts;
        bool live;
    };
    static std::uint32_t hash_of(std::string_view id) noexcept;
    std::optional<std::size_t> slot_of(std::string_view id, std::uint32_t h) const noexcept;
    void grow();
    void rehash(std::size_t n);

    std::string arena_;
    std::vector<entry> entries_;
    std::vector<std::uint32_t> table_;  // entry number + 1; 0 is an empty slot
    std::size_t live_ = 0;
};

}  // namespace casio::sync
