#pragma once
// The sink of one sync job (protocol.md §4): the extractor decisions (existing ids, sync rules,
// create/update/skip, stale deletion) on the producer side, a bounded queue (protocol.md §4.2), and
// bulk workers cutting _bulk requests (protocol.md §4.3) with up to `max_concurrency` in flight,
// counting the results (protocol.md §4.5) and tripping the error monitor (§4.4).
//
// Life of a sink, all on one io_context:
//
//     sink s(es, cfg.elasticsearch.bulk, {.index = "search-sf", .pipeline = p});
//     co_await s.start();                 // index creation (protocol.md §4.8), existing-id scan,
//     workers while (auto doc = co_await source.next()) co_await s.put(std::move(*doc)); auto
//     result = co_await s.finish(true);   // stale deletes, then waits for every bulk
//
// `finish()` must be awaited once `start()` has returned (also after an error: pass false),
// before the sink is destroyed: it is the point where every coroutine the sink spawned has
// ended. A producer error → finish(false): what is queued is still sent, nothing is deleted.
// `cancel()` (the job's cancellation signal) stops everything: queued operations are dropped,
// in-flight bulks are cancelled and awaited, nothing is deleted, put() and finish() throw
// sync_canceled. Any bulk failure, a tripped error monitor or an overloaded queue fails the
// sink: put() and finish() then rethrow that error. run_sync() below wraps the whole life.

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <casio/core/error.hpp>
#include <casio/es/client.hpp>
#include <casio/es/settings.hpp>
#include <casio/sync/batching.hpp>
#include <casio/sync/document.hpp>
#include <casio/sync/error_monitor.hpp>
#include <casio/sync/id_set.hpp>
#include <casio/sync/op_queue.hpp>
#include <casio/sync/sync_rules.hpp>

namespace casio::sync {

// How the producer decides operations (protocol.md §4.7, §5, §6).
enum class sync_mode {
    full,            // full sync: every doc `index`, unseen existing ids deleted
    skip_unchanged,  // Salesforce "incremental": as full, but a doc whose _timestamp equals
                     // the stored one is skipped
    incremental,     // changes only (docs/incremental-sync.md): no listing of the index, every
                     // doc `index`, a deletion (document::deleted) or a doc the rules exclude
                     // `delete`
    access_control,  // ACL sync: unchanged skipped, changed `update` (doc_as_upsert), new
                     // `index`, unseen deleted; no sync rules
    access_control_changes,  // ACL sync of changed users only (docs/incremental-sync.md): no
                             // listing of the index, every doc `update` (doc_as_upsert), a
                             // deletion `delete`
};

struct sink_options {
    std::string index;
    pipeline_settings pipeline;  // name goes on ?pipeline= (content and ACL alike); flags go
                                 // into content documents
    sync_mode mode = sync_mode::full;
    rule_set rules;  // basic sync rules; ignored in access_control mode
    bool create_index =
        true;  // protocol.md §4.8: content jobs create a missing index; ACL jobs do not
    std::size_t scan_page_size = 1000;
};

// Plain totals of one sync.
struct sync_totals {
    std::uint64_t docs_received = 0;  // documents handed to put()
    std::uint64_t docs_filtered = 0;  // excluded by sync rules
    std::uint64_t docs_skipped = 0;   // unchanged (_timestamp equal)
    std::uint64_t creates_queued = 0;
    std::uint64_t updates_queued = 0;
    std::uint64_t deletes_queued = 0;
    std::uint64_t docs_dropped_too_large = 0;
    std::uint64_t indexed = 0;        // index/update items answered with a result
    std::uint64_t indexed_bytes = 0;  // their source bytes
    std::uint64_t deleted = 0;        // delete items answered with a result
    std::uint64_t noop = 0;           // dropped by the pipeline
    std::uint64_t duplicate_ids = 0;  // `index` answered `updated` for a new id
    std::uint64_t item_errors = 0;
    std::uint64_t bulk_requests = 0;
    std::uint64_t bulk_bytes = 0;    // _bulk request bodies sent to Elasticsearch, retries included
    std::uint64_t item_retries = 0;  // items re-sent after a per-item 429
    std::uint64_t existing_ids = 0;  // ids found by the existing-documents scan

