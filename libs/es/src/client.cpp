// The ES client: request building, headers, product check, retry layers and the calls of
// protocol.md §10 (scroll in scroll.cpp).
#include <algorithm>
#include <exception>
#include <mutex>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/log.hpp>
#include <casio/core/metrics.hpp>
#include <casio/core/text.hpp>
#include <casio/es/client.hpp>
#include <casio/es/version.hpp>

#include "json_util.hpp"

namespace casio::es {

namespace asio = boost::asio;
namespace json = boost::json;
using detail::percent_encode;

namespace {

constexpr std::string_view json_media = "application/vnd.elasticsearch+json; compatible-with=8";
constexpr std::string_view ndjson_media =
    "application/vnd.elasticsearch+x-ndjson; compatible-with=8";

std::string segment(std::string_view s) {
    return "/" + percent_encode(s);
}

std::string connector_path(std::string_view id, std::string_view tail = {}) {
    return "/_connector" + segment(id) + std::string(tail);
}

std::string job_path(std::string_view id, std::string_view tail) {
    return "/_connector/_sync_job" + segment(id) + std::string(tail);
}

std::string what_of(const client::call& c) {
    return std::string(http::to_string(c.verb)) + " " + c.path;
}

// A call sending `body` as JSON.
client::call json_call(http::method verb, std::string path, const json::object& body) {
    return {.verb = verb,
            .path = std::move(path),
            .body = json::serialize(body),
            .type = client::body_type::json};
}

// {"key": value}
json::object object_with(std::string_view key, json::value value) {
    json::object o;
    o[key] = std::move(value);
    return o;
}

doc_hit hit_of(json::object& o) {
    doc_hit h;
    h.id = detail::string_or(o, "_id");
    h.seq_no = detail::int_or(o, "_seq_no", -1);
    h.primary_term = detail::int_or(o, "_primary_term", -1);
    if (auto* src = o.if_contains("_source"); src && src->is_object()) {
        h.source = std::move(src->get_object());
    }
    return h;
}

// The outcome of the process's last request to Elasticsearch, whichever client sent it.
struct last_call {
    std::mutex mutex;
    call_status status;
};

last_call& last() {
    static last_call l;
    return l;
}

void note_call(bool ok, std::string what) {
    auto& l = last();
    std::lock_guard lock(l.mutex);
    l.status.seen = true;
    l.status.ok = ok;
    l.status.error = ok ? std::string() : core::log::redact(what);
    l.status.at = std::chrono::system_clock::now();
}

}  // namespace

call_status last_call_status() {
    auto& l = last();
    std::lock_guard lock(l.mutex);
    return l.status;
}

bool license_info::at_least(std::string_view minimum) const noexcept {
    auto rank = [](std::string_view t) {
        constexpr std::string_view order[] = {"basic", "gold", "platinum", "enterprise", "trial"};
        for (int i = 0; i < 5; ++i) {
            if (order[i] == t) {
                return i;
            }
        }
        return -1;
    };
    return status == "active" && rank(type) >= 0 && rank(type) >= rank(minimum);
}

client::client(http::transport& t, client_options opts, core::sleeper* sleep)
    : transport_(t), opts_(std::move(opts)), sleep_(sleep) {
    if (!sleep_) {
        own_sleeper_ = std::make_unique<core::steady_sleeper>();
        sleep_ = own_sleeper_.get();
    }
    base_url_ = normalize_host(opts_.host);
    if (opts_.retries.max_retries < 1) {
        opts_.retries.max_retries = 1;
    }
    if (opts_.bulk_retries.max_retries < 1) {
        opts_.bulk_retries.max_retries = 1;
    }
    fixed_headers_.push_back({"user-agent", std::string(user_agent)});
    fixed_headers_.push_back({"X-elastic-product-origin", "connectors"});
    fixed_headers_.push_back({"accept", std::string(json_media)});
    fixed_headers_.push_back({"authorization", authorization_header(opts_)});
    for (const auto& extra : opts_.headers) {
        auto same =
            std::find_if(fixed_headers_.begin(), fixed_headers_.end(),
                         [&](const http::header& h) { return core::iequals(h.name, extra.name); });
        if (same != fixed_headers_.end()) {
            same->value = extra.value;
        } else {
            fixed_headers_.push_back(extra);
        }
    }
}

http::request client::make_request(const call& c) const {
    http::request req;
    req.verb = c.verb;
    req.url.reserve(base_url_.size() + c.path.size() + c.query.size() + 1);
    req.url = base_url_;
    req.url += c.path;
    if (!c.query.empty()) {
        req.url += '?';
        req.url += c.query;
    }
    req.fields = fixed_headers_;
    if (c.type != body_type::none) {
        req.fields.push_back(
            {"content-type", std::string(c.type == body_type::ndjson ? ndjson_media : json_media)});
    }
    if (c.body_view.empty()) {
        req.body = c.body;
    } else {
        req.body_view = c.body_view;
    }
    req.timeout = opts_.request_timeout;
    return req;
}

void client::check_product(const http::response& res) {
    if (product_checked_ || !res.ok()) {
        return;
    }
    auto product = res.header("X-Elastic-Product");
    if (!product || *product != "Elasticsearch") {
        throw core::error(core::error_kind::fatal,
                          "The server at " + base_url_ +
                              " is not Elasticsearch (no 'X-Elastic-Product: Elasticsearch' "
                              "header); this product is not supported");
    }
    product_checked_ = true;
}

asio::awaitable<http::response> client::send_once(const call& c) {
    static auto& in_flight = core::metrics::global().gauge_of(
        "connectors_asio_requests_in_flight", "HTTP requests sent and not yet answered, by peer",
        {{"peer", "elasticsearch"}});
    in_flight.add(1);
    std::optional<http::response> res;
    std::exception_ptr failure;
    try {
        res = co_await transport_.send(make_request(c));
    } catch (...) {
        failure = std::current_exception();
    }
    in_flight.add(-1);
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const core::error& e) {
            if (e.kind() != core::error_kind::canceled) {
                note_call(false, what_of(c) + ": " + e.what());
            }
        } catch (...) {
        }
        std::rethrow_exception(failure);
    }
    const unsigned st = res->status;
    note_call(st < 500 && st != 429, what_of(c) + ": HTTP " + std::to_string(st));
    check_product(*res);
    co_return std::move(*res);
}

