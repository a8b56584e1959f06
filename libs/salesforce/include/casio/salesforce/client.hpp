#pragma once
// The Salesforce REST client: token (client credentials, fetched lazily, refetched once on a
// 401), JSON requests with retries on transient failures, the lazily filled describe cache,
// and page-by-page query walks. I/O goes through a transport seam so tests script the answers.

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <casio/core/concurrency.hpp>
#include <casio/core/retry.hpp>
#include <casio/core/time.hpp>
#include <casio/http/client.hpp>
#include <casio/http/transport.hpp>
#include <casio/salesforce/describe.hpp>
#include <casio/salesforce/errors.hpp>
#include <casio/salesforce/exchange.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/paging.hpp>
#include <casio/salesforce/raw_records.hpp>

namespace casio::salesforce {

// What the clients of one org share: the cap on requests in flight (every kind: token,
// describes, query pages, downloads, DLS queries) and the moment until which the org asked
// every request to wait (a 503, or REQUEST_LIMIT_EXCEEDED for concurrent requests).
// When the org refuses requests for being too many at once, the cap is halved (once per
// back-off), then grows back by one each time as many requests as the cap went through.
struct org_limits {
    explicit org_limits(std::size_t max_requests)
        : requests(max_requests), max_requests(std::max<std::size_t>(1, max_requests)) {}
    core::async_semaphore requests;
    std::size_t max_requests;  // the configured cap
    std::chrono::steady_clock::time_point busy_until{};
    std::uint64_t busy_round = 0;  // counts the back-offs, so a request waits each out once
    std::size_t since_change = 0;  // requests through since the cap last changed

    // Too many requests at once: half the cap, unless already lowered for this back-off.
    void too_many(std::chrono::steady_clock::time_point now) {
        if (now >= busy_until) {
            requests.set_capacity(requests.capacity() / 2);
            since_change = 0;
        }
    }
    void went_through() {
        if (requests.capacity() < max_requests && ++since_change >= requests.capacity()) {
            requests.set_capacity(requests.capacity() + 1);
            since_change = 0;
        }
    }
};

// The access token of one set of credentials, shared by the clients that use them (the
// scheduler's checks and the syncs of connectors with the same org and client), so that a token
// is used until Salesforce says the session expired (a 401), not fetched for every check.
struct shared_token {
    std::optional<std::string> value;
};

struct client_settings {
    std::string base_url;
    std::string client_id;
    std::string client_secret;
    // 3 attempts, waits of 1 s then 2 s, for transient failures (rate limits are not retried:
    // Salesforce's allocation is per 24 h).
    core::retry_policy retry =
        core::retry_policy::linear(3, std::chrono::seconds(1), std::chrono::seconds(1))
            .retry_on(core::error_kind::rate_limited, false);
    // Ask for gzip answers. Default: yes, unless the server is on a loopback address (a local
    // emulator), where compressing and inflating every page only burns CPU on both sides.
    std::optional<bool> compressed_responses;
    // Shared with the other clients of the same org when given (one cap per org); else the
    // client makes its own with `max_concurrent_requests`.
    std::shared_ptr<org_limits> limits;
    std::size_t max_concurrent_requests = 20;
    // Shared with the other clients of the same credentials when given; else the client's own.
    std::shared_ptr<shared_token> token;
    // Pages of one walk fetched at once, once its first page gave the locator and totalSize
    // (walks given a page semaphore only, see query()).
    std::size_t pages_per_query = 4;
};

// Receives the records of one page; the page stays valid until the handler's awaitable ends.
using page_handler = std::function<boost::asio::awaitable<void>(const boost::json::array&)>;
// The same, with the text of each record (raw_records.hpp), for handlers that copy records
// through.
using raw_page_handler =
    std::function<boost::asio::awaitable<void>(const boost::json::array&, const raw_records&)>;

// A parsed page and the arena its values live in. The arena belongs to the page alone (not a
// shared resource), so the page is freed in one go: Boost.JSON skips the destructors of values
// on a trivially deallocating resource.
struct parsed_page {
    std::unique_ptr<boost::json::monotonic_resource> arena;  // declared first: freed last
    boost::json::value body;
    std::string text;  // the answer as received, when it was asked for

