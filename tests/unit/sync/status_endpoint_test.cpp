// The answers of the service's HTTP endpoint, without sockets.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <casio/core/metrics.hpp>
#include <casio/sync/job_metrics.hpp>
#include <casio/sync/status_endpoint.hpp>

namespace cs = casio::sync;
namespace http = casio::http;
namespace json = boost::json;

namespace {

http::server_response get(const std::string& target, const std::string& method = "GET") {
    auto req = http::server_request::make(method, target);
    return cs::status_answer(req);
}

}  // namespace

TEST_CASE("GET /health answers ok", "[status]") {
    auto r = get("/health");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(json::parse(r.body) == json::parse(R"({"status":"ok"})"));
}

TEST_CASE("GET /ready is 503 with a reason while the loops do not run", "[status]") {
    cs::set_loops_running(false);
    auto r = get("/ready");
    CHECK(r.status == 503);
    const auto body = json::parse(r.body).as_object();
    CHECK(body.at("status") == "not_ready");
    CHECK_THAT(std::string(body.at("reason").as_string()), Catch::Contains("loops"));
}

TEST_CASE("GET /metrics is the Prometheus text of the process's registry", "[status]") {
    casio::core::metrics::global().counter_of("casio_test_status_total", "A test counter").add(7);
    auto r = get("/metrics");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == casio::core::metrics::content_type);
    CHECK_THAT(r.body, Catch::Contains("# TYPE casio_test_status_total counter\n"
                                       "casio_test_status_total 7\n"));
}

TEST_CASE("a running job's totals are read from its counters, and kept once it ended",
          "[status][metrics]") {
    cs::sync_totals live;
    live.indexed = 5;
    live.docs_received = 6;
    {
        cs::job_metrics job("job-m", "conn-m", "full",
                            {[&] { return live; }, [] { return std::uint64_t{4096}; }});
        auto text = get("/metrics").body;
        const std::string labels =
            "{connector_id=\"conn-m\",job_type=\"full\",sync_job_id=\"job-m\"}";
        CHECK_THAT(text, Catch::Contains("connectors_asio_sync_documents_indexed_total" + labels +
                                         " 5\n"));
        CHECK_THAT(text, Catch::Contains("connectors_asio_bulk_queue_bytes" + labels + " 4096\n"));
        CHECK(cs::running_job_count() >= 1);
        live.indexed = 9;
        cs::sync_totals final_totals = live;
        job.ended(cs::job_status::completed, final_totals);
        live.indexed = 1000;  // no longer read
        text = get("/metrics").body;
        CHECK_THAT(text, Catch::Contains("connectors_asio_sync_documents_indexed_total" + labels +
                                         " 9\n"));
        CHECK_THAT(text, !Catch::Contains("connectors_asio_bulk_queue_bytes" + labels));
        CHECK_THAT(text,
                   Catch::Contains(
                       "connectors_asio_jobs_ended_total{job_type=\"full\",status=\"completed\"}"));
    }
}

TEST_CASE("other paths are 404, other methods 405", "[status]") {
    CHECK(get("/").status == 404);
    CHECK(get("/metrics/x").status == 404);
    auto r = get("/metrics", "POST");
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "GET, HEAD");
}
