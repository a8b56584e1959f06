#pragma once
// NDJSON bulk bodies (protocol.md §4.4) and their responses. Pure logic, no I/O.
//
// Documents arrive already serialised (the sink never re-parses them); the builder appends
// action lines and document bytes to one body buffer and remembers where each operation
// starts, so a retry of a subset (per-item 429) is cut from the same buffer.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <casio/core/json_text.hpp>

namespace casio::es {

enum class bulk_op : std::uint8_t { index, update, delete_ };

std::string_view to_string(bulk_op op) noexcept;

class bulk_builder {
  public:
    bulk_builder() = default;

    // {"index":{"_index":...,"_id":...}}\n<source>\n  — `source_json` is one JSON object
    // without newlines (as produced by boost::json::serialize).
    void add_index(std::string_view index, std::string_view id, std::string_view source_json);
    // {"update":{...}}\n{"doc":<doc>,"doc_as_upsert":true}\n
    void add_update(std::string_view index, std::string_view id, std::string_view doc_json);
    // {"delete":{...}}\n
    void add_delete(std::string_view index, std::string_view id);
    // Room for a batch of `bytes` and `operations` (no reallocation while it fills).
    void reserve(std::size_t bytes, std::size_t operations) {
        body_.reserve(bytes);
        ops_.reserve(operations);
    }

    // Size the operation would add, for flush-before-add decisions (protocol.md §4.3).
    static std::size_t lines_of(bulk_op op) noexcept { return op == bulk_op::delete_ ? 1 : 2; }
    static std::size_t bytes_of(bulk_op op, std::string_view index, std::string_view id,
                                std::size_t doc_size) noexcept;

    std::size_t operations() const noexcept { return ops_.size(); }
    std::size_t lines() const noexcept { return lines_; }
    std::size_t bytes() const noexcept { return body_.size(); }
    bool empty() const noexcept { return ops_.empty(); }

    const std::string& body() const noexcept { return body_; }
    bulk_op op(std::size_t i) const noexcept { return ops_[i].op; }
    std::string_view id(std::size_t i) const noexcept;
    // The operation's NDJSON lines, trailing newline included.
    std::string_view text(std::size_t i) const noexcept;

    // A builder holding only the operations at `indices` (in that order).
    bulk_builder subset(std::span<const std::size_t> indices) const;

    void reserve(std::size_t bytes) { body_.reserve(bytes); }
    void clear() noexcept;

  private:
    struct entry {
        std::size_t begin;   // offset of the action line in body_
        std::size_t end;     // one past the operation's last newline
        std::size_t id_pos;  // escaped id inside the action line
        std::uint32_t id_len;
        bulk_op op;
    };
    void append_action(bulk_op op, std::string_view index, std::string_view id);

    std::string body_;
    std::vector<entry> ops_;
    std::size_t lines_ = 0;
};

// One item of a _bulk response, in request order.
struct bulk_item {
    bulk_op op = bulk_op::index;
    std::string id;
    unsigned status = 0;
    std::string result;  // created, updated, deleted, noop, not_found; empty on error
    std::string error_type;
    std::string error_reason;

    // protocol.md §4.4: only created/updated/deleted/noop count as success (a not_found delete
    // fails).
    bool succeeded() const noexcept;
};

struct bulk_response {
    bool errors = false;
    std::vector<bulk_item> items;
    int attempts = 1;               // HTTP requests sent, retries included
    std::size_t retried_items = 0;  // item re-sends after a 429
    std::uint64_t bytes_sent = 0;   // request bodies sent, retries included
};

// Parses a _bulk response body. Throws core::error(fatal) naming the problem when the body is
// not a bulk response.
bulk_response parse_bulk_response(std::string_view body);

// JSON string escaping (quotes excluded) appended to `out`.
using core::append_json_escaped;

}  // namespace casio::es
