// The sink driven through libs/es against an in-memory Elasticsearch (protocol.md §4).
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/sync/sink.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
namespace asio = boost::asio;
namespace json = boost::json;
using test::run;

namespace {

const std::string index_name = "search-sf";
const test::request_match bulks{http::method::put, "/_bulk"};

es::bulk_config small_config() {
    es::bulk_config c;
    c.chunk_size = 500;
    c.max_concurrency = 2;
    return c;
}

sync::document doc(std::string id, std::optional<std::string> ts = std::nullopt,
                   std::string extra = "\"title\":\"t\"") {
    return sync::make_document(id, "{" + extra + "}", std::move(ts));
}

// A sink over es::client over mock_es in process; the index's documents are read back from
// mock_es's store, what the sink sent from the transport's recorder.
struct harness {
    test::mock_es_transport es;
    test::manual_sleeper sleeper;
    es::client client{es, test::es_test_options(), &sleeper};
    es::bulk_config cfg = small_config();
    sync::sink_options opts;
    std::set<std::string> reject_ids;  // bulk items for these ids fail with a mapper error

    harness() {
        opts.index = index_name;
        opts.pipeline.name = "my-pipeline";
        es.store().put_pipeline("my-pipeline", json::object{{"processors", json::array()}});
        es.es().set_bulk_item_fault(
            [this](std::string_view, std::string_view id) -> std::optional<mock_es::es_error> {
                if (!reject_ids.contains(std::string(id))) {
                    return std::nullopt;
                }
                return mock_es::es_error(400, "mapper_parsing_exception", "failed to parse");
            });
    }

    // An index with one document ("old") on an Elasticsearch that holds every bulk until it is
    // cancelled; one document per bulk, one bulk at a time, behind a queue of one document:
    // the sink's producer soon waits, as when Elasticsearch stops answering.
    void stall_on_old_index() {
        seed("old", std::nullopt);
        es.script(bulks, test::hold{}, 1, true);
        cfg.queue_max_size = 1;
        cfg.max_concurrency = 1;
        cfg.chunk_size = 2;
    }

    // An existing document of the index (which it creates), as an earlier sync left it.
    void seed(const std::string& id, std::optional<std::string> timestamp,
              json::object extra = {}) {
        json::object src = std::move(extra);
        src["id"] = id;
        if (timestamp) {
            src["_timestamp"] = *timestamp;
        }
        es.put_doc(index_name, id, src);
    }

    std::map<std::string, json::object> docs() const {
        std::map<std::string, json::object> out;
        if (const auto* idx = es.store().find(index_name)) {
            for (const auto& [id, d] : idx->docs) {
                out[id] = d->object();
            }
        }
        return out;
    }
    std::set<std::string> ids() const {
        std::set<std::string> out;
        for (auto& [id, src] : docs()) {
            out.insert(id);
        }
        return out;
    }
    // Requests whose "METHOD /target" starts with `prefix`.
    std::size_t count_calls(std::string_view prefix) const {
        std::size_t n = 0;
        for (const auto& r : es.requests()) {
            auto query = test::query_of(r);
            auto call =
                test::method_of(r) + " " + test::path_of(r) + (query.empty() ? "" : "?" + query);
            n += call.starts_with(prefix) ? 1 : 0;
        }
        return n;
    }
    // The NDJSON line count of each _bulk request, in order.
    std::vector<std::size_t> bulk_lines() const {
        std::vector<std::size_t> out;
        for (const auto* r : es.sent(http::method::put, "/_bulk")) {
            out.push_back(
                static_cast<std::size_t>(std::count(r->body.begin(), r->body.end(), '\n')));
        }
        return out;
    }
};

// Runs a full listing of `docs` through a new sink; returns the result.
sync::sync_result sync_all(harness& h, std::vector<sync::document> docs, bool complete = true) {
    sync::sink s(h.client, h.cfg, h.opts);
    return run([&]() -> asio::awaitable<sync::sync_result> {
        co_await s.start();
        for (auto& d : docs) {
            co_await s.put(std::move(d));
        }
        co_return co_await s.finish(complete);
    }());
}

}  // namespace

