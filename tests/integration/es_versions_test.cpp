// Which Elasticsearch releases connectors-asio works with (docs/compatibility.md, "Elasticsearch
// versions"): mock-elasticsearch answers GET / with the release of --version, and the real
// binary is run against it as a user runs it.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

namespace {

environment_options with_version(const std::string& version) {
    environment_options o;
    o.es_args = {"--version", version};
    return o;
}

}  // namespace

TEST_CASE("a one-shot sync completes on every supported Elasticsearch release",
          "[integration][versions]") {
    // The first release with every connector API the service calls, the last 8.x, the
    // release docker-compose.yml defaults to, and the one the service speaks as.
    for (const char* version : {"8.15.0", "8.19.3", "9.1.0", "9.6.0"}) {
        INFO("Elasticsearch " << version);
        environment env(with_version(version));
        auto r = env.sync("sf-oneshot");
        INFO(r.output);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.output, !Catch::Contains("ALLOW_ES_VERSION_MISMATCH"));
        CHECK(index_ids(env.es.base_url(), "search-sf-oneshot") == expected_ids(env.sf.base_url()));
    }
}

TEST_CASE("an Elasticsearch release without the claim API is refused naming what it lacks",
          "[integration][versions]") {
    environment env(with_version("8.14.3"));
    auto r = env.sync("sf-oneshot");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("Elasticsearch 8.14.3 lacks connector APIs"));
    CHECK_THAT(r.output,
               Catch::Contains("PUT /_connector/_sync_job/{id}/_claim (added in 8.15.0)"));
    CHECK_THAT(r.output, Catch::Contains("use Elasticsearch 8.15.0 or later"));
    // Nothing was written: no job was created.
    auto jobs = http_call("GET", env.es.port(), "/_connector/_sync_job?connector_id=sf-oneshot");
    CHECK(json::parse(jobs.body).at("count") == 0);

    // The service refuses to start the same way.
    auto svc = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", env.config.string()});
    CHECK(svc.exit_code == 1);
    CHECK_THAT(svc.output, Catch::Contains("PUT /_connector/_sync_job/{id}/_claim"));
}

TEST_CASE("ALLOW_ES_VERSION_MISMATCH lets an older release through", "[integration][versions]") {
    environment env(with_version("8.11.0"));
    ::setenv("ALLOW_ES_VERSION_MISMATCH", "true", 1);
    auto r = env.sync("sf-oneshot");
    ::unsetenv("ALLOW_ES_VERSION_MISMATCH");
    INFO(r.output);
    // The mock has every API whatever release it claims to be.
    CHECK(r.exit_code == 0);
}

TEST_CASE("a newer Elasticsearch major is warned about and used", "[integration][versions]") {
    environment env(with_version("10.0.0"));
    auto r = env.sync("sf-oneshot");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("Elasticsearch 10.0.0 is a newer major version than "
                                         "connectors-asio knows (9.x)"));
    CHECK(index_ids(env.es.base_url(), "search-sf-oneshot") == expected_ids(env.sf.base_url()));
}

#endif
