#pragma once
// Settings of one Elasticsearch client, taken from the `elasticsearch.*` section of the
// service configuration (protocol.md §1.2, §9). A per-connector content client is the same options
// with `api_key` replaced (protocol.md §9.4): see with_api_key().

#include <chrono>
#include <optional>
#include <string>

#include <casio/http/client.hpp>

namespace casio::es {

struct elasticsearch_config;  // settings.hpp

struct retry_settings {
    int max_retries = 5;                               // attempts in total, at least 1
    std::chrono::milliseconds retry_interval{10'000};  // sleep = interval x attempt number
};

struct client_options {
    std::string host = "http://localhost:9200";  // scheme default port applied when omitted
    std::optional<std::string> api_key;          // wins over basic auth; sent verbatim
    std::string username = "elastic";
    std::string password = "changeme";
    http::header_list headers;  // `elasticsearch.headers`: added to every request
    std::chrono::milliseconds request_timeout{240'000};
    retry_settings retries;  // app retrier (protocol.md §9.2): every call except GET /, scroll,
                             // _refresh and _count
    retry_settings bulk_retries;  // `elasticsearch.bulk.max_retries/retry_interval`: _bulk
                                  // requests and their per-item 429s
    int transport_retries = 3;    // immediate re-sends on connection errors (and on
                                  // 429/502/503/504 for calls outside the app retrier)
    bool ssl = true;              // gates verify_certs/ca_certs, the scheme decides TLS
    bool verify_certs = true;
    std::string ca_certs;
};

// The `elasticsearch` section of config.yml as client options (bulk.max_retries and
// bulk.retry_interval drive the _bulk retries).
client_options options_from_config(const elasticsearch_config& c);

// `opts` with its credentials replaced by an API key (username/password dropped).
client_options with_api_key(client_options opts, std::string api_key);

// "http://h" -> "http://h:80", "https://h" -> "https://h:443", no trailing '/'. A host
// without a scheme is taken as http. Throws core::error(bad_request) naming
// `elasticsearch.host` when the value cannot be a URL.
std::string normalize_host(std::string_view host);

// The value of the Authorization header (never logged): "ApiKey <key>" or "Basic <b64>".
std::string authorization_header(const client_options& opts);

// HTTP client settings matching these options (TLS verification, CA bundle, timeout, no
// compression as the reference sends none).
http::client_options http_options(const client_options& opts);

}  // namespace casio::es
