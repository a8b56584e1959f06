#pragma once
// Shared helpers for the mock-salesforce unit tests.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "org.hpp"
#include "query_engine.hpp"
#include "service.hpp"
#include "sf_error.hpp"

namespace casio::mock_sf::test {

// The first page of a query as parsed JSON (batch 2000, as the API's default).
inline boost::json::value query_page(const org& o, std::string_view soql, std::size_t batch = 2000,
                                     bool all = false) {
    query_engine engine(o);
    auto res = engine.query(soql, all);
    return boost::json::parse(res->page(0, batch, "v59.0", "/services/data/v59.0/query/01gX"));
}

inline boost::json::array records(const org& o, std::string_view soql) {
    return query_page(o, soql).as_object().at("records").as_array();
}

// The errorCode of a failing query ("" when it succeeds).
inline std::string error_code(const org& o, std::string_view soql) {
    try {
        query_engine(o).query(soql);
    } catch (const sf_error& e) {
        return e.error_code();
    }
    return "";
}

inline std::string error_message(const org& o, std::string_view soql) {
    try {
        query_engine(o).query(soql);
    } catch (const sf_error& e) {
        return e.what();
    }
    return "";
}

// A service accepting the client credentials id / secret.
inline service_options id_secret_options() {
    service_options opts;
    opts.client_id = "id";
    opts.client_secret = "secret";
    return opts;
}

inline std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string("<not a string>");
}

// A client of the service in process (no sockets): requests carry the bearer token once
// login() has fetched one with client credentials `id` / `client_secret`.
struct service_caller {
    service& svc;
    std::string client_secret = "secret";
    std::string token;

    service_response call(std::string method, std::string target, std::string body = {},
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
        auto r = http::server_request::make(std::move(method), std::move(target), std::move(body),
                                            std::move(headers));
        if (!token.empty()) {
            r.headers.emplace_back("Authorization", "Bearer " + token);
        }
        return svc.handle(r);
    }
    void login() {
        auto r = call("POST", "/services/oauth2/token",
                      "grant_type=client_credentials&client_id=id&client_secret=" + client_secret);
        REQUIRE(r.status == 200);
        token = str(boost::json::parse(r.body).at("access_token"));
    }
    // A counter of GET /__admin/stats.
    std::int64_t stat(const char* name) {
        return boost::json::parse(call("GET", "/__admin/stats").body).at(name).as_int64();
    }
};

// An org, a service over it with `options` (client id `id`), and a caller with its secret: the
// setup of the service tests. call() and login() are the caller's.
struct service_fixture {
    service_fixture(org o_, const service_options& options)
        : o(std::move(o_)), svc(o, options), caller{svc, options.client_secret} {}
    service_response call(std::string method, std::string target, std::string body = {},
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
        return caller.call(std::move(method), std::move(target), std::move(body),
                           std::move(headers));
    }
    void login() { caller.login(); }

    org o;
    service svc;
    service_caller caller;
};

