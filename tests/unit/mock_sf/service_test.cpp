#include "service.hpp"

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

struct harness : service_fixture {
    explicit harness(std::size_t records = 50, fault_options faults = {},
                     locator_order locators = locator_order::any, std::size_t open_cursors = 0)
        : service_fixture(org(org_options{11, records}),
                          make_options(faults, locators, open_cursors)) {}

    static service_options make_options(fault_options faults, locator_order locators,
                                        std::size_t open_cursors) {
        service_options opts;
        opts.client_id = "id";
        opts.client_secret = "s3cret";
        opts.faults = faults;
        opts.locators = locators;
        opts.max_open_cursors = open_cursors;
        return opts;
    }

    static std::string encode(std::string_view q) {
        std::string out;
        for (unsigned char c : q) {
            if (std::isalnum(c)) {
                out += static_cast<char>(c);
            } else if (c == ' ') {
                out += '+';
            } else {
                char buf[4];
                std::snprintf(buf, sizeof buf, "%%%02X", c);
                out += buf;
            }
        }
        return out;
    }
};

std::string header(const service_response& r, std::string_view name) {
    return std::string(r.header(name).value_or(""));
}

}  // namespace

TEST_CASE("token endpoint: client credentials only", "[mock_sf][service][auth]") {
    harness h;
    auto bad = h.call("POST", "/services/oauth2/token",
                      "grant_type=client_credentials&client_id=id&client_secret=wrong");
    CHECK(bad.status == 400);
    CHECK(bad.body ==
          R"({"error":"invalid_client","error_description":"invalid client credentials"})");
    CHECK(bad.body.find("wrong") == std::string::npos);
    auto grant = h.call("POST", "/services/oauth2/token",
                        "grant_type=password&client_id=id&client_secret=s3cret");
    CHECK(grant.status == 400);
    CHECK(grant.body.find("unsupported_grant_type") != std::string::npos);
    h.login();
    CHECK_FALSE(h.caller.token.empty());
    CHECK(h.svc.stats().token_requests == 3);
}

TEST_CASE("API calls need a valid bearer token", "[mock_sf][service][auth]") {
    harness h;
    auto r = h.call("GET", "/services/data/v59.0/sobjects");
    CHECK(r.status == 401);
    CHECK(r.body ==
          R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])");
    CHECK(h.call("HEAD", "/").status == 200);  // the ping needs no token
    h.login();
    r = h.call("GET", "/services/data/v59.0/sobjects");
    CHECK(r.status == 200);
    CHECK(header(r, "Sforce-Limit-Info") == "api-usage=1/100000");
}

TEST_CASE("describe global and per object", "[mock_sf][service][describe]") {
    harness h;
    h.login();
    auto global = boost::json::parse(h.call("GET", "/services/data/v59.0/sobjects").body);
    bool account = false, custom = false;
    for (const auto& s : global.at("sobjects").as_array()) {
        if (str(s.at("name")) == "Account") {
            account = true;
            CHECK(str(s.at("keyPrefix")) == "001");
            CHECK(s.at("queryable").as_bool());
            CHECK(str(s.at("urls").at("describe")) ==
                  "/services/data/v59.0/sobjects/Account/describe");
        }
        if (str(s.at("name")) == "Project__c") {
            custom = s.at("custom").as_bool();
        }
    }
    CHECK(account);
    CHECK(custom);
    auto d = boost::json::parse(h.call("GET", "/services/data/v59.0/sobjects/case/describe").body);
    CHECK(str(d.at("name")) == "Case");
    bool em = false;
    for (const auto& c : d.at("childRelationships").as_array()) {
        em |= str(c.at("relationshipName")) == "EmailMessages";
    }
    CHECK(em);
    bool owner = false;
    for (const auto& f : d.at("fields").as_array()) {
        if (str(f.at("name")) == "OwnerId") {
            owner = true;
            CHECK(str(f.at("type")) == "reference");
            CHECK(str(f.at("relationshipName")) == "Owner");
            // A case can be owned by a queue (Group) as well as by a user.
            CHECK(boost::json::serialize(f.at("referenceTo")) == R"(["Group","User"])");
        }
    }
    CHECK(owner);
    auto missing = h.call("GET", "/services/data/v59.0/sobjects/Nope__c/describe");
    CHECK(missing.status == 404);
    CHECK(missing.body.find("NOT_FOUND") != std::string::npos);
}

