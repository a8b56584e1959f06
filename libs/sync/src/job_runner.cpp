#include <cstdio>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/labelled_executor.hpp>
#include <casio/core/log.hpp>
#include <casio/core/time.hpp>
#include <casio/sync/job_runner.hpp>

namespace casio::sync {

namespace asio = boost::asio;
namespace json = boost::json;
namespace log = core::log;
using asio::awaitable;

namespace {

// The connector's sync_cursor (null when it has none).
const json::value& sync_cursor_of(const json::object& connector) {
    static const json::value none;
    const json::value* found = connector.if_contains("sync_cursor");
    return found != nullptr ? *found : none;
}

constexpr std::string_view reads_changes_off = "service.incremental_sync_reads_changes is false";

pipeline_settings pipeline_of(const json::object& job) {
    pipeline_settings p;
    const json::value* v = find_path(job, "connector.pipeline");
    if (v == nullptr || !v->is_object()) {
        return p;
    }
    const auto& o = v->get_object();
    if (auto* n = o.if_contains("name"); n && n->is_string()) {
        p.name = std::string(n->get_string());
    }
    auto flag = [&](std::string_view k, bool& out) {
        if (auto* b = o.if_contains(k); b && b->is_bool()) {
            out = b->get_bool();
        }
    };
    flag("extract_binary_content", p.extract_binary_content);
    flag("reduce_whitespace", p.reduce_whitespace);
    flag("run_ml_inference", p.run_ml_inference);
    return p;
}

// What a job adds to the connector's configuration in deciding what is synced: the sync rules
// and the pipeline flags written into every document (docs/incremental-sync.md). A change of
// any of them makes the next incremental job list everything.
std::string job_inputs(const json::object& job, const rule_set& rules, const json::value& snippet,
                       const pipeline_settings& p) {
    json::object o;
    const json::value* active = find_path(job, "connector.filtering.rules");
    o["rules"] = rules.empty() || active == nullptr ? json::value(nullptr) : *active;
    o["advanced"] = snippet;
    o["pipeline"] = json::array{p.extract_binary_content, p.reduce_whitespace, p.run_ml_inference};
    return json::serialize(o);
}

}  // namespace

job_runner::job_runner(es::client& es, es::client& content_es, source_factory& factory,
                       runner_settings settings, es::doc_hit job)
    : es_(es),
      content_es_(content_es),
      factory_(factory),
      settings_(std::move(settings)),
      job_(std::move(job)),
      job_id_(job_.id),
      connector_id_(string_at(job_.source, "connector.id")),
      index_name_(string_at(job_.source, "connector.index_name")),
      type_(parse_job_type(string_at(job_.source, "job_type")).value_or(job_type::full)) {}

awaitable<bool> job_runner::sync_starts() {
    co_return co_await es::with_occ_retry([this]() -> awaitable<bool> {
        auto c = co_await es_.get_doc(es::connectors_index, connector_id_);
        if (!c) {
            throw core::error(core::error_kind::not_found,
                              "Connector is not found for connector ID " + connector_id_);
        }
        if (sync_in_progress(c->source, type_)) {
            co_return false;
        }
        // The job came from a search that may be stale: another worker may have run it to the
        // end since. Read after the connector, the guarded write below fails if that worker
        // touched the connector in between, so a job seen pending here is not run twice.
        auto job = co_await es_.get_doc(es::jobs_index, job_id_);
        const std::string status = job ? string_at(job->source, "status") : "missing";
        if (status != "pending" && status != "suspended") {
            taken_status_ = status;
            co_return false;
        }
        auto patch = sync_starts_patch(type_);
        co_await es_.update_doc(es::connectors_index, connector_id_, std::move(patch),
                                es::guard_of(*c));
        log::debug("connector ", connector_id_, ": a ", to_string(type_), " sync starts (job ",
                   job_id_, " was ", status, ")");
        connector_ = std::move(c->source);
        co_return true;
    });
}

void job_runner::suspend() {
    stop(job_status::suspended);
}

void job_runner::stop(job_status status, std::optional<std::string> error) {
    if (stop_) {
        return;  // the first reason wins
    }
    stop_ = stop_reason{status, std::move(error)};
    stop_work();
}

void job_runner::stop_work() {
    if (sink_) {
        sink_->cancel();
    }
    work_signal_.emit(asio::cancellation_type::terminal);
    if (wake_) {
        wake_->cancel();
    }
}

awaitable<void> job_runner::check_license() {
    auto lic = co_await es_.license();
    if (!lic.at_least("platinum")) {
        throw core::error(core::error_kind::fatal,
                          "InsufficientESLicenseError: Minimum required Elasticsearch license: "
                          "'platinum'. Actual license: '" +
                              lic.type + "'.");
    }
}

awaitable<void> job_runner::validate_filtering(source& src) {
    const json::value* filtering = find_path(job_.source, "connector.filtering");
    if (filtering == nullptr || !filtering->is_object()) {
        co_return;
    }
    std::vector<std::string> errors;
    const auto& f = filtering->get_object();
    if (auto* rules = f.if_contains("rules"); rules != nullptr) {
        try {
            (void)rule_set::from_json(*rules);
        } catch (const std::exception& e) {
            errors.emplace_back(e.what());
        }
    }
    if (auto* snippet = find_path(f, "advanced_snippet.value");
        snippet != nullptr && !snippet->is_null() &&
        !(snippet->is_object() && snippet->get_object().empty()) &&
        !(snippet->is_array() && snippet->get_array().empty())) {
        auto verdict = co_await src.validate_advanced_rules(*snippet);
        if (!verdict.valid) {
            errors.push_back(verdict.message);
        }
    }
    if (!errors.empty()) {
        std::string msg = "InvalidFilteringError: Filtering in state invalid, errors: ";
        for (std::size_t i = 0; i < errors.size(); ++i) {
            msg += (i ? "; " : "") + errors[i];
        }
        throw core::error(core::error_kind::bad_request, msg);
    }
}

awaitable<void> job_runner::do_sync() {
    const json::value empty_config = json::object{};
    const json::value* cfg = find_path(job_.source, "connector.configuration");
    source_options sopts;
    sopts.dls_feature_enabled = dls_enabled(connector_);
    sopts.max_file_size = settings_.max_file_size;
    sopts.max_document_size = settings_.bulk.max_text_document_size;
    sopts.concurrent_downloads =
        static_cast<std::size_t>(std::max<std::int64_t>(1, settings_.bulk.concurrent_downloads));
    auto src = factory_.create(
        cfg && cfg->is_object() ? cfg->get_object() : empty_config.get_object(), sopts);
    co_await src->validate_config();
    co_await src->ping();

    sink_options opts;
    opts.index = index_name_;
    opts.pipeline = pipeline_of(job_.source);
    json::value snippet;
    std::string inputs;
    if (is_content(type_)) {
        if (type_ == job_type::incremental && !incremental_enabled(connector_)) {
            throw core::error(core::error_kind::bad_request,
                              "UnsupportedJobType: Connector " + connector_id_ +
                                  " does not support incremental sync.");
        }
        if (sync_rules_enabled(connector_)) {
            co_await validate_filtering(*src);
            if (feature_enabled(connector_, "sync_rules.basic")) {
                if (auto* rules = find_path(job_.source, "connector.filtering.rules")) {
                    opts.rules = rule_set::from_json(*rules);
                }
            }
            if (feature_enabled(connector_, "sync_rules.advanced")) {
                if (auto* s =
                        find_path(job_.source, "connector.filtering.advanced_snippet.value")) {
                    snippet = *s;
                }
            }
        }
        opts.mode = type_ == job_type::full ? sync_mode::full : sync_mode::skip_unchanged;
        opts.create_index = true;
        inputs = job_inputs(job_.source, opts.rules, snippet, opts.pipeline);
        if (type_ == job_type::incremental) {
            std::optional<std::string> why_not{reads_changes_off};
            if (settings_.incremental_reads_changes) {
                why_not =
                    co_await src->prepare_incremental(sync_cursor_of(connector_), snippet, inputs);
            }
            // Else the reference's incremental: everything listed, unchanged documents skipped.
            if (choose_read(std::move(why_not), "incremental sync lists everything: ",
                            "incremental sync reads the changes since the sync cursor")) {
                opts.mode = sync_mode::incremental;
            }
        }
    } else {
        co_await check_license();
        opts.mode = sync_mode::access_control;
        opts.create_index = false;
        std::optional<std::string> why_not{reads_changes_off};
        if (settings_.incremental_reads_changes) {
            why_not = co_await src->prepare_access_control(sync_cursor_of(connector_));
        }
        if (choose_read(std::move(why_not), "access-control sync lists every user: ",
                        "access-control sync reads the users changed since the sync cursor")) {
            opts.mode = sync_mode::access_control_changes;
        }
    }

    sink_ = std::make_unique<sink>(content_es_, settings_.bulk, opts);
    co_await sink_->start();
    std::exception_ptr failure;
    const bool content = is_content(type_);
    const auto every =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, settings_.bulk.display_every));
    const auto started = std::chrono::steady_clock::now();
    document_handler on_doc = [this, every, started](document d) -> awaitable<void> {
        // Counted before put() (which may wait): concurrent producers each see their own number.
        const bool show = every > 0 && ++documents_seen_ % every == 0;
        co_await sink_->put(std::move(d));
        if (show) {
            log_progress(started);
        }
    };
    try {
        if (read_changes_ && content) {
            co_await src->get_docs_incrementally(snippet, on_doc);
        } else if (content) {
            co_await src->get_docs(snippet, on_doc);
        } else if (read_changes_) {
            co_await src->get_access_control_changes(on_doc);
        } else {
            co_await src->get_access_control(on_doc);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    // finish() must run even after a cancellation: it is where the sink's coroutines end.
    co_await asio::this_coro::reset_cancellation_state();
    if (!failure) {
        try {
            co_await sink_->finish(true);
            // Every document is flushed: the cursor may move past them. Content and
            // access-control jobs share the connector's sync_cursor: each keeps the other's
            // marks (docs/incremental-sync.md).
            const json::object* existing = sync_cursor_of(connector_).if_object();
            if (content) {
                next_cursor_ = src->next_cursor(inputs);
                if (const json::value* mark =
                        existing != nullptr ? existing->if_contains("access_control") : nullptr;
                    mark != nullptr && next_cursor_.is_object()) {
                    next_cursor_.get_object()["access_control"] = *mark;
                }
            } else if (auto mark = src->access_control_mark(); !mark.is_null()) {
                json::object merged = existing != nullptr ? *existing : json::object{};
                merged["access_control"] = std::move(mark);
                next_cursor_ = std::move(merged);
            }
            co_return;
        } catch (...) {
            failure = std::current_exception();  // stopped while the last bulks were sent
        }
        co_await asio::this_coro::reset_cancellation_state();
    }
    try {
        co_await sink_->finish(false);
    } catch (...) {
    }
    std::rethrow_exception(failure);
}

bool job_runner::choose_read(std::optional<std::string> why_not, std::string_view listing,
                             std::string_view changes) {
    full_listing_reason_ = std::move(why_not);
    read_changes_ = !full_listing_reason_;
    if (full_listing_reason_) {
        log::info("job ", job_id_, " of connector ", connector_id_, ": ", listing,
                  *full_listing_reason_);
    } else {
        log::info("job ", job_id_, " of connector ", connector_id_, ": ", changes);
    }
    return read_changes_;
}

void job_runner::log_progress(std::chrono::steady_clock::time_point started) const {
    const auto t = sink_->stats().snapshot();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, "sent %.1f MB, %.0f docs/s, elapsed %.1f s",
                  static_cast<double>(t.bulk_bytes) / 1e6,
                  secs > 0 ? static_cast<double>(t.docs_received) / secs : 0.0, secs);
    log::info("job ", job_id_, " of connector ", connector_id_, ": fetched ", t.docs_received,
              ", indexed ", t.indexed, ", deleted ", t.deleted, ", skipped ",
              t.docs_skipped + t.docs_filtered, ", ", numbers);
}

