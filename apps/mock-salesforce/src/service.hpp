#pragma once
// The Salesforce REST surface of the mock, without sockets: an http::server_request goes in, a
// response (or a file to stream) comes out. The HTTP adapter (http_server.cpp) only moves bytes
// and applies the delays this layer asks for, so every behaviour here is unit-tested directly
// (tests build requests with http::server_request::make).
//
// Endpoints (vNN.N is any API version; urls in responses reuse the version requested):
//   POST /services/oauth2/token                 client_credentials -> access_token
//   HEAD /                                      200, no auth (the connector's ping)
//   GET  /services/data/vNN.N/sobjects          describe global
//   GET  /services/data/vNN.N/sobjects/X/describe
//   GET  /services/data/vNN.N/query?q=          first page (batch from Sforce-Query-Options)
//   GET  /services/data/vNN.N/queryAll?q=       same, deleted rows included
//   GET  /services/data/vNN.N/query/01g...-N    the page at offset N (with
//                                               locator_order::sequential: only the one the
//                                               previous page of that cursor pointed to)
//   GET  /services/data/vNN.N/search?q=         SOSL
//   GET  /services/data/vNN.N/sobjects/X/deleted/?start=&end=   getDeleted
//   GET  /services/data/vNN.N/sobjects/X/updated/?start=&end=   getUpdated
//   GET  /services/data/vNN.N/sobjects/ContentVersion/068.../VersionData   raw bytes
// Every JSON answer is written compactly, then re-styled when service_options::json or the
// request's `X-PrettyPrint: 1` asks for it (json_style.hpp).
// Admin (no auth; for tests that need changes while running):
//   POST   /__admin/records/<Object>   JSON fields -> 201 {"id":"..."}
//   PATCH  /__admin/records/<Id>       JSON fields -> 204 (LastModifiedDate = now unless given)
//   DELETE /__admin/records/<Id>       -> 204 (then visible only through queryAll)
//   POST   /__admin/clock              {"advance_seconds":N} or {"now":"ISO"} -> 200 {"now",..}
//                                      (the org's clock, which the Date header shows)
//   GET    /__admin/stats              -> {"api_requests":N,"token_requests":N,...,
//                                          "in_flight":N,"max_in_flight":N,...}
//   POST   /__admin/reset-limits       -> 204 (request counters and faults start over; the
//                                      in-flight maxima start from what is in flight now)
//   POST   /__admin/files/<069 id>/versions  {"size","extension","title"} (optional) -> 201
//                                      {"id":"068..."} (org::add_version)
//   POST   /__admin/mutate             {"objects":[..],"change_share":0.01,"delete_share":0.001,
//                                      "add_share":0.001,"seed":7} -> 200 {"changed":{"Account":
//                                      ["001.."]},"deleted":{..},"added":{..}} (org::mutate)
//   POST   /__admin/faults             {"after_requests":N,"status":503} or {..., "drop":true}
//                                      -> 204; after N more API requests, every API request
//                                      fails that way until DELETE /__admin/faults;
//                                      "matching":"text","error_code":"INVALID_FIELD" limit it
//                                      to requests whose path or q contains the text

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <casio/http/server.hpp>

#include "in_flight.hpp"
#include "json_style.hpp"
#include "org.hpp"
#include "query_engine.hpp"

