// The other spellings of the same JSON (--json-style, X-PrettyPrint): what a client reads must
// parse to exactly the value of the compact answer.
#include "json_style.hpp"

#include <catch2/catch.hpp>
#include <regex>

#include "helpers.hpp"
#include "service.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

constexpr json_style all_styles[] = {json_style::compact, json_style::pretty, json_style::escaped,
                                     json_style::pretty_escaped, json_style::spaced};

bool all_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Values a real org holds and a JSON writer must escape or may re-encode: non-ASCII in the BMP
// and beyond it, quotes, backslashes, slashes, control characters.
const char* unicode_fixture() {
    return R"({"records": {
  "Account": [
    {"Id": "001000000000001AAA", "Name": "Zo\u00eb \"Quote\" back\\slash a/b </script>",
     "Description": "tab\there\nnew line\r\u0001\u001f ctl, \u65e5\u672c\u8a9e, \ud83d\ude00 emoji, caf\u00e9",
     "BillingAddress": {"street": "1/2 Rue de l'\u00c9glise", "city": "Montr\u00e9al"}},
    {"Id": "001000000000002AAA", "Name": "plain ascii name", "Description": null},
    {"Id": "001000000000003AAA", "Name": "\u00d8re \u20ac 100 / \u00bd", "NumberOfEmployees": -12,
     "AnnualRevenue": 1.5e3}
  ]
}})";
}

struct styled_service : service_fixture {
    explicit styled_service(json_style style)
        : service_fixture(org::from_fixture(unicode_fixture()), options(style)) {}
    static service_options options(json_style style) {
        service_options opts;
        opts.client_id = "id";
        opts.client_secret = "secret";
        opts.json = style;
        return opts;
    }
};

const std::string page_target =
    "/services/data/v59.0/query?q=SELECT+Id,Name,Description,BillingAddress,NumberOfEmployees,"
    "AnnualRevenue+FROM+Account+ORDER+BY+Id";

}  // namespace

TEST_CASE("restyle_json: pretty layout, escapes kept, value unchanged", "[mock_sf][json]") {
    const std::string compact = R"({"a":[1,{"b":null},[]],"c":{},"d":"x\"y\\z\n\u0001/"})";
    CHECK(restyle_json(compact, json_style::compact) == compact);
    CHECK(restyle_json(compact, json_style::pretty) ==
          "{\n"
          "    \"a\": [\n"
          "        1,\n"
          "        {\n"
          "            \"b\": null\n"
          "        },\n"
          "        []\n"
          "    ],\n"
          "    \"c\": {},\n"
          "    \"d\": \"x\\\"y\\\\z\\n\\u0001/\"\n"
          "}");
    for (auto style : all_styles) {
        INFO(static_cast<int>(style));
        CHECK(boost::json::parse(restyle_json(compact, style)) == boost::json::parse(compact));
    }
    // Scalars at the top level, numbers in every form, keys with a slash.
    for (const char* text : {"-1.5e-10", "true", "\"\"", R"({"a/b":[0,-0.0,1E+2,false]})",
                             R"(["\ud83d\ude00","\u00e9"])"}) {
        INFO(text);
        for (auto style : all_styles) {
            CHECK(boost::json::parse(restyle_json(text, style)) == boost::json::parse(text));
        }
    }
    // Keys keep their letters in `escaped`; only their slashes are escaped.
    const auto keyed = restyle_json(R"({"Name/Path":"Name/Path"})", json_style::escaped);
    CHECK(keyed.starts_with(R"({"Name\/Path":")"));
}

TEST_CASE("spaced: one line, as Python's json.dumps writes it", "[mock_sf][json]") {
    const std::string compact = R"({"a":[1,{"b":"x, y: z"},[]],"c":{}})";
    CHECK(restyle_json(compact, json_style::spaced) ==
          R"({"a": [1, {"b": "x, y: z"}, []], "c": {}})");
    CHECK(parse_json_style("spaced") == json_style::spaced);
}

