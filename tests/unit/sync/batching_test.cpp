// Bulk batching rules (protocol.md §4.3).
#include <catch2/catch.hpp>

#include <casio/sync/batching.hpp>

using namespace casio::sync;

TEST_CASE("flush before: only a non-empty batch that would overflow", "[sync][batching]") {
    batch_limits l{10, 1000};
    CHECK_FALSE(flush_before({0, 0}, 2, 5000, l));   // an empty batch takes even a huge op
    CHECK_FALSE(flush_before({8, 100}, 2, 100, l));  // exactly 10 lines fits
    CHECK(flush_before({9, 100}, 2, 100, l));        // 11 lines would not
    CHECK_FALSE(flush_before({2, 900}, 2, 100, l));  // exactly 1000 bytes fits
    CHECK(flush_before({2, 900}, 2, 101, l));
    CHECK_FALSE(flush_before({9, 100}, 1, 10, l));  // a delete is one line
}

TEST_CASE("flush after: a batch that reached a limit", "[sync][batching]") {
    batch_limits l{10, 1000};
    CHECK_FALSE(flush_after({8, 999}, l));
    CHECK(flush_after({10, 10}, l));
    CHECK(flush_after({2, 1000}, l));
    CHECK(flush_after({2, 5000}, l));  // an oversize op travels alone
}