asio::awaitable<http::response> client::send_with_transport_retries(const call& c) {
    // Connection failures (refused, reset, timed out) are re-sent at once, as the reference's
    // transport does. So are 429/502/503/504 answers, but only for the calls outside the app
    // retrier (GET /, scroll, _refresh, _count): the others back off in the app retrier
    // instead of hammering a busy cluster four times in a row.
    const bool resend_statuses = c.retry == retry_mode::none;
    for (int attempt = 0;; ++attempt) {
        const bool last = attempt >= opts_.transport_retries;
        std::optional<http::response> res;
        std::string why;
        try {
            res = co_await send_once(c);
        } catch (const es_error&) {
            throw;
        } catch (const core::error& e) {
            if ((e.kind() != core::error_kind::transient &&
                 e.kind() != core::error_kind::timeout) ||
                last) {
                throw;
            }
            why = e.what();
        }
        if (res) {
            const unsigned st = res->status;
            const bool busy = st == 429 || st == 502 || st == 503 || st == 504;
            if (!resend_statuses || !busy || last) {
                co_return std::move(*res);
            }
            why = "HTTP " + std::to_string(st);
        }
        // Sent again at once (no wait): said, so that an outage never passes without a line.
        core::log::warning(what_of(c), ": ", why, "; sending again at once (attempt ", attempt + 2,
                           " of ", opts_.transport_retries + 1, ")");
    }
}

asio::awaitable<http::response> client::execute_with(const call& c, const retry_settings& r) {
    co_return co_await execute_counted(c, r, nullptr);
}