awaitable<void> job_runner::report_stats() {
    if (!sink_) {
        co_return;
    }
    auto stats = sink_->stats().snapshot().job_stats();
    stats.total_document_count.reset();
    stats.metadata = settings_.metadata;
    co_await es_.update_sync_job_stats(job_id_, stats);
}

awaitable<void> job_runner::supervise() {
    auto job = co_await es_.get_doc(es::jobs_index, job_id_);
    if (!job) {
        stop(job_status::error, "Couldn't find the job");
        co_return;
    }
    const std::string status = string_at(job->source, "status");
    if (status == "canceling") {
        log::debug("job ", job_id_, ": in_progress -> canceling (asked from Elasticsearch)");
        log::info("job ", job_id_, " of connector ", connector_id_, " was asked to cancel");
        stop(job_status::canceled);
        co_return;
    }
    if (status != "in_progress") {
        stop(job_status::error,
             "Connector job (ID: " + job_id_ + ") is not running but in status of " + status + ".");
        co_return;
    }
    auto c = co_await es_.get_doc(es::connectors_index, connector_id_);
    if (!c) {
        stop(job_status::error, "Connector is not found for connector ID " + connector_id_ + ".");
    }
}

awaitable<bool> job_runner::take() {
    try {
        if (co_await sync_starts()) {
            co_return true;
        }
        if (!taken_status_.empty()) {
            log::info("job ", job_id_, " is ", taken_status_, " already; not started");
        } else {
            log::info("connector ", connector_id_, " already runs a ", to_string(type_),
                      " sync; job ", job_id_, " stays pending");
        }
    } catch (const std::exception& e) {
        log::error("could not start job ", job_id_, " of connector ", connector_id_, ": ",
                   e.what());
    }
    co_return false;
}

