#include <algorithm>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <casio/core/text.hpp>
#include <casio/salesforce/errors.hpp>
#include <casio/salesforce/soql.hpp>

namespace casio::salesforce {

namespace json = boost::json;
using core::error;
using core::error_kind;

namespace {

constexpr std::size_t excerpt_bytes = 200;

std::string excerpt(std::string_view body) {
    return std::string(body.substr(0, excerpt_bytes));
}

struct sf_error {
    std::string code;
    std::string message;
};

// The `[{"errorCode","message"}]` list of an error body; nullopt when the body is not JSON.
std::optional<std::vector<sf_error>> parse_errors(std::string_view body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec) {
        return std::nullopt;
    }
    std::vector<sf_error> out;
    auto read = [&](const json::object& o) {
        sf_error e;
        for (auto key : {"errorCode", "error"}) {
            if (const auto* c = o.if_contains(key); c != nullptr && c->is_string()) {
                e.code = c->get_string();
                break;
            }
        }
        for (auto key : {"message", "error_description"}) {
            if (const auto* m = o.if_contains(key); m != nullptr && m->is_string()) {
                e.message = m->get_string();
                break;
            }
        }
        out.push_back(std::move(e));
    };
    if (v.is_array()) {
        for (const auto& item : v.get_array()) {
            if (item.is_object()) {
                read(item.get_object());
            }
        }
    } else if (v.is_object()) {
        read(v.get_object());
    }
    return out;
}

bool has_code(const std::vector<sf_error>& errors, std::string_view code) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const sf_error& e) { return e.code == code; });
}

// REQUEST_LIMIT_EXCEEDED comes in two kinds: the org's 24-hour allocation is used up
// ("TotalRequests Limit exceeded."), or too many requests run at once
// ("ConcurrentPerOrgLongTxn Limit exceeded."). Only the second passes with time.
bool concurrency_limited(const std::vector<sf_error>& errors) {
    return std::any_of(errors.begin(), errors.end(), [](const sf_error& e) {
        return e.code == "REQUEST_LIMIT_EXCEEDED" &&
               e.message.find("Concurrent") != std::string::npos;
    });
}

std::string describe_errors(const std::vector<sf_error>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) {
            out += "; ";
        }
        out += e.code.empty() ? std::string("unknown") : e.code;
        if (!e.message.empty()) {
            out += ": ";
            out += e.message;
        }
    }
    return out.empty() ? std::string("no error details") : out;
}

error_kind status_kind(unsigned status) {
    if (status == 401 || status == 403) {
        return error_kind::auth;
    }
    if (status == 404) {
        return error_kind::not_found;
    }
    if (status == 429) {
        return error_kind::rate_limited;
    }
    if (status == 408 || status >= 500) {
        return error_kind::transient;
    }
    return error_kind::bad_request;
}

}  // namespace