TEST_CASE("describe: Lead.OwnerId refers to Group or User, Contact.OwnerId to User, and Group",
          "[mock_sf][service][describe][owners]") {
    harness h;
    h.login();
    auto owner_field = [&](std::string_view object) {
        auto d = boost::json::parse(
            h.call("GET", "/services/data/v59.0/sobjects/" + std::string(object) + "/describe")
                .body);
        for (const auto& f : d.at("fields").as_array()) {
            if (str(f.at("name")) == "OwnerId") {
                return f.as_object();
            }
        }
        FAIL("no OwnerId on " << object);
        return boost::json::object{};
    };
    auto lead = owner_field("Lead");
    CHECK(boost::json::serialize(lead.at("referenceTo")) == R"(["Group","User"])");
    CHECK(str(lead.at("relationshipName")) == "Owner");
    CHECK(lead.at("polymorphicForeignKey").as_bool());
    CHECK(lead.at("namePointing").as_bool());
    auto contact = owner_field("Contact");
    CHECK(boost::json::serialize(contact.at("referenceTo")) == R"(["User"])");
    CHECK_FALSE(contact.at("polymorphicForeignKey").as_bool());
    CHECK_FALSE(contact.at("namePointing").as_bool());

    auto global = boost::json::parse(h.call("GET", "/services/data/v59.0/sobjects").body);
    bool listed = false;
    for (const auto& s : global.at("sobjects").as_array()) {
        if (str(s.at("name")) == "Group") {
            listed = true;
            CHECK(str(s.at("keyPrefix")) == "00G");
            CHECK(s.at("queryable").as_bool());
        }
    }
    CHECK(listed);
    auto group = h.call("GET", "/services/data/v59.0/sobjects/Group/describe");
    REQUIRE(group.status == 200);
    std::vector<std::string> types;
    const auto group_describe = boost::json::parse(group.body);
    for (const auto& f : group_describe.at("fields").as_array()) {
        if (str(f.at("name")) == "Type") {
            for (const auto& p : f.at("picklistValues").as_array()) {
                types.push_back(str(p.at("value")));
            }
        }
    }
    CHECK(types == std::vector<std::string>{"Queue", "Regular"});
}

TEST_CASE("query paging through locators with batch size option", "[mock_sf][service][paging]") {
    harness h(1000);
    h.login();
    auto first = h.call(
        "GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Id, Name FROM Account"),
        {}, {{"Sforce-Query-Options", "batchSize=300"}});
    REQUIRE(first.status == 200);
    auto page = boost::json::parse(first.body);
    CHECK(page.at("totalSize").as_int64() == 1000);
    CHECK(page.at("records").as_array().size() == 300);
    auto next = str(page.at("nextRecordsUrl"));
    CHECK(next.starts_with("/services/data/v59.0/query/01g"));
    CHECK(next.ends_with("-300"));
    CHECK(next.size() == std::string("/services/data/v59.0/query/").size() + 18 + 4);
    std::size_t seen = 300;
    while (page.as_object().contains("nextRecordsUrl")) {
        auto r = h.call("GET", str(page.at("nextRecordsUrl")));
        REQUIRE(r.status == 200);
        page = boost::json::parse(r.body);
        seen += page.at("records").as_array().size();
    }
    CHECK(seen == 1000);
    // Any page can be asked for directly, and the default batch is 2000.
    auto base = next.substr(0, next.rfind('-'));
    auto direct = boost::json::parse(h.call("GET", base + "-900").body);
    CHECK(direct.at("records").as_array().size() == 100);
    CHECK(direct.at("done").as_bool());
    auto small = boost::json::parse(
        h.call("GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Id FROM Account"),
               {}, {{"Sforce-Query-Options", "batchSize=10"}})
            .body);
    CHECK(small.at("records").as_array().size() == 200);  // clamped to the minimum
    auto bad = h.call("GET", "/services/data/v59.0/query/01gNOPE-200");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("INVALID_QUERY_LOCATOR") != std::string::npos);
}