TEST_CASE("sink: full sync into a missing index creates it and indexes every doc", "[sync][sink]") {
    harness h;
    std::vector<sync::document> docs;
    for (int i = 0; i < 10; ++i) {
        docs.push_back(
            doc("d" + std::to_string(i),
                i % 2 ? std::optional<std::string>("2024-01-01T00:00:00Z") : std::nullopt));
    }
    auto r = sync_all(h, std::move(docs));
    CHECK(h.count_calls("PUT /search-sf") == 1);  // protocol.md §4.8 PUT with no body
    CHECK(h.count_calls("PUT /_bulk?pipeline=my-pipeline") >= 1);
    CHECK(h.ids().size() == 10);
    CHECK(r.totals.indexed == 10);
    CHECK(r.totals.creates_queued == 10);
    CHECK(r.totals.deleted == 0);
    CHECK(r.stale_deleted);
    // Creates without a _timestamp get "now"; given ones are kept.
    CHECK(h.docs().at("d0").contains("_timestamp"));
    CHECK(h.docs().at("d1").at("_timestamp") == "2024-01-01T00:00:00Z");
    CHECK(h.es.bulk_source("d3").at("_extract_binary_content") == true);
    CHECK(h.docs().at("d3").at("id") == "d3");
    CHECK(r.totals.indexed_bytes > 0);
}

TEST_CASE("sink: after a complete listing exactly the unseen ids are deleted", "[sync][sink]") {
    harness h;
    h.seed("a", "2024-01-01T00:00:00Z");
    h.seed("b", "2024-01-01T00:00:00Z");
    h.seed("c", std::nullopt);
    std::vector<sync::document> docs;
    docs.push_back(doc("b"));
    docs.push_back(doc("new"));
    auto r = sync_all(h, std::move(docs));
    CHECK(h.count_calls("PUT /search-sf") == 0);  // exists: not created again
    CHECK(h.ids() == std::set<std::string>{"b", "new"});
    CHECK(r.totals.existing_ids == 3);
    CHECK(r.totals.updates_queued == 1);
    CHECK(r.totals.creates_queued == 1);
    CHECK(r.totals.deletes_queued == 2);
    CHECK(r.totals.deleted == 2);
    CHECK(r.totals.indexed == 2);
    CHECK(r.totals.duplicate_ids == 1);  // "b" answered `updated`
    // Full sync rewrites "b" whole: its old _timestamp is gone (protocol.md §4.7 consequences).
    CHECK_FALSE(h.docs().at("b").contains("_timestamp"));
    auto stats = r.totals.job_stats();
    CHECK(stats.indexed_document_count == 2);
    CHECK(stats.deleted_document_count == 2);
    CHECK(stats.indexed_document_volume == 0);  // < 0.5 MiB rounds to 0
}

TEST_CASE("sink: an incomplete listing indexes what came and deletes nothing", "[sync][sink]") {
    harness h;
    h.seed("old", std::nullopt);
    std::vector<sync::document> docs;
    docs.push_back(doc("x"));
    auto r = sync_all(h, std::move(docs), false);
    CHECK(h.ids() == std::set<std::string>{"old", "x"});
    CHECK_FALSE(r.stale_deleted);
    CHECK(r.totals.deleted == 0);
}

TEST_CASE("sink: run_sync deletes nothing when the source fails", "[sync][sink]") {
    harness h;
    h.seed("old", std::nullopt);
    sync::sink s(h.client, h.cfg, h.opts);
    int n = 0;
    auto next = [&]() -> asio::awaitable<std::optional<sync::document>> {
        if (++n > 3) {
            throw core::error(core::error_kind::transient, "source page 2 failed");
        }
        co_return doc("s" + std::to_string(n));
    };
    CHECK_THROWS_WITH(run(sync::run_sync(s, next)), "source page 2 failed");
    CHECK(h.ids() == std::set<std::string>{"old", "s1", "s2", "s3"});
    CHECK(h.count_calls("DELETE") == 1);  // only the scroll clear
}

