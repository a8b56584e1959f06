// mock-elasticsearch through its in-process dispatcher: documents, OCC, updates, bulk, search,
// scroll, aliases, errors, auth and headers.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/core/base64.hpp>

#include "support.hpp"
#include "support/extract_samples.hpp"

using namespace casio::mock_es;
using casio::mock_es::test::call;
using casio::mock_es::test::ndjson;

TEST_CASE("GET / identifies itself as Elasticsearch", "[mock_es][root]") {
    service_options o;
    o.version = "8.18.2";
    service svc(o);
    auto r = call(svc, "GET", "/");
    REQUIRE(r.status == 200);
    CHECK(r.str({"version", "number"}) == "8.18.2");
    CHECK(r.str({"version", "build_flavor"}) == "default");
    CHECK(r.str({"tagline"}) == "You Know, for Search");
    CHECK(r.raw.header("X-Elastic-Product") == "Elasticsearch");
}

TEST_CASE("_doc writes number sequence and versions per index", "[mock_es][doc]") {
    service svc;
    auto a = call(svc, "PUT", "/idx/_doc/1", R"({"a":1})");
    CHECK(a.status == 201);
    CHECK(a.str({"result"}) == "created");
    CHECK(a.at({"_seq_no"}).as_int64() == 0);
    auto b = call(svc, "PUT", "/idx/_doc/1", R"({"a":2})");
    CHECK(b.status == 200);
    CHECK(b.str({"result"}) == "updated");
    CHECK(b.at({"_seq_no"}).as_int64() == 1);
    CHECK(b.at({"_version"}).as_int64() == 2);
    auto auto_id = call(svc, "POST", "/idx/_doc", R"({"a":3})");
    CHECK(auto_id.status == 201);
    CHECK(auto_id.str({"_id"}).size() == 20);

    auto g = call(svc, "GET", "/idx/_doc/1");
    REQUIRE(g.status == 200);
    CHECK(g.at({"found"}).as_bool());
    CHECK(g.at({"_source", "a"}).as_int64() == 2);
    CHECK(g.at({"_seq_no"}).as_int64() == 1);
    CHECK(g.at({"_primary_term"}).as_int64() == 1);
    CHECK(g.body.find(R"("_source":{"a":2})") != std::string::npos);  // source bytes as stored

    CHECK(call(svc, "GET", "/idx/_source/1").body == R"({"a":2})");
    CHECK(call(svc, "GET", "/idx/_source/nope").status == 404);
    auto missing = call(svc, "GET", "/idx/_doc/nope");
    CHECK(missing.status == 404);
    CHECK_FALSE(missing.at({"found"}).as_bool());
    CHECK(call(svc, "GET", "/other/_doc/1").str({"error", "type"}) == "index_not_found_exception");

    auto create_again = call(svc, "PUT", "/idx/_create/1", R"({"a":9})");
    CHECK(create_again.status == 409);
    CHECK(create_again.str({"error", "type"}) == "version_conflict_engine_exception");

    auto del = call(svc, "DELETE", "/idx/_doc/1");
    CHECK(del.status == 200);
    CHECK(del.str({"result"}) == "deleted");
    auto del2 = call(svc, "DELETE", "/idx/_doc/1");
    CHECK(del2.status == 404);
    CHECK(del2.str({"result"}) == "not_found");
}

TEST_CASE("_update deep-merges doc and honours if_seq_no", "[mock_es][update]") {
    service svc;
    call(svc, "PUT", "/idx/_doc/1", R"({"o":{"x":1,"arr":[1,2]},"s":"a"})");
    auto u = call(svc, "POST", "/idx/_update/1?if_seq_no=0&if_primary_term=1",
                  R"({"doc":{"o":{"y":2,"arr":[3]},"s":null}})");
    REQUIRE(u.status == 200);
    CHECK(u.str({"result"}) == "updated");
    CHECK(u.at({"_seq_no"}).as_int64() == 1);
    auto g = call(svc, "GET", "/idx/_doc/1");
    CHECK(g.at({"_source", "o", "x"}).as_int64() == 1);
    CHECK(g.at({"_source", "o", "y"}).as_int64() == 2);
    CHECK(g.at({"_source", "o", "arr"}).as_array().size() == 1);
    CHECK(g.at({"_source", "s"}).is_null());

    auto stale =
        call(svc, "POST", "/idx/_update/1?if_seq_no=0&if_primary_term=1", R"({"doc":{"z":1}})");
    CHECK(stale.status == 409);
    CHECK(stale.str({"error", "type"}) == "version_conflict_engine_exception");
    CHECK(stale.str({"error", "reason"}) ==
          "[1]: version conflict, required seqNo [0], primary term [1]. current document has "
          "seqNo [1] and primary term [1]");

    auto noop = call(svc, "POST", "/idx/_update/1", R"({"doc":{"o":{"y":2}}})");
    CHECK(noop.str({"result"}) == "noop");
    CHECK(noop.at({"_seq_no"}).as_int64() == 1);

    auto missing = call(svc, "POST", "/idx/_update/2", R"({"doc":{"a":1}})");
    CHECK(missing.status == 404);
    CHECK(missing.str({"error", "type"}) == "document_missing_exception");
    CHECK(missing.str({"error", "reason"}) == "[2]: document missing");

    auto upsert = call(svc, "POST", "/idx/_update/2", R"({"doc":{"a":1},"upsert":{"a":0,"b":1}})");
    CHECK(upsert.status == 201);
    CHECK(call(svc, "GET", "/idx/_doc/2").at({"_source", "b"}).as_int64() == 1);
    auto as_upsert = call(svc, "POST", "/idx/_update/3", R"({"doc":{"c":1},"doc_as_upsert":true})");
    CHECK(as_upsert.str({"result"}) == "created");
    CHECK(call(svc, "GET", "/idx/_doc/3").at({"_source", "c"}).as_int64() == 1);
}

