#include <algorithm>
#include <optional>
#include <set>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <casio/core/concurrency.hpp>
#include <casio/core/log.hpp>
#include <casio/core/metrics.hpp>
#include <casio/salesforce/client.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/exchange.hpp>
#include <casio/salesforce/incremental.hpp>
#include <casio/salesforce/queries.hpp>
#include <casio/salesforce/soql.hpp>

#include "json_check.hpp"

namespace casio::salesforce {

namespace asio = boost::asio;
namespace json = boost::json;
using core::error;
using core::error_kind;

namespace {

// One request to the org, for the metrics and the debug line: counted in flight while it
// runs, then by status ("failed" when no answer came). `what` names the call without its
// URL, so no query text or token reaches the line.
class call_probe {
  public:
    call_probe(std::string_view method, std::string_view what, std::string_view url)
        : method_(method),
          what_(what),
          path_(path_of(url)),
          started_(std::chrono::steady_clock::now()) {
        in_flight().add(1);
    }
    ~call_probe() {
        in_flight().add(-1);
        if (!reported_) {
            report("failed");
        }
    }
    call_probe(const call_probe&) = delete;
    call_probe& operator=(const call_probe&) = delete;

    void answered(unsigned status) { report(std::to_string(status)); }

  private:
    // The URL's path: no host, no query string (a SOQL text may carry record values).
    static std::string_view path_of(std::string_view url) {
        const auto scheme = url.find("://");
        if (scheme != std::string_view::npos) {
            const auto slash = url.find('/', scheme + 3);
            url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
        }
        return url.substr(0, url.find('?'));
    }
    static core::metrics::gauge& in_flight() {
        static auto& g = core::metrics::global().gauge_of(
            "connectors_asio_requests_in_flight",
            "HTTP requests sent and not yet answered, by peer", {{"peer", "salesforce"}});
        return g;
    }
    void report(const std::string& status) {
        reported_ = true;
        core::metrics::global()
            .counter_of("connectors_asio_salesforce_requests_total",
                        "Requests sent to Salesforce, by HTTP status (failed: no answer)",
                        {{"status", status}})
            .add();
        if (core::log::enabled(core::log::level::debug)) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started_)
                                .count();
            core::log::debug("salesforce: ", method_, " ", path_, " (", what_, "): ", status,
                             " in ", ms, " ms");
        }
    }

    std::string_view method_;
    std::string_view what_;
    std::string path_;  // a copy: the request (and its URL) is moved into the transport
    std::chrono::steady_clock::time_point started_;
    bool reported_ = false;
};

bool is_loopback_url(std::string_view url) {
    auto u = boost::urls::parse_uri(url);
    if (!u) {
        return false;
    }
    const auto host = u->host_type() == boost::urls::host_type::ipv6
                          ? std::string("::") + (u->host_ipv6_address().is_loopback() ? "1" : "")
                          : u->host();
    return host == "::1" || host == "localhost" || host.starts_with("127.");
}

}  // namespace

client::client(http::transport& t, core::sleeper& s, client_settings settings, warning_sink warn)
    : transport_(t),
      sleeper_(s),
      settings_(std::move(settings)),
      limits_(settings_.limits ? settings_.limits
                               : std::make_shared<org_limits>(settings_.max_concurrent_requests)),
      warn_(std::move(warn)),
      token_(settings_.token ? settings_.token : std::make_shared<shared_token>()) {
    compressed_responses_ =
        settings_.compressed_responses.value_or(!is_loopback_url(settings_.base_url));
}

asio::awaitable<core::async_semaphore::permit> client::request_slot(std::uint64_t& waited) {
    const auto now = std::chrono::steady_clock::now();
    // A request waits out each back-off of the org once (its own retries included).
    if (limits_->busy_until > now && waited != limits_->busy_round) {
        waited = limits_->busy_round;
        co_await sleeper_.sleep_for(std::chrono::ceil<core::retry_ms>(limits_->busy_until - now));
    }
    co_return co_await limits_->requests.acquire();
}

