// connectors-asio against a Salesforce that misbehaves: tests/proxy/hostile-proxy stands
// between the service and mock-salesforce and, on chosen requests, lies about a listing
// (records without Id, an id twice, fewer records than totalSize, a nextRecordsUrl pointing
// back), stalls, or limits the rate. Each test runs the real binaries on port 0 and checks what
// a user sees: the job's status and error, the connector, and the documents in the index.
#include <catch2/catch.hpp>

#include "support/scripted_server.hpp"
#include "support/service_test.hpp"

#if defined(CASIO_SERVICE_TESTS) && defined(CASIO_BIN_HOSTILE_PROXY)

#include <iterator>
#include <sys/stat.h>

namespace {

// hostile-proxy in front of the environment's mock-salesforce; the service started after this
// reaches Salesforce through it.
struct hostile_salesforce {
    child_process proxy;

    explicit hostile_salesforce(const environment& env)
        : proxy(child_process::start_server(CASIO_BIN_HOSTILE_PROXY,
                                            {"--upstream", env.sf.base_url(), "--port", "0"})) {
        ::setenv("SALESFORCE_EMULATOR_HOST", proxy.base_url().c_str(), 1);
    }
    void rules(const std::string& rules_json) const {
        const auto r = http_call("POST", proxy.port(), "/__proxy/rules", rules_json);
        INFO(r.body);
        REQUIRE(r.status == 204);
    }
    // How many requests each rule acted on.
    std::vector<std::int64_t> applied() const {
        const auto v = json::parse(http_call("GET", proxy.port(), "/__proxy/stats").body);
        std::vector<std::int64_t> out;
        for (const auto& n : v.at("applied").as_array()) {
            out.push_back(n.as_int64());
        }
        return out;
    }
};

json::object latest_job_of(const std::string& es_url, const std::string& connector) {
    auto jobs = jobs_of(es_url, connector);
    REQUIRE(!jobs.empty());
    const auto latest =
        std::max_element(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
            return a.source.at("created_at").as_string() < b.source.at("created_at").as_string();
        });
    return latest->source;
}

std::int64_t count_in(const json::object& job, const char* field) {
    return job.at(field).to_number<std::int64_t>();
}

// A first sync fills the index; then the proxy applies `rules` and a second sync runs. It must
// end in error with a message containing `expected_error`, delete nothing and leave every
// document of the first sync in place.
void check_listing_refused(const std::string& rules, const std::string& expected_error) {
    environment env;
    const std::string es_url = env.es.base_url();
    const std::string index = "search-sf-oneshot";
    hostile_salesforce sf(env);
    auto first = env.sync("sf-oneshot");
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const auto before = index_docs(es_url, index);
    REQUIRE(!before.empty());

    sf.rules(rules);
    auto second = env.sync("sf-oneshot", std::chrono::seconds(60));
    INFO(second.output);
    CHECK(second.exit_code == 1);
    CHECK_THAT(second.output, Catch::Contains(expected_error));
    for (auto n : sf.applied()) {
        CHECK(n >= 1);  // the fault did happen
    }
    const auto job = latest_job_of(es_url, "sf-oneshot");
    INFO(json::serialize(job));
    CHECK(job.at("status") == "error");
    REQUIRE(job.at("error").is_string());
    CHECK_THAT(std::string(job.at("error").as_string()), Catch::Contains(expected_error));
    CHECK(count_in(job, "deleted_document_count") == 0);
    CHECK(connector_doc(es_url, "sf-oneshot")->at("last_sync_status") == "error");
    const auto after = index_docs(es_url, index);
    CHECK(after.size() == before.size());
    for (const auto& [id, doc] : before) {
        CHECK(after.count(id) == 1);
    }
}

}  // namespace

TEST_CASE("a record without Id fails the sync naming the object, and deletes nothing",
          "[integration][reliability][listing]") {
    check_listing_refused(R"([{"match":"FROM%20Account","action":"drop_id","record":3,"times":1}])",
                          "Account: a record without Id");
}

TEST_CASE("a page short of its totalSize fails the sync naming the object, and deletes nothing",
          "[integration][reliability][listing]") {
    check_listing_refused(R"([{"match":"FROM%20Account","action":"short_page","count":2}])",
                          "Account: the listing brought 22 records, totalSize said 24");
}

TEST_CASE("an id listed twice fails the sync naming the id, and deletes nothing",
          "[integration][reliability][listing]") {
    check_listing_refused(
        R"([{"match":"FROM%20Account","action":"duplicate_record","record":0,"times":1}])",
        "the source listed document 001");
}