TEST_CASE("_bulk answers every item like Elasticsearch", "[mock_es][bulk]") {
    service svc;
    call(svc, "PUT", "/c/_doc/old", R"({"v":1})");
    auto body = ndjson({
        R"({"index":{"_index":"c","_id":"1"}})",
        R"({"id":"1","_timestamp":"t"})",
        R"({"index":{"_index":"c","_id":"old"}})",
        R"({"v":2})",
        R"({"update":{"_index":"c","_id":"u"}})",
        R"({"doc":{"x":1},"doc_as_upsert":true})",
        R"({"delete":{"_index":"c","_id":"gone"}})",
        R"({"delete":{"_index":"c","_id":"old"}})",
        R"({"create":{"_index":"c","_id":"1"}})",
        R"({"dup":true})",
        R"({"update":{"_index":"c","_id":"nodoc"}})",
        R"({"doc":{"x":1}})",
        R"({"index":{"_index":"c","_id":"bad"}})",
        R"({"broken":)",
    });
    auto r = call(svc, "PUT", "/_bulk", body,
                  {{"Content-Type", "application/vnd.elasticsearch+x-ndjson; compatible-with=8"}});
    REQUIRE(r.status == 200);
    CHECK(r.at({"errors"}).as_bool());
    CHECK(r.at({"took"}).is_number());
    const auto& items = r.at({"items"}).as_array();
    REQUIRE(items.size() == 8);
    auto item = [&](std::size_t i, const char* op) {
        return items[i].as_object().at(op).as_object();
    };
    CHECK(item(0, "index").at("result") == "created");
    CHECK(item(0, "index").at("status") == 201);
    CHECK(item(0, "index").at("_index") == "c");
    CHECK(item(0, "index").at("_primary_term") == 1);
    CHECK(item(1, "index").at("result") == "updated");
    CHECK(item(1, "index").at("status") == 200);
    CHECK(item(2, "update").at("result") == "created");
    CHECK(item(3, "delete").at("result") == "not_found");
    CHECK(item(3, "delete").at("status") == 404);
    CHECK_FALSE(item(3, "delete").contains("error"));
    CHECK(item(4, "delete").at("result") == "deleted");
    CHECK(item(5, "create").at("status") == 409);
    CHECK(item(5, "create").at("error").as_object().at("type") ==
          "version_conflict_engine_exception");
    CHECK(item(6, "update").at("status") == 404);
    CHECK(item(6, "update").at("error").as_object().at("type") == "document_missing_exception");
    CHECK(item(7, "index").at("status") == 400);
    CHECK(item(7, "index").at("error").as_object().at("type") == "document_parsing_exception");

    auto ok = call(svc, "POST", "/c/_bulk", ndjson({R"({"index":{"_id":"2"}})", R"({"a":1})"}),
                   {{"Content-Type", "application/x-ndjson"}});
    CHECK_FALSE(ok.at({"errors"}).as_bool());
    CHECK(call(svc, "GET", "/c/_doc/2").status == 200);
}

TEST_CASE("malformed bulk bodies get ES-shaped 400s and nothing is applied",
          "[mock_es][bulk][errors]") {
    service svc;
    auto no_newline =
        call(svc, "POST", "/_bulk", "{\"index\":{\"_index\":\"x\",\"_id\":\"1\"}}\n{\"a\":1}",
             {{"Content-Type", "application/x-ndjson"}});
    CHECK(no_newline.status == 400);
    CHECK(no_newline.str({"error", "type"}) == "illegal_argument_exception");
    CHECK(no_newline.str({"error", "reason"}) ==
          "The bulk request must be terminated by a newline [\\n]");
    CHECK(no_newline.str({"error", "root_cause", "0", "type"}) == "illegal_argument_exception");

    auto bad_action = call(svc, "POST", "/_bulk",
                           ndjson({R"({"index":{"_index":"x","_id":"1"}})", R"({"a":1})", "{nope"}),
                           {{"Content-Type", "application/x-ndjson"}});
    CHECK(bad_action.status == 400);
    CHECK(bad_action.str({"error", "type"}) == "x_content_parse_exception");
    CHECK(call(svc, "HEAD", "/x").status == 404);  // the valid first item was not applied

    auto not_object = call(svc, "POST", "/_bulk", ndjson({R"("index")"}),
                           {{"Content-Type", "application/x-ndjson"}});
    CHECK(not_object.str({"error", "type"}) == "illegal_argument_exception");
    auto unknown = call(svc, "POST", "/_bulk", ndjson({R"({"upsert":{"_index":"x"}})", "{}"}),
                        {{"Content-Type", "application/x-ndjson"}});
    CHECK(unknown.status == 400);
    auto no_index = call(svc, "POST", "/_bulk", ndjson({R"({"index":{"_id":"1"}})", "{}"}),
                         {{"Content-Type", "application/x-ndjson"}});
    CHECK(no_index.status == 400);
    CHECK(no_index.str({"error", "type"}) == "action_request_validation_exception");

    auto empty_id =
        call(svc, "POST", "/_bulk", ndjson({R"({"index":{"_index":"x","_id":""}})", "{}"}),
             {{"Content-Type", "application/x-ndjson"}});
    CHECK(empty_id.str({"error", "type"}) == "action_request_validation_exception");
    auto bad_json = call(svc, "POST", "/x/_search", R"({"query":)");
    CHECK(bad_json.status == 400);
    CHECK(bad_json.at({"status"}).as_int64() == 400);

    auto after = call(svc, "PUT", "/x/_doc/1", R"({"ok":true})");
    CHECK(after.status == 201);
}

TEST_CASE("every Nth bulk item is rejected with 429 when configured", "[mock_es][bulk][faults]") {
    service_options o;
    o.bulk_429_every = 3;
    service svc(o);
    std::string body;
    for (int i = 0; i < 6; ++i) {
        body += R"({"index":{"_index":"f","_id":")" + std::to_string(i) + "\"}}\n{\"n\":1}\n";
    }
    auto r = call(svc, "POST", "/_bulk", body, {{"Content-Type", "application/x-ndjson"}});
    REQUIRE(r.status == 200);
    CHECK(r.at({"errors"}).as_bool());
    const auto& items = r.at({"items"}).as_array();
    int rejected = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i].as_object().at("index").as_object();
        if (it.at("status") == 429) {
            ++rejected;
            CHECK(it.at("error").as_object().at("type") == "es_rejected_execution_exception");
            CHECK(call(svc, "GET", "/f/_doc/" + std::to_string(i)).status == 404);  // not applied
        }
    }
    CHECK(rejected == 2);
    CHECK(call(svc, "GET", "/f/_count").at({"count"}).as_int64() == 4);
}

