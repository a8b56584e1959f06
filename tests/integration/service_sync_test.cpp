// connectors-asio as a user runs it: the service with mock-elasticsearch and mock-salesforce
// (all on port 0), a connector bootstrapped from config.yml, a cron schedule set as Kibana sets
// it, and the one-shot `sync` command. Every wait polls observable state with a deadline.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

TEST_CASE("the service runs a cron-scheduled full sync into the content index",
          "[integration][service]") {
    environment env;
    const auto expected = expected_ids(env.sf.base_url());
    REQUIRE(expected.size() > 20);

    auto svc = env.start_service();
    const std::string es_url = env.es.base_url();

    // The service bootstraps the connector from config.yml.
    REQUIRE(eventually([&] { return connector_configured(es_url, "sf-service"); }));
    // A user enables a schedule, as Kibana does.
    set_full_schedule(es_url, "sf-service", "*/2 * * * * ?");

    std::optional<es::doc_hit> done;
    REQUIRE(eventually([&] {
        for (auto& j : jobs_of(es_url, "sf-service")) {
            if (j.source.at("status") == "completed") {
                done = j;
                return true;
            }
        }
        return false;
    }));
    const auto& job = done->source;
    CHECK(job.at("job_type") == "full");
    CHECK(job.at("trigger_method") == "scheduled");
    CHECK(job.at("error").is_null());
    CHECK(job.at("indexed_document_count").to_number<std::int64_t>() ==
          static_cast<std::int64_t>(expected.size()));
    CHECK(job.at("deleted_document_count").to_number<std::int64_t>() == 0);
    CHECK(job.at("total_document_count").to_number<std::int64_t>() ==
          static_cast<std::int64_t>(expected.size()));

    CHECK(index_ids(es_url, "search-sf-service") == expected);

    auto connector = connector_doc(es_url, "sf-service");
    REQUIRE(connector);
    REQUIRE(eventually([&] {
        connector = connector_doc(es_url, "sf-service");
        return connector->at("last_sync_status") == "completed";
    }));
    CHECK(connector->at("status") == "connected");
    CHECK(connector->at("error").is_null());
    CHECK(connector->at("last_indexed_document_count").to_number<std::int64_t>() ==
          static_cast<std::int64_t>(expected.size()));
    CHECK(connector->at("last_sync_scheduled_at").is_string());
    CHECK(connector->at("configuration").at("domain").at("value") == "mock");
    CHECK(connector->at("features").at("incremental_sync").at("enabled") == true);

    // No two scheduled full jobs of this connector are alive at the same time.
    for (auto& j : jobs_of(es_url, "sf-service")) {
        INFO(json::serialize(j.source.at("status")));
        CHECK(j.source.at("status") != "error");
    }

    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
}

TEST_CASE("one-shot sync creates the connector, syncs and prints a summary",
          "[integration][service][oneshot]") {
    environment env;
    const auto expected = expected_ids(env.sf.base_url());
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"sync", "--config", env.config.string(),
                                                            "--connector-id", "sf-oneshot"});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("completed: fetched " + std::to_string(expected.size())));
    CHECK_THAT(r.output, Catch::Contains("indexed " + std::to_string(expected.size())));
    // The summary says how much went to Elasticsearch: the documents, so not nothing.
    const auto sent = r.output.rfind("  sent ");
    REQUIRE(sent != std::string::npos);
    CHECK(std::stod(r.output.substr(sent + 7)) > 0.0);
    CHECK(r.output.find(" MB  ", sent) != std::string::npos);
    CHECK(index_ids(env.es.base_url(), "search-sf-oneshot") == expected);
    auto jobs = jobs_of(env.es.base_url(), "sf-oneshot");
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].source.at("status") == "completed");
    CHECK(jobs[0].source.at("trigger_method") == "on_demand");

    // A second run deletes nothing and indexes everything again; a wrong secret fails with
    // the source's error and exit status 1.
    auto again = child_process::run(
        CASIO_BIN_CONNECTORS_ASIO,
        {"sync", "--config", env.config.string(), "--connector-id", "sf-oneshot"});
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, Catch::Contains("deleted 0"));
}

TEST_CASE("one-shot sync of an unknown connector fails with its id",
          "[integration][service][oneshot]") {
    environment env;
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"sync", "--config", env.config.string(),
                                                            "--connector-id", "nope"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("connector nope does not exist"));
}