TEST_CASE("a nextRecordsUrl pointing to a page already read stops the object with an error",
          "[integration][reliability][listing]") {
    check_listing_refused(R"([{"match":"FROM%20Account","action":"loop_locator","times":1}])",
                          "Account: the next page");
}

TEST_CASE("Salesforce answering 429 with Retry-After slows the sync down, which completes",
          "[integration][reliability][sf429]") {
    environment env;
    const std::string es_url = env.es.base_url();
    hostile_salesforce sf(env);
    sf.rules(R"([{"match":"FROM%20Account","action":"status","status":429,)"
             R"("headers":{"Retry-After":"1"},"times":2,)"
             R"("body":"[{\"message\":\"slow down\",\"errorCode\":\"TOO_MANY_REQUESTS\"}]"}])");
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(sf.applied().at(0) == 2);  // refused twice, then answered
    CHECK(index_ids(es_url, "search-sf-oneshot") == expected_ids(env.sf.base_url()));
}

namespace {

// A file of the environment's org (121,256 bytes of HTML) and its document.
constexpr const char* slow_file_version = "068B00000000004IAA";
constexpr const char* slow_file_document = "069B00000000004IAA";

}  // namespace

TEST_CASE("a file sent at a trickle is indexed without content, and the sync completes",
          "[integration][reliability][deadline]") {
    environment_options opts;
    opts.extra_config = "salesforce:\n  min_transfer_rate: 16\n  transfer_rate_window: 1\n";
    environment env(opts);
    const std::string es_url = env.es.base_url();
    hostile_salesforce sf(env);
    sf.rules(R"([{"match":")" + std::string(slow_file_version) +
             R"(/VersionData","action":"slow","bytes_per_second":500}])");
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(sf.applied().at(0) == 3);  // tried three times, each cut within a window
    // Cut for too few bytes in a window, or for none at all in one (the proxy sends 500
    // bytes a second, a window is a second: which of the two comes first is a matter of
    // timing).
    CHECK_THAT(r.output, Catch::Contains("at least 16384 bytes/s required)"));
    CHECK_THAT(r.output, Catch::Contains("File " + std::string(slow_file_document)));
    CHECK_THAT(r.output, Catch::Contains("is indexed without content"));
    const auto docs = index_docs(es_url, "search-sf-oneshot");
    CHECK(index_ids(es_url, "search-sf-oneshot") == expected_ids(env.sf.base_url()));
    REQUIRE(docs.count(slow_file_document) == 1);
    CHECK(!docs.at(slow_file_document).contains("body"));
    CHECK(!docs.at(slow_file_document).contains("_attachment"));
    REQUIRE(docs.count("069B00000000003IAA") == 1);  // another file (csv) has its text
    CHECK(docs.at("069B00000000003IAA").contains("body"));
}

TEST_CASE("a query answer held open is cut at the first-byte deadline and retried",
          "[integration][reliability][deadline]") {
    environment_options opts;
    opts.extra_config = "salesforce:\n  first_byte_timeout: 1\n  slow_answer_warning: 0.5\n";
    environment env(opts);
    const std::string es_url = env.es.base_url();
    hostile_salesforce sf(env);

    SECTION("held once: a warning, a retry, and the sync completes") {
        sf.rules(R"([{"match":"FROM%20Account","action":"hold","times":1}])");
        auto r = env.sync("sf-oneshot");
        INFO(r.output);
        CHECK(r.exit_code == 0);
        CHECK(sf.applied().at(0) == 1);
        CHECK_THAT(r.output, Catch::Contains("/query: no answer after 500 ms; waiting up to 1 s"));
        CHECK_THAT(r.output, Catch::Contains("timed out after 1000 ms while reading the response "
                                             "header; trying again in 1 s"));
        CHECK(index_ids(es_url, "search-sf-oneshot") == expected_ids(env.sf.base_url()));
    }

    SECTION("held every time: the job fails naming the query") {
        sf.rules(R"([{"match":"FROM%20Account","action":"hold"}])");
        auto r = env.sync("sf-oneshot");
        INFO(r.output);
        CHECK(r.exit_code == 1);
        CHECK(sf.applied().at(0) == 3);
        const auto job = latest_job_of(es_url, "sf-oneshot");
        INFO(json::serialize(job));
        CHECK(job.at("status") == "error");
        REQUIRE(job.at("error").is_string());
        const std::string error(job.at("error").as_string());
        CHECK_THAT(error, Catch::Contains("Salesforce query Account"));
        CHECK_THAT(error, Catch::Contains("timed out after 1000 ms"));
    }
}