TEST_CASE("the pipeline emulation extracts text attachments and drops control fields",
          "[mock_es][pipeline]") {
    service svc;
    // "hello   world\n" in base64
    auto body = ndjson(
        {R"({"index":{"_index":"p","_id":"1"}})",
         R"({"title":"t","_attachment":"aGVsbG8gICB3b3JsZAo=","_extract_binary_content":true,"_reduce_whitespace":true,"_run_ml_inference":false})",
         R"({"index":{"_index":"p","_id":"2"}})",
         R"({"_attachment":"AAECAwQ=","_extract_binary_content":true})"});
    auto r = call(svc, "PUT", "/_bulk?pipeline=search-default-ingestion", body,
                  {{"Content-Type", "application/x-ndjson"}});
    REQUIRE_FALSE(r.at({"errors"}).as_bool());
    auto d1 = call(svc, "GET", "/p/_doc/1").at({"_source"}).as_object();
    CHECK(d1.at("body") == "hello world");
    CHECK(d1.at("title") == "t");
    CHECK_FALSE(d1.contains("_attachment"));
    CHECK_FALSE(d1.contains("_extract_binary_content"));
    CHECK_FALSE(d1.contains("_reduce_whitespace"));
    CHECK_FALSE(d1.contains("_run_ml_inference"));
    auto d2 = call(svc, "GET", "/p/_doc/2").at({"_source"}).as_object();
    CHECK_FALSE(d2.contains("body"));  // binary, no document: no text, and no failure
    CHECK_FALSE(d2.contains("_attachment"));
    CHECK_FALSE(d2.contains("_ingestion_errors"));

    // A document the attachment processor cannot read: no body, the pipeline's on_failure
    // message in _ingestion_errors, the rest of the document indexed.
    const auto locked = casio::core::base64_encode(
        casio::test::samples::make_pdf({{"secret words"}}, /*encrypt=*/true));
    r = call(svc, "PUT", "/_bulk?pipeline=search-default-ingestion",
             ndjson({R"({"index":{"_index":"p","_id":"3"}})",
                     R"({"title":"locked.pdf","_attachment":")" + locked +
                         R"(","_extract_binary_content":true,"_reduce_whitespace":true})"}),
             {{"Content-Type", "application/x-ndjson"}});
    REQUIRE_FALSE(r.at({"errors"}).as_bool());
    auto d3 = call(svc, "GET", "/p/_doc/3").at({"_source"}).as_object();
    CHECK(d3.at("title") == "locked.pdf");
    CHECK_FALSE(d3.contains("body"));
    CHECK_FALSE(d3.contains("_attachment"));
    CHECK(d3.at("_ingestion_errors") ==
          boost::json::array{"Processor 'attachment' in pipeline 'search-default-ingestion' failed "
                             "with message 'encrypted PDF (password required)'"});

    auto unknown = call(svc, "PUT", "/_bulk?pipeline=nope",
                        ndjson({R"({"index":{"_index":"p","_id":"3"}})", "{}"}),
                        {{"Content-Type", "application/x-ndjson"}});
    CHECK(unknown.at({"errors"}).as_bool());
    CHECK(call(svc, "PUT", "/_ingest/pipeline/nope", R"({"processors":[]})").status == 200);
    CHECK(call(svc, "GET", "/_ingest/pipeline/nope").at({"nope", "processors"}).is_array());
    CHECK(call(svc, "DELETE", "/_ingest/pipeline/nope").status == 200);
    CHECK(call(svc, "GET", "/_ingest/pipeline/nope").status == 404);
}

TEST_CASE("system aliases resolve for reads, writes and searches", "[mock_es][aliases]") {
    service svc;
    CHECK(call(svc, "HEAD", "/.elastic-connectors-v1").status == 404);
    CHECK(call(svc, "PUT", "/.elastic-connectors-v1").status == 200);
    CHECK(call(svc, "HEAD", "/.elastic-connectors").status == 200);
    CHECK(call(svc, "PUT", "/.elastic-connectors/_doc/a", R"({"status":"created"})").status == 201);
    CHECK(call(svc, "GET", "/.elastic-connectors-v1/_doc/a").str({"_index"}) ==
          ".elastic-connectors-v1");
    auto idx = call(svc, "GET", "/.elastic-connectors?ignore_unavailable=true");
    CHECK(
        idx.at({".elastic-connectors-v1", "aliases"}).as_object().contains(".elastic-connectors"));
    CHECK(call(svc, "GET", "/missing?ignore_unavailable=true").body == "{}");

    // Hidden indices are left out of wildcards unless asked for.
    call(svc, "PUT", "/search-x/_doc/1", R"({"a":1})");
    auto all = call(svc, "POST", "/*/_search", "{}");
    CHECK(all.at({"hits", "total", "value"}).as_int64() == 1);
    auto hidden = call(svc, "POST", "/*/_search?expand_wildcards=all", "{}");
    CHECK(hidden.at({"hits", "total", "value"}).as_int64() == 2);
    auto by_alias = call(svc, "POST", "/.elastic-connectors/_search?expand_wildcards=hidden",
                         R"({"query":{"term":{"status":"created"}},"seq_no_primary_term":true})");
    REQUIRE(by_alias.at({"hits", "hits"}).as_array().size() == 1);
    CHECK(by_alias.at({"hits", "hits", "0", "_seq_no"}).as_int64() == 0);
    CHECK(by_alias.at({"hits", "hits", "0", "_primary_term"}).as_int64() == 1);

    CHECK(call(svc, "DELETE", "/.elastic-connectors").status == 400);
    CHECK(call(svc, "DELETE", "/nope").status == 404);
    CHECK(call(svc, "DELETE", "/nope?ignore_unavailable=true").status == 200);
    CHECK(call(svc, "PUT", "/Bad").str({"error", "type"}) == "invalid_index_name_exception");
    CHECK(call(svc, "PUT", "/search-x").str({"error", "type"}) ==
          "resource_already_exists_exception");
}

