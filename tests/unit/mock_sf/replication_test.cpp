// getDeleted and getUpdated (sobjects/{Type}/deleted|updated/?start=&end=) as a replicating
// client sees them: shapes, the minute granularity, the 15-day recycle bin and the 30-day limit.

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

struct replication_fixture : service_fixture {
    replication_fixture() : service_fixture(org(org_options{9, 40}), make()) { login(); }
    static service_options make() {
        service_options opts;
        opts.client_id = "id";
        opts.client_secret = "secret";
        return opts;
    }
    // ISO text of the org's now + offset, URL-encoded.
    std::string at(std::int64_t offset_ms) const {
        std::string out;
        for (char c : format_datetime_ms(o.now_ms() + offset_ms)) {
            out += c == '+'   ? std::string("%2B")
                   : c == ':' ? std::string("%3A")
                              : std::string(1, c);
        }
        return out;
    }
    service_response window(const std::string& type, const char* kind, const std::string& start,
                            const std::string& end) {
        return call("GET", "/services/data/v59.0/sobjects/" + type + "/" + kind +
                               "/?start=" + start + "&end=" + end);
    }
    std::string error_code(const service_response& r) {
        return str(boost::json::parse(r.body).at(0).at("errorCode"));
    }
    std::string message(const service_response& r) {
        return str(boost::json::parse(r.body).at(0).at("message"));
    }
};

constexpr std::int64_t minute = 60 * 1000;
constexpr std::int64_t day = 24 * 60 * minute;

}  // namespace

TEST_CASE("getDeleted lists deletions of the window with their dates", "[mock_sf][replication]") {
    replication_fixture f;
    const auto before = f.at(-2 * minute);
    auto listed = boost::json::parse(f.call("GET",
                                            "/services/data/v59.0/query?q=SELECT+Id+FROM+"
                                            "Account+ORDER+BY+Id")
                                         .body);
    const auto victim = str(listed.at("records").at(2).at("Id"));
    REQUIRE(f.call("DELETE", "/__admin/records/" + victim).status == 204);
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 120})").status == 200);

    auto r = f.window("Account", "deleted", before, f.at(0));
    REQUIRE(r.status == 200);
    auto body = boost::json::parse(r.body);
    REQUIRE(body.at("deletedRecords").as_array().size() == 1);
    CHECK(str(body.at("deletedRecords").at(0).at("id")) == victim);
    const auto deleted_date = str(body.at("deletedRecords").at(0).at("deletedDate"));
    CHECK(deleted_date.ends_with("+0000"));
    CHECK(body.at("earliestDateAvailable").is_string());
    // Seconds are ignored: latestDateCovered is the end's minute.
    const auto covered = str(body.at("latestDateCovered"));
    CHECK(covered.substr(17) == "00.000+0000");
    CHECK(covered > deleted_date);
    // Other objects and later windows have none; the slash after the name is optional.
    CHECK(boost::json::parse(f.window("Contact", "deleted", before, f.at(0)).body)
              .at("deletedRecords")
              .as_array()
              .empty());
    auto later = f.call("GET", "/services/data/v59.0/sobjects/Account/deleted?start=" + f.at(0) +
                                   "&end=" + f.at(0));
    CHECK(later.status == 400);  // start and end fall in the same minute
    CHECK(f.svc.stats().deleted_requests == 3);
    CHECK(f.caller.stat("deleted_requests") == 3);
}

TEST_CASE("getUpdated lists records whose SystemModstamp falls in the window",
          "[mock_sf][replication]") {
    replication_fixture f;
    const auto before = f.at(-2 * minute);
    auto listed = boost::json::parse(
        f.call("GET", "/services/data/v59.0/query?q=SELECT+Id+FROM+Case+ORDER+BY+Id").body);
    const auto edited = str(listed.at("records").at(5).at("Id"));
    REQUIRE(f.call("PATCH", "/__admin/records/" + edited, R"({"Subject": "Updated"})").status ==
            204);
    auto created = f.call("POST", "/__admin/records/Case", R"({"Subject": "Fresh"})");
    const auto added = str(boost::json::parse(created.body).at("id"));
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 120})").status == 200);

    auto r = f.window("Case", "updated", before, f.at(0));
    REQUIRE(r.status == 200);
    auto body = boost::json::parse(r.body);
    std::vector<std::string> ids;
    for (const auto& id : body.at("ids").as_array()) {
        ids.push_back(str(id));
    }
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected{edited, added};
    std::sort(expected.begin(), expected.end());
    CHECK(ids == expected);
    CHECK(body.at("latestDateCovered").is_string());
    CHECK(!body.as_object().contains("deletedRecords"));
    CHECK(f.caller.stat("updated_requests") == 1);
}

TEST_CASE("getDeleted and getUpdated refuse windows Salesforce refuses", "[mock_sf][replication]") {
    replication_fixture f;
    auto r = f.window("Account", "updated", f.at(-31 * day), f.at(0));
    CHECK(r.status == 400);
    CHECK(f.error_code(r) == "INVALID_REPLICATION_DATE");
    CHECK(f.message(r) == "startDate cannot be more than 30 days ago");
    r = f.window("Account", "deleted", f.at(0), f.at(-10 * minute));
    CHECK(f.error_code(r) == "INVALID_REPLICATION_DATE");
    CHECK(f.message(r) == "startDate must chronologically precede endDate by more than one minute");
    r = f.window("Account", "deleted", "yesterday", f.at(0));
    CHECK(r.status == 400);
    CHECK(f.message(r).find("'yesterday'") != std::string::npos);
    r = f.call("GET", "/services/data/v59.0/sobjects/Account/deleted/?start=" + f.at(-5 * minute));
    CHECK(r.status == 400);
    CHECK(f.message(r).find("end is missing") != std::string::npos);
    CHECK(f.window("Nope__c", "deleted", f.at(-5 * minute), f.at(0)).status == 404);
    r = f.window("ContentDocumentLink", "updated", f.at(-5 * minute), f.at(0));
    CHECK(r.status == 400);
    CHECK(f.message(r).find("not replicateable") != std::string::npos);
}

TEST_CASE("getDeleted after the recycle bin purged a deletion of the window fails",
          "[mock_sf][replication]") {
    replication_fixture f;
    const auto start = f.at(-2 * minute);
    auto listed = boost::json::parse(
        f.call("GET", "/services/data/v59.0/query?q=SELECT+Id+FROM+Lead+ORDER+BY+Id").body);
    REQUIRE(
        f.call("DELETE", "/__admin/records/" + str(listed.at("records").at(0).at("Id"))).status ==
        204);
    // 16 days later the deletion is purged: a cursor from before it cannot be trusted.
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 1382400})").status == 200);
    auto r = f.call(
        "GET", "/services/data/v59.0/sobjects/Lead/deleted/?start=" + start + "&end=" + f.at(0));
    CHECK(r.status == 400);
    CHECK(f.error_code(r) == "INVALID_REPLICATION_DATE");
    // A window after the purged deletion is fine, and earliestDateAvailable moved past it.
    r = f.window("Lead", "deleted", f.at(-minute * 10), f.at(0));
    REQUIRE(r.status == 200);
    auto body = boost::json::parse(r.body);
    CHECK(body.at("deletedRecords").as_array().empty());
    CHECK(str(body.at("earliestDateAvailable")) > format_datetime_ms(f.o.start_ms()));
}
