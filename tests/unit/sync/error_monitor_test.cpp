// Error monitor thresholds (protocol.md §4.4).
#include <catch2/catch.hpp>

#include <casio/core/error.hpp>
#include <casio/sync/error_monitor.hpp>

using namespace casio;

namespace {
es::error_monitor_config cfg(std::int64_t consecutive, std::int64_t total, double rate,
                             std::int64_t window) {
    es::error_monitor_config c;
    c.max_consecutive_errors = consecutive;
    c.max_total_errors = total;
    c.max_error_rate = rate;
    c.error_window_size = window;
    c.error_queue_size = 3;
    return c;
}
}  // namespace

TEST_CASE("monitor trips after more than max_consecutive errors in a row", "[sync][monitor]") {
    sync::error_monitor m(cfg(3, 1000, 1.0, 100));
    for (int i = 0; i < 3; ++i) {
        m.note_error("e" + std::to_string(i));
    }
    m.note_success();  // resets the run
    for (int i = 0; i < 3; ++i) {
        m.note_error("f" + std::to_string(i));
    }
    try {
        m.note_error("f3");
        FAIL("monitor did not trip");
    } catch (const core::error& e) {
        std::string what = e.what();
        CHECK(what.find("too many errors") != std::string::npos);
        CHECK(what.find("4 consecutive") != std::string::npos);
        // The last error_queue_size errors, newest included.
        CHECK(what.find("f1 | f2 | f3") != std::string::npos);
        CHECK(what.find("e0") == std::string::npos);
    }
}

TEST_CASE("monitor trips on the total", "[sync][monitor]") {
    sync::error_monitor m(cfg(100, 4, 1.0, 100));
    for (int i = 0; i < 4; ++i) {
        m.note_error("e");
        m.note_success();
    }
    CHECK(m.total_errors() == 4);
    CHECK_THROWS_WITH(m.note_error("e"), Catch::Contains("max_total_errors 4"));
}

TEST_CASE("monitor trips on the rate within a sliding window", "[sync][monitor]") {
    // Window of 10 outcomes, rate 0.2: three errors among the last ten trip it.
    sync::error_monitor m(cfg(100, 1000, 0.2, 10));
    m.note_error("e1");
    for (int i = 0; i < 8; ++i) {
        m.note_success();
    }
    m.note_error("e2");  // e1..e2 are the ten last outcomes: 2 errors
    CHECK(m.errors_in_window() == 2);
    m.note_error("e3");  // e1 slid out: still 2 of 10
    CHECK(m.errors_in_window() == 2);
    CHECK(m.total_errors() == 3);
    CHECK_THROWS_WITH(m.note_error("e4"), Catch::Contains("3 of the last 10 operations failed"));
}

TEST_CASE("a disabled monitor only counts", "[sync][monitor]") {
    auto c = cfg(0, 0, 0.0, 10);
    c.enabled = false;
    sync::error_monitor m(c);
    for (int i = 0; i < 50; ++i) {
        m.note_error("e");
    }
    CHECK(m.total_errors() == 50);
    CHECK(m.last_errors().size() == 3);
}