TEST_CASE("search pages, sorts and filters _source", "[mock_es][search]") {
    service svc;
    for (int i = 0; i < 25; ++i) {
        call(svc, "PUT", "/s/_doc/d" + std::to_string(i),
             R"({"n":)" + std::to_string(i) + R"(,"id":"x)" + std::to_string(i) +
                 R"(","big":"zzz"})");
    }
    auto page = call(svc, "POST", "/s/_search", R"({"from":20,"size":10,"_source":["id"]})");
    CHECK(page.at({"hits", "total", "value"}).as_int64() == 25);
    CHECK(page.str({"hits", "total", "relation"}) == "eq");
    REQUIRE(page.at({"hits", "hits"}).as_array().size() == 5);
    CHECK(page.at({"hits", "hits", "0", "_source"}).as_object().size() == 1);
    auto excluded = call(svc, "POST", "/s/_search?_source_excludes=big,n&size=1", "{}");
    CHECK(excluded.at({"hits", "hits", "0", "_source"}).as_object().size() == 1);
    // A filtered _source prints numbers as Elasticsearch does (35.6762, not 3.56762E1).
    call(svc, "PUT", "/geo/_doc/g", R"({"lat":35.6762,"name":"Tokyo","pop":37400068})");
    auto geo = call(svc, "POST", "/geo/_search", R"({"_source":["lat","pop"]})");
    CHECK(geo.body.find(R"("_source":{"lat":35.6762,"pop":37400068})") != std::string::npos);
    auto opaque = call(svc, "GET", "/s/_search", {}, {{"X-Opaque-Id", "trace-1"}});
    CHECK(opaque.raw.header("X-Opaque-Id") == "trace-1");
    auto sorted = call(svc, "POST", "/s/_search",
                       R"({"sort":[{"n":"desc"}],"size":1,"query":{"range":{"n":{"lt":10}}}})");
    CHECK(sorted.at({"hits", "total", "value"}).as_int64() == 10);
    CHECK(sorted.at({"hits", "hits", "0", "_source", "n"}).as_int64() == 9);
    CHECK(sorted.at({"hits", "hits", "0", "sort", "0"}).as_int64() == 9);
    CHECK(sorted.at({"hits", "hits", "0", "_score"}).is_null());
    auto count = call(svc, "POST", "/s/_count", R"({"query":{"term":{"id":"x3"}}})");
    CHECK(count.at({"count"}).as_int64() == 1);
    auto too_far = call(svc, "POST", "/s/_search", R"({"from":9999,"size":2})");
    CHECK(too_far.status == 400);
    auto bad_key = call(svc, "POST", "/s/_search", R"({"qeury":{}})");
    CHECK(bad_key.str({"error", "type"}) == "parsing_exception");
}

TEST_CASE("scroll pages through a point-in-time view and ends with an empty page",
          "[mock_es][scroll]") {
    service svc;
    for (int i = 0; i < 5; ++i)
        call(svc, "PUT", "/s/_doc/" + std::to_string(i), R"({"id":"v","_timestamp":"t","x":1})");
    auto first = call(svc, "POST", "/s/_search?scroll=5m",
                      R"({"sort":"_doc","size":2,"_source":["id","_timestamp"]})");
    REQUIRE(first.status == 200);
    CHECK(first.at({"_shards", "total"}).as_int64() == 1);
    CHECK(first.at({"_shards", "skipped"}).as_int64() == 0);
    CHECK(first.at({"hits", "total", "value"}).as_int64() == 5);
    auto sid = first.str({"_scroll_id"});
    std::vector<std::string> ids;
    for (const auto& h : first.at({"hits", "hits"}).as_array()) {
        ids.emplace_back(h.as_object().at("_id").as_string());
        CHECK(h.as_object().at("_source").as_object().size() == 2);
    }
    call(svc, "PUT", "/s/_doc/late", R"({"id":"late"})");  // not in the scroll's view
    while (true) {
        auto next =
            call(svc, "POST", "/_search/scroll", R"({"scroll":"5m","scroll_id":")" + sid + "\"}");
        REQUIRE(next.status == 200);
        const auto& hits = next.at({"hits", "hits"}).as_array();
        if (hits.empty())
            break;
        for (const auto& h : hits)
            ids.emplace_back(h.as_object().at("_id").as_string());
    }
    CHECK(ids == std::vector<std::string>{"0", "1", "2", "3", "4"});
    CHECK(call(svc, "DELETE", "/_search/scroll", R"({"scroll_id":")" + sid + "\"}").status == 200);
    CHECK(call(svc, "DELETE", "/_search/scroll", R"({"scroll_id":")" + sid + "\"}").status == 404);
    auto gone =
        call(svc, "POST", "/_search/scroll", R"({"scroll":"5m","scroll_id":")" + sid + "\"}");
    CHECK(gone.status == 404);
    CHECK(svc.open_scrolls() == 0);
}

TEST_CASE("credentials are checked when configured", "[mock_es][auth]") {
    service_options o;
    o.api_keys = {"id1:secret1"};
    o.users = {"elastic:changeme"};
    service svc(o);
    auto none = call(svc, "GET", "/");
    CHECK(none.status == 401);
    CHECK(none.str({"error", "type"}) == "security_exception");
    CHECK(none.str({"error", "reason"}).find("missing authentication credentials") == 0);
    CHECK(none.raw.header("WWW-Authenticate"));
    CHECK(none.raw.header("X-Elastic-Product") == "Elasticsearch");
    auto wrong = call(svc, "GET", "/", {}, {{"Authorization", "ApiKey d3Jvbmc6a2V5"}});
    CHECK(wrong.status == 401);
    CHECK(wrong.str({"error", "root_cause", "0", "type"}) == "security_exception");
    // base64("id1:secret1") as sent by clients; the raw "id:key" form is accepted too.
    CHECK(call(svc, "GET", "/", {}, {{"Authorization", "ApiKey aWQxOnNlY3JldDE="}}).status == 200);
    CHECK(call(svc, "GET", "/", {}, {{"Authorization", "ApiKey id1:secret1"}}).status == 200);
    // base64("elastic:changeme")
    CHECK(call(svc, "GET", "/", {}, {{"Authorization", "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="}}).status ==
          200);
    CHECK(call(svc, "GET", "/", {}, {{"Authorization", "Basic ZWxhc3RpYzp3cm9uZw=="}}).status ==
          401);
}

