#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "soql.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

TEST_CASE("SOQL parser reads every clause", "[mock_sf][soql]") {
    auto q = soql::parse_soql(
        "select Id, Owner.Name, (SELECT Id FROM Opportunities ORDER BY CreatedDate DESC LIMIT 1) "
        "from Account where (Name like 'A%' or Rating = null) and not Type in ('x', 'y') "
        "order by Name desc nulls last, Id limit 10 offset 5");
    REQUIRE(q.items.size() == 3);
    CHECK(q.items[1].field.path == "Owner.Name");
    REQUIRE(q.items[2].k == soql::select_item::kind::subquery);
    CHECK(q.items[2].subquery->from == "Opportunities");
    CHECK(q.items[2].subquery->limit == 1);
    CHECK(q.from == "Account");
    REQUIRE(q.where);
    CHECK(q.where->k == soql::condition::kind::and_);
    CHECK(q.where->children[0].k == soql::condition::kind::or_);
    CHECK(q.where->children[1].k == soql::condition::kind::not_);
    REQUIRE(q.order_by.size() == 2);
    CHECK_FALSE(q.order_by[0].ascending);
    CHECK(q.order_by[0].nulls_first == false);
    CHECK(q.limit == 10);
    CHECK(q.offset == 5);
}

TEST_CASE("SOQL literals: strings with escapes, numbers, dates, datetimes", "[mock_sf][soql]") {
    auto q = soql::parse_soql(
        "SELECT Id FROM Account WHERE Name = 'O\\'Brien' AND AnnualRevenue > -1.5 AND "
        "CreatedDate > 2023-05-20T20:49:32+02:00 AND CloseDate = 2023-12-12 AND IsDeleted = false");
    const auto& c = q.where->children;
    CHECK(c[0].values[0].text == "O'Brien");
    CHECK(c[1].values[0].number == -1.5);
    CHECK(c[2].values[0].k == soql::literal::kind::datetime);
    CHECK(c[2].values[0].text == "2023-05-20T18:49:32.000+0000");
    CHECK(c[3].values[0].k == soql::literal::kind::date);
    CHECK(c[4].values[0].k == soql::literal::kind::boolean);
}

TEST_CASE("GROUP names the Group object after FROM and stays reserved elsewhere",
          "[mock_sf][soql][owners]") {
    CHECK(soql::parse_soql("SELECT Id FROM Group WHERE Type = 'Queue'").from == "Group");
    CHECK(soql::parse_soql("SELECT Id FROM Lead WHERE OwnerId IN (SELECT Id FROM group)")
              .where->subquery->from == "group");
    CHECK(soql::parse_sosl("FIND {support} RETURNING Group(Name)").returning.at(0).object ==
          "Group");
    const auto& o = fixture_org();
    CHECK(error_code(o, "SELECT Id FROM Account GROUP BY Name") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Group FROM Account") == "MALFORMED_QUERY");
}

TEST_CASE("SOQL syntax errors are MALFORMED_QUERY with a position", "[mock_sf][soql][errors]") {
    const auto& o = fixture_org();
    CHECK(error_code(o, "SELECT FROM Account") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id Account") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'") ==
          "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account LIMIT x") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE Name = 'unterminated") == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account extra") == "MALFORMED_QUERY");
    // The connector's single-id Python tuple is invalid SOQL.
    CHECK(error_code(o, "SELECT Name, Email FROM User WHERE Id IN ('005000000000001AAA',)") ==
          "MALFORMED_QUERY");
    // Deep nesting is refused, not a stack overflow.
    CHECK(error_code(o, "SELECT Id FROM Account WHERE " + std::string(5000, '(') + "Name = 'x'" +
                            std::string(5000, ')')) == "MALFORMED_QUERY");
    CHECK(error_code(o, "SELECT Id FROM Account WHERE " + std::string(20, '(') + "Name = 'x'" +
                            std::string(20, ')')) == "");
    auto msg = error_message(o, "SELECT Id\nFROM Account WHERE");
    CHECK(msg.find("ERROR at Row:2:Column:19") != std::string::npos);
    CHECK(msg.find("unexpected token: <EOF>") != std::string::npos);
}

TEST_CASE("SOSL parser reads term, scope, RETURNING and limits", "[mock_sf][sosl]") {
    auto q = soql::parse_sosl(
        "FIND {Acme Corp} IN NAME FIELDS RETURNING Account(Id, Name WHERE Rating = 'Hot' "
        "ORDER BY Name LIMIT 5), Contact LIMIT 20");
    CHECK(q.term == "Acme Corp");
    CHECK(q.scope == "NAME");
    REQUIRE(q.returning.size() == 2);
    CHECK(q.returning[0].fields.size() == 2);
    CHECK(q.returning[0].where);
    CHECK(q.returning[0].limit == 5);
    CHECK(q.returning[1].object == "Contact");
    CHECK(q.limit == 20);
    CHECK_THROWS_AS(soql::parse_sosl("FIND Acme"), sf_error);
    CHECK_THROWS_AS(soql::parse_sosl("FIND {Acme} RETURNING"), sf_error);
}
