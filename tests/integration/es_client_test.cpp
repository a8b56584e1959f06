// libs/es against the real mock-elasticsearch: every call of protocol.md §10 over HTTP, with the
// semantics the service relies on (connector and job documents, OCC, bulk, scroll, counts).
#include <catch2/catch.hpp>

#ifdef CASIO_BIN_MOCK_ELASTICSEARCH

#include <algorithm>
#include <array>
#include <exception>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <casio/es/client.hpp>

#include "support/child_process.hpp"

using namespace casio;
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

// Builds a JSON object outside co_await expressions (GCC 12 mishandles braced temporaries
// there).
json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : std::string();
}

struct mock_es {
    test::child_process proc;
    explicit mock_es(std::vector<std::string> extra = {}) : proc(start(std::move(extra))) {}
    static test::child_process start(std::vector<std::string> extra) {
        std::vector<std::string> args{"--port", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        return test::child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH, args);
    }
};

// Runs `body(client)` on a fresh io_context with a real HTTP client.
template <typename F>
void with_client(const es::client_options& opts, F body, core::sleeper* sleep = nullptr) {
    asio::io_context ctx;
    http::client hc(ctx.get_executor(), es::http_options(opts));
    http::client_transport tr(hc);
    es::client c(tr, opts, sleep);
    std::exception_ptr failure;
    asio::co_spawn(ctx, body(c), [&](std::exception_ptr e) {
        failure = e;
        hc.close();  // idle keep-alive connections would keep the io_context running
    });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

es::client_options options_for(const mock_es& m) {
    es::client_options o;
    o.host = m.proc.base_url();
    o.retries.max_retries = 1;  // a failure here is a bug, not something to wait for
    o.bulk_retries.max_retries = 1;
    return o;
}

}  // namespace