asio::awaitable<http::response> client::execute_counted(const call& c, const retry_settings& r,
                                                        int* attempts) {
    auto passes = [&](const http::response& res) {
        return res.ok() || (res.status == 404 && c.not_found_ok);
    };
    // One attempt throws only what the app retrier may retry (connection failures, 429 and
    // 500/502/503/504); other statuses come back and are turned into errors below.
    auto attempt = [&]() -> asio::awaitable<http::response> {
        if (attempts) {
            *attempts += 1;
        }
        auto res = co_await send_with_transport_retries(c);
        if (!passes(res) && is_retryable_status(res.status)) {
            throw make_error(c.verb, c.path, res);
        }
        co_return res;
    };
    http::response res;
    if (c.retry == retry_mode::none) {
        res = co_await attempt();
    } else {
        auto policy = core::retry_policy::linear(std::max(1, r.max_retries), r.retry_interval,
                                                 r.retry_interval);
        const int tries = std::max(1, r.max_retries);
        auto note = [tries](int failed, const core::error& e, core::retry_ms wait) {
            core::log::warning(e.what(), "; trying again in ",
                               static_cast<double>(wait.count()) / 1000.0, " s (attempt ",
                               failed + 1, " of ", tries, ")");
        };
        res = co_await core::retry(policy, *sleep_, attempt, note);
    }
    if (!passes(res)) {
        throw make_error(c.verb, c.path, res);
    }
    co_return res;
}

asio::awaitable<http::response> client::execute(const call& c) {
    co_return co_await execute_with(c, opts_.retries);
}

// ---- 1. cluster ------------------------------------------------------------------------

asio::awaitable<cluster_info> client::info() {
    call c{.verb = http::method::get, .path = "/", .retry = retry_mode::none};
    auto res = co_await execute(c);
    auto o = detail::parse_object(res.body, "GET /");
    cluster_info out;
    if (auto* v = detail::object_at(o, "version")) {
        out.version_number = detail::string_or(*v, "number");
        out.build_flavor = detail::string_or(*v, "build_flavor");
    }
    co_return out;
}

asio::awaitable<bool> client::ping() {
    try {
        co_await info();
        co_return true;
    } catch (const core::error&) {
        co_return false;  // unreachable, refused, not Elasticsearch, error status
    }
}

// ---- indices ---------------------------------------------------------------------------

asio::awaitable<bool> client::index_exists(std::string_view index) {
    call c{.verb = http::method::head, .path = segment(index), .not_found_ok = true};
    auto res = co_await execute(c);
    co_return res.ok();
}

asio::awaitable<void> client::create_index(std::string_view index) {
    call c{.verb = http::method::put, .path = segment(index)};
    co_await execute(c);
}

asio::awaitable<json::object> client::get_index(std::string_view index) {
    call c{.verb = http::method::get, .path = segment(index), .query = "ignore_unavailable=true"};
    auto res = co_await execute(c);
    co_return detail::parse_object(res.body, what_of(c));
}

bool client::index_listed(const json::object& result, std::string_view index) {
    if (result.contains(index)) {
        return true;
    }
    for (const auto& kv : result) {
        auto* entry = kv.value().if_object();
        if (!entry) {
            continue;
        }
        if (auto* aliases = detail::object_at(*entry, "aliases");
            aliases && aliases->contains(index)) {
            return true;
        }
    }
    return false;
}

asio::awaitable<void> client::delete_index(std::string_view index) {
    call c{
        .verb = http::method::delete_, .path = segment(index), .query = "ignore_unavailable=true"};
    co_await execute(c);
}

// ---- documents -------------------------------------------------------------------------

asio::awaitable<std::optional<doc_hit>> client::get_doc(std::string_view index,
                                                        std::string_view id) {
    call c{.verb = http::method::get,
           .path = segment(index) + "/_doc" + segment(id),
           .not_found_ok = true};
    auto res = co_await execute(c);
    if (res.status == 404) {
        co_return std::nullopt;
    }
    auto o = detail::parse_object(res.body, what_of(c));
    if (auto* found = o.if_contains("found"); found && found->is_bool() && !found->get_bool()) {
        co_return std::nullopt;
    }
    co_return hit_of(o);
}

