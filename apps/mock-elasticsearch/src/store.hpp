#pragma once
// The document store of mock-elasticsearch: indices, their documents (kept as the bytes
// received), aliases, sequence numbers, versions and ingest pipelines. Every mutation is
// reported to an optional write-ahead log so that a --data-dir survives a crash.
//
// Document versions are immutable and shared (doc_ptr): a scroll keeps the versions it saw,
// which gives it the point-in-time view ES scrolls have, without copying sources.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include "es_error.hpp"
#include "source_arena.hpp"

namespace casio::mock_es {

class wal;

constexpr std::int64_t primary_term = 1;

struct doc_data {
    doc_data() = default;
    ~doc_data() { drop_copy(); }
    doc_data(const doc_data&) = delete;  // `source` may point into `owned`
    doc_data& operator=(const doc_data&) = delete;

    std::string id;
    // The JSON object as received (or as re-serialised after an update). Its bytes are in
    // `owned` or in the store's source arena (in memory), or, with --data-dir, in the
    // write-ahead log's read-only mapping once the request that wrote them has been logged: a
    // stored document then costs ~200 bytes of memory, not its size, and a restart copies no
    // source.
    std::string_view source;
    std::string owned;
    source_arena* arena = nullptr;  // set while `source` is a copy in one of its blocks
    std::uint32_t arena_block = 0;
    // Frees the document's own copy of its source (`source` is then set elsewhere, or unused).
    void drop_copy() noexcept {
        if (arena != nullptr) {
            arena->release(arena_block, source.size());
            arena = nullptr;
        }
        std::string().swap(owned);
    }
    std::int64_t seq_no = 0;
    std::int64_t version = 1;
    std::uint64_t order = 0;  // insertion order within the index ("_doc" sort)

    // The parsed source, cached on first use (system indices are small and queried often).
    const boost::json::object& object() const;

