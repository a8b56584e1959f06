#include <catch2/catch.hpp>
#include <string>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/json_parse.hpp>
#include <casio/core/json_text.hpp>
#include <casio/salesforce/raw_records.hpp>

using namespace casio::salesforce;

namespace {

// key=value; per member, a * after a value that is not canonical (to be written again).
std::string members_of(const raw_records& r, std::size_t i) {
    auto m = r.record(i);
    if (!m) {
        return "(not usable)";
    }
    std::string out;
    for (const auto& x : *m) {
        out += std::string(x.key) + "=" + std::string(x.value) + (x.canonical ? ";" : "*;");
    }
    return out;
}

// What the tree path writes for a value's text.
std::string written(std::string_view text) {
    std::string out;
    casio::core::append_json_value(out, casio::core::parse_json(text));
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
          R"(N=-1.5e3*;B=true;Z=null;Sub={"totalSize":1,"records":[{"Id":"x\\"}]};)");
    CHECK(members_of(r, 1) == R"(Id="001B";Empty={};List=[ ]*;)");
    CHECK_FALSE(r.record(2));
    CHECK_FALSE(r.record(3));
    CHECK(r.records_key() == "records");
    REQUIRE(r.page_members().size() == 3);
    CHECK(r.page_members()[2].value == R"("/q/01g-2000")");
}

TEST_CASE("raw records: a record whose keys the text cannot settle is read from its tree",
          "[salesforce][raw]") {
    raw_records r(
        "{\"records\":[{\"Id\":\"1\",\"Sub\":{\n\"a\":1}},{\"I\\u0064\":\"2\"},{\"Id\":\"3\"},"
        "{\"Id\":\"4\",\r\n\"A\":1}, {\"Id\":\"5\",\t\"A\":1},{\"Id\":\"6\",\"A\":1,\"Id\":\"7\"},"
        "{\"Id\":\"8\",\"S\":{\"a\":1,\"a\":2}}]}");
    REQUIRE(r.size() == 7);
    // Whitespace anywhere: usable, only the members whose value holds some are written again.
    CHECK(members_of(r, 0) == "Id=\"1\";Sub={\n\"a\":1}*;");
    CHECK_FALSE(r.record(1));  // a key written with an escape
    CHECK(members_of(r, 2) == R"(Id="3";)");
    CHECK(members_of(r, 3) == R"(Id="4";A=1;)");
    CHECK(members_of(r, 4) == R"(Id="5";A=1;)");
    CHECK_FALSE(r.record(5));  // a key written twice: the parsed record keeps the last Id
    // Inside a value, a repeated key makes that member one to write again from its tree.
    CHECK(members_of(r, 6) == R"(Id="8";S={"a":1,"a":2}*;)");
    CHECK(written(R"({"a":1,"a":2})") == R"({"a":2})");
}

TEST_CASE("raw records: a value is canonical when it is what the tree path writes for it",
          "[salesforce][raw]") {
    struct example {
        const char* text;
        bool canonical;
    };
    const example examples[] = {
        // Strings: only the escapes core::append_json_escaped writes.
        {R"("caf\u00e9")", false},
        {R"("café 日本 😀")", true},
        {R"("a\/b")", false},
        {R"("a/b")", true},
        {R"("q\"b\\c\n\t\b\f\r")", true},
        {R"("\u001f\u0000\u0001")", true},
        {R"("\u001F")", false},
        {R"("\u000a")", false},
        {R"("\u007f")", false},
        {R"("\ud83d\ude00")", false},
        // Numbers: integers that stay integers, doubles as Python's repr writes them.
        {"0", true},
        {"-1", true},
        {"-0", false},
        {"12345678901234567890", true},
        {"-9223372036854775808", true},
        {"-9223372036854775809", false},
        {"123456789012345678901", false},
        {"15000.0", true},
        {"15000.00", false},
        {"15000", true},
        {"1.5E7", false},
        {"1.5e+07", false},
        {"15000000.0", true},
        {"1e+16", true},
        {"1E+16", false},
        {"1e16", false},
        {"0.0001", true},
        {"0.00001", false},
        {"1e-05", true},
        {"0.1", true},
        {"0.30000000000000004", true},
        {"1.10", false},
        {"100.0", true},
        {"-0.0", true},
        {"0.0", true},
        {"0.00", false},
        {"1234567890123456.5", true},                     // 17 digits, and all needed
        {"0.1000000000000000055511151231257827", false},  // 0.1's exact value: written 0.1
        {"1e400", false},
        {"true", true},
        {"null", true},
        // Containers: compact, every key once per object.
        {R"({"a":1})", true},
        {R"({"a": 1})", false},
        {R"([1,2])", true},
        {R"([1, 2])", false},
        {R"({"a":1,"a":2})", false},
        {R"({"a":{"b":1},"b":2})", true},
        {R"([{"a":1},{"a":1}])", true},
        {R"({"a\u0062":1})", false},
        {R"({"a\"":1,"a\"":2})", false},
        {R"({"x":[1.5E7]})", false},
        // Keys of one length are compared, whenever they come.
        {R"({"ab":1,"cd":2,"ef":3,"gh":4})", true},
        {R"({"ab":1,"cd":2,"ef":3,"cd":4})", false},
        {R"({"a":1,"bb":2,"c":3,"dd":{"x":1,"y":{"x":2}},"e":[{"x":1},{"x":1}]})", true},
        {R"({"a":1,"bb":2,"c":3,"dd":{"x":1,"x":1},"e":5})", false},
    };
    for (const auto& e : examples) {
        const std::string page = std::string(R"({"records":[{"v":)") + e.text + "}]}";
        raw_records r(page);
        INFO(e.text);
        REQUIRE(r.record(0));
        const auto& m = (*r.record(0))[0];
        CHECK(m.value == e.text);
        CHECK(m.canonical == e.canonical);
        // The definition the flag stands for.
        CHECK(m.canonical == (written(e.text) == e.text));
    }
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
    // What the parsed page would settle otherwise: left to it.
    CHECK(raw_records(R"({"records":[{"Id":"1"}],"records":[{"Id":"2"}]})").size() == 0);
    CHECK(raw_records(R"({"records":[{"Id":"1"}],"records":null})").size() == 0);
    CHECK(raw_records(R"({"\u0074otalSize":1,"records":[{"Id":"1"}]})").size() == 0);
}

