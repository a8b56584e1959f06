#pragma once
// The Elasticsearch client of the connectors service: one typed coroutine per REST call of
// protocol.md §10, the headers and authentication of §9.1, the product check, and the retry layers
// of protocol.md §9.2 (transport re-sends, app retrier with linear backoff, bulk per-item 429
// retries). OCC (409) retries are with_occ_retry() below: the caller supplies the re-read.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/retry.hpp>
#include <casio/es/bulk.hpp>
#include <casio/es/documents.hpp>
#include <casio/es/error.hpp>
#include <casio/es/options.hpp>
#include <casio/http/transport.hpp>

namespace casio::es {

class id_stream;

// What the process's last request to Elasticsearch gave, whichever client sent it: an answer
// below 500 other than 429 is a success, a 5xx, a 429 or no answer (refused, reset, timed out)
// a failure. What GET /ready reports.
struct call_status {
    bool seen = false;  // no request was sent yet
    bool ok = false;
    std::string error;  // the failed call and why (redacted)
    std::chrono::system_clock::time_point at;
};
call_status last_call_status();

class client {
  public:
    // `t` (and `sleep` when given) must outlive the client. Without a sleeper, retries wait on
    // a steady timer of the calling coroutine's executor (cancellable). Throws
    // core::error(bad_request) for a bad host.
    client(http::transport& t, client_options opts, core::sleeper* sleep = nullptr);

    const client_options& options() const noexcept { return opts_; }
    const std::string& base_url() const noexcept { return base_url_; }

    // 1. GET / (no app retrier).
    boost::asio::awaitable<cluster_info> info();
    // GET / answered at all with 2xx: false on any error (for startup waits).
    boost::asio::awaitable<bool> ping();

    // 2/19. HEAD /{index}: 404 -> false.
    boost::asio::awaitable<bool> index_exists(std::string_view index);
    // 3/18. PUT /{index} with no body.
    boost::asio::awaitable<void> create_index(std::string_view index);
    // 17. GET /{index}?ignore_unavailable=true: the object keyed by concrete index name.
    boost::asio::awaitable<boost::json::object> get_index(std::string_view index);
    // protocol.md §4.8 reading of get_index(): `index` is a key or one entry lists it in `aliases`.
    static bool index_listed(const boost::json::object& get_index_result, std::string_view index);
    // 30. DELETE /{index}?ignore_unavailable=true.
    boost::asio::awaitable<void> delete_index(std::string_view index);

    // 5/13. GET /{index}/_doc/{id}; 404 -> nullopt.
    boost::asio::awaitable<std::optional<doc_hit>> get_doc(std::string_view index,
                                                           std::string_view id);
    // 4/12. Every hit of `body` (query, optional sort) paged with from/size until
    // hits.total.value is reached: POST /{index}/_search?expand_wildcards=hidden with
    // from, size and seq_no_primary_term:true added.
    boost::asio::awaitable<std::vector<doc_hit>> search_all(std::string_view index,
                                                            boost::json::object body,
                                                            std::size_t page_size = 100);
    // 6/16. POST /{index}/_update/{id} {"doc": doc}; with `guard`, ?if_seq_no=&if_primary_term=
    // (409 -> es_error::is_conflict()).
    boost::asio::awaitable<void> update_doc(std::string_view index, std::string_view id,
                                            boost::json::object doc,
                                            std::optional<occ_guard> guard = std::nullopt);
    // 31. POST /{index}/_doc: returns the generated _id (legacy job creation).
    boost::asio::awaitable<std::string> create_doc(std::string_view index,
                                                   const boost::json::object& doc);

    // 7. PUT /_connector/{id}/_check_in.
    boost::asio::awaitable<void> check_in(std::string_view connector_id);
    // 8. PUT /_connector/{id}/_filtering/_validation {"validation": validation}.
    boost::asio::awaitable<void> update_filtering_validation(std::string_view connector_id,
                                                             boost::json::object validation);
    // 9. PUT /_connector/{id}/_filtering/_activate.
    boost::asio::awaitable<void> activate_filtering(std::string_view connector_id);
    // 26. GET /_connector/{id}[?include_deleted=true]; 404 -> nullopt.
    boost::asio::awaitable<std::optional<boost::json::object>> get_connector(
        std::string_view connector_id, bool include_deleted = false);
    // 27. PUT /_connector/{id} with `body` ({"service_type","name","index_name"?,"is_native"}).
    boost::asio::awaitable<void> put_connector(std::string_view connector_id,
                                               boost::json::object body);
    // 28. PUT /_connector/{id}/_scheduling {"scheduling": scheduling}.
    boost::asio::awaitable<void> update_scheduling(std::string_view connector_id,
                                                   boost::json::object scheduling);
    // 28. PUT /_connector/{id}/_configuration with `body` ({"configuration"} or {"values"}).
    boost::asio::awaitable<void> update_configuration(std::string_view connector_id,
                                                      boost::json::object body);

    // POST /_connector with `body`: the id Elasticsearch gave the new connector (CLI).
    boost::asio::awaitable<std::string> post_connector(boost::json::object body);
    // GET /_connector?from=&size=, page by page: every connector (soft-deleted ones left out),
    // as the API returns them, sorted by index_name (CLI).
    boost::asio::awaitable<std::vector<boost::json::object>> list_connectors();
    // GET /_connector/_sync_job?connector_id=&from=&size=, page by page: the jobs of one
    // connector, newest first (CLI).
    boost::asio::awaitable<std::vector<boost::json::object>> list_sync_jobs(
        std::string_view connector_id);
    // GET /_connector/_sync_job/{id}; 404 -> nullopt (CLI).
    boost::asio::awaitable<std::optional<boost::json::object>> get_sync_job(
        std::string_view job_id);

