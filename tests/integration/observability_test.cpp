// What an operator watches, on the real binaries: the HTTP endpoint (service.http) scraped
// during a sync, whose counters end equal to the job document's; progress lines without a
// terminal; the job's labels on ECS JSON lines; a warning for each retry while Elasticsearch
// answers 503.
#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

#include <regex>
#include <sstream>

namespace {

// The service's endpoint, found through its "http endpoint listening on" line.
std::uint16_t endpoint_port(output_tail& log) {
    const std::regex line("http endpoint listening on http://127\\.0\\.0\\.1:([0-9]+)");
    std::smatch m;
    REQUIRE(log.wait_for([&] { return std::regex_search(log.text, m, line); },
                         std::chrono::seconds(30)));
    return static_cast<std::uint16_t>(std::stoul(m[1].str()));
}

// The value of one sample of a /metrics text (the line starting with `series` and a space).
std::optional<double> sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
            line[series.size()] == ' ') {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return std::nullopt;
}

std::string job_labels(const std::string& connector, const std::string& job) {
    return "{connector_id=\"" + connector + "\",job_type=\"full\",sync_job_id=\"" + job + "\"}";
}

std::int64_t field_of(const json::object& job, const char* name) {
    return job.at(name).to_number<std::int64_t>();
}

}  // namespace

TEST_CASE("service.http: /health, /ready and /metrics during a sync, counters equal to the job's",
          "[integration][observability]") {
    environment env(
        environment_options{.sf_latency_ms = "40", .extra_config = "service.http.port: 0\n"});
    const std::string es_url = env.es.base_url();
    auto svc = env.start_service(true);
    output_tail log{svc};
    const auto port = endpoint_port(log);

    const auto health = http_call("GET", port, "/health");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body) == json::parse(R"({"status":"ok"})"));
    CHECK(log.wait_for([&] { return http_call("GET", port, "/ready").status == 200; }));

    REQUIRE(eventually([&] { return connector_configured(es_url, "sf-service"); }));
    const std::string job = create_job(es_url, "sf-service");
    const std::string series = job_labels("sf-service", job);

    // During the sync: the job is running and its series are there.
    std::string during;
    REQUIRE(log.wait_for([&] {
        during = http_call("GET", port, "/metrics").body;
        return sample(during, "connectors_asio_jobs_running{job_type=\"full\"}") == 1.0 &&
               sample(during, "connectors_asio_sync_documents_received_total" + series)
                       .value_or(0) > 0;
    }));
    INFO(during);
    CHECK(sample(during, "connectors_asio_bulk_queue_bytes" + series).has_value());
    CHECK(sample(during, "connectors_asio_requests_in_flight{peer=\"elasticsearch\"}").has_value());
    CHECK(sample(during, "connectors_asio_salesforce_requests_total{status=\"200\"}").value_or(0) >
          0);
    CHECK(sample(during, "connectors_asio_salesforce_api_limit").value_or(0) > 0);
    CHECK(http_call("GET", port, "/health").status == 200);
    CHECK(http_call("GET", port, "/ready").status == 200);

    REQUIRE(log.wait_for([&] { return job_status(es_url, job) == "completed"; }));
    const auto doc = *job_doc(es_url, job);
    std::string after;
    REQUIRE(log.wait_for([&] {
        after = http_call("GET", port, "/metrics").body;
        return sample(after, "connectors_asio_jobs_running{job_type=\"full\"}") == 0.0;
    }));
    INFO(after);
    CHECK(field_of(doc, "indexed_document_count") > 0);
    CHECK(sample(after, "connectors_asio_sync_documents_indexed_total" + series) ==
          static_cast<double>(field_of(doc, "indexed_document_count")));
    CHECK(sample(after, "connectors_asio_sync_documents_deleted_total" + series) ==
          static_cast<double>(field_of(doc, "deleted_document_count")));
    CHECK(sample(after, "connectors_asio_sync_bulk_bytes_sent_total" + series).value_or(0) > 0);
    CHECK(
        sample(after, "connectors_asio_jobs_ended_total{job_type=\"full\",status=\"completed\"}") ==
        1.0);
    CHECK_THAT(after, Catch::Contains("# TYPE connectors_asio_bulk_request_duration_seconds "
                                      "histogram"));
    CHECK(sample(after, "connectors_asio_bulk_request_duration_seconds_count").value_or(0) > 0);
    svc.signal(SIGTERM);
    CHECK(svc.wait() == 0);
}

