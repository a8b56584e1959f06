#include <catch2/catch.hpp>

#include <casio/es/options.hpp>
#include <casio/es/settings.hpp>
#include <casio/es/version.hpp>

using namespace casio;

TEST_CASE("host gets the scheme's default port and loses trailing slashes", "[es][options]") {
    CHECK(es::normalize_host("http://localhost:9200") == "http://localhost:9200");
    CHECK(es::normalize_host("http://localhost") == "http://localhost:80");
    CHECK(es::normalize_host("https://es.example.com/") == "https://es.example.com:443");
    CHECK(es::normalize_host("HTTPS://es.example.com:9243/prefix/") ==
          "https://es.example.com:9243/prefix");
    CHECK(es::normalize_host("localhost:9200") == "http://localhost:9200");
    CHECK(es::normalize_host("http://[::1]") == "http://[::1]:80");
    CHECK(es::normalize_host("http://[::1]:9200") == "http://[::1]:9200");
}

TEST_CASE("a bad host is a config error naming the key, without credentials", "[es][options]") {
    CHECK_THROWS_WITH(es::normalize_host("ftp://x"), Catch::Contains("elasticsearch.host"));
    CHECK_THROWS_WITH(es::normalize_host("http://:9200"), Catch::Contains("no host name"));
    CHECK_THROWS_WITH(es::normalize_host("http://h:92a0"), Catch::Contains("invalid port"));
    try {
        es::normalize_host("http://elastic:s3cret@h:9200");
        FAIL("expected an error");
    } catch (const core::error& e) {
        CHECK(e.kind() == core::error_kind::bad_request);
        CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
    }
}

TEST_CASE("api key wins over basic auth and is sent verbatim", "[es][options][auth]") {
    es::client_options o;
    CHECK(es::authorization_header(o) == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");  // elastic:changeme
    o.username = "user";
    o.password = "pässword";
    CHECK(es::authorization_header(o) == "Basic dXNlcjpww6Rzc3dvcmQ=");
    o.api_key = "ZW5jb2RlZDprZXk=";
    CHECK(es::authorization_header(o) == "ApiKey ZW5jb2RlZDprZXk=");

    auto per_connector = es::with_api_key(es::client_options{}, "connector-key");
    CHECK(es::authorization_header(per_connector) == "ApiKey connector-key");
    CHECK(per_connector.username.empty());
}

TEST_CASE("TLS settings follow ssl/verify_certs/ca_certs", "[es][options][tls]") {
    es::client_options o;
    o.ca_certs = "/etc/ca.pem";
    o.request_timeout = std::chrono::seconds(30);
    auto h = es::http_options(o);
    CHECK(h.tls.verify);
    CHECK(h.tls.ca_file == "/etc/ca.pem");
    CHECK(h.request_timeout == std::chrono::seconds(30));
    CHECK_FALSE(h.accept_compressed);

    o.verify_certs = false;
    h = es::http_options(o);
    CHECK_FALSE(h.tls.verify);
    CHECK(h.tls.ca_file.empty());

    o.ssl = false;  // verify_certs/ca_certs are then ignored: default verification
    h = es::http_options(o);
    CHECK(h.tls.verify);
    CHECK(h.tls.ca_file.empty());
}

TEST_CASE("user agent names the service version", "[es][options]") {
    CHECK(es::user_agent == "elastic-connectors-9.6.0/service");
}

TEST_CASE("options from the elasticsearch config section", "[es][options]") {
    es::elasticsearch_config cfg;
    cfg.host = "https://es.example.com";
    cfg.api_key = "k";
    cfg.headers["X-Team"] = "search";
    cfg.max_retries = 7;
    cfg.retry_interval = std::chrono::seconds(3);
    cfg.bulk.max_retries = 2;
    cfg.bulk.retry_interval = std::chrono::seconds(1);
    cfg.ca_certs = "/ca.pem";
    auto o = es::options_from_config(cfg);
    CHECK(es::normalize_host(o.host) == "https://es.example.com:443");
    CHECK(es::authorization_header(o) == "ApiKey k");
    REQUIRE(o.headers.size() == 1);
    CHECK(o.headers[0].name == "X-Team");
    CHECK(o.retries.max_retries == 7);
    CHECK(o.retries.retry_interval == std::chrono::seconds(3));
    CHECK(o.bulk_retries.max_retries == 2);
    CHECK(o.bulk_retries.retry_interval == std::chrono::seconds(1));
    CHECK(es::http_options(o).tls.ca_file == "/ca.pem");
}

TEST_CASE("an empty api_key in the config falls back to basic auth", "[es][options]") {
    es::elasticsearch_config cfg;
    cfg.api_key = "";  // `api_key: ${ES_API_KEY|}` with the variable unset
    cfg.username = "elastic";
    cfg.password = "changeme";
    auto o = es::options_from_config(cfg);
    CHECK_FALSE(o.api_key.has_value());
    CHECK(es::authorization_header(o) == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
}
