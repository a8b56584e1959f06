#include <algorithm>

#include <boost/asio/this_coro.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/error.hpp>
#include <casio/core/json_text.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/incremental.hpp>
#include <casio/salesforce/queries.hpp>
#include <casio/salesforce/soql.hpp>
#include <casio/salesforce/source.hpp>

#include "json_out.hpp"

namespace casio::salesforce {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool contains(const std::vector<std::string>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// ['A', 'B']: the list as the reference implementation prints it.
std::string python_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) {
            out += ", ";
        }
        out += "'" + items[i] + "'";
    }
    return out + "]";
}

std::string record_type(const json::object& record) {
    if (const auto* a = record.if_contains("attributes"); a != nullptr && a->is_object()) {
        if (const auto* t = a->get_object().if_contains("type"); t != nullptr && t->is_string()) {
            return std::string(t->get_string());
        }
    }
    return {};
}

// Only the members of an object's records that map_record reads from the tree are parsed
// (map_record_tree_fields); every other member, files (ContentDocumentLinks) and enrichment
// parents are read from the page's text. CaseFeed records need only their ParentId
// (case_feed_tree_fields).

// The text of record i, when the scan of the page lines up with the parsed records.
std::optional<std::span<const raw_member>> raw_record(const raw_records& raw,
                                                      const json::array& records, std::size_t i) {
    return raw.size() == records.size() ? raw.record(i) : std::nullopt;
}

// The extractor of a job's files. A connector with use_text_extraction_service uses the
// extraction service, or when none is configured the extraction in process (the reference
// would index no content at all); any other uses the extraction in process when configured,
// else none (`_attachment` for the ingest pipeline).
std::shared_ptr<sync::text_extractor> choose_extractor(const config& cfg,
                                                       const sync::source_options& opts) {
    if (cfg.use_text_extraction_service && opts.service_extractor) {
        return opts.service_extractor;
    }
    return opts.local_extractor;
}

}  // namespace

source::source(client& c, config cfg, const sync::source_options& opts, concurrency conc,
               warning_sink warn)
    : client_(c),
      cfg_(std::move(cfg)),
      opts_(opts),
      concurrency_(conc),
      warn_(std::move(warn)),
      pages_(std::max<std::size_t>(1, conc.pages)),
      file_bytes_(
          std::make_shared<core::async_semaphore>(std::max<std::size_t>(1, conc.file_bytes))),
      extractor_(choose_extractor(cfg_, opts_)) {}

source::source(std::unique_ptr<client> c, config cfg, const sync::source_options& opts,
               concurrency conc, warning_sink warn)
    : source(*c, std::move(cfg), opts, conc, std::move(warn)) {
    owned_client_ = std::move(c);
}

bool source::dls_enabled() const noexcept {
    return opts_.dls_feature_enabled && cfg_.use_document_level_security;
}

void source::warn(std::string_view message) const {
    if (warn_) {
        warn_(message);
    }
}

asio::awaitable<void> source::ping() {
    co_await client_.ping();
}

asio::awaitable<void> source::validate_config() {
    co_await client_.ping();
    if (!cfg_.sync_custom_objects) {
        co_return;
    }
    co_await client_.ensure_global_describe();
    const auto& available = client_.describes().custom_objects();
    if (cfg_.all_custom_objects()) {
        custom_objects_ = available;
        custom_objects_resolved_ = true;
        co_return;
    }
    std::vector<std::string> missing;
    for (const auto& name : cfg_.custom_objects) {
        if (!contains(available, name)) {
            missing.push_back(name.substr(0, name.size() - 3));  // without "__c"
        }
    }
    if (!missing.empty()) {
        throw core::error(core::error_kind::bad_request,
                          "Custom objects " + python_list(missing) + " are not available.");
    }
    custom_objects_ = cfg_.custom_objects;
    custom_objects_resolved_ = true;
}

asio::awaitable<void> source::resolve_custom_objects() {
    if (custom_objects_resolved_) {
        co_return;
    }
    if (cfg_.all_custom_objects()) {
        co_await client_.ensure_global_describe();
        custom_objects_ = client_.describes().custom_objects();
    } else {
        custom_objects_ = cfg_.custom_objects;
    }
    custom_objects_resolved_ = true;
}

asio::awaitable<sync::rules_verdict> source::validate_advanced_rules(const json::value& snippet) {
    const auto check = check_advanced_rules(snippet);
    if (!check.ok()) {
        std::string msg;
        for (const auto& e : check.errors) {
            msg += (msg.empty() ? "" : "; ") + e;
        }
        co_return sync::rules_verdict{false, msg};
    }
    std::vector<std::string> invalid;
    for (const auto& rule : check.rules) {
        bool rejected = false;
        try {
            co_await client_.probe_rule(rule);
        } catch (const invalid_query_error&) {
            rejected = true;  // other failures (network, auth) propagate
        }
        if (rejected) {
            invalid.push_back(rule.lang == advanced_rule::language::soql
                                  ? add_limit_offset(rule.query)
                                  : rule.query);
        }
    }
    if (invalid.empty()) {
        co_return sync::rules_verdict{};
    }
    co_return sync::rules_verdict{false, invalid_queries_message(invalid)};
}

asio::awaitable<const std::vector<std::string>*> source::permissions_for(
    const std::string& sobject) {
    if (!dls_enabled() || sobject.empty()) {
        co_return nullptr;
    }
    if (const auto* known = permissions_.find(sobject)) {
        co_return known;
    }
    read_permission p;
    co_await client_.query(users_with_read_access_query(sobject), "permissions of " + sobject,
                           [&](const json::array& records) -> asio::awaitable<void> {
                               p.add_assignees(records);
                               co_return;
                           });
    for (const auto& q : users_by_id_queries(client_.base_url(), p.assignee_ids())) {
        co_await client_.query(q, "users with read access to " + sobject,
                               [&](const json::array& records) -> asio::awaitable<void> {
                                   p.add_users(records);
                                   co_return;
                               });
    }
    permissions_.put(sobject, p.identities());
    co_return permissions_.find(sobject);
}