std::optional<api_usage> parse_limit_info(std::string_view header_value) {
    // e.g. "api-usage=18/5000" or "api-usage=18/5000, per-app-api-usage=17/250(appName=x)"
    constexpr std::string_view key = "api-usage=";
    std::size_t pos = 0;
    while ((pos = header_value.find(key, pos)) != std::string_view::npos) {
        if (pos == 0 || header_value[pos - 1] == ' ' || header_value[pos - 1] == ',' ||
            header_value[pos - 1] == ';') {
            break;
        }
        pos += key.size();  // "per-app-api-usage=" is not the org-wide figure
    }
    if (pos == std::string_view::npos) {
        return std::nullopt;
    }
    auto rest = header_value.substr(pos + key.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    auto limit_text = rest.substr(slash + 1);
    const auto end = limit_text.find_first_not_of("0123456789");
    limit_text = limit_text.substr(0, end);
    const auto used = core::parse_number<long long>(rest.substr(0, slash));
    const auto limit = core::parse_number<long long>(limit_text);
    if (!used || !limit) {
        return std::nullopt;
    }
    return api_usage{*used, *limit};
}

std::optional<error> classify_response(unsigned status, std::string_view body,
                                       std::optional<std::string_view> limit_info,
                                       std::string_view what) {
    if (status >= 200 && status < 300) {
        return std::nullopt;
    }
    const int st = static_cast<int>(status);
    const std::string prefix =
        "Salesforce " + std::string(what) + ": HTTP " + std::to_string(status) + " ";
    const auto errors = parse_errors(body);
    if (!errors) {
        // An HTML error page (414 from the front end, a proxy, a maintenance page).
        return error(status_kind(status), prefix + "with a non-JSON body: " + excerpt(body), st,
                     excerpt(body));
    }
    if (status == 401) {
        return error(error_kind::auth,
                     prefix + "session expired or invalid (" + describe_errors(*errors) + ")", st,
                     excerpt(body));
    }
    if (concurrency_limited(*errors)) {
        return error(
            error_kind::transient,
            prefix + "too many requests in flight for the org: " + describe_errors(*errors), st,
            excerpt(body));
    }
    if (has_code(*errors, "REQUEST_LIMIT_EXCEEDED")) {
        std::string msg = prefix + "API request limit exceeded";
        if (limit_info) {
            if (auto u = parse_limit_info(*limit_info)) {
                msg +=
                    " (api usage " + std::to_string(u->used) + "/" + std::to_string(u->limit) + ")";
            }
        }
        msg += ": " + describe_errors(*errors);
        return error(error_kind::rate_limited, msg, st, excerpt(body));
    }
    if (status < 500) {
        for (auto code : {"INVALID_FIELD", "INVALID_TERM", "MALFORMED_QUERY", "INVALID_TYPE"}) {
            if (has_code(*errors, code)) {
                return error(error_kind::bad_request,
                             prefix + "invalid query: " + describe_errors(*errors), st,
                             excerpt(body));
            }
        }
    }
    return error(status_kind(status), prefix + describe_errors(*errors), st, excerpt(body));
}

bool is_invalid_query(unsigned status, std::string_view body) {
    if (status < 400 || status >= 500) {
        return false;
    }
    const auto errors = parse_errors(body);
    if (!errors || has_code(*errors, "REQUEST_LIMIT_EXCEEDED")) {
        return false;
    }
    for (auto code : {"INVALID_FIELD", "INVALID_TERM", "MALFORMED_QUERY", "INVALID_TYPE"}) {
        if (has_code(*errors, code)) {
            return true;
        }
    }
    return false;
}

bool is_concurrency_limited(unsigned status, std::string_view body) {
    if (status != 403) {
        return false;
    }
    const auto errors = parse_errors(body);
    return errors && concurrency_limited(*errors);
}

bool is_org_busy(unsigned status, std::string_view body) {
    return status == 503 || is_concurrency_limited(status, body);
}

void check_response(unsigned status, std::string_view body,
                    std::optional<std::string_view> limit_info, std::string_view what) {
    if (auto e = classify_response(status, body, limit_info, what)) {
        if (status != 401 && is_invalid_query(status, body)) {
            throw invalid_query_error(std::move(*e));
        }
        throw std::move(*e);
    }
}

std::string token_request_body(std::string_view client_id, std::string_view client_secret) {
    std::string body = "grant_type=client_credentials&client_id=";
    body += percent_encode(client_id);
    body += "&client_secret=";
    body += percent_encode(client_secret);
    return body;
}

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

std::string parse_token_response(unsigned status, std::string_view body) {
    const int st = static_cast<int>(status);
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    const json::object* obj = (!ec && v.is_object()) ? &v.get_object() : nullptr;
    auto text = [&](std::string_view key, std::string_view fallback) {
        if (obj != nullptr) {
            if (const auto* f = obj->if_contains(key); f != nullptr && f->is_string()) {
                return std::string(f->get_string());
            }
        }
        return std::string(fallback);
    };

    if (status >= 200 && status < 300) {
        if (obj != nullptr) {
            if (const auto* t = obj->if_contains("access_token");
                t != nullptr && t->is_string() && !t->get_string().empty()) {
                return std::string(t->get_string());
            }
        }
        // The body holds the token when there is one: do not quote it.
        throw error(error_kind::fatal,
                    "Salesforce token endpoint answered HTTP " + std::to_string(status) +
                        " without an access_token",
                    st);
    }
    const std::string details = text("error", "No error message found.");
    const std::string description = text("error_description", "No error description found.");
    if (status >= 400 && status < 500) {
        if (details == "invalid_client") {
            throw error(error_kind::auth,
                        "The `client_id` and `client_secret` provided could not be used to "
                        "generate a token. Status: " +
                            std::to_string(status) +
                            ", message: " + std::string(reason_phrase(status)) +
                            ", details: " + details + ", description: " + description,
                        st, excerpt(body));
        }
        throw error(error_kind::auth,
                    "Could not fetch a Salesforce token. Status: " + std::to_string(status) +
                        ", message: " + std::string(reason_phrase(status)) +
                        ", details: " + details + ", description: " + description,
                    st, excerpt(body));
    }
    throw error(status >= 500 ? error_kind::transient : error_kind::fatal,
                "Could not fetch a Salesforce token. Status: " + std::to_string(status) +
                    ", message: " + std::string(reason_phrase(status)) + ", details: " + details +
                    ", description: " + description,
                st, excerpt(body));
}

}  // namespace casio::salesforce