TEST_CASE("sequential locators serve only the page the previous one pointed to",
          "[mock_sf][service][paging]") {
    harness h(1000, {}, locator_order::sequential);
    h.login();
    const auto query = "/services/data/v59.0/query?q=" + harness::encode("SELECT Id FROM Account");
    const std::vector<std::pair<std::string, std::string>> batch = {
        {"Sforce-Query-Options", "batchSize=300"}};
    auto page = boost::json::parse(h.call("GET", query, {}, batch).body);
    const auto next = str(page.at("nextRecordsUrl"));
    REQUIRE(next.ends_with("-300"));
    const auto base = next.substr(0, next.rfind('-'));
    auto refused = [&](std::string_view offset) {
        auto r = h.call("GET", base + "-" + std::string(offset));
        return r.status == 400 &&
               r.body ==
                   R"([{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}])";
    };
    CHECK(refused("600"));  // ahead of the cursor
    CHECK(refused("0"));
    // Following nextRecordsUrl reads everything, each page once.
    std::size_t seen = page.at("records").as_array().size();
    std::vector<std::string> urls;
    while (page.as_object().contains("nextRecordsUrl")) {
        urls.push_back(str(page.at("nextRecordsUrl")));
        auto r = h.call("GET", urls.back());
        REQUIRE(r.status == 200);
        page = boost::json::parse(r.body);
        seen += page.at("records").as_array().size();
    }
    CHECK(seen == 1000);
    REQUIRE(urls.size() == 3);
    // Served pages, and any page after the last, are refused.
    CHECK(refused("300"));
    CHECK(refused("900"));
    // Running the query again starts the cursor over.
    h.call("GET", query, {}, batch);
    CHECK(h.call("GET", urls.front()).status == 200);
    CHECK(refused("300"));
    CHECK(h.call("GET", urls.at(1)).status == 200);

    // The default (any order) serves the same pages in any order, again and again.
    harness any(1000);
    any.login();
    any.call("GET", query, {}, batch);
    CHECK(any.call("GET", base + "-900").status == 200);
    CHECK(any.call("GET", base + "-300").status == 200);
    CHECK(any.call("GET", base + "-300").status == 200);
}

TEST_CASE("query errors come back as Salesforce error arrays", "[mock_sf][service][errors]") {
    harness h;
    h.login();
    auto r =
        h.call("GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Foo FROM Account"));
    CHECK(r.status == 400);
    auto body = boost::json::parse(r.body);
    CHECK(str(body.at(0).at("errorCode")) == "INVALID_FIELD");
    auto long_uri = h.call("GET", "/services/data/v59.0/query?q=" + std::string(17000, 'x'));
    CHECK(long_uri.status == 414);
    CHECK(header(long_uri, "Content-Type").starts_with("text/html"));
}

TEST_CASE("queryAll shows deleted rows, admin edits show in queries", "[mock_sf][service][admin]") {
    harness h(20);
    h.login();
    const std::string q = "/services/data/v59.0/query?q=" + harness::encode("SELECT Id FROM Lead");
    const std::string qa =
        "/services/data/v59.0/queryAll?q=" + harness::encode("SELECT Id FROM Lead");
    auto first = str(boost::json::parse(h.call("GET", q).body).at("records").at(0).at("Id"));
    CHECK(h.call("DELETE", "/__admin/records/" + first).status == 204);
    CHECK(boost::json::parse(h.call("GET", q).body).at("totalSize").as_int64() == 19);
    CHECK(boost::json::parse(h.call("GET", qa).body).at("totalSize").as_int64() == 20);
    auto created =
        h.call("POST", "/__admin/records/Lead", R"({"LastName": "Added", "Company": "X"})");
    CHECK(created.status == 201);
    CHECK(boost::json::parse(h.call("GET", q).body).at("totalSize").as_int64() == 20);
    CHECK(h.call("PATCH", "/__admin/records/" + first, R"({"Company": "Y"})").status == 404);
    CHECK(h.call("POST", "/__admin/records/Lead", "not json").status == 400);
    auto stats = boost::json::parse(h.call("GET", "/__admin/stats").body);
    CHECK(stats.at("api_requests").as_int64() == 4);  // admin calls are not API calls
}

TEST_CASE("faults: token expiry, request limit, seeded 5xx", "[mock_sf][service][faults]") {
    {
        fault_options f;
        f.token_expires_after = 2;
        harness h(10, f);
        h.login();
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 200);
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 200);
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 401);
        h.login();
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 200);
    }
    {
        fault_options f;
        f.request_limit = 2;
        harness h(10, f);
        h.login();
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 200);
        CHECK(h.call("GET", "/services/data/v59.0/sobjects").status == 200);
        auto r = h.call("GET", "/services/data/v59.0/sobjects");
        CHECK(r.status == 403);
        CHECK(r.body.find("REQUEST_LIMIT_EXCEEDED") != std::string::npos);
        CHECK(header(r, "Sforce-Limit-Info") == "api-usage=3/2");
    }
    {
        fault_options f;
        f.error_rate = 0.5;
        f.seed = 3;
        auto run = [&] {
            harness h(10, f);
            h.login();
            std::string pattern;
            for (int i = 0; i < 40; ++i) {
                pattern += h.call("GET", "/services/data/v59.0/sobjects").status == 500 ? 'x' : '.';
            }
            return pattern;
        };
        auto a = run();
        CHECK(a == run());  // seeded: the same requests fail every time
        auto failures = std::count(a.begin(), a.end(), 'x');
        CHECK(failures > 5);
        CHECK(failures < 35);
    }
}