TEST_CASE("sink: cancel drops queued docs, cancels in-flight bulks, deletes nothing",
          "[sync][sink]") {
    harness h;
    h.stall_on_old_index();
    sync::sink s(h.client, h.cfg, h.opts);
    bool canceled = false;
    run([&]() -> asio::awaitable<void> {
        co_await s.start();
        co_await s.put(doc("a"));
        co_await s.put(doc("b"));  // waits until the consumer took "a" into a bulk
        co_await s.put(doc("c"));
        CHECK(h.es.held() == 1);
        s.cancel();
        try {
            co_await s.put(doc("d"));
        } catch (const sync::sync_canceled&) {
            canceled = true;
        }
        try {
            co_await s.finish(true);
            FAIL("finish after cancel must throw");
        } catch (const sync::sync_canceled&) {
        }
    }());
    CHECK(canceled);
    CHECK(h.ids() == std::set<std::string>{"old"});  // held bulk never applied, nothing deleted
    CHECK(h.es.in_flight("/_bulk") == 0);
    CHECK(s.stats().snapshot().deletes_queued == 0);
}

TEST_CASE("sink: per-item errors are counted and do not stop the sync under the limits",
          "[sync][sink]") {
    harness h;
    h.seed("stale", std::nullopt);
    h.reject_ids = {"bad"};
    std::vector<sync::document> docs;
    docs.push_back(doc("good1"));
    docs.push_back(doc("bad"));
    docs.push_back(doc("good2"));
    auto r = sync_all(h, std::move(docs));
    CHECK(r.totals.item_errors == 1);
    CHECK(r.totals.indexed == 2);
    CHECK(h.ids() == std::set<std::string>{"good1", "good2"});
}

TEST_CASE("sink: the error monitor aborts the sync and nothing is deleted", "[sync][sink]") {
    harness h;
    h.seed("stale", std::nullopt);
    h.cfg.error_monitor.max_consecutive_errors = 2;
    h.cfg.chunk_size = 2;  // one doc per bulk, so later puts see the failure
    std::vector<sync::document> docs;
    for (int i = 0; i < 6; ++i) {
        h.reject_ids.insert("bad" + std::to_string(i));
        docs.push_back(doc("bad" + std::to_string(i)));
    }
    try {
        sync_all(h, std::move(docs));
        FAIL("the monitor did not trip");
    } catch (const core::error& e) {
        std::string what = e.what();
        CHECK(what.find("too many errors") != std::string::npos);
        CHECK(what.find("mapper_parsing_exception") != std::string::npos);
        CHECK(what.find("bad2") != std::string::npos);
    }
    CHECK(h.ids() == std::set<std::string>{"stale"});
    CHECK(h.count_calls("DELETE /search-sf") == 0);
}

TEST_CASE("sink: a failed _bulk request fails the sync without deletes", "[sync][sink]") {
    harness h;
    h.seed("stale", std::nullopt);
    h.es.script(
        bulks,
        test::es_response(400, R"({"error":{"type":"x_content_parse_exception","reason":"bad"}})"));
    std::vector<sync::document> docs;
    docs.push_back(doc("a"));
    CHECK_THROWS_WITH(sync_all(h, std::move(docs)), Catch::Contains("PUT /_bulk"));
    CHECK(h.ids() == std::set<std::string>{"stale"});
}

TEST_CASE("sink: too-large text docs are dropped, attachments exempt, neither deleted",
          "[sync][sink]") {
    harness h;
    h.cfg.max_text_document_size = 200;
    h.seed("big", std::nullopt);
    std::string filler = "\"body\":\"" + std::string(300, 'x') + "\"";
    std::vector<sync::document> docs;
    docs.push_back(doc("big", std::nullopt, filler));
    auto att = doc("file", std::nullopt, filler);
    att.has_attachment = true;
    docs.push_back(std::move(att));
    docs.push_back(doc("small"));
    auto r = sync_all(h, std::move(docs));
    CHECK(r.totals.docs_dropped_too_large == 1);
    CHECK(h.ids() == std::set<std::string>{"big", "file", "small"});
    CHECK_FALSE(h.docs().at("big").contains("body"));  // the seeded version stays
    CHECK(r.totals.deleted == 0);
}

