#pragma once
// Runs one sync job end to end (protocol.md §3.3): sync_starts and claim, the source into the sink,
// a supervisor that polls the job every check_interval (cancel requests, vanished job or
// connector), the stats reporter, and exactly one terminal write (protocol.md §3.5) followed by the
// connector sync-done write (protocol.md §3.6). The job has one cancellation signal: cancel from
// ES, shutdown (suspend()) and failures all stop every coroutine the job started through it.

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <casio/es/client.hpp>
#include <casio/es/settings.hpp>
#include <casio/sync/connector_doc.hpp>
#include <casio/sync/job_metrics.hpp>
#include <casio/sync/sink.hpp>
#include <casio/sync/source.hpp>

namespace casio::sync {

struct runner_settings {
    std::string hostname = "localhost";
    es::bulk_config bulk;
    std::size_t max_file_size = 10485760;
    bool serverless = false;
    bool incremental_reads_changes = true;  // service.incremental_sync_reads_changes
    // How often a running job is read back (cancel requests): the reference polls every 5 s
    // (JOB_CHECK_INTERVAL); every second makes Kibana's Cancel take effect at once.
    std::chrono::milliseconds check_interval{1000};
    std::chrono::milliseconds stats_interval{10000};  // JOB_REPORTING_INTERVAL
    // The job's `metadata` in every stats update, written first right after the claim: who runs
    // the job (worker_metadata(), worker.hpp). Empty: `{}`, as the reference writes.
    boost::json::object metadata;
};

struct job_outcome {
    job_status status = job_status::error;
    std::optional<std::string> error;
    sync_totals totals;
    // Content jobs: how the job read the source (docs/incremental-sync.md). `changes`: only
    // what changed since the connector's sync_cursor; `listing`: everything, and for an
    // incremental job `full_listing_reason` says why it could not read changes only.
    std::string read = "listing";
    std::optional<std::string> full_listing_reason;
};

class job_runner {
  public:
    // `es` serves the protocol indices, `content_es` the content/ACL index (the connector's
    // api_key, protocol.md §9.4); both and `factory` must outlive the runner. `job` is the job as
    // found by the pending-jobs search.
    job_runner(es::client& es, es::client& content_es, source_factory& factory,
               runner_settings settings, es::doc_hit job);
    job_runner(const job_runner&) = delete;
    job_runner& operator=(const job_runner&) = delete;

    // Runs the job to its terminal state. nullopt: sync_starts found the connector busy (or
    // could not write it), or the job no longer pending (another worker already ran it from
    // the same search); the job was not touched.
    boost::asio::awaitable<std::optional<job_outcome>> run();

    // Shutdown: the job ends `suspended` (idempotent, from any coroutine on the same
    // io_context).
    void suspend();

    const std::string& job_id() const noexcept { return job_id_; }
    const std::string& connector_id() const noexcept { return connector_id_; }
    job_type type() const noexcept { return type_; }
    // Live counters for progress displays; nullptr until the sink exists.
    const sync_counters* counters() const noexcept { return sink_ ? &sink_->stats() : nullptr; }

  private:
    // The phases of run: the job is taken (false: another runner has it, or it cannot be
    // read), claimed (an error message when the claim failed), its work runs under
    // supervision until it ends.
    boost::asio::awaitable<std::optional<job_outcome>> run_labelled();
    boost::asio::awaitable<bool> take();
    boost::asio::awaitable<std::optional<std::string>> claim();
    boost::asio::awaitable<void> work_supervised();
    std::string work_error_message() const;
    boost::asio::awaitable<bool> sync_starts();
    boost::asio::awaitable<void> do_sync();
    boost::asio::awaitable<void> supervise();
    boost::asio::awaitable<void> report_stats();
    // The progress line of every display_every documents.
    void log_progress(std::chrono::steady_clock::time_point started) const;
    // Keeps and logs how the job reads the source: the changes since the sync cursor when
    // `why_not` is empty, else everything (`listing` says what). True for the changes.
    bool choose_read(std::optional<std::string> why_not, std::string_view listing,
                     std::string_view changes);
    boost::asio::awaitable<void> check_license();
    boost::asio::awaitable<void> validate_filtering(source& src);
    boost::asio::awaitable<job_outcome> finish(job_status status, std::optional<std::string> error);
    // Records why the job stops (unless a reason is set already) and stops its work.
    void stop(job_status status, std::optional<std::string> error = std::nullopt);
    void stop_work();

    es::client& es_;
    es::client& content_es_;
    source_factory& factory_;
    runner_settings settings_;
    es::doc_hit job_;
    std::string job_id_;
    std::string connector_id_;
    std::string index_name_;
    job_type type_ = job_type::full;
    boost::json::object connector_;  // live connector read by sync_starts

    std::unique_ptr<sink> sink_;
    std::unique_ptr<job_metrics> metrics_;
    std::uint64_t documents_seen_ =
        0;  // handed to the sink, for the progress lines  // from the claim to the terminal write
    boost::asio::cancellation_signal work_signal_;
    std::unique_ptr<boost::asio::steady_timer> wake_;
    // Why the job stops before its work ends (shutdown, a cancel, the job or connector gone):
    // the first reason set wins and decides the terminal status.
    struct stop_reason {
        job_status status;
        std::optional<std::string> error;
    };
    std::optional<stop_reason> stop_;
    bool work_done_ = false;
    std::string taken_status_;  // set when sync_starts found the job no longer pending
    std::exception_ptr work_error_;
    // Incremental sync: the connector's next sync_cursor, set once the job's documents are all
    // flushed (null until then, and for a job that does not complete).
    boost::json::value next_cursor_;
    bool read_changes_ = false;
    std::optional<std::string> full_listing_reason_;
};

}  // namespace casio::sync
