// What an incremental sync sees: the server's clock (/__admin/clock, the Date header), edits that
// stamp SystemModstamp, deletions kept by queryAll until the recycle bin purges them, and
// SystemModstamp filters.

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

std::string encode(std::string_view q) {
    std::string out;
    for (unsigned char c : q) {
        if (std::isalnum(c)) {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::vector<std::string> ids(const boost::json::value& page) {
    std::vector<std::string> out;
    for (const auto& r : page.at("records").as_array()) {
        out.push_back(str(r.at("Id")));
    }
    return out;
}

}  // namespace

TEST_CASE("the clock moves forward on demand and the Date header follows it",
          "[mock_sf][incremental][clock]") {
    service_fixture f(org(org_options{5, 10}), id_secret_options());
    f.login();
    auto set = f.call("POST", "/__admin/clock", R"({"now": "2030-01-01T00:00:00Z"})");
    REQUIRE(set.status == 200);
    CHECK(str(boost::json::parse(set.body).at("now")).starts_with("2030-01-01T00:00:0"));
    auto r = f.call("GET", "/services/data/v59.0/sobjects");
    CHECK(std::string(r.header("Date").value_or("")).starts_with("Tue, 01 Jan 2030 00:00:0"));
    CHECK(f.call("POST", "/__admin/clock", R"({"advance_seconds": 86400})").status == 200);
    r = f.call("GET", "/services/data/v59.0/sobjects");
    CHECK(std::string(r.header("Date").value_or("")).starts_with("Wed, 02 Jan 2030 00:00:0"));
    // Only forward, and only known fields.
    auto back = f.call("POST", "/__admin/clock", R"({"now": "2029-01-01T00:00:00Z"})");
    CHECK(back.status == 400);
    CHECK(back.body.find("only moves forward") != std::string::npos);
    CHECK(f.call("POST", "/__admin/clock", R"({"advance_seconds": -5})").status == 400);
    CHECK(f.call("POST", "/__admin/clock", R"({"hours": 5})").status == 400);
    CHECK(f.call("POST", "/__admin/clock", R"({"now": "yesterday"})").status == 400);
}

TEST_CASE("generated records are older than the server: created <= modified <= modstamp",
          "[mock_sf][incremental]") {
    org o(org_options{5, 200});
    const auto start = format_datetime_ms(o.start_ms());
    int touched = 0;
    for (const char* object : {"Account", "Case", "CaseComment", "Ticket__c"}) {
        auto page = query_page(o, std::string("SELECT CreatedDate, LastModifiedDate, "
                                              "SystemModstamp FROM ") +
                                      object);
        for (const auto& r : page.at("records").as_array()) {
            const auto c = str(r.at("CreatedDate"));
            const auto m = str(r.at("LastModifiedDate"));
            const auto s = str(r.at("SystemModstamp"));
            CHECK(c <= m);
            CHECK(m <= s);
            CHECK(s < start);
            touched += m < s ? 1 : 0;
        }
    }
    // The system touched some records after their last edit: a client must not take
    // LastModifiedDate for SystemModstamp.
    CHECK(touched > 100);
    CHECK(touched < 400);
    // Nothing changed yet: a cursor at the start finds nothing, in either literal form.
    CHECK(records(o, "SELECT Id FROM Account WHERE SystemModstamp > " + start).empty());
    CHECK(records(o, "SELECT Id FROM Account WHERE SystemModstamp > 2025-06-01T00:00:00Z").empty());
    CHECK(records(o, "SELECT Id FROM Account WHERE SystemModstamp > 2021-01-01T00:00:00Z").size() ==
          200);
}

TEST_CASE("edits stamp SystemModstamp with the server clock, SystemModstamp filters find them",
          "[mock_sf][incremental]") {
    org o(org_options{5, 100});
    o.advance_clock(3600 * 1000);  // an hour after start: edits are newer than any cursor at start
    const auto cursor = format_datetime_ms(o.start_ms());
    auto all = ids(query_page(o, "SELECT Id FROM Case ORDER BY Id"));
    boost::json::object subject;
    subject["Subject"] = "Printer on fire";
    o.update(all[7], subject);
    boost::json::object dated;
    dated["lastModifiedDate"] = "2024-02-02T00:00:00.000+0000";  // names are case-insensitive
    o.update(all[3], dated);
    boost::json::object fields;
    fields["Subject"] = "New one";
    const auto added = o.insert("Case", fields);

    auto changed = query_page(o,
                              "SELECT Id, Subject, LastModifiedDate, SystemModstamp FROM Case "
                              "WHERE SystemModstamp > " +
                                  cursor + " ORDER BY SystemModstamp, Id");
    const auto got = ids(changed);
    CHECK(got.size() == 3);
    CHECK(std::find(got.begin(), got.end(), all[7]) != got.end());
    CHECK(std::find(got.begin(), got.end(), all[3]) != got.end());
    CHECK(std::find(got.begin(), got.end(), added) != got.end());
    for (const auto& r : changed.at("records").as_array()) {
        CHECK(str(r.at("SystemModstamp")) > cursor);
        if (str(r.at("Id")) == all[3]) {
            // A given LastModifiedDate is kept; SystemModstamp is the system's own.
            CHECK(str(r.at("LastModifiedDate")) == "2024-02-02T00:00:00.000+0000");
        } else {
            CHECK(str(r.at("LastModifiedDate")) == str(r.at("SystemModstamp")));
        }
    }
    // LastModifiedDate filters see the edit whose date was not given.
    CHECK(records(o, "SELECT Id FROM Case WHERE LastModifiedDate >= " + cursor).size() == 2);
    // A cursor after the edits finds nothing.
    o.advance_clock(1000);
    CHECK(records(o, "SELECT Id FROM Case WHERE SystemModstamp > " + format_datetime_ms(o.now_ms()))
              .empty());
}

TEST_CASE("deletions: hidden from query, in queryAll with IsDeleted until purged after 15 days",
          "[mock_sf][incremental][deleted]") {
    service_fixture f(org(org_options{5, 30}), id_secret_options());
    f.login();
    auto get = [&](const char* endpoint, const std::string& soql) {
        auto r =
            f.call("GET", std::string("/services/data/v59.0/") + endpoint + "?q=" + encode(soql));
        REQUIRE(r.status == 200);
        return boost::json::parse(r.body);
    };
    const auto victim = ids(get("query", "SELECT Id FROM Contact ORDER BY Id")).at(4);
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 60})").status == 200);
    const auto cursor = format_datetime_ms(f.o.start_ms());
    REQUIRE(f.call("DELETE", "/__admin/records/" + victim).status == 204);

    CHECK(get("query", "SELECT Id FROM Contact").at("totalSize").as_int64() == 29);
    auto gone = get("queryAll",
                    "SELECT Id, IsDeleted, SystemModstamp FROM Contact WHERE "
                    "IsDeleted = true AND SystemModstamp > " +
                        cursor);
    REQUIRE(gone.at("totalSize").as_int64() == 1);
    CHECK(str(gone.at("records").at(0).at("Id")) == victim);
    CHECK(gone.at("records").at(0).at("IsDeleted").as_bool());
    CHECK(get("queryAll", "SELECT Id FROM Contact").at("totalSize").as_int64() == 30);

    // 14 days later it is still in the recycle bin; after 15 it is purged.
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 1209600})").status == 200);
    CHECK(get("queryAll", "SELECT Id FROM Contact WHERE IsDeleted = true").at("totalSize") == 1);
    REQUIRE(f.call("POST", "/__admin/clock", R"({"advance_seconds": 86400})").status == 200);
    CHECK(get("queryAll", "SELECT Id FROM Contact WHERE IsDeleted = true").at("totalSize") == 0);
    CHECK(get("queryAll", "SELECT Id FROM Contact").at("totalSize").as_int64() == 29);
}
