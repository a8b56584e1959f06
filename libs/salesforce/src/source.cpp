#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/error.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/queries.hpp>
#include <casio/salesforce/source.hpp>

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

// Runs job(0..count-1) on `workers` coroutines at once (in order when workers <= 1). The first
// failure cancels the other workers and is rethrown.
asio::awaitable<void> for_each_concurrently(
    std::size_t count, std::size_t workers,
    const std::function<asio::awaitable<void>(std::size_t)>& job) {
    workers = std::min(workers, count);
    if (workers <= 1) {
        for (std::size_t i = 0; i < count; ++i) {
            co_await job(i);
        }
        co_return;
    }
    std::size_t next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < count) {
            co_await job(next++);
        }
    };
    const auto ex = co_await asio::this_coro::executor;
    using op = decltype(asio::co_spawn(ex, worker(), asio::deferred));
    std::vector<op> ops;
    for (std::size_t i = 0; i < workers; ++i) {
        ops.push_back(asio::co_spawn(ex, worker(), asio::deferred));
    }
    auto [order, failures] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    for (auto i : order) {
        if (failures[i]) {
            std::rethrow_exception(failures[i]);
        }
    }
}

// The members of an object's records the source reads from the tree (DLS, the document's id,
// _timestamp and url); every other member is copied from the page's text. Files
// (ContentDocumentLinks) and enrichment parents are read from the text too.
constexpr std::string_view record_fields_read[] = {
    "Id", "LastModifiedDate", "_allow_access_control", "id", "_timestamp", "url",
};

// CaseFeed records are grouped by case and otherwise copied from the text.
constexpr std::string_view feed_fields_read[] = {"ParentId"};

// The text of record i, when the scan of the page lines up with the parsed records.
std::optional<std::span<const raw_member>> raw_record(const raw_records& raw,
                                                      const json::array& records, std::size_t i) {
    return raw.size() == records.size() ? raw.record(i) : std::nullopt;
}

}  // namespace

source::source(client& c, config cfg, source_options opts, warning_sink warn)
    : client_(c), cfg_(std::move(cfg)), opts_(std::move(opts)), warn_(std::move(warn)) {}

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

asio::awaitable<rules_validation> source::validate_advanced_rules(const json::value& snippet) {
    const auto check = check_advanced_rules(snippet);
    if (!check.ok()) {
        std::string msg;
        for (const auto& e : check.errors) {
            msg += (msg.empty() ? "" : "; ") + e;
        }
        co_return rules_validation{false, msg};
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
        co_return rules_validation{};
    }
    co_return rules_validation{false, invalid_queries_message(invalid)};
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
    if (!raw) {
        files_.add_from_record(record);  // the whole record was parsed
        return;
    }
    const auto* id = record.if_contains("Id");
    if (id == nullptr || !id->is_string()) {
        return;
    }
    for (const auto& m : *raw) {
        if (m.key != "ContentDocumentLinks" || m.value == "null") {
            continue;
        }
        if (files_.add_known_links(id->get_string(), m.value)) {
            return;
        }
        // A file not seen before: parse the links for its metadata (checked JSON already).
        unsigned char buffer[8192];
        json::monotonic_resource arena(buffer, sizeof buffer);
        boost::system::error_code ec;
        const auto links = json::parse(m.value, ec, &arena);
        if (!ec && links.is_object()) {
            files_.add_links(id->get_string(), links.get_object());
        }
        return;
    }
}

asio::awaitable<void> source::emit_record(const json::object& record, record_context& ctx,
                                          document_handler& on_doc,
                                          std::optional<std::span<const raw_member>> raw) {
    collect_files(record, raw);
    if (auto doc = map_record(record, ctx, warn_, raw)) {
        co_await on_doc(std::move(*doc));
    }
}