TEST_CASE(
    "without a terminal, a sync prints a progress line every display_every documents, "
    "and a line per bulk item with enable_operations_logging",
    "[integration][observability]") {
    environment env(environment_options{
        .extra_config = "elasticsearch.bulk.display_every: 10\n"
                        "elasticsearch.bulk.enable_operations_logging: true\n"});
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const std::regex progress(
        "of connector sf-oneshot: fetched ([0-9]+), indexed [0-9]+, "
        "deleted [0-9]+, skipped [0-9]+, sent [0-9.]+ MB");
    std::vector<long> fetched;
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), progress);
         it != std::sregex_iterator(); ++it) {
        fetched.push_back(std::stol((*it)[1].str()));
    }
    std::smatch total;
    REQUIRE(std::regex_search(r.output, total, std::regex("completed: fetched ([0-9]+)")));
    const long documents = std::stol(total[1].str());
    REQUIRE(documents >= 20);
    CHECK(static_cast<long>(fetched.size()) == documents / 10);
    CHECK(std::is_sorted(fetched.begin(), fetched.end()));
    // A first sync into an empty index: every document is created, one line each.
    const std::regex item("bulk item: index [^ \n]+: created");
    CHECK(std::distance(std::sregex_iterator(r.output.begin(), r.output.end(), item),
                        std::sregex_iterator()) == documents);
}

TEST_CASE("ECS JSON lines of a job carry labels.connector_id, sync_job_id and index_name",
          "[integration][observability]") {
    environment env;
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                {"sync", "--config", env.config.string(), "--connector-id",
                                 "sf-oneshot", "--log-format", "json", "--log-level", "debug"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::smatch m;
    REQUIRE(
        std::regex_search(r.output, m, std::regex("job ([A-Za-z0-9_-]+) \\(full, sf-oneshot\\)")));
    const std::string job = m[1].str();
    int labelled = 0;
    int job_lines = 0;
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] != '{') {
            continue;  // the summary line on stdout
        }
        const auto o = json::parse(line).as_object();
        const std::string message(o.at("message").as_string());
        const auto* labels = o.if_contains("labels");
        if (message.find("waiting for Elasticsearch") != std::string::npos) {
            CHECK(labels == nullptr);  // before the job: no job labels
        }
        if (message.find(job) != std::string::npos || message.starts_with("bulk: ") ||
            message.starts_with("salesforce: ")) {
            ++job_lines;
            INFO(line);
            REQUIRE(labels != nullptr);
        }
        if (labels != nullptr) {
            ++labelled;
            CHECK(labels->at("connector_id") == "sf-oneshot");
            CHECK(labels->at("sync_job_id").as_string() == job);
            CHECK(labels->at("index_name") == "search-sf-oneshot");
        }
    }
    CHECK(job_lines >= 3);  // started, bulk requests, Salesforce calls, ended
    CHECK(labelled >= job_lines);
}

TEST_CASE(
    "Elasticsearch answering 503: each retry is a warning with its attempt and wait, "
    "and /ready says why",
    "[integration][observability]") {
    environment env(environment_options{
        .extra_config = "service.http.port: 0\nelasticsearch.retry_interval: 1\n"});
    auto svc = env.start_service(true);
    output_tail log{svc};
    const auto port = endpoint_port(log);
    REQUIRE(log.wait_for([&] { return http_call("GET", port, "/ready").status == 200; }));

    const auto r = http_call("POST", env.es.port(), "/_mock/unavailable?for_ms=2500");
    REQUIRE(r.status == 200);
    const std::regex warning(
        "\\[WARNING\\] [^\\n]*503[^\\n]*trying again in 1 s \\(attempt 2 of "
        "[0-9]+\\)");
    CHECK(log.wait_for([&] { return std::regex_search(log.text, warning); },
                       std::chrono::seconds(20)));
    // Readiness follows: not ready while the calls fail, ready again after the outage.
    plain_response ready;
    CHECK(log.wait_for(
        [&] {
            ready = http_call("GET", port, "/ready");
            return ready.status == 503;
        },
        std::chrono::seconds(20)));
    CHECK_THAT(ready.body, Catch::Contains("503"));
    CHECK(log.wait_for([&] { return http_call("GET", port, "/ready").status == 200; },
                       std::chrono::seconds(30)));
    svc.signal(SIGTERM);
    CHECK(svc.wait() == 0);
}

#endif
