// Basic sync rules at sync time (protocol.md §7.1).
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <casio/core/error.hpp>
#include <casio/sync/sync_rules.hpp>

using namespace casio;
namespace json = boost::json;

namespace {
sync::rule_set rules(std::string_view text) {
    return sync::rule_set::from_json(json::parse(text));
}
bool accepts(const sync::rule_set& r, std::string_view doc) {
    return r.accepts(json::parse(doc).as_object());
}
const char* default_rule =
    R"({"id":"DEFAULT","policy":"include","field":"_","rule":"regex","value":".*","order":0})";
}  // namespace

TEST_CASE("rules: DEFAULT ignored, no rule matching means ingest", "[sync][rules]") {
    auto r = rules(std::string("[") + default_rule + "]");
    CHECK(r.empty());
    CHECK(accepts(r, R"({"x":1})"));
}

TEST_CASE("rules: first matching rule by order decides", "[sync][rules]") {
    auto r = rules(std::string("[") + default_rule + R"(,
      {"id":"2","policy":"include","field":"Name","rule":"starts_with","value":"Acme","order":2},
      {"id":"1","policy":"exclude","field":"Name","rule":"ends_with","value":"Ltd","order":1}])");
    REQUIRE(r.size() == 2);
    CHECK_FALSE(accepts(r, R"({"Name":"Acme Ltd"})"));  // order 1 wins
    CHECK(accepts(r, R"({"Name":"Acme Inc"})"));
    CHECK(accepts(r, R"({"Other":"Foo Ltd"})"));  // field absent: rule skipped
}

TEST_CASE("rules: contains, equals, regex anchored at start only", "[sync][rules]") {
    auto r = rules(R"([
      {"id":"a","policy":"exclude","field":"t","rule":"contains","value":"secret","order":1},
      {"id":"b","policy":"exclude","field":"s","rule":"equals","value":"Closed","order":2},
      {"id":"c","policy":"exclude","field":"code","rule":"regex","value":"X[0-9]+","order":3}])");
    CHECK_FALSE(accepts(r, R"({"t":"a secret plan"})"));
    CHECK_FALSE(accepts(r, R"({"s":"Closed"})"));
    CHECK(accepts(r, R"({"s":"Closed Won"})"));
    CHECK_FALSE(accepts(r, R"({"code":"X12-tail"})"));  // not anchored at the end
    CHECK(accepts(r, R"({"code":"aX12"})"));            // anchored at the start
}

TEST_CASE("rules: numbers compare as numbers, strings as strings", "[sync][rules]") {
    auto r = rules(R"([
      {"id":"g","policy":"exclude","field":"amount","rule":">","value":"100","order":1},
      {"id":"e","policy":"exclude","field":"amount","rule":"equals","value":"7.0","order":2},
      {"id":"l","policy":"exclude","field":"name","rule":"<","value":"B","order":3}])");
    CHECK_FALSE(accepts(r, R"({"amount":100.5})"));
    CHECK(accepts(r, R"({"amount":99})"));
    CHECK(accepts(r, R"({"amount":100})"));
    CHECK_FALSE(accepts(r, R"({"amount":7})"));  // 7 == 7.0 as floats
    CHECK_FALSE(accepts(r, R"({"name":"Alpha"})"));
    CHECK(accepts(r, R"({"name":"Beta"})"));
}

TEST_CASE("rules: booleans never equal, ordering them is an error", "[sync][rules]") {
    auto eq = rules(
        R"([{"id":"b","policy":"exclude","field":"f","rule":"equals","value":"True","order":1}])");
    CHECK(accepts(eq, R"({"f":true})"));
    auto sw = rules(
        R"([{"id":"b","policy":"exclude","field":"f","rule":"starts_with","value":"Tr","order":1}])");
    CHECK_FALSE(accepts(sw, R"({"f":true})"));  // str(True) starts with "Tr"
    auto gt =
        rules(R"([{"id":"g1","policy":"exclude","field":"f","rule":">","value":"x","order":1}])");
    CHECK_THROWS_WITH(accepts(gt, R"({"f":true})"), Catch::Contains("sync rule 'g1'"));
    CHECK_THROWS_WITH(accepts(gt, R"({"f":3})"), Catch::Contains("field 'f'"));
    CHECK(accepts(gt, R"({"f":"a"})"));
}

TEST_CASE("rules: bad rules are named", "[sync][rules]") {
    CHECK_THROWS_WITH(
        rules(R"([{"id":"r9","policy":"maybe","field":"f","rule":"equals","value":"x"}])"),
        Catch::Contains("r9") && Catch::Contains("maybe"));
    CHECK_THROWS_WITH(
        rules(R"([{"id":"r8","policy":"include","field":"f","rule":"regex","value":"("}])"),
        Catch::Contains("r8") && Catch::Contains("invalid regex"));
    CHECK_THROWS_AS(rules(R"({"rules":[]})"), core::error);
}

TEST_CASE("python_str mirrors the reference's string form", "[sync][rules]") {
    CHECK(sync::python_str(json::parse("5")) == "5");
    CHECK(sync::python_str(json::parse("5.0")) == "5.0");
    CHECK(sync::python_str(json::parse("2.5")) == "2.5");
    CHECK(sync::python_str(json::parse("false")) == "False");
    CHECK(sync::python_str(json::parse("null")) == "None");
}
