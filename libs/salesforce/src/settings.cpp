// config.yml's `salesforce:` section as a config table.
#include <algorithm>

#include <casio/salesforce/factory.hpp>

namespace casio::salesforce {

namespace read = core::config_read;
using core::field;
using core::setter;

namespace {

// A duration in seconds between `min` and `max`; `expected` says so (a literal).
auto within(read::seconds r, std::int64_t min, std::int64_t max, std::string_view expected) {
    return read::checked{r,
                         [min, max](core::seconds_ms v) {
                             return v >= std::chrono::seconds(min) &&
                                    v <= std::chrono::seconds(max);
                         },
                         expected};
}

}  // namespace

const core::config_table<service_settings>& settings_table() {
    using s = service_settings;
    static constexpr auto count = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    static const core::config_table<s> table{{
        setter<s>("max_concurrent_requests", read::integer{1, 1000},
                  [](s& out, std::int64_t v) { out.max_concurrent_requests = count(v); }),
        setter<s>("max_concurrent_objects", read::integer{1, 100},
                  [](s& out, std::int64_t v) { out.limits.objects = count(v); }),
        setter<s>("max_concurrent_pages", read::integer{1, 1000},
                  [](s& out, std::int64_t v) { out.limits.pages = count(v); }),
        setter<s>(
            "max_file_content_in_flight", read::mebibytes{4096},
            [](s& out, std::size_t v) { out.limits.file_bytes = std::max<std::size_t>(1, v); }),
        field("connect_timeout", &s::connect_timeout,
              within(read::seconds{true}, 1, 600, "a number of seconds from 1 to 600")),
        field("first_byte_timeout", &s::first_byte_timeout,
              within(read::seconds{true}, 1, 3600, "a number of seconds from 1 to 3600")),
        field("request_timeout", &s::request_timeout,
              within(read::seconds{true}, 1, 3600, "a number of seconds from 1 to 3600")),
        field("download_timeout", &s::download_timeout,
              within(read::seconds{true}, 1, 86'400, "a number of seconds from 1 to 86400")),
        setter<s>("min_transfer_rate", read::integer{0, 1'048'576},
                  [](s& out, std::int64_t v) { out.min_transfer_rate = count(v) * 1024; }),
        field("transfer_rate_window", &s::transfer_rate_window,
              within(read::seconds{true}, 1, 3600, "a number of seconds from 1 to 3600")),
        field("slow_answer_warning", &s::slow_answer_warning,
              within(read::seconds{false}, 0, 3600, "a number of seconds from 0 to 3600")),
        field("ca_certs", &s::ca_certs,
              read::checked{read::optional_string{},
                            [](const std::optional<std::string>& p) {
                                return !p || p->empty() || http::loadable_ca_file(*p);
                            },
                            "a readable file of PEM CA certificates"}),
    }};
    return table;
}

http::client_options http_options(const service_settings& s,
                                  std::function<void(const std::string&)> on_slow) {
    http::client_options o;
    o.connect_timeout = s.connect_timeout;
    o.first_byte_timeout = s.first_byte_timeout;
    o.request_timeout = s.request_timeout;
    o.stream_timeout = s.download_timeout;
    o.min_transfer_rate = s.min_transfer_rate;
    o.transfer_rate_window = s.transfer_rate_window;
    o.slow_answer = s.slow_answer_warning;
    o.on_slow = std::move(on_slow);
    if (s.ca_certs) {
        o.tls.ca_file = *s.ca_certs;
    }
    return o;
}

}  // namespace casio::salesforce
