#pragma once
// mock-elasticsearch's request handling: authentication, fault injection, routing of every
// REST call of protocol.md §10 onto the store, and ES-shaped answers. handle() is synchronous and
// socket-free so tests drive it directly; async_handler() wraps it for casio::http::server
// (adding the configured latency).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <casio/http/server.hpp>

#include "query.hpp"
#include "store.hpp"
#include "wal.hpp"

namespace casio::mock_es {

struct service_options {
    std::string version = "9.6.0";  // the connectors service version it serves (protocol.md §1.3)
    std::string cluster_name = "mock-elasticsearch";
    std::string node_name = "mock-es-node-0";
    std::string license_type = "platinum";
    std::string build_flavor = "default";  // "serverless" for an Elastic Cloud Serverless root
    std::vector<std::string> api_keys;     // accepted as sent, base64 of "id:key", or decoded
    std::vector<std::string> users;        // "name:password" for Basic auth
    std::uint64_t bulk_429_every = 0;      // every Nth bulk item answered 429 (0 = never)
    // 503 for every request in [from, from + for) after start (for <= 0: disabled).
    std::chrono::milliseconds unavailable_from{0};
    std::chrono::milliseconds unavailable_for{0};
    std::chrono::milliseconds latency{0};  // added to every request
    // Memory mapped and touched at start for the sources of documents kept in memory
    // (--reserve-memory-gb; source_arena.hpp). Unused with --data-dir.
    std::size_t reserve_memory = 0;
};

// Which answers the request log gets (--log-requests): none, those of status 400 and above
// (each with its error type and reason), or every one.
enum class request_log { off, errors, all };

struct search_hit {
    std::uint32_t index_no = 0;  // into the context's index name list
    doc_ptr doc;
};

// An open scroll: the matching document versions, taken when the scroll started.
struct scroll_context {
    std::vector<std::string> index_names;
    std::vector<search_hit> hits;
    std::size_t position = 0;
    std::size_t size = 10;
    boost::json::value source_spec;  // null = whole source
    bool has_source_spec = false;
    bool seq_no_primary_term = false;
    bool version = false;
    std::shared_ptr<const sort_spec> sort;  // set when the request had a sort: hits carry "sort"
    std::size_t total = 0;
    std::chrono::steady_clock::time_point expires;
};

class service {
  public:
    explicit service(service_options opts = {});
    ~service();

    store& data() noexcept { return store_; }
    const store& data() const noexcept { return store_; }
    const service_options& options() const noexcept { return opts_; }

    // Persists to <dir>/wal.log (replaying what is there). Warnings go to `warn`.
    void open_data_dir(const std::string& dir, const wal::warn_fn& warn, bool compact = false,
                       bool salvage = false);
    void open_data_dir(const std::string& dir, const wal::warn_fn& warn, const wal_options& opts);
    // Null without a data dir.
    const mock_es::wal* log() const noexcept { return wal_.get(); }

    // Handles one request completely (no I/O besides the write-ahead log).
    http::server_response handle(http::server_request& req);

    // For casio::http::server: handle() plus the configured latency.
    http::handler async_handler();

    std::size_t open_scrolls() const noexcept { return scrolls_.size(); }

    // Lines of the request log, one per answer async_handler() gives: "<status> <method>
    // <target> <ms> ms", then ": <error type>: <reason>" for an error. Bodies and headers are
    // never logged (they carry documents, secrets and credentials).
    void set_request_log(request_log which, std::function<void(const std::string&)> sink) {
        log_which_ = which;
        log_sink_ = std::move(sink);
    }

    // Fault injection for in-process tests (the binary never sets it): a bulk item for which
    // this returns an error is answered with it and not applied, like a mapping failure.
    using bulk_item_fault =
        std::function<std::optional<es_error>(std::string_view index, std::string_view id)>;
    void set_bulk_item_fault(bulk_item_fault f) { bulk_item_fault_ = std::move(f); }

