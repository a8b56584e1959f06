// Existing-documents scan (protocol.md §4.7): scroll requests, id/_timestamp extraction, clean-up.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
using test::mock_es_transport;
using test::run;
namespace json = boost::json;

namespace {

const std::string shards_ok = R"("_shards":{"total":2,"successful":1,"skipped":1,"failed":0})";

std::vector<es::id_timestamp> drain(es::id_stream& s) {
    return run([&]() -> boost::asio::awaitable<std::vector<es::id_timestamp>> {
        std::vector<es::id_timestamp> all;
        while (auto page = co_await s.next_page()) {
            for (auto& e : *page) {
                all.push_back(std::move(e));
            }
        }
        co_return all;
    }());
}

}  // namespace

TEST_CASE("scan pages through a scroll and clears it at the end", "[es][scroll]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    t.reply(
        200,
        R"({"_scroll_id":"S1",)" + shards_ok +
            R"(,"hits":{"hits":[{"_id":"a","_source":{"id":"A","_timestamp":"2024-01-01T00:00:00+00:00"}},{"_id":"b","_source":{}}]}})");
    t.reply(200, R"({"_scroll_id":"S2",)" + shards_ok +
                     R"(,"hits":{"hits":[{"_id":"c","_source":{"id":"C","_timestamp":null}}]}})");
    t.reply(200, R"({"_scroll_id":"S2",)" + shards_ok + R"(,"hits":{"hits":[]}})");
    t.reply(200, R"({"succeeded":true,"num_freed":1})");

    auto s = c.scan_ids("search-sf", 2);
    auto all = drain(s);
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == "A");  // _source.id wins over _id
    CHECK(all[0].timestamp == "2024-01-01T00:00:00+00:00");
    CHECK(all[1].id == "b");  // no _source.id: _id
    CHECK_FALSE(all[1].timestamp);
    CHECK(all[2].id == "C");
    CHECK_FALSE(all[2].timestamp);

    REQUIRE(t.requests().size() == 4);
    const auto& first = t.requests()[0];
    CHECK(first.verb == http::method::post);
    CHECK(first.url == "http://es.test:9200/search-sf/_search?scroll=5m");
    CHECK(json::parse(first.body) ==
          json::parse(R"({"sort":"_doc","size":2,"_source":["id","_timestamp"]})"));
    CHECK(t.requests()[1].url == "http://es.test:9200/_search/scroll");
    CHECK(json::parse(t.requests()[1].body) == json::parse(R"({"scroll":"5m","scroll_id":"S1"})"));
    CHECK(json::parse(t.requests()[2].body) == json::parse(R"({"scroll":"5m","scroll_id":"S2"})"));
    CHECK(t.requests()[3].verb == http::method::delete_);
    CHECK(t.requests()[3].url == "http://es.test:9200/_search/scroll");
    CHECK(json::parse(t.requests()[3].body) == json::parse(R"({"scroll_id":"S2"})"));

    // The stream stays ended.
    CHECK_FALSE(run(s.next_page()));
    CHECK(t.requests().size() == 4);
}

TEST_CASE("scan: shard failure is an error naming the index and still clears the scroll",
          "[es][scroll]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    t.reply(200, R"({"_scroll_id":"S1",)" + shards_ok +
                     R"(,"hits":{"hits":[{"_id":"a","_source":{}}]}})");
    t.reply(
        200,
        R"({"_scroll_id":"S1","_shards":{"total":3,"successful":1,"skipped":0,"failed":2},"hits":{"hits":[{"_id":"b","_source":{}}]}})");
    t.reply(404, R"({"succeeded":false,"num_freed":0})");  // 404 on clear is tolerated
    auto s = c.scan_ids("search-sf");
    CHECK(run(s.next_page())->size() == 1);
    try {
        run(s.next_page());
        FAIL("expected a scan error");
    } catch (const core::error& e) {
        CHECK_THAT(e.what(), Catch::Contains("search-sf"));
        CHECK_THAT(e.what(), Catch::Contains("1 of 3 shards"));
    }
    REQUIRE(t.requests().size() == 3);
    CHECK(t.requests()[2].verb == http::method::delete_);
    CHECK_FALSE(run(s.next_page()));
}

TEST_CASE("scan: an HTTP error mid-way clears the scroll and propagates", "[es][scroll]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    t.reply(200, R"({"_scroll_id":"S1",)" + shards_ok +
                     R"(,"hits":{"hits":[{"_id":"a","_source":{}}]}})");
    t.reply(500, R"({"error":{"type":"search_context_missing_exception","reason":"gone"}})");
    t.reply(200, R"({"succeeded":true})");
    auto s = c.scan_ids("search-sf");
    CHECK(run(s.next_page()));
    CHECK_THROWS_WITH(run(s.next_page()), Catch::Contains("search_context_missing_exception"));
    CHECK(t.requests().size() == 3);  // no app retrier on scroll
    CHECK(t.requests()[2].verb == http::method::delete_);
}

TEST_CASE("scan: a missing index is an empty listing", "[es][scroll]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    t.reply(404, R"({"error":{"type":"index_not_found_exception","reason":"no such index [x]"}})");
    auto s = c.scan_ids("x");
    CHECK(drain(s).empty());
    CHECK(t.requests().size() == 1);  // no scroll was opened: nothing to clear
}

TEST_CASE("scan: close() after stopping early clears the scroll once", "[es][scroll]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    t.reply(200, R"({"_scroll_id":"S1",)" + shards_ok +
                     R"(,"hits":{"hits":[{"_id":"a","_source":{}}]}})");
    t.reply(200, "{}");
    auto s = c.scan_ids("x");
    CHECK(run(s.next_page()));
    run(s.close());
    run(s.close());
    CHECK(t.requests().size() == 2);
    CHECK(t.requests()[1].verb == http::method::delete_);
}
