// connectors-asio's command line: what a user sees when the configuration is wrong.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"

#ifdef CASIO_BIN_CONNECTORS_ASIO

namespace {

using casio::test::child_process;

// A config file in a fresh temporary directory, removed with the object.
struct temp_config {
    std::filesystem::path dir;
    std::filesystem::path file;
    explicit temp_config(const std::string& text) {
        dir = std::filesystem::temp_directory_path() /
              ("casio-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        std::filesystem::create_directories(dir);
        file = dir / "config.yml";
        std::ofstream(file) << text;
    }
    ~temp_config() { std::filesystem::remove_all(dir); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

child_process::result run_with(const std::string& yaml) {
    temp_config cfg(yaml);
    return child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", cfg.file.string()});
}

int line_count(const std::string& s) {
    int n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("a YAML syntax error exits 2 with one line giving line and column", "[cli][config]") {
    auto r = run_with("elasticsearch:\n  host: [unclosed\nservice:\n  idling: 5\n");
    CHECK(r.exit_code == 2);
    CHECK(line_count(r.output) == 1);
    CHECK_THAT(r.output, Catch::Contains("config.yml:") && Catch::Contains("YAML"));
}

TEST_CASE("a value of the wrong type exits 2 naming the key and the value", "[cli][config]") {
    auto r = run_with("elasticsearch.bulk.chunk_size: lots\n");
    CHECK(r.exit_code == 2);
    CHECK(line_count(r.output) == 1);
    CHECK_THAT(r.output,
               Catch::Contains("elasticsearch.bulk.chunk_size") && Catch::Contains("lots"));
}

TEST_CASE("an undefined environment variable exits 2 naming it", "[cli][config]") {
    auto r = run_with("elasticsearch:\n  host: ${CASIO_TEST_SURELY_UNDEFINED_VARIABLE}\n");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("CASIO_TEST_SURELY_UNDEFINED_VARIABLE"));
}

TEST_CASE("a secret in a bad config is never printed", "[cli][config]") {
    auto r =
        run_with("elasticsearch:\n  password: hunter2-very-secret\n  request_timeout: never\n");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("elasticsearch.request_timeout"));
    CHECK_THAT(r.output, !Catch::Contains("hunter2-very-secret"));
}

TEST_CASE("a config without any connector exits 2 at once naming connectors", "[cli][config]") {
    // Elasticsearch is unreachable here: the error must come before any wait for it.
    auto r = run_with("elasticsearch:\n  host: http://127.0.0.1:1\n");
    CHECK(r.exit_code == 2);
    CHECK(line_count(r.output) == 1);
    CHECK_THAT(r.output, Catch::Contains("connectors"));
}

TEST_CASE("an unknown option exits 2 naming it", "[cli]") {
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--frobnicate"));
    auto short_one = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"-x"});
    CHECK(short_one.exit_code == 2);
    CHECK_THAT(short_one.output, Catch::Contains("unknown option \"-x\""));
}

TEST_CASE("the version option prints the version and exits 0", "[cli]") {
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--version"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::StartsWith("connectors-asio "));
}

TEST_CASE("command line mistakes exit 2 with one line naming them", "[cli]") {
    struct mistake {
        std::vector<std::string> args;
        std::string says;
    };
    for (const auto& m : std::vector<mistake>{
             {{"--action", "poll"}, "--action: expected schedule"},
             {{"--action", "config"}, "--action config needs --service-type"},
             {{"sync", "--action", "schedule"}, "--action does not apply to sync"},
             {{"job", "list", "c1", "--index-name", "x"},
              "option --index-name does not apply to job list"},
             {{"job", "frobnicate"}, "job: unknown subcommand \"frobnicate\""},
             {{"connector"}, "connector: a subcommand is needed"},
             {{"job", "view"}, "job view: the job id is needed"},
             {{"connector", "update-config", "c1", "domain"},
              "connector update-config: expected KEY=VALUE, got \"domain\""},
             {{"connector", "create"}, "connector create: --index-name is required"},
             {{"--log-format=xml"}, "--log-format: expected text or json, got \"xml\""},
             {{"--json=yes"}, "option --json takes no value"},
             {{"sync", "extra", "--connector-id", "c"}, "sync: unexpected \"extra\""},
         }) {
        auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, m.args);
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::StartsWith("connectors-asio: " + m.says));
        CHECK(line_count(r.output) == 2);  // the mistake, then where the usage is
    }
}

TEST_CASE("the help lists the command group and the actions", "[cli]") {
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("connector list") && Catch::Contains("job start") &&
                             Catch::Contains("--action") && Catch::Contains("sync_content"));
}

TEST_CASE("a connector command without Elasticsearch fails at once naming the host", "[cli]") {
    temp_config cfg("elasticsearch:\n  host: http://127.0.0.1:1\n");
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                {"connector", "list", "--config", cfg.file.string()},
                                std::chrono::seconds(20));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("connectors-asio connector list: http://127.0.0.1:1/"));
}

#endif