  private:
    // handle() with the configured latency, and with --data-dir the wait for the log.
    boost::asio::awaitable<http::server_response> answer(http::server_request& req);
    http::server_response dispatch(http::server_request& req);
    http::server_response route_connector(http::server_request& req);

    // Calls, grouped by file: service.cpp (root, indices, docs, license, pipelines),
    // bulk.cpp, search.cpp, connectors.cpp.
    http::server_response root(const http::server_request& req);
    http::server_response index_api(http::server_request& req, const std::string& name);
    http::server_response doc_api(http::server_request& req, const std::string& index,
                                  const std::string* id, bool create_only);
    http::server_response update_api(http::server_request& req, const std::string& index,
                                     const std::string& id);
    http::server_response bulk(http::server_request& req, const std::string* default_index);
    http::server_response search(http::server_request& req, const std::string& expression);
    http::server_response scroll(http::server_request& req);
    http::server_response clear_scroll(http::server_request& req);
    http::server_response count(http::server_request& req, const std::string& expression);
    http::server_response refresh(http::server_request& req, const std::string& expression);
    http::server_response license(const http::server_request& req);
    http::server_response pipeline_api(http::server_request& req, const std::string* id);
    http::server_response mock_admin(http::server_request& req);
    // secrets.cpp: /_connector/_secret[/{id}], kept in the .connector-secrets system index.
    http::server_response connector_secret_api(http::server_request& req);
    // cluster.cpp: /_cluster/health|state, /_nodes, /_xpack; nullopt for other paths there.
    std::optional<http::server_response> cluster_api(const http::server_request& req);

    std::optional<http::server_response> check_auth(const http::server_request& req) const;

    // Applies the ?pipeline= emulation (protocol.md §4.9) to a source; throws es_error when the
    // pipeline does not exist. Returns the (possibly rewritten) source.
    std::string run_pipeline(std::string_view pipeline, std::string source) const;

    std::string page_body(scroll_context& ctx, std::size_t from, std::size_t size,
                          const std::string* scroll_id, bool rest_total_as_int,
                          std::int64_t track_limit);
    void purge_scrolls();
    // The query of a _search / _count: the body's, replaced by `?q=` when given (use_q).
    // nullopt when a query string fails to parse: `failure` then holds ES's all-shards-failed
    // answer (none when no index is searched: ES never parses it then).
    std::optional<query> request_query(const http::server_request& req,
                                       const boost::json::object& body, bool use_q,
                                       const std::vector<index_data*>& indices,
                                       http::server_response& failure) const;
    // The id this node reports (nodes info, cluster state, shard failures).
    std::string node_id() const {
        return std::string(cluster_uuid_.rbegin(), cluster_uuid_.rend());
    }

    service_options opts_;
    store store_;
    std::unique_ptr<wal> wal_;
    std::map<std::string, scroll_context, std::less<>> scrolls_;
    std::uint64_t bulk_items_seen_ = 0;
    bulk_item_fault bulk_item_fault_;
    request_log log_which_ = request_log::off;
    std::function<void(const std::string&)> log_sink_;
    void log_request(const http::server_request& req, const http::server_response& res,
                     std::chrono::steady_clock::time_point start) const;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point unavailable_until_{};
    std::chrono::steady_clock::time_point unavailable_since_{};
    std::string cluster_uuid_;
};

// The answer to a transport-level failure the HTTP server detects itself (413 body too large,
// 414, 400 unparsable request): ES-shaped, with the product header.
http::server_response transport_error(unsigned status, std::string_view reason);

// Response helpers shared by the service's files.
http::server_response json_response(unsigned status, std::string body);
// ES's answers to a path no handler serves (400 "no handler found for uri [...] and method
// [...]") and to a method the path's handler does not take (405 "Incorrect HTTP method for
// uri [...] and method [...], allowed: [<allowed>]").
http::server_response no_handler(const http::server_request& req);
http::server_response bad_method(const http::server_request& req, std::string_view allowed);
http::server_response error_response(const es_error& e);

}  // namespace casio::mock_es
