#include <algorithm>
#include <cmath>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/log.hpp>
#include <casio/core/metrics.hpp>
#include <casio/core/time.hpp>
#include <casio/sync/sink.hpp>

namespace casio::sync {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool needs_existing(sync_mode m) noexcept {
    // The listing modes keep the index equal to the listing (protocol.md §4.7, §5, §6); an
    // incremental sync is told what changed and what went.
    return m != sync_mode::incremental && m != sync_mode::access_control_changes;
}

}  // namespace

es::sync_job_stats sync_totals::job_stats() const noexcept {
    es::sync_job_stats s;
    s.indexed_document_count = static_cast<std::int64_t>(indexed);
    // Python's round(): halves to even, which nearbyint does in the default rounding mode.
    s.indexed_document_volume =
        static_cast<std::int64_t>(std::nearbyint(static_cast<double>(indexed_bytes) / 1048576.0));
    s.deleted_document_count = static_cast<std::int64_t>(deleted);
    return s;
}

sync_totals sync_counters::snapshot() const noexcept {
    constexpr auto r = std::memory_order_relaxed;
    sync_totals t;
    t.docs_received = docs_received.load(r);
    t.docs_filtered = docs_filtered.load(r);
    t.docs_skipped = docs_skipped.load(r);
    t.creates_queued = creates_queued.load(r);
    t.updates_queued = updates_queued.load(r);
    t.deletes_queued = deletes_queued.load(r);
    t.docs_dropped_too_large = docs_dropped_too_large.load(r);
    t.indexed = indexed.load(r);
    t.indexed_bytes = indexed_bytes.load(r);
    t.deleted = deleted.load(r);
    t.noop = noop.load(r);
    t.duplicate_ids = duplicate_ids.load(r);
    t.item_errors = item_errors.load(r);
    t.bulk_requests = bulk_requests.load(r);
    t.bulk_bytes = bulk_bytes.load(r);
    t.item_retries = item_retries.load(r);
    t.existing_ids = existing_ids.load(r);
    return t;
}

std::string overloaded_message(std::chrono::milliseconds waited) {
    return "unable to ingest data into overloaded Elasticsearch: the bulk queue stayed full for " +
           std::to_string(waited.count() / 1000) +
           " s (elasticsearch.bulk.queue_refresh_timeout); check that the cluster is healthy, has "
           "enough resources, and that the content index is healthy";
}

sink::sink(es::client& es, es::bulk_config cfg, sink_options opts)
    : es_(es),
      cfg_(cfg),
      opts_(std::move(opts)),
      limits_{static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.chunk_size)),
              std::max<std::size_t>(1, cfg.chunk_max_mem_size)},
      queue_(static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.queue_max_size)),
             cfg.queue_max_mem_size),
      monitor_(cfg.error_monitor),
      slot_signals_(static_cast<std::size_t>(std::max<std::int64_t>(1, cfg.max_concurrency))),
      slot_busy_(slot_signals_.size(), false) {}

sink::~sink() {
    if (started_ && !finished_) {
        // Spawned coroutines still reference this sink; this is a caller bug that would crash
        // later, so say so now.
        core::log::critical("sync sink for index ", opts_.index,
                            " destroyed without finish(): its bulk workers may still run");
    }
}

void sink::fail(std::exception_ptr e) noexcept {
    if (!failure_ && !canceled_) {
        failure_ = std::move(e);
    }
    queue_.abort();
    changed_.notify_all();
}

void sink::rethrow_stop() const {
    if (canceled_) {
        throw sync_canceled();
    }
    std::rethrow_exception(failure_);
}

void sink::cancel() {
    if (canceled_ || finished_) {
        return;
    }
    canceled_ = true;
    queue_.abort();
    for (std::size_t i = 0; i < slot_signals_.size(); ++i) {
        if (slot_busy_[i]) {
            slot_signals_[i].emit(asio::cancellation_type::terminal);
        }
    }
    changed_.notify_all();
}

asio::awaitable<void> sink::ensure_index() {
    auto listing = co_await es_.get_index(opts_.index);
    if (es::client::index_listed(listing, opts_.index)) {
        co_return;
    }
    core::log::info("creating content index ", opts_.index);
    co_await es_.create_index(opts_.index);
}

