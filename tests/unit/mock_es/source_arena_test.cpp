// In memory, mock-elasticsearch packs document sources into blocks it keeps and uses again:
// indexing the same documents again and again does not grow the process.

#include "source_arena.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support.hpp"

using namespace casio::mock_es;
using casio::mock_es::test::call;

TEST_CASE("a source arena gives emptied blocks out again instead of mapping more",
          "[mock_es][memory]") {
    source_arena arena;
    const std::string doc(1000, 'd');
    const std::size_t per_block = source_arena::block_size / doc.size();
    for (int round = 0; round < 3; ++round) {
        std::vector<source_arena::placed> kept;
        for (std::size_t i = 0; i < 2 * per_block + 5; ++i) {
            auto p = arena.place(doc);
            REQUIRE(p);
            CHECK(p->bytes == doc);
            kept.push_back(*p);
        }
        CHECK(arena.live_bytes() == kept.size() * doc.size());
        CHECK(arena.mapped_bytes() == 3 * source_arena::block_size);
        for (const auto& p : kept)
            arena.release(p.block, p.bytes.size());
        CHECK(arena.live_bytes() == 0);
    }
}

TEST_CASE("a source arena leaves empty and oversized sources to their owner", "[mock_es][memory]") {
    source_arena arena;
    CHECK_FALSE(arena.place(""));
    CHECK_FALSE(arena.place(std::string(source_arena::max_source + 1, 'x')));
    auto at_limit = arena.place(std::string(source_arena::max_source, 'x'));
    REQUIRE(at_limit);
    CHECK(at_limit->bytes.size() == source_arena::max_source);
}

TEST_CASE("memory reserved at start holds the sources without mapping more", "[mock_es][memory]") {
    service_options opts;
    opts.reserve_memory = 2 * source_arena::block_size;
    service svc(opts);
    CHECK(svc.data().sources().mapped_bytes() == 2 * source_arena::block_size);
    std::string body;
    for (int i = 0; i < 500; ++i) {
        body += R"({"index":{"_index":"kept","_id":")" + std::to_string(i) + "\"}}\n";
        body += R"({"n":)" + std::to_string(i) + R"(,"text":")" + std::string(900, 't') + "\"}\n";
    }
    for (int round = 0; round < 3; ++round) {
        auto r = call(svc, "PUT", "/_bulk?refresh=true", body,
                      {{"Content-Type", "application/x-ndjson"}});
        REQUIRE(r.status == 200);
        CHECK_FALSE(r.at({"errors"}).as_bool());
    }
    CHECK(svc.data().sources().mapped_bytes() == 2 * source_arena::block_size);
    auto doc = call(svc, "GET", "/kept/_doc/499");
    REQUIRE(doc.status == 200);
    CHECK(doc.at({"_source", "n"}).as_int64() == 499);
    CHECK(doc.at({"_version"}).as_int64() == 3);
    CHECK(call(svc, "DELETE", "/kept").status == 200);
    CHECK(svc.data().sources().live_bytes() == 0);
}
