#pragma once
// Wiring: the `elasticsearch.*` section of config.yml as Elasticsearch client options.

#include <casio/core/config.hpp>
#include <casio/es/options.hpp>

namespace casio::app {

inline es::client_options es_options_from(const core::elasticsearch_config& c) {
    es::client_options o;
    o.host = c.host;
    if (c.api_key && !c.api_key->empty()) {
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

}  // namespace casio::app
