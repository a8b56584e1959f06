// Queues as record owners: the Group object, the polymorphic OwnerId of Lead and Case (a User or a
// queue) and the "Name" object a query returns for Owner, in generated and fixture orgs.
#include <catch2/catch.hpp>
#include <set>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

const org& generated() {
    static const org o(org_options{7, 60});
    return o;
}

// Generated records 3, 10, 17, ... of Lead and Case are queue-owned: 9 of 60.
constexpr std::size_t queue_owned_of_60 = 9;

std::string fixture_fails(const char* json) {
    try {
        org::from_fixture(json);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("generated Groups: three queues and a regular group", "[mock_sf][owners]") {
    auto r = records(generated(),
                     "SELECT Id, Name, DeveloperName, Type, Email, CreatedDate, SystemModstamp "
                     "FROM Group ORDER BY Name");
    REQUIRE(r.size() == 4);
    std::multiset<std::string> types;
    for (const auto& g : r) {
        CHECK(str(g.at("attributes").at("type")) == "Group");
        CHECK(str(g.at("Id")).substr(0, 3) == "00G");
        CHECK(str(g.at("CreatedDate")).size() == 28);
        types.insert(str(g.at("Type")));
    }
    CHECK(types == std::multiset<std::string>{"Queue", "Queue", "Queue", "Regular"});
    CHECK(str(r.at(0).at("Name")) == "All Sales Reps");
    CHECK(str(r.at(0).at("DeveloperName")) == "All_Sales_Reps");
    CHECK(r.at(0).at("Email").is_null());
    CHECK(str(r.at(3).at("Name")) == "Support Queue");
    CHECK(str(r.at(3).at("Email")) == "support-queue@example.com");
    // Ids come from the seed, as every generated id does.
    org other(org_options{8, 60});
    CHECK(str(records(other, "SELECT Id FROM Group ORDER BY Name").at(0).at("Id")) !=
          str(r.at(0).at("Id")));
}

TEST_CASE("queue-owned Leads and Cases: Owner is the Group, typed as the Name object",
          "[mock_sf][owners]") {
    const auto& o = generated();
    for (const char* object : {"Lead", "Case"}) {
        INFO(object);
        auto r = records(o, std::string("SELECT Id, OwnerId, Owner.Id, Owner.Name, Owner.Email "
                                        "FROM ") +
                                object);
        REQUIRE(r.size() == 60);
        std::size_t queues = 0, users = 0;
        for (const auto& rec : r) {
            const auto owner_id = str(rec.at("OwnerId"));
            const auto& owner = rec.at("Owner").as_object();
            CHECK(str(owner.at("Id")) == owner_id);
            // Real orgs answer "Name" for either kind of owner; the url names the object.
            CHECK(str(owner.at("attributes").at("type")) == "Name");
            if (owner_id.starts_with("00G")) {
                ++queues;
                CHECK(str(owner.at("attributes").at("url")) ==
                      "/services/data/v59.0/sobjects/Group/" + owner_id);
                auto group =
                    records(o, "SELECT Name, Email, Type FROM Group WHERE Id = '" + owner_id + "'");
                REQUIRE(group.size() == 1);
                CHECK(str(group.at(0).at("Type")) == "Queue");
                CHECK(owner.at("Name") == group.at(0).at("Name"));
                CHECK(owner.at("Email") == group.at(0).at("Email"));
            } else {
                ++users;
                CHECK(owner_id.starts_with("005"));
                CHECK(str(owner.at("attributes").at("url")) ==
                      "/services/data/v59.0/sobjects/User/" + owner_id);
                CHECK(owner.at("Name").is_string());
            }
        }
        CHECK(queues == queue_owned_of_60);
        CHECK(users == 60 - queue_owned_of_60);
    }
    // Contact.OwnerId refers to User only: always a User, typed as one.
    for (const auto& rec : records(o, "SELECT OwnerId, Owner.Name FROM Contact")) {
        CHECK(str(rec.at("OwnerId")).starts_with("005"));
        CHECK(str(rec.at("Owner").at("attributes").at("type")) == "User");
    }
}

TEST_CASE("filters on a polymorphic OwnerId and its Owner", "[mock_sf][owners]") {
    const auto& o = generated();
    const auto queue_id = str(
        records(o, "SELECT Id FROM Group WHERE DeveloperName = 'Support_Queue'").at(0).at("Id"));
    std::size_t expected = 0;
    for (const auto& rec : records(o, "SELECT OwnerId FROM Lead")) {
        expected += str(rec.at("OwnerId")) == queue_id ? 1 : 0;
    }
    CHECK(expected > 0);
    auto by_id = records(o, "SELECT Id, OwnerId FROM Lead WHERE OwnerId = '" + queue_id + "'");
    CHECK(by_id.size() == expected);
    for (const auto& rec : by_id) {
        CHECK(str(rec.at("OwnerId")) == queue_id);
    }
    CHECK(
        records(o, "SELECT Id FROM Lead WHERE OwnerId = '" + queue_id.substr(0, 15) + "'").size() ==
        expected);
    CHECK(records(o, "SELECT Id FROM Lead WHERE Owner.Name = 'support queue'").size() == expected);
    CHECK(records(o,
                  "SELECT Id FROM Case WHERE OwnerId IN (SELECT Id FROM Group WHERE "
                  "Type = 'Queue')")
              .size() == queue_owned_of_60);
    CHECK(records(o, "SELECT Id FROM Case WHERE OwnerId NOT IN (SELECT Id FROM Group)").size() ==
          60 - queue_owned_of_60);
    // The Name object offers only its own fields: Group and User have no common Department.
    CHECK(error_code(o, "SELECT Owner.Department FROM Lead") == "INVALID_FIELD");
    CHECK(error_code(o, "SELECT Owner.Department FROM Contact").empty());
}

TEST_CASE("fixture: a Lead owned by a fixture Group, another by a fixture User",
          "[mock_sf][owners][fixture]") {
    auto o = org::from_fixture(R"({"records": {
  "User": [{"Id": "005000000000001AAA", "Name": "Ada Admin", "Email": "ada@example.com"}],
  "Group": [{"Id": "00G000000000001AAA", "Name": "Support Queue", "DeveloperName": "Support_Queue",
             "Type": "Queue", "Email": "queue@example.com"}],
  "Lead": [
    {"Id": "00Q000000000001AAA", "LastName": "Queued", "OwnerId": "00G000000000001AAA"},
    {"Id": "00Q000000000002AAA", "LastName": "Assigned", "OwnerId": "005000000000001AAA"}
  ]
}})");
    auto r = records(o,
                     "SELECT Id, OwnerId, Owner.Id, Owner.Name, Owner.Email FROM Lead ORDER BY "
                     "Id");
    REQUIRE(r.size() == 2);
    const auto& queued = r.at(0).at("Owner");
    CHECK(str(queued.at("attributes").at("type")) == "Name");
    CHECK(str(queued.at("attributes").at("url")) ==
          "/services/data/v59.0/sobjects/Group/00G000000000001AAA");
    CHECK(str(queued.at("Id")) == "00G000000000001AAA");
    CHECK(str(queued.at("Name")) == "Support Queue");
    CHECK(str(queued.at("Email")) == "queue@example.com");
    CHECK(str(r.at(0).at("OwnerId")) == "00G000000000001AAA");
    const auto& assigned = r.at(1).at("Owner");
    CHECK(str(assigned.at("attributes").at("type")) == "Name");
    CHECK(str(assigned.at("attributes").at("url")) ==
          "/services/data/v59.0/sobjects/User/005000000000001AAA");
    CHECK(str(assigned.at("Name")) == "Ada Admin");
    // The Name object's Type is the Group's own Type for a queue, "User" for a user.
    auto queued_only = records(o, "SELECT LastName FROM Lead WHERE Owner.Type = 'Queue'");
    REQUIRE(queued_only.size() == 1);
    CHECK(str(queued_only.at(0).at("LastName")) == "Queued");
    auto users_only = records(o, "SELECT LastName FROM Lead WHERE Owner.Type = 'User'");
    REQUIRE(users_only.size() == 1);
    CHECK(str(users_only.at(0).at("LastName")) == "Assigned");
}

TEST_CASE("fixture ids carry their object's prefix and owners their allowed objects",
          "[mock_sf][owners][fixture]") {
    CHECK(fixture_fails(R"({"records": {"User": [{"Id": "00G000000000001AAA"}]}})") ==
          "fixture: User Id '00G000000000001AAA' must start with 005");
    CHECK(fixture_fails(R"({"records": {"Group": [{"Id": "005000000000001AAA"}]}})") ==
          "fixture: Group Id '005000000000001AAA' must start with 00G");
    CHECK(fixture_fails(R"({"records": {"Contact": [{"OwnerId": "00G000000000001AAA"}]}})") ==
          "field 'Contact.OwnerId' references User, got '00G000000000001AAA' (an id of Group)");
    CHECK(fixture_fails(R"({"records": {"Case": [{"OwnerId": "001000000000001AAA"}]}})") ==
          "field 'Case.OwnerId' references Group or User, got '001000000000001AAA' (an id of "
          "Account)");
    // An id of no known object stays a dangling reference: its Owner is null.
    auto o = org::from_fixture(R"({"records": {"Case": [{"OwnerId": "ZZZ000000000001AAA"}]}})");
    CHECK(records(o, "SELECT Owner.Name FROM Case").at(0).at("Owner").is_null());
}