asio::awaitable<std::vector<doc_hit>> client::search_all(std::string_view index, json::object body,
                                                         std::size_t page_size) {
    std::vector<doc_hit> out;
    call c{.verb = http::method::post,
           .path = segment(index) + "/_search",
           .query = "expand_wildcards=hidden",
           .type = body_type::json};
    body["size"] = page_size;
    body["seq_no_primary_term"] = true;
    for (;;) {
        body["from"] = out.size();
        c.body = json::serialize(body);
        auto res = co_await execute(c);
        auto o = detail::parse_object(res.body, what_of(c));
        json::object* hits = nullptr;
        if (auto* hv = o.if_contains("hits")) {
            hits = hv->if_object();
        }
        if (!hits) {
            throw core::error(core::error_kind::fatal, what_of(c) + ": response has no hits");
        }
        std::int64_t total = 0;
        if (auto* t = hits->if_contains("total")) {
            total = t->is_object() ? detail::int_or(t->get_object(), "value", 0)
                                   : detail::int_or(*hits, "total", 0);
        }
        auto* list = hits->if_contains("hits");
        if (!list || !list->is_array() || list->get_array().empty()) {
            break;
        }
        for (auto& h : list->get_array()) {
            if (auto* ho = h.if_object()) {
                out.push_back(hit_of(*ho));
            }
        }
        if (static_cast<std::int64_t>(out.size()) >= total) {
            break;
        }
    }
    co_return out;
}

asio::awaitable<void> client::update_doc(std::string_view index, std::string_view id,
                                         json::object doc, std::optional<occ_guard> guard) {
    call c{.verb = http::method::post,
           .path = segment(index) + "/_update" + segment(id),
           .type = body_type::json};
    if (guard) {
        c.query = "if_seq_no=" + std::to_string(guard->seq_no) +
                  "&if_primary_term=" + std::to_string(guard->primary_term);
    }
    c.body = json::serialize(object_with("doc", std::move(doc)));
    co_await execute(c);
}

asio::awaitable<std::string> client::create_doc(std::string_view index, const json::object& doc) {
    auto c = json_call(http::method::post, segment(index) + "/_doc", doc);
    auto res = co_await execute(c);
    auto o = detail::parse_object(res.body, what_of(c));
    auto id = detail::string_or(o, "_id");
    if (id.empty()) {
        throw core::error(core::error_kind::fatal, what_of(c) + ": response has no _id");
    }
    co_return id;
}

// ---- _connector API ----------------------------------------------------------------------

asio::awaitable<void> client::check_in(std::string_view connector_id) {
    call c{.verb = http::method::put, .path = connector_path(connector_id, "/_check_in")};
    co_await execute(c);
}

asio::awaitable<void> client::update_filtering_validation(std::string_view connector_id,
                                                          json::object validation) {
    auto c = json_call(http::method::put, connector_path(connector_id, "/_filtering/_validation"),
                       object_with("validation", std::move(validation)));
    co_await execute(c);
}

asio::awaitable<void> client::activate_filtering(std::string_view connector_id) {
    call c{.verb = http::method::put,
           .path = connector_path(connector_id, "/_filtering/_activate")};
    co_await execute(c);
}

asio::awaitable<std::optional<json::object>> client::get_connector(std::string_view connector_id,
                                                                   bool include_deleted) {
    call c{.verb = http::method::get,
           .path = connector_path(connector_id),
           .query = include_deleted ? "include_deleted=true" : "",
           .not_found_ok = true};
    auto res = co_await execute(c);
    if (res.status == 404) {
        co_return std::nullopt;
    }
    co_return detail::parse_object(res.body, what_of(c));
}

asio::awaitable<void> client::put_connector(std::string_view connector_id, json::object body) {
    auto c = json_call(http::method::put, connector_path(connector_id), body);
    co_await execute(c);
}

asio::awaitable<void> client::update_scheduling(std::string_view connector_id,
                                                json::object scheduling) {
    auto c = json_call(http::method::put, connector_path(connector_id, "/_scheduling"),
                       object_with("scheduling", std::move(scheduling)));
    co_await execute(c);
}

asio::awaitable<void> client::update_configuration(std::string_view connector_id,
                                                   json::object body) {
    auto c = json_call(http::method::put, connector_path(connector_id, "/_configuration"), body);
    co_await execute(c);
}

asio::awaitable<std::string> client::post_for_id(std::string path, json::object body) {
    auto c = json_call(http::method::post, std::move(path), body);
    auto res = co_await execute(c);
    auto o = detail::parse_object(res.body, what_of(c));
    auto id = detail::string_or(o, "id");
    if (id.empty()) {
        throw core::error(core::error_kind::fatal, what_of(c) + ": response has no id");
    }
    co_return id;
}

