// Content documents as the sink receives them (protocol.md §4.1): id rule, appended fields.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <casio/core/error.hpp>
#include <casio/sync/document.hpp>

using namespace casio;
namespace json = boost::json;

TEST_CASE("md5_hex matches the known digest", "[sync][document]") {
    CHECK(sync::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(sync::md5_hex("The quick brown fox jumps over the lazy dog") ==
          "9e107d9d372bb6826bd81d3542a419d6");
}

TEST_CASE("ids longer than 512 bytes become their MD5, others stay", "[sync][document]") {
    std::string at_limit(512, 'a');
    std::string over(513, 'a');
    CHECK(sync::document_id(at_limit) == at_limit);
    CHECK(sync::document_id(over) == sync::md5_hex(over));
    CHECK(sync::document_id(over).size() == 32);
    // Bytes, not characters: 257 two-byte characters are 514 bytes.
    std::string utf8;
    for (int i = 0; i < 257; ++i) {
        utf8 += "\xc3\xa9";
    }
    CHECK(sync::document_id(utf8) == sync::md5_hex(utf8));
}

TEST_CASE("a content document is finished with id and the pipeline flags", "[sync][document]") {
    sync::pipeline_settings p;
    p.reduce_whitespace = false;
    auto d = sync::make_document("001ABC", R"({"title":"Acme \"Q\"","n":1})",
                                 std::string("2024-05-01T10:00:00Z"));
    CHECK(d.id == "001ABC");
    CHECK(d.timestamp == "2024-05-01T10:00:00Z");
    sync::finish_document(d, &p);
    CHECK(d.id == "001ABC");
    auto v = json::parse(d.json);
    CHECK(v == json::parse(R"({"title":"Acme \"Q\"","n":1,"_timestamp":"2024-05-01T10:00:00Z",
        "id":"001ABC","_extract_binary_content":true,"_reduce_whitespace":false,
        "_run_ml_inference":true})"));
    CHECK(d.json.find('\n') == std::string::npos);  // one NDJSON line
}

TEST_CASE("an access-control document gets only id, and a long id becomes its MD5",
          "[sync][document]") {
    std::string long_id(600, 'x');
    auto d = sync::make_document(long_id, "{}");
    CHECK_FALSE(d.timestamp);
    sync::finish_document(d, nullptr);
    CHECK(d.id == sync::md5_hex(long_id));
    CHECK(json::parse(d.json) == json::parse(R"({"id":")" + sync::md5_hex(long_id) + R"("})"));
}

TEST_CASE("append_json_field rejects what is not an object", "[sync][document]") {
    std::string s = "[1,2]";
    CHECK_THROWS_AS(sync::append_json_field(s, "id", "\"a\""), core::error);
    std::string t = "{\"a\":1}\n";
    sync::append_json_string_field(t, "k", "line\nbreak");
    CHECK(json::parse(t) == json::parse(R"({"a":1,"k":"line\nbreak"})"));
    CHECK(t.find('\n') == std::string::npos);
}