asio::awaitable<void> source::sync_standard_object(const std::string& sobject,
                                                   document_handler& on_doc) {
    co_await client_.ensure_described_for(sobject);
    const auto& d = client_.describes();
    if (!d.usable(sobject)) {
        warn("Skipping Salesforce object " + sobject + ": it is not queryable in this org");
        co_return;
    }
    const auto* acl = co_await permissions_for(sobject);
    const bool with_feeds = sobject == "Case";
    if (with_feeds) {
        co_await client_.ensure_described_for("CaseFeed");
    }
    co_await client_.query(
        standard_object_query(sobject, d), "query " + sobject,
        [&](const json::array& records, const raw_records& raw) -> asio::awaitable<void> {
            case_feed_index feeds;
            if (with_feeds && d.usable("CaseFeed") && !records.empty()) {
                for (const auto& q :
                     case_feed_queries(d, client_.base_url(), record_ids(records))) {
                    co_await client_.query(
                        q, "query CaseFeed",
                        [&](const json::array& f,
                            const raw_records& feed_text) -> asio::awaitable<void> {
                            feeds.add(f, &feed_text);
                            co_return;
                        },
                        feed_fields_read);
                }
            }
            for (std::size_t i = 0; i < records.size(); ++i) {
                if (!records[i].is_object()) {
                    continue;
                }
                const auto& rec = records[i].get_object();
                record_context ctx{client_.base_url(), sobject, acl};
                ctx.now = core::now_utc();
                const auto text = raw_record(raw, records, i);
                if (sobject == "Contact" || sobject == "Lead") {
                    ctx.extras =
                        text ? enrichment_fields(sobject, *text) : enrichment_fields(sobject, rec);
                } else if (with_feeds) {
                    const auto* id = rec.if_contains("Id");
                    ctx.extras.push_back(feeds.feeds_field(id != nullptr && id->is_string()
                                                               ? std::string_view(id->get_string())
                                                               : std::string_view()));
                }
                co_await emit_record(rec, ctx, on_doc, text);
            }
        },
        record_fields_read);
}

asio::awaitable<void> source::sync_custom_object(const std::string& sobject,
                                                 document_handler& on_doc) {
    co_await client_.ensure_described_for(sobject);
    const auto q = custom_object_query(sobject, client_.describes());
    if (q.empty()) {
        warn("Skipping Salesforce custom object " + sobject + ": it could not be described");
        co_return;
    }
    const auto* acl = co_await permissions_for(sobject);
    co_await client_.query(
        q, "query " + sobject,
        [&](const json::array& records, const raw_records& raw) -> asio::awaitable<void> {
            for (std::size_t i = 0; i < records.size(); ++i) {
                if (!records[i].is_object()) {
                    continue;
                }
                record_context ctx{client_.base_url(), sobject, acl};
                ctx.now = core::now_utc();
                co_await emit_record(records[i].get_object(), ctx, on_doc,
                                     raw_record(raw, records, i));
            }
        },
        record_fields_read);
}

asio::awaitable<void> source::sync_file(const content_document& d, document_handler& on_doc) {
    {
        if (!d.version_id) {
            co_return;  // no published version: nothing to link to
        }
        // Sharing is read only when it is used (DLS): one query per file otherwise wasted.
        std::vector<std::string> identities;
        if (dls_enabled()) {
            co_await client_.query(file_access_query(d.id), "sharing of file " + d.id,
                                   [&](const json::array& records) -> asio::awaitable<void> {
                                       for (auto& i : file_access_identities(records)) {
                                           identities.push_back(std::move(i));
                                       }
                                       co_return;
                                   });
            std::sort(identities.begin(), identities.end());
            identities.erase(std::unique(identities.begin(), identities.end()), identities.end());
        }
        const auto title = d.full_title().value_or("");
        const auto decision =
            decide_file(title, d.size(), opts_.max_file_size, cfg_.use_text_extraction_service);
        std::optional<std::string> attachment;
        std::optional<std::string> body;
        // With the extraction service the size gate is off: without an extractor wired in, a
        // file of any size would end up base64 in memory, so content is left out instead.
        const bool extract = cfg_.use_text_extraction_service;
        if (extract && !opts_.extractor && decision == file_decision::download) {
            warn("File " + d.id + " (" + title +
                 ") is indexed without content: the text extraction service is not available");
        } else if (decision == file_decision::download) {
            std::string content;
            base64_encoder encoder;
            std::optional<std::string> failure;
            try {
                co_await client_.download(
                    *d.version_id,
                    [&](std::string_view chunk) -> asio::awaitable<void> {
                        if (extract) {
                            content.append(chunk);
                        } else {
                            encoder.append(chunk, content);
                        }
                        co_return;
                    },
                    [&] {  // a retried download starts from scratch
                        content.clear();
                        encoder = base64_encoder{};
                    });
            } catch (const core::error& e) {
                failure = e.what();
            }
            if (failure) {
                warn("File " + d.id + " (" + title + ") is indexed without content: " + *failure);
            } else if (extract) {
                body = co_await opts_.extractor(d, std::move(content));
            } else {
                encoder.finish(content);
                attachment = std::move(content);
            }
        }
        mapped_document doc;
        doc.id = d.id;
        doc.has_attachment = attachment.has_value();
        doc.json = content_document_json(
            d, client_.base_url(), dls_enabled() ? &identities : nullptr,
            attachment ? std::optional<std::string_view>(*attachment) : std::nullopt,
            body ? std::optional<std::string_view>(*body) : std::nullopt);
        co_await on_doc(std::move(doc));
    }
}

