// The ingest emulation's control fields on connector documents: the result is the document the
// parsed emulation gives (control fields dropped, `body` reduced when asked), whatever the
// shape of the source.

#include "pipeline.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

using casio::mock_es::apply_ingest_emulation;
namespace json = boost::json;

namespace {

json::value emulated(std::string source) {
    return json::parse(apply_ingest_emulation(std::move(source), "search-default-ingestion"));
}

}  // namespace

TEST_CASE("the control fields of a connector document are dropped, the rest kept",
          "[mock_es][pipeline]") {
    CHECK(emulated(R"({"id":"1","_extract_binary_content":true,"_reduce_whitespace":true,)"
                   R"("_run_ml_inference":false,"n":1.5e3,"tags":["a","_b"],"o":{"x":null}})") ==
          json::parse(R"({"id":"1","n":1500.0,"tags":["a","_b"],"o":{"x":null}})"));
    CHECK(emulated(R"({"_run_ml_inference":true})") == json::parse("{}"));
    CHECK(emulated(R"( { "a" : 1 , "_reduce_whitespace" : false } )") == json::parse(R"({"a":1})"));
    // A control field's name inside a value or a nested object is no control field.
    CHECK(emulated(R"({"t":"say \"_attachment\", \\","m":{"_reduce_whitespace":true},)"
                   R"("_run_ml_inference":true})") ==
          json::parse(R"({"t":"say \"_attachment\", \\","m":{"_reduce_whitespace":true}})"));
    // A document without control fields is returned as it came.
    CHECK(apply_ingest_emulation(R"({ "a":1.0 })", "p") == R"({ "a":1.0 })");
}

TEST_CASE("_reduce_whitespace collapses the body, escaped or not", "[mock_es][pipeline]") {
    CHECK(emulated(R"({"body":"  one   two  three ","_reduce_whitespace":true})") ==
          json::parse(R"({"body":"one two three"})"));
    CHECK(emulated(R"({"body":"a\n\n\tb\u0020\u000bc \"q\" \u00e9","_reduce_whitespace":true})") ==
          json::parse(R"({"body":"a b c \"q\" é"})"));
    CHECK(emulated(R"({"body":"  kept  ","_reduce_whitespace":false})") ==
          json::parse(R"({"body":"  kept  "})"));
    CHECK(emulated(R"({"body":"  kept  ","_reduce_whitespace":"true"})") ==
          json::parse(R"({"body":"  kept  "})"));
    CHECK(emulated(R"({"body":42,"_reduce_whitespace":true})") == json::parse(R"({"body":42})"));
}

TEST_CASE("escaped and repeated keys are read as JSON reads them", "[mock_es][pipeline]") {
    // "\u005freduce_whitespace" is "_reduce_whitespace".
    CHECK(emulated(R"({"body":" a  b ","\u005freduce_whitespace":true,"_run_ml_inference":1})") ==
          json::parse(R"({"body":"a b"})"));
    // The last of a repeated key wins, as in the parsed document.
    CHECK(emulated(R"({"a":1,"a":2,"_run_ml_inference":true})") == json::parse(R"({"a":2})"));
}

TEST_CASE("an attachment to extract still goes through extraction", "[mock_es][pipeline]") {
    // "hello   world" in base64.
    CHECK(emulated(R"({"_attachment":"aGVsbG8gICB3b3JsZA==","_extract_binary_content":true,)"
                   R"("_reduce_whitespace":true})") == json::parse(R"({"body":"hello world"})"));
    // Not asked to extract: the attachment is dropped with the other control fields.
    CHECK(emulated(R"({"_attachment":"aGVsbG8=","_extract_binary_content":false})") ==
          json::parse("{}"));
}
