#include <casio/core/text.hpp>
#include <casio/core/time.hpp>

namespace casio::core {

namespace {

using namespace std::chrono;

// Reads a timestamp left to right; every step advances only when it matches.
class reader {
  public:
    explicit reader(std::string_view s) : s_(s) {}

    bool done() const noexcept { return pos_ == s_.size(); }

    // Exactly `n` digits.
    bool digits(std::size_t n, int& out) noexcept {
        if (!read_digits(s_, pos_, n, out)) {
            return false;
        }
        pos_ += n;
        return true;
    }

    // One of `chars`; the one read goes to `*which` when given.
    bool one_of(std::string_view chars, char* which = nullptr) noexcept {
        if (done() || chars.find(s_[pos_]) == std::string_view::npos) {
            return false;
        }
        if (which != nullptr) {
            *which = s_[pos_];
        }
        ++pos_;
        return true;
    }

    // One digit or more after the decimal mark, to the nanosecond (later digits are dropped).
    bool fraction(nanoseconds& out) noexcept {
        const std::size_t start = pos_;
        std::int64_t ns = 0;
        std::int64_t scale = 100'000'000;
        for (; !done() && s_[pos_] >= '0' && s_[pos_] <= '9'; ++pos_) {
            ns += (s_[pos_] - '0') * scale;
            scale /= 10;
        }
        out = nanoseconds{ns};
        return pos_ != start;
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

// A timestamp read but not yet put on a clock: whole seconds since the epoch and the fraction
// (0 to 999,999,999 ns), so that every year 0000-9999 fits whatever the clock's precision.
struct instant {
    sys_seconds whole;
    nanoseconds fraction{0};
};

// `HH[:MM[:SS]][fraction]` (the fraction only after the minutes or seconds).
bool read_time(reader& r, seconds& time_of_day, nanoseconds& fraction) {
    int h = 0, m = 0, s = 0;
    if (!r.digits(2, h) || h > 23) {
        return false;
    }
    if (r.one_of(":")) {
        if (!r.digits(2, m) || m > 59) {
            return false;
        }
        if (r.one_of(":") && (!r.digits(2, s) || s > 60)) {
            return false;
        }
        if (r.one_of(".,") && !r.fraction(fraction)) {
            return false;
        }
    }
    // A leap second stays in its minute, as java.time reads 23:59:60.
    time_of_day = hours{h} + minutes{m} + seconds{s == 60 ? 59 : s};
    return true;
}

// `Z`, `±HH`, `±HHMM` or `±HH:MM`: local time minus UTC.
bool read_offset(reader& r, seconds& offset) {
    if (r.one_of("Zz")) {
        return true;
    }
    char sign = 0;
    int h = 0, m = 0;
    if (!r.one_of("+-", &sign) || !r.digits(2, h)) {
        return false;
    }
    if (!r.done()) {
        r.one_of(":");
        if (!r.digits(2, m)) {
            return false;
        }
    }
    if (h > 23 || m > 59) {
        return false;
    }
    offset = (sign == '-' ? -1 : 1) * (hours{h} + minutes{m});
    return true;
}

std::optional<instant> read_instant(std::string_view text) {
    reader r(text);
    int y = 0, mo = 0, d = 0;
    if (!r.digits(4, y) || !r.one_of("-") || !r.digits(2, mo) || !r.one_of("-") ||
        !r.digits(2, d)) {
        return std::nullopt;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    instant t{sys_days{date}};
    seconds time_of_day{0};
    if (r.one_of("Tt ") && !read_time(r, time_of_day, t.fraction)) {
        return std::nullopt;
    }
    seconds offset{0};
    if (!r.done() && !read_offset(r, offset)) {
        return std::nullopt;
    }
    if (!r.done()) {
        return std::nullopt;
    }
    t.whole += time_of_day - offset;
    return t;
}

struct civil {
    int year, month, day, hour, minute, second;
    long long nanos;
};

template <class Duration>
civil split(sys_time<Duration> t) {
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<nanoseconds> tod{duration_cast<nanoseconds>(t - day)};  // under one day
    return {static_cast<int>(ymd.year()),
            static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day())),
            static_cast<int>(tod.hours().count()),
            static_cast<int>(tod.minutes().count()),
            static_cast<int>(tod.seconds().count()),
            static_cast<long long>(tod.subseconds().count())};
}

}  // namespace

std::optional<sys_ns> parse_iso8601_ns(std::string_view text) {
    const auto t = read_instant(text);
    if (!t) {
        return std::nullopt;
    }
    constexpr auto first = ceil<seconds>(sys_ns::min());
    constexpr auto last = floor<seconds>(sys_ns::max());
    if (t->whole < first || t->whole > last ||
        (t->whole == last && t->fraction > sys_ns::max() - sys_ns{last})) {
        return std::nullopt;
    }
    return sys_ns{t->whole} + t->fraction;
}

std::optional<sys_us> parse_iso8601(std::string_view text) {
    const auto t = read_instant(text);
    if (!t) {
        return std::nullopt;
    }
    return sys_us{t->whole} + floor<microseconds>(t->fraction);
}

namespace {

// Writes `n` digits of v, zero-padded, at `out`.
char* put(char* out, long long v, int n) {
    for (int i = n - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return out + n;
}

// "YYYY-MM-DDTHH:MM:SS" (years 0-9999; others are clamped, they never occur in our data).
char* put_seconds(char* out, const civil& c) {
    out = put(out, c.year < 0 ? 0 : (c.year > 9999 ? 9999 : c.year), 4);
    *out++ = '-';
    out = put(out, c.month, 2);
    *out++ = '-';
    out = put(out, c.day, 2);
    *out++ = 'T';
    out = put(out, c.hour, 2);
    *out++ = ':';
    out = put(out, c.minute, 2);
    *out++ = ':';
    return put(out, c.second, 2);
}

}  // namespace

std::string format_iso8601(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = '.';
    end = put(end, c.nanos / 1000, 6);
    for (char ch : std::string_view("+00:00")) {
        *end++ = ch;
    }
    return std::string(buf, end);
}

std::string format_iso8601_z_seconds(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = 'Z';
    return std::string(buf, end);
}

std::string format_iso8601_z_millis(sys_us t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = '.';
    end = put(end, c.nanos / 1'000'000, 3);
    *end++ = 'Z';
    return std::string(buf, end);
}

std::string format_iso8601_z_nanos(sys_ns t) {
    civil c = split(t);
    char buf[40];
    char* end = put_seconds(buf, c);
    *end++ = '.';
    end = put(end, c.nanos, 9);
    *end++ = 'Z';
    return std::string(buf, end);
}

sys_us now_utc() {
    return time_point_cast<microseconds>(system_clock::now());
}

std::string now_iso8601() {
    return format_iso8601(now_utc());
}

}  // namespace casio::core