void source::collect_files(const json::object& record,
                           std::optional<std::span<const raw_member>> raw) {
    if (raw) {
        files_.add_from_record(record, *raw);
    } else {
        files_.add_from_record(record);  // the whole record was parsed
    }
}

asio::awaitable<void> source::emit_record(const json::object& record, record_context& ctx,
                                          const handler& on_doc,
                                          std::optional<std::span<const raw_member>> raw) {
    collect_files(record, raw);
    if (auto doc = map_record(record, ctx, warn_, raw)) {
        co_await on_doc(std::move(*doc));
    }
}

asio::awaitable<void> source::sync_standard_object(const std::string& sobject,
                                                   const handler& on_doc) {
    co_await client_.ensure_described_for(sobject);
    const auto& d = client_.describes();
    if (!d.usable(sobject)) {
        warn("Skipping Salesforce object " + sobject + ": it is not queryable in this org");
        co_return;
    }
    if (sobject == "Case") {
        co_await client_.ensure_described_for("CaseFeed");
    }
    auto soql = standard_object_query(sobject, d);
    co_await run_object_query(sobject, std::move(soql), on_doc, nullptr);
}

asio::awaitable<void> source::run_object_query(const std::string& sobject, std::string soql,
                                               const handler& on_doc,
                                               std::unordered_set<std::string>* emitted) {
    const auto& d = client_.describes();
    const auto* acl = co_await permissions_for(sobject);
    const bool with_feeds = sobject == "Case";
    co_await client_.query(
        std::move(soql), "query " + sobject,
        [&](const json::array& records, const raw_records& raw) -> asio::awaitable<void> {
            case_feed_index feeds;
            if (with_feeds && d.usable("CaseFeed") && !records.empty()) {
                // All at once: each query covers other cases, so the feeds of one case
                // still come from one query, in its order.
                const auto queries = case_feed_queries(d, client_.base_url(), record_ids(records));
                co_await core::for_each_concurrently(
                    queries.size(), queries.size(), [&](std::size_t q) -> asio::awaitable<void> {
                        co_await client_.query(
                            queries[q], "query CaseFeed",
                            [&](const json::array& f,
                                const raw_records& feed_text) -> asio::awaitable<void> {
                                feeds.add(f, &feed_text);
                                co_return;
                            },
                            case_feed_tree_fields);
                    });
            }
            for (std::size_t i = 0; i < records.size(); ++i) {
                if (!records[i].is_object()) {
                    continue;
                }
                const auto& rec = records[i].get_object();
                const auto* id = rec.if_contains("Id");
                const std::string_view id_text = id != nullptr && id->is_string()
                                                     ? std::string_view(id->get_string())
                                                     : std::string_view();
                if (emitted != nullptr && !id_text.empty() && !emitted->emplace(id_text).second) {
                    continue;  // read already by another query of this job
                }
                record_context ctx{client_.base_url(), sobject, acl};
                ctx.now = core::now_utc();
                const auto text = raw_record(raw, records, i);
                if (sobject == "Contact" || sobject == "Lead") {
                    ctx.extras =
                        text ? enrichment_fields(sobject, *text) : enrichment_fields(sobject, rec);
                } else if (with_feeds) {
                    ctx.extras.push_back(feeds.feeds_field(id_text));
                }
                co_await emit_record(rec, ctx, on_doc, text);
            }
        },
        map_record_tree_fields, &pages_);
}

asio::awaitable<void> source::sync_custom_object(const std::string& sobject,
                                                 const handler& on_doc) {
    co_await client_.ensure_described_for(sobject);
    auto q = custom_object_query(sobject, client_.describes());
    if (q.empty()) {
        warn("Skipping Salesforce custom object " + sobject + ": it could not be described");
        co_return;
    }
    co_await run_object_query(sobject, std::move(q), on_doc, nullptr);
}

asio::awaitable<void> source::sync_file(const content_document& d, const handler& on_doc) {
    if (!d.version_id) {
        co_return;  // no published version: nothing to link to
    }
    bool metadata_only = false;
    if (changed_files_ && !changed_files_->contains(d.id)) {
        if (!relinked_files_.contains(d.id)) {
            co_return;  // incremental sync: unchanged, neither read nor indexed again
        }
        metadata_only = true;  // only its links changed: its content is the same
    }
    if (changed_files_) {
        files_emitted_.insert(d.id);  // (incremental only: a listing emits every file)
    }
    // Sharing is read only when it is used (DLS): one query per file otherwise wasted.
    std::vector<std::string> identities;
    if (dls_enabled()) {
        identities = co_await file_sharing(d.id);
    }
    const auto title = d.full_title().value_or("");
    const bool download = !metadata_only && reads_content(d, title);

    sync::document doc;
    doc.id = d.id;
    doc.partial = metadata_only;
    begin_content_document(doc.json, d, client_.base_url(), dls_enabled() ? &identities : nullptr);
    if (d.last_updated) {
        // The file's last change, so that an unchanged file is recognised (incremental syncs,
        // and the reference's skip of unchanged documents).
        const json::value last_modified(json::string_view(*d.last_updated));
        if (auto ts = record_timestamp(&last_modified, core::now_utc())) {
            doc.json += ",\"_timestamp\":";
            detail::append_json_string(doc.json, *ts);
            doc.timestamp = std::move(ts);
        }
    }
    if (download) {
        co_await attach_content(d, title, doc);
    }
    doc.json.push_back('}');
    co_await on_doc(std::move(doc));
}

asio::awaitable<std::vector<std::string>> source::file_sharing(const std::string& file_id) {
    std::vector<std::string> identities;
    co_await client_.query(file_access_query(file_id), "sharing of file " + file_id,
                           [&](const json::array& records) -> asio::awaitable<void> {
                               for (auto& i : file_access_identities(records)) {
                                   identities.push_back(std::move(i));
                               }
                               co_return;
                           });
    std::sort(identities.begin(), identities.end());
    identities.erase(std::unique(identities.begin(), identities.end()), identities.end());
    co_return identities;
}

