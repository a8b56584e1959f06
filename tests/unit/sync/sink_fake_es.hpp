#pragma once
// An in-memory Elasticsearch behind http::transport for sink tests: one index with its documents,
// the calls a sink makes (GET/PUT index, scroll scan, _bulk), and injected failures. No sockets.
// Unlike the scripted fake of tests/unit/es it answers from state, so the tests do not depend on
// how the sink cuts or interleaves its requests.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/http/transport.hpp>

#include "unit/es/fake_transport.hpp"

namespace casio::sync::sink_testing {

class one_index_es : public http::transport {
  public:
    explicit one_index_es(std::string index) : index_(std::move(index)) {}

    // State.
    bool exists = false;
    std::map<std::string, boost::json::object> docs;  // _id -> _source

    // Injected behaviour.
    std::set<std::string> reject_ids;  // bulk items for these ids fail with a mapper error
    bool fail_scan = false;            // the first scan page answers 500 (no retry: an error)
    int fail_bulks = 0;                // the next N _bulk requests answer 400
    bool hold_bulks = false;           // _bulk waits until cancelled (for cancel tests)

    // Observations.
    std::vector<std::string> calls;  // "PUT /idx", "PUT /_bulk?pipeline=x", ...
    std::vector<std::size_t> bulk_lines;
    std::size_t max_concurrent_bulks = 0;
    std::size_t bulks_in_flight = 0;
    std::size_t bulks_held = 0;

    void seed(std::string id, std::optional<std::string> timestamp) {
        exists = true;
        boost::json::object src;
        src["id"] = id;
        if (timestamp) {
            src["_timestamp"] = *timestamp;
        }
        docs[id] = std::move(src);
    }

    boost::asio::awaitable<http::response> send(http::request req) override {
        req.own_body();  // kept after the call
        std::string_view url = req.url;
        url.remove_prefix(url.find('/', url.find("//") + 2));
        std::string target(url);
        std::string path = target.substr(0, target.find('?'));
        calls.push_back(std::string(http::to_string(req.verb)) + " " + target);

        if (path == "/" + index_ && req.verb == http::method::get) {
            co_return es::test::es_response(
                200, exists ? "{\"" + index_ + "\":{\"aliases\":{}}}" : std::string("{}"));
        }
        if (path == "/" + index_ && req.verb == http::method::put) {
            exists = true;
            co_return es::test::es_response(200, R"({"acknowledged":true})");
        }
        if (path == "/" + index_ + "/_search") {
            if (!exists) {
                co_return es::test::es_response(
                    404, R"({"error":{"type":"index_not_found_exception"}})");
            }
            if (fail_scan) {
                co_return es::test::es_response(500,
                                                R"({"error":{"type":"boom","reason":"scan"}})");
            }
            boost::json::array hits;
            for (auto& [id, src] : docs) {
                boost::json::object h;
                h["_id"] = id;
                boost::json::object s;
                if (auto* v = src.if_contains("id")) {
                    s["id"] = *v;
                }
                if (auto* v = src.if_contains("_timestamp")) {
                    s["_timestamp"] = *v;
                }
                h["_source"] = std::move(s);
                hits.push_back(std::move(h));
            }
            boost::json::object body;
            body["_scroll_id"] = "S1";
            body["_shards"] = boost::json::parse(R"({"total":1,"successful":1,"skipped":0})");
            body["hits"] = boost::json::object{{"hits", std::move(hits)}};
            co_return es::test::es_response(200, boost::json::serialize(body));
        }
        if (path == "/_search/scroll") {
            co_return es::test::es_response(
                200,
                req.verb == http::method::delete_
                    ? std::string(R"({"succeeded":true})")
                    : R"({"_scroll_id":"S1","_shards":{"total":1,"successful":1,"skipped":0},"hits":{"hits":[]}})");
        }
        if (path == "/_bulk") {
            co_return co_await bulk(req.body);
        }
        throw std::logic_error("one_index_es: unexpected request " + calls.back());
    }

  private:
    boost::asio::awaitable<http::response> bulk(std::string body) {
        ++bulks_in_flight;
        max_concurrent_bulks = std::max(max_concurrent_bulks, bulks_in_flight);
        struct leave {
            std::size_t& n;
            ~leave() { --n; }
        } guard{bulks_in_flight};
        // Yield once so concurrent requests can overlap, as on a network.
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        if (hold_bulks) {
            ++bulks_held;
            t.expires_at(std::chrono::steady_clock::time_point::max());
            co_await t.async_wait(boost::asio::use_awaitable);  // throws when cancelled
        } else {
            t.expires_after(std::chrono::milliseconds(0));
            co_await t.async_wait(boost::asio::use_awaitable);
        }
        if (fail_bulks > 0) {
            --fail_bulks;
            co_return es::test::es_response(
                400, R"({"error":{"type":"x_content_parse_exception","reason":"bad"}})");
        }
        std::size_t lines = 0;
        boost::json::array items;
        std::string_view rest = body;
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
            ++lines;
            auto action = boost::json::parse(line).as_object();
            const auto& kv = *action.begin();
            std::string op(kv.key());
            std::string id(kv.value().as_object().at("_id").as_string());
            boost::json::object item;
            item["_id"] = id;
            if (op == "delete") {
                bool had = docs.erase(id) > 0;
                item["result"] = had ? "deleted" : "not_found";
                item["status"] = had ? 200 : 404;
            } else {
                nl = rest.find('\n');
                std::string_view src = rest.substr(0, nl);
                rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
                ++lines;
                if (reject_ids.count(id)) {
                    item["status"] = 400;
                    item["error"] = boost::json::parse(
                        R"({"type":"mapper_parsing_exception","reason":"failed to parse"})");
                } else {
                    bool had = docs.count(id) > 0;
                    auto parsed = boost::json::parse(src).as_object();
                    if (op == "update") {
                        auto& target = docs[id];
                        for (auto& field : parsed.at("doc").as_object()) {
                            target[field.key()] = field.value();
                        }
                    } else {
                        docs[id] = std::move(parsed);
                    }
                    exists = true;
                    item["result"] = had ? "updated" : "created";
                    item["status"] = had ? 200 : 201;
                }
            }
            boost::json::object wrapped;
            wrapped[op] = std::move(item);
            items.push_back(std::move(wrapped));
        }
        bulk_lines.push_back(lines);
        boost::json::object res;
        res["errors"] = false;
        res["items"] = std::move(items);
        co_return es::test::es_response(200, boost::json::serialize(res));
    }

    std::string index_;
};

}  // namespace casio::sync::sink_testing
