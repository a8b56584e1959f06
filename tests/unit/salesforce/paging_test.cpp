#include <catch2/catch.hpp>

#include <casio/core/error.hpp>
#include <casio/salesforce/paging.hpp>

#include "sf_test_util.hpp"

using namespace casio::salesforce;
using casio::salesforce::test::parse;

TEST_CASE("a query page gives records and the next page's path", "[salesforce][paging]") {
    const auto body = parse(R"({"totalSize":3,"done":false,
        "nextRecordsUrl":"/services/data/v59.0/query/01gX-2000","records":[{"Id":"a"},{"Id":"b"}]})");
    const auto page = read_query_page(body);
    REQUIRE(page.records != nullptr);
    CHECK(page.records->size() == 2);
    CHECK(page.next_records_url == "/services/data/v59.0/query/01gX-2000");
    CHECK(page.total_size == 3);

    const auto last = read_query_page(parse(R"({"done":true,"records":null})"));
    CHECK(last.records == nullptr);
    CHECK(last.next_records_url.empty());
    CHECK_THROWS_AS(read_query_page(parse("[1]")), casio::core::error);
}

TEST_CASE("SOSL results come from searchRecords", "[salesforce][paging]") {
    const auto body = parse(R"({"searchRecords":[{"Id":"a"}]})");
    REQUIRE(read_search_records(body) != nullptr);
    CHECK(read_search_records(body)->size() == 1);
    CHECK(read_search_records(parse("{}")) == nullptr);
}

TEST_CASE("BUG fields substring: only the FIELDS() function takes the OFFSET path",
          "[salesforce][paging][bug]") {
    CHECK(uses_fields_function("SELECT FIELDS(ALL) FROM Account"));
    CHECK(uses_fields_function("select fields (custom) from Connector__c limit 10"));
    CHECK(uses_fields_function("SELECT Name, FIELDS(STANDARD) FROM Account"));
    CHECK_FALSE(uses_fields_function("SELECT Id, Custom_Fields__c FROM Account"));
    CHECK_FALSE(uses_fields_function("SELECT Id FROM Account WHERE Name = 'fields'"));
    CHECK_FALSE(uses_fields_function("SELECT MyFields__c FROM X__c"));
    // A query naming such a field keeps the standard cursor path: no LIMIT/OFFSET appended.
    CHECK(rewrite_advanced_soql("SELECT Id, LastModifiedDate, Custom_Fields__c FROM Account") ==
          "SELECT Id, LastModifiedDate, Custom_Fields__c FROM Account");
}

TEST_CASE("advanced SOQL gets Id and LastModifiedDate columns", "[salesforce][paging]") {
    CHECK(rewrite_advanced_soql("SELECT Name FROM Account") ==
          "SELECT Name, Id, LastModifiedDate FROM Account");
    CHECK(rewrite_advanced_soql("SELECT Id, Name FROM Account") ==
          "SELECT Id, Name, LastModifiedDate FROM Account");
    CHECK(rewrite_advanced_soql("SELECT Name, LastModifiedDate, id FROM Account") ==
          "SELECT Name, LastModifiedDate, id FROM Account");
    // The outer select list, not a subquery's, gets the columns; multi-line queries too.
    CHECK(add_id_column("SELECT Name, (SELECT Subject FROM Cases)\nFROM Account") ==
          "SELECT Name, (SELECT Subject FROM Cases), Id\nFROM Account");
    CHECK(rewrite_advanced_soql("SELECT FIELDS(ALL) FROM Account") ==
          "SELECT FIELDS(ALL) FROM Account LIMIT 200 OFFSET 0");
    CHECK(rewrite_advanced_soql("SELECT FIELDS(CUSTOM) FROM X__c LIMIT 100") ==
          "SELECT FIELDS(CUSTOM), Id, LastModifiedDate FROM X__c LIMIT 100 OFFSET 0");
    CHECK(add_limit_offset("SELECT FIELDS(ALL) FROM A LIMIT 50 OFFSET 10") ==
          "SELECT FIELDS(ALL) FROM A LIMIT 50 OFFSET 10");
    CHECK(add_limit_offset("SELECT FIELDS(ALL)\nFROM A\nLIMIT 50") ==
          "SELECT FIELDS(ALL)\nFROM A\nLIMIT 50 OFFSET 0");
}

TEST_CASE("the OFFSET walk stops at 2000 or on a short page", "[salesforce][paging]") {
    offset_pager p("SELECT FIELDS(ALL) FROM Account LIMIT 200 OFFSET 0");
    std::vector<int> offsets{p.offset()};
    while (p.advance(200)) {
        offsets.push_back(p.offset());
    }
    CHECK(offsets.size() == 11);
    CHECK(offsets.back() == 2000);
    CHECK(p.current() == "SELECT FIELDS(ALL) FROM Account LIMIT 200 OFFSET 2000");

    offset_pager short_page("SELECT FIELDS(ALL) FROM A LIMIT 200 OFFSET 0");
    CHECK_FALSE(short_page.advance(57));
    offset_pager empty("SELECT FIELDS(ALL) FROM A LIMIT 200 OFFSET 0");
    CHECK_FALSE(empty.advance(0));
    // The step follows the query's LIMIT, so no row is skipped.
    offset_pager hundred("SELECT FIELDS(ALL) FROM A LIMIT 100 OFFSET 0");
    REQUIRE(hundred.advance(100));
    CHECK(hundred.current() == "SELECT FIELDS(ALL) FROM A LIMIT 100 OFFSET 100");
    // FIELDS(STANDARD) may ask for bigger pages: no row is read twice either.
    offset_pager big("SELECT FIELDS(STANDARD) FROM A LIMIT 500 OFFSET 0");
    REQUIRE(big.advance(500));
    CHECK(big.current() == "SELECT FIELDS(STANDARD) FROM A LIMIT 500 OFFSET 500");
}

