// The command line of the Python service (`elastic-ingest --action ...`) and the connector|job
// command group (the Python `connectors` CLI's everyday uses), run as a user runs them: the real
// binary against mock-elasticsearch, and mock-salesforce where a job runs.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

namespace {

child_process::result cli(const environment& env, std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", env.config.string()});
    return child_process::run(CASIO_BIN_CONNECTORS_ASIO, args);
}

// The JSON document of a --json output (log lines, if any, go before it on stderr).
json::value json_of(const std::string& output) {
    const auto start = output.find_first_of("[{");
    REQUIRE(start != std::string::npos);
    return json::parse(output.substr(start));
}

// A connector the service does not bootstrap (no index_name in config.yml), so that the CLI
// creates it.
environment_options with_cli_connector() {
    environment_options o;
    o.extra_config = "  - connector_id: sf-cli\n    service_type: salesforce\n";
    return o;
}

}  // namespace

TEST_CASE("options may come before the command", "[integration][cli]") {
    environment env;
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                {"--log-level", "DEBUG", "-c", env.config.string(), "sync",
                                 "--connector-id", "sf-oneshot"});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("completed"));
}

TEST_CASE("the list and config actions print what the binary serves", "[integration][cli]") {
    auto list = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--action", "list"});
    CHECK(list.exit_code == 0);
    CHECK(list.output == "salesforce\n");

    auto schema = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                     {"--action", "config", "--service-type", "salesforce"});
    REQUIRE(schema.exit_code == 0);
    auto fields = json::parse(schema.output).as_object();
    CHECK(fields.at("domain").at("label") == "Domain");
    CHECK(fields.at("client_secret").at("sensitive") == true);
    CHECK(fields.at("standard_objects_to_sync").as_object().contains("ui_restrictions"));

    auto unknown = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                      {"--action", "config", "--service-type", "jira"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Catch::Contains("\"jira\"") && Catch::Contains("salesforce"));

    auto combined = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--action", "list,schedule"});
    CHECK(combined.exit_code == 2);
    CHECK_THAT(combined.output, Catch::Contains("--action list cannot be combined"));

    auto version = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"-v"});
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.output, Catch::StartsWith("connectors-asio "));
}

TEST_CASE("connector create, update-config and list go through the _connector API",
          "[integration][cli]") {
    environment env(with_cli_connector());
    const std::string es_url = env.es.base_url();

    auto created =
        cli(env, {"connector", "create", "--id", "sf-cli", "--index-name", "search-sf-cli",
                  "--name", "From the CLI", "domain=mock", "client_id=id"});
    INFO(created.output);
    REQUIRE(created.exit_code == 0);
    CHECK_THAT(created.output, Catch::Contains("created connector sf-cli (index search-sf-cli"));
    auto doc = connector_doc(es_url, "sf-cli");
    REQUIRE(doc);
    CHECK(doc->at("name") == "From the CLI");
    CHECK(doc->at("is_native") == false);
    CHECK(doc->at("configuration").at("domain").at("value") == "mock");
    CHECK(doc->at("configuration").at("client_secret").at("sensitive") == true);

    auto again = cli(env, {"connector", "create", "--id", "sf-cli", "--index-name", "search-x"});
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.output, Catch::Contains("connector sf-cli already exists"));

    // An id Elasticsearch chooses, printed as JSON.
    auto generated = cli(env, {"connector", "create", "--index-name", "search-other", "--json"});
    REQUIRE(generated.exit_code == 0);
    const std::string other_id(json_of(generated.output).at("id").as_string());
    CHECK(connector_doc(es_url, other_id));

    auto updated = cli(env, {"connector", "update-config", "sf-cli", "client_secret=s3cr3t-value",
                             "standard_objects_to_sync=*"});
    INFO(updated.output);
    REQUIRE(updated.exit_code == 0);
    CHECK_THAT(updated.output, Catch::Contains("client_secret, standard_objects_to_sync"));
    CHECK_THAT(updated.output, !Catch::Contains("s3cr3t-value"));
    doc = connector_doc(es_url, "sf-cli");
    CHECK(doc->at("configuration").at("client_secret").at("value") == "s3cr3t-value");

    auto typo = cli(env, {"connector", "update-config", "sf-cli", "client_secrett=x"});
    CHECK(typo.exit_code == 2);
    CHECK_THAT(typo.output, Catch::Contains("\"client_secrett\""));
    auto missing = cli(env, {"connector", "update-config", "nobody", "domain=x"});
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.output, Catch::Contains("connector nobody does not exist"));

    auto table = cli(env, {"connector", "list"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.output, Catch::StartsWith("ID ") && Catch::Contains("SERVICE TYPE"));
    CHECK_THAT(table.output, Catch::Contains("From the CLI") && Catch::Contains(other_id));
    CHECK_THAT(table.output, !Catch::Contains("s3cr3t-value"));

    auto listed = cli(env, {"--json", "connector", "list"});
    REQUIRE(listed.exit_code == 0);
    CHECK_THAT(listed.output, !Catch::Contains("s3cr3t-value"));
    bool found = false;
    const auto connectors = json_of(listed.output);
    for (const auto& c : connectors.as_array()) {
        if (c.at("id") == "sf-cli") {
            found = true;
            CHECK(c.at("index_name") == "search-sf-cli");
            CHECK(c.at("service_type") == "salesforce");
        }
    }
    CHECK(found);
}

