#pragma once
// The connectors service (protocol.md §1.3-§2.8): preflight, connector bootstrap, and the
// independent poll loops (scheduling, content jobs, access-control jobs, cleanup) as coroutines on
// one io_context. A loop's failure is logged and charged to its own error budget; only an exhausted
// budget stops the service. stop() takes no new job and suspends running ones.

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <casio/core/retry.hpp>
#include <casio/es/client.hpp>
#include <casio/sync/connector_doc.hpp>
#include <casio/sync/job_runner.hpp>
#include <casio/sync/settings.hpp>
#include <casio/sync/source.hpp>
#include <casio/sync/worker.hpp>

namespace casio::sync {

// Thrown when preflight gives up; what() says why (the process exits non-zero).
class preflight_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// protocol.md §1.3 step 2 as a pure decision: an error text when `es_version` is older than a
// `_connector` call of es::connector_apis (naming the calls it lacks) or cannot be read;
// `warning` receives the text for a newer major than es::known_major, which is accepted.
std::optional<std::string> check_es_version(std::string_view es_version,
                                            std::string* warning = nullptr);
// protocol.md §1.3 step 4: nullopt when the configuration can run, else why not.
std::optional<std::string> check_local_config(const config& cfg);

// protocol.md §1.3: waits for ES, checks the version, the local configuration and the system
// indices. Returns whether ES is serverless. `allow_version_mismatch` is ALLOW_ES_VERSION_MISMATCH.
boost::asio::awaitable<bool> preflight(es::client& es, const config& cfg, core::sleeper& sleep,
                                       bool allow_version_mismatch);

// protocol.md §1.4: a configured connector that does not exist and has `index_name` is created
// with the source's schema and the entry's configuration values. Returns the ids created.
boost::asio::awaitable<std::vector<std::string>> bootstrap_connectors(es::client& es,
                                                                      const config& cfg,
                                                                      source_factory& factory);

// protocol.md §2.2 step 1 (prepare) for one connector id: OCC write of the schema/features patch.
// Returns the connector as re-read (nullopt when it does not exist).
boost::asio::awaitable<std::optional<es::doc_hit>> prepare_connector(es::client& es,
                                                                     std::string_view id,
                                                                     source_factory& factory);

// The keys of a config entry's `configuration:` whose value differs from the one stored in
// `connector` (a connector document): reported at start, never applied (the stored values, set
// in Kibana, win; config.yml configures only a connector it creates).
std::vector<std::string> configuration_drift(const connector_entry& entry,
                                             const boost::json::object& connector);

// The configuration values of a config entry as a `_configuration` "values" object.
boost::json::object configuration_values(const connector_entry& entry);

struct loop_counters {
    std::uint64_t rounds = 0;
    std::uint64_t errors = 0;
};

// The loops service::run() starts (the command line's `--action` values); all four by default.
struct loop_selection {
    bool schedule = true;
    bool sync_content = true;
    bool sync_access_control = true;
    bool cleanup = true;
};

class service {
  public:
    // Clients for the content indices of a connector (its api_key, protocol.md §9.4): `es` when
    // nullptr.
    using content_client_for = std::function<es::client*(const std::string& connector_id)>;

    service(const config& cfg, es::client& es, source_factory& factory, std::string hostname,
            content_client_for content = {});
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    // Runs every loop until stop() (or an exhausted error budget, then throws). Returns once
    // every running job has written its terminal state.
    boost::asio::awaitable<void> run();
    // Stops taking jobs, suspends running ones; run() then returns. Idempotent.
    void stop();
    // Before run(): only these loops run.
    void set_loops(loop_selection loops) { loops_ = loops; }

    // Exposed for tests: one round of each loop.
    boost::asio::awaitable<void> schedule_round();
    boost::asio::awaitable<void> execute_round(bool access_control);
    boost::asio::awaitable<void> cleanup_round();

    std::size_t running_jobs(bool access_control) const noexcept;
    const loop_counters& counters(std::string_view loop) const;

    // Who this process is (worker.hpp): when set, run() first ends the jobs a gone process of
    // this host left running, and every job this service runs records it.
    void set_worker(worker_identity w) { worker_ = std::move(w); }

    // Injected clock (tests): "now" of scheduling decisions.
    void set_clock(std::function<core::sys_us()> clock) { clock_ = std::move(clock); }
    void set_runner_intervals(std::chrono::milliseconds check, std::chrono::milliseconds stats) {
        check_interval_ = check;
        stats_interval_ = stats;
    }

  private:
    struct loop_state {
        std::string name;
        core::error_budget budget;
        loop_counters counters;
    };
    boost::asio::awaitable<void> loop(loop_state& state, std::chrono::milliseconds period,
                                      std::function<boost::asio::awaitable<void>()> round);
    boost::asio::awaitable<void> idle(std::chrono::milliseconds d);
    boost::asio::awaitable<std::vector<es::doc_hit>> discover();
    boost::asio::awaitable<void> schedule_connector(const es::doc_hit& hit, bool force_heartbeat);
    boost::asio::awaitable<void> validate_draft(const std::string& id, source& src);
    boost::asio::awaitable<void> try_schedule(const std::string& id, job_type t);
    boost::asio::awaitable<void> fail_job(const std::string& job_id);
    void launch(es::doc_hit job, job_type t);
    // True the first time `what` holds since it last did not: a condition worth a line is
    // logged once, not every round, and again if it comes back.
    bool report_once(const std::string& what, bool condition);
    void notify();

    const config& cfg_;
    es::client& es_;
    source_factory& factory_;
    std::string hostname_;
    std::optional<worker_identity> worker_;
    content_client_for content_;
    std::function<core::sys_us()> clock_;
    std::chrono::milliseconds check_interval_{1000};  // runner_settings::check_interval
    std::chrono::milliseconds stats_interval_{10000};

    core::sys_us last_wake_up_;
    bool first_heartbeat_done_ = false;
    bool stopping_ = false;
    std::exception_ptr fatal_;
    std::set<boost::asio::steady_timer*> sleeping_;
    std::list<std::shared_ptr<job_runner>> runners_;
    std::set<std::string> local_jobs_;
    std::set<std::string> reported_;
    std::unique_ptr<boost::asio::steady_timer> changed_;
    loop_state schedule_state_;
    loop_state content_state_;
    loop_state acl_state_;
    loop_state cleanup_state_;
    loop_selection loops_;
};

}  // namespace casio::sync
