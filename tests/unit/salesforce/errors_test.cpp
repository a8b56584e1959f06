#include <catch2/catch.hpp>

#include <casio/salesforce/errors.hpp>

using namespace casio::salesforce;
using casio::core::error;
using casio::core::error_kind;

namespace {

error classify(unsigned status, std::string_view body,
               std::optional<std::string_view> limit = std::nullopt) {
    auto e = classify_response(status, body, limit, "query Account");
    REQUIRE(e.has_value());
    return *e;
}

}  // namespace

TEST_CASE("2xx answers are not errors", "[salesforce][errors]") {
    CHECK_FALSE(classify_response(200, "{}", std::nullopt, "q").has_value());
    CHECK_NOTHROW(check_response(204, "", std::nullopt, "q"));
}

TEST_CASE("REQUEST_LIMIT_EXCEEDED is rate limited and names the API usage",
          "[salesforce][errors]") {
    const auto e = classify(
        403,
        R"([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])",
        "api-usage=15000/15000");
    CHECK(e.kind() == error_kind::rate_limited);
    CHECK(e.status() == 403);
    CHECK(std::string(e.what()) ==
          "Salesforce query Account: HTTP 403 API request limit exceeded (api usage "
          "15000/15000): REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.");
}

TEST_CASE("query errors are bad_request invalid query, whatever the 4xx status",
          "[salesforce][errors]") {
    for (auto code : {"INVALID_FIELD", "INVALID_TERM", "MALFORMED_QUERY", "INVALID_TYPE"}) {
        for (unsigned status : {400u, 405u}) {
            const auto e = classify(
                status,
                std::string(R"([{"message":"No such column 'Foo'","errorCode":")") + code + "\"}]");
            INFO(code << " " << status);
            CHECK(e.kind() == error_kind::bad_request);
            CHECK(std::string(e.what()).find("invalid query: " + std::string(code) +
                                             ": No such column 'Foo'") != std::string::npos);
        }
    }
}

TEST_CASE("401 is an auth error (the client drops its token)", "[salesforce][errors]") {
    const auto e = classify(
        401, R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])");
    CHECK(e.kind() == error_kind::auth);
    CHECK(std::string(e.what()).find("session expired or invalid") != std::string::npos);
    CHECK(std::string(e.what()).find("INVALID_SESSION_ID") != std::string::npos);
}

TEST_CASE("unknown codes, HTML pages and empty bodies give clear errors", "[salesforce][errors]") {
    const auto nf = classify(
        404, R"([{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}])");
    CHECK(nf.kind() == error_kind::not_found);
    CHECK(std::string(nf.what()) ==
          "Salesforce query Account: HTTP 404 NOT_FOUND: The requested resource does not exist");

    const auto odd = classify(400, R"([{"message":"what","errorCode":"SOMETHING_NEW"}])");
    CHECK(odd.kind() == error_kind::bad_request);
    CHECK(std::string(odd.what()).find("SOMETHING_NEW: what") != std::string::npos);

    const auto html = classify(414, "<html><body>URI Too Long</body></html>");
    CHECK(html.kind() == error_kind::bad_request);
    CHECK(std::string(html.what()) ==
          "Salesforce query Account: HTTP 414 with a non-JSON body: <html><body>URI Too "
          "Long</body></html>");

    const auto empty = classify(400, "");
    CHECK(empty.kind() == error_kind::bad_request);
    CHECK(std::string(empty.what()).find("non-JSON") != std::string::npos);

    const auto server = classify(503, "Service Unavailable");
    CHECK(server.kind() == error_kind::transient);
    const auto server_json = classify(500, R"([{"errorCode":"UNKNOWN_EXCEPTION","message":"x"}])");
    CHECK(server_json.kind() == error_kind::transient);

    const auto long_body = classify(502, std::string(5000, 'x'));
    CHECK(long_body.body_excerpt().size() == 200);
    CHECK_THROWS_AS(check_response(404, "[]", std::nullopt, "q"), error);
}

TEST_CASE("Sforce-Limit-Info gives the org-wide API usage", "[salesforce][errors]") {
    const auto u = parse_limit_info("api-usage=18/5000");
    REQUIRE(u);
    CHECK(u->used == 18);
    CHECK(u->limit == 5000);
    const auto both = parse_limit_info("per-app-api-usage=17/250(appName=x), api-usage=19/5000");
    REQUIRE(both);
    CHECK(both->used == 19);
    CHECK_FALSE(parse_limit_info("per-app-api-usage=17/250(appName=x)"));
    CHECK_FALSE(parse_limit_info("garbage"));
    CHECK_FALSE(parse_limit_info("api-usage=x/5"));
}

TEST_CASE("token request body is form-urlencoded", "[salesforce][token]") {
    CHECK(token_request_body("id", "s&c=r t") ==
          "grant_type=client_credentials&client_id=id&client_secret=s%26c%3Dr%20t");
}

TEST_CASE("token response gives the access token", "[salesforce][token]") {
    CHECK(parse_token_response(200, R"({"access_token":"00D!AR","token_type":"Bearer"})") ==
          "00D!AR");
    try {
        parse_token_response(200, R"({"token_type":"Bearer"})");
        FAIL("no throw");
    } catch (const error& e) {
        CHECK(e.kind() == error_kind::fatal);
    }
}

TEST_CASE("invalid_client gives the exact credentials message", "[salesforce][token]") {
    try {
        parse_token_response(
            400, R"({"error":"invalid_client","error_description":"Invalid client credentials"})");
        FAIL("no throw");
    } catch (const error& e) {
        CHECK(e.kind() == error_kind::auth);
        CHECK(std::string(e.what()) ==
              "The `client_id` and `client_secret` provided could not be used to generate a "
              "token. Status: 400, message: Bad Request, details: invalid_client, description: "
              "Invalid client credentials");
    }
}

TEST_CASE("other token failures carry defaults and their kind", "[salesforce][token]") {
    try {
        parse_token_response(400, "{}");
        FAIL("no throw");
    } catch (const error& e) {
        CHECK(e.kind() == error_kind::auth);
        CHECK(std::string(e.what()) ==
              "Could not fetch a Salesforce token. Status: 400, message: Bad Request, details: No "
              "error message found., description: No error description found.");
    }
    try {
        parse_token_response(503, "<html>down</html>");
        FAIL("no throw");
    } catch (const error& e) {
        CHECK(e.kind() == error_kind::transient);  // retried by the token getter only
    }
}