asio::awaitable<void> sink::load_existing() {
    auto stream = es_.scan_ids(opts_.index, opts_.scan_page_size);
    // The stream clears its scroll itself at the end or on a failed page.
    while (auto page = co_await stream.next_page()) {
        if (canceled_) {
            co_await stream.close();
            throw sync_canceled();
        }
        if (existing_.empty()) {
            existing_.reserve(page->size());
        }
        for (const auto& e : *page) {
            if (e.timestamp) {
                existing_.insert(e.id, std::string_view(*e.timestamp));
            } else {
                existing_.insert(e.id, std::nullopt);
            }
        }
    }
    counters_.existing_ids.store(existing_.size(), std::memory_order_relaxed);
    // With documents to lose, every id of the listing is remembered: one listed twice means
    // another may be missing, and the stale ids would include it.
    track_listed_ids_ = !existing_.empty();
    core::log::info("index ", opts_.index, ": ", existing_.size(), " existing documents (",
                    existing_.memory_bytes() / 1024, " KiB of ids)");
}

asio::awaitable<void> sink::start() {
    if (started_) {
        throw core::error(core::error_kind::fatal, "sink already started");
    }
    if (opts_.create_index && opts_.mode != sync_mode::access_control &&
        opts_.mode != sync_mode::access_control_changes) {
        co_await ensure_index();
    }
    if (needs_existing(opts_.mode)) {
        co_await load_existing();
    }
    if (canceled_) {
        throw sync_canceled();
    }
    started_ = true;
    consumer_done_ = false;
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, consume(), [this](const std::exception_ptr& e) {
        if (e) {
            fail(e);
        }
        consumer_done_ = true;
        changed_.notify_all();
    });
}

asio::awaitable<void> sink::enqueue(queued_op op) {
    const auto patience = cfg_.queue_refresh_timeout;
    auto r = co_await queue_.push(std::move(op), patience);
    if (r == op_queue::push_result::ok) {
        co_return;
    }
    if (r == op_queue::push_result::timed_out) {
        fail(std::make_exception_ptr(core::error(
            core::error_kind::transient,
            overloaded_message(std::chrono::duration_cast<std::chrono::milliseconds>(patience)))));
    }
    rethrow_stop();
}

asio::awaitable<void> sink::put(document doc) {
    if (!started_ || finished_) {
        throw core::error(core::error_kind::fatal, "sink::put outside start()..finish()");
    }
    if (stopped()) {
        rethrow_stop();
    }
    counters_.docs_received.fetch_add(1, std::memory_order_relaxed);
    const bool content =
        opts_.mode != sync_mode::access_control && opts_.mode != sync_mode::access_control_changes;
    finish_document(doc, content ? &opts_.pipeline : nullptr);
    if (opts_.mode == sync_mode::incremental || opts_.mode == sync_mode::access_control_changes) {
        co_await put_change(std::move(doc));
        co_return;
    }
    if (doc.deleted || doc.partial) {
        throw core::error(core::error_kind::fatal,
                          "the source sent a " +
                              std::string(doc.deleted ? "deletion" : "partial update") + " of " +
                              doc.id + " to a listing sync");
    }
    if (content && !accepted_by_rules(doc)) {
        counters_.docs_filtered.fetch_add(1, std::memory_order_relaxed);
        co_return;  // still in existing_: deleted after a complete listing
    }
    queued_op op;
    op.op = es::bulk_op::index;
    if (track_listed_ids_ && existing_.was_seen(doc.id)) {
        throw core::error(core::error_kind::fatal,
                          "the source listed document " + doc.id +
                              " twice: the listing is not complete, so no document is deleted");
    }
    if (auto e = existing_.find(doc.id)) {
        auto stored = existing_.timestamp(*e);
        const bool unchanged = doc.timestamp && stored && *stored == *doc.timestamp;
        existing_.erase(*e);
        if (opts_.mode != sync_mode::full && unchanged) {
            counters_.docs_skipped.fetch_add(1, std::memory_order_relaxed);
            co_return;
        }
        if (opts_.mode == sync_mode::access_control) {
            op.op = es::bulk_op::update;
        }
        counters_.updates_queued.fetch_add(1, std::memory_order_relaxed);
    } else {
        if (track_listed_ids_) {
            existing_.insert_seen(doc.id);
        }
        counters_.creates_queued.fetch_add(1, std::memory_order_relaxed);
        if (!doc.timestamp) {
            doc.timestamp = core::now_iso8601();
            append_json_string_field(doc.json, "_timestamp", *doc.timestamp);
        }
    }
    op.id = std::move(doc.id);
    op.json = std::move(doc.json);
    op.has_attachment = doc.has_attachment;
    op.lease = std::move(doc.lease);
    co_await enqueue(std::move(op));
}