TEST_CASE("job start creates a job that a service running only sync_content takes",
          "[integration][cli]") {
    environment env(with_cli_connector());
    const std::string es_url = env.es.base_url();
    REQUIRE(cli(env, {"connector", "create", "--id", "sf-cli", "--index-name", "search-sf-cli",
                      "domain=mock", "client_id=id", "client_secret=secret",
                      "standard_objects_to_sync=*"})
                .exit_code == 0);

    auto started = cli(env, {"job", "start", "-i", "sf-cli", "-t", "full", "--json"});
    INFO(started.output);
    REQUIRE(started.exit_code == 0);
    const std::string job_id(json_of(started.output).at("id").as_string());
    CHECK(job_status(es_url, job_id) == "pending");

    auto svc = child_process::start(CASIO_BIN_CONNECTORS_ASIO,
                                    {"--action", "sync_content", "--config", env.config.string()});
    REQUIRE(eventually([&] { return job_status(es_url, job_id) == "completed"; }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    // Only the loop asked for ran: nothing scheduled, the connectors were not prepared.
    CHECK(jobs_of(es_url, "sf-cli").size() == 1);

    const auto indexed = index_ids(es_url, "search-sf-cli");
    CHECK(indexed == expected_ids(env.sf.base_url()));
    auto view = cli(env, {"job", "view", job_id, "-o", "json"});
    REQUIRE(view.exit_code == 0);
    auto job = json_of(view.output).as_object();
    CHECK(job.at("status") == "completed");
    CHECK(job.at("connector_id") == "sf-cli");
    CHECK(job.at("job_type") == "full");
    CHECK(job.at("indexed_document_count").to_number<std::size_t>() == indexed.size());

    auto table = cli(env, {"job", "view", job_id});
    CHECK_THAT(table.output, Catch::Contains("status") && Catch::Contains("completed"));

    auto listed = cli(env, {"job", "list", "sf-cli"});
    REQUIRE(listed.exit_code == 0);
    CHECK_THAT(listed.output,
               Catch::StartsWith("ID ") && Catch::Contains(job_id) && Catch::Contains("completed"));
}

TEST_CASE("a job id that begins with a dash is an id, not an option", "[integration][cli]") {
    // Elasticsearch's generated ids are URL-safe base64: one in 64 begins with '-'.
    environment env;
    const std::string es_url = env.es.base_url();
    env.require_sync("sf-oneshot");
    const std::string original = create_job(es_url, "sf-oneshot");
    auto source = job_doc(es_url, original);
    REQUIRE(source);
    const std::string id = "-b2WJnEpSReQPnEJafiK";
    REQUIRE(http_call("PUT", env.es.port(),
                      "/.elastic-connectors-sync-jobs/_doc/" + id + "?refresh=true",
                      json::serialize(*source))
                .status == 201);

    auto view = cli(env, {"job", "view", id, "-o", "json"});
    INFO(view.output);
    REQUIRE(view.exit_code == 0);
    CHECK(json_of(view.output).at("id").as_string() == id);
    CHECK(json_of(view.output).at("status") == "pending");

    auto canceled = cli(env, {"job", "cancel", "--", id});
    INFO(canceled.output);
    CHECK(canceled.exit_code == 0);
    CHECK(job_status(es_url, id) == "canceled");
    CHECK(job_status(es_url, original) == "pending");

    auto unknown = cli(env, {"job", "view", "-no-such-job"});
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.output, Catch::Contains("job -no-such-job does not exist"));
}

TEST_CASE("job cancel cancels a pending job, and unknown jobs are named", "[integration][cli]") {
    environment env;
    const std::string es_url = env.es.base_url();
    // The service bootstraps its connectors; `sync` does it and then runs sf-oneshot's job.
    env.require_sync("sf-oneshot");

    auto started = cli(env, {"job", "start", "--connector-id", "sf-oneshot"});
    INFO(started.output);
    REQUIRE(started.exit_code == 0);
    std::string job_id;
    for (const auto& j : jobs_of(es_url, "sf-oneshot")) {
        if (j.source.at("status") == "pending") {
            job_id = j.id;
        }
    }
    REQUIRE_FALSE(job_id.empty());
    CHECK_THAT(started.output, Catch::Contains("created job " + job_id +
                                               " (full, connector "
                                               "sf-oneshot)"));

    auto canceled = cli(env, {"job", "cancel", job_id});
    INFO(canceled.output);
    CHECK(canceled.exit_code == 0);
    CHECK_THAT(canceled.output, Catch::Contains("job " + job_id + ": canceled"));
    CHECK(job_status(es_url, job_id) == "canceled");

    auto listed = cli(env, {"job", "list", "sf-oneshot", "--json"});
    REQUIRE(listed.exit_code == 0);
    auto jobs = json_of(listed.output).as_array();
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].at("id").as_string() == job_id);  // newest first
    CHECK(jobs[0].at("status") == "canceled");
    CHECK(jobs[1].at("status") == "completed");

    auto unknown = cli(env, {"job", "view", "no-such-job"});
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.output, Catch::Contains("job no-such-job does not exist"));
    auto no_connector = cli(env, {"job", "start", "-i", "nobody"});
    CHECK(no_connector.exit_code == 1);
    CHECK_THAT(no_connector.output, Catch::Contains("connector nobody does not exist"));
}

TEST_CASE("a service running only the schedule loop prepares connectors and runs no job",
          "[integration][cli]") {
    environment env;
    const std::string es_url = env.es.base_url();
    env.require_sync("sf-oneshot");  // bootstraps the connectors
    auto started = cli(env, {"job", "start", "-i", "sf-oneshot", "--json"});
    REQUIRE(started.exit_code == 0);
    const std::string job_id(json_of(started.output).at("id").as_string());

    auto svc = child_process::start(CASIO_BIN_CONNECTORS_ASIO,
                                    {"--config", env.config.string(), "--action", "schedule"});
    // The schedule loop checks sf-service's credentials: its status becomes connected. A
    // sync_content loop, started at the same moment, would have claimed the job by then.
    REQUIRE(eventually([&] {
        auto doc = connector_doc(es_url, "sf-service");
        return doc && doc->at("status") == "connected";
    }));
    CHECK(job_status(es_url, job_id) == "pending");
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    CHECK(job_status(es_url, job_id) == "pending");
}

#endif