    // 10. GET /_license.
    boost::asio::awaitable<license_info> license();

    // 11. POST /_connector/_sync_job {"id","job_type","trigger_method"}: the new job id.
    boost::asio::awaitable<std::string> create_sync_job(std::string_view connector_id,
                                                        std::string_view job_type,
                                                        std::string_view trigger_method);
    // 14. PUT /_connector/_sync_job/{id}/_claim {"worker_hostname", "sync_cursor"?}.
    boost::asio::awaitable<void> claim_sync_job(std::string_view job_id,
                                                std::string_view worker_hostname,
                                                std::optional<boost::json::value> sync_cursor);
    // 15. PUT /_connector/_sync_job/{id}/_stats.
    boost::asio::awaitable<void> update_sync_job_stats(std::string_view job_id,
                                                       const sync_job_stats& stats);
    // PUT /_connector/_sync_job/{id}/_cancel (Kibana's call; tests and CLI).
    boost::asio::awaitable<void> cancel_sync_job(std::string_view job_id);

    // 24. POST /{index}/_refresh?ignore_unavailable=true (no app retrier).
    boost::asio::awaitable<void> refresh(std::string_view index);
    // 25. POST /{index}/_count?ignore_unavailable=true (no app retrier): `count`.
    boost::asio::awaitable<std::int64_t> count(std::string_view index);

    // 29. GET /_ingest/pipeline/{id} (404 -> nullopt; else the pipeline body) and PUT.
    boost::asio::awaitable<std::optional<boost::json::object>> get_pipeline(std::string_view id);
    boost::asio::awaitable<void> put_pipeline(std::string_view id, const boost::json::object& body);

    // 23. PUT /_bulk[?pipeline=] with the builder's body. Whole-request failures (429/5xx,
    // connection errors) and per-item 429s are retried with `bulk_retries`; the returned
    // items are in the builder's order, each with its final outcome.
    boost::asio::awaitable<bulk_response> bulk(const bulk_builder& ops,
                                               std::string_view pipeline = {});

    // 20-22. Every document id and _timestamp of `index`, page by page (see id_stream). The
    // client must outlive the stream.
    id_stream scan_ids(std::string_view index, std::size_t page_size = 1000);

    // One request with the client's headers, product check and error mapping; `path` starts
    // with '/', `query` without '?'. The building block of the calls above.
    enum class retry_mode { app, none };
    enum class body_type { none, json, ndjson };
    struct call {
        http::method verb = http::method::get;
        std::string path;
        std::string query;
        std::string body;
        // Sent instead of `body` when set, without a copy: bytes owned by the caller, valid for
        // the whole call (a bulk body of megabytes).
        std::string_view body_view;
        body_type type = body_type::none;
        retry_mode retry = retry_mode::app;
        bool not_found_ok = false;  // 404 returned instead of thrown
    };
    // (GCC 12 miscompiles braced temporaries inside co_await: callers pass a named `call`.)
    boost::asio::awaitable<http::response> execute(const call& c);

  private:
    friend class id_stream;
    boost::asio::awaitable<http::response> send_once(const call& c);
    boost::asio::awaitable<http::response> send_with_transport_retries(const call& c);
    boost::asio::awaitable<http::response> execute_with(const call& c, const retry_settings& r);
    boost::asio::awaitable<http::response> execute_counted(const call& c, const retry_settings& r,
                                                           int* attempts);
    http::request make_request(const call& c) const;
    void check_product(const http::response& res);
    // POSTs `body` to `path`; the "id" of the answer (an error when there is none).
    boost::asio::awaitable<std::string> post_for_id(std::string path, boost::json::object body);

    http::transport& transport_;
    client_options opts_;
    std::unique_ptr<core::sleeper> own_sleeper_;
    core::sleeper* sleep_;
    std::string base_url_;
    http::header_list fixed_headers_;
    bool product_checked_ = false;
};

// Iterates over every document of an index with a scroll (protocol.md §4.7): the first call sends
// POST /{idx}/_search?scroll=5m, the next ones POST /_search/scroll, and the scroll is cleared
// (DELETE /_search/scroll, 404 tolerated) as soon as the end is reached or a page fails. A
// caller that stops early must co_await close(). A missing index is an empty stream. A page
// whose _shards.successful + skipped < total throws core::error(transient) naming the index.
class id_stream {
  public:
    id_stream(client& c, std::string index, std::size_t page_size);

    // The next page (never empty), or nullopt at the end.
    boost::asio::awaitable<std::optional<std::vector<id_timestamp>>> next_page();
    // Clears the scroll if one is open; idempotent.
    boost::asio::awaitable<void> close();

    const std::string& index() const noexcept { return index_; }

  private:
    boost::asio::awaitable<std::optional<std::vector<id_timestamp>>> fetch();

    client* client_;
    std::string index_;
    std::size_t page_size_;
    std::string scroll_id_;
    bool started_ = false;
    bool done_ = false;
};

// Runs `attempt` and re-runs it (at most `attempts` times in all) while it fails with a 409
// conflict. `attempt` re-reads the document it writes (protocol.md §9.3); other errors propagate.
template <typename F>
auto with_occ_retry(F attempt, int attempts = 3) -> decltype(attempt()) {
    for (int i = 1;; ++i) {
        try {
            co_return co_await attempt();
        } catch (const es_error& e) {
            if (!e.is_conflict() || i >= attempts) {
                throw;
            }
        }
    }
}

}  // namespace casio::es
