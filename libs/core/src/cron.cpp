#include <array>
#include <cctype>
#include <vector>

#include <casio/core/cron.hpp>

namespace casio::core {

namespace {

using namespace std::chrono;

struct field_spec {
    const char* name;
    int min;
    int max;
    const std::array<std::string_view, 12>* names;  // names[i] is value min + i
};

constexpr std::array<std::string_view, 12> month_names = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 12> day_names = {"SUN", "MON", "TUE", "WED", "THU", "FRI",
                                                        "SAT", "",    "",    "",    "",    ""};

constexpr field_spec second_field{"second", 0, 59, nullptr};
constexpr field_spec minute_field{"minute", 0, 59, nullptr};
constexpr field_spec hour_field{"hour", 0, 23, nullptr};
constexpr field_spec dom_field{"day-of-month", 1, 31, nullptr};
constexpr field_spec month_field{"month", 1, 12, &month_names};
constexpr field_spec dow_field{"day-of-week", 1, 7, &day_names};
constexpr field_spec year_field{"year", cron_schedule::first_year, cron_schedule::last_year,
                                nullptr};

std::string upper(std::string_view s) {
    std::string r(s);
    for (char& c : r) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return r;
}

class field_parser {
  public:
    field_parser(std::string_view expression, const field_spec& spec, std::string_view token)
        : expression_(expression), spec_(spec), token_(token) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw cron_error("invalid cron expression \"" + std::string(expression_) +
                         "\": " + spec_.name + " field \"" + std::string(token_) + "\": " + why);
    }

    // A number or (for months and days of week) a name, within the field's range.
    int value(std::string_view text) const {
        if (text.empty()) {
            fail("missing value");
        }
        if (std::isdigit(static_cast<unsigned char>(text[0]))) {
            int v = 0;
            for (char c : text) {
                if (!std::isdigit(static_cast<unsigned char>(c)) || v > 100000) {
                    fail("\"" + std::string(text) + "\" is not a number");
                }
                v = v * 10 + (c - '0');
            }
            if (v < spec_.min || v > spec_.max) {
                fail("value " + std::to_string(v) + " out of range " + std::to_string(spec_.min) +
                     "-" + std::to_string(spec_.max));
            }
            return v;
        }
        if (spec_.names) {
            auto u = upper(text);
            for (std::size_t i = 0; i < spec_.names->size(); ++i) {
                if (!(*spec_.names)[i].empty() && (*spec_.names)[i] == u) {
                    return spec_.min + static_cast<int>(i);
                }
            }
        }
        fail("unknown value \"" + std::string(text) + "\"");
    }