    parsed_page() = default;
    // `b` must live in `a` (or own its storage).
    parsed_page(std::unique_ptr<boost::json::monotonic_resource> a, boost::json::value b)
        : arena(std::move(a)), body(std::move(b)) {}
    parsed_page(parsed_page&&) noexcept = default;
    // Adopts the other page's arena. (json::value's own move assignment would copy the other
    // body into this page's arena, which is being replaced.)
    parsed_page& operator=(parsed_page&& other) noexcept {
        if (this != &other) {
            std::destroy_at(&body);
            arena = std::move(other.arena);
            std::construct_at(&body, std::move(other.body));
            text = std::move(other.text);
        }
        return *this;
    }
    ~parsed_page() = default;

    // Replaces the tree with one built in this page's arena.
    void set_body(boost::json::value&& b) {
        std::destroy_at(&body);
        std::construct_at(&body, std::move(b));
    }
};

class client {
  public:
    client(http::transport& t, core::sleeper& s, client_settings settings, warning_sink warn = {});

    const std::string& base_url() const noexcept { return settings_.base_url; }

    // HEAD <base>: only transport failures count (no credentials sent).
    boost::asio::awaitable<void> ping();

    // The cached access token, fetched when missing (its own retries for transient failures;
    // invalid credentials are not retried). Concurrent callers share one token request.
    boost::asio::awaitable<std::string> token();
    void clear_token() noexcept { token_->value.reset(); }

    // GET <url> with the bearer token; parses the answer into `sp`. Throws core::error as
    // classified by classify_response; a 401 drops the token and is retried once with a new one.
    boost::asio::awaitable<boost::json::value> get_json(std::string url, std::string what,
                                                        boost::json::storage_ptr sp = {});
    // get_json into a new arena of its own; with `keep_text`, the answer's text too.
    // (`text_only`: the answer is checked and kept as text; the tree is left empty.)
    boost::asio::awaitable<parsed_page> get_page(std::string url, std::string what,
                                                 bool keep_text = false, bool text_only = false);

    // Describes: the global list (once), then each object a query of `sobject` reads (once per
    // object). An object that is not queryable is not described; one whose describe fails
    // (404, no access) is remembered as failed with a warning naming it.
    boost::asio::awaitable<void> ensure_global_describe();
    boost::asio::awaitable<void> ensure_described_for(std::string_view sobject);
    // The same for several objects, every missing describe requested at once.
    boost::asio::awaitable<void> ensure_described_for_all(const std::vector<std::string>& sobjects);
    const describe_cache& describes() const noexcept { return describes_; }

    // Every page of a query (nextRecordsUrl walk).
    boost::asio::awaitable<void> query(std::string soql, std::string what, page_handler on_page);
    // With `parsed_fields`, only those members of each record are in the tree (the handler
    // copies the others from the text): the page is checked for valid JSON, scanned, and the
    // few members parsed, instead of building a tree of every value.
    // With `pages` (a walk over a whole object), the pages after the first are fetched
    // `pages_per_query` at once from the first page's locator and totalSize, each holding one
    // unit of `pages` from its request until its handler returns; the handler is then entered
    // concurrently and pages arrive in any order. A server that refuses an out-of-order
    // locator gets the remaining pages one after the other (nextRecordsUrl), none handled
    // twice. Handlers must not start another walk with `pages` (it could wait for itself).
    boost::asio::awaitable<void> query(std::string soql, std::string what, raw_page_handler on_page,
                                       std::span<const std::string_view> parsed_fields = {},
                                       core::async_semaphore* pages = nullptr);
    // Every page of a queryAll (deleted and archived records too: IsDeleted tells).
    boost::asio::awaitable<void> query_all(std::string soql, std::string what,
                                           page_handler on_page);
    // A FIELDS() query: LIMIT/OFFSET walk (soql already rewritten).
    boost::asio::awaitable<void> query_by_offset(std::string soql, std::string what,
                                                 page_handler on_page);
    // An advanced rule: rewritten, then walked the way its language and form need.
    boost::asio::awaitable<void> run_rule(const advanced_rule& rule, page_handler on_page);
    // The first page only (validation of advanced rules): throws like get_json.
    boost::asio::awaitable<void> probe_rule(const advanced_rule& rule);