asio::awaitable<std::string> client::post_connector(json::object body) {
    return post_for_id("/_connector", std::move(body));
}

namespace {

// The `results` of every page of a list API (`count` is the total), 100 at a time.
asio::awaitable<std::vector<json::object>> list_pages(client& es, std::string path,
                                                      std::string filter) {
    constexpr std::size_t page = 100;
    std::vector<json::object> out;
    for (std::size_t from = 0;; from += page) {
        client::call c{
            .verb = http::method::get,
            .path = path,
            .query = filter + "from=" + std::to_string(from) + "&size=" + std::to_string(page)};
        auto res = co_await es.execute(c);
        auto o = detail::parse_object(res.body, "GET " + path);
        std::size_t got = 0;
        if (const auto* results = o.if_contains("results"); results && results->is_array()) {
            for (const auto& r : results->get_array()) {
                if (r.is_object()) {
                    out.push_back(r.get_object());
                }
                ++got;
            }
        }
        const auto* count = o.if_contains("count");
        const bool more =
            got == page && (count == nullptr || !count->is_int64() ||
                            static_cast<std::size_t>(count->get_int64()) > from + got);
        if (!more) {
            co_return out;
        }
    }
}

}  // namespace

asio::awaitable<std::vector<json::object>> client::list_connectors() {
    co_return co_await list_pages(*this, "/_connector", "");
}

asio::awaitable<std::vector<json::object>> client::list_sync_jobs(std::string_view connector_id) {
    std::string filter = "connector_id=" + detail::percent_encode(connector_id) + "&";
    co_return co_await list_pages(*this, "/_connector/_sync_job", std::move(filter));
}

asio::awaitable<std::optional<json::object>> client::get_sync_job(std::string_view job_id) {
    call c{.verb = http::method::get, .path = job_path(job_id, ""), .not_found_ok = true};
    auto res = co_await execute(c);
    if (res.status == 404) {
        co_return std::nullopt;
    }
    co_return detail::parse_object(res.body, what_of(c));
}

asio::awaitable<license_info> client::license() {
    call c{.verb = http::method::get, .path = "/_license"};
    auto res = co_await execute(c);
    auto o = detail::parse_object(res.body, what_of(c));
    license_info out;
    if (auto* l = detail::object_at(o, "license")) {
        out.status = detail::string_or(*l, "status");
        out.type = detail::string_or(*l, "type");
    }
    co_return out;
}

// ---- sync jobs ---------------------------------------------------------------------------

asio::awaitable<std::string> client::create_sync_job(std::string_view connector_id,
                                                     std::string_view job_type,
                                                     std::string_view trigger_method) {
    json::object body;
    body["id"] = connector_id;
    body["job_type"] = job_type;
    body["trigger_method"] = trigger_method;
    std::string path = "/_connector/_sync_job";
    auto id = co_await post_for_id(std::move(path), std::move(body));
    co_return id;
}

asio::awaitable<void> client::claim_sync_job(std::string_view job_id,
                                             std::string_view worker_hostname,
                                             std::optional<json::value> sync_cursor) {
    json::object body;
    body["worker_hostname"] = worker_hostname;
    if (sync_cursor && !sync_cursor->is_null()) {
        body["sync_cursor"] = std::move(*sync_cursor);
    }
    auto c = json_call(http::method::put, job_path(job_id, "/_claim"), body);
    co_await execute(c);
}

asio::awaitable<void> client::update_sync_job_stats(std::string_view job_id,
                                                    const sync_job_stats& stats) {
    json::object body;
    body["indexed_document_count"] = stats.indexed_document_count;
    body["indexed_document_volume"] = stats.indexed_document_volume;
    body["deleted_document_count"] = stats.deleted_document_count;
    if (stats.total_document_count) {
        body["total_document_count"] = *stats.total_document_count;
    }
    body["metadata"] = stats.metadata;
    auto c = json_call(http::method::put, job_path(job_id, "/_stats"), body);
    co_await execute(c);
}

asio::awaitable<void> client::cancel_sync_job(std::string_view job_id) {
    call c{.verb = http::method::put, .path = job_path(job_id, "/_cancel")};
    co_await execute(c);
}

// ---- refresh / count -----------------------------------------------------------------------