    // Sets the bits of a comma list of `*`, `n`, `a-b`, with optional `/step`.
    template <std::size_t N>
    void fill(std::bitset<N>& bits, int offset = 0) const {
        std::size_t start = 0;
        while (true) {
            std::size_t comma = token_.find(',', start);
            std::string_view part =
                token_.substr(start, comma == std::string_view::npos ? comma : comma - start);
            fill_part(bits, part, offset);
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
    }

  private:
    template <std::size_t N>
    void fill_part(std::bitset<N>& bits, std::string_view part, int offset) const {
        if (part.empty()) {
            fail("empty list element");
        }
        int step = 1;
        bool has_step = false;
        if (auto slash = part.find('/'); slash != std::string_view::npos) {
            std::string_view s = part.substr(slash + 1);
            if (s.empty()) {
                fail("missing step after '/'");
            }
            step = 0;
            for (char c : s) {
                if (!std::isdigit(static_cast<unsigned char>(c)) || step > 100000) {
                    fail("step \"" + std::string(s) + "\" is not a number");
                }
                step = step * 10 + (c - '0');
            }
            if (step == 0) {
                fail("step must be positive");
            }
            has_step = true;
            part = part.substr(0, slash);
        }
        int from = spec_.min;
        int to = spec_.max;
        if (part == "*") {
            // whole range
        } else if (auto dash = part.find('-'); dash != std::string_view::npos && dash > 0) {
            from = value(part.substr(0, dash));
            to = value(part.substr(dash + 1));
        } else {
            from = value(part);
            // `n/s` runs from n to the end of the range; a lone `n` is just n.
            to = has_step ? spec_.max : from;
        }
        // A range such as FRI-MON or 22-2 wraps around the end of the field.
        int span = spec_.max - spec_.min + 1;
        int count = (to >= from ? to - from : to - from + span) + 1;
        for (int i = 0; i < count; i += step) {
            int v = from + i;
            if (v > spec_.max) {
                v -= span;
            }
            bits.set(static_cast<std::size_t>(v - offset));
        }
    }

    std::string_view expression_;
    const field_spec& spec_;
    std::string_view token_;
};

int next_set(const auto& bits, int from) {
    for (int i = from; i < static_cast<int>(bits.size()); ++i) {
        if (bits.test(static_cast<std::size_t>(i))) {
            return i;
        }
    }
    return -1;
}

unsigned last_day_of(year_month_day ymd) {
    return static_cast<unsigned>(
        year_month_day_last{ymd.year(), month_day_last{ymd.month()}}.day());
}

// Quartz numbering: 1=SUN..7=SAT.
int quartz_weekday(sys_days d) {
    return static_cast<int>(weekday{d}.c_encoding()) + 1;
}

bool is_number(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

// The whitespace-separated fields of an expression: 6 or 7 of them.
std::vector<std::string_view> split_fields(std::string_view expression) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < expression.size()) {
        while (i < expression.size() && std::isspace(static_cast<unsigned char>(expression[i]))) {
            ++i;
        }
        std::size_t start = i;
        while (i < expression.size() && !std::isspace(static_cast<unsigned char>(expression[i]))) {
            ++i;
        }
        if (i > start) {
            fields.push_back(expression.substr(start, i - start));
        }
    }
    if (fields.size() != 6 && fields.size() != 7) {
        throw cron_error("invalid cron expression \"" + std::string(expression) +
                         "\": expected 6 or 7 fields (second minute hour day-of-month month "
                         "day-of-week [year]), got " +
                         std::to_string(fields.size()));
    }
    return fields;
}

// A field that is a plain list (`?` belongs to the day fields only).
template <std::size_t N>
void parse_list(std::string_view expression, const field_spec& spec, std::string_view token,
                std::bitset<N>& bits) {
    field_parser p(expression, spec, token);
    if (token == "?") {
        p.fail("'?' is only allowed in day-of-month and day-of-week");
    }
    p.fill(bits);
}

}  // namespace

cron_schedule cron_schedule::parse(std::string_view expression) {
    const auto fields = split_fields(expression);
    cron_schedule c;
    c.expression_ = std::string(expression);
    parse_list(expression, second_field, fields[0], c.seconds_);
    parse_list(expression, minute_field, fields[1], c.minutes_);
    parse_list(expression, hour_field, fields[2], c.hours_);
    parse_list(expression, month_field, fields[4], c.months_);
    c.parse_day_of_month(expression, fields[3]);
    c.parse_day_of_week(expression, fields[5]);
    if (fields.size() == 7 && fields[6] != "*" && fields[6] != "?") {
        c.any_year_ = false;
        field_parser p(expression, year_field, fields[6]);
        p.fill(c.years_, first_year);
    }
    return c;
}

void cron_schedule::parse_day_of_month(std::string_view expression, std::string_view token) {
    std::string dom = upper(token);
    field_parser p(expression, dom_field, token);
    if (dom == "?" || dom == "*") {
        any_dom_ = true;
    } else if (dom == "L") {
        last_day_ = true;
    } else if (dom == "LW") {
        last_weekday_ = true;
    } else if (dom.size() > 2 && dom.compare(0, 2, "L-") == 0) {
        std::string_view n = std::string_view(dom).substr(2);
        if (!is_number(n) || n.size() > 2 || std::stoi(std::string(n)) > 30) {
            p.fail("L-n needs n between 0 and 30");
        }
        last_day_ = true;
        last_day_offset_ = std::stoi(std::string(n));
    } else if (dom.size() > 1 && dom.back() == 'W') {
        nearest_weekday_ = p.value(std::string_view(dom).substr(0, dom.size() - 1));
    } else {
        p.fill(days_of_month_);
    }
}

