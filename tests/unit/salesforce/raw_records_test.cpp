#include <catch2/catch.hpp>
#include <string>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <casio/salesforce/raw_records.hpp>

using namespace casio::salesforce;

namespace {

std::string members_of(const raw_records& r, std::size_t i) {
    auto m = r.record(i);
    if (!m) {
        return "(not usable)";
    }
    std::string out;
    for (const auto& x : *m) {
        out += std::string(x.key) + "=" + std::string(x.value) + ";";
    }
    return out;
}

}  // namespace

TEST_CASE("raw records: each record's members as written", "[salesforce][raw]") {
    const std::string page =
        R"({"totalSize":3,"done":false,"nextRecordsUrl":"/q/01g-2000","records":[)"
        R"({"attributes":{"type":"Account","url":"/x/001A"},"Id":"001A","Name":"A \"}] co",)"
        R"("N":-1.5e3,"B":true,"Z":null,"Sub":{"totalSize":1,"records":[{"Id":"x\\"}]}},)"
        R"( { "Id" : "001B" , "Empty":{} , "List":[ ] } ,)"
        R"("not an object"]})";
    raw_records r(page);
    REQUIRE(r.size() == 3);
    CHECK(members_of(r, 0) ==
          R"(attributes={"type":"Account","url":"/x/001A"};Id="001A";Name="A \"}] co";)"
          R"(N=-1.5e3;B=true;Z=null;Sub={"totalSize":1,"records":[{"Id":"x\\"}]};)");
    CHECK(members_of(r, 1) == R"(Id="001B";Empty={};List=[ ];)");
    CHECK_FALSE(r.record(2));
    CHECK_FALSE(r.record(3));
}

TEST_CASE("raw records: what cannot be copied into an NDJSON line is left to the parsed tree",
          "[salesforce][raw]") {
    // A line break between tokens, and a key written with an escape.
    raw_records r(
        "{\"records\":[{\"Id\":\"1\",\"Sub\":{\n\"a\":1}},{\"I\\u0064\":\"2\"},{\"Id\":\"3\"},"
        "{\"Id\":\"4\",\r\n\"A\":1}, {\"Id\":\"5\",\t\"A\":1}]}");
    REQUIRE(r.size() == 5);
    CHECK_FALSE(r.record(0));
    CHECK_FALSE(r.record(1));
    CHECK(members_of(r, 2) == R"(Id="3";)");
    CHECK_FALSE(r.record(3));  // a line break between members
    // Spaces and tabs may stay: consecutive members are one range of the text.
    const auto five = r.record(4);
    REQUIRE(five);
    const char* begin = (*five)[0].key.data() - 1;
    const auto& last = (*five)[1].value;
    CHECK(std::string_view(begin, static_cast<std::size_t>(last.data() + last.size() - begin)) ==
          "\"Id\":\"5\",\t\"A\":1");
}

TEST_CASE("raw records: SOSL answers, empty pages and other shapes", "[salesforce][raw]") {
    CHECK(raw_records(R"({"searchRecords":[{"Id":"1"}]})").size() == 1);
    CHECK(raw_records(R"({"totalSize":0,"done":true,"records":[]})").size() == 0);
    CHECK(raw_records(R"([{"Id":"1"}])").size() == 0);
    CHECK(raw_records(R"({"records":{"Id":"1"}})").size() == 0);
    // Cut short (never read past the end).
    CHECK(raw_records(R"({"records":[{"Id":"1"},{"Id":"2)").size() == 0);
    CHECK(raw_records(R"({"records":[{"Id":"1"})").size() == 0);
    CHECK(raw_records("").size() == 0);
}

TEST_CASE("the sparse tree holds the page and only the record members asked for",
          "[salesforce][raw]") {
    const std::string page =
        R"({"totalSize":2,"done":false,"nextRecordsUrl":"/q/01g-2","records":[)"
        R"({"attributes":{"type":"Case"},"Id":"500A","Subject":"s","Links":{"records":[{"x":1}]},)"
        R"("Quoted":"a\"b","Missing":null},)"
        "{\"Id\":\"500B\",\"Subject\":\"t\",\"Body\":{\n\"k\":2}}]}";
    raw_records raw(page);
    REQUIRE(raw.size() == 2);
    boost::json::monotonic_resource arena;
    boost::json::parser parser;
    const std::string_view fields[] = {"Id", "Links", "Quoted", "Missing"};
    auto tree = raw.sparse_tree(fields, parser, boost::json::storage_ptr(&arena));
    REQUIRE(tree);
    CHECK(boost::json::serialize(*tree) ==
          R"({"totalSize":2,"done":false,"nextRecordsUrl":"/q/01g-2","records":[)"
          R"({"Id":"500A","Links":{"records":[{"x":1}]},"Quoted":"a\"b","Missing":null},)"
          // Not copyable from the text (a line break inside): parsed whole.
          R"({"Id":"500B","Subject":"t","Body":{"k":2}}]})");
    CHECK(tree->storage().get() == &arena);
    CHECK_FALSE(raw_records(R"({"a":1})").sparse_tree(fields, parser, {}));
}