TEST_CASE("SIGTERM while a file downloads suspends the job without indexing the file",
          "[integration][reliability][deadline]") {
    environment env;
    const std::string es_url = env.es.base_url();
    hostile_salesforce sf(env);
    // Slow, but above no minimum rate: the download is under way when SIGTERM comes.
    sf.rules(R"([{"match":")" + std::string(slow_file_version) +
             R"(/VersionData","action":"slow","bytes_per_second":20000}])");
    auto svc = env.start_service(true);
    output_tail log{svc, {}};
    REQUIRE(eventually([&] {
        log.drain();
        return connector_configured(es_url, "sf-service");
    }));
    const auto job_id = create_job(es_url, "sf-service");
    REQUIRE(eventually([&] {
        log.drain();
        return sf.applied().at(0) >= 1;
    }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    INFO(log.drain());
    CHECK(job_status(es_url, job_id) == "suspended");
    const auto docs = index_docs(es_url, "search-sf-service");
    CHECK(docs.count(slow_file_document) == 0);  // never without its content
}

TEST_CASE("Salesforce over TLS with a private CA: trusted through salesforce.ca_certs",
          "[integration][reliability][tls]") {
    casio::test::tls_identity identity;  // a self-signed certificate for 127.0.0.1
    environment_options opts;
    environment env(opts);
    const std::string es_url = env.es.base_url();
    const auto key = env.dir.path / "key.pem";
    std::ofstream(key) << identity.key_pem();
    auto proxy = child_process::start_server(
        CASIO_BIN_HOSTILE_PROXY, {"--upstream", env.sf.base_url(), "--port", "0", "--tls-cert",
                                  identity.cert_file(), "--tls-key", key.string()});
    const std::string https = "https://127.0.0.1:" + std::to_string(proxy.port());
    ::setenv("SALESFORCE_EMULATOR_HOST", https.c_str(), 1);

    SECTION("without the CA the job fails naming the host and the verification") {
        auto r = env.sync("sf-oneshot");
        INFO(r.output);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.output,
                   Catch::Contains("TLS certificate verification failed for host '127.0.0.1'"));
    }

    SECTION("with salesforce.ca_certs the sync completes") {
        std::ofstream(env.config, std::ios::app)
            << "salesforce:\n  ca_certs: " << identity.cert_file() << "\n";
        auto r = env.sync("sf-oneshot");
        INFO(r.output);
        CHECK(r.exit_code == 0);
        CHECK(index_ids(es_url, "search-sf-oneshot") == expected_ids(env.sf.base_url()));
    }
}

TEST_CASE("SIGTERM while bulk items wait to be sent again suspends the job cleanly",
          "[integration][reliability][bulk429]") {
    environment_options opts;
    opts.es_args = {"--bulk-429-every", "1"};                       // every item, every round
    opts.extra_config = "elasticsearch.bulk.retry_interval: 60\n";  // long waits
    environment env(opts);
    const std::string es_url = env.es.base_url();
    auto svc =
        child_process::start(CASIO_BIN_CONNECTORS_ASIO, {"--config", env.config.string()}, true);
    output_tail log{svc, {}};
    REQUIRE(eventually([&] {
        log.drain();
        return connector_configured(es_url, "sf-service");
    }));
    const auto job_id = create_job(es_url, "sf-service");
    REQUIRE(eventually([&] {
        return log.drain().find("items with 429 (overloaded); sending them again in 4 s") !=
               std::string::npos;  // the third round: a 4 s wait is under way
    }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    const std::string& text = log.drain();
    INFO(text);
    CHECK_THAT(text, !Catch::Contains("CRITICAL"));
    CHECK_THAT(text, !Catch::Contains("without finish"));
    CHECK(job_status(es_url, job_id) == "suspended");
    CHECK(connector_doc(es_url, "sf-service")->at("last_sync_status") == "suspended");
}

TEST_CASE("connectors of one org reuse one token across scheduling rounds",
          "[integration][reliability][token]") {
    environment_options opts;
    opts.extra_config = "service.idling: 0.1\n";
    environment env(opts);
    {
        // Without sf-bad, whose wrong secret asks for a token every round; and with custom
        // objects, whose check asks the org for its objects every round (a token is needed).
        std::ifstream in(env.config);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        const auto from = text.find("  - connector_id: sf-bad");
        const auto to = text.find("wrong-secret\n", from);
        REQUIRE(to != std::string::npos);
        text.erase(from, to + std::string("wrong-secret\n").size() - from);
        const std::string objects = "      standard_objects_to_sync: \"*\"\n";
        const std::string custom =
            "      sync_custom_objects: true\n      custom_objects_to_sync: \"*\"\n";
        for (auto at = text.find(objects); at != std::string::npos;
             at = text.find(objects, at + custom.size() + objects.size())) {
            text.insert(at, custom);
        }
        std::ofstream(env.config) << text;
    }
    // The proxy counts token requests, and every other request (each round pings the org
    // for each connector).
    hostile_salesforce sf(env);
    sf.rules(
        R"([{"match":"/services/oauth2/token","action":"pass"},{"match":"","action":"pass"}])");
    auto svc =
        child_process::start(CASIO_BIN_CONNECTORS_ASIO, {"--config", env.config.string()}, true);
    output_tail log{svc, {}};
    REQUIRE(eventually([&] {
        log.drain();
        return sf.applied().at(1) >= 30;  // ten rounds or more
    }));
    const auto tokens = sf.applied().at(0);
    INFO(log.drain());
    CHECK(tokens >= 1);
    CHECK(tokens <= 3);  // the first round's concurrent checks, at most
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
}

namespace {

// Runs the service on `config_text` (written to a file in `dir`) and returns what it printed.
child_process::result run_with_config(const temp_dir& dir, const std::string& config_text) {
    const auto path = dir.path / "config.yml";
    std::ofstream(path) << config_text;
    return child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", path.string()},
                              std::chrono::seconds(30));
}

void check_refused(const child_process::result& r, const std::string& expected) {
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(expected));
    CHECK_THAT(r.output, !Catch::Contains("terminate called"));
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);  // one line
}

}  // namespace