bool sink::accepted_by_rules(const document& doc) const {
    if (opts_.rules.empty())
        return true;
    // Rules need field values: parsed only when there are rules.
    boost::system::error_code ec;
    auto parsed = json::parse(doc.json, ec);
    if (ec || !parsed.is_object()) {
        throw core::error(core::error_kind::bad_request,
                          "document " + doc.id + " is not a JSON object: " + ec.message());
    }
    return opts_.rules.accepts(parsed.get_object());
}

asio::awaitable<void> sink::put_change(document doc) {
    queued_op op;
    op.op = es::bulk_op::index;
    if (!doc.deleted && !accepted_by_rules(doc)) {
        // A full sync would delete it (not listed any more): so does the change.
        counters_.docs_filtered.fetch_add(1, std::memory_order_relaxed);
        doc.deleted = true;
    }
    if (doc.deleted) {
        op.op = es::bulk_op::delete_;
        op.id = std::move(doc.id);
        counters_.deletes_queued.fetch_add(1, std::memory_order_relaxed);
        co_await enqueue(std::move(op));
        co_return;
    }
    if (!doc.timestamp) {
        doc.timestamp = core::now_iso8601();
        append_json_string_field(doc.json, "_timestamp", *doc.timestamp);
    }
    counters_.updates_queued.fetch_add(1, std::memory_order_relaxed);
    if (doc.partial || opts_.mode == sync_mode::access_control_changes) {
        op.op = es::bulk_op::update;  // doc_as_upsert
    }
    op.id = std::move(doc.id);
    op.json = std::move(doc.json);
    op.has_attachment = doc.has_attachment;
    op.lease = std::move(doc.lease);
    co_await enqueue(std::move(op));
}

asio::awaitable<sync_result> sink::finish(bool listing_complete) {
    sync_result result;
    if (!started_ || finished_) {
        result.totals = counters_.snapshot();
        co_return result;
    }
    std::exception_ptr enqueue_error;
    if (listing_complete && !stopped() && opts_.mode != sync_mode::incremental) {
        // Only ids the complete listing did not produce; a doc dropped as too large was seen,
        // so it is neither written nor deleted (protocol.md §4.3).
        try {
            std::vector<std::string> stale;
            stale.reserve(existing_.size());
            existing_.for_each([&](std::string_view id, std::optional<std::string_view>) {
                stale.emplace_back(id);
            });
            for (auto& id : stale) {
                queued_op op;
                op.op = es::bulk_op::delete_;
                op.id = std::move(id);
                co_await enqueue(std::move(op));
                counters_.deletes_queued.fetch_add(1, std::memory_order_relaxed);
            }
            result.stale_deleted = true;
        } catch (...) {
            enqueue_error = std::current_exception();
        }
    }
    queue_.close();
    while (!consumer_done_ || in_flight_ > 0) {
        co_await changed_.wait();
    }
    finished_ = true;
    result.totals = counters_.snapshot();
    if (stopped()) {
        rethrow_stop();
    }
    if (enqueue_error) {
        std::rethrow_exception(enqueue_error);
    }
    co_return result;
}

// ---- bulk workers ---------------------------------------------------------------------------