bool source::reads_content(const content_document& d, const std::string& title) const {
    const bool lifted = extractor_ && extractor_->lifts_size_cap();
    const auto decision = decide_file(title, d.size(), opts_.max_file_size, lifted);
    if (decision == file_decision::too_large) {
        warn("File " + d.id + " (" + title + ") is indexed without content: its size, " +
             std::to_string(d.size().value_or(0)) +
             " bytes, is over service.max_file_download_size (" +
             std::to_string(opts_.max_file_size) + " bytes)");
    }
    const bool download = decision == file_decision::download;
    if (download && cfg_.use_text_extraction_service && !extractor_) {
        // The connector turned the ingest pipeline's extraction off for a service that is not
        // configured, and there is no extraction in process: content is left out.
        warn("File " + d.id + " (" + title +
             ") is indexed without content: use_text_extraction_service is on, and neither "
             "extraction_service.host nor extraction.mode: local is configured");
        return false;
    }
    return download;
}

namespace {

// What a file larger than `limit` is told (its ContentSize, or the download cap without one).
std::string too_large_message(const content_document& d, std::size_t limit) {
    return "the content is larger than its " +
           std::string(d.size() ? "ContentSize" : "download size limit") + " (" +
           std::to_string(limit) + " bytes)";
}

// A sync stopped while a file was read: its document must not be indexed without content.
void throw_if_cancelled(const asio::cancellation_state& state) {
    if (state.cancelled() != asio::cancellation_type::none) {
        throw boost::system::system_error(asio::error::operation_aborted);
    }
}

// The document's share of the budget of file content held at once (document::lease).
struct content_lease {
    content_lease(std::shared_ptr<core::async_semaphore> b, core::async_semaphore::permit p)
        : budget(std::move(b)), permit(std::move(p)) {}
    std::shared_ptr<core::async_semaphore> budget;  // outlives the permit
    core::async_semaphore::permit permit;
};

}  // namespace

asio::awaitable<void> source::attach_content(const content_document& d, const std::string& title,
                                             sync::document& doc) {
    if (extractor_) {
        co_await attach_text(d, title, doc);
        co_return;
    }
    // The base64 of the file is written straight into the document as it arrives, within the
    // sync's budget of file content held at once. ContentSize bounds what is read: a file that
    // turns out larger is indexed without content rather than held whatever its size.
    const std::size_t limit = d.size().value_or(opts_.max_file_size);
    const std::size_t encoded = base64_encoder::encoded_size(limit);
    // The document's share of the budget travels with it: released when the sink has it in a
    // bulk request, or dropped it.
    // (A named permit: GCC 12 mishandles temporaries of a co_await inside a call.)
    auto permit = co_await file_bytes_->acquire(encoded);
    doc.lease = std::make_shared<content_lease>(file_bytes_, std::move(permit));
    const std::size_t metadata_end = doc.json.size();
    doc.json.reserve(metadata_end + encoded + 256);  // the sink's appended members too
    doc.json += ",\"_attachment\":\"";
    const std::size_t content_begin = doc.json.size();
    base64_encoder encoder;
    // Every argument named first: GCC 12 mishandles temporaries of a co_await inside a call.
    const std::string too_large = too_large_message(d, limit);
    const std::function<void(std::string_view)> keep = [&](std::string_view chunk) {
        encoder.append(chunk, doc.json);
    };
    const std::function<void()> restart = [&] {
        doc.json.resize(content_begin);
        encoder = base64_encoder{};
    };
    auto failure = co_await download_into(*d.version_id, limit, too_large, keep, restart);
    const auto state = co_await asio::this_coro::cancellation_state;
    throw_if_cancelled(state);
    if (failure) {
        doc.json.resize(metadata_end);
        doc.json.shrink_to_fit();
        doc.lease.reset();  // no content held
        warn("File " + d.id + " (" + title + ") is indexed without content: " + *failure);
    } else {
        encoder.finish(doc.json);
        doc.json.push_back('"');
        doc.has_attachment = true;
    }
}

// The file is spooled to disk as it arrives and its text extracted from there (in process or
// by the extraction service); the document carries the text as `body`. The budget of content
// held at once counts the file's size until the document is in a bulk request (its text is
// what stays in memory).
asio::awaitable<void> source::attach_text(const content_document& d, const std::string& title,
                                          sync::document& doc) {
    constexpr std::size_t unknown_size_cap = std::size_t{1} << 30;
    const std::size_t limit =
        d.size().value_or(extractor_->lifts_size_cap() ? unknown_size_cap : opts_.max_file_size);
    auto permit = co_await file_bytes_->acquire(limit);
    auto lease = std::make_shared<content_lease>(file_bytes_, std::move(permit));
    sync::spooled_file spool(extractor_->spool_dir());
    // Every argument named first: GCC 12 mishandles temporaries of a co_await inside a call.
    const std::string too_large = too_large_message(d, limit);
    const std::function<void(std::string_view)> keep = [&](std::string_view chunk) {
        spool.write(chunk);
    };
    const std::function<void()> restart = [&] { spool.clear(); };
    auto failure = co_await download_into(*d.version_id, limit, too_large, keep, restart);
    const auto state = co_await asio::this_coro::cancellation_state;
    throw_if_cancelled(state);
    if (!failure) {
        spool.flush();
        auto extracted = co_await extractor_->extract(spool.path(), title);
        const auto after = co_await asio::this_coro::cancellation_state;
        throw_if_cancelled(after);
        if (extracted.text) {
            append_body(d, title, *extracted.text, doc);
            doc.lease = std::move(lease);
            co_return;
        }
        failure = std::move(extracted.failure);
    }
    warn("File " + d.id + " (" + title + ") is indexed without content: " + *failure);
}

// Room kept in a document for what the sink adds (`id`, up to 512 bytes, and the pipeline
// flags) and for the `body` member's own name and quotes.
constexpr std::size_t document_overhead = 1024;

void source::append_body(const content_document& d, const std::string& title, std::string_view text,
                         sync::document& doc) const {
    std::size_t keep = text.size();
    if (opts_.max_document_size > 0) {
        const std::size_t used = doc.json.size() + document_overhead;
        const std::size_t budget =
            opts_.max_document_size > used ? opts_.max_document_size - used : 0;
        keep = core::json_escaped_prefix(text, budget);
    }
    if (keep < text.size()) {
        warn("File " + d.id + " (" + title + "): its text is cut at " + std::to_string(keep) +
             " of " + std::to_string(text.size()) +
             " bytes so that its document fits elasticsearch.bulk.max_text_document_size (" +
             std::to_string(opts_.max_document_size) + " bytes)");
    }
    doc.json += ",\"body\":";
    detail::append_json_string(doc.json, text.substr(0, keep));
}