// A small org with exact values, for semantics tests.
inline const char* fixture_json() {
    return R"({"records": {
  "User": [
    {"Id": "005000000000001AAA", "Name": "Ada Admin", "Email": "ada@example.com", "UserType": "Standard"},
    {"Id": "005000000000002AAA", "Name": "Bob Builder", "Email": null, "UserType": "Standard"}
  ],
  "Account": [
    {"Id": "001000000000001AAA", "Name": "Acme", "Type": "Customer - Direct", "Rating": "Hot",
     "AnnualRevenue": 1000.5, "NumberOfEmployees": 10, "OwnerId": "005000000000001AAA",
     "CreatedDate": "2023-01-01T10:00:00.000+0000", "LastModifiedDate": "2023-05-20T20:49:32.000+0000",
     "BillingAddress": {"street": "1 Main St", "city": "Springfield", "country": "USA"}},
    {"Id": "001000000000002AAA", "Name": "beta corp", "Rating": null, "AnnualRevenue": 50,
     "NumberOfEmployees": 200, "OwnerId": "005000000000002AAA", "ParentId": "001000000000001AAA",
     "CreatedDate": "2023-02-01T10:00:00Z", "LastModifiedDate": "2023-06-01T00:00:00Z"},
    {"Id": "001000000000003AAA", "Name": "Gamma 100%", "Rating": "Cold", "NumberOfEmployees": 5,
     "CreatedDate": "2023-03-01T10:00:00Z", "LastModifiedDate": "2024-01-01T00:00:00+01:00"}
  ],
  "Opportunity": [
    {"Id": "006000000000001AAA", "Name": "Big deal", "StageName": "Prospecting", "AccountId": "001000000000001AAA",
     "CreatedDate": "2023-01-05T00:00:00Z", "Amount": 100, "CloseDate": "2023-12-12"},
    {"Id": "006000000000002AAA", "Name": "Bigger deal", "StageName": "Closed Won", "AccountId": "001000000000001AAA",
     "CreatedDate": "2023-03-05T00:00:00Z", "Amount": 200, "CloseDate": "2024-01-31"},
    {"Id": "006000000000003AAA", "Name": "Other deal", "StageName": "Closed Lost", "AccountId": "001000000000002AAA",
     "CreatedDate": "2023-02-05T00:00:00Z"}
  ],
  "Case": [
    {"Id": "500000000000001AAA", "Subject": "Broken widget", "AccountId": "001000000000001AAA", "Status": "New"}
  ],
  "EmailMessage": [
    {"Id": "02s000000000001AAA", "ParentId": "500000000000001AAA", "Subject": "Re: widget"}
  ],
  "ContentDocument": [
    {"Id": "069000000000001AAA", "Title": "spec", "FileExtension": "pdf", "ContentSize": 1234,
     "LatestPublishedVersionId": "068000000000001AAA", "OwnerId": "005000000000001AAA"},
    {"Id": "069000000000002AAA", "Title": "photo", "FileExtension": "png", "ContentSize": 99,
     "LatestPublishedVersionId": "068000000000002AAA"}
  ],
  "ContentVersion": [
    {"Id": "068000000000001AAA", "ContentDocumentId": "069000000000001AAA", "VersionNumber": "1",
     "FileExtension": "pdf", "ContentSize": 1234},
    {"Id": "068000000000002AAA", "ContentDocumentId": "069000000000002AAA", "VersionNumber": "3",
     "FileExtension": "png", "ContentSize": 99}
  ],
  "ContentDocumentLink": [
    {"Id": "06A000000000001AAA", "ContentDocumentId": "069000000000001AAA", "LinkedEntityId": "001000000000001AAA"},
    {"Id": "06A000000000002AAA", "ContentDocumentId": "069000000000002AAA", "LinkedEntityId": "001000000000001AAA"},
    {"Id": "06A000000000003AAA", "ContentDocumentId": "069000000000001AAA", "LinkedEntityId": "500000000000001AAA"}
  ],
  "PermissionSet": [
    {"Id": "0PS000000000001AAA", "Name": "Readers"}, {"Id": "0PS000000000002AAA", "Name": "Nobody"}
  ],
  "ObjectPermissions": [
    {"Id": "110000000000001AAA", "ParentId": "0PS000000000001AAA", "SobjectType": "Account", "PermissionsRead": true},
    {"Id": "110000000000002AAA", "ParentId": "0PS000000000002AAA", "SobjectType": "Account", "PermissionsRead": false}
  ],
  "PermissionSetAssignment": [
    {"Id": "0Pa000000000001AAA", "AssigneeId": "005000000000001AAA", "PermissionSetId": "0PS000000000001AAA"},
    {"Id": "0Pa000000000002AAA", "AssigneeId": "005000000000002AAA", "PermissionSetId": "0PS000000000002AAA"}
  ]
}})";
}

inline const org& fixture_org() {
    static const org o = org::from_fixture(fixture_json());
    return o;
}

}  // namespace casio::mock_sf::test