asio::awaitable<void> source::sync_files(document_handler& on_doc) {
    // One file's metadata is unpacked at a time (the collector stays compact).
    files_.finish();
    co_await for_each_concurrently(files_.size(), opts_.parallel_files,
                                   [&](std::size_t i) -> asio::awaitable<void> {
                                       const auto d = files_.document(i);
                                       co_await sync_file(d, on_doc);
                                   });
    files_ = content_document_collector{};
}

asio::awaitable<void> source::sync_objects(document_handler& on_doc) {
    struct task {
        std::string name;
        bool custom;
    };
    std::vector<task> tasks;
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
    auto sync_one = [&](const task& t) -> asio::awaitable<void> {
        if (t.custom) {
            co_await sync_custom_object(t.name, on_doc);
        } else {
            co_await sync_standard_object(t.name, on_doc);
        }
    };
    const std::size_t workers = std::min(opts_.parallel_objects, tasks.size());
    if (workers <= 1) {
        for (const auto& t : tasks) {
            co_await sync_one(t);
        }
        co_return;
    }

    // Shared state first, one request at a time: describes and permissions are then only read
    // while the objects are queried concurrently.
    for (const auto& t : tasks) {
        co_await client_.ensure_described_for(t.name);
        co_await permissions_for(t.name);
        if (t.name == "Case") {
            co_await client_.ensure_described_for("CaseFeed");
        }
    }
    co_await for_each_concurrently(tasks.size(), workers,
                                   [&](std::size_t i) { return sync_one(tasks[i]); });
}

asio::awaitable<void> source::get_docs(const std::vector<advanced_rule>& rules,
                                       document_handler on_doc) {
    if (!rules.empty()) {
        for (const auto& rule : rules) {
            co_await client_.run_rule(
                rule, [&](const json::array& records) -> asio::awaitable<void> {
                    for (const auto& r : records) {
                        if (!r.is_object()) {
                            continue;
                        }
                        const auto& rec = r.get_object();
                        const std::string type = record_type(rec);
                        record_context ctx{client_.base_url(), type.empty() ? "rule" : type};
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
    } else {
        co_await sync_objects(on_doc);
    }
    co_await sync_files(on_doc);
}

asio::awaitable<void> source::get_access_control(document_handler on_doc) {
    if (!dls_enabled()) {
        co_return;
    }
    co_await client_.ensure_described_for("User");
    co_await client_.query(
        user_query(client_.describes()), "query User",
        [&](const json::array& records) -> asio::awaitable<void> {
            const auto now = core::now_utc();
            for (const auto& r : records) {
                if (!r.is_object()) {
                    continue;
                }
                if (auto doc = access_control_document(r.get_object(), now, warn_)) {
                    co_await on_doc(std::move(*doc));
                }
            }
        });
}

}  // namespace casio::salesforce
