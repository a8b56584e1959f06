// POST /__admin/mutate: a deterministic batch of changes, deletions and additions, as tests and
// benchmarks of incremental syncs need them.

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

std::vector<std::string> strings(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) {
        out.push_back(str(s));
    }
    return out;
}

}  // namespace

TEST_CASE("mutate changes, deletes and adds the shares asked, the same ones for the same seed",
          "[mock_sf][mutate]") {
    service_fixture f(org(org_options{4, 1000}), id_secret_options());
    f.o.advance_clock(60 * 1000);
    const auto cursor = format_datetime_ms(f.o.start_ms());
    auto r = f.call("POST", "/__admin/mutate",
                    R"({"objects": ["Account", "Case"], "change_share": 0.02,
                        "delete_share": 0.005, "add_share": 0.003, "seed": 7})");
    REQUIRE(r.status == 200);
    auto body = boost::json::parse(r.body);
    const auto changed = strings(body.at("changed").at("Account"));
    const auto deleted = strings(body.at("deleted").at("Account"));
    const auto added = strings(body.at("added").at("Account"));
    CHECK(changed.size() == 20);
    CHECK(deleted.size() == 5);
    CHECK(added.size() == 3);
    CHECK(body.at("changed").at("Case").as_array().size() == 20);
    CHECK(!body.at("changed").as_object().contains("Contact"));
    for (const auto& id : deleted) {
        CHECK(std::find(changed.begin(), changed.end(), id) == changed.end());
    }

    // A client sees exactly those through a SystemModstamp cursor.
    auto page =
        query_page(f.o, "SELECT Id, Description FROM Account WHERE SystemModstamp > " + cursor);
    CHECK(page.at("totalSize").as_int64() == 23);  // changed + added; deleted ones are hidden
    for (const auto& rec : page.at("records").as_array()) {
        CHECK(str(rec.at("Description")).find("by mutation") != std::string::npos);
    }
    auto gone = query_page(f.o, "SELECT Id FROM Account WHERE IsDeleted = true", 2000, true);
    CHECK(gone.at("totalSize").as_int64() == 5);

    // The same request on the same org picks the same records.
    org other(org_options{4, 1000});
    org::mutation m;
    m.objects = {"Account", "Case"};
    m.change_share = 0.02;
    m.delete_share = 0.005;
    m.add_share = 0.003;
    m.seed = 7;
    auto again = other.mutate(m);
    CHECK(again.changed.at(0).second == changed);
    CHECK(again.deleted.at(0).second == deleted);
    m.seed = 8;
    org third(org_options{4, 1000});
    CHECK(third.mutate(m).changed.at(0).second != changed);
}

TEST_CASE("mutate defaults to every main object and refuses bad requests", "[mock_sf][mutate]") {
    service_fixture f(org(org_options{4, 200}), id_secret_options());
    auto r = f.call("POST", "/__admin/mutate", "");
    REQUIRE(r.status == 200);
    auto body = boost::json::parse(r.body);
    CHECK(body.at("changed").as_object().size() == org::main_objects().size());
    CHECK(body.at("changed").at("Ticket__c").as_array().size() == 2);  // 1% of 200
    auto bad = [&](const char* json, const char* needle) {
        auto res = f.call("POST", "/__admin/mutate", json);
        CHECK(res.status == 400);
        CHECK(res.body.find(needle) != std::string::npos);
    };
    bad(R"({"objects": ["Nope__c"]})", "Nope__c");
    bad(R"({"change_share": 1.5})", "change_share");
    bad(R"({"delete_share": "a lot"})", "delete_share");
    bad(R"({"sed": 7})", "sed");
    bad("[1]", "JSON object");
}