TEST_CASE("escaped: non-ASCII as UTF-16 escapes, slashes and some letters escaped",
          "[mock_sf][json]") {
    const std::string compact =
        "{\"k\":\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80 a/b "
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\"}";
    const auto text = restyle_json(compact, json_style::escaped);
    CHECK(all_ascii(text));
    CHECK(text.find("a\\/b") != std::string::npos);
    // U+1F600 as a surrogate pair, hex digits in either case.
    CHECK(std::regex_search(text, std::regex(R"(\\u[dD]83[dD]\\u[dD][eE]00)")));
    CHECK(std::regex_search(text, std::regex(R"(\\u00[eE]9)")));
    CHECK(std::regex_search(text, std::regex(R"(\\u65[eE]5)")));
    // Some ASCII letters escaped, not all: irregular but the same every time.
    const std::regex letter(R"(\\u00[4-7][0-9a-fA-F])");
    const auto escaped_letters = std::distance(
        std::sregex_iterator(text.begin(), text.end(), letter), std::sregex_iterator());
    CHECK(escaped_letters > 2);
    CHECK(escaped_letters < 40);
    CHECK(text == restyle_json(compact, json_style::escaped));
    CHECK(boost::json::parse(text) == boost::json::parse(compact));
}

TEST_CASE("every style of a query page parses to the compact page", "[mock_sf][json][service]") {
    styled_service compact(json_style::compact);
    compact.login();
    const auto reference = compact.call("GET", page_target);
    REQUIRE(reference.status == 200);
    const auto expected = boost::json::parse(reference.body);
    REQUIRE(expected.at("records").as_array().size() == 3);
    // The fixture's tricky characters reach the page.
    CHECK(str(expected.at("records").at(0).at("Description")).find("\x01") != std::string::npos);
    CHECK(reference.body.find("\xF0\x9F\x98\x80") != std::string::npos);

    for (auto style : {json_style::pretty, json_style::escaped, json_style::pretty_escaped}) {
        INFO(static_cast<int>(style));
        styled_service s(style);
        s.login();
        const auto r = s.call("GET", page_target);
        REQUIRE(r.status == 200);
        CHECK(r.body != reference.body);
        CHECK(boost::json::parse(r.body) == expected);
        const bool pretty = style != json_style::escaped;
        const bool escaped = style != json_style::pretty;
        CHECK((r.body.find("\n    \"totalSize\": 3,\n") != std::string::npos) == pretty);
        CHECK(all_ascii(r.body) == escaped);
        CHECK((r.body.find("a\\/b") != std::string::npos) == escaped);
        // Keys are never letter-escaped.
        CHECK(r.body.find("\"records\":") != std::string::npos);
        CHECK(r.body.find("\"Description\":") != std::string::npos);
    }
}

TEST_CASE("X-PrettyPrint: 1 pretty-prints one answer, errors and tokens are styled too",
          "[mock_sf][json][service]") {
    styled_service s(json_style::compact);
    s.login();
    const auto plain = s.call("GET", page_target);
    const auto pretty = s.call("GET", page_target, {}, {{"X-PrettyPrint", "1"}});
    REQUIRE(pretty.status == 200);
    CHECK(pretty.body == restyle_json(plain.body, json_style::pretty));
    CHECK(s.call("GET", page_target).body == plain.body);  // only that request

    styled_service e(json_style::escaped);
    e.login();
    CHECK(e.call("GET", page_target, {}, {{"X-PrettyPrint", "1"}}).body ==
          restyle_json(plain.body, json_style::pretty_escaped));

    // An error, a describe and the token answer in the pretty style still parse the same.
    styled_service p(json_style::pretty_escaped);
    auto token = p.call("POST", "/services/oauth2/token",
                        "grant_type=client_credentials&client_id=id&client_secret=secret");
    CHECK(token.body.find("\n    \"access_token\": ") != std::string::npos);
    p.caller.token = str(boost::json::parse(token.body).at("access_token"));
    auto bad = p.call("GET", "/services/data/v59.0/query?q=SELECT+Nope+FROM+Account");
    CHECK(bad.status == 400);
    CHECK(bad.body.starts_with("[\n    {\n"));
    CHECK(str(boost::json::parse(bad.body).at(0).at("errorCode")) == "INVALID_FIELD");
    auto describe = p.call("GET", "/services/data/v59.0/sobjects/Account/describe");
    CHECK(describe.status == 200);
    CHECK(boost::json::parse(describe.body) ==
          boost::json::parse(s.call("GET", "/services/data/v59.0/sobjects/Account/describe").body));
}