asio::awaitable<void> sink::consume() {
    batch cur;
    const std::string& index = opts_.index;
    while (auto op = co_await queue_.pop()) {
        if (op->id.empty()) {
            continue;
        }
        if (op->op != es::bulk_op::delete_ && !op->has_attachment &&
            cfg_.max_text_document_size > 0 && op->json.size() > cfg_.max_text_document_size) {
            counters_.docs_dropped_too_large.fetch_add(1, std::memory_order_relaxed);
            core::log::warning("dropping document ", op->id, " of index ", index, ": ",
                               op->json.size(),
                               " bytes exceed elasticsearch.bulk.max_text_document_size (",
                               cfg_.max_text_document_size, ")");
            continue;
        }
        const std::size_t lines = es::bulk_builder::lines_of(op->op);
        const std::size_t bytes =
            es::bulk_builder::bytes_of(op->op, index, op->id, op->json.size());
        batch_state state{cur.body.lines(), cur.body.bytes()};
        if (flush_before(state, lines, bytes, limits_)) {
            co_await flush(cur);
        }
        if (cur.body.empty()) {
            // Room for a batch of documents like this one, up to the byte limit: the body is
            // not copied over and over while it grows. A document that fills a batch alone (a
            // file's attachment) gets just its own size.
            const std::size_t ops = limits_.max_lines / lines + 1;
            cur.body.reserve(bytes >= limits_.max_bytes
                                 ? bytes
                                 : std::min(limits_.max_bytes, bytes * ops) + bytes,
                             bytes >= limits_.max_bytes ? 1 : ops);
        }
        switch (op->op) {
            case es::bulk_op::index:
                cur.body.add_index(index, op->id, op->json);
                break;
            case es::bulk_op::update:
                cur.body.add_update(index, op->id, op->json);
                break;
            case es::bulk_op::delete_:
                cur.body.add_delete(index, op->id);
                break;
        }
        cur.doc_sizes.push_back(static_cast<std::uint32_t>(op->json.size()));
        // The document's lease ends with the op, now that its bytes are in a batch (bounded
        // apart: a batch's bytes, and the bytes of the bulks in flight). Holding it longer
        // could leave a source waiting for a batch that waits for the source's next document.
        op->lease.reset();
        state = {cur.body.lines(), cur.body.bytes()};
        if (flush_after(state, limits_)) {
            co_await flush(cur);
        }
    }
    if (!stopped() && !cur.body.empty()) {
        co_await flush(cur);
    }
}

asio::awaitable<void> sink::flush(batch& cur) {
    // A named batch: GCC 12 mishandles temporaries passed to a coroutine inside co_await, and
    // a moved-from builder keeps its line count, so `cur` is reset explicitly.
    batch full = std::move(cur);
    cur = batch{};
    co_await dispatch(std::move(full));
}

asio::awaitable<void> sink::dispatch(batch b) {
    // Bodies in flight are bounded in bytes as well as in number: a batch of one large file
    // document (an attachment of up to 4/3 of the download cap) is far over chunk_max_mem_size,
    // and max_concurrency of them at once would multiply it. Such a batch waits until the
    // bytes in flight leave room, or until nothing else is in flight.
    const std::size_t bytes = b.body.bytes();
    const std::size_t max_bytes = limits_.max_bytes * slot_busy_.size();
    std::size_t slot = slot_busy_.size();
    for (;;) {
        if (stopped()) {
            co_return;  // the batch is abandoned: the sync failed or was cancelled
        }
        if (in_flight_ == 0 || in_flight_bytes_ + bytes <= max_bytes) {
            for (std::size_t i = 0; i < slot_busy_.size(); ++i) {
                if (!slot_busy_[i]) {
                    slot = i;
                    break;
                }
            }
        }
        if (slot < slot_busy_.size()) {
            break;
        }
        co_await changed_.wait();
    }
    slot_busy_[slot] = true;
    ++in_flight_;
    in_flight_bytes_ += bytes;
    counters_.bulk_requests.fetch_add(1, std::memory_order_relaxed);
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, send(std::move(b)),
                   asio::bind_cancellation_slot(slot_signals_[slot].slot(),
                                                [this, slot, bytes](const std::exception_ptr& e) {
                                                    slot_busy_[slot] = false;
                                                    --in_flight_;
                                                    in_flight_bytes_ -= bytes;
                                                    if (e && !canceled_) {
                                                        fail(e);
                                                    }
                                                    changed_.notify_all();
                                                }));
}