// Downloads a file's content, handing each piece to `keep` (up to `limit` bytes; `restart`
// when a retried download starts again); nullopt when it was read whole, else why not.
asio::awaitable<std::optional<std::string>> source::download_into(
    const std::string& version_id, std::size_t limit, const std::string& too_large,
    const std::function<void(std::string_view)>& keep, const std::function<void()>& restart) {
    std::size_t received = 0;
    std::optional<std::string> failure;
    try {
        co_await client_.download(
            version_id,
            [&](std::string_view chunk) -> asio::awaitable<void> {
                // The bytes may be an error answer (retried): past the limit they are not
                // kept, and only far past it is the transfer cut.
                if (received + chunk.size() <= limit) {
                    keep(chunk);
                } else if (received < limit) {
                    keep(chunk.substr(0, limit - received));
                }
                received += chunk.size();
                if (received > limit + std::size_t{1024} * 1024) {
                    throw core::error(core::error_kind::bad_request, too_large);
                }
                co_return;
            },
            [&] {
                received = 0;
                restart();
            });
        if (received > limit) {
            failure = too_large;
        }
    } catch (const core::error& e) {
        if (e.kind() == core::error_kind::rate_limited) {
            // The org's API allocation is used up (REQUEST_LIMIT_EXCEEDED, not the concurrent
            // kind, which is retried): every later call fails the same way. One job error
            // naming the quota instead of a warning per file and a job that looks complete.
            throw core::error(core::error_kind::rate_limited,
                              "Salesforce API request quota of the org is used up "
                              "(REQUEST_LIMIT_EXCEEDED); the sync stops: " +
                                  std::string(e.what()),
                              e.status(), e.body_excerpt());
        }
        failure = e.what();
    }
    co_return failure;
}

asio::awaitable<void> source::sync_files(const handler& on_doc) {
    // One file's metadata is unpacked at a time per worker (the collector stays compact).
    files_.finish();
    co_await core::for_each_concurrently(files_.size(),
                                         std::max<std::size_t>(1, opts_.concurrent_downloads),
                                         [&](std::size_t i) -> asio::awaitable<void> {
                                             const auto d = files_.document(i);
                                             co_await sync_file(d, on_doc);
                                         });
    files_ = content_document_collector{};
}

asio::awaitable<std::vector<source::object_task>> source::object_tasks() {
    std::vector<object_task> tasks;
    const auto selected = cfg_.standard_objects_to_sync();
    co_await client_.ensure_global_describe();
    for (auto sobject : standard_sobjects) {
        if (contains(selected, sobject)) {
            tasks.push_back({std::string(sobject), false});
        }
    }
    if (cfg_.sync_custom_objects) {
        co_await resolve_custom_objects();
        for (const auto& name : custom_objects_) {
            tasks.push_back({name, true});
        }
    }
    synced_objects_.clear();
    for (const auto& t : tasks) {
        synced_objects_.push_back(t.name);
    }
    co_return tasks;
}

asio::awaitable<void> source::sync_objects(const handler& on_doc) {
    const auto tasks = co_await object_tasks();

    // Shared state first, every request of it at once: describes, then permissions. The
    // objects then only read it while they are queried concurrently.
    std::vector<std::string> described;
    for (const auto& t : tasks) {
        described.push_back(t.name);
        if (t.name == "Case") {
            described.emplace_back("CaseFeed");
        }
    }
    co_await client_.ensure_described_for_all(described);
    co_await core::for_each_concurrently(
        tasks.size(), tasks.size(),
        [&](std::size_t i) -> asio::awaitable<void> { co_await permissions_for(tasks[i].name); });

    co_await core::for_each_concurrently(
        tasks.size(), std::max<std::size_t>(1, concurrency_.objects),
        [&](std::size_t i) -> asio::awaitable<void> {
            if (tasks[i].custom) {
                co_await sync_custom_object(tasks[i].name, on_doc);
            } else {
                co_await sync_standard_object(tasks[i].name, on_doc);
            }
        });
}

asio::awaitable<void> source::sync_rules(const std::vector<advanced_rule>& rules,
                                         const handler& on_doc) {
    for (const auto& rule : rules) {
        co_await client_.run_rule(rule, [&](const json::array& records) -> asio::awaitable<void> {
            for (const auto& r : records) {
                if (!r.is_object()) {
                    continue;
                }
                const auto& rec = r.get_object();
                const std::string type = record_type(rec);
                // (Both views: `? "rule" : type` would make a temporary string to point to.)
                record_context ctx{client_.base_url(), type.empty() ? std::string_view("rule")
                                                                    : std::string_view(type)};
                ctx.access_control = co_await permissions_for(type);
                if (dls_enabled() && ctx.access_control == nullptr) {
                    static const std::vector<std::string> none;
                    ctx.access_control = &none;  // DLS on, type unknown: nobody
                }
                ctx.now = core::now_utc();
                co_await emit_record(rec, ctx, on_doc);
            }
        });
    }
}

asio::awaitable<void> source::get_docs(const json::value& snippet, handler on_doc) {
    // Every change before the org's time now is read by this listing.
    job_start_ = client_.server_time().value_or(core::now_utc());
    const bool has_rules = !snippet.is_null() &&
                           !(snippet.is_object() && snippet.get_object().empty()) &&
                           !(snippet.is_array() && snippet.get_array().empty());
    if (has_rules) {
        auto checked = check_advanced_rules(snippet);
        if (!checked.ok()) {
            std::string msg = "invalid advanced rules:";
            for (const auto& e : checked.errors) {
                msg += ' ' + e;
            }
            throw core::error(core::error_kind::bad_request, msg);
        }
        co_await sync_rules(checked.rules, on_doc);
    } else {
        co_await sync_objects(on_doc);
    }
    co_await sync_files(on_doc);
}

