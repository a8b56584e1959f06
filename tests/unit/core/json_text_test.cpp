#include <catch2/catch.hpp>
#include <string>

#include <boost/json/parse.hpp>

#include <casio/core/json_text.hpp>

using casio::core::append_json_string;

TEST_CASE("hand-written JSON strings parse back to the original text", "[core][json]") {
    const std::string nasty = std::string("quote \" backslash \\ tab\t nl\n cr\r bell\x07 nul") +
                              '\0' + " unicode é 日本 \x1f end";
    std::string out;
    append_json_string(out, nasty);
    CHECK(out.find('\n') == std::string::npos);  // NDJSON-safe: one line
    CHECK(boost::json::parse(out).as_string() == nasty);
}

TEST_CASE("plain text is copied without escapes", "[core][json]") {
    std::string out = "x";
    append_json_string(out, "Acme, Inc. – Zürich");
    CHECK(out == "x\"Acme, Inc. – Zürich\"");
}
