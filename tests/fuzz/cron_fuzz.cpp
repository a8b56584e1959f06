// Fuzz target: Quartz cron expressions as Kibana users type them. Parsing either succeeds or
// throws cron_error; the next fire time, when there is one, is after the instant asked about
// and is itself a fire time of the schedule (asking again from just before it gives it back).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <casio/core/cron.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto schedule = casio::core::cron_schedule::parse(text);
        const casio::core::sys_us after = sys_days(year(2026) / 12 / 4) + hours(12) + minutes(7);
        const auto next = schedule.next_fire(after);
        if (next) {
            if (*next <= after) {
                __builtin_trap();
            }
            const auto again = schedule.next_fire(*next - microseconds(1));
            if (again != next) {
                __builtin_trap();
            }
        }
    } catch (const casio::core::cron_error&) {
    }
    return 0;
}
