// Client options: host normalisation, authorization header, HTTP client settings.
#include <casio/core/base64.hpp>
#include <casio/core/error.hpp>
#include <casio/es/options.hpp>
#include <casio/es/settings.hpp>

namespace casio::es {

namespace {

[[noreturn]] void bad_host(std::string_view host, std::string_view why) {
    throw core::error(core::error_kind::bad_request,
                      "elasticsearch.host: '" + std::string(host) + "' " + std::string(why));
}

}  // namespace

client_options options_from_config(const elasticsearch_config& c) {
    client_options o;
    o.host = c.host;
    if (c.api_key && !c.api_key->empty()) {  // `api_key: ${ES_API_KEY|}` left empty: basic auth
        o.api_key = c.api_key;
    }
    o.username = c.username;
    o.password = c.password;
    for (const auto& [name, value] : c.headers) {
        o.headers.push_back({name, value});
    }
    o.request_timeout = c.request_timeout;
    o.retries = {static_cast<int>(c.max_retries), c.retry_interval};
    o.bulk_retries = {static_cast<int>(c.bulk.max_retries), c.bulk.retry_interval};
    o.transport_retries = c.retry_on_timeout ? 3 : 0;
    o.ssl = c.ssl;
    o.verify_certs = c.verify_certs;
    o.ca_certs = c.ca_certs.value_or("");
    return o;
}

client_options with_api_key(client_options opts, std::string api_key) {
    opts.api_key = std::move(api_key);
    opts.username.clear();
    opts.password.clear();
    return opts;
}

std::string normalize_host(std::string_view host) {
    std::string_view rest = host;
    std::string scheme = "http";
    if (auto p = rest.find("://"); p != std::string_view::npos) {
        scheme.assign(rest.substr(0, p));
        for (auto& ch : scheme) {
            ch = char(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        rest.remove_prefix(p + 3);
    }
    if (scheme != "http" && scheme != "https") {
        bad_host(host, "must use http or https");
    }
    std::string_view authority = rest.substr(0, rest.find('/'));
    std::string_view path = rest.substr(authority.size());
    while (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    if (authority.empty()) {
        bad_host(host, "has no host name");
    }
    if (authority.find('@') != std::string_view::npos) {
        // Credentials in the URL would end up in messages; they belong in username/password.
        throw core::error(core::error_kind::bad_request,
                          "elasticsearch.host: credentials in the URL are not supported, use "
                          "elasticsearch.username/password or api_key");
    }
    // Port present? For an IPv6 literal the port follows the closing bracket.
    std::size_t colon = authority.rfind(':');
    std::size_t bracket = authority.rfind(']');
    bool has_port =
        colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
    if ((has_port ? colon : authority.size()) == 0) {
        bad_host(host, "has no host name");
    }
    std::string out = scheme + "://" + std::string(authority);
    if (has_port) {
        std::string_view port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string_view::npos) {
            bad_host(host, "has an invalid port");
        }
    } else {
        out += scheme == "https" ? ":443" : ":80";
    }
    out += path;
    return out;
}

std::string authorization_header(const client_options& opts) {
    if (opts.api_key) {
        return "ApiKey " + *opts.api_key;
    }
    return "Basic " + core::base64_encode(opts.username + ":" + opts.password);
}

http::client_options http_options(const client_options& opts) {
    http::client_options h;
    h.request_timeout = opts.request_timeout;
    h.accept_compressed = false;
    if (opts.ssl) {
        h.tls.verify = opts.verify_certs;
        if (opts.verify_certs) {
            h.tls.ca_file = opts.ca_certs;
        }
    }
    return h;
}

}  // namespace casio::es
