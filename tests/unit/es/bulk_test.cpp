// Bulk NDJSON building, response parsing and the _bulk call with its retries.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
using namespace std::chrono_literals;
using test::field;
using test::mock_es_transport;
using test::run;
namespace json = boost::json;

namespace {

// A client whose bulk calls retry up to `max_retries` times, sleeping on a manual clock, and an
// empty bulk to fill.
struct bulk_fixture {
    explicit bulk_fixture(int max_retries) : c(t, options(max_retries), &s) {}
    static es::client_options options(int max_retries) {
        auto o = test::es_test_options();
        o.bulk_retries.max_retries = max_retries;
        return o;
    }
    mock_es_transport t;
    casio::test::manual_sleeper s;
    es::client c;
    es::bulk_builder b;
};

}  // namespace

TEST_CASE("bulk builder writes index/update/delete NDJSON", "[es][bulk]") {
    es::bulk_builder b;
    b.add_index("search-sf", "001", R"({"id":"001","title":"A"})");
    b.add_update("search-sf", "002", R"({"title":"B"})");
    b.add_delete("search-sf", "003");
    CHECK(b.body() ==
          "{\"index\":{\"_index\":\"search-sf\",\"_id\":\"001\"}}\n"
          "{\"id\":\"001\",\"title\":\"A\"}\n"
          "{\"update\":{\"_index\":\"search-sf\",\"_id\":\"002\"}}\n"
          "{\"doc\":{\"title\":\"B\"},\"doc_as_upsert\":true}\n"
          "{\"delete\":{\"_index\":\"search-sf\",\"_id\":\"003\"}}\n");
    CHECK(b.operations() == 3);
    CHECK(b.lines() == 5);
    CHECK(b.bytes() == b.body().size());
    CHECK(b.op(1) == es::bulk_op::update);
    CHECK(b.id(2) == "003");
    CHECK(b.text(2) == "{\"delete\":{\"_index\":\"search-sf\",\"_id\":\"003\"}}\n");
    // Every line is valid JSON.
    std::string_view body = b.body();
    while (!body.empty()) {
        auto nl = body.find('\n');
        REQUIRE(nl != std::string_view::npos);
        CHECK_NOTHROW(json::parse(body.substr(0, nl)));
        body.remove_prefix(nl + 1);
    }
}

TEST_CASE("bulk builder escapes ids and predicts sizes exactly", "[es][bulk]") {
    es::bulk_builder b;
    const std::string odd_id = "a\"b\\c\nd\x01é";
    b.add_index("idx", odd_id, "{}");
    auto action = json::parse(b.body().substr(0, b.body().find('\n')));
    CHECK(action.at("index").at("_id").as_string() == odd_id);
    CHECK(b.bytes() == es::bulk_builder::bytes_of(es::bulk_op::index, "idx", odd_id, 2));

    std::size_t before = b.bytes();
    b.add_update("idx", "x", R"({"a":1})");
    CHECK(b.bytes() - before == es::bulk_builder::bytes_of(es::bulk_op::update, "idx", "x", 7));
    before = b.bytes();
    b.add_delete("idx", "y");
    CHECK(b.bytes() - before == es::bulk_builder::bytes_of(es::bulk_op::delete_, "idx", "y", 0));

    auto sub = b.subset(std::vector<std::size_t>{2, 0});
    CHECK(sub.operations() == 2);
    CHECK(sub.lines() == 3);
    CHECK(sub.body() == std::string(b.text(2)) + std::string(b.text(0)));
    CHECK(sub.id(0) == "y");
    CHECK(sub.op(1) == es::bulk_op::index);

    b.clear();
    CHECK(b.empty());
    CHECK(b.bytes() == 0);
    CHECK(b.lines() == 0);
}

