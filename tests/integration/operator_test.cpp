// What an operator sees when something is wrong, through the real binaries: every silent
// failure of issue 12 now gives a line naming the connector, key, file or quota, and the
// process survives what used to kill it or block the next sync.

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

#include <algorithm>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

// A copy of the environment's config.yml with `from` replaced by `to`, in `dir`.
std::filesystem::path edited_config(const environment& env, const temp_dir& dir,
                                    const std::string& from, const std::string& to) {
    std::ifstream in(env.config);
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, from.size(), to);
    auto path = dir.path / "edited.yml";
    std::ofstream(path) << yaml;
    return path;
}

child_process::result run_yaml(const temp_dir& dir, const std::string& yaml,
                               const std::vector<std::string>& args) {
    const auto path = dir.path / "config.yml";
    std::ofstream(path) << yaml;
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--config", path.string()});
    return child_process::run(CASIO_BIN_CONNECTORS_ASIO, all, std::chrono::seconds(30));
}

void put_connector(const std::string& es_url, const std::string& id, const std::string& type) {
    with_es<bool>(es_url, [&](es::client& c) -> boost::asio::awaitable<bool> {
        boost::json::object body{{"service_type", type},
                                 {"name", id},
                                 {"index_name", "search-" + id},
                                 {"is_native", false}};
        co_await c.put_connector(id, body);
        co_return true;
    });
}

void run_job_to_completion(const std::string& es_url, const std::string& connector_id) {
    const auto job = create_job(es_url, connector_id);
    REQUIRE(eventually([&] { return job_status(es_url, job) == "completed"; }));
}

}  // namespace

TEST_CASE(
    "the service names a missing connector, one waiting for configuration and one of "
    "another service type, once each",
    "[integration][operator][silent]") {
    environment_options o;
    o.extra_config =
        "  - connector_id: sf-typo\n"
        "    service_type: salesforce\n"
        "  - connector_id: sf-unconfigured\n"
        "  - connector_id: sf-foreign\n";
    environment env(o);
    put_connector(env.es.base_url(), "sf-foreign", "sharepoint_online");
    put_connector(env.es.base_url(), "sf-unconfigured", "salesforce");  // as Kibana creates it
    auto svc = env.start_service(true);
    output_tail out{svc, {}};
    const std::string missing =
        "connector sf-typo (connectors: in config.yml) does not exist in "
        "Elasticsearch: check its connector_id";
    const std::string unconfigured = "finish its configuration in Kibana";
    const std::string foreign =
        "connector sf-foreign has service_type \"sharepoint_online\" in "
        "Elasticsearch; connectors-asio serves only salesforce";
    const bool said = out.wait_for([&] {
        return out.text.find(missing) != std::string::npos &&
               out.text.find(unconfigured) != std::string::npos &&
               out.text.find(foreign) != std::string::npos;
    });
    INFO(out.text);
    REQUIRE(said);
    // More rounds go by (two jobs, each picked up by a later round): still one line each.
    run_job_to_completion(env.es.base_url(), "sf-service");
    run_job_to_completion(env.es.base_url(), "sf-service");
    out.drain();
    INFO(out.text);
    CHECK(occurrences(out.text, missing) == 1);
    CHECK(occurrences(out.text, "connector sf-unconfigured is ") == 1);
    CHECK(occurrences(out.text, unconfigured) == 1);
    CHECK(occurrences(out.text, foreign) == 1);
    // The foreign connector was left as it was: no Salesforce schema written into it.
    auto doc = connector_doc(env.es.base_url(), "sf-foreign");
    REQUIRE(doc);
    CHECK(doc->at("service_type") == "sharepoint_online");
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("a service type other than salesforce in config.yml is refused naming it",
          "[integration][operator][silent]") {
    temp_dir dir;
    auto r = run_yaml(dir,
                      "elasticsearch:\n  host: http://127.0.0.1:1\nconnectors:\n"
                      "  - connector_id: c1\n    service_type: sharepoint_online\n",
                      {});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("connector c1 has service_type \"sharepoint_online\", "
                                         "which connectors-asio does not serve (only salesforce)"));
    auto types = run_yaml(dir,
                          "elasticsearch:\n  host: http://127.0.0.1:1\nservice:\n"
                          "  service_types: [salesforce, mongodb]\n",
                          {});
    INFO(types.output);
    CHECK(types.exit_code == 2);
    CHECK_THAT(types.output, Catch::Contains("service.service_types: \"mongodb\" is not served"));
}