TEST_CASE("every answer carries the product header and a JSON content type", "[mock_es][headers]") {
    service svc;
    for (auto [m, t] : std::vector<std::pair<std::string, std::string>>{{"GET", "/"},
                                                                        {"GET", "/nope/_doc/1"},
                                                                        {"HEAD", "/nope"},
                                                                        {"GET", "/_nothing_here"},
                                                                        {"POST", "/_search/scroll"},
                                                                        {"GET", "/_license"}}) {
        auto r = call(svc, m, t);
        CHECK(r.raw.header("X-Elastic-Product") == "Elasticsearch");
        CHECK(r.raw.header("Content-Type"));
    }
    auto vendor = call(svc, "GET", "/", {},
                       {{"Accept", "application/vnd.elasticsearch+json; compatible-with=8"}});
    CHECK(vendor.raw.header("Content-Type")->find("vnd.elasticsearch+json") !=
          std::string_view::npos);
    auto wrong_ct = call(svc, "PUT", "/x/_doc/1", "{}", {{"Content-Type", "text/plain"}});
    CHECK(wrong_ct.status == 406);
}

TEST_CASE("license type follows the configuration", "[mock_es][license]") {
    service_options o;
    o.license_type = "basic";
    service svc(o);
    auto r = call(svc, "GET", "/_license");
    CHECK(r.str({"license", "status"}) == "active");
    CHECK(r.str({"license", "type"}) == "basic");
}

TEST_CASE("a 503 window can be opened and closed through the admin endpoint", "[mock_es][faults]") {
    service svc;
    CHECK(call(svc, "POST", "/_mock/unavailable?for_ms=600000").status == 200);
    auto r = call(svc, "GET", "/");
    CHECK(r.status == 503);
    CHECK(r.raw.header("X-Elastic-Product") == "Elasticsearch");
    CHECK(call(svc, "POST", "/_mock/available").status == 200);
    CHECK(call(svc, "GET", "/").status == 200);
}

TEST_CASE("connector routes store documents in the system indices", "[mock_es][connectors]") {
    service svc;
    auto created = call(
        svc, "PUT", "/_connector/c1",
        R"({"service_type":"salesforce","name":"sf","index_name":"search-sf","is_native":false})");
    REQUIRE(created.status < 300);
    CHECK(call(svc, "PUT", "/_connector/c1/_check_in").str({"result"}) == "updated");
    auto raw = call(svc, "GET", "/.elastic-connectors/_doc/c1");
    REQUIRE(raw.status == 200);
    CHECK(raw.at({"_source", "last_seen"}).is_string());
    CHECK(raw.at({"_seq_no"}).as_int64() == 1);

    auto job = call(svc, "POST", "/_connector/_sync_job",
                    R"({"id":"c1","job_type":"full","trigger_method":"on_demand"})");
    REQUIRE(job.status == 200);
    auto job_id = job.str({"id"});
    auto claim = call(svc, "PUT", "/_connector/_sync_job/" + job_id + "/_claim",
                      R"({"worker_hostname":"h"})");
    CHECK(claim.status == 200);
    auto stored = call(svc, "GET", "/.elastic-connectors-sync-jobs/_doc/" + job_id);
    CHECK(stored.str({"_source", "status"}) == "in_progress");
    CHECK(stored.str({"_source", "connector", "id"}) == "c1");
    auto listed = call(svc, "GET", "/_connector/_sync_job?connector_id=c1");
    CHECK(listed.at({"count"}).as_int64() == 1);

    auto del = call(svc, "DELETE", "/_connector/c1");
    CHECK(del.status == 200);
    CHECK(call(svc, "GET", "/_connector/c1").status == 404);
    CHECK(call(svc, "GET", "/.elastic-connectors/_doc/c1").at({"_source", "deleted"}).as_bool());
    CHECK(call(svc, "PUT", "/_connector/nope/_check_in").status == 404);
    CHECK(call(svc, "PUT", "/_connector/_sync_job/nope/_claim", R"({"worker_hostname":"h"})")
              .status == 404);
}

TEST_CASE("connector secrets are created, read, replaced and deleted", "[mock_es][secrets]") {
    service svc;
    auto missing_index = call(svc, "GET", "/_connector/_secret/nope");
    CHECK(missing_index.status == 404);
    CHECK(missing_index.str({"error", "type"}) == "index_not_found_exception");

    auto posted = call(svc, "POST", "/_connector/_secret", R"({"value":"s3cr3t"})");
    REQUIRE(posted.status == 200);
    const std::string id = posted.str({"id"});
    CHECK(id.size() == 20);
    auto got = call(svc, "GET", "/_connector/_secret/" + id);
    REQUIRE(got.status == 200);
    CHECK(got.json == boost::json::parse(R"({"id":")" + id + R"(","value":"s3cr3t"})"));
    // Kept in the hidden system index, as ES keeps them.
    auto raw = call(svc, "GET", "/.connector-secrets/_doc/" + id);
    CHECK(raw.str({"_index"}) == ".connector-secrets-1");
    CHECK(raw.str({"_source", "value"}) == "s3cr3t");
    CHECK(call(svc, "GET", "/_search?q=s3cr3t").at({"hits", "total", "value"}).as_int64() == 0);

    auto put = call(svc, "PUT", "/_connector/_secret/my-id", R"({"value":"one"})");
    CHECK(put.status == 201);
    CHECK(put.json == boost::json::parse(R"({"result":"created"})"));
    auto again = call(svc, "PUT", "/_connector/_secret/my-id", R"({"value":"two"})");
    CHECK(again.status == 200);
    CHECK(again.str({"result"}) == "updated");
    CHECK(call(svc, "GET", "/_connector/_secret/my-id").str({"value"}) == "two");

    auto none = call(svc, "GET", "/_connector/_secret/nope");
    CHECK(none.status == 404);
    CHECK(none.str({"error", "type"}) == "resource_not_found_exception");
    CHECK(none.str({"error", "reason"}) == "No secret with id [nope]");

    auto deleted = call(svc, "DELETE", "/_connector/_secret/my-id");
    CHECK(deleted.status == 200);
    CHECK(deleted.json == boost::json::parse(R"({"deleted":true})"));
    CHECK(call(svc, "GET", "/_connector/_secret/my-id").status == 404);
    auto twice = call(svc, "DELETE", "/_connector/_secret/my-id");
    CHECK(twice.status == 404);
    CHECK(twice.str({"error", "reason"}) == "No secret with id [my-id]");
}