asio::awaitable<void> source::get_access_control(handler on_doc) {
    if (!dls_enabled()) {
        co_return;
    }
    // Every change before the org's time now is in the listing.
    acl_start_ = client_.server_time().value_or(core::now_utc());
    co_await client_.ensure_described_for("User");
    co_await client_.query(user_query(client_.describes()), "query User",
                           [&](const json::array& records) -> asio::awaitable<void> {
                               const auto now = core::now_utc();
                               for (const auto& r : records) {
                                   if (!r.is_object()) {
                                       continue;
                                   }
                                   if (auto doc = access_control_document(r.get_object(), now)) {
                                       co_await on_doc(std::move(*doc));
                                   }
                               }
                           });
}

// ---- incremental sync (docs/incremental-sync.md) ------------------------------------------------

asio::awaitable<std::optional<std::string>> source::prepare_access_control(
    const json::value& cursor) {
    if (!dls_enabled()) {
        co_return std::string("document-level security is off");
    }
    // The job's first call (the ping) brought the org's time.
    const auto now = client_.server_time().value_or(core::now_utc());
    acl_plan_ = plan_access_control(cursor, now);
    if (!acl_plan_.full_listing_reason) {
        acl_start_ = now;
    }
    co_return acl_plan_.full_listing_reason;
}

json::value source::access_control_mark() const {
    if (!acl_start_) {
        return nullptr;
    }
    return json::string(core::format_iso8601_z_seconds(*acl_start_));
}

asio::awaitable<void> source::get_access_control_changes(handler on_doc) {
    const std::string since = soql_datetime(acl_plan_.since);
    co_await client_.ensure_described_for("User");
    const auto& d = client_.describes();
    std::unordered_set<std::string> done;
    const page_handler emit_users = [&](const json::array& records) -> asio::awaitable<void> {
        const auto now = core::now_utc();
        for (const auto& r : records) {
            const auto* o = r.if_object();
            const auto* id = o != nullptr ? o->if_contains("Id") : nullptr;
            if (id == nullptr || !id->is_string() ||
                !done.insert(std::string(id->get_string())).second) {
                continue;
            }
            if (auto doc = access_control_document(*o, now)) {
                co_await on_doc(std::move(*doc));
            } else {
                // A user a full listing leaves out (an automation user): its document goes.
                auto gone = sync::make_deletion(std::string(id->get_string()));
                co_await on_doc(std::move(gone));
            }
        }
    };
    // 1. Users whose own record changed (name, e-mail, type, activation).
    {
        std::string q = user_query(d, "SystemModstamp > " + since);
        std::string what = "changed User";
        co_await client_.query(std::move(q), std::move(what), emit_users);
    }
    // Users deleted (Salesforce deactivates users; an org that deletes them shows IsDeleted).
    if (d.usable("User") && !d.select_fields("User", {"IsDeleted"}).empty()) {
        std::string q = "SELECT Id FROM User WHERE IsDeleted = true AND SystemModstamp > " + since;
        std::vector<std::string> gone;
        bool refused = false;
        try {
            std::string what = "deleted User";
            gone = co_await ids_of(std::move(q), std::move(what), "Id", true);
        } catch (const invalid_query_error&) {
            refused = true;
        }
        if (refused) {
            warn(
                "queryAll of deleted User records was refused: deleted users are left to the next "
                "full access-control sync");
        }
        for (const auto& id : gone) {
            if (done.insert(id).second) {
                auto deletion = sync::make_deletion(id);
                co_await on_doc(std::move(deletion));
            }
        }
    }
    // 2. Users whose permission set assignments changed (added, removed), and 3. every user
    // holding a permission set that changed (the set, or its object permissions). (The objects
    // a full sync's permission queries read too; the describes do not list them.)
    std::vector<std::string> users;
    {
        std::string soql =
            "SELECT AssigneeId FROM PermissionSetAssignment WHERE SystemModstamp > " + since;
        std::string what = "changed PermissionSetAssignment";
        auto ids = co_await ids_of(std::move(soql), std::move(what), "AssigneeId", true);
        users.insert(users.end(), ids.begin(), ids.end());
        std::vector<std::string> sets;
        {
            std::string q = "SELECT Id FROM PermissionSet WHERE SystemModstamp > " + since;
            std::string q_what = "changed PermissionSet";
            auto changed = co_await ids_of(std::move(q), std::move(q_what), "Id", false);
            sets.insert(sets.end(), changed.begin(), changed.end());
        }
        {
            std::string q =
                "SELECT ParentId FROM ObjectPermissions WHERE SystemModstamp > " + since;
            std::string q_what = "changed ObjectPermissions";
            auto changed = co_await ids_of(std::move(q), std::move(q_what), "ParentId", true);
            sets.insert(sets.end(), changed.begin(), changed.end());
        }
        std::sort(sets.begin(), sets.end());
        sets.erase(std::unique(sets.begin(), sets.end()), sets.end());
        if (!sets.empty()) {
            for (auto& q : split_in_queries(
                     client_.base_url(),
                     "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN ",
                     sets, ",", "")) {
                std::string q_what = "holders of changed permission sets";
                auto assigned =
                    co_await ids_of(std::move(q), std::move(q_what), "AssigneeId", false);
                users.insert(users.end(), assigned.begin(), assigned.end());
            }
        }
    }
    std::vector<std::string> todo;
    for (const auto& id : users) {
        if (!done.contains(id)) {
            todo.push_back(id);
        }
    }
    std::sort(todo.begin(), todo.end());
    todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
    if (!todo.empty()) {
        const std::string prefix = user_query(d, "Id IN ");
        for (auto& q : split_in_queries(client_.base_url(), prefix, todo, ",", "")) {
            std::string what = "users of changed permissions";
            co_await client_.query(std::move(q), std::move(what), emit_users);
        }
    }
}

namespace {

bool has_advanced_rules(const json::value& snippet) {
    return !snippet.is_null() && !(snippet.is_object() && snippet.get_object().empty()) &&
           !(snippet.is_array() && snippet.get_array().empty());
}

}  // namespace