TEST_CASE("config.yml values that differ from an existing connector's are reported, not applied",
          "[integration][operator][silent]") {
    environment env;
    env.require_sync("sf-oneshot");
    temp_dir dir;
    const auto edited =
        edited_config(env, dir, "name: One-shot\n    configuration:\n      domain: mock\n",
                      "name: One-shot\n    configuration:\n      domain: elsewhere\n");
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"sync", "--config", edited.string(),
                                                            "--connector-id", "sf-oneshot"});
    INFO(r.output);
    CHECK(r.exit_code == 0);  // the stored configuration (domain mock) was used
    CHECK_THAT(r.output,
               Catch::Contains("connector sf-oneshot: config.yml gives configuration domain "
                               "other values than the connector stored in Elasticsearch, whose "
                               "values are used"));
    auto doc = connector_doc(env.es.base_url(), "sf-oneshot");
    REQUIRE(doc);
    CHECK(doc->at("configuration").at("domain").at("value") == "mock");
    // The same values: no line.
    auto same = env.sync("sf-oneshot");
    CHECK(same.exit_code == 0);
    CHECK_THAT(same.output, !Catch::Contains("other values than the connector stored"));
}

TEST_CASE("a file over max_file_download_size gets a line naming it and both sizes",
          "[integration][operator][silent]") {
    environment_options o;
    o.extra_config = "service.max_file_download_size: 100\n";
    environment env(o);
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("is indexed without content: its size, ") &&
                             Catch::Contains(" bytes, is over service.max_file_download_size "
                                             "(100 bytes)"));
}

TEST_CASE("an API quota used up during downloads fails the job naming the quota",
          "[integration][operator][silent][quota]") {
    environment_options o;
    // Enough for the token and every query of this org, not for its files.
    o.sf_args = {"--request-limit", "20"};
    environment env(o);
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    const std::string quota =
        "Salesforce API request quota of the org is used up "
        "(REQUEST_LIMIT_EXCEEDED); the sync stops";
    CHECK_THAT(r.output, Catch::Contains(quota));
    CHECK(occurrences(r.output, "is indexed without content") == 0);
    auto jobs = jobs_of(env.es.base_url(), "sf-oneshot");
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].source.at("status") == "error");
    CHECK_THAT(std::string(jobs[0].source.at("error").as_string()), Catch::Contains(quota));
}

TEST_CASE("a killed sync is ended by the next sync, which completes at once",
          "[integration][operator][robustness]") {
    environment env("150");  // slow enough to be killed half-way
    auto first = child_process::start(
        CASIO_BIN_CONNECTORS_ASIO,
        {"sync", "--config", env.config.string(), "--connector-id", "sf-oneshot"}, true);
    output_tail out{first, {}};
    std::string job_id;
    REQUIRE(out.wait_for([&] {
        std::vector<es::doc_hit> jobs;
        try {
            jobs = jobs_of(env.es.base_url(), "sf-oneshot");
        } catch (const std::exception&) {
            return false;  // no job index yet
        }
        for (const auto& j : jobs) {
            const auto* meta = j.source.if_contains("metadata");
            if (j.source.at("status") == "in_progress" && meta != nullptr && meta->is_object() &&
                meta->as_object().contains("connectors_asio_worker")) {
                job_id = j.id;
                return true;
            }
        }
        return false;
    }));
    const int first_pid = first.pid();
    first.signal(SIGKILL);
    CHECK(first.wait() == 128 + SIGKILL);
    CHECK(job_status(env.es.base_url(), job_id) == "in_progress");

    auto second = env.sync("sf-oneshot");
    INFO(second.output);
    CHECK(second.exit_code == 0);
    CHECK_THAT(second.output, Catch::Contains("job " + job_id +
                                              " of connector sf-oneshot was "
                                              "left in_progress by pid " +
                                              std::to_string(first_pid)));
    auto old = job_doc(env.es.base_url(), job_id);
    REQUIRE(old);
    CHECK(old->at("status") == "error");
    CHECK_THAT(std::string(old->at("error").as_string()),
               Catch::Contains("stopped without ending it"));
}

