// The sink against a real mock-elasticsearch process: a full sync of a new listing over a seeded
// index leaves exactly the listing, with exact counters; per-item 429s lose nothing.
#include <catch2/catch.hpp>

#ifdef CASIO_BIN_MOCK_ELASTICSEARCH

#include <exception>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/es/client.hpp>
#include <casio/sync/sink.hpp>

#include "support/child_process.hpp"

using namespace casio;
namespace asio = boost::asio;

namespace {

const std::string index_name = "search-sink-it";

test::child_process start_mock(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH, args);
}

es::client_options options_for(const test::child_process& p) {
    es::client_options o;
    o.host = p.base_url();
    o.retries.max_retries = 1;
    o.bulk_retries.max_retries = 10;  // per-item 429s are re-sent, quickly
    o.bulk_retries.retry_interval = std::chrono::milliseconds(1);
    return o;
}

template <typename F>
void with_client(const es::client_options& opts, F body) {
    asio::io_context ctx;
    http::client hc(ctx.get_executor(), es::http_options(opts));
    http::client_transport tr(hc);
    es::client c(tr, opts);
    std::exception_ptr failure;
    auto task = [&]() -> asio::awaitable<void> {
        try {
            co_await body(c);
        } catch (...) {
            failure = std::current_exception();
        }
        // Pooled connections and the pool's idle sweep would keep run() going.
        hc.close();
    };
    asio::co_spawn(ctx, task(), asio::detached);
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

sync::document source_doc(const std::string& id, int version) {
    std::string src = R"({"title":"doc )" + id + R"(","version":)" + std::to_string(version) + "}";
    return sync::make_document(id, std::move(src), std::nullopt);
}

asio::awaitable<std::set<std::string>> all_ids(es::client& c) {
    std::set<std::string> ids;
    auto stream = c.scan_ids(index_name, 100);
    while (auto page = co_await stream.next_page()) {
        for (auto& e : *page) {
            ids.insert(e.id);
        }
    }
    co_return ids;
}

// Seeds `keep-0..keep_n-1` and `stale-0..stale_n-1` at version 1 (through a first sync).
asio::awaitable<void> seed(es::client& c, int keep_n, int stale_n) {
    es::bulk_config cfg;
    sync::sink_options o;
    o.index = index_name;
    sync::sink s(c, cfg, o);
    co_await s.start();
    for (int i = 0; i < keep_n; ++i) {
        co_await s.put(source_doc("keep-" + std::to_string(i), 1));
    }
    for (int i = 0; i < stale_n; ++i) {
        co_await s.put(source_doc("stale-" + std::to_string(i), 1));
    }
    co_await s.finish(true);
    co_await c.refresh(index_name);
}

}  // namespace

TEST_CASE("sink full sync on mock-elasticsearch leaves exactly the new listing",
          "[integration][sync][sink]") {
    auto proc = start_mock();
    with_client(options_for(proc), [](es::client& c) -> asio::awaitable<void> {
        co_await seed(c, 100, 50);
        auto before = co_await c.count(index_name);
        CHECK(before == 150);

        es::bulk_config cfg;
        cfg.chunk_size = 50;  // several concurrent bulks
        sync::sink_options o;
        o.index = index_name;
        sync::sink s(c, cfg, o);
        co_await s.start();
        CHECK(s.existing().size() == 150);
        for (int i = 0; i < 100; ++i) {
            co_await s.put(source_doc("keep-" + std::to_string(i), 2));
        }
        for (int i = 0; i < 150; ++i) {
            co_await s.put(source_doc("new-" + std::to_string(i), 2));
        }
        auto r = co_await s.finish(true);
        co_await c.refresh(index_name);

        CHECK(r.stale_deleted);
        CHECK(r.totals.indexed == 250);
        CHECK(r.totals.updates_queued == 100);
        CHECK(r.totals.creates_queued == 150);
        CHECK(r.totals.deleted == 50);
        CHECK(r.totals.item_errors == 0);
        auto count = co_await c.count(index_name);
        CHECK(count == 250);

        auto ids = co_await all_ids(c);
        std::set<std::string> want;
        for (int i = 0; i < 100; ++i) {
            want.insert("keep-" + std::to_string(i));
        }
        for (int i = 0; i < 150; ++i) {
            want.insert("new-" + std::to_string(i));
        }
        CHECK(ids == want);

        auto hit = co_await c.get_doc(index_name, "keep-7");
        REQUIRE(hit);
        CHECK(hit->source.at("version") == 2);
        CHECK(hit->source.at("id") == "keep-7");
        // Rewritten whole by the full sync: a source without _timestamp leaves none (protocol.md
        // protocol.md §4.7).
        CHECK_FALSE(hit->source.contains("_timestamp"));
        auto fresh = co_await c.get_doc(index_name, "new-3");
        REQUIRE(fresh);
        CHECK(fresh->source.contains("_timestamp"));  // creates get "now"
        CHECK(fresh->source.at("title") == "doc new-3");
    });
}

TEST_CASE("sink full sync with per-item 429s loses no document", "[integration][sync][sink]") {
    auto proc = start_mock({"--bulk-429-every", "7"});
    with_client(options_for(proc), [](es::client& c) -> asio::awaitable<void> {
        es::bulk_config cfg;
        cfg.chunk_size = 40;
        sync::sink_options o;
        o.index = index_name;
        sync::sink s(c, cfg, o);
        co_await s.start();
        for (int i = 0; i < 500; ++i) {
            co_await s.put(source_doc("d-" + std::to_string(i), 1));
        }
        auto r = co_await s.finish(true);
        co_await c.refresh(index_name);
        CHECK(r.totals.indexed == 500);
        CHECK(r.totals.item_errors == 0);
        CHECK(r.totals.item_retries >= 500 / 7);  // the 429s did happen
        auto count = co_await c.count(index_name);
        CHECK(count == 500);
    });
}

#endif
