// The mock-salesforce executable: readiness line, exit status 2 naming a bad flag, a clean stop
// on SIGTERM, and a fixture served over HTTP.
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <support/child_process.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/http/client.hpp>

#include "helpers.hpp"

using casio::test::child_process;

#ifdef CASIO_BIN_MOCK_SALESFORCE

TEST_CASE("mock-salesforce exits 2 naming a bad flag", "[mock_sf][binary]") {
    auto r = child_process::run(CASIO_BIN_MOCK_SALESFORCE,
                                {"--port", "nope", "--client-id", "a", "--client-secret", "b"});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--port") != std::string::npos);
    r = child_process::run(CASIO_BIN_MOCK_SALESFORCE, {"--port", "0", "--client-id", "a"});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--client-secret") != std::string::npos);
    r = child_process::run(CASIO_BIN_MOCK_SALESFORCE, {"--fixture", "/nonexistent/org.json",
                                                       "--client-id", "a", "--client-secret", "b"});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--fixture") != std::string::npos);
    r = child_process::run(CASIO_BIN_MOCK_SALESFORCE, {"--fixture", "org.json", "--damaged-files",
                                                       "--client-id", "a", "--client-secret", "b"});
    CHECK(r.exit_code == 2);  // damaged files belong to a generated org
    CHECK(r.output.find("--damaged-files") != std::string::npos);
    for (std::vector<std::string> bad : {std::vector<std::string>{"--bandwidth-mbps", "-2"},
                                         {"--max-in-flight", "x"},
                                         {"--json-style", "yaml"},
                                         {"--locators", "backwards"}}) {
        INFO(bad[0]);
        bad.insert(bad.end(), {"--client-id", "a", "--client-secret", "b"});
        r = child_process::run(CASIO_BIN_MOCK_SALESFORCE, bad);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(bad[0]) != std::string::npos);
    }
}

TEST_CASE(
    "mock-salesforce --help names the bandwidth, in-flight, JSON style, locator and damaged files "
    "flags",
    "[mock_sf][binary]") {
    auto r = child_process::run(CASIO_BIN_MOCK_SALESFORCE, {"--help"});
    CHECK(r.exit_code == 0);
    for (const char* flag :
         {"--bandwidth-mbps", "--max-in-flight", "--json-style", "--locators", "--damaged-files"}) {
        CHECK(r.output.find(flag) != std::string::npos);
    }
}

TEST_CASE("mock-salesforce serves a fixture and stops on SIGTERM", "[mock_sf][binary]") {
    const std::string path = "/tmp/casio_mock_sf_fixture_" + std::to_string(::getpid()) + ".json";
    {
        std::ofstream out(path);
        out << casio::mock_sf::test::fixture_json();
    }
    auto child = child_process::start_server(
        CASIO_BIN_MOCK_SALESFORCE,
        {"--port", "0", "--fixture", path, "--client-id", "id", "--client-secret", "secret"});
    CHECK(child.port() != 0);
    std::string names;
    {
        boost::asio::io_context io;
        casio::http::client client(io.get_executor());
        std::exception_ptr failure;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                casio::http::request login;
                login.verb = casio::http::method::post;
                login.url = child.base_url() + "/services/oauth2/token";
                login.body = "grant_type=client_credentials&client_id=id&client_secret=secret";
                auto t = co_await client.send(std::move(login));
                auto token =
                    casio::mock_sf::test::str(boost::json::parse(t.body).at("access_token"));
                casio::http::request q;
                q.url = child.base_url() +
                        "/services/data/v59.0/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name";
                q.fields.push_back({"Authorization", "Bearer " + token});
                auto res = co_await client.send(std::move(q));
                const auto page = boost::json::parse(res.body);
                for (const auto& r : page.at("records").as_array()) {
                    names += casio::mock_sf::test::str(r.at("Name")) + ";";
                }
                client.close();
            },
            [&](std::exception_ptr e) { failure = e; });
        io.run();
        if (failure) {
            std::rethrow_exception(failure);
        }
    }
    CHECK(names == "Acme;beta corp;Gamma 100%;");
    child.signal(SIGTERM);
    CHECK(child.wait() == 0);
    std::remove(path.c_str());
}

#endif