TEST_CASE("es client drives connectors and sync jobs on mock-elasticsearch", "[integration][es]") {
    mock_es m;
    with_client(options_for(m), [](es::client& c) -> asio::awaitable<void> {
        auto info = co_await c.info();
        CHECK_FALSE(info.version_number.empty());

        // System indices (protocol.md §10.2-§10.3): create when missing.
        const std::array<std::string_view, 2> system_indices{es::connectors_concrete_index,
                                                             es::jobs_concrete_index};
        for (auto index : system_indices) {
            if (!co_await c.index_exists(index)) {
                co_await c.create_index(index);
            }
            auto exists = co_await c.index_exists(index);
            CHECK(exists);
        }

        // Connector creation and read-back (27, 26, 5).
        auto conn_body = obj(
            R"({"service_type":"salesforce","name":"SF","index_name":"search-sf","is_native":false})");
        co_await c.put_connector("c1", std::move(conn_body));
        auto conn = co_await c.get_connector("c1");
        REQUIRE(conn);
        CHECK(str(conn->at("status")) == "created");
        CHECK(str(conn->at("index_name")) == "search-sf");
        auto missing_connector = co_await c.get_connector("missing");
        CHECK(missing_connector == std::nullopt);

        auto doc = co_await c.get_doc(es::connectors_index, "c1");
        REQUIRE(doc);
        CHECK(doc->id == "c1");
        CHECK(doc->seq_no >= 0);
        CHECK(doc->primary_term >= 1);
        auto* seen = doc->source.if_contains("last_seen");
        CHECK((seen == nullptr || seen->is_null()));
        auto missing_doc = co_await c.get_doc(es::connectors_index, "nope");
        CHECK(missing_doc == std::nullopt);

        // Discovery query (4).
        auto discovery = obj(
            R"({"query":{"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"_id":["c1","other"]}}]}}})");
        auto found = co_await c.search_all(es::connectors_index, std::move(discovery));
        REQUIRE(found.size() == 1);
        CHECK(found[0].id == "c1");
        CHECK(found[0].seq_no == doc->seq_no);

        // Check-in sets last_seen (7).
        co_await c.check_in("c1");
        doc = co_await c.get_doc(es::connectors_index, "c1");
        REQUIRE(doc);
        CHECK(doc->source.at("last_seen").is_string());

        // Configuration and scheduling (28).
        auto config =
            obj(R"({"configuration":{"domain":{"label":"Domain","value":"acme","type":"str"}}})");
        co_await c.update_configuration("c1", std::move(config));
        auto scheduling = obj(R"({"full":{"enabled":true,"interval":"0 * * * * ?"}})");
        co_await c.update_scheduling("c1", std::move(scheduling));
        conn = co_await c.get_connector("c1");
        REQUIRE(conn);
        CHECK(str(conn->at("status")) == "configured");
        CHECK(conn->at("scheduling").at("full").at("enabled") == true);

        // Filtering validation then activation (8, 9).
        auto validation = obj(R"({"state":"valid","errors":[]})");
        co_await c.update_filtering_validation("c1", std::move(validation));
        conn = co_await c.get_connector("c1");
        REQUIRE(conn);
        CHECK(str(conn->at("filtering").at(0).at("draft").at("validation").at("state")) == "valid");
        co_await c.activate_filtering("c1");

        // Raw and OCC updates (6): a stale guard is a 409 the caller can branch on.
        doc = co_await c.get_doc(es::connectors_index, "c1");
        REQUIRE(doc);
        auto stale = es::guard_of(*doc);
        auto patch = obj(R"({"status":"connected","error":null})");
        co_await c.update_doc(es::connectors_index, "c1", std::move(patch), stale);
        bool conflict = false;
        try {
            auto again = obj(R"({"last_sync_status":"in_progress"})");
            co_await c.update_doc(es::connectors_index, "c1", std::move(again), stale);
        } catch (const es::es_error& e) {
            conflict = e.is_conflict();
            CHECK(e.type() == "version_conflict_engine_exception");
        }
        CHECK(conflict);
        int attempts = 0;
        bool first = true;
        auto occ_write = [&]() -> asio::awaitable<void> {
            ++attempts;
            auto d = co_await c.get_doc(es::connectors_index, "c1");
            auto guard = es::guard_of(*d);
            if (first) {  // someone else writes between our read and our write
                first = false;
                auto other = obj(R"({"error":"other writer"})");
                co_await c.update_doc(es::connectors_index, "c1", std::move(other));
            }
            auto mine = obj(R"({"last_sync_status":"in_progress","last_sync_error":null})");
            co_await c.update_doc(es::connectors_index, "c1", std::move(mine), guard);
        };
        co_await es::with_occ_retry(occ_write);
        CHECK(attempts == 2);
        doc = co_await c.get_doc(es::connectors_index, "c1");
        CHECK(str(doc->source.at("last_sync_status")) == "in_progress");
        CHECK(doc->source.at("status") == "connected");

        // License (10).
        auto lic = co_await c.license();
        CHECK(lic.status == "active");
        CHECK(lic.at_least("basic"));

        // Sync jobs (11, 13, 12, 14, 15, cancel, 16).
        auto job1 = co_await c.create_sync_job("c1", "full", "on_demand");
        auto job2 = co_await c.create_sync_job("c1", "access_control", "scheduled");
        CHECK(job1 != job2);
        auto j1 = co_await c.get_doc(es::jobs_index, job1);
        REQUIRE(j1);
        CHECK(str(j1->source.at("status")) == "pending");
        CHECK(str(j1->source.at("job_type")) == "full");
        CHECK(str(j1->source.at("trigger_method")) == "on_demand");
        CHECK(str(j1->source.at("connector").at("id")) == "c1");
        CHECK(str(j1->source.at("connector").at("index_name")) == "search-sf");
        auto j2 = co_await c.get_doc(es::jobs_index, job2);
        REQUIRE(j2);
        CHECK(str(j2->source.at("connector").at("index_name")) == ".search-acl-filter-search-sf");

        auto pending_query = obj(R"({"query":{"bool":{"must":[
            {"terms":{"status":["pending","suspended"]}},
            {"terms":{"connector.id":["c1"]}},
            {"terms":{"job_type":["full","incremental"]}}]}},
            "sort":[{"created_at":"asc"}]})");
        auto pending = co_await c.search_all(es::jobs_index, std::move(pending_query));
        REQUIRE(pending.size() == 1);
        CHECK(pending[0].id == job1);

        std::optional<json::value> no_cursor;
        co_await c.claim_sync_job(job1, "worker-1", std::move(no_cursor));
        j1 = co_await c.get_doc(es::jobs_index, job1);
        CHECK(str(j1->source.at("status")) == "in_progress");
        CHECK(str(j1->source.at("worker_hostname")) == "worker-1");
        CHECK(j1->source.at("started_at").is_string());

        es::sync_job_stats stats;
        stats.indexed_document_count = 12;
        stats.indexed_document_volume = 1;
        stats.deleted_document_count = 3;
        co_await c.update_sync_job_stats(job1, stats);
        j1 = co_await c.get_doc(es::jobs_index, job1);
        CHECK(j1->source.at("indexed_document_count") == 12);
        CHECK(j1->source.at("deleted_document_count") == 3);

        co_await c.cancel_sync_job(job1);  // running: asks the worker to stop
        co_await c.cancel_sync_job(job2);  // pending: canceled at once
        j1 = co_await c.get_doc(es::jobs_index, job1);
        j2 = co_await c.get_doc(es::jobs_index, job2);
        CHECK(str(j1->source.at("status")) == "canceling");
        CHECK(str(j2->source.at("status")) == "canceled");

        auto done = obj(R"({"status":"canceled","error":null,"total_document_count":4})");
        co_await c.update_doc(es::jobs_index, job1, std::move(done));
        j1 = co_await c.get_doc(es::jobs_index, job1);
        CHECK(str(j1->source.at("status")) == "canceled");
        CHECK(j1->source.at("total_document_count") == 4);

        // Legacy job creation (31).
        auto legacy = obj(R"({"connector":{"id":"c1"},"status":"pending","job_type":"full"})");
        auto legacy_id = co_await c.create_doc(es::jobs_index, legacy);
        auto lj = co_await c.get_doc(es::jobs_index, legacy_id);
        REQUIRE(lj);
        CHECK(str(lj->source.at("status")) == "pending");

        // Errors carry ES's type and reason.
        bool missing = false;
        try {
            co_await c.check_in("no-such-connector");
        } catch (const es::es_error& e) {
            missing = e.is_not_found();
            CHECK_THAT(e.what(),
                       Catch::StartsWith("PUT /_connector/no-such-connector/_check_in: 404 "));
        }
        CHECK(missing);
    });
}