namespace casio::mock_sf {

struct fault_options {
    std::size_t token_expires_after = 0;  // API requests per token before 401; 0 = never
    std::size_t request_limit = 0;  // API requests before 403 REQUEST_LIMIT_EXCEEDED; 0 = none
    double error_rate = 0;          // probability of a 500 per API request
    std::uint64_t seed = 1;         // for error_rate draws
    std::chrono::milliseconds latency{0};                // added before every response
    std::chrono::milliseconds download_chunk_delay{0};   // between 64 KiB chunks of a file
    std::optional<std::uint64_t> truncate_downloads_at;  // cut every download after N bytes
    // Megabits per second per connection for response bodies; 0 = unlimited. Applied by the
    // HTTP adapter (pacing.hpp).
    double bandwidth_mbps = 0;
    // Requests answered at once before the next one is refused with 403
    // REQUEST_LIMIT_EXCEEDED (Salesforce's concurrent-request limit); 0 = unlimited.
    std::size_t max_in_flight = 0;
};

// Which query locators a cursor serves.
enum class locator_order {
    any,         // any offset, in any order
    sequential,  // only the offset the cursor's previous page handed out as nextRecordsUrl
};

struct service_options {
    std::string client_id;
    std::string client_secret;
    std::string instance_url = "http://127.0.0.1";  // returned by the token endpoint
    std::size_t max_uri = 16384;                    // longer request-targets -> 414
    std::size_t daily_limit = 100000;               // shown in Sforce-Limit-Info
    json_style json = json_style::compact;
    locator_order locators = locator_order::any;
    // Query cursors open at once (0: no limit). A cursor is open until each of its pages has
    // been served once; opening one more releases the oldest open one, whose pages then answer
    // 400 INVALID_QUERY_LOCATOR. Salesforce keeps 10 per user.
    std::size_t max_open_cursors = 0;
    fault_options faults;
};

// The service's answer: the HTTP response itself, plus what only the adapter can carry out
// around it (a file body to stream, a connection to drop, a delay before answering).
struct service_response : http::server_response {
    std::optional<file_info> file;  // stream this instead of body (VersionData)
    bool drop = false;              // close the connection without answering
    std::chrono::milliseconds delay{0};
};

struct service_stats {
    std::size_t api_requests = 0;
    std::size_t token_requests = 0;
    std::size_t query_requests = 0;
    std::size_t download_requests = 0;
    std::uint64_t download_bytes = 0;   // file bytes served (as answered, before any fault cut)
    std::size_t faulted_requests = 0;   // API requests failed by the runtime fault
    std::size_t describe_requests = 0;  // describe global and per object
    std::size_t deleted_requests = 0;   // sobjects/X/deleted (getDeleted)
    std::size_t updated_requests = 0;   // sobjects/X/updated (getUpdated)
    std::size_t search_requests = 0;    // SOSL (also counted in query_requests)
    std::size_t max_open_cursors = 0;   // the most query cursors open at once
    std::size_t released_cursors = 0;   // released by the open-cursor limit
};

// Set at run time through /__admin/faults: a deterministic outage that lasts until cleared, so
// a test can fail a sync from a known point on, whatever the client's retries.
struct runtime_fault {
    std::size_t after_requests = 0;  // API requests still served normally
    unsigned status = 503;           // the answer once they are used up, unless `drop`
    bool drop = false;               // close the connection instead of answering
    // When set, only API requests whose decoded path or `q` parameter contains it fail (the
    // others pass and do not count toward after_requests), answering `error_code`: a query
    // Salesforce refuses for one object (INVALID_FIELD on IsDeleted).
    std::string matching;
    std::string error_code;
};

class service {
  public:
    service(org& o, service_options opts);

    service_response handle(const http::server_request& req);
    const service_stats& stats() const noexcept { return stats_; }

    // In-flight accounting, kept by the HTTP adapter (see in_flight.hpp). Requests that count
    // are the ones a client's request cap covers: everything but /__admin/.
    static bool counts_in_flight(const http::server_request& req);
    in_flight_counter& in_flight() noexcept { return *in_flight_; }
    // The answer to a request refused by in_flight().enter(): 403 REQUEST_LIMIT_EXCEEDED, at
    // once (no latency).
    service_response too_many_in_flight(const http::server_request& req) const;

    const service_options& options() const noexcept { return opts_; }
    // The URL the token endpoint reports, known once the port is bound.
    void set_instance_url(std::string url) { opts_.instance_url = std::move(url); }

  private:
    struct cursor {
        std::string soql;
        bool all = false;
        std::size_t batch = 2000;
        std::uint64_t generation = 0;
        std::shared_ptr<query_result> result;
        // The offset of the nextRecordsUrl handed out last; nullopt once the last page was
        // served (read with locator_order::sequential).
        std::optional<std::size_t> next_offset;
        std::list<std::string>::iterator order;  // its place in cursor_order_
        std::uint64_t opened = 0;                // the order in which cursors were opened
        std::set<std::size_t> served;            // offsets of the pages served once
        bool open = true;                        // some page not served yet
    };
    // Notes that the page at `offset` of `c` was served (the cursor closes with its last).
    static void served(cursor& c, std::size_t offset);
    // Releases the oldest open cursors but `keep` while more than max_open_cursors are open.
    void release_open_cursors(const std::string& keep);

    service_response token(const http::server_request& req);
    service_response api(const http::server_request& req, std::string_view path);
    service_response admin(const http::server_request& req, std::string_view path);
    service_response set_fault(const http::server_request& req);
    service_response clock(const http::server_request& req);
    service_response mutate(const http::server_request& req);
    service_response add_version(const http::server_request& req, std::string_view document_id);
    // GET sobjects/{Type}/deleted/?start=&end= and .../updated/?start=&end=.
    service_response replication(const http::server_request& req, std::string_view type,
                                 bool deleted);
    service_response run_query(const http::server_request& req, std::string_view version,
                               const std::string& soql, bool all);
    service_response page(std::string_view version, const std::string& locator);
    std::shared_ptr<query_result> result_of(cursor& c);
    std::string locator_id(const std::string& soql, bool all, std::size_t batch) const;
    void finish(service_response& res) const;
    void restyle(const http::server_request& req, service_response& res) const;

    org* org_;
    query_engine engine_;
    service_options opts_;
    service_stats stats_;
    std::shared_ptr<in_flight_counter> in_flight_;
    std::unordered_map<std::string, std::size_t> tokens_;  // token -> API requests served
    std::size_t issued_ = 0;
    std::uint64_t fault_draws_ = 0;
    std::optional<runtime_fault> fault_;
    std::list<std::string> cursor_order_;  // least recently used first
    std::unordered_map<std::string, cursor> cursors_;
    std::uint64_t cursors_opened_ = 0;
};

}  // namespace casio::mock_sf
