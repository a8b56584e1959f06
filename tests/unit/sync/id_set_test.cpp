// The compact existing-id set (protocol.md §4.7, DESIGN.md "Where the time goes").
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include <casio/sync/id_set.hpp>

using namespace casio;

TEST_CASE("id_set: insert, find, timestamps, erase", "[sync][id_set]") {
    sync::id_set s;
    CHECK(s.insert("a", std::string_view("2024-01-01T00:00:00Z")));
    CHECK(s.insert("b", std::nullopt));
    CHECK_FALSE(s.insert("a", std::string_view("other")));  // first timestamp kept
    CHECK(s.size() == 2);

    auto a = s.find("a");
    REQUIRE(a);
    CHECK(s.id(*a) == "a");
    CHECK(s.timestamp(*a) == std::optional<std::string_view>("2024-01-01T00:00:00Z"));
    auto b = s.find("b");
    REQUIRE(b);
    CHECK_FALSE(s.timestamp(*b));
    CHECK_FALSE(s.find("c"));
    CHECK_FALSE(s.find(""));

    s.erase(*a);
    CHECK_FALSE(s.contains("a"));
    CHECK(s.size() == 1);
    CHECK_FALSE(s.erase("a"));  // already gone
    CHECK(s.erase("b"));
    CHECK(s.empty());

    // A revived id takes its new timestamp.
    CHECK(s.insert("a", std::string_view("2025-02-02T00:00:00Z")));
    REQUIRE(s.find("a"));
    CHECK(s.timestamp(*s.find("a")) == std::optional<std::string_view>("2025-02-02T00:00:00Z"));
}

TEST_CASE("id_set holds many ids and visits exactly the unseen ones", "[sync][id_set]") {
    sync::id_set s;
    constexpr int n = 200'000;
    for (int i = 0; i < n; ++i) {
        std::string id = "id-" + std::to_string(i);
        std::string ts = "2024-01-01T00:00:" + std::to_string(i % 60) + "Z";
        REQUIRE(s.insert(id, std::string_view(ts)));
    }
    CHECK(s.size() == n);
    // Erase every id except multiples of 1000.
    for (int i = 0; i < n; ++i) {
        if (i % 1000 != 0) {
            REQUIRE(s.erase("id-" + std::to_string(i)));
        }
    }
    std::set<std::string> left;
    s.for_each([&](std::string_view id, std::optional<std::string_view> ts) {
        left.emplace(id);
        CHECK(ts);
    });
    CHECK(left.size() == n / 1000);
    CHECK(left.count("id-0") == 1);
    CHECK(left.count("id-199000") == 1);
    CHECK(left.count("id-1") == 0);
    auto e = s.find("id-123000");
    REQUIRE(e);
    CHECK(s.timestamp(*e) == std::optional<std::string_view>("2024-01-01T00:00:0Z"));
    // Compact: ~30 bytes of id + timestamp cost under 100 bytes with every growth slack
    // (a std::map<std::string, json::value> costs several times that).
    CHECK(s.memory_bytes() < static_cast<std::size_t>(n) * 100);
}

TEST_CASE("id_set tells an id listed a second time from a first one", "[sync][id_set]") {
    sync::id_set s;
    s.insert("in-index", std::nullopt);
    s.insert("other", std::nullopt);
    CHECK_FALSE(s.was_seen("in-index"));
    CHECK_FALSE(s.was_seen("new"));

    s.erase("in-index");   // listed: it was in the index
    s.insert_seen("new");  // listed: it was not
    CHECK(s.was_seen("in-index"));
    CHECK(s.was_seen("new"));
    CHECK_FALSE(s.was_seen("other"));
    // New ids are neither counted nor visited: only "other" is stale.
    CHECK(s.size() == 1);
    std::set<std::string> stale;
    s.for_each([&](std::string_view id, auto) { stale.emplace(id); });
    CHECK(stale == std::set<std::string>{"other"});

    s.insert_seen("other");  // an id of the index, listed through insert_seen
    CHECK(s.was_seen("other"));
    CHECK(s.empty());
    s.insert_seen("new");  // twice: still one entry, still seen
    CHECK(s.was_seen("new"));
    CHECK(s.empty());
}
