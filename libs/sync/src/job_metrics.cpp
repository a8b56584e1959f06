#include <map>
#include <mutex>
#include <optional>

#include <casio/core/metrics.hpp>
#include <casio/sync/job_metrics.hpp>

namespace casio::sync {

namespace {

namespace metrics = core::metrics;

struct tracked_job {
    std::string connector_id;
    std::string job_type;
    job_metrics::live_view live;        // while running
    std::optional<sync_totals> final_;  // once ended
};

struct board {
    std::mutex mutex;
    std::map<std::string, tracked_job> jobs;  // by job id
};

board& the_board() {
    static board b;
    return b;
}

void collect(metrics::sample_sink& out) {
    auto& b = the_board();
    std::lock_guard lock(b.mutex);
    std::map<std::string, std::uint64_t> running_by_type{
        {"full", 0}, {"incremental", 0}, {"access_control", 0}};
    for (const auto& [id, job] : b.jobs) {
        const bool running = !job.final_;
        const sync_totals t =
            running ? (job.live.totals ? job.live.totals() : sync_totals{}) : *job.final_;
        const auto stats = t.job_stats();
        const metrics::labels l{
            {"connector_id", job.connector_id}, {"job_type", job.job_type}, {"sync_job_id", id}};
        out.counter("connectors_asio_sync_documents_indexed_total",
                    "Documents indexed by a sync job (its indexed_document_count)", l,
                    static_cast<double>(stats.indexed_document_count));
        out.counter("connectors_asio_sync_documents_deleted_total",
                    "Documents deleted by a sync job (its deleted_document_count)", l,
                    static_cast<double>(stats.deleted_document_count));
        out.counter("connectors_asio_sync_documents_received_total",
                    "Documents the source yielded to a sync job", l,
                    static_cast<double>(t.docs_received));
        out.counter("connectors_asio_sync_bulk_bytes_sent_total",
                    "Bytes of _bulk request bodies a sync job sent, retries included", l,
                    static_cast<double>(t.bulk_bytes));
        if (running) {
            ++running_by_type[job.job_type];
            out.gauge("connectors_asio_bulk_queue_bytes",
                      "Bytes of operations waiting in a running job's bulk queue", l,
                      job.live.queued_bytes ? static_cast<double>(job.live.queued_bytes()) : 0.0);
        }
    }
    for (const auto& [type, n] : running_by_type) {
        out.gauge("connectors_asio_jobs_running", "Sync jobs running in this process",
                  {{"job_type", type}}, static_cast<double>(n));
    }
}

void ensure_collector() {
    static const auto id = metrics::global().add_collector(collect);
    (void)id;
}

metrics::counter& ended_counter(const std::string& type, std::string_view status) {
    return metrics::global().counter_of("connectors_asio_jobs_ended_total",
                                        "Sync jobs ended since the process started, by status",
                                        {{"job_type", type}, {"status", std::string(status)}});
}

}  // namespace

std::size_t running_job_count() {
    auto& b = the_board();
    std::lock_guard lock(b.mutex);
    std::size_t n = 0;
    for (const auto& [id, job] : b.jobs) {
        n += job.final_ ? 0 : 1;
    }
    return n;
}

job_metrics::job_metrics(std::string job_id, std::string connector_id, std::string job_type,
                         live_view live)
    : job_id_(std::move(job_id)) {
    ensure_collector();
    auto& b = the_board();
    std::lock_guard lock(b.mutex);
    b.jobs[job_id_] =
        tracked_job{std::move(connector_id), std::move(job_type), std::move(live), std::nullopt};
}

job_metrics::~job_metrics() {
    if (!ended_) {
        record_end(nullptr, "unknown");
    }
}

void job_metrics::ended(job_status status, const sync_totals& totals) {
    if (!ended_) {
        ended_ = true;
        record_end(&totals, to_string(status));
    }
}

void job_metrics::record_end(const sync_totals* totals, std::string_view status) {
    std::string type;
    {
        auto& b = the_board();
        std::lock_guard lock(b.mutex);
        auto it = b.jobs.find(job_id_);
        if (it == b.jobs.end()) {
            return;
        }
        auto& live = it->second.live;
        it->second.final_ = totals ? *totals : live.totals ? live.totals() : sync_totals{};
        live = {};
        type = it->second.job_type;
        // One ended job per connector and type stays shown: the series do not grow with time.
        for (auto other = b.jobs.begin(); other != b.jobs.end();) {
            if (other != it && other->second.final_ &&
                other->second.connector_id == it->second.connector_id &&
                other->second.job_type == it->second.job_type) {
                other = b.jobs.erase(other);
            } else {
                ++other;
            }
        }
    }
    // Outside the board's lock: render() holds the registry's lock and then takes the board's.
    ended_counter(type, status).add();
}

}  // namespace casio::sync
