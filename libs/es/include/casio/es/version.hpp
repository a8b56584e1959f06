#pragma once
// The service version the connectors protocol is spoken as. ES and Kibana read it from the
// user-agent; it is defined here, once.

#include <string_view>

namespace casio::es {

inline constexpr std::string_view service_version = "9.6.0";

// "elastic-connectors-<VERSION>/service", as the reference service sends it.
inline constexpr std::string_view user_agent = "elastic-connectors-9.6.0/service";
static_assert(user_agent.substr(19, service_version.size()) == service_version,
              "user_agent must embed service_version");

}  // namespace casio::es