TEST_CASE("hostile configurations end in one line naming the problem and exit 2, never an abort",
          "[integration][reliability][config]") {
    temp_dir dir;
    const std::string connector =
        "connectors:\n  - connector_id: c1\n    service_type: salesforce\n";
    const auto garbage = dir.path / "garbage.pem";
    std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n";
    for (const auto& [ca, why] :
         std::vector<std::pair<std::string, std::string>>{{"/nonexistent/ca.pem", "missing"},
                                                          {dir.path.string(), "a directory"},
                                                          {garbage.string(), "not PEM"}}) {
        INFO("ca_certs " << why);
        check_refused(run_with_config(dir,
                                      "elasticsearch:\n  host: https://127.0.0.1:9\n  "
                                      "ca_certs: " +
                                          ca + "\n" + connector),
                      "elasticsearch.ca_certs: expected a readable file of PEM CA certificates");
    }
    // Settings without sane bounds took gigabytes, or failed a job with "std::bad_alloc".
    check_refused(
        run_with_config(dir, "elasticsearch.bulk.max_concurrency: 1000000000\n" + connector),
        "elasticsearch.bulk.max_concurrency: expected an integer from 1 to 256");
    check_refused(run_with_config(dir, "elasticsearch.bulk.chunk_size: 1000000000\n" + connector),
                  "elasticsearch.bulk.chunk_size: expected an integer from 1 to 100000");
    // Nine aliases of nine: a billion values once expanded.
    std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'j'; ++c) {
        laughs += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 9; ++i) {
            laughs += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
        }
        laughs += "]\n";
    }
    check_refused(run_with_config(dir, laughs), "more than 100000 values");
    // Not a regular file: /dev/zero never ends, a FIFO blocks, a directory reads as empty.
    const auto fifo = dir.path / "fifo.yml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (const std::string& path : {std::string("/dev/zero"), fifo.string(), dir.path.string()}) {
        check_refused(child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", path},
                                         std::chrono::seconds(30)),
                      path + " is not a regular file");
    }
}

TEST_CASE("a one-letter secret is redacted where it stands alone, and log lines stay readable",
          "[integration][reliability][secrets]") {
    environment env;
    temp_dir dir;
    const auto path = dir.path / "config.yml";
    std::ofstream(path) << "elasticsearch:\n  host: " << env.es.base_url()
                        << "\n  max_wait_duration: 10\nconnectors:\n"
                        << "  - connector_id: c1\n    service_type: salesforce\n"
                        << "    index_name: search-c1\n    configuration:\n"
                        << "      domain: mock\n      client_id: x\n      client_secret: x\n";
    const auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                      {"sync", "--config", path.string(), "--connector-id", "c1"},
                                      std::chrono::seconds(60));
    INFO(r.output);
    CHECK(r.exit_code == 1);                                   // the wrong credentials fail the job
    CHECK_THAT(r.output, Catch::Contains("index search-c1"));  // "index", not "inde<redacted>"
    CHECK_THAT(r.output, !Catch::Contains("inde<redacted>"));
}

#endif
