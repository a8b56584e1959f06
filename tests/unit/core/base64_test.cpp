#include <catch2/catch.hpp>

#include <casio/core/base64.hpp>

using casio::core::base64_decode;
using casio::core::base64_encode;

TEST_CASE("base64 round-trips every padding length", "[core][base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("elastic:changeme") == "ZWxhc3RpYzpjaGFuZ2VtZQ==");
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        CHECK(base64_decode(base64_encode(s)) == s);
    }
}

TEST_CASE("base64 decoding accepts URL-safe text and refuses junk", "[core][base64]") {
    CHECK(base64_decode("-_8") == std::string("\xfb\xff"));
    CHECK(base64_decode("Zm9v\nYmFy") == "foobar");
    CHECK_FALSE(base64_decode("Zm9v!").has_value());
}