TEST_CASE("a running job is canceled on request, SIGTERM suspends the next one",
          "[integration][service][cancel]") {
    // Slow Salesforce (2 s a call): even with its calls overlapping, the sync lasts well over
    // the cancellation poll, so the cancel and the SIGTERM always land while it runs.
    environment env("2000");
    const std::string es_url = env.es.base_url();
    auto svc = env.start_service();
    REQUIRE(eventually([&] { return connector_configured(es_url, "sf-service"); }));

    // Kibana's "Sync" button, then "Cancel" while it runs.
    const auto first = create_job(es_url, "sf-service");
    REQUIRE(eventually([&] { return job_status(es_url, first) == "in_progress"; }));
    with_es<bool>(es_url, [&](es::client& c) -> asio::awaitable<bool> {
        co_await c.cancel_sync_job(first);
        co_return true;
    });
    REQUIRE(eventually([&] { return job_status(es_url, first) == "canceled"; },
                       std::chrono::seconds(20)));
    REQUIRE(eventually(
        [&] { return connector_doc(es_url, "sf-service")->at("last_sync_status") == "canceled"; }));
    CHECK(connector_doc(es_url, "sf-service")->at("status") == "connected");

    // Shutdown while a job runs: the job is suspended (picked up again by the next start).
    const auto second = create_job(es_url, "sf-service");
    REQUIRE(eventually([&] { return job_status(es_url, second) == "in_progress"; }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    CHECK(job_status(es_url, second) == "suspended");
    auto connector = connector_doc(es_url, "sf-service");
    CHECK(connector->at("last_sync_status") == "suspended");
    CHECK(connector->at("status") == "connected");

    // The next start takes the suspended job again and completes it.
    auto restarted = env.start_service();
    REQUIRE(eventually([&] { return job_status(es_url, second) == "completed"; }));
    CHECK(index_ids(es_url, "search-sf-service") == expected_ids(env.sf.base_url()));
    restarted.signal(SIGINT);
    CHECK(restarted.wait(std::chrono::seconds(10)) == 0);
}

TEST_CASE("the service exits non-zero when Elasticsearch never answers",
          "[integration][service][preflight]") {
    temp_dir dir;
    const auto config = dir.path / "config.yml";
    // Port 1 on loopback: connection refused at once.
    std::ofstream(config) << "elasticsearch:\n"
                          << "  host: http://127.0.0.1:1\n"
                          << "  max_wait_duration: 0.5\n"
                          << "  initial_backoff_duration: 0.1\n"
                          << "connectors:\n"
                          << "  - connector_id: c\n"
                          << "    service_type: salesforce\n";
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", config.string()},
                                std::chrono::seconds(30));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("http://127.0.0.1:1 is not reachable"));
    CHECK_THAT(r.output, Catch::Contains("attempt 3"));
}

TEST_CASE("one-shot access-control and incremental syncs", "[integration][service][oneshot]") {
    environment env;
    const std::string es_url = env.es.base_url();
    auto sync = [&](const char* type) {
        return child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                  {"sync", "--config", env.config.string(), "--connector-id",
                                   "sf-dls", "--job-type", type});
    };
    auto acl = sync("access_control");
    INFO(acl.output);
    REQUIRE(acl.exit_code == 0);
    const auto identities = index_ids(es_url, ".search-acl-filter-search-sf-dls");
    CHECK(identities.size() > 5);
    for (const auto& id : identities) {
        CHECK(id.rfind("005", 0) == 0);  // one identity document per Salesforce user
    }
    CHECK(connector_doc(es_url, "sf-dls")->at("last_access_control_sync_status") == "completed");

    auto full = sync("full");
    REQUIRE(full.exit_code == 0);
    const auto after_full = index_ids(es_url, "search-sf-dls");
    // Nothing changed in Salesforce: the incremental sync reads the changes since the full
    // sync's cursor (none) and deletes nothing (docs/incremental-sync.md).
    auto incremental = sync("incremental");
    INFO(incremental.output);
    REQUIRE(incremental.exit_code == 0);
    CHECK_THAT(incremental.output, Catch::Contains("reads the changes since the sync cursor"));
    CHECK_THAT(incremental.output, Catch::Contains("deleted 0"));
    CHECK_THAT(incremental.output, Catch::Contains("fetched 0"));
    CHECK(index_ids(es_url, "search-sf-dls") == after_full);
}

TEST_CASE("a one-shot sync that fails exits 1 with the job's error and writes it",
          "[integration][service][oneshot]") {
    environment env;
    const std::string es_url = env.es.base_url();
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"sync", "--config", env.config.string(),
                                                            "--connector-id", "sf-bad"});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("error: "));
    CHECK_THAT(r.output, !Catch::Contains("wrong-secret"));  // never a secret in a message
    auto jobs = jobs_of(es_url, "sf-bad");
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].source.at("status") == "error");
    const std::string error(jobs[0].source.at("error").as_string());
    CHECK_THAT(error, Catch::Contains("invalid client credentials"));
    CHECK_THAT(r.output, Catch::Contains("invalid client credentials"));
    auto connector = connector_doc(es_url, "sf-bad");
    CHECK(connector->at("status") == "error");
    CHECK(connector->at("last_sync_status") == "error");
    CHECK(connector->at("last_sync_error") == jobs[0].source.at("error"));
    CHECK(index_ids(es_url, "search-sf-bad").empty());
}

TEST_CASE("the service rides out an Elasticsearch outage and keeps scheduling",
          "[integration][service][outage]") {
    environment env;
    {
        // Fail fast during the outage instead of the default 10 s retry interval.
        std::ofstream(env.config, std::ios::app) << "elasticsearch.max_retries: 1\n";
    }
    const std::string es_url = env.es.base_url();
    auto svc = env.start_service();
    REQUIRE(eventually([&] { return connector_configured(es_url, "sf-service"); }));
    set_full_schedule(es_url, "sf-service", "*/2 * * * * ?");
    auto completed = [&] {
        std::size_t n = 0;
        for (auto& j : jobs_of(es_url, "sf-service")) {
            n += j.source.at("status") == "completed" ? 1 : 0;
        }
        return n;
    };
    REQUIRE(eventually([&] { return completed() >= 1; }));
    const auto before = completed();

    // Every call fails with 503 for three seconds.
    with_es<bool>(es_url, [](es::client& c) -> asio::awaitable<bool> {
        es::client::call outage;
        outage.verb = http::method::post;
        outage.path = "/_mock/unavailable";
        outage.query = "for_ms=3000";
        outage.retry = es::client::retry_mode::none;
        co_await c.execute(outage);
        co_return true;
    });
    REQUIRE(eventually([&] {
        try {
            return completed() >= before + 2;
        } catch (const std::exception&) {
            return false;  // still unavailable
        }
    }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
}

#endif