TEST_CASE("connector secret requests are validated as ES validates them", "[mock_es][secrets]") {
    service svc;
    auto reason = [&](std::string method, std::string target, std::string body) {
        auto r = call(svc, std::move(method), std::move(target), std::move(body));
        CHECK(r.status == 400);
        return r.str({"error", "type"}) + ": " + r.str({"error", "reason"});
    };
    CHECK(reason("POST", "/_connector/_secret", "{}") ==
          "action_request_validation_exception: Validation Failed: 1: [value] of the connector "
          "secret cannot be [null] or [\"\"];");
    CHECK(reason("POST", "/_connector/_secret", R"({"value":""})") ==
          "action_request_validation_exception: Validation Failed: 1: [value] of the connector "
          "secret cannot be [null] or [\"\"];");
    CHECK(reason("POST", "/_connector/_secret", "") == "parse_exception: request body is required");
    CHECK(reason("POST", "/_connector/_secret", R"({"value":null})") ==
          "x_content_parse_exception: [post_secret_request] value doesn't support values of "
          "type: VALUE_NULL");
    CHECK(reason("POST", "/_connector/_secret", R"({"value":"a","other":1})") ==
          "x_content_parse_exception: [post_secret_request] unknown field [other]");
    CHECK(reason("PUT", "/_connector/_secret/x", "{}") ==
          "illegal_argument_exception: Required [value]");
    CHECK(reason("PUT", "/_connector/_secret/x", R"({"value":""})") ==
          "action_request_validation_exception: Validation Failed: 1: [value] cannot be [null] "
          "or [\"\"];");
    CHECK(reason("PUT", "/_connector/_secret/x", R"({"value":5})") ==
          "x_content_parse_exception: [connector_secret_put_request] value doesn't support "
          "values of type: VALUE_NUMBER");
    CHECK(call(svc, "GET", "/_connector/_secret").status == 405);
    CHECK(call(svc, "PUT", "/_connector/_secret/x?refresh=true", R"({"value":"v"})").status == 400);
    CHECK(call(svc, "GET", "/.connector-secrets-1").status == 404);  // nothing was written
}

TEST_CASE("connector secrets survive a restart through the write-ahead log",
          "[mock_es][secrets][persistence]") {
    casio::mock_es::test::temp_dir dir;
    auto warn = [](std::string_view) {};
    std::string id;
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        id = call(svc, "POST", "/_connector/_secret", R"({"value":"kept"})").str({"id"});
        call(svc, "PUT", "/_connector/_secret/named", R"({"value":"also"})");
        call(svc, "PUT", "/_connector/_secret/gone", R"({"value":"x"})");
        call(svc, "DELETE", "/_connector/_secret/gone");
    }
    service svc;
    svc.open_data_dir(dir.path.string(), warn);
    CHECK(call(svc, "GET", "/_connector/_secret/" + id).str({"value"}) == "kept");
    CHECK(call(svc, "GET", "/_connector/_secret/named").str({"value"}) == "also");
    CHECK(call(svc, "GET", "/_connector/_secret/gone").status == 404);
}