TEST_CASE("es client content index: bulk, scroll, refresh/count, pipelines", "[integration][es]") {
    mock_es m;
    with_client(options_for(m), [](es::client& c) -> asio::awaitable<void> {
        const std::string index = "search-content";

        // Index existence and creation (17, 18, 19, 30).
        auto before = co_await c.get_index(index);
        CHECK_FALSE(es::client::index_listed(before, index));
        auto exists_before = co_await c.index_exists(index);
        CHECK_FALSE(exists_before);
        co_await c.create_index(index);
        auto exists_after = co_await c.index_exists(index);
        CHECK(exists_after);
        auto after = co_await c.get_index(index);
        CHECK(es::client::index_listed(after, index));

        // Pipelines (29).
        auto pipeline = obj(R"({"description":"test","processors":[]})");
        co_await c.put_pipeline("casio-test", pipeline);
        auto got = co_await c.get_pipeline("casio-test");
        REQUIRE(got);
        CHECK(got->contains("processors"));
        auto missing_pipeline = co_await c.get_pipeline("no-such-pipeline");
        CHECK(missing_pipeline == std::nullopt);

        // Bulk (23): index, upsert, delete of a missing doc.
        es::bulk_builder b;
        for (int i = 1; i <= 5; ++i) {
            auto id = "doc-" + std::to_string(i);
            b.add_index(index, id,
                        R"({"id":")" + id + R"(","_timestamp":"2024-05-0)" + std::to_string(i) +
                            R"(T00:00:00+00:00","title":"T)" + std::to_string(i) + R"("})");
        }
        b.add_update(index, "doc-6", R"({"id":"doc-6","title":"upserted"})");
        b.add_delete(index, "never-existed");
        auto res = co_await c.bulk(b, "casio-test");
        REQUIRE(res.items.size() == 7);
        for (int i = 0; i < 6; ++i) {
            CHECK(res.items[i].succeeded());
        }
        CHECK(res.items[0].result == "created");
        CHECK(res.items[5].op == es::bulk_op::update);
        CHECK(res.items[5].result == "created");
        CHECK(res.items[6].op == es::bulk_op::delete_);
        CHECK(res.items[6].result == "not_found");
        CHECK(res.items[6].status == 404);
        CHECK_FALSE(res.items[6].succeeded());

        es::bulk_builder second;
        second.add_index(index, "doc-1", R"({"id":"doc-1","title":"again"})");
        second.add_delete(index, "doc-2");
        auto res2 = co_await c.bulk(second);
        CHECK(res2.items[0].result == "updated");
        CHECK(res2.items[1].result == "deleted");

        // A bulk naming a missing pipeline fails per item or as a whole, never silently.
        bool pipeline_refused = false;
        try {
            auto r = co_await c.bulk(second, "no-such-pipeline");
            pipeline_refused = std::none_of(r.items.begin(), r.items.end(),
                                            [](const es::bulk_item& i) { return i.succeeded(); });
        } catch (const es::es_error&) {
            pipeline_refused = true;
        }
        CHECK(pipeline_refused);

        // Refresh and count (24, 25); count of a missing index is 0. (Never co_await inside a
        // Catch macro: GCC 12 evaluates it again in the macro's unevaluated branch.)
        co_await c.refresh(index);
        auto count = co_await c.count(index);
        CHECK(count == 5);
        auto missing_count = co_await c.count("search-nothing-here");
        CHECK(missing_count == 0);

        // Scroll over ids and _timestamp (20-22), pages of 2.
        auto stream = c.scan_ids(index, 2);
        std::set<std::string> ids;
        int pages = 0;
        while (auto page = co_await stream.next_page()) {
            ++pages;
            CHECK(page->size() <= 2);
            for (auto& e : *page) {
                if (e.id == "doc-3") {
                    CHECK(e.timestamp == "2024-05-03T00:00:00+00:00");
                }
                if (e.id == "doc-1") {
                    CHECK_FALSE(e.timestamp);  // re-indexed without _timestamp
                }
                ids.insert(e.id);
            }
        }
        CHECK(pages == 3);
        CHECK(ids == std::set<std::string>{"doc-1", "doc-3", "doc-4", "doc-5", "doc-6"});

        auto missing = c.scan_ids("search-absent");
        auto absent_page = co_await missing.next_page();
        CHECK_FALSE(absent_page);

        co_await c.delete_index(index);
        auto exists_deleted = co_await c.index_exists(index);
        CHECK_FALSE(exists_deleted);
        co_await c.delete_index(index);  // ignore_unavailable: deleting twice is fine
    });
}

