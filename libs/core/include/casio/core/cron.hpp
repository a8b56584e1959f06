#pragma once
// Quartz cron schedules, as connectors store them in `scheduling.<type>.interval`:
//
//     sec min hour day-of-month month day-of-week [year]
//
// evaluated in UTC at one-second resolution.
//
// Per field: `*`, `n`, `a-b` (wraps when a > b, e.g. FRI-MON), `*/s`, `n/s`, `a-b/s`, and comma
// lists of those. Months take JAN-DEC, days of week SUN-SAT; numeric days of week are Quartz's
// 1=SUN..7=SAT in every position (lone numbers, ranges and lists alike). `?` means "any" in
// day-of-month and day-of-week. Whole-field specials:
//   day-of-month  L (last day), L-n (n days before the last), LW (last weekday), nW (weekday
//                 nearest day n, never leaving the month)
//   day-of-week   L (= SAT), nL (last day n of the month, e.g. 6L = last Friday), n#k (k-th day n
//                 of the month, e.g. 2#1 = first Monday)
//
// Quartz requires `?` in one of day-of-month and day-of-week. We also accept `*` there (the
// Python service does). When BOTH are restricted, a day must match both (AND), which is what
// the Python service does; Quartz would reject such an expression.

#include <bitset>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <casio/core/time.hpp>

namespace casio::core {

// what() names the expression, the field and the offending token.
class cron_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class cron_schedule {
  public:
    static constexpr int first_year = 1970;
    static constexpr int last_year = 2199;  // the search gives up after this year

    // Throws cron_error.
    static cron_schedule parse(std::string_view expression);

    // The first matching instant strictly after `after` (whole seconds), or nullopt when there is
    // none up to the end of last_year.
    std::optional<sys_us> next_fire(sys_us after) const;

    const std::string& expression() const noexcept { return expression_; }

  private:
    // The two day fields of parse: they take forms of their own (L, W, #) beside lists.
    void parse_day_of_month(std::string_view expression, std::string_view token);
    void parse_day_of_week(std::string_view expression, std::string_view token);
    bool day_matches(std::chrono::year_month_day ymd) const;
    bool dom_matches(std::chrono::year_month_day ymd) const;
    bool dow_matches(std::chrono::year_month_day ymd) const;

    std::string expression_;
    std::bitset<60> seconds_;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_of_month_;  // 1..31
    std::bitset<13> months_;         // 1..12
    std::bitset<8> days_of_week_;    // 1=SUN..7=SAT
    std::bitset<last_year - first_year + 1> years_;
    bool any_year_ = true;

    bool any_dom_ = false;
    bool last_day_ = false;      // L or L-n
    int last_day_offset_ = 0;    // n of L-n
    bool last_weekday_ = false;  // LW
    int nearest_weekday_ = 0;    // n of nW

    bool any_dow_ = false;
    int last_dow_ = 0;  // n of nL
    int nth_dow_ = 0;   // n of n#k
    int nth_ = 0;       // k of n#k
};

}  // namespace casio::core
