// Every protocol.md §10 call: exact method, path, query, headers and body, and how answers are
// read.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
using test::field;
using test::mock_es_transport;
using test::run;
namespace json = boost::json;

namespace {

struct fixture {
    mock_es_transport t;
    casio::test::manual_sleeper sleeps;
    es::client c{t, test::es_test_options(), &sleeps};

    const http::request& last() const { return t.requests().back(); }
    json::value last_body() const { return json::parse(last().body); }
};

}  // namespace

TEST_CASE("every request carries the service headers", "[es][client][headers]") {
    fixture f;
    f.t.reply(200, R"({"version":{"number":"8.18.0","build_flavor":"default"}})");
    auto info = run(f.c.info());
    CHECK(info.version_number == "8.18.0");
    CHECK(info.build_flavor == "default");
    CHECK_FALSE(info.serverless());

    const auto& r = f.last();
    CHECK(r.verb == http::method::get);
    CHECK(r.url == "http://es.test:9200/");
    CHECK(field(r, "user-agent") == "elastic-connectors-9.6.0/service");
    CHECK(field(r, "X-elastic-product-origin") == "connectors");
    CHECK(field(r, "accept") == "application/vnd.elasticsearch+json; compatible-with=8");
    CHECK(field(r, "authorization") == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
    CHECK_FALSE(field(r, "content-type"));  // no body, no content type
    CHECK(r.body.empty());
    REQUIRE(r.timeout);
    CHECK(*r.timeout == std::chrono::seconds(240));
}

TEST_CASE("api key and extra headers", "[es][client][headers][auth]") {
    mock_es_transport t;
    auto o = test::es_test_options();
    o.api_key = "a2V5OnNlY3JldA==";
    o.headers.push_back({"X-Custom", "1"});
    o.headers.push_back({"X-Elastic-Product-Origin", "kibana"});  // overrides, not duplicates
    es::client c(t, o);
    t.reply(200, "{}");
    CHECK(run(c.index_exists("idx")));
    const auto& r = t.requests().back();
    CHECK(field(r, "authorization") == "ApiKey a2V5OnNlY3JldA==");
    CHECK(field(r, "x-custom") == "1");
    CHECK(field(r, "x-elastic-product-origin") == "kibana");
    CHECK(std::count_if(r.fields.begin(), r.fields.end(), [](const http::header& h) {
              return h.name == "X-elastic-product-origin" || h.name == "X-Elastic-Product-Origin";
          }) == 1);
}

TEST_CASE("product check: first 2xx must come from Elasticsearch", "[es][client][product]") {
    SECTION("missing header is a clear fatal error") {
        fixture f;
        f.t.reply(test::es_response(200, "{}", false));
        try {
            run(f.c.info());
            FAIL("expected an error");
        } catch (const core::error& e) {
            CHECK(e.kind() == core::error_kind::fatal);
            CHECK_THAT(e.what(), Catch::Contains("not Elasticsearch"));
        }
    }
    SECTION("verified once, then not re-checked") {
        fixture f;
        f.t.reply(200, "{}");
        f.t.reply(test::es_response(200, R"({"count":3})", false));
        CHECK(run(f.c.index_exists("a")));
        CHECK(run(f.c.count("a")) == 3);
    }
    SECTION("error answers are not product-checked") {
        fixture f;
        f.t.reply(test::es_response(404, "", false));
        CHECK_FALSE(run(f.c.index_exists("a")));
    }
}

TEST_CASE("non-2xx answers become es_error with ES's type and reason", "[es][client][errors]") {
    fixture f;
    f.t.reply(
        404,
        R"({"error":{"root_cause":[],"type":"resource_not_found_exception","reason":"connector [x] not found"},"status":404})");
    try {
        run(f.c.check_in("x"));
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(std::string(e.what()) ==
              "PUT /_connector/x/_check_in: 404 resource_not_found_exception: connector [x] not "
              "found");
        CHECK(e.is_not_found());
        CHECK(e.kind() == core::error_kind::not_found);
        CHECK(e.type() == "resource_not_found_exception");
        CHECK(e.reason() == "connector [x] not found");
        CHECK(e.http_status() == 404);
    }

    f.t.reply(
        409,
        R"({"error":{"type":"version_conflict_engine_exception","reason":"[c1]: version conflict"},"status":409})");
    try {
        run(f.c.update_doc(".elastic-connectors", "c1", json::object{{"status", "connected"}},
                           es::occ_guard{5, 1}));
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(e.is_conflict());
        CHECK_FALSE(e.is_not_found());
        CHECK(e.kind() == core::error_kind::bad_request);
    }

    f.t.reply(401, R"({"error":{"type":"security_exception","reason":"unable to authenticate"}})");
    try {
        run(f.c.license());
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(e.is_unauthorized());
        CHECK(e.kind() == core::error_kind::auth);
        // Credentials never reach a message.
        CHECK(std::string(e.what()).find("changeme") == std::string::npos);
        CHECK(std::string(e.what()).find("ZWxhc3Rp") == std::string::npos);
    }

    f.t.reply(
        403,
        R"({"error":{"type":"security_exception","reason":"action [indices:data/write/bulk] is unauthorized"}})");
    try {
        run(f.c.create_index("search-x"));
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(e.is_forbidden());
        CHECK_THAT(e.what(), Catch::StartsWith("PUT /search-x: 403 security_exception: action"));
    }

    f.t.reply(400, "not json at all");
    try {
        run(f.c.create_index("bad"));
        FAIL("expected an error");
    } catch (const es::es_error& e) {
        CHECK(std::string(e.what()) == "PUT /bad: 400 not json at all");
        CHECK(e.kind() == core::error_kind::bad_request);
    }
}

TEST_CASE("index calls", "[es][client][calls]") {
    fixture f;
    f.t.reply(200, "");
    CHECK(run(f.c.index_exists(".elastic-connectors-v1")));
    CHECK(f.last().verb == http::method::head);
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors-v1");

    f.t.reply(404, "");
    CHECK_FALSE(run(f.c.index_exists("search-missing")));

    f.t.reply(200, R"({"acknowledged":true})");
    run(f.c.create_index(".elastic-connectors-sync-jobs-v1"));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors-sync-jobs-v1");
    CHECK(f.last().body.empty());
    CHECK_FALSE(field(f.last(), "content-type"));

    f.t.reply(200, R"({"search-a-v2":{"aliases":{"search-a":{}},"mappings":{},"settings":{}}})");
    auto got = run(f.c.get_index("search-a"));
    CHECK(f.last().url == "http://es.test:9200/search-a?ignore_unavailable=true");
    CHECK(es::client::index_listed(got, "search-a"));
    CHECK(es::client::index_listed(got, "search-a-v2"));
    CHECK_FALSE(es::client::index_listed(got, "search-b"));
    f.t.reply(200, "{}");
    CHECK_FALSE(es::client::index_listed(run(f.c.get_index("search-b")), "search-b"));

    f.t.reply(200, R"({"acknowledged":true})");
    run(f.c.delete_index("search-a"));
    CHECK(f.last().verb == http::method::delete_);
    CHECK(f.last().url == "http://es.test:9200/search-a?ignore_unavailable=true");
}

TEST_CASE("connector documents: get, search-all paging, raw and OCC update",
          "[es][client][calls]") {
    fixture f;
    f.t.reply(
        200,
        R"({"_index":".elastic-connectors-v1","_id":"c1","_seq_no":7,"_primary_term":2,"found":true,"_source":{"status":"connected"}})");
    auto doc = run(f.c.get_doc(es::connectors_index, "c1"));
    CHECK(f.last().verb == http::method::get);
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors/_doc/c1");
    REQUIRE(doc);
    CHECK(doc->id == "c1");
    CHECK(doc->seq_no == 7);
    CHECK(doc->primary_term == 2);
    CHECK(doc->source.at("status") == "connected");

    f.t.reply(404, R"({"_index":".elastic-connectors-v1","_id":"zz","found":false})");
    CHECK_FALSE(run(f.c.get_doc(es::connectors_index, "zz")));

    // Ids are percent-encoded as one path segment.
    f.t.reply(404, R"({"found":false})");
    CHECK_FALSE(run(f.c.get_doc(es::jobs_index, "a/b c")));
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors-sync-jobs/_doc/a%2Fb%20c");

    // Search: pages until hits.total.value is reached.
    f.t.reply(
        200,
        R"({"hits":{"total":{"value":3,"relation":"eq"},"hits":[{"_id":"a","_seq_no":1,"_primary_term":1,"_source":{"n":1}},{"_id":"b","_seq_no":2,"_primary_term":1,"_source":{"n":2}}]}})");
    f.t.reply(
        200,
        R"({"hits":{"total":{"value":3,"relation":"eq"},"hits":[{"_id":"c","_seq_no":3,"_primary_term":1,"_source":{"n":3}}]}})");
    json::object query = {{"query", {{"match_all", json::object()}}},
                          {"sort", json::array{{{"created_at", "asc"}}}}};
    auto hits = run(f.c.search_all(es::jobs_index, query, 2));
    REQUIRE(hits.size() == 3);
    CHECK(hits[2].id == "c");
    CHECK(hits[2].seq_no == 3);
    REQUIRE(f.t.requests().size() == 5);
    const auto& p1 = f.t.requests()[3];
    CHECK(p1.verb == http::method::post);
    CHECK(p1.url ==
          "http://es.test:9200/.elastic-connectors-sync-jobs/_search?expand_wildcards=hidden");
    CHECK(field(p1, "content-type") == "application/vnd.elasticsearch+json; compatible-with=8");
    CHECK(
        json::parse(p1.body) ==
        json::parse(
            R"({"query":{"match_all":{}},"sort":[{"created_at":"asc"}],"size":2,"seq_no_primary_term":true,"from":0})"));
    CHECK(json::parse(f.t.requests()[4].body).at("from") == 2);

    // An empty page ends the listing even if total claims more (no endless loop).
    f.t.reply(200, R"({"hits":{"total":{"value":10},"hits":[]}})");
    CHECK(run(f.c.search_all(es::connectors_index, {{"query", {{"match_all", json::object()}}}}))
              .empty());

    // Raw update and OCC update.
    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_doc(es::connectors_index, "c1", {{"status", "error"}, {"error", "boom"}}));
    CHECK(f.last().verb == http::method::post);
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors/_update/c1");
    CHECK(f.last_body() == json::parse(R"({"doc":{"status":"error","error":"boom"}})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_doc(es::connectors_index, "c1", {{"last_sync_status", "in_progress"}},
                       es::guard_of(*doc)));
    CHECK(f.last().url ==
          "http://es.test:9200/.elastic-connectors/_update/c1?if_seq_no=7&if_primary_term=2");

    // Legacy job creation.
    f.t.reply(201,
              R"({"_index":".elastic-connectors-sync-jobs-v1","_id":"job-9","result":"created"})");
    CHECK(run(f.c.create_doc(es::jobs_index, {{"status", "pending"}})) == "job-9");
    CHECK(f.last().verb == http::method::post);
    CHECK(f.last().url == "http://es.test:9200/.elastic-connectors-sync-jobs/_doc");
    CHECK(f.last_body() == json::parse(R"({"status":"pending"})"));
}

