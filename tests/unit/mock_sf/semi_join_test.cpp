// Where Salesforce accepts a semi-join (`Id IN (SELECT ...)`): the whole WHERE or a direct
// conjunct of the top-level AND. Next to OR, or nested deeper, it answers MALFORMED_QUERY.

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

TEST_CASE("semi-join next to OR is refused as Salesforce refuses it", "[mock_sf][soql][semi]") {
    org o(org_options{3, 30});
    const std::string semi =
        "Id IN (SELECT ParentId FROM CaseComment WHERE SystemModstamp > 2020-01-01T00:00:00Z)";
    const std::string or_query =
        "SELECT Id FROM Case WHERE SystemModstamp > 2026-01-01T00:00:00Z OR " + semi;
    CHECK(error_code(o, or_query) == "MALFORMED_QUERY");
    CHECK(error_message(o, or_query) ==
          "Semi join sub-selects are not allowed with the 'OR' operator");
    const std::string nested =
        "Semi join sub-selects are only allowed at the top level WHERE "
        "expressions and not in nested WHERE expressions.";
    CHECK(error_message(o, "SELECT Id FROM Case WHERE IsClosed = false AND (Status = 'New' OR " +
                               semi + ")") == nested);
    CHECK(error_message(o, "SELECT Id FROM Case WHERE NOT " + semi) == nested);
    CHECK(error_message(o, "SELECT Id FROM Case WHERE Status = 'New' AND (IsClosed = false AND " +
                               semi + ")") == nested);
}

TEST_CASE("semi-join alone or in the top-level AND selects the parents of matching children",
          "[mock_sf][soql][semi]") {
    org o(org_options{3, 30});
    // Every generated comment is old: all cases that have comments match.
    auto with_comments = records(o,
                                 "SELECT Id FROM Case WHERE (Id IN (SELECT ParentId FROM "
                                 "CaseComment WHERE SystemModstamp > 2020-01-01T00:00:00Z))");
    CHECK(with_comments.size() == 20);  // blocks of three cases hold 2, 1 and 0 comments
    auto and_query = records(o,
                             "SELECT Id FROM Case WHERE IsDeleted = false AND Id IN (SELECT "
                             "ParentId FROM CaseComment) AND Id NOT IN (SELECT ParentId FROM "
                             "EmailMessage WHERE Incoming = true)");
    CHECK(and_query.size() <= 20);
    CHECK(error_code(o,
                     "SELECT Id FROM Case WHERE IsDeleted = false AND Id IN (SELECT ParentId "
                     "FROM CaseComment)") == "");
}
