#pragma once
// Wiring: config.yml's `salesforce:` section as the Salesforce factory's settings.

#include <algorithm>

#include <casio/core/config.hpp>
#include <casio/salesforce/factory.hpp>

namespace casio::app {

inline salesforce::service_settings salesforce_settings_from(const core::config& c) {
    const auto& s = c.salesforce;
    auto count = [](std::int64_t v) {
        return static_cast<std::size_t>(std::max<std::int64_t>(1, v));
    };
    salesforce::service_settings out;
    out.max_concurrent_requests = count(s.max_concurrent_requests);
    out.limits.objects = count(s.max_concurrent_objects);
    out.limits.pages = count(s.max_concurrent_pages);
    out.limits.file_bytes = std::max<std::size_t>(1, s.max_file_content_in_flight);
    return out;
}

}  // namespace casio::app