awaitable<std::optional<std::string>> job_runner::claim() {
    std::optional<std::string> claim_error;
    try {
        std::optional<json::value> cursor;
        if (type_ == job_type::incremental) {
            if (const auto& c = sync_cursor_of(connector_); !c.is_null()) {
                cursor = c;
            }
        }
        co_await es_.claim_sync_job(job_id_, settings_.hostname, cursor);
        log::debug("job ", job_id_, ": pending -> in_progress (claimed by ", settings_.hostname,
                   ")");
    } catch (const std::exception& e) {
        claim_error = job_error_message(e, index_name_);
    }
    if (!claim_error && !settings_.metadata.empty()) {
        // Who runs the job, at once: if this process dies before its first stats update, the
        // next one on this host still recognises the job as left behind.
        try {
            es::sync_job_stats first;
            first.metadata = settings_.metadata;
            co_await es_.update_sync_job_stats(job_id_, first);
        } catch (const std::exception& e) {
            log::warning("job ", job_id_, ": could not record its worker: ", e.what());
        }
    }
    co_return claim_error;
}

awaitable<void> job_runner::work_supervised() {
    auto ex = co_await asio::this_coro::executor;
    wake_ = std::make_unique<asio::steady_timer>(ex);
    asio::co_spawn(ex, do_sync(),
                   asio::bind_cancellation_slot(work_signal_.slot(), [this](std::exception_ptr e) {
                       work_error_ = std::move(e);
                       work_done_ = true;
                       wake_->cancel();
                   }));
    auto last_stats = std::chrono::steady_clock::now();
    while (!work_done_) {
        wake_->expires_after(settings_.check_interval);
        boost::system::error_code ec;
        co_await wake_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (work_done_) {
            break;
        }
        if (stop_) {
            continue;  // stopping: wait for the work to end
        }
        try {
            co_await supervise();
            if (!work_done_ &&
                std::chrono::steady_clock::now() - last_stats >= settings_.stats_interval) {
                last_stats = std::chrono::steady_clock::now();
                co_await report_stats();
            }
        } catch (const std::exception& e) {
            log::warning("job ", job_id_,
                         ": supervision call failed, retried next tick: ", e.what());
        }
    }
}

