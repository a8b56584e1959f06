#pragma once
// Pure decisions and request bodies of the service loops (protocol.md §2, §3.5, §3.6): the queries
// they send, the patches they write, and the scheduling decision. No I/O here, so every body
// the service writes is unit-tested byte for byte.

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/time.hpp>

namespace casio::sync {

enum class job_type { full, incremental, access_control };
std::string_view to_string(job_type t) noexcept;
std::optional<job_type> parse_job_type(std::string_view text) noexcept;
inline bool is_content(job_type t) noexcept {
    return t != job_type::access_control;
}

enum class job_status { completed, error, canceled, suspended };
std::string_view to_string(job_status s) noexcept;

// Text of the cleanup failure (protocol.md §2.5).
inline constexpr std::string_view stuck_job_message =
    "The job has not seen any update for some time.";

// protocol.md §2.1: the `query` of the connector discovery, or nullopt when ids and types are both
// empty (no request is sent then).
std::optional<boost::json::object> discovery_query(const std::vector<std::string>& ids,
                                                   const std::vector<std::string>& types);
// protocol.md §2.3: the search body for pending/suspended jobs of `connector_ids` and `types`,
// oldest first.
boost::json::object pending_jobs_body(const std::vector<std::string>& connector_ids,
                                      const std::vector<job_type>& types);
// Jobs of one connector and type that are still alive (pending, suspended, in_progress,
// canceling): a scheduled job is not created again while one of these exists.
boost::json::object active_jobs_body(std::string_view connector_id, job_type type);
// protocol.md §2.5 orphaned jobs: running jobs whose connector id is none of `all_connector_ids`.
boost::json::object orphaned_jobs_body(const std::vector<std::string>& all_connector_ids);
// protocol.md §2.5 idle jobs: running jobs of `connector_ids` not seen for 300 s.
boost::json::object idle_jobs_body(const std::vector<std::string>& connector_ids);

// protocol.md §2.2 step 1: the patch that prepares a connector for `schema`/`features` (empty when
// the connector is already prepared).
boost::json::object prepare_patch(const boost::json::object& connector,
                                  std::string_view service_type, const boost::json::object& schema,
                                  const boost::json::object& features);
// A configuration field with the 13 standard properties, missing ones defaulted (label falls
// back to the upper-cased key).
boost::json::object complete_field(std::string_view key, const boost::json::object& field);

// Feature flags of a connector document.
bool feature_enabled(const boost::json::object& connector, std::string_view path);
inline bool dls_enabled(const boost::json::object& c) {
    return feature_enabled(c, "document_level_security");
}
inline bool incremental_enabled(const boost::json::object& c) {
    return feature_enabled(c, "incremental_sync");
}
inline bool sync_rules_enabled(const boost::json::object& c) {
    return feature_enabled(c, "sync_rules.basic") || feature_enabled(c, "sync_rules.advanced");
}

// The field holding the last scheduling of `t` (`last_sync_scheduled_at`, ...).
std::string_view last_scheduled_field(job_type t) noexcept;
// `last_sync_status` or `last_access_control_sync_status`.
std::string_view last_status_field(job_type t) noexcept;
std::string_view last_error_field(job_type t) noexcept;

// protocol.md §2.2 try_schedule b-c. `due` holds the cron occurrence to write and to schedule.
struct schedule_decision {
    enum class verdict { not_due, disabled, already_scheduled, due, bad_interval } what;
    std::optional<core::sys_us> occurrence;
    std::string error;  // bad_interval: the cron error text
};
schedule_decision decide_schedule(const boost::json::object& connector, job_type t,
                                  core::sys_us last_wake_up, core::sys_us now);

// protocol.md §2.4 step 1: true when the connector already runs a job of this kind (another
// worker).
bool sync_in_progress(const boost::json::object& connector, job_type t);
// protocol.md §2.4 step 1: the OCC patch of sync_starts.
boost::json::object sync_starts_patch(job_type t);

// protocol.md §3.5 counters of a job.
struct job_counts {
    std::int64_t indexed_document_count = 0;
    std::int64_t indexed_document_volume = 0;  // MiB
    std::int64_t deleted_document_count = 0;
};
// protocol.md §3.5 terminal job write (the `doc`). `counts` absent for cleanup; `total` only when
// the connector was found.
boost::json::object terminal_job_doc(job_status s, const std::optional<std::string>& error,
                                     std::string_view now, const std::optional<job_counts>& counts,
                                     std::optional<std::int64_t> total);

// protocol.md §3.6 connector sync-done write. `job` is the job document as re-read (nullopt:
// unknown job).
boost::json::object sync_done_doc(const std::optional<boost::json::object>& job,
                                  std::string_view now, const boost::json::value& cursor);

// protocol.md §7.2: the basic-rule part of a draft validation: one {"ids":[rule
// id],"messages":[...]} per invalid rule (schema, a non-default `.*` regex, duplicates of
// field/rule/value, a rule the engine refuses). Empty when every rule is valid.
boost::json::array validate_basic_rules(const boost::json::value& rules);

// Reads a dotted path of objects ("connector.id"); nullptr when absent.
const boost::json::value* find_path(const boost::json::object& o, std::string_view path);
// The string at `path`, or `fallback`.
std::string string_at(const boost::json::object& o, std::string_view path,
                      std::string_view fallback = {});

// protocol.md §3.3 step 11: how an exception becomes the job's `error` text. `forbidden_index` is
// the job's index (for the 403 message).
std::string job_error_message(const std::exception& e, std::string_view index);

}  // namespace casio::sync