TEST_CASE("unknown query parameters are refused as ES's REST layer refuses them",
          "[mock_es][params]") {
    service svc;
    REQUIRE(call(svc, "PUT", "/idx/_doc/1", R"({"a":1})").status == 201);
    auto one = call(svc, "GET", "/?prety");
    CHECK(one.status == 400);
    CHECK(one.str({"error", "type"}) == "illegal_argument_exception");
    CHECK(one.str({"error", "reason"}) ==
          "request [/] contains unrecognized parameter: [prety] -> did you mean [pretty]?");
    CHECK(one.str({"error", "root_cause", "0", "type"}) == "illegal_argument_exception");
    CHECK(call(svc, "GET", "/idx/_search?zzz=1&size=1&aaa=2").str({"error", "reason"}) ==
          "request [/idx/_search] contains unrecognized parameters: [aaa], [zzz]");
    CHECK(call(svc, "GET", "/idx/_search?sizes=1").str({"error", "reason"}) ==
          "request [/idx/_search] contains unrecognized parameter: [sizes] -> did you mean "
          "[size]?");
    CHECK(call(svc, "GET", "/idx/_doc/1?refres=true").str({"error", "reason"}) ==
          "request [/idx/_doc/1] contains unrecognized parameter: [refres] -> did you mean "
          "[refresh]?");
    CHECK(call(svc, "GET", "/idx/_count?expand_wildcard=all").str({"error", "reason"}) ==
          "request [/idx/_count] contains unrecognized parameter: [expand_wildcard] -> did you "
          "mean [expand_wildcards]?");
    // The query-string options count only with a q.
    CHECK(call(svc, "GET", "/idx/_search?df=a").str({"error", "reason"}) ==
          "request [/idx/_search] contains unrecognized parameter: [df]");
    CHECK(call(svc, "GET", "/idx/_search?df=a&q=1").status == 200);
    CHECK(call(svc, "POST", "/_bulk?pipelin=x", "{}\n").status == 400);
    CHECK(call(svc, "DELETE", "/idx/_doc/1?nope=1").status == 400);
    CHECK(call(svc, "GET", "/idx/_doc/1").status == 200);  // the refused delete did nothing
    CHECK(call(svc, "HEAD", "/idx?x=1").status == 400);
    CHECK(call(svc, "GET", "/_cluster/health?wait_for_statuss=green").status == 400);
    // A wrong method is answered before the parameters are looked at.
    CHECK(call(svc, "PATCH", "/?nope").status == 405);

    // Everything the spec lists (and the global ones) is accepted.
    for (const char* ok :
         {"/?pretty&human=true&error_trace=true&filter_path=name&format=json",
          "/idx/_search?q=a:1&df=a&default_operator=AND&analyzer=standard&analyze_wildcard=true"
          "&lenient=true&from=0&size=5&sort=a:asc&_source=true&track_total_hits=true"
          "&rest_total_hits_as_int=false&seq_no_primary_term=true&version=true&timeout=1s"
          "&preference=_local&routing=r&search_type=query_then_fetch&request_cache=false"
          "&allow_partial_search_results=true&ignore_unavailable=true&allow_no_indices=true"
          "&expand_wildcards=open&typed_keys=true&batched_reduce_size=5",
          "/idx/_count?q=a:1&min_score=1&terminate_after=10&preference=x",
          "/idx/_doc/1?realtime=true&refresh=false&routing=r&_source_includes=a&stored_fields=a",
          "/idx?ignore_unavailable=true&flat_settings=true&include_defaults=false&master_timeout="
          "1m",
          "/_license?local=true&accept_enterprise=true",
          "/_cluster/health?wait_for_status=yellow&timeout=30s&level=cluster&local=true",
          "/_refresh?ignore_unavailable=true&expand_wildcards=all"}) {
        INFO(ok);
        CHECK(call(svc, "GET", ok).status == 200);
    }
    CHECK(call(svc, "PUT",
               "/idx/_doc/2?refresh=wait_for&if_seq_no=0&if_primary_term=1&timeout=1m"
               "&pipeline=_none&require_alias=false&wait_for_active_shards=1",
               R"({"a":2})")
              .status == 409);  // the parameters pass; the OCC check fails as it should
    CHECK(call(svc, "POST", "/idx/_update/1?retry_on_conflict=3&refresh=true&_source=true",
               R"({"doc":{"b":1}})")
              .status == 200);
    CHECK(call(svc, "POST",
               "/_bulk?refresh=true&pipeline=_none&require_alias=false&timeout=1m&routing=r",
               ndjson({R"({"index":{"_index":"idx","_id":"3"}})", R"({"a":3})"}),
               {{"Content-Type", "application/x-ndjson"}})
              .status == 200);
    CHECK(call(svc, "PUT", "/idx2?wait_for_active_shards=1&timeout=1m&master_timeout=1m").status ==
          200);
    CHECK(call(svc, "DELETE", "/idx2?ignore_unavailable=true&timeout=1m").status == 200);
    CHECK(call(svc, "POST", "/_mock/unavailable?for_ms=1").status == 200);  // the mock's own
}

TEST_CASE("q searches and counts with a query string", "[mock_es][search][query_string]") {
    service svc;
    call(svc, "PUT", "/docs/_doc/1", R"({"title":"Salesforce Case","n":1})");
    call(svc, "PUT", "/docs/_doc/2", R"({"title":"Salesforce Account","n":2})");
    call(svc, "PUT", "/docs/_doc/3", R"({"title":"Other","n":3})");
    auto ids = [&](const std::string& target) {
        auto r = call(svc, "GET", target);
        REQUIRE(r.status == 200);
        std::vector<std::string> out;
        for (const auto& h : r.at({"hits", "hits"}).as_array())
            out.emplace_back(h.at("_id").as_string());
        std::sort(out.begin(), out.end());
        return out;
    };
    using v = std::vector<std::string>;
    CHECK(ids("/docs/_search?q=salesforce") == v{"1", "2"});
    CHECK(ids("/docs/_search?q=title:case%20OR%20n:3") == v{"1", "3"});
    CHECK(ids("/docs/_search?q=salesforce%20-account") == v{"1"});
    CHECK(ids("/docs/_search?q=salesforce+case&default_operator=AND") == v{"1"});
    CHECK(ids("/docs/_search?q=case&df=title") == v{"1"});
    CHECK(ids("/docs/_search?q=n:%5B2%20TO%20*%5D") == v{"2", "3"});
    CHECK(ids("/docs/_search?q=%22salesforce%20account%22") == v{"2"});
    // q replaces the body's query, as RestSearchAction does.
    auto both = call(svc, "POST", "/docs/_search?q=other", R"({"query":{"term":{"n":1}}})");
    CHECK(both.at({"hits", "total", "value"}).as_int64() == 1);
    CHECK(both.str({"hits", "hits", "0", "_id"}) == "3");

    CHECK(call(svc, "GET", "/docs/_count?q=salesforce").at({"count"}).as_int64() == 2);
    CHECK(call(svc, "GET", "/_count?q=title:other").at({"count"}).as_int64() == 1);
    // With a body, _count leaves q unread and refuses it.
    auto count_body = call(svc, "POST", "/docs/_count?q=x", R"({"query":{"match_all":{}}})");
    CHECK(count_body.status == 400);
    CHECK(count_body.str({"error", "reason"}) ==
          "request [/docs/_count] contains unrecognized parameter: [q]");
}