  private:
    mutable std::shared_ptr<const boost::json::object> parsed_;
};
using doc_ptr = std::shared_ptr<const doc_data>;

// Lets the document map be searched with a string_view (no temporary string per lookup). The
// map is open-addressed (one probe of a flat array per lookup, no node per document): with
// millions of documents a node-based map's pointer chasing and rehashes were the largest cost
// of ingestion after the sources themselves.
struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
// The map's table in huge pages once it is large (MADV_HUGEPAGE): at millions of documents
// every lookup lands on a random page of a table of hundreds of MB, and 4 KiB pages made the
// TLB misses grow with the index.
void* table_allocate(std::size_t bytes);
void table_deallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct table_allocator {
    using value_type = T;
    table_allocator() = default;
    template <class U>
    table_allocator(const table_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(table_allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { table_deallocate(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const table_allocator<U>&) const noexcept {
        return true;
    }
};

using doc_map = boost::unordered_flat_map<std::string, doc_ptr, id_hash, std::equal_to<>,
                                          table_allocator<std::pair<const std::string, doc_ptr>>>;

struct index_data {
    std::string name;
    std::string uuid;
    std::int64_t creation_ms = 0;
    boost::json::object mappings;
    boost::json::object settings;  // the "index" settings object as given (strings)
    std::vector<std::string> aliases;
    doc_map docs;
    std::int64_t next_seq_no = 0;
    std::uint64_t next_order = 0;

    bool hidden() const;
};

enum class write_result { created, updated, deleted, not_found, noop };
std::string_view to_string(write_result r) noexcept;

struct write_outcome {
    write_result result = write_result::created;
    std::int64_t seq_no = 0;
    std::int64_t version = 1;
    doc_ptr doc;  // the stored version after the write (null for deletes)
};

// if_seq_no / if_primary_term of a write.
struct occ {
    std::int64_t if_seq_no = -1;
    std::int64_t if_primary_term = 0;
    bool set() const noexcept { return if_seq_no >= 0; }
};

class store {
  public:
    store();
    ~store();

    // The log that receives every mutation (may be null: memory only).
    void set_wal(wal* w) noexcept { wal_ = w; }

    // --- indices --------------------------------------------------------------------------
    // Name -> concrete index, following aliases; nullptr when absent.
    index_data* find(std::string_view name_or_alias);
    const index_data* find(std::string_view name_or_alias) const;
    // The concrete name an alias points to, or the name itself.
    std::string concrete_name(std::string_view name_or_alias) const;
    // Creates an index (400 resource_already_exists_exception when it exists, 400
    // invalid_index_name_exception for a bad name). `body` may hold mappings/settings/aliases.
    index_data& create_index(std::string_view name, const boost::json::object& body = {});
    // Resolves for a write: existing index/alias, else auto-created.
    index_data& index_for_write(std::string_view name_or_alias);
    bool delete_index(std::string_view name);  // false when absent
    // Resolves an index expression (comma list, wildcards, _all) for read APIs.
    // expand_wildcards: "open" (default), "hidden", "all", "none" (comma list allowed).
    std::vector<index_data*> resolve(std::string_view expression, std::string_view expand_wildcards,
                                     bool ignore_unavailable, bool allow_no_indices = true);
    const std::map<std::string, index_data>& indices() const noexcept { return indices_; }
    // Alias -> concrete name, for GET index answers.
    std::vector<std::string> aliases_of(const index_data& idx) const;

    // --- documents ------------------------------------------------------------------------
    doc_ptr get(const index_data& idx, std::string_view id) const;
    // Index (create_only = false) or create (true: 409 when present). `source` must be a JSON
    // object (already validated).
    write_outcome put(index_data& idx, std::string_view id, std::string source, bool create_only,
                      const occ& cond = {});
    write_outcome remove(index_data& idx, std::string_view id, const occ& cond = {});
    // `_update` semantics on a parsed body {doc, doc_as_upsert, upsert, detect_noop}.
    write_outcome update(index_data& idx, std::string_view id, const boost::json::object& body,
                         const occ& cond = {});

    // --- ingest pipelines -----------------------------------------------------------------
    void put_pipeline(std::string_view id, boost::json::object body);
    bool delete_pipeline(std::string_view id);
    const std::map<std::string, boost::json::object, std::less<>>& pipelines() const noexcept {
        return pipelines_;
    }
    bool pipeline_exists(std::string_view id) const;

    // --- replay (write-ahead log) ----------------------------------------------------------
    void replay_create_index(std::string_view name, const boost::json::object& body,
                             std::string_view uuid, std::int64_t creation_ms);
    void replay_delete_index(std::string_view name);
    // `source` is stored as a view when `in_log` (it lives in the log's mapping), else copied.
    void replay_put(std::string_view index, std::string_view id, std::string_view source,
                    bool in_log, std::int64_t seq_no, std::int64_t version);
    void replay_delete(std::string_view index, std::string_view id, std::int64_t seq_no);

    std::string new_id();
    std::int64_t now_ms() const;

    // Maps and touches `bytes` for the sources of documents kept in memory (source_arena.hpp).
    void reserve_source_memory(std::size_t bytes) { arena_.reserve(bytes); }
    const source_arena& sources() const noexcept { return arena_; }

  private:
    index_data& create_index_unlogged(std::string_view name, const boost::json::object& body,
                                      std::string uuid, std::int64_t creation_ms);
    write_outcome store_doc(index_data& idx, std::string_view id, std::string source,
                            const doc_ptr& existing, doc_map::iterator slot);

    source_arena arena_;  // first: destroyed after the documents
    std::map<std::string, index_data> indices_;
    std::map<std::string, std::string, std::less<>> builtin_aliases_;
    std::map<std::string, boost::json::object, std::less<>> pipelines_;
    wal* wal_ = nullptr;
    std::uint64_t id_counter_ = 0;
    std::uint64_t id_salt_ = 0;
};

// Validates an index name like ES does; throws es_error(400, "invalid_index_name_exception").
void validate_index_name(std::string_view name);

// The error ES returns for a missing index.
es_error index_not_found(std::string_view name);

// ES's reason for an OCC failure.
es_error version_conflict(const index_data& idx, std::string_view id, const occ& cond,
                          const doc_ptr& current);

}  // namespace casio::mock_es