TEST_CASE("es client authentication against mock-elasticsearch", "[integration][es][auth]") {
    mock_es m({"--api-key", "Y29ubmVjdG9yczpzZWNyZXQ="});
    auto good = options_for(m);
    good.api_key = "Y29ubmVjdG9yczpzZWNyZXQ=";
    with_client(good, [](es::client& c) -> asio::awaitable<void> {
        auto lic = co_await c.license();
        CHECK(lic.status == "active");
    });

    auto bad = options_for(m);
    bad.api_key = "d3Jvbmc6a2V5";
    with_client(bad, [](es::client& c) -> asio::awaitable<void> {
        bool refused = false;
        try {
            co_await c.license();
        } catch (const es::es_error& e) {
            refused = e.is_unauthorized();
            CHECK(e.kind() == core::error_kind::auth);
            CHECK(std::string(e.what()).find("d3Jvbmc6a2V5") == std::string::npos);
        }
        CHECK(refused);
    });
}

// Ends the mock's 503 window during the first backoff wait, so the retry is observed without
// depending on wall-clock time.
class reopening_sleeper final : public core::sleeper {
  public:
    es::client* client = nullptr;
    std::vector<std::chrono::milliseconds> waits;

    asio::awaitable<void> sleep_for(std::chrono::milliseconds d) override {
        waits.push_back(d);
        es::client::call reopen{.verb = http::method::post,
                                .path = "/_mock/available",
                                .retry = es::client::retry_mode::none};
        co_await client->execute(reopen);
    }
};

TEST_CASE("es client retries against mock-elasticsearch faults", "[integration][es][retry]") {
    SECTION("per-item 429s of a bulk are re-sent until accepted") {
        mock_es m({"--bulk-429-every", "3"});
        auto o = options_for(m);
        o.bulk_retries.max_retries = 5;
        o.bulk_retries.retry_interval = std::chrono::milliseconds(1);
        with_client(o, [](es::client& c) -> asio::awaitable<void> {
            es::bulk_builder b;
            for (int i = 0; i < 9; ++i) {
                b.add_index("search-retry", "d" + std::to_string(i), R"({"n":1})");
            }
            // Items 3, 6, 9 are refused; of the 3 re-sent the third (12th seen) is refused
            // again; the last re-send succeeds.
            auto res = co_await c.bulk(b);
            CHECK(res.attempts == 3);
            CHECK(res.retried_items == 4);
            CHECK_FALSE(res.errors);
            for (const auto& item : res.items) {
                CHECK(item.succeeded());
            }
            co_await c.refresh("search-retry");
            auto count = co_await c.count("search-retry");
            CHECK(count == 9);
        });
    }
    SECTION("the app retrier waits out a 503 window") {
        mock_es m;
        auto o = options_for(m);
        o.retries.max_retries = 3;
        o.retries.retry_interval = std::chrono::milliseconds(7);
        reopening_sleeper sleeper;
        with_client(
            o,
            [&](es::client& c) -> asio::awaitable<void> {
                sleeper.client = &c;
                es::client::call close{.verb = http::method::post,
                                       .path = "/_mock/unavailable",
                                       .query = "for_ms=600000",
                                       .retry = es::client::retry_mode::none};
                co_await c.execute(close);
                auto lic = co_await c.license();
                CHECK(lic.status == "active");
            },
            &sleeper);
        CHECK(sleeper.waits ==
              std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(7)});
    }
}

#endif  // CASIO_BIN_MOCK_ELASTICSEARCH
