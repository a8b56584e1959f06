#pragma once
// The service version the connectors protocol is spoken as, and the Elasticsearch releases it
// can talk to. ES and Kibana read the service version from the user-agent; it is defined here,
// once.

#include <array>
#include <string_view>

namespace casio::es {

inline constexpr std::string_view service_version = "9.6.0";

// "elastic-connectors-<VERSION>/service", as the reference service sends it.
inline constexpr std::string_view user_agent = "elastic-connectors-9.6.0/service";
static_assert(user_agent.substr(19, service_version.size()) == service_version,
              "user_agent must embed service_version");

// One `_connector` call of this service (client.hpp) and the first Elasticsearch release that
// has it, as Elasticsearch's REST API specification and its REST tests give it. A release
// older than one of them is refused at start; the calls are named in the refusal.
struct connector_api {
    std::string_view call;
    std::string_view since;
};

inline constexpr std::array<connector_api, 13> connector_apis{{
    {"GET /_connector/{id}", "8.12.0"},
    {"PUT /_connector/{id}", "8.12.0"},
    {"PUT /_connector/{id}/_check_in", "8.12.0"},
    {"PUT /_connector/{id}/_configuration", "8.12.0"},
    {"PUT /_connector/{id}/_scheduling", "8.12.0"},
    {"PUT /_connector/{id}/_filtering/_validation", "8.12.0"},
    {"PUT /_connector/{id}/_filtering/_activate", "8.12.0"},
    {"POST /_connector/_sync_job", "8.12.0"},
    {"PUT /_connector/_sync_job/{id}/_cancel", "8.12.0"},
    {"PUT /_connector/_sync_job/{id}/_stats", "8.12.0"},
    // `metadata` in the body of _stats (always sent): elastic/elasticsearch#109927.
    {"PUT /_connector/_sync_job/{id}/_stats with metadata", "8.15.0"},
    {"PUT /_connector/_sync_job/{id}/_claim", "8.15.0"},
    // The command group (connectors-asio connector|job) lists them.
    {"GET /_connector, GET /_connector/_sync_job", "8.12.0"},
}};

// The oldest release that has every call above.
inline constexpr std::string_view minimum_es_version = "8.15.0";
// The newest major this service was written against; a newer one is warned about, not refused.
inline constexpr long known_major = 9;

}  // namespace casio::es
