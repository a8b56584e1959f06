#pragma once
// The one Elasticsearch test double of the unit tests: an http::transport that answers each
// request in process from a casio::mock_es::service (the model behind the mock-elasticsearch
// binary, no sockets), records what was sent, and replaces chosen answers by a fault script
// (a status and body, a connection failure, or a request held until it is cancelled).

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <casio/core/error.hpp>
#include <casio/es/client.hpp>
#include <casio/http/transport.hpp>

#include "service.hpp"  // casio::mock_es

namespace casio::test {

// An answer as Elasticsearch sends it: the product header and the vendor content type.
http::response es_response(unsigned status, std::string body, bool product = true);

// es::client options for unit tests: a host that never resolves (nothing leaves the process)
// and round retry intervals that read well in sleep assertions.
es::client_options es_test_options();

// The first value of a request header, its name compared case-insensitively.
std::optional<std::string> field(const http::request& r, std::string_view name);

// "GET", "PUT", ...; the path of the URL (no query); the query (no '?').
std::string method_of(const http::request& r);
std::string path_of(const http::request& r);
std::string query_of(const http::request& r);

// Which requests a scripted fault applies to: a method (any when unset) and a path prefix.
struct request_match {
    std::optional<http::method> verb;
    std::string path_prefix;  // "" = every path
    bool matches(const http::request& r) const;
};

// Waits until the request is cancelled (a bulk stuck on the network).
struct hold {};

using fault_action = std::variant<http::response, core::error, hold>;

class mock_es_transport final : public http::transport {
  public:
    explicit mock_es_transport(mock_es::service_options opts = {});

    // The in-process Elasticsearch: its store can be seeded and inspected.
    mock_es::service& es() noexcept { return *service_; }
    mock_es::store& store() noexcept { return service_->data(); }
    const mock_es::store& store() const noexcept { return service_->data(); }
    // Replaces it by a fresh, empty cluster with these options (the recorder and the script
    // are kept).
    void restart(mock_es::service_options opts = {});

    // The source of a stored document (nullopt when the index or the document is absent).
    std::optional<boost::json::object> doc(std::string_view index, std::string_view id) const;
    // Stores a document as an earlier writer left it (the index is created when missing).
    void put_doc(std::string_view index, std::string_view id, const boost::json::object& source);

    // --- recorder ------------------------------------------------------------------------
    const std::vector<http::request>& requests() const noexcept { return requests_; }
    const http::request& last() const { return requests_.back(); }
    void clear_requests() { requests_.clear(); }
    // The last source sent for `id` in a _bulk request (an update's partial "doc"), as sent:
    // before mock_es's ingest emulation drops the pipeline control fields. Empty when none.
    boost::json::object bulk_source(std::string_view id) const;
    // The recorded requests with this method whose path starts with `path_prefix`.
    std::vector<const http::request*> sent(http::method verb, std::string_view path_prefix) const;
    // Requests to `path` being answered now, and the most there ever were at once.
    std::size_t in_flight(const std::string& path) const;
    std::size_t max_in_flight(const std::string& path) const;
    std::size_t held() const noexcept { return held_; }

    // --- fault script --------------------------------------------------------------------
    // The next request (whatever it is) gets this answer instead of mock_es's. Queued in order.
    void reply(unsigned status, std::string body = "{}");
    void reply(http::response r);
    void fail(core::error e);
    // The `nth` (1-based) next request matching `m` gets `action`; with `every`, each matching
    // request from the nth on gets it.
    void script(request_match m, fault_action action, std::size_t nth = 1, bool every = false);
    // Scripted answers not used yet.
    std::size_t pending() const noexcept { return script_.size(); }

    boost::asio::awaitable<http::response> send(http::request req) override;

  private:
    struct scripted {
        request_match match;
        std::size_t skip = 0;
        fault_action action;
        bool every = false;
    };
    std::optional<fault_action> scripted_for(const http::request& r);
    http::response dispatch(const http::request& r);

    std::unique_ptr<mock_es::service> service_;
    std::vector<http::request> requests_;
    std::deque<scripted> script_;
    std::map<std::string, std::size_t, std::less<>> in_flight_;
    std::map<std::string, std::size_t, std::less<>> max_in_flight_;
    std::size_t held_ = 0;
};

}  // namespace casio::test
