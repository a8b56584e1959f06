#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/queries.hpp>

#include "sf_test_util.hpp"

using namespace casio::salesforce;
using casio::salesforce::test::parse;

namespace {
const casio::core::sys_us fixed_now = *casio::core::parse_iso8601("2026-01-02T03:04:05.678Z");
}

TEST_CASE("identity prefixes", "[salesforce][dls]") {
    CHECK(prefix_user("Ann") == "user:Ann");
    CHECK_FALSE(prefix_user(""));
    CHECK(prefix_user_id("005A") == "user_id:005A");
    CHECK_FALSE(prefix_user_id(""));
    CHECK(prefix_email("a@x") == "email:a@x");
    CHECK(prefix_email("") == "email:");
}

TEST_CASE("the template source is byte-exact", "[salesforce][dls]") {
    const std::vector<int> indents{0,  20, 24, 28, 32, 36, 40, 44, 40, 36,
                                   32, 28, 28, 32, 36, 32, 28, 24, 20, 16};
    std::vector<std::string> lines;
    std::string_view s = dls_query_source;
    while (true) {
        const auto nl = s.find('\n');
        lines.emplace_back(s.substr(0, nl));
        if (nl == std::string_view::npos) {
            break;
        }
        s.remove_prefix(nl + 1);
    }
    REQUIRE(lines.size() == indents.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO("line " << i + 1);
        CHECK(static_cast<int>(lines[i].find_first_not_of(' ')) == indents[i]);
    }
    CHECK(lines.front() == "{");
    CHECK(lines.back() == std::string(16, ' ') + "}");
    CHECK(lines[14] ==
          std::string(36, ' ') +
              R"("_allow_access_control.keyword": {{#toJson}}access_control{{/toJson}})");
    CHECK(lines[7] == std::string(44, ' ') + R"("field": "_allow_access_control")");
    CHECK(dls_query_source.size() == 772);
}

TEST_CASE("access control document of a user", "[salesforce][dls]") {
    const auto user = parse(R"({"attributes":{"type":"User"},"Id":"005A","Name":"Ann",
        "Email":"ann@x","UserType":"Standard","CreatedDate":"2020-01-01T00:00:00.000+0000",
        "LastModifiedDate":"2021-01-01T00:00:00.000+0000"})");
    const auto d = access_control_document(user.as_object(), fixed_now);
    REQUIRE(d);
    CHECK(d->id == "005A");
    CHECK(d->timestamp == "2021-01-01T00:00:00.000+0000");
    const std::string expected =
        R"({"identity":{"email":"email:ann@x","username":"user:Ann","user_id":"user_id:005A"},)"
        R"("created_at":"2020-01-01T00:00:00.000+0000","_timestamp":"2021-01-01T00:00:00.000+0000",)"
        R"("query":{"template":{"params":{"access_control":["email:ann@x","user:Ann","user_id:005A"]},"source":)" +
        boost::json::serialize(boost::json::string_view(dls_query_source)) + "}}}";
    CHECK(d->json == expected);
    const auto o = parse(d->json).as_object();
    CHECK(std::string_view(o.at("query").at("template").at("source").as_string()) ==
          dls_query_source);
}

TEST_CASE("no null identities in the template params", "[salesforce][dls]") {
    const auto user = parse(R"({"Id":"005B","Name":null,"UserType":"Standard"})");
    const auto d = access_control_document(user.as_object(), fixed_now);
    REQUIRE(d);
    const auto o = parse(d->json).as_object();
    CHECK(o.at("identity").at("email").is_null());
    CHECK(o.at("identity").at("username").is_null());
    CHECK(boost::json::serialize(o.at("query").at("template").at("params")) ==
          R"({"access_control":["user_id:005B"]})");
    // Dates absent: "now" in the service format.
    CHECK(o.at("created_at") == "2026-01-02T03:04:05.678000+00:00");
    CHECK(o.at("_timestamp") == "2026-01-02T03:04:05.678000+00:00");
}

TEST_CASE("automation users get no access control document", "[salesforce][dls]") {
    for (auto type : {"CloudIntegrationUser", "AutomatedProcess"}) {
        const auto user = parse(std::string(R"({"Id":"005C","UserType":")") + type + "\"}");
        CHECK_FALSE(access_control_document(user.as_object(), fixed_now));
    }
}

TEST_CASE("a user without Id fails the access control sync, naming the object",
          "[salesforce][dls]") {
    CHECK_THROWS_WITH(access_control_document(parse(R"({"Name":"x"})").as_object(), fixed_now),
                      Catch::Contains("Salesforce User: a record without Id"));
}

TEST_CASE("BUG null identities in permissions: read permission never holds nulls",
          "[salesforce][dls][bug]") {
    read_permission p;
    p.add_assignees(parse(R"([{"AssigneeId":"005B"},{"AssigneeId":"005A"},{"AssigneeId":null},
                              {"AssigneeId":"005A"}])")
                        .as_array());
    CHECK(p.assignee_ids() == std::vector<std::string>{"005A", "005B"});
    p.add_users(parse(R"([{"Name":"Ann","Email":"ann@x"},{"Name":null,"Email":null},
                          {"Name":"","Email":""}])")
                    .as_array());
    CHECK(p.identities() == std::vector<std::string>{"email:", "email:ann@x", "user:Ann",
                                                     "user_id:005A", "user_id:005B"});
    read_permission none;
    none.add_assignees(parse("[]").as_array());
    CHECK(none.empty());
}

TEST_CASE("permission query of an object type", "[salesforce][dls]") {
    CHECK(users_with_read_access_query("Account") ==
          "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN (SELECT "
          "ParentId FROM ObjectPermissions WHERE PermissionsRead = true AND SObjectType = "
          "'Account')");
}

TEST_CASE("BUG zero assignees not cached: an empty permission is remembered",
          "[salesforce][dls][bug]") {
    permission_cache cache;
    CHECK(cache.find("Lead") == nullptr);
    cache.put("Lead", {});
    REQUIRE(cache.find("Lead") != nullptr);  // known: no further permission query for Lead
    CHECK(cache.find("Lead")->empty());
    cache.put("Case", {"user_id:005A"});
    CHECK(*cache.find("Case") == std::vector<std::string>{"user_id:005A"});
    CHECK(cache.size() == 2);
}