TEST_CASE("the sparse tree holds the page and only the record members asked for",
          "[salesforce][raw]") {
    const std::string page =
        R"({"totalSize":2,"done":false,"nextRecordsUrl":"/q/01g-2","records":[)"
        R"({"attributes":{"type":"Case"},"Id":"500A","Subject":"s","Links":{"records":[{"x":1}]},)"
        R"("Quoted":"a\"b","Missing":null},)"
        "{\"Id\":\"500B\",\"Subject\":\"t\",\"Body\":{\n\"k\":2.5E-3},\"\\u0042ody\":1}]}";
    raw_records raw(page);
    REQUIRE(raw.size() == 2);
    boost::json::monotonic_resource arena;
    casio::core::json_parser parser;
    const std::string_view fields[] = {"Id", "Links", "Quoted", "Missing"};
    auto tree = raw.sparse_tree(fields, parser, boost::json::storage_ptr(&arena));
    REQUIRE(tree);
    CHECK(boost::json::serialize(*tree) ==
          R"({"totalSize":2,"done":false,"nextRecordsUrl":"/q/01g-2","records":[)"
          R"({"Id":"500A","Links":{"records":[{"x":1}]},"Quoted":"a\"b","Missing":null},)"
          // Not readable from the text (an escaped key): parsed whole (and its two Body
          // members are one, as in any parsed object).
          R"({"Id":"500B","Subject":"t","Body":1}]})");
    CHECK(tree->storage().get() == &arena);
    CHECK_FALSE(raw_records(R"({"a":1})").sparse_tree(fields, parser, {}));
}

TEST_CASE("raw helpers: members, elements, strings and canonical values", "[salesforce][raw]") {
    std::string seen;
    CHECK(for_each_raw_member(" { \"a\" : [1, {\"b\":\"}\"}] ,\"c\":null } ",
                              [&](std::string_view k, std::string_view v) {
                                  seen += std::string(k) + "=" + std::string(v) + ";";
                              }));
    CHECK(seen == R"(a=[1, {"b":"}"}];c=null;)");
    CHECK_FALSE(for_each_raw_member("[1]", [](std::string_view, std::string_view) {}));
    seen.clear();
    CHECK(for_each_raw_element(" [ {\"a\":1} , \"x\\\"]\" ,2]",
                               [&](std::string_view v) { seen += std::string(v) + ";"; }));
    CHECK(seen == R"({"a":1};"x\"]";2;)");
    CHECK_FALSE(for_each_raw_element("{}", [](std::string_view) {}));

    CHECK(raw_string(R"("069A")") == "069A");
    CHECK(raw_string(R"("\u0030\u00369A\/\"")") == "069A/\"");
    CHECK(raw_string(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");
    CHECK_FALSE(raw_string("null"));
    CHECK_FALSE(raw_string("12"));

    std::string out;
    append_canonical(out, "{ \"a\" : [ 1.5E7 , \"caf\\u00e9\\/\" ] , \"a\" : -0 }");
    CHECK(out == R"({"a":0})");
    out.clear();
    append_canonical(out, "[ 1.5E7 , \"caf\\u00e9\\/\" ]");
    CHECK(out == "[15000000.0,\"café/\"]");
    out.clear();
    append_canonical(out, "[ copied as is ]", true);
    CHECK(out == "[ copied as is ]");
}
