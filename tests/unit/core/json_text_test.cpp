#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

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

TEST_CASE("values are written compactly, numbers in their shortest form", "[core][json]") {
    auto text = [](const boost::json::value& v) {
        std::string out;
        casio::core::append_json_value(out, v);
        return out;
    };
    CHECK(text(boost::json::parse(R"({"lat":35.6762,"n":-12,"big":18446744073709551615,)"
                                  R"("d":3.0,"e":1e20,"s":"a\"b\n","l":[true,null,{}],"o":{}})")) ==
          R"({"lat":35.6762,"n":-12,"big":18446744073709551615,"d":3.0,"e":1e+20,)"
          R"("s":"a\"b\n","l":[true,null,{}],"o":{}})");
    // What it writes reads back to the same value.
    const auto v = boost::json::parse(R"([0.1,1e-7,123456789.125,-0.0,2.5e-308])");
    CHECK(boost::json::parse(text(v)) == v);
    CHECK(text(boost::json::value(std::numeric_limits<double>::quiet_NaN())) == "null");
}
