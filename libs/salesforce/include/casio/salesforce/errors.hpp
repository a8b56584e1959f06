#pragma once
// Reading Salesforce answers: error classification by `errorCode`, API usage from
// `Sforce-Limit-Info`, and the OAuth client-credentials token exchange. Pure: the client feeds
// status, headers and body; these return a value or throw core::error with the right kind.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <casio/core/error.hpp>

namespace casio::salesforce {

// A query Salesforce rejected (INVALID_FIELD, INVALID_TERM, MALFORMED_QUERY, INVALID_TYPE):
// bad_request, never retried. A distinct type so the advanced-rules validator can collect these
// and let every other failure propagate.
class invalid_query_error : public core::error {
  public:
    explicit invalid_query_error(core::error e) : core::error(std::move(e)) {}
};

// Whether an error answer names one of the invalid-query codes.
bool is_invalid_query(unsigned status, std::string_view body);

// `api-usage=<used>/<limit>` of the Sforce-Limit-Info header.
struct api_usage {
    long long used = 0;
    long long limit = 0;
};
std::optional<api_usage> parse_limit_info(std::string_view header_value);

// The failure a non-2xx API answer means; nullopt for 2xx (the body is not parsed here: the
// caller parses a page once and treats a parse failure as transient). `what` names the request for
// the message (e.g. "query Account").
//  - 401 -> auth ("session expired or invalid"); the caller drops its token and retries once.
//  - REQUEST_LIMIT_EXCEEDED for too many requests at once (a "Concurrent..." message) ->
//    transient; any other REQUEST_LIMIT_EXCEEDED (the 24-hour allocation) -> rate_limited,
//    naming the API usage when known.
//  - INVALID_FIELD / INVALID_TERM / MALFORMED_QUERY / INVALID_TYPE -> bad_request "invalid query".
//  - 404 NOT_FOUND -> not_found; other 4xx -> bad_request with the codes; 5xx -> transient.
//  - an HTML page or any non-JSON body -> the status kind, message says it was not JSON.
// The returned error never repeats the request URL's credentials (there are none) and quotes at
// most 200 bytes of the body.
std::optional<core::error> classify_response(unsigned status, std::string_view body,
                                             std::optional<std::string_view> limit_info,
                                             std::string_view what);

// Whether an answer says the whole org is busy, so every request to it should wait, not only
// this one: 503 (server unavailable) or REQUEST_LIMIT_EXCEEDED for concurrent requests.
bool is_org_busy(unsigned status, std::string_view body);

// Whether it is REQUEST_LIMIT_EXCEEDED for too many requests at once (not the 24-hour
// allocation): the org asks its clients for fewer requests in flight.
bool is_concurrency_limited(unsigned status, std::string_view body);

// Throws the classified error, if any.
void check_response(unsigned status, std::string_view body,
                    std::optional<std::string_view> limit_info, std::string_view what);

// grant_type=client_credentials&client_id=<id>&client_secret=<secret> (form-urlencoded).
std::string token_request_body(std::string_view client_id, std::string_view client_secret);

// The access token of a token endpoint answer. Throws core::error:
//  - 4xx with error "invalid_client" -> auth, the exact "could not be used to generate a token"
//    message; other 4xx -> auth with error and description; 5xx -> transient; 2xx without
//    access_token -> fatal. Never includes the secret.
std::string parse_token_response(unsigned status, std::string_view body);

// "Bad Request" for 400 etc.; "Unknown" for a status without a common reason phrase.
std::string_view reason_phrase(unsigned status) noexcept;

}  // namespace casio::salesforce