std::string source::fingerprint(std::string_view job_inputs) const {
    json::object o;
    json::array standard;
    for (const auto& n : cfg_.standard_objects_to_sync()) {
        standard.emplace_back(n);
    }
    o["standard_objects"] = std::move(standard);
    json::array custom;
    if (cfg_.sync_custom_objects) {
        for (const auto& n : cfg_.custom_objects) {
            custom.emplace_back(n);
        }
    }
    o["custom_objects"] = std::move(custom);
    o["dls"] = dls_enabled();
    o["text_extraction_service"] = cfg_.use_text_extraction_service;
    o["extractor"] = extractor_ != nullptr;
    o["max_file_size"] = opts_.max_file_size;
    o["max_document_size"] = opts_.max_document_size;
    o["job"] = json::string_view(job_inputs.data(), job_inputs.size());
    return sync::md5_hex(json::serialize(o));
}

json::value source::next_cursor(std::string_view job_inputs) const {
    if (!job_start_) {
        return nullptr;
    }
    sync_cursor c;
    c.fingerprint = fingerprint(job_inputs);
    c.taken_at = *job_start_;
    for (const auto& name : synced_objects_) {
        c.objects[name] = *job_start_;
        if (dls_enabled()) {
            c.access[name] = access_digest(permissions_.find(name));
        }
    }
    return c.to_json();
}

asio::awaitable<std::optional<std::string>> source::prepare_incremental(
    const json::value& cursor, const json::value& snippet, std::string_view job_inputs) {
    if (has_advanced_rules(snippet)) {
        co_return std::string(
            "advanced sync rules are queries of their own: their changes are not tracked");
    }
    (void)co_await object_tasks();
    const auto now = client_.server_time().value_or(core::now_utc());
    plan_ = plan_incremental(cursor, fingerprint(job_inputs), synced_objects_, now);
    if (!plan_.full_listing_reason && dls_enabled()) {
        // Who may read an object is written into each of its documents: when it changed, every
        // document of the object changed.
        std::string why;
        const auto previous = sync_cursor::from_json(cursor, why);
        for (const auto& name : synced_objects_) {
            const auto* acl = co_await permissions_for(name);
            const auto it = previous->access.find(name);
            const std::string before = it == previous->access.end() ? "" : it->second;
            if (access_digest(acl) != before) {
                plan_.full_listing_reason = "who may read " + name +
                                            " changed since the sync cursor was taken "
                                            "(document-level security)";
                break;
            }
        }
    }
    if (!plan_.full_listing_reason) {
        // Deletions are read now: when Salesforce no longer reports them, the job lists
        // everything instead (the sink has not started).
        changes_start_ = now;
        plan_.full_listing_reason = co_await read_deletions();
    }
    co_return plan_.full_listing_reason;
}

asio::awaitable<std::optional<std::string>> source::read_deletions() {
    const auto tasks = co_await object_tasks();
    std::vector<std::string> names;
    for (const auto& t : tasks) {
        names.push_back(t.name);
    }
    co_await client_.ensure_described_for_all(names);
    const auto& d = client_.describes();
    const std::string since = soql_datetime(plan_.since);
    const auto until = changes_start_.value_or(core::now_utc());
    deleted_.clear();
    for (const auto& t : tasks) {
        deleted_[t.name];
    }
    std::optional<std::string> reason;
    // Every object at once: one small query each (ids only), a round trip apiece on a real org.
    co_await core::for_each_concurrently(
        tasks.size(), tasks.size(), [&](std::size_t i) -> asio::awaitable<void> {
            const auto& name = tasks[i].name;
            if (!d.usable(name)) {
                co_return;
            }
            std::string soql =
                "SELECT Id FROM " + name + " WHERE IsDeleted = true AND SystemModstamp > " + since;
            std::string what = "deleted " + name;
            std::optional<std::string> refused;
            std::vector<std::string> ids;
            try {
                ids = co_await ids_of(std::move(soql), std::move(what), "Id", true);
            } catch (const invalid_query_error& e) {
                refused = e.what();
            }
            if (refused) {
                // Some objects cannot be read with queryAll, or not on IsDeleted: the
                // replication API lists their deletions (Salesforce keeps them 15 days too).
                warn("queryAll of the deleted " + name + " records was refused (" + *refused +
                     "); reading its deletions with getDeleted");
                std::optional<std::string> unavailable;
                std::string url = client_.base_url() + get_deleted_path(name, plan_.since, until);
                std::string get_what = "getDeleted " + name;
                try {
                    auto answer = co_await client_.get_json(std::move(url), std::move(get_what));
                    ids = parse_get_deleted(answer, name).ids;
                } catch (const core::error& e) {
                    if (!is_invalid_replication_date(e.what())) {
                        throw;
                    }
                    unavailable = e.what();
                }
                if (unavailable) {
                    if (!reason) {
                        reason = "Salesforce no longer reports the deletions of " + name +
                                 " since the sync cursor (" + *unavailable + ")";
                    }
                    co_return;
                }
            }
            deleted_[name] = std::move(ids);
        });
    co_return reason;
}

asio::awaitable<std::vector<std::string>> source::ids_of(std::string soql, std::string what,
                                                         std::string_view field, bool all) {
    std::vector<std::string> ids;
    page_handler on_page = [&](const json::array& records) -> asio::awaitable<void> {
        for (const auto& r : records) {
            if (const auto* o = r.if_object()) {
                if (const auto* v = o->if_contains(field); v != nullptr && v->is_string()) {
                    ids.emplace_back(v->get_string());
                }
            }
        }
        co_return;
    };
    if (all) {
        co_await client_.query_all(std::move(soql), std::move(what), on_page);
    } else {
        co_await client_.query(std::move(soql), std::move(what), on_page);
    }
    co_return ids;
}

