// The run-time fault of /__admin/faults: after N API requests every API request fails (a status,
// or a connection closed without an answer) until the fault is cleared.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/core/error.hpp>
#include <casio/http/client.hpp>

#include "helpers.hpp"
#include "http_helpers.hpp"
#include "http_server.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;
namespace http = casio::http;

namespace {

constexpr const char* sobjects = "/services/data/v59.0/sobjects";

}  // namespace

TEST_CASE("a run-time fault fails every API request after the Nth until cleared",
          "[mock_sf][service][faults][admin]") {
    org o(org_options{11, 10});
    service svc(o, id_secret_options());
    service_caller c{svc};
    c.login();

    REQUIRE(c.call("POST", "/__admin/faults", R"({"after_requests": 2, "status": 503})").status ==
            204);
    CHECK(c.call("GET", sobjects).status == 200);
    CHECK(c.call("GET", sobjects).status == 200);
    for (int i = 0; i < 3; ++i) {
        auto r = c.call("GET", sobjects);
        CHECK(r.status == 503);
        CHECK(str(boost::json::parse(r.body).at(0).at("errorCode")) == "SERVER_UNAVAILABLE");
    }
    // A new token does not help: the outage is the server's, not the session's.
    c.login();
    CHECK(c.call("GET", sobjects).status == 503);
    CHECK(c.stat("faulted_requests") == 4);

    REQUIRE(c.call("DELETE", "/__admin/faults").status == 204);
    CHECK(c.call("GET", sobjects).status == 200);
    CHECK(c.stat("faulted_requests") == 4);

    // Another status; the fault starts at once with after_requests 0 (the default).
    REQUIRE(c.call("POST", "/__admin/faults", R"({"status": 500})").status == 204);
    CHECK(c.call("GET", sobjects).status == 500);
    // drop: the adapter closes the connection instead of sending this response.
    REQUIRE(c.call("POST", "/__admin/faults", R"({"drop": true})").status == 204);
    CHECK(c.call("GET", sobjects).drop);
}

TEST_CASE("a matching fault refuses only the queries that contain its text",
          "[mock_sf][service][faults][admin]") {
    org o(org_options{11, 10});
    service svc(o, id_secret_options());
    service_caller c{svc};
    c.login();
    REQUIRE(c.call("POST", "/__admin/faults",
                   R"({"matching":"FROM Lead WHERE IsDeleted","error_code":"INVALID_FIELD"})")
                .status == 204);
    auto lead = c.call("GET",
                       "/services/data/v59.0/queryAll?q=SELECT+Id+FROM+Lead+WHERE+IsDeleted+%3D+"
                       "true");
    CHECK(lead.status == 400);
    CHECK(str(boost::json::parse(lead.body).at(0).at("errorCode")) == "INVALID_FIELD");
    CHECK(c.call("GET",
                 "/services/data/v59.0/queryAll?q=SELECT+Id+FROM+Account+WHERE+IsDeleted+%3D+true")
              .status == 200);
    CHECK(c.stat("faulted_requests") == 1);
}

TEST_CASE("a bad fault request is refused with the field named", "[mock_sf][service][faults]") {
    org o(org_options{11, 10});
    service svc(o, id_secret_options());
    service_caller c{svc};
    auto refused = [&](const std::string& body, const std::string& expected) {
        auto r = c.call("POST", "/__admin/faults", body);
        INFO(body << " -> " << r.body);
        CHECK(r.status == 400);
        CHECK_THAT(str(boost::json::parse(r.body).at("error")), Catch::Contains(expected));
    };
    refused("not json", "JSON object");
    refused(R"({"after_requests": -1})", "after_requests");
    refused(R"({"after_requests": "5"})", "after_requests");
    refused(R"({"status": 200})", "status must be an HTTP error status");
    refused(R"({"drop": "yes"})", "drop must be true or false");
    refused(R"({"delay": 5})", "unknown field \"delay\"");
    refused(R"({"drop": true, "status": 503})", "either status or drop");
    refused(R"({"matching": 5})", "matching must be a non-empty string");
    refused(R"({"error_code": "INVALID_FIELD", "drop": true})", "either error_code or drop");
    // Nothing was set by the refused requests.
    c.login();
    CHECK(c.call("GET", sobjects).status == 200);
}

TEST_CASE("a dropping fault closes the connection without an answer, over HTTP",
          "[mock_sf][http][faults]") {
    org o(org_options{11, 10});
    service svc(o, id_secret_options());
    std::vector<std::string> outcomes;
    serve(svc, [&](http::client& client, std::string base) -> boost::asio::awaitable<void> {
        auto send = [&](http::method verb, std::string target, std::string body,
                        std::string token) -> boost::asio::awaitable<std::string> {
            http::request req;
            req.verb = verb;
            req.url = base + target;
            req.body = std::move(body);
            if (!token.empty()) {
                req.fields.push_back({"Authorization", "Bearer " + token});
            }
            if (verb == http::method::post && target.starts_with("/services")) {
                req.fields.push_back({"Content-Type", "application/x-www-form-urlencoded"});
            }
            try {
                auto res = co_await client.send(std::move(req));
                co_return std::to_string(res.status) + " " + res.body;
            } catch (const casio::core::error& e) {
                co_return "failed: " + std::string(casio::core::to_string(e.kind()));
            }
        };
        auto login = co_await send(http::method::post, "/services/oauth2/token",
                                   "grant_type=client_credentials&client_id=id&client_secret="
                                   "secret",
                                   "");
        REQUIRE(login.starts_with("200 "));
        auto token = str(boost::json::parse(login.substr(4)).at("access_token"));
        outcomes.push_back(co_await send(http::method::post, "/__admin/faults",
                                         R"({"after_requests":1,"drop":true})", ""));
        outcomes.push_back((co_await send(http::method::get, sobjects, "", token)).substr(0, 3));
        outcomes.push_back(co_await send(http::method::get, sobjects, "", token));
        outcomes.push_back(co_await send(http::method::delete_, "/__admin/faults", "", ""));
        outcomes.push_back((co_await send(http::method::get, sobjects, "", token)).substr(0, 3));
    });
    CHECK(outcomes == std::vector<std::string>{"204 ", "200", "failed: transient", "204 ", "200"});
}