TEST_CASE("bulk response parser", "[es][bulk]") {
    auto r = es::parse_bulk_response(
        R"({"took":3,"errors":true,"items":[
        {"index":{"_index":"s","_id":"1","_version":1,"result":"created","status":201}},
        {"index":{"_index":"s","_id":"2","result":"updated","status":200}},
        {"update":{"_index":"s","_id":"3","result":"noop","status":200}},
        {"delete":{"_index":"s","_id":"4","result":"not_found","status":404}},
        {"delete":{"_index":"s","_id":"5","result":"deleted","status":200}},
        {"index":{"_index":"s","_id":"6","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [x]"}}},
        {"create":{"_index":"s","_id":"7","result":"created","status":201}}]})");
    CHECK(r.errors);
    REQUIRE(r.items.size() == 7);
    CHECK(r.items[0].op == es::bulk_op::index);
    CHECK(r.items[0].id == "1");
    CHECK(r.items[0].status == 201);
    CHECK(r.items[0].succeeded());
    CHECK(r.items[1].succeeded());
    CHECK(r.items[2].op == es::bulk_op::update);
    CHECK(r.items[2].succeeded());  // noop: dropped by the pipeline, not a failure
    CHECK(r.items[3].op == es::bulk_op::delete_);
    CHECK(r.items[3].result == "not_found");
    CHECK_FALSE(r.items[3].succeeded());
    CHECK(r.items[4].succeeded());
    CHECK_FALSE(r.items[5].succeeded());
    CHECK(r.items[5].error_type == "document_parsing_exception");
    CHECK(r.items[5].error_reason == "failed to parse field [x]");
    CHECK(r.items[6].op == es::bulk_op::index);

    CHECK_THROWS_WITH(es::parse_bulk_response("<html>"),
                      Catch::Contains("_bulk response: not JSON"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"errors":false})"), Catch::Contains("no items"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"items":[{"frob":{}}]})"),
                      Catch::Contains("unknown operation 'frob'"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"([{"index":{}}])"),
                      Catch::Contains("not a JSON object"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"items":[1]})"),
                      Catch::Contains("item is not an object with one operation key"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"items":[{"index":{},"delete":{}}]})"),
                      Catch::Contains("item is not an object with one operation key"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"items":[{"index":5}]})"),
                      Catch::Contains("operation 'index' is not an object"));
    CHECK_THROWS_WITH(es::parse_bulk_response(R"({"items":[]} x)"), Catch::Contains("not JSON"));

    // Escaped strings, an error given as a string, nested causes, and fields in any order.
    auto e = es::parse_bulk_response(
        R"({"items":[{"index":{"status":400,"error":{"type":"x","caused_by":{"type":"inner",)"
        R"("reason":"deep"},"reason":"bad \"q\" \u00e9"},"_id":"a\/b"}},)"
        R"({"delete":{"_id":"c","status":503,"error":"unavailable"}}],"errors":true})");
    REQUIRE(e.items.size() == 2);
    CHECK(e.errors);
    CHECK(e.items[0].id == "a/b");
    CHECK(e.items[0].status == 400);
    CHECK(e.items[0].error_type == "x");
    CHECK(e.items[0].error_reason == "bad \"q\" \u00e9");
    CHECK(e.items[1].error_reason == "unavailable");
    CHECK(e.items[1].status == 503);

    // A status that is no HTTP status (found by fuzz_bulk_response: 1e999 was undefined
    // behaviour) reads as none, and the item as failed.
    auto odd = es::parse_bulk_response(
        R"({"items":[{"index":{"_id":"a","status":1e999}},{"index":{"_id":"b","status":-3}},)"
        R"({"index":{"_id":"c","status":201.0,"result":"created"}}]})");
    REQUIRE(odd.items.size() == 3);
    CHECK(odd.items[0].status == 0);
    CHECK(odd.items[1].status == 0);
    CHECK_FALSE(odd.items[0].succeeded());
    CHECK(odd.items[2].status == 201);
}

TEST_CASE("_bulk call: NDJSON headers, pipeline parameter, per-item results", "[es][bulk]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    es::bulk_builder b;
    b.add_index("search-sf", "1", R"({"id":"1"})");
    b.add_delete("search-sf", "2");
    t.reply(
        200,
        R"({"errors":false,"items":[{"index":{"_id":"1","result":"created","status":201}},{"delete":{"_id":"2","result":"not_found","status":404}}]})");
    auto r = run(c.bulk(b, "search-default-ingestion"));
    REQUIRE(t.requests().size() == 1);
    const auto& req = t.requests()[0];
    CHECK(req.verb == http::method::put);
    CHECK(req.url == "http://es.test:9200/_bulk?pipeline=search-default-ingestion");
    CHECK(field(req, "content-type") ==
          "application/vnd.elasticsearch+x-ndjson; compatible-with=8");
    CHECK(req.body == b.body());
    REQUIRE(r.items.size() == 2);
    CHECK(r.items[0].succeeded());
    CHECK_FALSE(r.items[1].succeeded());
    CHECK_FALSE(r.errors);
    CHECK(r.attempts == 1);
    CHECK(r.bytes_sent == b.body().size());

    // No pipeline: no parameter. Empty builder: no request.
    t.reply(
        200,
        R"({"errors":false,"items":[{"index":{"_id":"1","result":"updated","status":200}},{"delete":{"_id":"2","result":"deleted","status":200}}]})");
    run(c.bulk(b));
    CHECK(t.requests().back().url == "http://es.test:9200/_bulk");
    CHECK(run(c.bulk(es::bulk_builder{})).items.empty());
    CHECK(t.requests().size() == 2);
}