asio::awaitable<void> source::sync_object_changes(
    const object_task& t, const std::vector<std::string>& extra_ids,
    const std::map<std::string, std::vector<std::string>>& deleted,
    const std::vector<std::string>& edited_users, const std::vector<std::string>& edited_owners,
    const handler& on_doc) {
    const auto& d = client_.describes();
    auto query_for = [&](std::string_view where) {
        return t.custom ? custom_object_query(t.name, d, where)
                        : standard_object_query(t.name, d, where);
    };
    if (query_for("").empty() || !d.usable(t.name)) {
        warn("Skipping Salesforce object " + t.name + ": it is not queryable in this org");
        co_return;
    }
    std::unordered_set<std::string> emitted;
    // Its own changes and those of the parents its documents embed.
    const auto condition = changed_condition(t.name, plan_.since, [&](const embedded_parent& p) {
        return d.usable(p.parent) && !d.select_fields(t.name, {p.id_field}).empty();
    });
    auto changed = query_for(condition);
    co_await run_object_query(t.name, std::move(changed), on_doc, &emitted);
    // Records whose embedded children or files changed, and records that embed a deleted
    // parent: by id, in URL-bounded chunks.
    auto by_ids = [&](std::string_view field,
                      const std::vector<std::string>& ids) -> asio::awaitable<void> {
        std::vector<std::string> todo;
        for (const auto& id : ids) {
            if (field != "Id" || !emitted.contains(id)) {
                todo.push_back(id);
            }
        }
        std::sort(todo.begin(), todo.end());
        todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
        if (todo.empty()) {
            co_return;
        }
        const std::string prefix = query_for(std::string(field) + " IN ");
        for (auto& q : split_in_queries(client_.base_url(), prefix, todo, ",", "")) {
            co_await run_object_query(t.name, std::move(q), on_doc, &emitted);
        }
    };
    co_await by_ids("Id", extra_ids);
    if (!edited_owners.empty()) {
        for (const auto field : embedded_people(t.name)) {
            // (CreatedById is a system field of every object; OwnerId is not.)
            if (field == "CreatedById" || !d.select_fields(t.name, {field}).empty()) {
                const auto& ids = field == "OwnerId" ? edited_owners : edited_users;
                co_await by_ids(field, ids);
            }
        }
    }
    for (const auto& p : embedded_parents(t.name)) {
        auto gone = deleted.find(std::string(p.parent));
        if (gone != deleted.end() && !gone->second.empty() &&
            !d.select_fields(t.name, {p.id_field}).empty()) {
            co_await by_ids(p.id_field, gone->second);
        }
    }
}