TEST_CASE("a service killed mid-job: the next start ends the job and runs the next one",
          "[integration][operator][robustness]") {
    environment env("150");
    auto first = env.start_service(true);
    output_tail out{first, {}};
    REQUIRE(out.wait_for([&] { return connector_configured(env.es.base_url(), "sf-service"); }));
    const auto job_id = create_job(env.es.base_url(), "sf-service");
    REQUIRE(out.wait_for([&] {
        auto job = job_doc(env.es.base_url(), job_id);
        const auto* meta = job ? job->if_contains("metadata") : nullptr;
        return job && job->at("status") == "in_progress" && meta != nullptr && meta->is_object() &&
               meta->as_object().contains("connectors_asio_worker");
    }));
    first.signal(SIGKILL);
    CHECK(first.wait() == 128 + SIGKILL);

    auto second = env.start_service(true);
    output_tail again{second, {}};
    const bool ended = again.wait_for([&] {
        return again.text.find("job " + job_id + " of connector sf-service was left in_progress") !=
               std::string::npos;
    });
    INFO(again.text);
    CHECK(ended);
    CHECK(job_status(env.es.base_url(), job_id) == "error");
    // The connector is free at once: a new job runs to completion.
    run_job_to_completion(env.es.base_url(), "sf-service");
    second.signal(SIGTERM);
    CHECK(second.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("a sync whose log pipe is closed completes: SIGPIPE does not kill it",
          "[integration][operator][robustness]") {
    environment env;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string bin = CASIO_BIN_CONNECTORS_ASIO;
    const std::string config = env.config.string();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execl(bin.c_str(), bin.c_str(), "sync", "--config", config.c_str(), "--connector-id",
                "sf-oneshot", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Nobody reads: every write of the child to stdout or stderr fails with EPIPE.
    ::close(fds[0]);
    ::close(fds[1]);
    int status = 0;
    REQUIRE(eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
    CHECK_FALSE(WIFSIGNALED(status));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    auto jobs = jobs_of(env.es.base_url(), "sf-oneshot");
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].source.at("status") == "completed");
}

TEST_CASE("fips_mode: true is refused by a build without a FIPS provider",
          "[integration][operator][config]") {
    temp_dir dir;
    auto r = run_yaml(dir,
                      "elasticsearch:\n  host: http://127.0.0.1:1\nservice:\n  fips_mode: true\n"
                      "connectors:\n  - connector_id: c1\n    service_type: salesforce\n",
                      {"sync", "--connector-id", "c1"});
    INFO(r.output);
    // Debian's OpenSSL ships no FIPS provider: this build cannot honour the key.
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("service.fips_mode: true needs a FIPS-capable build"));
    CHECK_THAT(r.output, !Catch::Contains("terminate called"));
}

TEST_CASE("a bad salesforce.ca_certs exits 2 with one line, never an abort",
          "[integration][operator][config]") {
    temp_dir dir;
    auto r = run_yaml(dir,
                      "salesforce:\n  ca_certs: /nonexistent/ca.pem\nconnectors:\n"
                      "  - connector_id: c1\n    service_type: salesforce\n",
                      {"sync", "--connector-id", "c1"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK_THAT(r.output, Catch::Contains("salesforce.ca_certs"));
}

#ifdef CASIO_BIN_PROTOCOL_DEMO
TEST_CASE("protocol-demo is a test tool, not a command of connectors-asio",
          "[integration][operator][protocol-demo]") {
    environment env;
    auto refused = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                      {"protocol-demo", "--config", env.config.string()});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Catch::Contains("\"protocol-demo\""));
    auto demo = child_process::run(CASIO_BIN_PROTOCOL_DEMO, {"--config", env.config.string()});
    INFO(demo.output);
    CHECK(demo.exit_code == 0);
}
#endif

#endif  // CASIO_SERVICE_TESTS
