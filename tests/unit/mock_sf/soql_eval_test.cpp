#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

std::vector<std::string> names(const org& o, std::string_view soql) {
    std::vector<std::string> out;
    for (const auto& r : records(o, soql)) {
        out.push_back(str(r.as_object().at("Name")));
    }
    return out;
}

using v = std::vector<std::string>;

}  // namespace

TEST_CASE("records carry attributes and canonical field names", "[mock_sf][eval]") {
    auto page = query_page(fixture_org(),
                           "select ID, name, billingaddress from ACCOUNT where name = 'acme'");
    const auto& obj = page.as_object();
    CHECK(obj.at("totalSize").as_int64() == 1);
    CHECK(obj.at("done").as_bool());
    CHECK_FALSE(obj.contains("nextRecordsUrl"));
    const auto& r = obj.at("records").as_array().at(0).as_object();
    CHECK(str(r.at("attributes").at("type")) == "Account");
    CHECK(str(r.at("attributes").at("url")) ==
          "/services/data/v59.0/sobjects/Account/001000000000001AAA");
    CHECK(str(r.at("Id")) == "001000000000001AAA");
    CHECK(str(r.at("Name")) == "Acme");
    CHECK(str(r.at("BillingAddress").at("city")) == "Springfield");
    CHECK(r.at("BillingAddress").at("state").is_null());
    // Keys in SELECT order, after attributes.
    auto it = r.begin();
    CHECK(it->key() == "attributes");
    CHECK((++it)->key() == "Id");
    CHECK((++it)->key() == "Name");
}

TEST_CASE("WHERE comparison operators", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    CHECK(names(o, "SELECT Name FROM Account WHERE NumberOfEmployees > 5") ==
          v{"Acme", "beta corp"});
    CHECK(
        names(
            o,
            "SELECT Name FROM Account WHERE NumberOfEmployees >= 10 AND NumberOfEmployees <= 10") ==
        v{"Acme"});
    CHECK(names(o, "SELECT Name FROM Account WHERE NumberOfEmployees < 10") == v{"Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name != 'ACME'") ==
          v{"beta corp", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name = 'BETA CORP'") == v{"beta corp"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Rating = null") == v{"beta corp"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Rating != null") == v{"Acme", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE AnnualRevenue > 100") == v{"Acme"});
    CHECK(names(o, "SELECT Name FROM Account WHERE IsDeleted = false").size() == 3);
}

