#pragma once
// Small typed views of what the ES calls return. Documents themselves stay
// boost::json::object: the connector and job schemas belong to libs/sync.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace casio::es {

// Index and alias names of the connectors protocol (spec conventions).
inline constexpr std::string_view connectors_index = ".elastic-connectors";
inline constexpr std::string_view connectors_concrete_index = ".elastic-connectors-v1";
inline constexpr std::string_view jobs_index = ".elastic-connectors-sync-jobs";
inline constexpr std::string_view jobs_concrete_index = ".elastic-connectors-sync-jobs-v1";
inline constexpr std::string_view acl_index_prefix = ".search-acl-filter-";

// A document read by GET _doc or a search hit with seq_no_primary_term.
struct doc_hit {
    std::string id;
    std::int64_t seq_no = -1;
    std::int64_t primary_term = -1;
    boost::json::object source;
};

// The optimistic-concurrency guard of a write: values of the last read.
struct occ_guard {
    std::int64_t seq_no = 0;
    std::int64_t primary_term = 0;
};
inline occ_guard guard_of(const doc_hit& hit) noexcept {
    return {hit.seq_no, hit.primary_term};
}

// GET / (protocol.md §10.1).
struct cluster_info {
    std::string version_number;  // "8.18.0"
    std::string build_flavor;    // "default", "serverless"
    bool serverless() const noexcept { return build_flavor == "serverless"; }
};

// GET /_license (protocol.md §10.10).
struct license_info {
    std::string status;  // "active", "expired"
    std::string type;    // basic, gold, platinum, enterprise, trial

    // Active and at least `minimum` in basic < gold < platinum < enterprise < trial.
    // Unknown types rank below basic.
    bool at_least(std::string_view minimum) const noexcept;
};

// PUT /_connector/_sync_job/{id}/_stats (protocol.md §3.4).
struct sync_job_stats {
    std::int64_t indexed_document_count = 0;
    std::int64_t indexed_document_volume = 0;  // MiB, rounded
    std::int64_t deleted_document_count = 0;
    std::optional<std::int64_t> total_document_count;  // never sent by the reference service
    boost::json::object metadata;                      // the job's free-form `metadata`
};

// One entry of an existing-documents scan (protocol.md §4.7): `_source.id` (else `_id`) and
// `_source._timestamp` when present as a string.
struct id_timestamp {
    std::string id;
    std::optional<std::string> timestamp;
};

}  // namespace casio::es