TEST_CASE("a malformed q fails every shard as ES does", "[mock_es][search][query_string]") {
    service svc;
    call(svc, "PUT", "/docs/_doc/1", R"({"title":"x"})");
    for (const char* target : {"/docs/_search?q=title:(x", "/docs/_count?q=title:(x"}) {
        INFO(target);
        auto r = call(svc, "GET", target);
        CHECK(r.status == 400);
        CHECK(r.str({"error", "type"}) == "search_phase_execution_exception");
        CHECK(r.str({"error", "reason"}) == "all shards failed");
        CHECK(r.str({"error", "phase"}) == "query");
        CHECK(r.str({"error", "root_cause", "0", "type"}) == "query_shard_exception");
        CHECK(r.str({"error", "root_cause", "0", "reason"}) == "Failed to parse query [title:(x]");
        CHECK(r.str({"error", "root_cause", "0", "index"}) == "docs");
        CHECK(r.str({"error", "failed_shards", "0", "reason", "caused_by", "type"}) ==
              "parse_exception");
        CHECK(r.at({"status"}).as_int64() == 400);
    }
    auto body_qs =
        call(svc, "POST", "/docs/_search", R"({"query":{"query_string":{"query":"a AND"}}})");
    CHECK(body_qs.str({"error", "root_cause", "0", "reason"}) == "Failed to parse query [a AND]");
    // No shard searched, nothing parsed: an empty answer.
    auto nothing = call(svc, "GET", "/none*/_search?q=title:(x");
    CHECK(nothing.status == 200);
    CHECK(nothing.at({"hits", "total", "value"}).as_int64() == 0);
}

TEST_CASE("cluster state, nodes info and x-pack calls answer in ES's shape", "[mock_es][cluster]") {
    service_options o;
    o.version = "9.1.0";
    o.cluster_name = "c1";
    service svc(o);
    call(svc, "PUT", "/idx/_doc/1", R"({"a":1})");
    const std::string uuid = call(svc, "GET", "/").str({"cluster_uuid"});

    auto state = call(svc, "GET", "/_cluster/state");
    REQUIRE(state.status == 200);
    CHECK(state.str({"cluster_name"}) == "c1");
    CHECK(state.str({"cluster_uuid"}) == uuid);
    const std::string master = state.str({"master_node"});
    CHECK(state.str({"nodes", master, "version"}) == "9.1.0");
    CHECK(state.at({"metadata", "indices", "idx"}).is_object());
    auto metadata = call(svc, "GET", "/_cluster/state/metadata?filter_path=metadata");
    CHECK(metadata.json.as_object().size() == 3);  // cluster_name, cluster_uuid, metadata
    CHECK(metadata.at({"metadata", "cluster_uuid"}).as_string() == uuid);
    auto unknown_metric = call(svc, "GET", "/_cluster/state/nope");  // ignored, as ES does
    CHECK(unknown_metric.json ==
          boost::json::parse(R"({"cluster_name":"c1","cluster_uuid":")" + uuid + R"("})"));

    for (const char* target : {"/_nodes", "/_nodes/_local", "/_nodes/http", "/_nodes/_all/http"}) {
        INFO(target);
        auto nodes = call(svc, "GET", target);
        REQUIRE(nodes.status == 200);
        CHECK(nodes.at({"_nodes", "total"}).as_int64() == 1);
        CHECK(nodes.str({"cluster_name"}) == "c1");
        CHECK(nodes.str({"nodes", master, "version"}) == "9.1.0");
        CHECK(nodes.at({"nodes", master, "http", "publish_address"}).is_string());
    }
    CHECK(call(svc, "GET", "/_nodes/other-node").at({"_nodes", "total"}).as_int64() == 0);

    auto health = call(svc, "GET", "/_cluster/health");
    CHECK(health.str({"status"}) == "green");
    CHECK(health.at({"active_primary_shards"}).as_int64() == 1);

    auto xpack = call(svc, "GET", "/_xpack");
    REQUIRE(xpack.status == 200);
    CHECK(xpack.str({"license", "type"}) == "platinum");
    CHECK(xpack.str({"license", "status"}) == "active");
    CHECK(xpack.at({"features", "security", "enabled"}).as_bool());
    auto usage = call(svc, "GET", "/_xpack/usage");
    REQUIRE(usage.status == 200);
    CHECK(usage.at({"security", "available"}).as_bool());
    CHECK(call(svc, "POST", "/_cluster/state").status == 400);
}

namespace {

// Runs one request through the handler the server uses (the request log is written there).
casio::http::server_response through_handler(service& svc, std::string method, std::string target,
                                             std::string body = {}) {
    namespace asio = boost::asio;
    auto handler = svc.async_handler();
    asio::io_context ioc;
    casio::http::server_response out;
    auto req =
        casio::http::server_request::make(std::move(method), std::move(target), std::move(body),
                                          {{"Content-Type", "application/json"}});
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { out = co_await handler(req); }, asio::detached);
    ioc.run();
    return out;
}

}  // namespace

TEST_CASE("the request log of errors names each refused call with its reason, and no body",
          "[mock_es][request_log]") {
    service svc;
    std::vector<std::string> lines;
    svc.set_request_log(request_log::errors,
                        [&](const std::string& line) { lines.push_back(line); });
    through_handler(svc, "PUT", "/search-a/_doc/1", R"({"secret":"s3cret-value"})");
    through_handler(svc, "GET", "/search-a/_search?sise=10");
    through_handler(svc, "PUT", "/_connector/c1", R"({"servce_type":"x","password":"hunter2"})");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].starts_with("400 GET /search-a/_search?sise=10 "));
    CHECK(lines[0].find(": illegal_argument_exception: request [/search-a/_search] contains "
                        "unrecognized parameter: [sise] -> did you mean [size]?") !=
          std::string::npos);
    CHECK(lines[1].starts_with("400 PUT /_connector/c1 "));
    CHECK(lines[1].find("x_content_parse_exception") != std::string::npos);
    for (const auto& l : lines) {
        CHECK(l.find("hunter2") == std::string::npos);
        CHECK(l.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("the request log of every call gives each answer its status and time",
          "[mock_es][request_log]") {
    service svc;
    std::vector<std::string> lines;
    svc.set_request_log(request_log::all, [&](const std::string& line) { lines.push_back(line); });
    through_handler(svc, "PUT", "/search-a/_doc/1", R"({"a":1})");
    through_handler(svc, "GET", "/search-a/_doc/2");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].starts_with("201 PUT /search-a/_doc/1 "));
    CHECK(lines[0].ends_with(" ms"));
    CHECK(lines[1].starts_with("404 GET /search-a/_doc/2 "));
}