    // protocol.md §3.4 body: volume is round(bytes / MiB).
    es::sync_job_stats job_stats() const noexcept;
};

// Live counters, readable at any time by a stats reporter or a progress printer (also from
// another thread: relaxed atomics).
struct sync_counters {
    std::atomic<std::uint64_t> docs_received{0}, docs_filtered{0}, docs_skipped{0},
        creates_queued{0}, updates_queued{0}, deletes_queued{0}, docs_dropped_too_large{0},
        indexed{0}, indexed_bytes{0}, deleted{0}, noop{0}, duplicate_ids{0}, item_errors{0},
        bulk_requests{0}, bulk_bytes{0}, item_retries{0}, existing_ids{0};

    sync_totals snapshot() const noexcept;
};

struct sync_result {
    sync_totals totals;
    bool stale_deleted = false;  // the listing completed and unseen ids were deleted
};

// The job was cancelled: nothing was deleted.
class sync_canceled : public core::error {
  public:
    sync_canceled() : core::error(core::error_kind::canceled, "sync canceled") {}
};

// Text of the overloaded-queue failure (protocol.md §4.2).
std::string overloaded_message(std::chrono::milliseconds waited);

class sink {
  public:
    // `es` must outlive the sink.
    sink(es::client& es, es::bulk_config cfg, sink_options opts);
    sink(const sink&) = delete;
    sink& operator=(const sink&) = delete;
    ~sink();

    // Creates the content index when missing (protocol.md §4.8, content modes with create_index),
    // loads the existing ids and timestamps (protocol.md §4.7), and starts the bulk workers on the
    // calling coroutine's executor. On error nothing was started (finish() is then a no-op).
    boost::asio::awaitable<void> start();

    // One document from the source: finished (finish_document: id rule, `id`, the pipeline
    // flags of content documents), sync rules, existing-id bookkeeping, then queued. Waits
    // while the queue is full; fails the sync when it stays full longer than
    // queue_refresh_timeout. Throws the sink's failure, or sync_canceled.
    boost::asio::awaitable<void> put(document doc);

    // Ends the sync. With `listing_complete` (the source enumerated everything without error)
    // and no failure so far, deletes every existing id not seen. Then waits for the queue to
    // drain and every bulk to end. Throws the sink's failure or sync_canceled.
    boost::asio::awaitable<sync_result> finish(bool listing_complete);

    // Cancels the sync (idempotent, from any coroutine of the same io_context).
    void cancel();

    const sync_counters& stats() const noexcept { return counters_; }
    // Bytes of the operations waiting in the queue for a bulk request.
    std::size_t queued_bytes() const noexcept { return queue_.bytes(); }
    const id_set& existing() const noexcept { return existing_; }
    bool failed() const noexcept { return static_cast<bool>(failure_); }

  private:
    struct batch {
        es::bulk_builder body;
        std::vector<std::uint32_t> doc_sizes;
    };
    boost::asio::awaitable<void> ensure_index();
    boost::asio::awaitable<void> load_existing();
    boost::asio::awaitable<void> enqueue(queued_op op);
    boost::asio::awaitable<void> put_change(document doc);  // sync_mode::incremental
    // Whether the basic sync rules keep `doc` (true without rules); throws bad_request naming
    // the document when it is not a JSON object.
    bool accepted_by_rules(const document& doc) const;
    boost::asio::awaitable<void> consume();
    boost::asio::awaitable<void> flush(batch& cur);
    boost::asio::awaitable<void> dispatch(batch b);
    boost::asio::awaitable<void> send(batch b);
    void account(const batch& b, const es::bulk_response& res);
    void fail(std::exception_ptr e) noexcept;
    [[noreturn]] void rethrow_stop() const;
    bool stopped() const noexcept { return canceled_ || failure_; }

    es::client& es_;
    es::bulk_config cfg_;
    sink_options opts_;
    batch_limits limits_;
    id_set existing_;
    bool track_listed_ids_ = false;  // the index had documents: listed ids are remembered
    op_queue queue_;
    error_monitor monitor_;
    sync_counters counters_;

    std::vector<boost::asio::cancellation_signal> slot_signals_;  // one per concurrent bulk
    std::vector<bool> slot_busy_;
    std::size_t in_flight_ = 0;
    std::size_t in_flight_bytes_ = 0;  // bodies of the bulks in flight
    async_event changed_;              // a bulk ended or the consumer ended
    bool started_ = false;
    bool consumer_done_ = true;
    bool finished_ = false;
    bool canceled_ = false;
    std::exception_ptr failure_;
};

// The whole life of a sink around a source: `next()` yields documents until nullopt. A source
// error ends the sync without deletes and is rethrown.
boost::asio::awaitable<sync_result> run_sync(
    sink& s, std::function<boost::asio::awaitable<std::optional<document>>()> next);

}  // namespace casio::sync