TEST_CASE("VersionData returns the file to stream, SOSL over HTTP", "[mock_sf][service]") {
    harness h(30);
    h.login();
    auto v = str(records(h.o, "SELECT Id FROM ContentVersion LIMIT 1").at(0).at("Id"));
    auto r = h.call("GET", "/services/data/v59.0/sobjects/ContentVersion/" + v + "/VersionData");
    CHECK(r.status == 200);
    REQUIRE(r.file);
    CHECK(r.file->version_id == v);
    CHECK(header(r, "Content-Type") == r.file->content_type);
    CHECK(
        h.call("GET", "/services/data/v59.0/sobjects/ContentVersion/068000000000000AAA/VersionData")
            .status == 404);
    // Load tests read the file bytes served from the stats.
    auto stats = boost::json::parse(h.call("GET", "/__admin/stats").body);
    CHECK(stats.at("download_requests").as_int64() == 2);
    CHECK(stats.at("download_bytes").to_number<std::uint64_t>() == r.file->size);
    auto s = h.call("GET", "/services/data/v59.0/search?q=" +
                               harness::encode("FIND {Inc} RETURNING Account(Name LIMIT 3)"));
    CHECK(s.status == 200);
    CHECK(boost::json::parse(s.body).at("searchRecords").as_array().size() == 3);
}

TEST_CASE("a cursor still being paged outlives a thousand short queries opened after it",
          "[mock_sf][service][paging]") {
    harness h(1000);
    h.login();
    auto first = h.call(
        "GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Id, Name FROM Account"),
        {}, {{"Sforce-Query-Options", "batchSize=200"}});
    REQUIRE(first.status == 200);
    auto next = str(boost::json::parse(first.body).at("nextRecordsUrl"));
    const auto base = next.substr(0, next.rfind('-'));
    auto idle = h.call(
        "GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Id FROM Opportunity"), {},
        {{"Sforce-Query-Options", "batchSize=200"}});
    REQUIRE(idle.status == 200);
    const auto idle_next = str(boost::json::parse(idle.body).at("nextRecordsUrl"));
    std::size_t pages = 1;
    // Between two of its pages, many one-page queries (a different text each: a cursor each),
    // as child queries come and go while a long listing is paged.
    for (int i = 0; i < 1500; ++i) {
        const auto soql = "SELECT Id FROM Contact WHERE Name = 'x" + std::to_string(i) + "'";
        REQUIRE(h.call("GET", "/services/data/v59.0/query?q=" + harness::encode(soql)).status ==
                200);
        if (i % 400 == 399) {
            auto page = h.call("GET", base + "-" + std::to_string(200 * pages));
            REQUIRE(page.status == 200);
            ++pages;
        }
    }
    CHECK(h.call("GET", base + "-800").status == 200);
    // A cursor left alone meanwhile was released: its next page is Salesforce's error.
    auto released = h.call("GET", idle_next);
    CHECK(released.status == 400);
    CHECK(released.body.find("INVALID_QUERY_LOCATOR") != std::string::npos);
}

TEST_CASE("with Salesforce's cursor limit, opening one more releases the oldest open cursor",
          "[mock_sf][service][paging]") {
    harness h(1000, {}, locator_order::any, 2);
    h.login();
    auto open_query = [&](const std::string& object) {
        auto r = h.call(
            "GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT Id FROM " + object),
            {}, {{"Sforce-Query-Options", "batchSize=500"}});
        REQUIRE(r.status == 200);
        return str(boost::json::parse(r.body).at("nextRecordsUrl"));  // 2 pages: stays open
    };
    const auto accounts = open_query("Account");
    const auto contacts = open_query("Contact");
    // A query whose only page was served is closed: it does not count.
    REQUIRE(
        h.call("GET", "/services/data/v59.0/query?q=" + harness::encode("SELECT COUNT() FROM Lead"))
            .status == 200);
    CHECK(h.call("GET", accounts).status == 200);  // its last page: Account's cursor closes
    const auto leads = open_query("Lead");
    CHECK(h.call("GET", contacts).status == 200);          // two open: nothing released
    const auto cases = open_query("Case");                 // Lead and Case open
    const auto opportunities = open_query("Opportunity");  // a third: Lead's, the oldest, goes
    auto released = h.call("GET", leads);
    CHECK(released.status == 400);
    CHECK(released.body.find("INVALID_QUERY_LOCATOR") != std::string::npos);
    CHECK(h.call("GET", cases).status == 200);
    CHECK(h.call("GET", opportunities).status == 200);
}