std::string job_runner::work_error_message() const {
    try {
        std::rethrow_exception(work_error_);
    } catch (const std::exception& e) {
        return job_error_message(e, index_name_);
    } catch (...) {
    }
    return "unknown error";
}

awaitable<std::optional<job_outcome>> job_runner::run() {
    // Every coroutine of the job runs on an executor that labels its log lines with the job.
    auto labels = std::make_shared<const log::labels>(log::labels{
        .connector_id = connector_id_, .sync_job_id = job_id_, .index_name = index_name_});
    const asio::any_io_executor ex = co_await asio::this_coro::executor;
    // The io_context's own executor when it is one: small enough to be stored in place by
    // any_io_executor, and handlers go straight to the io_context.
    asio::any_io_executor labelled;
    if (const auto* io = ex.target<asio::io_context::executor_type>()) {
        labelled = core::labelled_executor<asio::io_context::executor_type>(*io, std::move(labels));
    } else {
        labelled = core::labelled_executor<asio::any_io_executor>(ex, std::move(labels));
    }
    auto out = co_await asio::co_spawn(labelled, run_labelled(), asio::use_awaitable);
    co_return out;
}

awaitable<std::optional<job_outcome>> job_runner::run_labelled() {
    if (!co_await take()) {
        co_return std::nullopt;
    }
    const auto claim_error = co_await claim();
    if (claim_error) {
        co_return co_await finish(job_status::error, claim_error);
    }
    log::info("job ", job_id_, " (", to_string(type_), ") of connector ", connector_id_,
              " started into ", index_name_);
    metrics_ = std::make_unique<job_metrics>(
        job_id_, connector_id_, std::string(to_string(type_)),
        job_metrics::live_view{
            [this] { return sink_ ? sink_->stats().snapshot() : sync_totals{}; },
            [this] { return sink_ ? static_cast<std::uint64_t>(sink_->queued_bytes()) : 0; }});
    if (stop_) {
        co_return co_await finish(stop_->status, stop_->error);
    }
    co_await work_supervised();
    if (stop_) {
        co_return co_await finish(stop_->status, stop_->error);
    }
    if (work_error_) {
        const std::string message = work_error_message();
        co_return co_await finish(job_status::error, message);
    }
    co_return co_await finish(job_status::completed, std::nullopt);
}

