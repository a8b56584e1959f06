// config.yml's `salesforce:` section as a config table.
#include <algorithm>

#include <casio/salesforce/factory.hpp>

namespace casio::salesforce {

namespace read = core::config_read;
using core::setter;

const core::config_table<service_settings>& settings_table() {
    using s = service_settings;
    auto count = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    static const core::config_table<s> table{{
        setter<s>("max_concurrent_requests", read::integer{1, 1000},
                  [count](s& out, std::int64_t v) { out.max_concurrent_requests = count(v); }),
        setter<s>("max_concurrent_objects", read::integer{1, 100},
                  [count](s& out, std::int64_t v) { out.limits.objects = count(v); }),
        setter<s>("max_concurrent_pages", read::integer{1, 1000},
                  [count](s& out, std::int64_t v) { out.limits.pages = count(v); }),
        setter<s>(
            "max_file_content_in_flight", read::mebibytes{4096},
            [](s& out, std::size_t v) { out.limits.file_bytes = std::max<std::size_t>(1, v); }),
    }};
    return table;
}

}  // namespace casio::salesforce