TEST_CASE("_bulk: per-item 429s are re-sent alone, up to the bulk retry limit",
          "[es][bulk][retry]") {
    bulk_fixture f(3);
    auto& [t, s, c, b] = f;
    b.add_index("i", "a", "{}");
    b.add_index("i", "b", "{}");
    b.add_delete("i", "c");
    b.add_index("i", "d", "{}");
    const std::string rejected =
        R"("status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"})";
    t.reply(
        200,
        R"({"errors":true,"items":[{"index":{"_id":"a","result":"created","status":201}},{"index":{"_id":"b",)" +
            rejected + R"(}},{"delete":{"_id":"c",)" + rejected +
            R"(}},{"index":{"_id":"d","result":"created","status":201}}]})");
    t.reply(
        200,
        R"({"errors":true,"items":[{"index":{"_id":"b","result":"created","status":201}},{"delete":{"_id":"c",)" +
            rejected + R"(}}]})");
    t.reply(200,
            R"({"errors":false,"items":[{"delete":{"_id":"c","result":"deleted","status":200}}]})");

    auto r = run(c.bulk(b));
    REQUIRE(t.requests().size() == 3);
    CHECK(t.requests()[1].body == std::string(b.text(1)) + std::string(b.text(2)));
    CHECK(t.requests()[2].body == b.text(2));
    REQUIRE(r.items.size() == 4);
    for (const auto& item : r.items) {
        CHECK(item.succeeded());
    }
    CHECK(r.items[1].id == "b");
    CHECK(r.items[2].result == "deleted");
    CHECK_FALSE(r.errors);
    CHECK(r.attempts == 3);
    CHECK(r.retried_items == 3);
    // Every byte that went out: the whole body, then the re-sent items twice and once.
    CHECK(r.bytes_sent == b.body().size() + 2 * b.text(2).size() + b.text(1).size());
    // From one second, doubling, up to the bulk retry interval (2 s here).
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{1s, 2s});
}

TEST_CASE("_bulk: item 429s left after the limit are reported as failures", "[es][bulk][retry]") {
    bulk_fixture f(2);
    auto& [t, s, c, b] = f;
    b.add_index("i", "a", "{}");
    const std::string answer =
        R"({"errors":true,"items":[{"index":{"_id":"a","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}}]})";
    t.reply(200, answer);
    t.reply(200, answer);
    auto r = run(c.bulk(b));
    CHECK(t.requests().size() == 2);
    CHECK(r.errors);
    CHECK_FALSE(r.items[0].succeeded());
    CHECK(r.items[0].status == 429);
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{1s});
}

TEST_CASE("_bulk: whole-request failures use the bulk retry settings", "[es][bulk][retry]") {
    bulk_fixture f(3);
    auto& [t, s, c, b] = f;
    b.add_delete("i", "a");
    t.reply(429, R"({"error":{"type":"es_rejected_execution_exception","reason":"busy"}})");
    t.reply(502, "");
    t.reply(200,
            R"({"errors":false,"items":[{"delete":{"_id":"a","result":"deleted","status":200}}]})");
    auto r = run(c.bulk(b));
    CHECK(r.attempts == 3);
    CHECK(r.bytes_sent == 3 * b.body().size());  // refused requests were sent too
    CHECK(r.items[0].succeeded());
    CHECK(s.requested() == std::vector<std::chrono::milliseconds>{2s, 4s});
    CHECK(t.requests()[2].body == b.body());

    // A mismatched answer is an error, not silently misattributed results.
    t.reply(200, R"({"errors":false,"items":[]})");
    CHECK_THROWS_WITH(run(c.bulk(b)), Catch::Contains("0 items answered for 1 operations"));
}