TEST_CASE("WHERE IN, NOT IN, LIKE, NOT and parentheses", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    CHECK(names(o, "SELECT Name FROM Account WHERE Rating IN ('Hot', 'cold')") ==
          v{"Acme", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Rating NOT IN ('Hot')") ==
          v{"beta corp", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name LIKE 'b%'") == v{"beta corp"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name LIKE '%CORP'") == v{"beta corp"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name LIKE 'Ac_e'") == v{"Acme"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name LIKE '%100\\%'") == v{"Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account WHERE Name LIKE '%1\\%'").empty());
    CHECK(names(o, "SELECT Name FROM Account WHERE NOT Name LIKE 'b%'") == v{"Acme", "Gamma 100%"});
    CHECK(names(o,
                "SELECT Name FROM Account WHERE (Rating = 'Hot' OR Rating = 'Cold') AND "
                "NumberOfEmployees > 6") == v{"Acme"});
    CHECK(names(o,
                "SELECT Name FROM Account WHERE Id IN ('001000000000002', '001000000000003AAA')") ==
          v{"beta corp", "Gamma 100%"});
}

TEST_CASE("date and datetime literals compare chronologically in UTC", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    CHECK(names(o, "SELECT Name FROM Account WHERE LastModifiedDate > 2023-06-01T00:00:00Z") ==
          v{"Gamma 100%"});
    CHECK(
        names(o, "SELECT Name FROM Account WHERE LastModifiedDate >= 2023-06-01T02:00:00+02:00") ==
        v{"beta corp", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Opportunity WHERE CloseDate < 2024-01-01") == v{"Big deal"});
    // The +01:00 fixture value is stored in UTC.
    auto r = records(o, "SELECT LastModifiedDate FROM Account WHERE Name = 'Gamma 100%'");
    CHECK(str(r.at(0).at("LastModifiedDate")) == "2023-12-31T23:00:00.000+0000");
}

TEST_CASE("parent relationship paths nest objects or null", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    auto r =
        records(o, "SELECT Id, Owner.Name, Owner.Email, Parent.Name FROM Account ORDER BY Name");
    const auto& acme = r.at(0).as_object();
    CHECK(str(acme.at("Owner").at("attributes").at("type")) == "User");
    CHECK(str(acme.at("Owner").at("Name")) == "Ada Admin");
    CHECK(acme.at("Parent").is_null());
    const auto& beta = r.at(1).as_object();
    CHECK(beta.at("Owner").at("Email").is_null());
    CHECK(str(beta.at("Parent").at("Name")) == "Acme");
    CHECK(r.at(2).at("Owner").is_null());
    // Filtering through a relationship.
    CHECK(names(o, "SELECT Name FROM Account WHERE Owner.Name = 'bob builder'") == v{"beta corp"});
    // Two-level path.
    auto links =
        records(o,
                "SELECT ContentDocument.LatestPublishedVersion.VersionNumber, LinkedEntity.Name "
                "FROM ContentDocumentLink WHERE ContentDocumentId = '069000000000002AAA'");
    REQUIRE(links.size() == 1);
    CHECK(str(links[0].at("ContentDocument").at("LatestPublishedVersion").at("VersionNumber")) ==
          "3");
    CHECK(str(links[0].at("LinkedEntity").at("Name")) == "Acme");
}

TEST_CASE("child subqueries nest {totalSize, done, records} or null", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    auto r = records(
        o,
        "SELECT Name, (SELECT Id, Name FROM Opportunities ORDER BY CreatedDate DESC LIMIT 1), "
        "(SELECT ContentDocument.Title FROM ContentDocumentLinks WHERE "
        "ContentDocument.FileExtension IN ('pdf','txt')) "
        "FROM Account ORDER BY Name");
    const auto& acme = r.at(0).as_object();
    const auto& opps = acme.at("Opportunities").as_object();
    CHECK(opps.at("totalSize").as_int64() == 1);
    CHECK(opps.at("done").as_bool());
    CHECK(str(opps.at("records").at(0).at("Name")) == "Bigger deal");
    const auto& links = acme.at("ContentDocumentLinks").as_object();
    REQUIRE(links.at("records").as_array().size() == 1);
    CHECK(str(links.at("records").at(0).at("ContentDocument").at("Title")) == "spec");
    CHECK(str(r.at(1).at("Opportunities").at("records").at(0).at("Name")) == "Other deal");
    CHECK(r.at(1).at("ContentDocumentLinks").is_null());
    CHECK(r.at(2).at("Opportunities").is_null());
}

TEST_CASE("semi-join IN (SELECT ...) as the DLS query uses it", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    auto r = records(
        o,
        "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN (SELECT ParentId "
        "FROM ObjectPermissions WHERE PermissionsRead = true AND SObjectType = 'Account')");
    REQUIRE(r.size() == 1);
    CHECK(str(r[0].at("AssigneeId")) == "005000000000001AAA");
    auto anti =
        records(o, "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)");
    REQUIRE(anti.size() == 1);
    CHECK(str(anti[0].at("Name")) == "Gamma 100%");
}

TEST_CASE("ORDER BY with direction and null placement, LIMIT and OFFSET", "[mock_sf][eval]") {
    const auto& o = fixture_org();
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Rating") ==
          v{"beta corp", "Gamma 100%", "Acme"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Rating NULLS LAST") ==
          v{"Gamma 100%", "Acme", "beta corp"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Rating DESC NULLS LAST") ==
          v{"Acme", "Gamma 100%", "beta corp"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Name DESC") ==
          v{"Gamma 100%", "beta corp", "Acme"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Name LIMIT 2") == v{"Acme", "beta corp"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1") ==
          v{"beta corp", "Gamma 100%"});
    CHECK(names(o, "SELECT Name FROM Account ORDER BY Name OFFSET 3").empty());
    CHECK(query_page(o, "SELECT Name FROM Account LIMIT 2").at("totalSize").as_int64() == 2);
    CHECK(query_page(o, "SELECT COUNT() FROM Account WHERE Rating != null")
              .at("totalSize")
              .as_int64() == 2);
}

TEST_CASE("FIELDS() selects by kind and needs LIMIT <= 200 for ALL and CUSTOM",
          "[mock_sf][eval][errors]") {
    const auto& o = fixture_org();
    auto r = records(o, "SELECT FIELDS(ALL) FROM Account WHERE Name = 'Acme' LIMIT 200");
    CHECK(r.at(0).as_object().contains("BillingAddress"));
    CHECK(r.at(0).as_object().contains("Rating"));
    CHECK(records(o, "SELECT FIELDS(STANDARD) FROM Account").size() == 3);
    CHECK(error_code(o, "SELECT FIELDS(ALL) FROM Account") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT FIELDS(CUSTOM) FROM Account LIMIT 201") == "MALFORMED_QUERY");
    auto custom = records(o, "SELECT FIELDS(CUSTOM) FROM Project__c LIMIT 200");
    CHECK(custom.empty());
    CHECK(error_message(o, "SELECT Id, FIELDS(ALL) FROM Account LIMIT 1")
              .find("duplicate field selected: Id") != std::string::npos);
}

TEST_CASE("binding errors carry Salesforce's codes and messages", "[mock_sf][errors]") {
    const auto& o = fixture_org();
    CHECK(error_code(o, "SELECT Foo FROM Account") == "INVALID_FIELD");
    CHECK(error_message(o, "SELECT Foo FROM Account")
              .find("No such column 'Foo' on entity 'Account'") != std::string::npos);
    CHECK(error_code(o, "SELECT Id FROM Foo__c") == "INVALID_TYPE");
    CHECK(
        error_message(o, "SELECT Id FROM Foo__c").find("sObject type 'Foo__c' is not supported") !=
        std::string::npos);
    CHECK(error_code(o, "SELECT Nope.Name FROM Account") == "INVALID_FIELD");
    CHECK(error_code(o, "SELECT Id, (SELECT Id FROM Nopes) FROM Account") == "INVALID_TYPE");
    CHECK(error_code(o, "SELECT Id, Id FROM Account") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account OFFSET 2001") == "NUMBER_OUTSIDE_VALID_RANGE");
    CHECK(error_code(o, "SELECT Id FROM Account OFFSET 2000") == "");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE Name = 5") ==
          "INVALID_QUERY_FILTER_OPERATOR");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE NumberOfEmployees = '5'") ==
          "INVALID_QUERY_FILTER_OPERATOR");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE Id = 'short'") ==
          "INVALID_QUERY_FILTER_OPERATOR");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE BillingAddress = 'x'") == "INVALID_FIELD");
    CHECK(error_code(o, "SELECT Id FROM ContentDocumentLink") == "MALFORMED_QUERY");
    sf_error e(400, "INVALID_FIELD", "No \"such\" column");
    CHECK(e.to_json() == R"([{"message":"No \"such\" column","errorCode":"INVALID_FIELD"}])");
}

TEST_CASE("SOSL search returns searchRecords of the RETURNING objects", "[mock_sf][sosl]") {
    query_engine engine(fixture_org());
    auto out =
        boost::json::parse(engine.search("FIND {acme} IN ALL FIELDS RETURNING Account(Id, Name "
                                         "WHERE Rating = 'Hot' LIMIT 5), Opportunity(Name)"));
    const auto& recs = out.at("searchRecords").as_array();
    REQUIRE(recs.size() == 1);
    CHECK(str(recs[0].at("attributes").at("type")) == "Account");
    CHECK(str(recs[0].at("Name")) == "Acme");
    auto deals = boost::json::parse(
        engine.search("FIND {deal} RETURNING Opportunity(Name ORDER BY Name DESC)"));
    REQUIRE(deals.at("searchRecords").as_array().size() == 3);
    CHECK(str(deals.at("searchRecords").at(0).at("Name")) == "Other deal");
    auto none = boost::json::parse(engine.search("FIND {zzz} RETURNING Account"));
    CHECK(none.at("searchRecords").as_array().empty());
    CHECK_THROWS_AS(engine.search("FIND {x} RETURNING Foo__c"), sf_error);
}
