// The text helpers every layer shares (core/text.hpp).
#include <catch2/catch.hpp>
#include <cstdint>

#include <casio/core/text.hpp>

using namespace casio::core;

TEST_CASE("iequals and to_lower fold ASCII letters only", "[core][text]") {
    CHECK(iequals("Content-Type", "content-type"));
    CHECK(iequals("", ""));
    CHECK_FALSE(iequals("Content-Type", "content-typ"));
    CHECK_FALSE(iequals("caf\xc3\xa9", "CAF\xc3\x89"));  // é and É are not ASCII
    CHECK(to_lower("SELECT Id FROM Account") == "select id from account");
    CHECK(to_lower("CAF\xc3\x89 [X]_1") == "caf\xc3\x89 [x]_1");
}

TEST_CASE("read_digits reads a fixed-width run or refuses", "[core][text]") {
    int v = -1;
    CHECK(read_digits("2024-05-01", 0, 4, v));
    CHECK(v == 2024);
    CHECK(read_digits("2024-05-01", 5, 2, v));
    CHECK(v == 5);
    CHECK_FALSE(read_digits("2024-05-01", 3, 2, v));  // "4-"
    CHECK_FALSE(read_digits("2024", 2, 3, v));        // past the end
    CHECK_FALSE(read_digits("2024", 9, 1, v));
    CHECK(v == 5);  // unchanged by a refusal
}

TEST_CASE("parse_number takes a whole number and nothing else", "[core][text]") {
    CHECK(parse_number<std::uint64_t>("18446744073709551615") == UINT64_MAX);
    CHECK(parse_number<std::int64_t>("-42") == -42);
    CHECK(parse_number<double>("0.25") == 0.25);
    CHECK(parse_number<double>("1e6") == 1e6);
    for (const char* bad : {"", " 1", "1 ", "+1", "1x", "0x10", "1.5", "-1"}) {
        INFO(bad);
        CHECK_FALSE(parse_number<std::uint32_t>(bad));
    }
    CHECK_FALSE(parse_number<std::uint64_t>("18446744073709551616"));  // out of range
    CHECK_FALSE(parse_number<std::int8_t>("128"));
    CHECK_FALSE(parse_number<double>("1e999"));
    CHECK_FALSE(parse_number<double>("."));
}

TEST_CASE("percent-encoding keeps the unreserved bytes and round-trips", "[core][text]") {
    const std::string soql = "SELECT Id FROM Account WHERE Name = 'Ac/me & co' -- ~é";
    const auto encoded = percent_encode(soql);
    CHECK(encoded ==
          "SELECT%20Id%20FROM%20Account%20WHERE%20Name%20%3D%20%27Ac%2Fme%20%26%20co%27%20--%20~%"
          "C3%A9");
    CHECK(encoded.size() == percent_encoded_size(soql));
    CHECK(percent_decode(encoded, false) == soql);
    CHECK(percent_decode("a+b%2Bc", true) == "a b+c");
    CHECK(percent_decode("a+b", false) == "a+b");
    // A '%' without two hex digits stays as it is.
    CHECK(percent_decode("100%", false) == "100%");
    CHECK(percent_decode("%zz%4", false) == "%zz%4");
    CHECK(percent_decode("%41%42", false) == "AB");
}

TEST_CASE("escape_control writes control characters so that a text stays on one line",
          "[core][text]") {
    CHECK(escape_control("a\nb\rc\td") == "a\\nb\\rc\\td");
    CHECK(escape_control(std::string_view("\0\x1b\x7f", 3)) == "\\x00\\x1b\\x7f");
    CHECK(escape_control("plain \"quoted\" \\ caf\xc3\xa9") == "plain \"quoted\" \\ caf\xc3\xa9");
}
