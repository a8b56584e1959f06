#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include <casio/core/log.hpp>

namespace lg = casio::core::log;

namespace {

// Captures lines for one test and restores the global logger afterwards.
struct captured_log {
    std::vector<std::string> lines;

    explicit captured_log(lg::format f = lg::format::text, lg::level l = lg::level::debug) {
        lg::set_format(f);
        lg::set_level(l);
        lg::set_sink([this](std::string_view line) { lines.emplace_back(line); });
    }
    ~captured_log() {
        lg::set_sink({});
        lg::set_format(lg::format::text);
        lg::set_level(lg::level::info);
        lg::clear_secrets();
    }
    const std::string& last() const { return lines.back(); }
};

// Counts how often it is formatted.
struct counted_piece {
    mutable int streamed = 0;
};
std::ostream& operator<<(std::ostream& os, const counted_piece& p) {
    ++p.streamed;
    return os << "piece";
}

}  // namespace

TEST_CASE("text lines carry timestamp, level and message", "[log][text]") {
    captured_log cap;
    lg::warning("synced ", 42, " documents of ", std::string("conn-1"));
    REQUIRE(cap.lines.size() == 1);
    const auto& line = cap.last();
    CHECK(line.find("[WARNING] synced 42 documents of conn-1") != std::string::npos);
    CHECK(line.rfind("[20", 0) == 0);  // starts with the timestamp
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("messages below the level are neither emitted nor formatted", "[log][level]") {
    captured_log cap(lg::format::text, lg::level::warning);
    counted_piece piece;
    lg::info("hidden ", piece);
    lg::debug("hidden too ", piece);
    CHECK(piece.streamed == 0);
    lg::error("shown ", piece);
    CHECK(piece.streamed == 1);
    REQUIRE(cap.lines.size() == 1);
    CHECK(cap.last().find("[ERROR] shown piece") != std::string::npos);
    CHECK_FALSE(lg::enabled(lg::level::info));
    CHECK(lg::enabled(lg::level::critical));
}

TEST_CASE("parse_level accepts the CLI and config spellings", "[log][level]") {
    CHECK(lg::parse_level("DEBUG") == lg::level::debug);
    CHECK(lg::parse_level("info") == lg::level::info);
    CHECK(lg::parse_level("Warning") == lg::level::warning);
    CHECK(lg::parse_level("ERROR") == lg::level::error);
    CHECK(lg::parse_level("CRITICAL") == lg::level::critical);
    CHECK_FALSE(lg::parse_level("verbose"));
    CHECK_FALSE(lg::parse_level(""));
}

TEST_CASE("ECS lines are one JSON object with the fields Filebeat expects", "[log][ecs]") {
    captured_log cap(lg::format::ecs_json);
    lg::error("quote \" backslash \\ newline \n tab \t done");
    REQUIRE(cap.lines.size() == 1);
    CHECK(cap.last().find('\n') == std::string::npos);
    auto v = boost::json::parse(cap.last()).as_object();
    CHECK(v.at("log.level").as_string() == "error");
    CHECK(v.at("message").as_string() == "quote \" backslash \\ newline \n tab \t done");
    auto stamp = std::string(v.at("@timestamp").as_string());
    CHECK(stamp.size() == 24);
    CHECK(stamp.back() == 'Z');
    CHECK(v.at("ecs").at("version").as_string() == "1.6.0");
    CHECK(v.at("process").at("pid").as_int64() > 0);
    CHECK(v.at("process").at("thread").at("id").as_int64() > 0);
    CHECK(v.at("service").at("name").as_string() == "connectors-asio");
    CHECK(v.at("log").at("logger").as_string() == "connectors-asio");
}

TEST_CASE("registered secrets are redacted from every line", "[log][redact]") {
    captured_log cap(lg::format::ecs_json);
    lg::register_secret("s3cr3t-value");
    lg::register_secret("");  // ignored, would otherwise match everywhere
    lg::info("connecting with s3cr3t-value and again s3cr3t-value");
    auto v = boost::json::parse(cap.last()).as_object();
    CHECK(v.at("message").as_string() == "connecting with <redacted> and again <redacted>");
    CHECK(cap.last().find("s3cr3t") == std::string::npos);
}

TEST_CASE("a longer secret containing a shorter one is fully redacted", "[log][redact]") {
    captured_log cap;
    lg::register_secret("abcd");
    lg::register_secret("xxabcdyy");
    CHECK(lg::redact("k=xxabcdyy") == "k=<redacted>");
}

TEST_CASE("a short secret is redacted where it stands alone, not inside words", "[log][redact]") {
    captured_log cap;
    lg::register_secret("x");
    lg::register_secret("abc12");
    CHECK(lg::redact("index of x, box") == "index of <redacted>, box");
    CHECK(lg::redact("secret=abc12&q=abc123") == "secret=<redacted>&q=abc123");
    CHECK(lg::redact("token abc12.") == "token <redacted>.");
    CHECK(lg::redact("xabc12 abc12x") == "xabc12 abc12x");
}

TEST_CASE("secret patterns are redacted without registration", "[log][redact]") {
    captured_log cap;
    struct example {
        const char* in;
        const char* out;
    };
    for (auto [in, out] : std::vector<example>{
             {"Authorization: Bearer eyJhbGciOi.abc", "Authorization: Bearer <redacted>"},
             {"authorization: ApiKey Zm9vOmJhcg==", "authorization: ApiKey <redacted>"},
             {"Authorization: Basic ZWxhc3RpYzpjaGFuZ2VtZQ==, next",
              "Authorization: Basic <redacted>, next"},
             {"sent Bearer 00Dxx!AQ4AQ.token to server", "sent Bearer <redacted> to server"},
             {"body grant_type=client_credentials&client_id=abc&client_secret=XYZ123&x=1",
              "body grant_type=client_credentials&client_id=abc&client_secret=<redacted>&x=1"},
             {R"({"user":"elastic","password":"changeme"})",
              R"({"user":"elastic","password":"<redacted>"})"},
             {R"({"password" : "with \" quote","a":1})", R"({"password" : "<redacted>","a":1})"},
             {R"(body: {\"password\":\"p\",\"b\":2})",
              R"(body: {\"password\":\"<redacted>\",\"b\":2})"},
             {"api_key: dGhlIGtleQ==", "api_key: <redacted>"},
             {"{'access_token': 'tok', 'id': 1}", "{'access_token': '<redacted>', 'id': 1}"},
             {"\"Authorization\": \"Bearer abc\"", "\"Authorization\": \"Bearer <redacted>\""},
             {"GET https://elastic:changeme@es:9200/_bulk",
              "GET https://elastic:<redacted>@es:9200/_bulk"},
             {"sent ApiKey abc==", "sent ApiKey <redacted>"},
             {"refresh_token=r1&token=t2", "refresh_token=<redacted>&token=<redacted>"},
         }) {
        INFO(in);
        CHECK(lg::redact(in) == out);
    }
}

TEST_CASE("text that merely mentions a secret key is left alone", "[log][redact]") {
    captured_log cap;
    CHECK(lg::redact("password rotated for user bob") == "password rotated for user bob");
    CHECK(lg::redact("the tokens list is empty") == "the tokens list is empty");
    CHECK(lg::redact("basic rules applied") == "basic rules applied");
    CHECK(lg::redact("https://es.example.com:9200/x") == "https://es.example.com:9200/x");
}

TEST_CASE("concurrent writers produce whole lines", "[log][threads]") {
    captured_log cap;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t] {
            for (int i = 0; i < 200; ++i) {
                lg::info("thread ", t, " line ", i);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    REQUIRE(cap.lines.size() == 800);
    for (const auto& l : cap.lines) {
        REQUIRE(l.find("[INFO] thread ") != std::string::npos);
    }
}