void cron_schedule::parse_day_of_week(std::string_view expression, std::string_view token) {
    std::string dow = upper(token);
    field_parser p(expression, dow_field, token);
    if (dow == "?" || dow == "*") {
        any_dow_ = true;
    } else if (dow == "L") {
        days_of_week_.set(7);  // Quartz: a lone L is the last day of the week, Saturday
    } else if (auto hash = dow.find('#'); hash != std::string::npos) {
        nth_dow_ = p.value(std::string_view(dow).substr(0, hash));
        std::string_view k = std::string_view(dow).substr(hash + 1);
        if (k.size() != 1 || k[0] < '1' || k[0] > '5') {
            p.fail("n#k needs k between 1 and 5");
        }
        nth_ = k[0] - '0';
    } else if (dow.size() > 1 && dow.back() == 'L') {
        last_dow_ = p.value(std::string_view(dow).substr(0, dow.size() - 1));
    } else {
        p.fill(days_of_week_);
    }
}

bool cron_schedule::dom_matches(year_month_day ymd) const {
    if (any_dom_) {
        return true;
    }
    const int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    const int last = static_cast<int>(last_day_of(ymd));
    if (last_day_) {
        return d == last - last_day_offset_;
    }
    auto weekday_near = [&](int target) {
        // Saturday moves to Friday and Sunday to Monday, without leaving the month.
        sys_days t = sys_days{ymd.year() / ymd.month() / day{static_cast<unsigned>(target)}};
        int w = quartz_weekday(t);
        if (w == 7) {
            target = target == 1 ? target + 2 : target - 1;
        } else if (w == 1) {
            target = target == last ? target - 2 : target + 1;
        }
        return target;
    };
    if (last_weekday_) {
        return d == weekday_near(last);
    }
    if (nearest_weekday_ != 0) {
        return nearest_weekday_ <= last && d == weekday_near(nearest_weekday_);
    }
    return days_of_month_.test(static_cast<std::size_t>(d));
}

bool cron_schedule::dow_matches(year_month_day ymd) const {
    if (any_dow_) {
        return true;
    }
    const int w = quartz_weekday(sys_days{ymd});
    const int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    if (last_dow_ != 0) {
        return w == last_dow_ && d + 7 > static_cast<int>(last_day_of(ymd));
    }
    if (nth_dow_ != 0) {
        return w == nth_dow_ && (d - 1) / 7 + 1 == nth_;
    }
    return days_of_week_.test(static_cast<std::size_t>(w));
}

bool cron_schedule::day_matches(year_month_day ymd) const {
    return dom_matches(ymd) && dow_matches(ymd);
}

std::optional<sys_us> cron_schedule::next_fire(sys_us after) const {
    const sys_seconds start = floor<seconds>(after) + seconds{1};
    sys_days day = floor<days>(start);
    seconds tod = start - day;
    const sys_days end = sys_days{year{last_year} / December / 31};

    while (day <= end) {
        year_month_day ymd{day};
        const int y = static_cast<int>(ymd.year());
        if (!any_year_ &&
            (y < first_year || !years_.test(static_cast<std::size_t>(y - first_year)))) {
            day = sys_days{year{y + 1} / January / 1};
            tod = seconds{0};
            continue;
        }
        if (!months_.test(static_cast<unsigned>(ymd.month()))) {
            auto next_month = ymd.year() / ymd.month() / 1 + months{1};
            day = sys_days{next_month};
            tod = seconds{0};
            continue;
        }
        if (day_matches(ymd)) {
            const int h0 = static_cast<int>(duration_cast<hours>(tod).count());
            const int m0 = static_cast<int>(duration_cast<minutes>(tod).count() % 60);
            const int s0 = static_cast<int>(tod.count() % 60);
            for (int h = next_set(hours_, h0); h >= 0; h = next_set(hours_, h + 1)) {
                for (int m = next_set(minutes_, h == h0 ? m0 : 0); m >= 0;
                     m = next_set(minutes_, m + 1)) {
                    int s = next_set(seconds_, (h == h0 && m == m0) ? s0 : 0);
                    if (s >= 0) {
                        return sys_us{day + hours{h} + minutes{m} + seconds{s}};
                    }
                }
            }
        }
        day += days{1};
        tod = seconds{0};
    }
    return std::nullopt;
}

}  // namespace casio::core