asio::awaitable<void> client::follow(const exchange_action& a) {
    if (a.drop_token) {
        clear_token();
    }
    switch (a.what) {
        case exchange_action::kind::accept:
        case exchange_action::kind::new_token:
            co_return;
        case exchange_action::kind::wait:
            warn_retry(a, "trying again in ");
            co_await sleeper_.sleep_for(a.delay);
            co_return;
        case exchange_action::kind::org_wait:
            if (a.fewer) {
                limits_->too_many(std::chrono::steady_clock::now());
            }
            // Every request waits, this one too (request_slot); said once per busy spell.
            if (org_busy_for(a.delay)) {
                warn_retry(a, "every request to the org waits ");
            }
            co_return;
        case exchange_action::kind::fail:
            break;
    }
    if (a.invalid_query) {
        throw invalid_query_error(*a.error);
    }
    throw *a.error;
}

bool client::org_busy_for(core::retry_ms d) {
    const auto now = std::chrono::steady_clock::now();
    const bool idle = limits_->busy_until <= now;
    limits_->busy_until = std::max(limits_->busy_until, now + d);
    ++limits_->busy_round;
    return idle;
}

void client::warn_retry(const exchange_action& a, std::string_view waiting) const {
    if (!warn_ || !a.error) {
        return;
    }
    const auto ms = a.delay.count();
    const std::string delay =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    warn_(std::string(a.error->what()) + "; " + std::string(waiting) + delay);
}

void client::note_server_time(const http::response& res) {
    if (auto d = res.header("Date")) {
        if (auto t = parse_http_date(*d)) {
            server_time_ = t;
        }
    }
}

void client::note_usage(const http::response& res) {
    note_server_time(res);
    static auto& used = core::metrics::global().gauge_of(
        "connectors_asio_salesforce_api_usage",
        "API requests used in the org's 24-hour window, as the last Sforce-Limit-Info said");
    static auto& limit = core::metrics::global().gauge_of(
        "connectors_asio_salesforce_api_limit",
        "The org's API request limit, as the last Sforce-Limit-Info said");
    if (auto h = res.header("Sforce-Limit-Info")) {
        if (auto u = parse_limit_info(*h)) {
            usage_ = u;
            used.set(static_cast<double>(u->used));
            limit.set(static_cast<double>(u->limit));
        }
    }
}

asio::awaitable<void> client::ping() {
    http::request req;
    req.verb = http::method::head;
    req.url = settings_.base_url;
    auto res = co_await transport_.send(std::move(req));  // any status will do: it answered
    note_server_time(res);
}

asio::awaitable<std::string> client::token() {
    while (!token_->value) {
        if (token_fetching_) {
            const std::size_t round = token_round_;
            auto wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                             asio::steady_timer::time_point::max());
            token_waiters_.push_back(wake);
            boost::system::error_code ignored;  // woken by cancel() when the request ends
            co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            if (!token_->value && token_round_ != round && token_failure_) {
                std::rethrow_exception(token_failure_);  // the shared request failed
            }
            continue;
        }
        token_fetching_ = true;
        std::exception_ptr failure;
        try {
            token_->value = co_await fetch_token();
        } catch (...) {
            failure = std::current_exception();
        }
        token_fetching_ = false;
        token_failure_ = failure;
        ++token_round_;
        for (auto& w : token_waiters_) {
            w->cancel();
        }
        token_waiters_.clear();
        if (failure) {
            std::rethrow_exception(failure);
        }
    }
    co_return *token_->value;
}