TEST_CASE("sink: a document's lease ends once its bytes are in a bulk, or when it is dropped",
          "[sync][sink]") {
    harness h;
    h.cfg.max_text_document_size = 200;
    std::vector<std::string> released;
    auto leased = [&](sync::document d) {
        d.lease = std::shared_ptr<void>(nullptr,
                                        [&released, id = d.id](void*) { released.push_back(id); });
        return d;
    };
    sync::sink s(h.client, h.cfg, h.opts);
    std::size_t released_after_put = 0;
    run([&]() -> asio::awaitable<void> {
        co_await s.start();
        co_await s.put(leased(doc("kept")));
        co_await s.put(
            leased(doc("dropped", std::nullopt, "\"body\":\"" + std::string(300, 'x') + "\"")));
        released_after_put = released.size();  // queued: the source still holds its share
        co_await s.finish(true);
    }());
    CHECK(released_after_put == 0);
    CHECK(released == std::vector<std::string>{"kept", "dropped"});
    CHECK(h.ids() == std::set<std::string>{"kept"});
}

TEST_CASE("sink: bulks in flight are bounded in bytes, one large document alone", "[sync][sink]") {
    harness h;
    h.cfg.chunk_max_mem_size = 1000;
    h.cfg.max_concurrency = 4;
    h.cfg.max_text_document_size = 0;
    std::vector<sync::document> docs;
    // Each of these is a bulk alone, over the byte bound of all bulks in flight (4 x 1000).
    for (int i = 0; i < 4; ++i) {
        auto d = doc("file" + std::to_string(i), std::nullopt,
                     "\"_attachment\":\"" + std::string(5000, 'A') + "\"");
        d.has_attachment = true;
        docs.push_back(std::move(d));
    }
    sync_all(h, std::move(docs));
    CHECK(h.ids().size() == 4);
    CHECK(h.es.max_in_flight("/_bulk") == 1);
}

TEST_CASE("sink: bulks respect chunk_size lines and max_concurrency", "[sync][sink]") {
    harness h;
    h.cfg.chunk_size = 6;  // 3 index ops
    h.cfg.max_concurrency = 2;
    h.seed("s1", std::nullopt);
    h.seed("s2", std::nullopt);
    std::vector<sync::document> docs;
    for (int i = 0; i < 20; ++i) {
        docs.push_back(doc("d" + std::to_string(i)));
    }
    auto r = sync_all(h, std::move(docs));
    CHECK(h.ids().size() == 20);
    for (auto lines : h.bulk_lines()) {
        CHECK(lines <= 6);
    }
    // 20 docs = 40 lines: six bulks of 6 lines, then 4 lines + the 2 deletes.
    CHECK(h.bulk_lines().size() == 7);
    CHECK(h.es.max_in_flight("/_bulk") == 2);
    CHECK(r.totals.bulk_requests == 7);
}

TEST_CASE("sink: chunk_max_mem_size cuts bulks by bytes", "[sync][sink]") {
    harness h;
    h.cfg.chunk_max_mem_size = 1000;
    std::string filler = "\"body\":\"" + std::string(300, 'y') + "\"";
    std::vector<sync::document> docs;
    for (int i = 0; i < 9; ++i) {
        docs.push_back(doc("d" + std::to_string(i), std::nullopt, filler));
    }
    sync_all(h, std::move(docs));
    // ~480 bytes per op: two per bulk, the third would cross 1000.
    CHECK(h.bulk_lines() == std::vector<std::size_t>{4, 4, 4, 4, 2});
}

