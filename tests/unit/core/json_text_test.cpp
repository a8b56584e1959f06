#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <casio/core/json_parse.hpp>
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

TEST_CASE("doubles are written as Python's repr writes a float", "[core][json][number]") {
    auto text = [](double d) {
        std::string out;
        casio::core::append_json_double(out, d);
        return out;
    };
    // Fixed notation from 1e-4 up to 1e16, always with a digit after the point.
    CHECK(text(15000000.0) == "15000000.0");  // to_chars alone: 1.5e+07
    CHECK(text(1.5e7) == "15000000.0");
    CHECK(text(15000.0) == "15000.0");
    CHECK(text(35.6762) == "35.6762");
    CHECK(text(0.1) == "0.1");
    CHECK(text(0.0001) == "0.0001");
    CHECK(text(0.000123) == "0.000123");
    CHECK(text(1e15) == "1000000000000000.0");
    CHECK(text(9999999999999998.0) == "9999999999999998.0");
    CHECK(text(123456.789) == "123456.789");
    CHECK(text(0.0) == "0.0");
    CHECK(text(-0.0) == "-0.0");
    CHECK(text(-2.5) == "-2.5");
    // Scientific outside it, the exponent signed and at least two digits.
    CHECK(text(1e16) == "1e+16");
    CHECK(text(0.00001) == "1e-05");
    CHECK(text(-1.5e-7) == "-1.5e-07");
    CHECK(text(1.2345678901234568e20) == "1.2345678901234568e+20");
    CHECK(text(1e100) == "1e+100");
    CHECK(text(5e-324) == "5e-324");
    CHECK(text(1.7976931348623157e308) == "1.7976931348623157e+308");
    CHECK(text(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("a written double reads back to the same value, in the fewest digits",
          "[core][json][number]") {
    std::mt19937_64 rng(20240501);
    for (int i = 0; i < 20000; ++i) {
        double d = 0;
        if (i % 2 == 0) {
            const std::uint64_t bits = rng();
            std::memcpy(&d, &bits, sizeof d);
        } else {
            d = static_cast<double>(rng() % 100000000) * std::pow(10.0, int(rng() % 40) - 20);
        }
        if (!std::isfinite(d)) {
            continue;
        }
        std::string out;
        casio::core::append_json_double(out, d);
        double back = 0;
        const auto r = std::from_chars(out.data(), out.data() + out.size(), back);
        INFO(out);
        REQUIRE(r.ec == std::errc());
        REQUIRE(r.ptr == out.data() + out.size());
        CHECK(std::memcmp(&back, &d, sizeof d) == 0);
        // As many significant digits as the shortest round trip needs, no more.
        char shortest[32];
        const auto end =
            std::to_chars(shortest, shortest + sizeof shortest, d, std::chars_format::scientific)
                .ptr;
        const std::string_view sci(shortest, static_cast<std::size_t>(end - shortest));
        auto significant = [](std::string_view s) {
            s = s.substr(0, s.find('e'));
            std::string digits;
            for (char c : s) {
                if (c >= '0' && c <= '9') {
                    digits.push_back(c);
                }
            }
            const auto first = digits.find_first_not_of('0');
            const auto last = digits.find_last_not_of('0');
            return first == std::string::npos ? std::string("0")
                                              : digits.substr(first, last - first + 1);
        };
        CHECK(significant(out) == significant(sci));
    }
}

TEST_CASE("the parser reads every double exactly", "[core][json][number]") {
    // Boost.JSON 1.81's own parser reads these a unit in the last place off.
    for (const char* text : {"5.033955334015045e+214", "1.3927926388013963e-143",
                             "1.5878096571169858e+41", "4.602872573256515e-15"}) {
        double want = 0;
        std::from_chars(text, text + std::strlen(text), want);
        INFO(text);
        CHECK(casio::core::parse_json(text).as_double() == want);
        std::string out;
        casio::core::append_json_value(out, casio::core::parse_json(text));
        CHECK(out == text);
    }
    std::mt19937_64 rng(7);
    casio::core::json_parser parser;
    for (int i = 0; i < 20000; ++i) {
        double d = 0;
        const std::uint64_t bits = rng();
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) {
            continue;
        }
        std::string text = "[";
        casio::core::append_json_double(text, d);
        text += ",1]";
        parser.reset();
        parser.write(text);
        const auto v = parser.release();
        const double back = v.as_array()[0].as_double();
        INFO(text);
        CHECK(std::memcmp(&back, &d, sizeof d) == 0);
    }
    // Integers, out-of-range doubles and everything else as Boost.JSON reads them.
    CHECK(casio::core::parse_json("-0").as_int64() == 0);
    CHECK(casio::core::parse_json("18446744073709551615").as_uint64() == 18446744073709551615u);
    CHECK(std::isinf(casio::core::parse_json("1e400").as_double()));
    CHECK(casio::core::parse_json(R"({"a":[1,"\u00e9",null,true]})") ==
          boost::json::parse(R"({"a":[1,"\u00e9",null,true]})"));
}

TEST_CASE("the parser reports what is not one JSON document", "[core][json]") {
    boost::system::error_code ec;
    casio::core::parse_json("{\"a\":", ec);
    CHECK(ec);
    ec = {};
    casio::core::parse_json("1 2", ec);
    CHECK(ec == boost::json::error::extra_data);
    CHECK_THROWS(casio::core::parse_json("[1,]"));
    casio::core::json_parser parser;
    parser.reset();
    parser.write("[1,", ec);
    CHECK(ec);
    CHECK_THROWS(parser.release());
    parser.reset();  // usable again
    parser.write("[1]");
    CHECK(parser.release() == boost::json::parse("[1]"));
}

TEST_CASE("a text cut to fit a JSON byte budget keeps whole characters and fills the budget",
          "[core][json]") {
    using casio::core::append_json_escaped;
    using casio::core::json_escaped_prefix;
    // One character each: a cut may fall between any two.
    const std::vector<std::string> pieces = {
        "a", " ", "\"", "\\", "\n", "\t", "\x01", "é", "日", "\xF0\x9F\x98\x80", "\x1f"};
    auto escaped_size = [&](std::string_view s) {
        std::string out;
        append_json_escaped(out, s);
        return out.size();
    };
    std::mt19937 rng(11);
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        std::vector<std::size_t> boundaries{0};
        const int n = static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            text += pieces[rng() % pieces.size()];
            boundaries.push_back(text.size());
        }
        const std::size_t budget = rng() % (escaped_size(text) + 3);
        const std::size_t cut = json_escaped_prefix(text, budget);
        INFO("text of " << text.size() << " bytes, budget " << budget << ", cut at " << cut);
        REQUIRE(cut <= text.size());
        CHECK(escaped_size(std::string_view(text).substr(0, cut)) <= budget);
        const auto at = std::find(boundaries.begin(), boundaries.end(), cut);
        REQUIRE(at != boundaries.end());  // never inside a character or an escape
        if (cut < text.size()) {          // the next character would not have fitted
            CHECK(escaped_size(std::string_view(text).substr(0, *(at + 1))) > budget);
        }
    }
    CHECK(json_escaped_prefix("abc", 0) == 0);
    CHECK(json_escaped_prefix("é", 1) == 0);
    CHECK(json_escaped_prefix("a\"b", 2) == 1);
}