awaitable<job_outcome> job_runner::finish(job_status status, std::optional<std::string> error) {
    job_outcome out;
    out.status = status;
    out.error = error;
    if (sink_) {
        out.totals = sink_->stats().snapshot();
    }
    out.read = read_changes_ ? "changes" : "listing";
    out.full_listing_reason = full_listing_reason_;
    if (status != job_status::completed) {
        next_cursor_ = nullptr;  // a job that did not complete never moves the cursor
    }
    const auto stats = out.totals.job_stats();
    job_counts counts{stats.indexed_document_count, stats.indexed_document_volume,
                      stats.deleted_document_count};
    if (metrics_) {
        metrics_->ended(status, out.totals);
    }
    if (status == job_status::error) {
        log::error("job ", job_id_, " of connector ", connector_id_, " failed: ", *error);
    } else {
        // Items Elasticsearch refused with 429 and took on a later attempt: a sign of an
        // overloaded cluster worth seeing even when the job completes.
        const auto resent = out.totals.item_retries;
        log::info("job ", job_id_, " of connector ", connector_id_, " ended ", to_string(status),
                  ": indexed ", counts.indexed_document_count, ", deleted ",
                  counts.deleted_document_count,
                  resent ? ", " + std::to_string(resent) + " item re-send(s) after a 429" : "");
    }
    // protocol.md §3.5 terminal job write.
    try {
        auto job = co_await es_.get_doc(es::jobs_index, job_id_);
        if (job) {
            std::optional<std::int64_t> total;
            auto connector = co_await es_.get_doc(es::connectors_index, connector_id_);
            if (connector) {
                const std::string content_index = string_at(connector->source, "index_name");
                try {
                    if (!settings_.serverless) {
                        co_await content_es_.refresh(content_index);
                    }
                    total = co_await content_es_.count(content_index);
                } catch (const std::exception& e) {
                    log::warning("job ", job_id_, ": could not count ", content_index, ": ",
                                 e.what());
                }
            }
            auto doc = terminal_job_doc(status, error, core::now_iso8601(), counts, total);
            if (sink_) {
                // How the job read the source, for whoever wonders why an incremental job
                // took as long as a full one (docs/incremental-sync.md).
                json::object read{{"read", json::string(out.read)}};
                if (full_listing_reason_) {
                    read["full_listing_reason"] = *full_listing_reason_;
                }
                doc["metadata"] = json::object{{"connectors_asio_sync", std::move(read)}};
            }
            co_await es_.update_doc(es::jobs_index, job_id_, std::move(doc));
            log::debug("job ", job_id_, ": in_progress -> ", to_string(status), " (indexed ",
                       counts.indexed_document_count, ", deleted ", counts.deleted_document_count,
                       total ? ", " + std::to_string(*total) + " in the index" : "", ")");
        }
    } catch (const std::exception& e) {
        log::error("job ", job_id_, ": terminal write failed: ", e.what());
    }
    // protocol.md §3.6 connector sync-done write.
    try {
        auto connector = co_await es_.get_doc(es::connectors_index, connector_id_);
        if (connector) {
            auto job = co_await es_.get_doc(es::jobs_index, job_id_);
            std::optional<json::object> job_source;
            if (job) {
                job_source = std::move(job->source);
            }
            auto doc = sync_done_doc(job_source, core::now_iso8601(), next_cursor_);
            co_await es_.update_doc(es::connectors_index, connector_id_, std::move(doc));
            log::debug("connector ", connector_id_, ": last ", to_string(type_), " sync ",
                       to_string(status));
        }
    } catch (const std::exception& e) {
        log::error("job ", job_id_, ": connector sync-done write failed: ", e.what());
    }
    co_return out;
}

}  // namespace casio::sync