asio::awaitable<void> client::refresh(std::string_view index) {
    call c{.verb = http::method::post,
           .path = segment(index) + "/_refresh",
           .query = "ignore_unavailable=true",
           .retry = retry_mode::none};
    co_await execute(c);
}

asio::awaitable<std::int64_t> client::count(std::string_view index) {
    call c{.verb = http::method::post,
           .path = segment(index) + "/_count",
           .query = "ignore_unavailable=true",
           .retry = retry_mode::none};
    auto res = co_await execute(c);
    auto o = detail::parse_object(res.body, what_of(c));
    co_return detail::int_or(o, "count", 0);
}

// ---- ingest pipelines ----------------------------------------------------------------------

asio::awaitable<std::optional<json::object>> client::get_pipeline(std::string_view id) {
    call c{
        .verb = http::method::get, .path = "/_ingest/pipeline" + segment(id), .not_found_ok = true};
    auto res = co_await execute(c);
    if (res.status == 404) {
        co_return std::nullopt;
    }
    auto o = detail::parse_object(res.body, what_of(c));
    if (auto* p = detail::object_at(o, id)) {
        co_return *p;
    }
    co_return std::nullopt;
}

asio::awaitable<void> client::put_pipeline(std::string_view id, const json::object& body) {
    auto c = json_call(http::method::put, "/_ingest/pipeline" + segment(id), body);
    co_await execute(c);
}

// ---- bulk ----------------------------------------------------------------------------------

asio::awaitable<bulk_response> client::bulk(const bulk_builder& ops, std::string_view pipeline) {
    bulk_response out;
    out.attempts = 0;
    if (ops.empty()) {
        co_return out;
    }
    call c{.verb = http::method::put, .path = "/_bulk", .type = body_type::ndjson};
    if (!pipeline.empty()) {
        c.query = "pipeline=" + percent_encode(pipeline);
    }
    const auto& r = opts_.bulk_retries;

    auto send = [&](const bulk_builder& b) -> asio::awaitable<bulk_response> {
        // The builder's bytes are sent as they are (it outlives the call, retries included).
        c.body_view = b.body();
        const int attempts_before = out.attempts;
        auto res = co_await execute_counted(c, r, &out.attempts);
        out.bytes_sent +=
            static_cast<std::uint64_t>(out.attempts - attempts_before) * b.body().size();
        auto parsed = parse_bulk_response(res.body);
        if (parsed.items.size() != b.operations()) {
            throw core::error(core::error_kind::fatal,
                              "PUT /_bulk: " + std::to_string(parsed.items.size()) +
                                  " items answered for " + std::to_string(b.operations()) +
                                  " operations");
        }
        co_return parsed;
    };

    auto first = co_await send(ops);
    out.items = std::move(first.items);

    // Items refused with 429 (queue full on a node) are re-sent alone, up to the bulk retry
    // limit, after a wait that doubles from one second up to the bulk retry interval; each
    // round says so, because an overloaded cluster slows a sync down.
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < out.items.size(); ++i) {
        if (out.items[i].status == 429) {
            pending.push_back(i);
        }
    }
    auto wait = std::min<core::retry_ms>(std::chrono::seconds(1), r.retry_interval);
    for (int round = 1; !pending.empty() && round < r.max_retries; ++round) {
        core::log::warning("bulk: Elasticsearch refused ", pending.size(), " of ", ops.operations(),
                           " items with 429 (overloaded); sending them again in ",
                           static_cast<double>(wait.count()) / 1000.0, " s (round ", round, " of ",
                           r.max_retries - 1, ")");
        co_await sleep_->sleep_for(wait);
        wait = std::min<core::retry_ms>(wait * 2, std::max(r.retry_interval, wait));
        auto again = co_await send(ops.subset(pending));
        out.retried_items += pending.size();
        std::vector<std::size_t> still;
        for (std::size_t j = 0; j < pending.size(); ++j) {
            if (again.items[j].status == 429) {
                still.push_back(pending[j]);
            }
            out.items[pending[j]] = std::move(again.items[j]);
        }
        pending = std::move(still);
    }
    out.errors = std::any_of(out.items.begin(), out.items.end(), [](const bulk_item& i) {
        return !i.error_type.empty() || !i.error_reason.empty();
    });
    co_return out;
}

}  // namespace casio::es