asio::awaitable<void> sink::send(batch b) {
    static auto& latency = core::metrics::global().histogram_of(
        "connectors_asio_bulk_request_duration_seconds",
        "Time of a _bulk call from the first send to the last answer, retries included",
        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
    const auto started = std::chrono::steady_clock::now();
    auto res = co_await es_.bulk(b.body, opts_.pipeline.name);
    const auto took = std::chrono::steady_clock::now() - started;
    latency.observe(std::chrono::duration<double>(took).count());
    if (core::log::enabled(core::log::level::debug)) {
        const auto failed = std::count_if(res.items.begin(), res.items.end(),
                                          [](const es::bulk_item& i) { return !i.succeeded(); });
        core::log::debug("bulk: ", b.body.operations(), " items, ", b.body.bytes(), " bytes, ",
                         std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                         " ms, ", failed, " failed",
                         res.attempts > 1 ? ", " + std::to_string(res.attempts) + " requests" : "");
    }
    account(b, res);
}

void sink::account(const batch& b, const es::bulk_response& res) {
    constexpr auto r = std::memory_order_relaxed;
    counters_.item_retries.fetch_add(res.retried_items, r);
    counters_.bulk_bytes.fetch_add(res.bytes_sent, r);
    for (std::size_t i = 0; i < res.items.size(); ++i) {
        const auto& item = res.items[i];
        const es::bulk_op op = b.body.op(i);
        if (!item.result.empty()) {
            if (op == es::bulk_op::delete_) {
                if (item.result == "deleted") {
                    counters_.deleted.fetch_add(1, r);
                }
            } else {
                counters_.indexed.fetch_add(1, r);
                counters_.indexed_bytes.fetch_add(b.doc_sizes[i], r);
                if (item.result == "noop") {
                    counters_.noop.fetch_add(1, r);
                } else if (op == es::bulk_op::index && item.result == "updated") {
                    counters_.duplicate_ids.fetch_add(1, r);
                }
            }
        }
        if (cfg_.enable_operations_logging) {
            core::log::info(
                "bulk item: ", es::to_string(op), " ", b.body.id(i), ": ",
                item.result.empty() ? "status " + std::to_string(item.status) : item.result,
                item.error_type.empty() ? "" : " (" + item.error_type + ")");
        }
        if (item.succeeded() || (op == es::bulk_op::delete_ && item.result == "not_found")) {
            // (A delete of a document already gone: an incremental sync deletes what the
            // source deleted, whether or not it was indexed.)
            monitor_.note_success();
            continue;
        }
        counters_.item_errors.fetch_add(1, r);
        std::string msg = "operation ";
        msg += es::to_string(op);
        msg += " failed for doc ";
        msg += b.body.id(i);
        msg += ", ";
        if (!item.error_type.empty() || !item.error_reason.empty()) {
            msg += item.error_type + ": " + item.error_reason;
        } else {
            msg += "status " + std::to_string(item.status) +
                   (item.result.empty() ? std::string() : " result " + item.result);
        }
        core::log::warning(msg);
        monitor_.note_error(std::move(msg));  // throws when the monitor trips
    }
}

// ---- run_sync -------------------------------------------------------------------------------

asio::awaitable<sync_result> run_sync(
    sink& s, std::function<asio::awaitable<std::optional<document>>()> next) {
    co_await s.start();
    std::exception_ptr source_error;
    try {
        while (auto doc = co_await next()) {
            co_await s.put(std::move(*doc));
        }
    } catch (...) {
        source_error = std::current_exception();
    }
    if (!source_error) {
        co_return co_await s.finish(true);
    }
    try {
        co_await s.finish(false);
    } catch (...) {
        // The sink's own failure (or cancellation) is what put() threw already, or a later
        // consequence; the first error is the one reported.
    }
    std::rethrow_exception(source_error);
}

}  // namespace casio::sync