TEST_CASE("_connector API calls", "[es][client][calls]") {
    fixture f;
    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.check_in("c1"));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_connector/c1/_check_in");
    CHECK(f.last().body.empty());

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_filtering_validation(
        "c1",
        {{"state", "invalid"},
         {"errors", json::array{{{"ids", json::array{"r1"}}, {"messages", json::array{"bad"}}}}}}));
    CHECK(f.last().url == "http://es.test:9200/_connector/c1/_filtering/_validation");
    CHECK(
        f.last_body() ==
        json::parse(
            R"({"validation":{"state":"invalid","errors":[{"ids":["r1"],"messages":["bad"]}]}})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.activate_filtering("c1"));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_connector/c1/_filtering/_activate");
    CHECK(f.last().body.empty());

    f.t.reply(200, R"({"id":"c1","status":"created"})");
    auto conn = run(f.c.get_connector("c1", true));
    CHECK(f.last().url == "http://es.test:9200/_connector/c1?include_deleted=true");
    REQUIRE(conn);
    CHECK(conn->at("status") == "created");
    f.t.reply(404, R"({"error":{"type":"resource_not_found_exception","reason":"missing"}})");
    CHECK_FALSE(run(f.c.get_connector("nope")));
    CHECK(f.last().url == "http://es.test:9200/_connector/nope");

    f.t.reply(200, R"({"result":"created","id":"c2"})");
    run(f.c.put_connector("c2", {{"service_type", "salesforce"},
                                 {"name", "SF"},
                                 {"index_name", "search-sf"},
                                 {"is_native", false}}));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_connector/c2");
    CHECK(
        f.last_body() ==
        json::parse(
            R"({"service_type":"salesforce","name":"SF","index_name":"search-sf","is_native":false})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_scheduling("c2", {{"full", {{"enabled", true}, {"interval", "0 * * * * ?"}}}}));
    CHECK(f.last().url == "http://es.test:9200/_connector/c2/_scheduling");
    CHECK(f.last_body() ==
          json::parse(R"({"scheduling":{"full":{"enabled":true,"interval":"0 * * * * ?"}}})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_configuration("c2", {{"values", {{"domain", "acme"}}}}));
    CHECK(f.last().url == "http://es.test:9200/_connector/c2/_configuration");
    CHECK(f.last_body() == json::parse(R"({"values":{"domain":"acme"}})"));

    f.t.reply(200, R"({"license":{"status":"active","type":"platinum","uid":"u"}})");
    auto lic = run(f.c.license());
    CHECK(f.last().verb == http::method::get);
    CHECK(f.last().url == "http://es.test:9200/_license");
    CHECK(lic.type == "platinum");
    CHECK(lic.at_least("platinum"));
    CHECK_FALSE(lic.at_least("enterprise"));
    CHECK_FALSE(es::license_info{"expired", "trial"}.at_least("platinum"));
    CHECK(es::license_info{"active", "trial"}.at_least("platinum"));
    CHECK_FALSE(es::license_info{"active", "gold"}.at_least("platinum"));
}

TEST_CASE("sync job calls", "[es][client][calls]") {
    fixture f;
    f.t.reply(200, R"({"id":"job-1"})");
    CHECK(run(f.c.create_sync_job("c1", "full", "scheduled")) == "job-1");
    CHECK(f.last().verb == http::method::post);
    CHECK(f.last().url == "http://es.test:9200/_connector/_sync_job");
    CHECK(f.last_body() ==
          json::parse(R"({"id":"c1","job_type":"full","trigger_method":"scheduled"})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.claim_sync_job("job-1", "worker-a", std::nullopt));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_connector/_sync_job/job-1/_claim");
    CHECK(f.last_body() == json::parse(R"({"worker_hostname":"worker-a"})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.claim_sync_job("job-1", "worker-a", json::value{{"Account", "2024-01-01T00:00:00Z"}}));
    CHECK(
        f.last_body() ==
        json::parse(
            R"({"worker_hostname":"worker-a","sync_cursor":{"Account":"2024-01-01T00:00:00Z"}})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.update_sync_job_stats(
        "job-1",
        {.indexed_document_count = 10, .indexed_document_volume = 2, .deleted_document_count = 1}));
    CHECK(f.last().url == "http://es.test:9200/_connector/_sync_job/job-1/_stats");
    CHECK(
        f.last_body() ==
        json::parse(
            R"({"indexed_document_count":10,"indexed_document_volume":2,"deleted_document_count":1,"metadata":{}})"));

    f.t.reply(200, R"({"result":"updated"})");
    run(f.c.cancel_sync_job("job-1"));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_connector/_sync_job/job-1/_cancel");

    f.t.reply(200, R"({"_shards":{"total":1,"successful":1,"failed":0}})");
    run(f.c.refresh("search-sf"));
    CHECK(f.last().verb == http::method::post);
    CHECK(f.last().url == "http://es.test:9200/search-sf/_refresh?ignore_unavailable=true");
    CHECK(f.last().body.empty());

    f.t.reply(200, R"({"count":42,"_shards":{"total":1,"successful":1}})");
    CHECK(run(f.c.count("search-sf")) == 42);
    CHECK(f.last().verb == http::method::post);
    CHECK(f.last().url == "http://es.test:9200/search-sf/_count?ignore_unavailable=true");
    CHECK(f.last().body.empty());
}

TEST_CASE("ingest pipeline calls", "[es][client][calls]") {
    fixture f;
    f.t.reply(200, R"({"search-default-ingestion":{"processors":[]}})");
    auto p = run(f.c.get_pipeline("search-default-ingestion"));
    CHECK(f.last().url == "http://es.test:9200/_ingest/pipeline/search-default-ingestion");
    REQUIRE(p);
    CHECK(p->contains("processors"));
    f.t.reply(404, "{}");
    CHECK_FALSE(run(f.c.get_pipeline("nope")));

    f.t.reply(200, R"({"acknowledged":true})");
    run(f.c.put_pipeline("mine", {{"processors", json::array()}}));
    CHECK(f.last().verb == http::method::put);
    CHECK(f.last().url == "http://es.test:9200/_ingest/pipeline/mine");
    CHECK(f.last_body() == json::parse(R"({"processors":[]})"));
}

TEST_CASE("calls awaited with temporary arguments inside a coroutine", "[es][client][calls]") {
    // GCC 12 destroys some temporaries of a co_await full-expression twice; the public
    // signatures must stay safe for the natural way of calling them.
    fixture f;
    for (int i = 0; i < 4; ++i) {
        f.t.reply(200, R"({"result":"updated"})");
    }
    run([&]() -> boost::asio::awaitable<void> {
        co_await f.c.claim_sync_job("job-1", std::string("worker-") + "a", std::nullopt);
        co_await f.c.claim_sync_job("job-1", "w", json::value("cursor"));
        co_await f.c.update_sync_job_stats(
            "job-1", es::sync_job_stats{.indexed_document_count = 1, .total_document_count = 9});
        co_await f.c.update_doc(es::jobs_index, std::string("job-") + "1",
                                json::object(json::parse(R"({"status":"error"})").as_object()));
    }());
    REQUIRE(f.t.requests().size() == 4);
    CHECK(f.t.requests()[0].body == R"({"worker_hostname":"worker-a"})");
    CHECK(f.t.requests()[1].body == R"({"worker_hostname":"w","sync_cursor":"cursor"})");
    CHECK(json::parse(f.t.requests()[2].body).at("total_document_count") == 9);
    CHECK(f.t.requests()[3].body == R"({"doc":{"status":"error"}})");
}