TEST_CASE("sink: skip_unchanged skips equal _timestamps and still deletes stale ids",
          "[sync][sink]") {
    harness h;
    h.opts.mode = sync::sync_mode::skip_unchanged;
    h.seed("same", "2024-01-01T00:00:00Z");
    h.seed("changed", "2024-01-01T00:00:00Z");
    h.seed("no-ts", std::nullopt);
    h.seed("gone", "2024-01-01T00:00:00Z");
    std::vector<sync::document> docs;
    docs.push_back(doc("same", "2024-01-01T00:00:00Z"));
    docs.push_back(doc("changed", "2024-02-02T00:00:00Z"));
    docs.push_back(doc("no-ts"));  // no timestamp: always written
    auto r = sync_all(h, std::move(docs));
    CHECK(r.totals.docs_skipped == 1);
    CHECK(r.totals.indexed == 2);
    CHECK(h.ids() == std::set<std::string>{"same", "changed", "no-ts"});
    CHECK(h.docs().at("changed").at("_timestamp") == "2024-02-02T00:00:00Z");
    CHECK_FALSE(h.docs().at("same").contains("title"));  // untouched
}

TEST_CASE("sink: access_control updates changed docs with doc_as_upsert", "[sync][sink]") {
    harness h;
    h.opts.mode = sync::sync_mode::access_control;
    h.opts.index = index_name;
    h.seed("u1", "2024-01-01T00:00:00Z", {{"kept", "yes"}});
    h.seed("u2", "2024-01-01T00:00:00Z");
    std::vector<sync::document> docs;
    docs.push_back(sync::make_document("u1", R"({"identity":{"email":"e"}})",
                                       std::string("2024-03-03T00:00:00Z")));
    docs.push_back(sync::make_document("u3", R"({"identity":{}})", std::nullopt));
    auto r = sync_all(h, std::move(docs));
    CHECK(h.count_calls("PUT /search-sf") == 0);  // ACL indices are never pre-created
    CHECK(h.ids() == std::set<std::string>{"u1", "u3"});
    CHECK(h.docs().at("u1").at("kept") == "yes");  // partial update merged
    CHECK(h.docs().at("u1").at("_timestamp") == "2024-03-03T00:00:00Z");
    CHECK_FALSE(h.es.bulk_source("u1").contains("_run_ml_inference"));
    CHECK(r.totals.deleted == 1);
}

TEST_CASE("sink: documents excluded by sync rules are not indexed and are deleted",
          "[sync][sink]") {
    harness h;
    h.opts.rules = sync::rule_set::from_json(json::parse(
        R"([{"id":"r1","policy":"exclude","field":"Status","rule":"equals","value":"Closed","order":1}])"));
    h.seed("closed-before", std::nullopt);
    std::vector<sync::document> docs;
    docs.push_back(doc("open", std::nullopt, R"("Status":"Open")"));
    docs.push_back(doc("closed-before", std::nullopt, R"("Status":"Closed")"));
    docs.push_back(doc("closed-new", std::nullopt, R"("Status":"Closed")"));
    auto r = sync_all(h, std::move(docs));
    CHECK(r.totals.docs_filtered == 2);
    CHECK(h.ids() == std::set<std::string>{"open"});
}

TEST_CASE("sink: a failed existing-ids scan fails start and writes nothing", "[sync][sink]") {
    harness h;
    h.seed("old", std::nullopt);
    h.es.script({std::nullopt, "/search-sf/_search"},
                test::es_response(500, R"({"error":{"type":"boom","reason":"scan"}})"));
    sync::sink s(h.client, h.cfg, h.opts);
    CHECK_THROWS_WITH(run(s.start()), Catch::Contains("500"));
    CHECK(h.count_calls("PUT /_bulk") == 0);
    CHECK(h.ids() == std::set<std::string>{"old"});
}

TEST_CASE("sink: a producer blocked past queue_refresh_timeout fails as overloaded",
          "[sync][sink]") {
    harness h;
    h.stall_on_old_index();
    h.cfg.queue_refresh_timeout = std::chrono::milliseconds(1);
    sync::sink s(h.client, h.cfg, h.opts);
    std::string error;
    run([&]() -> asio::awaitable<void> {
        co_await s.start();
        try {
            for (int i = 0; i < 10; ++i) {
                co_await s.put(doc("d" + std::to_string(i)));
            }
        } catch (const core::error& e) {
            error = e.what();
        }
        // The held bulk is still in flight: cancel it so finish can return.
        s.cancel();
        try {
            co_await s.finish(false);
        } catch (const core::error&) {
        }
    }());
    CHECK(error.find("overloaded Elasticsearch") != std::string::npos);
    CHECK(h.ids() == std::set<std::string>{"old"});
}

