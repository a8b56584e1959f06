// Costs of the core hot paths: log redaction (every emitted line), timestamp parse/format (every
// document and job write), cron evaluation (every connector, every scheduling round) and config
// loading. Build with the release preset; prints ns per operation.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <casio/core/config.hpp>
#include <casio/core/cron.hpp>
#include <casio/core/log.hpp>
#include <casio/core/time.hpp>

namespace {

volatile std::size_t sink;  // keeps results alive

template <class F>
void measure(const char* name, int iterations, F&& f) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
        f(i);
    }
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
    std::printf("%-44s %10.0f ns/op  (%d ops)\n", name, ns.count() / iterations, iterations);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace casio::core;

    log::register_secret("s3cr3t-password-value");
    log::register_secret("ZW5jb2RlZC1hcGkta2V5LXZhbHVl");
    const std::string plain =
        "Sync job 4f3c2a for connector salesforce-prod: indexed 2000 documents of Account in "
        "812 ms (page 17 of 52), queue 734 items / 11.2 MiB";
    const std::string secretive =
        "POST https://login.salesforce.com/services/oauth2/token failed: grant_type="
        "client_credentials&client_id=abc&client_secret=XYZ; Authorization: Bearer 00Dxx!AQ4";
    measure("log::redact, 150 B line, nothing to hide", 200000,
            [&](int) { sink = log::redact(plain).size(); });
    measure("log::redact, 170 B line, two patterns", 200000,
            [&](int) { sink = log::redact(secretive).size(); });

    log::set_level(log::level::info);
    measure("log::debug when debug is disabled", 10000000,
            [&](int i) { log::debug("document ", i, " mapped"); });

    measure("parse_iso8601 (+00:00, microseconds)", 1000000, [&](int) {
        sink = static_cast<std::size_t>(
            parse_iso8601("2025-03-01T10:15:02.123456+00:00")->time_since_epoch().count());
    });
    auto now = now_utc();
    measure("format_iso8601", 1000000,
            [&](int i) { sink = format_iso8601(now + std::chrono::microseconds(i)).size(); });

    auto every5 = cron_schedule::parse("0 0/5 * * * ?");
    auto leap = cron_schedule::parse("0 0 0 29 2 ?");
    auto never = cron_schedule::parse("0 0 0 30 2 ?");
    measure("cron next_fire, 0 0/5 * * * ?", 1000000, [&](int i) {
        sink = static_cast<std::size_t>(
            every5.next_fire(now + std::chrono::seconds(i))->time_since_epoch().count());
    });
    measure("cron next_fire, Feb 29 (up to 4 years ahead)", 10000, [&](int i) {
        sink = static_cast<std::size_t>(
            leap.next_fire(now + std::chrono::hours(i))->time_since_epoch().count());
    });
    measure("cron next_fire, never (scan to 2199)", 100,
            [&](int) { sink = never.next_fire(now).has_value(); });

    // Run from the source root, or pass the path of config.yml.example.
    std::ifstream in(argc > 1 ? argv[1] : "conf/config.yml.example");
    std::stringstream text;
    text << in.rdbuf();
    const std::string yaml = text.str();
    measure("parse_config_string(config.yml.example)", 2000,
            [&](int) { sink = parse_config_string(yaml, "config.yml.example").entries.size(); });
    return 0;
}