asio::awaitable<std::string> client::fetch_token() {
    exchange_state state;
    std::uint64_t waited = 0;
    for (;;) {
        std::optional<error> failure;
        try {
            http::request req;
            req.verb = http::method::post;
            req.url = settings_.base_url + std::string(token_path);
            req.fields = {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Accept", "application/json"}};
            req.body = token_request_body(settings_.client_id, settings_.client_secret);
            ++token_requests_;
            auto slot = co_await request_slot(waited);
            call_probe probe("POST", "token", req.url);
            auto res = co_await transport_.send(std::move(req));
            probe.answered(res.status);
            slot.release();
            co_return parse_token_response(res.status, res.body);
        } catch (const error& e) {
            failure = e;
        }
        co_await follow(decide_token(failure, state, settings_.retry));
    }
}

asio::awaitable<json::value> client::get_json(std::string url, std::string what,
                                              json::storage_ptr sp) {
    co_return co_await fetch_json(std::move(url), std::move(what), std::move(sp), nullptr);
}

asio::awaitable<json::value> client::fetch_json(std::string url, std::string what,
                                                json::storage_ptr sp, std::string* text,
                                                bool text_only) {
    exchange_state state;
    std::uint64_t waited = 0;
    for (;;) {
        // Token failures carry their own retries: they are not retried again here.
        const std::string bearer = "Bearer " + co_await token();
        http::response res;
        exchange_result r;
        try {
            http::request req;
            req.url = url;
            req.fields = {{"Authorization", bearer}, {"Accept", "application/json"}};
            if (!compressed_responses_) {
                req.fields.push_back({"Accept-Encoding", "identity"});
            }
            auto slot = co_await request_slot(waited);
            call_probe probe("GET", what, req.url);
            res = co_await transport_.send(std::move(req));
            probe.answered(res.status);
            slot.release();
            note_usage(res);
            r.status = res.status;
            r.body = res.body;
            r.limit_info = res.header("Sforce-Limit-Info");
            r.retry_after = res.retry_after();
        } catch (const error& e) {
            // Transport: refused, reset, timeout. Named like an HTTP failure of this call.
            r.failure = error(e.kind(), "Salesforce " + what + ": " + e.what(), e.status(),
                              e.body_excerpt());
        }
        auto action = decide(r, state, settings_.retry, what);
        if (action.what == exchange_action::kind::accept) {
            limits_->went_through();
            boost::system::error_code ec;
            if (text_only && text != nullptr) {
                if (detail::is_valid_json(res.body, ec)) {
                    *text = std::move(res.body);
                    co_return json::value();
                }
            } else {
                parser_.reset(sp);
                parser_.write(res.body, ec);
                if (!ec) {
                    if (text != nullptr) {
                        *text = std::move(res.body);
                    }
                    co_return parser_.release();
                }
            }
            exchange_result unreadable;
            unreadable.failure =
                error(error_kind::transient,
                      "Salesforce " + what + ": HTTP " + std::to_string(res.status) +
                          " answer is not JSON: " + res.body.substr(0, 200),
                      static_cast<int>(res.status), res.body.substr(0, 200));
            action = decide(unreadable, state, settings_.retry, what);
        }
        co_await follow(action);
    }
}

asio::awaitable<parsed_page> client::get_page(std::string url, std::string what, bool keep_text,
                                              bool text_only) {
    auto arena = std::make_unique<json::monotonic_resource>();
    const json::storage_ptr sp(arena.get());
    std::string text;
    json::value body = co_await fetch_json(std::move(url), std::move(what), sp,
                                           keep_text ? &text : nullptr, text_only);
    parsed_page page(std::move(arena), std::move(body));
    page.text = std::move(text);
    co_return page;
}

asio::awaitable<void> client::ensure_global_describe() {
    if (describes_.has_global()) {
        co_return;
    }
    auto body = co_await get_json(settings_.base_url + std::string(sobjects_path),
                                  "describe of all objects");
    if (!body.is_object()) {
        throw error(error_kind::bad_request, "Salesforce describe of all objects is not an object");
    }
    describes_.set_global(body.get_object());
}

asio::awaitable<void> client::describe_object(std::string_view sobject) {
    const std::string name(sobject);
    std::optional<std::string> skipped;
    try {
        auto body =
            co_await get_json(settings_.base_url + describe_path(name), "describe of " + name);
        if (body.is_object()) {
            describes_.set_object(name, body.get_object());
            co_return;
        }
        skipped = "its describe is not a JSON object";
    } catch (const error& e) {
        if (e.kind() == error_kind::transient || e.kind() == error_kind::timeout ||
            e.kind() == error_kind::rate_limited || e.kind() == error_kind::canceled) {
            throw;  // the org is unreachable: not a property of this object
        }
        skipped = e.what();
    }
    describes_.mark_failed(name);
    if (warn_) {
        warn_("Skipping Salesforce object " + name +
              " (and its fields in other queries): " + *skipped);
    }
}

asio::awaitable<void> client::ensure_described_for(std::string_view sobject) {
    co_await ensure_global_describe();
    for (auto name : describes_needed_for(sobject)) {
        if (describes_.is_described(name)) {
            continue;
        }
        if (is_relevant_sobject(name) && !describes_.is_queryable(name)) {
            continue;  // not queryable: never selected from, no describe needed
        }
        co_await describe_object(name);
    }
}

asio::awaitable<void> client::ensure_described_for_all(const std::vector<std::string>& sobjects) {
    co_await ensure_global_describe();
    std::vector<std::string> missing;
    for (const auto& sobject : sobjects) {
        for (auto name : describes_needed_for(sobject)) {
            if (describes_.is_described(name) ||
                (is_relevant_sobject(name) && !describes_.is_queryable(name)) ||
                std::find(missing.begin(), missing.end(), name) != missing.end()) {
                continue;
            }
            missing.emplace_back(name);
        }
    }
    co_await core::for_each_concurrently(
        missing.size(), missing.size(),
        [&](std::size_t i) -> asio::awaitable<void> { co_await describe_object(missing[i]); });
}

asio::awaitable<void> client::query(std::string soql, std::string what, page_handler on_page) {
    co_await query_pages(
        std::move(soql), std::move(what), false,
        [&](const json::array& records, const raw_records&) { return on_page(records); }, {},
        nullptr);
}

asio::awaitable<void> client::query_all(std::string soql, std::string what, page_handler on_page) {
    co_await query_pages(
        std::move(soql), std::move(what), false,
        [&](const json::array& records, const raw_records&) { return on_page(records); }, {},
        nullptr, true);
}

asio::awaitable<void> client::query(std::string soql, std::string what, raw_page_handler on_page,
                                    std::span<const std::string_view> parsed_fields,
                                    core::async_semaphore* pages) {
    co_await query_pages(std::move(soql), std::move(what), true, on_page, parsed_fields, pages);
}

// A page as its handler sees it. Not movable once loaded: `records` points into `page.body`.
struct client::loaded_page {
    parsed_page page;
    raw_records raw;
    const json::array* records = nullptr;  // never null once loaded
    std::string next_records_url;
    std::optional<long long> total_size;
};

asio::awaitable<void> client::load_page(std::string url, const std::string& what, bool with_text,
                                        std::span<const std::string_view> parsed_fields,
                                        loaded_page& out) {
    const bool sparse = with_text && !parsed_fields.empty();
    out.page = co_await get_page(std::move(url), what, with_text, sparse);
    // Scanned where the text now stays until the page is freed.
    out.raw.scan(with_text ? std::string_view(out.page.text) : std::string_view());
    if (sparse) {
        const json::storage_ptr sp(out.page.arena.get());
        auto tree = out.raw.sparse_tree(parsed_fields, parser_, sp);
        if (!tree) {  // not a query answer's shape: the whole tree, as without fields
            parser_.reset(sp);
            parser_.write(out.page.text);
            tree.emplace(parser_.release());
        }
        out.page.set_body(std::move(*tree));
    }
    auto info = read_query_page(out.page.body);
    static const json::array no_records;
    out.records = info.records != nullptr ? info.records : &no_records;
    out.next_records_url = std::move(info.next_records_url);
    out.total_size = info.total_size;
}

namespace {

// A listing that does not add up to its totalSize: the sync stops before any document is
// deleted as stale.
error short_listing(const std::string& what, std::size_t listed, std::size_t total) {
    return error(error_kind::transient,
                 "Salesforce " + what + ": the listing brought " + std::to_string(listed) +
                     " records, totalSize said " + std::to_string(total) +
                     "; the listing is not complete, so no document is deleted");
}

}  // namespace

asio::awaitable<void> client::walk_in_order(std::unique_ptr<loaded_page> current,
                                            std::string first_target, const std::string& what,
                                            bool with_text, const raw_page_handler& on_page,
                                            std::span<const std::string_view> parsed_fields) {
    using namespace asio::experimental::awaitable_operators;
    // Every page proves itself: no page twice (a nextRecordsUrl pointing back would loop
    // forever), and the records add up to the first page's totalSize.
    const std::optional<std::size_t> total =
        current->total_size && *current->total_size >= 0
            ? std::optional(static_cast<std::size_t>(*current->total_size))
            : std::nullopt;
    std::set<std::string> read{std::move(first_target)};
    std::size_t listed = 0;
    while (true) {
        listed += current->records->size();
        if (current->next_records_url.empty()) {
            if (total && listed != *total) {
                throw short_listing(what, listed, *total);
            }
            if (!current->records->empty()) {
                co_await on_page(*current->records, current->raw);
            }
            co_return;
        }
        if (!read.insert(current->next_records_url).second || (total && listed >= *total)) {
            throw error(error_kind::transient, "Salesforce " + what + ": the next page (" +
                                                   current->next_records_url +
                                                   ") was read already or lies past totalSize (" +
                                                   std::to_string(total.value_or(listed)) +
                                                   " records, " + std::to_string(listed) +
                                                   " listed); the listing is not complete, so "
                                                   "no document is deleted");
        }
        // The next page is fetched while this one is handled (two pages in memory at most);
        // a failure of either cancels the other.
        auto next = std::make_unique<loaded_page>();
        auto fetch = load_page(settings_.base_url + current->next_records_url, what, with_text,
                               parsed_fields, *next);
        if (current->records->empty()) {
            co_await std::move(fetch);
        } else {
            co_await (std::move(fetch) && on_page(*current->records, current->raw));
        }
        current = std::move(next);  // frees the handled page and its arena
    }
}

// A query read several pages at once. Chunk i: the records [i * stride, (i + 1) * stride),
// normally one page; a server that cut a page shorter gives the rest through that page's
// nextRecordsUrl. The last chunk also follows nextRecordsUrl past totalSize, should the query
// have grown.
struct client::concurrent_walk {
    client& self;
    const std::string& what;
    bool with_text;
    const raw_page_handler& on_page;
    std::span<const std::string_view> parsed_fields;
    core::async_semaphore& pages;
    query_locator locator;
    std::size_t stride;
    std::size_t total;
    std::unique_ptr<loaded_page> first;  // chunk 0, loaded already
    core::async_semaphore::permit first_slot;
    offset_coverage handled{};
    std::optional<error> refusal{};  // a locator the server would not serve out of order

    std::size_t chunks() const { return (total + stride - 1) / stride; }

    error inconsistent(std::size_t at, std::string_view detail) const {
        return error(error_kind::transient, "Salesforce " + what + ": the page at offset " +
                                                std::to_string(at) + " " + std::string(detail) +
                                                " (totalSize " + std::to_string(total) + ")");
    }

    asio::awaitable<void> chunk(std::size_t i) {
        if (i == 0) {
            auto slot = std::move(first_slot);
            auto page = std::move(first);
            if (!page->records->empty()) {
                co_await on_page(*page->records, page->raw);
            }
            handled.add(0, stride);
            co_return;
        }
        const bool last = i + 1 == chunks();
        std::size_t at = i * stride;
        const std::size_t end = std::min(at + stride, total);
        std::string url = self.settings_.base_url + locator.url(at);
        while (!refusal) {
            auto slot = co_await pages.acquire();
            loaded_page page;
            try {
                co_await self.load_page(url, what, with_text, parsed_fields, page);
            } catch (const invalid_query_error&) {
                throw;
            } catch (const error& e) {
                if (e.kind() != error_kind::bad_request && e.kind() != error_kind::not_found) {
                    throw;
                }
                refusal = e;  // the rest goes one page after the other
                co_return;
            }
            const std::size_t n = page.records->size();
            if (n == 0 && at < end) {
                throw inconsistent(at, "has no records");
            }
            if (!last && at + n > end) {
                throw inconsistent(at, "has " + std::to_string(n) + " records, more than the " +
                                           std::to_string(end - at) + " before the next page");
            }
            if (n != 0) {
                co_await on_page(*page.records, page.raw);
            }
            handled.add(at, at + n);
            at += n;
            if (page.next_records_url.empty()) {
                if (at < end) {
                    throw inconsistent(at - n, "is the last one, " + std::to_string(total - at) +
                                                   " records short");
                }
                co_return;
            }
            if (at >= end && !last) {
                co_return;
            }
            const auto next = parse_locator(page.next_records_url);
            if (!next || next->offset != at) {
                throw inconsistent(at - n,
                                   "points to " + page.next_records_url + " for the next records");
            }
            url = self.settings_.base_url + page.next_records_url;
        }
    }

    // After a refusal: one page after the other from the end of what is handled without a gap;
    // pages handled already (by the concurrent walk) are skipped.
    asio::awaitable<void> rest_in_order() {
        std::size_t at = handled.prefix_end();
        std::string url = self.settings_.base_url + locator.url(at);
        while (true) {
            loaded_page page;
            co_await self.load_page(url, what, with_text, parsed_fields, page);
            const std::size_t n = page.records->size();
            if (n != 0 && !handled.covers(at, at + n)) {
                co_await on_page(*page.records, page.raw);
                handled.add(at, at + n);
            }
            if (page.next_records_url.empty()) {
                co_return;
            }
            // Every page must move the walk forward: a locator pointing back would loop forever.
            const auto next = parse_locator(page.next_records_url);
            if (!next || next->offset != at + n || n == 0) {
                throw inconsistent(at,
                                   "points to " + page.next_records_url + " for the next records");
            }
            at = next->offset;
            url = self.settings_.base_url + page.next_records_url;
        }
    }
};

asio::awaitable<void> client::query_pages(std::string soql, std::string what, bool with_text,
                                          const raw_page_handler& on_page,
                                          std::span<const std::string_view> parsed_fields,
                                          core::async_semaphore* pages, bool all) {
    auto first = std::make_unique<loaded_page>();
    core::async_semaphore::permit first_slot;
    if (pages != nullptr) {
        first_slot = co_await pages->acquire();
    }
    auto url = all ? query_all_url(settings_.base_url, soql) : query_url(settings_.base_url, soql);
    co_await load_page(std::move(url), what, with_text, parsed_fields, *first);

    // Later pages at once: the first page's locator gives the stride (its record count),
    // totalSize the number of pages.
    const auto locator = parse_locator(first->next_records_url);
    const std::size_t stride = first->records->size();
    const std::size_t total = first->total_size && *first->total_size > 0
                                  ? static_cast<std::size_t>(*first->total_size)
                                  : 0;
    if (pages == nullptr || settings_.pages_per_query <= 1 || !locator || stride == 0 ||
        locator->offset != stride || total <= stride) {
        first_slot.release();
        auto target = all ? query_all_url({}, soql) : query_url({}, soql);
        co_await walk_in_order(std::move(first), std::move(target), what, with_text, on_page,
                               parsed_fields);
        co_return;
    }

    concurrent_walk walk{.self = *this,
                         .what = what,
                         .with_text = with_text,
                         .on_page = on_page,
                         .parsed_fields = parsed_fields,
                         .pages = *pages,
                         .locator = *locator,
                         .stride = stride,
                         .total = total,
                         .first = std::move(first),
                         .first_slot = std::move(first_slot)};
    const std::size_t chunks = walk.chunks();
    co_await core::for_each_concurrently(
        chunks, std::min(settings_.pages_per_query, chunks),
        [&](std::size_t i) -> asio::awaitable<void> { co_await walk.chunk(i); });
    if (walk.refusal) {
        if (warn_) {
            warn_("Salesforce " + what + ": out-of-order pages refused (" + walk.refusal->what() +
                  "); reading the rest one page after the other");
        }
        co_await walk.rest_in_order();
    }
    if (walk.handled.prefix_end() < total) {
        throw short_listing(what, walk.handled.prefix_end(), total);
    }
}

asio::awaitable<void> client::query_by_offset(std::string soql, std::string what,
                                              page_handler on_page) {
    offset_pager pager(std::move(soql));
    while (true) {
        const auto current =
            co_await get_page(query_url(settings_.base_url, pager.current()), what);
        const auto page = read_query_page(current.body);
        const std::size_t n = page.records != nullptr ? page.records->size() : 0;
        if (n != 0) {
            co_await on_page(*page.records);
        }
        if (!pager.advance(n)) {
            co_return;
        }
    }
}

asio::awaitable<void> client::run_rule(const advanced_rule& rule, page_handler on_page) {
    if (rule.lang == advanced_rule::language::sosl) {
        const auto current =
            co_await get_page(search_url(settings_.base_url, rule.query), "search (advanced rule)");
        if (const auto* records = read_search_records(current.body)) {
            co_await on_page(*records);
        }
        co_return;
    }
    std::string soql = rewrite_advanced_soql(rule.query);
    if (uses_fields_function(soql)) {
        co_await query_by_offset(std::move(soql), "query (advanced rule)", std::move(on_page));
    } else {
        co_await query(std::move(soql), "query (advanced rule)", std::move(on_page));
    }
}

asio::awaitable<void> client::probe_rule(const advanced_rule& rule) {
    if (rule.lang == advanced_rule::language::sosl) {
        co_await get_json(search_url(settings_.base_url, rule.query), "search (advanced rule)");
    } else {
        co_await get_json(query_url(settings_.base_url, add_limit_offset(rule.query)),
                          "query (advanced rule)");
    }
}

asio::awaitable<void> client::download(std::string_view content_version_id,
                                       http::client::body_sink sink,
                                       std::function<void()> restart) {
    const std::string what = "download of ContentVersion " + std::string(content_version_id);
    const std::string url = settings_.base_url + version_data_path(content_version_id);
    exchange_state state;
    std::uint64_t waited = 0;
    // The start of what the sink received: an error answer's body, read once the status is
    // known (the sink has taken the bytes as content; restart() drops them).
    std::string head;
    const http::client::body_sink capture = [&](std::string_view chunk) -> asio::awaitable<void> {
        if (head.size() < 4096) {
            head.append(chunk.substr(0, 4096 - head.size()));
        }
        co_await sink(chunk);
    };
    for (;;) {
        const std::string bearer = "Bearer " + co_await token();
        head.clear();
        http::response res;
        exchange_result r;
        try {
            http::request req;
            req.url = url;
            req.fields = {{"Authorization", bearer}};
            if (!compressed_responses_) {
                req.fields.push_back({"Accept-Encoding", "identity"});
            }
            auto slot = co_await request_slot(waited);
            call_probe probe("GET", what, req.url);
            res = co_await transport_.send_streaming(std::move(req), capture);
            probe.answered(res.status);
            slot.release();
            note_usage(res);
            r.status = res.status;
            r.body = head;
            r.limit_info = res.header("Sforce-Limit-Info");
            r.retry_after = res.retry_after();
        } catch (const error& e) {
            // Refused, reset, body cut mid-way.
            r.failure = error(e.kind(), "Salesforce " + what + ": " + e.what(), e.status(),
                              e.body_excerpt());
        }
        const auto action = decide(r, state, settings_.retry, what);
        if (action.what == exchange_action::kind::accept) {
            limits_->went_through();
            co_return;
        }
        if (!restart) {
            throw *action.error;
        }
        co_await follow(action);
        restart();
    }
}

}  // namespace casio::salesforce