TEST_CASE("sink: job stats report volume as rounded MiB", "[sync][sink]") {
    sync::sync_totals t;
    t.indexed = 3;
    t.deleted = 4;
    t.indexed_bytes = 1024 * 1024 * 3 / 2;  // 1.5 MiB: halves go to even, as Python rounds
    CHECK(t.job_stats().indexed_document_volume == 2);
    t.indexed_bytes = 1024 * 1024 * 5 / 2;  // 2.5 MiB
    CHECK(t.job_stats().indexed_document_volume == 2);
    t.indexed_bytes = 1024 * 1024 * 27 / 10;  // 2.7 MiB
    CHECK(t.job_stats().indexed_document_volume == 3);
    CHECK(t.job_stats().indexed_document_count == 3);
    CHECK(t.job_stats().deleted_document_count == 4);
    CHECK_FALSE(t.job_stats().total_document_count);
}

TEST_CASE("sink: an incremental sync applies changes and deletions without listing the index",
          "[sync][sink][incremental]") {
    harness h;
    h.seed("kept", "2024-01-01T00:00:00Z");
    h.seed("changed", "2024-01-01T00:00:00Z");
    h.seed("gone", "2024-01-01T00:00:00Z");
    h.opts.mode = sync::sync_mode::incremental;
    std::vector<sync::document> docs;
    docs.push_back(doc("changed", "2024-02-01T00:00:00Z", "\"title\":\"new\""));
    docs.push_back(doc("added", "2024-02-01T00:00:00Z"));
    docs.push_back(sync::make_deletion("gone"));
    docs.push_back(sync::make_deletion("never-indexed"));  // created and deleted between syncs
    auto r = sync_all(h, std::move(docs));
    CHECK(h.count_calls("POST /search-sf/_search") == 0);  // no scan of existing ids
    CHECK(h.ids() == std::set<std::string>{"kept", "changed", "added"});
    CHECK(h.docs().at("changed").at("title") == "new");
    CHECK(h.docs().at("kept").at("_timestamp") == "2024-01-01T00:00:00Z");
    CHECK(r.totals.deletes_queued == 2);
    CHECK(r.totals.deleted == 1);  // the document that was there
    CHECK(r.totals.item_errors == 0);
    CHECK(r.totals.indexed == 2);
    CHECK_FALSE(r.stale_deleted);
}

TEST_CASE("sink: an incremental sync deletes a changed document the sync rules now exclude",
          "[sync][sink][incremental]") {
    harness h;
    h.seed("a", "2024-01-01T00:00:00Z", {{"title", "keep me"}});
    h.seed("b", "2024-01-01T00:00:00Z", {{"title", "keep me"}});
    h.opts.mode = sync::sync_mode::incremental;
    h.opts.rules = sync::rule_set::from_json(json::parse(
        R"([{"id":"r1","field":"title","rule":"equals","value":"drop","policy":"exclude","order":0},
            {"id":"DEFAULT","field":"_","rule":"regex","value":".*","policy":"include","order":1}])"));
    std::vector<sync::document> docs;
    docs.push_back(doc("a", "2024-02-01T00:00:00Z", "\"title\":\"drop\""));
    auto r = sync_all(h, std::move(docs));
    CHECK(h.ids() == std::set<std::string>{"b"});
    CHECK(r.totals.docs_filtered == 1);
    CHECK(r.totals.deleted == 1);
}

TEST_CASE("sink: a listing sync refuses a deletion from the source", "[sync][sink][incremental]") {
    harness h;
    h.seed("x", std::nullopt);
    sync::sink s(h.client, h.cfg, h.opts);
    bool sent = false;
    CHECK_THROWS_WITH(run(sync::run_sync(s,
                                         [&]() -> asio::awaitable<std::optional<sync::document>> {
                                             if (sent) {
                                                 co_return std::nullopt;
                                             }
                                             sent = true;
                                             co_return sync::make_deletion("x");
                                         })),
                      Catch::Contains("deletion of x"));
    CHECK(h.ids() == std::set<std::string>{"x"});
}
