#pragma once
// The jobs this process runs, as metrics: each running job's totals are read from its sink's
// own counters when the metrics are rendered (so GET /metrics and the job document agree),
// and the totals a job ended with stay shown until the next job of the same connector and type
// ends. Registered with core::metrics::global() on first use.
//
// Families (labels connector_id, job_type, sync_job_id unless said otherwise):
//   connectors_asio_sync_documents_indexed_total   indexed_document_count of the job
//   connectors_asio_sync_documents_deleted_total   deleted_document_count of the job
//   connectors_asio_sync_documents_received_total  documents the source yielded
//   connectors_asio_sync_bulk_bytes_sent_total     _bulk request bodies sent (retries included)
//   connectors_asio_bulk_queue_bytes               bytes waiting in the job's bulk queue
//   connectors_asio_jobs_running{job_type}         jobs running now
//   connectors_asio_jobs_ended_total{job_type,status}  jobs ended since start, by status

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <casio/sync/connector_doc.hpp>
#include <casio/sync/sink.hpp>

namespace casio::sync {

// One job's entry, from its start to its end (RAII: a job whose runner disappears without
// ending is recorded as ended with the status "unknown").
class job_metrics {
  public:
    // `live` returns the job's current totals and queued bytes (called at render time on the
    // thread rendering: the io_context's).
    struct live_view {
        std::function<sync_totals()> totals;
        std::function<std::uint64_t()> queued_bytes;
    };
    job_metrics(std::string job_id, std::string connector_id, std::string job_type, live_view live);
    ~job_metrics();
    job_metrics(const job_metrics&) = delete;
    job_metrics& operator=(const job_metrics&) = delete;

    // The job ended with these totals (what the job document receives).
    void ended(job_status status, const sync_totals& totals);

  private:
    // Keeps `totals` (the live ones when null) as the job's last, counts the end.
    void record_end(const sync_totals* totals, std::string_view status);

    std::string job_id_;
    bool ended_ = false;
};

// Jobs started and not ended in this process.
std::size_t running_job_count();

}  // namespace casio::sync
