#include <bit>
#include <limits>

#include <casio/core/error.hpp>
#include <casio/sync/id_set.hpp>

namespace casio::sync {

namespace {
constexpr std::size_t min_table = 64;
}

std::uint32_t id_set::hash_of(std::string_view id) noexcept {
    // FNV-1a 64 folded to 32 bits: ids are short and this is cheaper than std::hash's setup.
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : id) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

void id_set::reserve(std::size_t n) {
    entries_.reserve(n);
    rehash(n);
}

void id_set::rehash(std::size_t n) {
    std::size_t want = std::bit_ceil(std::max(min_table, n + n / 2 + 1));
    if (want > table_.size()) {
        table_.assign(want, 0);
        const std::size_t mask = table_.size() - 1;
        for (std::uint32_t e = 0; e < entries_.size(); ++e) {
            std::size_t s = entries_[e].hash & mask;
            while (table_[s] != 0) {
                s = (s + 1) & mask;
            }
            table_[s] = e + 1;
        }
    }
}

void id_set::grow() {
    // Only the table: the entry vector grows geometrically on its own.
    rehash(std::max(min_table, entries_.size() * 2));
}

std::optional<std::size_t> id_set::slot_of(std::string_view id, std::uint32_t h) const noexcept {
    if (table_.empty()) {
        return std::nullopt;
    }
    const std::size_t mask = table_.size() - 1;
    for (std::size_t s = h & mask;; s = (s + 1) & mask) {
        std::uint32_t v = table_[s];
        if (v == 0) {
            return std::nullopt;
        }
        const entry& en = entries_[v - 1];
        if (en.hash == h && en.id_len == id.size() &&
            std::string_view(arena_.data() + en.offset, en.id_len) == id) {
            return s;
        }
    }
}

bool id_set::insert(std::string_view id, std::optional<std::string_view> timestamp) {
    const std::uint32_t h = hash_of(id);
    if (auto s = slot_of(id, h)) {
        entry& en = entries_[table_[*s] - 1];
        if (en.live) {
            return false;
        }
        // Revive (rare: an id scanned twice after being seen). A new timestamp goes with a
        // fresh copy of the id at the arena end, so one offset still addresses both.
        if (timestamp) {
            en.offset = arena_.size();
            arena_ += id;
            arena_ += *timestamp;
        }
        en.ts_len = timestamp ? static_cast<std::uint32_t>(timestamp->size()) : 0;
        en.has_ts = timestamp.has_value();
        en.live = true;
        ++live_;
        return true;
    }
    if (entries_.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
        throw core::error(core::error_kind::fatal, "too many existing document ids");
    }
    if ((entries_.size() + 1) * 10 > table_.size() * 7) {
        grow();
    }
    entry en{};
    en.offset = arena_.size();
    en.id_len = static_cast<std::uint32_t>(id.size());
    en.ts_len = timestamp ? static_cast<std::uint32_t>(timestamp->size()) : 0;
    en.hash = h;
    en.has_ts = timestamp.has_value();
    en.live = true;
    arena_ += id;
    if (timestamp) {
        arena_ += *timestamp;
    }
    entries_.push_back(en);
    const std::size_t mask = table_.size() - 1;
    std::size_t s = h & mask;
    while (table_[s] != 0) {
        s = (s + 1) & mask;
    }
    table_[s] = static_cast<std::uint32_t>(entries_.size());
    ++live_;
    return true;
}

std::optional<id_set::entry_ref> id_set::find(std::string_view id) const noexcept {
    auto s = slot_of(id, hash_of(id));
    if (!s) {
        return std::nullopt;
    }
    entry_ref e = table_[*s] - 1;
    if (!entries_[e].live) {
        return std::nullopt;
    }
    return e;
}

std::string_view id_set::id(entry_ref e) const noexcept {
    const entry& en = entries_[e];
    return {arena_.data() + en.offset, en.id_len};
}

std::optional<std::string_view> id_set::timestamp(entry_ref e) const noexcept {
    const entry& en = entries_[e];
    if (!en.has_ts) {
        return std::nullopt;
    }
    return std::string_view(arena_.data() + en.offset + en.id_len, en.ts_len);
}

void id_set::erase(entry_ref e) noexcept {
    if (entries_[e].live) {
        entries_[e].live = false;
        --live_;
    }
}

bool id_set::erase(std::string_view id) noexcept {
    auto e = find(id);
    if (!e) {
        return false;
    }
    erase(*e);
    return true;
}

bool id_set::was_seen(std::string_view id) const noexcept {
    auto s = slot_of(id, hash_of(id));
    return s && !entries_[table_[*s] - 1].live;
}

void id_set::insert_seen(std::string_view id) {
    if (auto e = find(id)) {
        erase(*e);
        return;
    }
    if (was_seen(id)) {
        return;
    }
    insert(id, std::nullopt);  // a new entry, the last one
    erase(static_cast<entry_ref>(entries_.size() - 1));
}

std::size_t id_set::memory_bytes() const noexcept {
    return arena_.capacity() + entries_.capacity() * sizeof(entry) +
           table_.capacity() * sizeof(std::uint32_t);
}

void id_set::clear() noexcept {
    arena_.clear();
    entries_.clear();
    table_.clear();
    live_ = 0;
}

}  // namespace casio::sync