asio::awaitable<void> source::get_docs_incrementally(const json::value& snippet, handler on_doc) {
    (void)snippet;  // prepare_incremental refused advanced rules
    // From before the deletions were read (prepare_incremental).
    job_start_ = changes_start_ ? changes_start_ : client_.server_time();
    if (!job_start_) {
        job_start_ = core::now_utc();
    }
    const auto tasks = co_await object_tasks();
    const std::string since = soql_datetime(plan_.since);

    std::vector<std::string> described;
    for (const auto& t : tasks) {
        described.push_back(t.name);
        for (const auto& c : embedded_children(t.name)) {
            described.emplace_back(c.child);
        }
    }
    for (auto f : {"ContentDocument", "ContentDocumentLink", "ContentVersion"}) {
        described.emplace_back(f);
    }
    co_await client_.ensure_described_for_all(described);
    const auto& d = client_.describes();
    co_await core::for_each_concurrently(
        tasks.size(), tasks.size(),
        [&](std::size_t i) -> asio::awaitable<void> { co_await permissions_for(tasks[i].name); });

    // 1. Deletions, read by prepare_incremental (read_deletions).
    std::map<std::string, std::vector<std::string>> deleted = deleted_;
    for (const auto& t : tasks) {
        deleted[t.name];
    }
    for (const auto& [name, ids] : deleted) {
        for (const auto& id : ids) {
            auto gone = sync::make_deletion(id);
            co_await on_doc(std::move(gone));
        }
    }
    // The look-ups below that do not depend on one another run at once: each is a round trip
    // or a few, and one after another they would cost a round trip each on a real org.
    using lookup = std::function<asio::awaitable<void>()>;
    auto run_lookups = [&](std::vector<lookup>& lookups) -> asio::awaitable<void> {
        co_await core::for_each_concurrently(
            lookups.size(), std::max<std::size_t>(1, concurrency_.pages),
            [&](std::size_t i) -> asio::awaitable<void> { co_await lookups[i](); });
    };
    // (id look-up by `soql`, ids of `field` appended to `into`)
    auto ids_into = [&](std::vector<lookup>& lookups, std::string soql, std::string what,
                        std::string_view field, bool all, auto& into) {
        lookups.emplace_back([this, soql = std::move(soql), what = std::move(what), field, all,
                              &into]() -> asio::awaitable<void> {
            std::string q = soql;
            std::string w = what;
            auto ids = co_await ids_of(std::move(q), std::move(w), field, all);
            into.insert(into.end(), ids.begin(), ids.end());
        });
    };
    relinked_files_.clear();
    files_emitted_.clear();
    const bool with_files = !content_document_links_join(d).empty();
    std::vector<std::string> relinked;  // into relinked_files_ once the look-ups are done
    std::vector<lookup> first;

    // Files linked to a deleted record: their linked_ids change (and one left without a
    // synced record goes).
    if (with_files) {
        std::vector<std::string> gone;
        for (const auto& [name, ids] : deleted) {
            gone.insert(gone.end(), ids.begin(), ids.end());
        }
        if (!gone.empty()) {
            for (auto& q : split_in_queries(
                     client_.base_url(),
                     "SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId IN ",
                     gone, ",", "")) {
                ids_into(first, std::move(q), "files of deleted records", "ContentDocumentId", true,
                         relinked);
            }
        }
        // Links added or removed since the cursor (a link's own SystemModstamp; the file's
        // does not change): Salesforce wants a ContentDocumentLink query filtered on
        // LinkedEntityId or ContentDocumentId, so one per object, through a semi-join.
        for (const auto& t : tasks) {
            if (!d.usable(t.name)) {
                continue;
            }
            ids_into(first,
                     "SELECT ContentDocumentId FROM ContentDocumentLink WHERE "
                     "LinkedEntityId IN (SELECT Id FROM " +
                         t.name + ") AND SystemModstamp > " + since,
                     "changed file links of " + t.name, "ContentDocumentId", true, relinked);
        }
    }

    // Users and queues edited since the cursor (a rename, a new e-mail): documents embed their
    // names as owners and authors. LastModifiedDate, not SystemModstamp: Salesforce moves a
    // user's SystemModstamp for system updates too, and each move would re-read all the user's
    // records.
    std::vector<std::string> users;   // authors (CreatedById), owners of files
    std::vector<std::string> queues;  // owners of records too
    std::vector<std::string> refusals;
    for (std::string_view who : {"User", "Group"}) {
        first.emplace_back([&, who,
                            &into = who == "User" ? users : queues]() -> asio::awaitable<void> {
            std::string soql =
                "SELECT Id FROM " + std::string(who) + " WHERE LastModifiedDate > " + since;
            std::string what = "edited " + std::string(who);
            std::optional<std::string> refused;
            try {
                auto ids = co_await ids_of(std::move(soql), std::move(what), "Id", false);
                into.insert(into.end(), ids.begin(), ids.end());
            } catch (const invalid_query_error& e) {
                refused = e.what();
            }
            if (refused) {
                refusals.push_back("the query of edited " + std::string(who) +
                                   " records was refused (" + *refused +
                                   "); their new names reach the documents at the next full sync");
            }
        });
    }

    // 2. Parents of changed, added or deleted embedded children.
    std::map<std::string, std::vector<std::string>> extra;
    for (const auto& t : tasks) {
        auto& e = extra[t.name];
        for (const auto& c : embedded_children(t.name)) {
            if (!d.usable(c.child) || d.select_fields(c.child, {c.parent_field}).empty()) {
                continue;
            }
            ids_into(first,
                     "SELECT " + std::string(c.parent_field) + " FROM " + std::string(c.child) +
                         " WHERE SystemModstamp > " + since,
                     "changed " + std::string(c.child), c.parent_field, true, e);
        }
    }

    // 3. Files changed or deleted since the cursor: changed ones are read again (with every
    // record linking them, whose documents embed the file's metadata); deleted ones go.
    changed_files_.emplace();
    std::vector<std::string> touched;
    if (with_files) {
        first.emplace_back([&]() -> asio::awaitable<void> {
            std::string soql =
                "SELECT Id, IsDeleted FROM ContentDocument WHERE SystemModstamp > " + since;
            const page_handler on_files = [&](const json::array& records) -> asio::awaitable<void> {
                for (const auto& r : records) {
                    const auto* o = r.if_object();
                    const auto* id = o != nullptr ? o->if_contains("Id") : nullptr;
                    if (id == nullptr || !id->is_string()) {
                        continue;
                    }
                    const std::string file_id(id->get_string());
                    const auto* gone = o->if_contains("IsDeleted");
                    if (gone != nullptr && gone->is_bool() && gone->get_bool()) {
                        auto deletion = sync::make_deletion(file_id);
                        co_await on_doc(std::move(deletion));
                    } else {
                        changed_files_->insert(file_id);
                    }
                    touched.push_back(file_id);
                }
            };
            co_await client_.query_all(std::move(soql), "changed ContentDocument", on_files);
        });
    }
    co_await run_lookups(first);
    for (const auto& r : refusals) {
        warn(r);
    }
    std::vector<std::string> owners = users;
    owners.insert(owners.end(), queues.begin(), queues.end());

    // What the edited users wrote: their files (the records linking them are re-emitted, the
    // file documents get their metadata again, no download, as for a file whose links
    // changed), and the Cases whose comments, e-mails and feeds they wrote.
    std::vector<lookup> second;
    if (!users.empty()) {
        if (with_files) {
            for (std::string_view field : {"OwnerId", "CreatedById"}) {
                for (auto& q : split_in_queries(
                         client_.base_url(),
                         "SELECT Id FROM ContentDocument WHERE " + std::string(field) + " IN ",
                         users, ",", "")) {
                    ids_into(second, std::move(q), "files of edited users", "Id", false, relinked);
                }
            }
        }
        for (const auto& t : tasks) {
            for (const auto& c : embedded_children(t.name)) {
                if (c.author_field.empty() || !d.usable(c.child) ||
                    d.select_fields(c.child, {c.parent_field}).empty()) {
                    continue;
                }
                const std::string prefix = "SELECT " + std::string(c.parent_field) + " FROM " +
                                           std::string(c.child) + " WHERE " +
                                           std::string(c.author_field) + " IN ";
                for (auto& q : split_in_queries(client_.base_url(), prefix, users, ",", "")) {
                    ids_into(second, std::move(q), std::string(c.child) + " of edited users",
                             c.parent_field, false, extra[t.name]);
                }
            }
        }
    }
    co_await run_lookups(second);
    relinked_files_.insert(relinked.begin(), relinked.end());

    // The records linking the changed and relinked files.
    std::vector<std::string> linked;
    if (with_files) {
        touched.insert(touched.end(), relinked_files_.begin(), relinked_files_.end());
        std::vector<lookup> links;
        if (!touched.empty()) {
            for (auto& q : split_in_queries(
                     client_.base_url(),
                     "SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId IN ",
                     touched, ",", "")) {
                ids_into(links, std::move(q), "links of changed files", "LinkedEntityId", true,
                         linked);
            }
        }
        co_await run_lookups(links);
    }

    // 4. Changed records, every object at once (a listing takes concurrency.objects at a
    // time; changes are a few pages, and pages_ bounds the pages held whatever the count).
    co_await core::for_each_concurrently(
        tasks.size(), tasks.size(), [&](std::size_t i) -> asio::awaitable<void> {
            auto ids = extra[tasks[i].name];
            ids.insert(ids.end(), linked.begin(), linked.end());
            co_await sync_object_changes(tasks[i], ids, deleted, users, owners, on_doc);
        });

    // 5. The changed files among those the records link; one no synced record links any more
    // goes (a full sync would not list it).
    co_await sync_files(on_doc);
    for (const auto& id : touched) {
        if (!files_emitted_.contains(id)) {
            auto gone = sync::make_deletion(id);
            co_await on_doc(std::move(gone));
        }
    }
    changed_files_.reset();
    relinked_files_.clear();
}

}  // namespace casio::salesforce