TEST_CASE("BUG lowercase offset: the OFFSET rewrite is case-insensitive",
          "[salesforce][paging][bug]") {
    CHECK(replace_offset("select fields(all) from A limit 200 offset 0", 400) ==
          "select fields(all) from A limit 200 OFFSET 400");
    offset_pager p("select fields(all) from A limit 200 Offset   0");
    REQUIRE(p.advance(200));
    CHECK(p.current() == "select fields(all) from A limit 200 OFFSET 200");
}

TEST_CASE("advanced rules schema names the bad entry", "[salesforce][rules]") {
    const auto good = check_advanced_rules(parse(
        R"([{"query":"SELECT Id FROM Account","language":"SOQL"},{"query":"FIND {x}","language":"SOSL"}])"));
    REQUIRE(good.ok());
    REQUIRE(good.rules.size() == 2);
    CHECK(good.rules[1].lang == advanced_rule::language::sosl);
    CHECK(good.rules[0].query == "SELECT Id FROM Account");

    CHECK(check_advanced_rules(parse("[]")).ok());

    const auto bad = check_advanced_rules(parse(
        R"([{"query":"SELECT Id FROM A","language":"SOQL"},{"query":"","language":"SQL","extra":1}])"));
    CHECK_FALSE(bad.ok());
    CHECK(bad.rules.empty());
    REQUIRE(bad.errors.size() == 3);
    CHECK(bad.errors[0] ==
          "Advanced rule #2: unknown property 'extra' (only 'query' and 'language' are allowed)");
    CHECK(bad.errors[1] == "Advanced rule #2: 'query' must be a non-empty string");
    CHECK(bad.errors[2] == R"(Advanced rule #2: 'language' must be "SOQL" or "SOSL", got "SQL")");

    const auto missing = check_advanced_rules(parse(R"([{"query":"x"}, 3])"));
    REQUIRE(missing.errors.size() == 2);
    CHECK(missing.errors[0] == "Advanced rule #1: 'language' is required");
    CHECK(missing.errors[1] == "Advanced rule #2 must be an object, got: 3");

    const auto not_list = check_advanced_rules(parse(R"({"query":"x"})"));
    REQUIRE(not_list.errors.size() == 1);
    CHECK(not_list.errors[0].rfind("Advanced rules must be a list", 0) == 0);
}

TEST_CASE("invalid queries are reported together", "[salesforce][rules]") {
    CHECK(invalid_queries_message({"SELECT a FROM B", "FIND {x}"}) ==
          "Found invalid queries: 'SELECT a FROM B & FIND {x}'. Either object or fields might be "
          "invalid.");
}

TEST_CASE("a query locator gives the path and the offset of its page", "[salesforce][paging]") {
    const auto l = parse_locator("/services/data/v59.0/query/01gD0000002HU6KIAW-2000");
    REQUIRE(l);
    CHECK(l->prefix == "/services/data/v59.0/query/01gD0000002HU6KIAW");
    CHECK(l->offset == 2000);
    CHECK(l->url(6000) == "/services/data/v59.0/query/01gD0000002HU6KIAW-6000");
    // Shapes the client must not compute offsets from: it follows nextRecordsUrl instead.
    CHECK_FALSE(parse_locator(""));
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/01gD0000002HU6KIAW"));
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/01gD0000002HU6KIAW-"));
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/01gD0000002HU6KIAW-20x0"));
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/0r8xx0000004CBQ-2000"));  // no 01g
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/01gD-2000?batch=1"));
    CHECK_FALSE(parse_locator("/services/data/v59.0/query/01gD-99999999999999999999999"));
}

TEST_CASE("offset coverage merges ranges and tells what was handled", "[salesforce][paging]") {
    offset_coverage c;
    CHECK(c.prefix_end() == 0);
    c.add(4000, 6000);
    CHECK(c.prefix_end() == 0);
    c.add(0, 2000);
    CHECK(c.prefix_end() == 2000);
    CHECK(c.covers(0, 2000));
    CHECK(c.covers(4500, 6000));
    CHECK_FALSE(c.covers(1500, 2500));
    CHECK_FALSE(c.covers(2000, 4000));
    c.add(2000, 3000);  // adjacent: merged
    CHECK(c.prefix_end() == 3000);
    c.add(2500, 4000);  // overlapping both sides: one range
    CHECK(c.prefix_end() == 6000);
    CHECK(c.covers(0, 6000));
    CHECK(c.covers(10, 10));  // an empty range is always covered
}
