// The Prometheus text exposition of core::metrics.
#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>
#include <string>

#include <casio/core/metrics.hpp>

namespace metrics = casio::core::metrics;

TEST_CASE("counters and gauges are written with HELP, TYPE and escaped labels", "[metrics]") {
    metrics::registry r;
    r.counter_of("x_total", "Things\nseen", {{"kind", "a\"b\\c"}}).add(3);
    r.gauge_of("y", "A level").set(2.5);
    const auto text = r.render();
    CHECK(text ==
          "# HELP x_total Things\\nseen\n"
          "# TYPE x_total counter\n"
          "x_total{kind=\"a\\\"b\\\\c\"} 3\n"
          "# HELP y A level\n"
          "# TYPE y gauge\n"
          "y 2.5\n");
}

TEST_CASE("a histogram has cumulative buckets, +Inf, _sum and _count", "[metrics]") {
    metrics::registry r;
    auto& h = r.histogram_of("d_seconds", "Durations", {0.1, 1});
    h.observe(0.0625);
    h.observe(0.5);
    h.observe(0.5);
    h.observe(7);
    const auto text = r.render();
    CHECK_THAT(text, Catch::Contains("# TYPE d_seconds histogram\n"));
    CHECK_THAT(text, Catch::Contains("d_seconds_bucket{le=\"0.1\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("d_seconds_bucket{le=\"1\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("d_seconds_bucket{le=\"+Inf\"} 4\n"));
    CHECK_THAT(text, Catch::Contains("d_seconds_sum 8.0625\n"));
    CHECK_THAT(text, Catch::Contains("d_seconds_count 4\n"));
}

TEST_CASE("a collector's samples join the family of the same name, written once", "[metrics]") {
    metrics::registry r;
    r.counter_of("jobs_total", "Jobs", {{"status", "completed"}}).add();
    const auto id = r.add_collector([](metrics::sample_sink& out) {
        out.counter("jobs_total", "Jobs", {{"status", "error"}}, 2);
        out.gauge("queue_bytes", "Queued", {{"job", "j"}}, 1024);
    });
    auto text = r.render();
    CHECK(text ==
          "# HELP jobs_total Jobs\n"
          "# TYPE jobs_total counter\n"
          "jobs_total{status=\"completed\"} 1\n"
          "jobs_total{status=\"error\"} 2\n"
          "# HELP queue_bytes Queued\n"
          "# TYPE queue_bytes gauge\n"
          "queue_bytes{job=\"j\"} 1024\n");
    r.remove_collector(id);
    CHECK_THAT(r.render(), !Catch::Contains("queue_bytes"));
}

TEST_CASE("one name cannot be two kinds of metric", "[metrics]") {
    metrics::registry r;
    r.counter_of("z", "Z");
    CHECK_THROWS_AS(r.gauge_of("z", "Z"), std::logic_error);
}

TEST_CASE("sample values: integers without a point, others in their shortest form", "[metrics]") {
    CHECK(metrics::format_value(3) == "3");
    CHECK(metrics::format_value(0.25) == "0.25");
    CHECK(metrics::format_value(0.1) == "0.1");
    CHECK(metrics::format_value(std::numeric_limits<double>::infinity()) == "+Inf");
}