    // Streams a file's content (ContentVersion VersionData). A non-2xx answer is an error,
    // whatever the sink received. With `restart` (which must discard what the sink received),
    // an expired session is retried once with a new token and transient failures (a cut body,
    // a 5xx) follow the retry policy; without it the first failure is thrown.
    boost::asio::awaitable<void> download(std::string_view content_version_id,
                                          http::client::body_sink sink,
                                          std::function<void()> restart = {});

    // The requests in flight to the org (all clients sharing its limits).
    const core::async_semaphore& requests() const noexcept { return limits_->requests; }

    // The last Sforce-Limit-Info seen.
    std::optional<api_usage> usage() const noexcept { return usage_; }
    std::size_t token_requests() const noexcept { return token_requests_; }
    // The org's clock: the Date header of the last answer that had one (the ping of a job's
    // start, then every request), for the high-water marks of incremental syncs.
    std::optional<core::sys_us> server_time() const noexcept { return server_time_; }

  private:
    struct loaded_page;
    struct concurrent_walk;  // query_pages reading several pages at once
    boost::asio::awaitable<std::string> fetch_token();
    // Waits out an org-wide back-off (once per back-off for one request: `waited` is the
    // request's own record of it), then for a request slot.
    boost::asio::awaitable<core::async_semaphore::permit> request_slot(std::uint64_t& waited);
    // The org asked to wait: every request of every client of the org waits `d` from now.
    // Makes every request to the org wait `d`; true when the org was not waiting already.
    bool org_busy_for(core::retry_ms d);
    // A WARN line for a retry: the failure and the wait.
    void warn_retry(const exchange_action& a, std::string_view waiting) const;
    // Carries out a decision about an exchange (exchange.hpp) that sends again: a new token,
    // a wait of this request or of the org; throws the error of a failing one.
    boost::asio::awaitable<void> follow(const exchange_action& a);
    boost::asio::awaitable<void> load_page(std::string url, const std::string& what, bool with_text,
                                           std::span<const std::string_view> parsed_fields,
                                           loaded_page& out);
    boost::asio::awaitable<void> query_pages(std::string soql, std::string what, bool with_text,
                                             const raw_page_handler& on_page,
                                             std::span<const std::string_view> parsed_fields,
                                             core::async_semaphore* pages, bool all = false);
    // Pages one after the other from `current`, the answer to `first_target` (the query's URL
    // without the base): a page read twice, or records that do not add up to totalSize, fail
    // the walk before its last page is handled.
    boost::asio::awaitable<void> walk_in_order(std::unique_ptr<loaded_page> current,
                                               std::string first_target, const std::string& what,
                                               bool with_text, const raw_page_handler& on_page,
                                               std::span<const std::string_view> parsed_fields);
    boost::asio::awaitable<boost::json::value> fetch_json(std::string url, std::string what,
                                                          boost::json::storage_ptr sp,
                                                          std::string* text,
                                                          bool text_only = false);
    boost::asio::awaitable<void> describe_object(std::string_view sobject);
    void note_usage(const http::response& res);
    void note_server_time(const http::response& res);

    http::transport& transport_;
    core::sleeper& sleeper_;
    client_settings settings_;
    std::shared_ptr<org_limits> limits_;
    warning_sink warn_;
    std::shared_ptr<shared_token> token_;
    std::size_t token_requests_ = 0;
    // One token request at a time: concurrent callers (parallel objects, a prefetched page)
    // wait for it and share its token or its failure.
    bool token_fetching_ = false;
    std::size_t token_round_ = 0;
    std::exception_ptr token_failure_;
    std::vector<std::shared_ptr<boost::asio::steady_timer>> token_waiters_;
    std::optional<api_usage> usage_;
    std::optional<core::sys_us> server_time_;
    describe_cache describes_;
    bool compressed_responses_ = true;
    // Reused for every answer (its internal stacks stay allocated); parsing never suspends.
    // Doubles are read exactly, so that a value written again is the value Salesforce sent.
    core::json_parser parser_;
};

}  // namespace casio::salesforce
