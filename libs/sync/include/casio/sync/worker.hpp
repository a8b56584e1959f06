#pragma once
// Who runs a job, so that a job left `in_progress` by a process that died (killed, SIGPIPE,
// power cut of a container) is recognised by the next process started on the same host and
// ended at once, instead of blocking the connector until the 300 s idle-job cleanup
// (protocol.md §2.5). `_claim` records only `worker_hostname`; the rest of the identity goes into
// the job's `metadata` with every stats update, starting right after the claim.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <casio/es/client.hpp>
#include <casio/sync/settings.hpp>

namespace casio::sync {

struct worker_identity {
    std::string hostname;
    std::int64_t pid = 0;
    std::string boot_id;           // /proc/sys/kernel/random/boot_id: the same boot of the host
    std::string pid_namespace;     // /proc/self/ns/pid: pids of the same namespace
    std::int64_t start_ticks = 0;  // /proc/<pid>/stat field 22: tells a reused pid apart

    bool operator==(const worker_identity&) const = default;
};

// This process, as /proc describes it (empty fields where /proc cannot be read).
worker_identity this_process(std::string hostname);

// The job `metadata` carrying `w`, and `w` read back from a job document (nullopt when the job
// was not run by a process that records it: another version, the Python service).
boost::json::object worker_metadata(const worker_identity& w);
std::optional<worker_identity> worker_of(const boost::json::object& job);

// Start time (ticks since boot) of a live process `pid` of this namespace; nullopt when there is
// none.
using process_probe = std::function<std::optional<std::int64_t>(std::int64_t pid)>;
std::optional<std::int64_t> proc_start_ticks(std::int64_t pid);

// Whether the process that ran a job is known to be gone. Only a process of this host, boot and
// pid namespace can be judged; anything else is left to the idle-job cleanup.
enum class worker_state { alive, gone, unknown };
worker_state judge_worker(const worker_identity& recorded, const worker_identity& self,
                          const process_probe& probe);

// Ends the jobs of the configured connectors that a gone process of this host left running:
// `in_progress` ones as `error`, `canceling` ones as `canceled`, each with a warning naming the
// job, the connector and the process, and releases their connectors (sync-done write). Returns
// the ids of the jobs ended.
boost::asio::awaitable<std::vector<std::string>> end_jobs_of_gone_workers(
    es::client& es, const config& cfg, const worker_identity& self,
    process_probe probe = proc_start_ticks);

}  // namespace casio::sync
