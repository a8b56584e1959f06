// Excel number formats, rendered as Apache POI's DataFormatter renders them (it is what Tika
// writes for an xlsx cell). Only what changes the words matters here: a date is its year, month
// and day, not its serial number; 1234.5 in "#,##0.00" is 1,234.50.

#include "number_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace casio::extract::detail {
namespace {

// Apache POI's built-in formats (BuiltinFormats), the ones whose text differs from General.
std::string_view builtin(int id) {
    switch (id) {
        case 1:
            return "0";
        case 2:
            return "0.00";
        case 3:
            return "#,##0";
        case 4:
            return "#,##0.00";
        case 5:
            return "\"$\"#,##0_);(\"$\"#,##0)";
        case 6:
            return "\"$\"#,##0_);[Red](\"$\"#,##0)";
        case 7:
            return "\"$\"#,##0.00_);(\"$\"#,##0.00)";
        case 8:
            return "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)";
        case 9:
            return "0%";
        case 10:
            return "0.00%";
        case 11:
            return "0.00E+00";
        case 14:
            return "m/d/yy";
        case 15:
            return "d-mmm-yy";
        case 16:
            return "d-mmm";
        case 17:
            return "mmm-yy";
        case 18:
            return "h:mm AM/PM";
        case 19:
            return "h:mm:ss AM/PM";
        case 20:
            return "h:mm";
        case 21:
            return "h:mm:ss";
        case 22:
            return "m/d/yy h:mm";
        case 37:
            return "#,##0_);(#,##0)";
        case 38:
            return "#,##0_);[Red](#,##0)";
        case 39:
            return "#,##0.00_);(#,##0.00)";
        case 40:
            return "#,##0.00_);[Red](#,##0.00)";
        case 45:
            return "mm:ss";
        case 46:
            return "[h]:mm:ss";
        case 47:
            return "mm:ss.0";
        case 48:
            return "##0.0E+0";
        default:
            return "General";
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// Excel's General as Tika shows it: the number to 15 significant digits (as Excel stores
// them for display; 0.30000000000000004 is 0.3), without trailing zeros, in scientific
// notation only past 1E+20 or below 1E-9.
std::string general(double v) {
    if (!std::isfinite(v)) {
        return v != v ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    }
    if (v == 0) {
        return "0";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.14e", std::fabs(v));
    // d.dddddddddddddde[+-]XX
    std::string digits;
    const char* p = buf;
    for (; *p != 'e'; ++p) {
        if (*p != '.') {
            digits += *p;
        }
    }
    const int exp = std::atoi(p + 1);
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
    std::string out = v < 0 ? "-" : "";
    if (exp > 20 || exp < -9) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) {
            out += "." + digits.substr(1);
        }
        return out + "E" + (exp < 0 ? "-" : "+") + std::to_string(std::abs(exp));
    }
    if (exp < 0) {
        return out + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
    const auto int_digits = static_cast<std::size_t>(exp + 1);
    if (digits.size() <= int_digits) {
        return out + digits + std::string(int_digits - digits.size(), '0');
    }
    return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

// A format section cut into literal text and placeholders.
struct piece {
    enum kind_t { literal, number, date, text } kind;
    std::string s;  // literal text, the number pattern's characters, or a date token
};

bool is_date_letter(char c) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c == 'y' || c == 'm' || c == 'd' || c == 'h' || c == 's';
}

std::vector<piece> parse_section(std::string_view f) {
    std::vector<piece> out;
    auto lit = [&](std::string_view s) {
        if (!out.empty() && out.back().kind == piece::literal) {
            out.back().s += s;
        } else {
            out.push_back({piece::literal, std::string(s)});
        }
    };
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c == '"') {
            const auto end = f.find('"', i + 1);
            lit(f.substr(i + 1, (end == std::string_view::npos ? f.size() : end) - i - 1));
            i = end == std::string_view::npos ? f.size() : end;
        } else if (c == '\\' && i + 1 < f.size()) {
            lit(f.substr(++i, 1));
        } else if (c == '_' && i + 1 < f.size()) {
            ++i;  // room the width of the next character: nothing in text (as POI)
        } else if (c == '*' && i + 1 < f.size()) {
            ++i;
        } else if (c == '[') {
            const auto end = f.find(']', i);
            const auto inside =
                f.substr(i + 1, (end == std::string_view::npos ? f.size() : end) - i - 1);
            if (inside.starts_with("$")) {
                lit(inside.substr(1, inside.find('-') == std::string_view::npos
                                         ? std::string_view::npos
                                         : inside.find('-') - 1));
            } else if (!inside.empty() && is_date_letter(inside[0])) {
                out.push_back(
                    {piece::date, std::string(1, static_cast<char>(std::tolower(
                                                     static_cast<unsigned char>(inside[0]))))});
            }
            i = end == std::string_view::npos ? f.size() : end;
        } else if (iequals(f.substr(i, 5), "AM/PM")) {
            out.push_back({piece::date, "AM/PM"});
            i += 4;
        } else if (iequals(f.substr(i, 3), "A/P")) {
            out.push_back({piece::date, "A/P"});
            i += 2;
        } else if (is_date_letter(c)) {
            const char lc = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::size_t n = 1;
            while (i + n < f.size() && std::tolower(static_cast<unsigned char>(f[i + n])) == lc) {
                ++n;
            }
            out.push_back({piece::date, std::string(n, lc)});
            i += n - 1;
        } else if (c == '0' || c == '#' || c == '?' || c == '.' || c == ',' || c == '%' ||
                   ((c == 'E' || c == 'e') && i + 1 < f.size() &&
                    (f[i + 1] == '+' || f[i + 1] == '-'))) {
            std::string s(1, c);
            if (c == 'E' || c == 'e') {
                s = std::string("E") + f[++i];
            }
            if (!out.empty() && out.back().kind == piece::number) {
                out.back().s += s;
            } else {
                out.push_back({piece::number, s});
            }
        } else if (c == '@') {
            out.push_back({piece::text, "@"});
        } else {
            lit(f.substr(i, 1));
        }
    }
    return out;
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(long z, int& y, int& m, int& d) {
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

constexpr std::array<const char*, 12> months{"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};
constexpr std::array<const char*, 7> weekdays{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

std::string two(int v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02d", v);
    return b;
}

std::string format_date(double serial, const std::vector<piece>& pieces) {
    // Milliseconds rounded, then whole seconds cut (as POI's DateUtil and Java's date format).
    const double total_ms = std::floor(serial * 86400000.0 + 0.5);
    const long days = static_cast<long>(std::floor(total_ms / 86400000.0));
    const long secs = static_cast<long>(total_ms - static_cast<double>(days) * 86400000.0) / 1000;
    int y = 1900;
    int mo = 2;
    int d = 29;  // serial 60: the 29th of February 1900 that Excel believes in
    if (days != 60) {
        // Day 0 is 1899-12-31; from day 61 on, the fictitious leap day shifts everything by one.
        civil_from_days(days + (days < 60 ? -25568 : -25569), y, mo, d);
    }
    // 0 Sunday; day 0 was a Sunday, day 61 (1900-03-01) a Thursday.
    const int weekday = static_cast<int>(((days < 61 ? days : days + 6) % 7 + 7) % 7);
    const int h = static_cast<int>(secs / 3600);
    const int mi = static_cast<int>(secs / 60 % 60);
    const int s = static_cast<int>(secs % 60);
    bool ampm = false;
    for (const auto& p : pieces) {
        ampm = ampm || (p.kind == piece::date && (p.s == "AM/PM" || p.s == "A/P"));
    }
    std::string out;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const auto& p = pieces[i];
        if (p.kind == piece::literal) {
            out += p.s;
            continue;
        }
        if (p.kind == piece::number) {
            // "ss.0": tenths of a second (always 0 once rounded to the second); a comma or a
            // lone point is text in a date.
            if (p.s.starts_with(".") && p.s.find('0') != std::string::npos) {
                out += "." + std::string(p.s.size() - 1, '0');
            } else {
                out += p.s;
            }
            continue;
        }
        if (p.kind != piece::date) {
            continue;
        }
        const char c = p.s[0];
        if (p.s == "AM/PM") {
            out += h < 12 ? "AM" : "PM";
        } else if (p.s == "A/P") {
            out += h < 12 ? "A" : "P";
        } else if (c == 'y') {
            out += p.s.size() <= 2 ? two(y % 100) : std::to_string(y);
        } else if (c == 'd') {
            out += p.s.size() == 1   ? std::to_string(d)
                   : p.s.size() == 2 ? two(d)
                   : p.s.size() == 3 ? std::string(weekdays[static_cast<std::size_t>(weekday)], 3)
                                     : std::string(weekdays[static_cast<std::size_t>(weekday)]);
        } else if (c == 'h') {
            const int hh = ampm ? (h % 12 == 0 ? 12 : h % 12) : h;
            out += p.s.size() == 1 ? std::to_string(hh) : two(hh);
        } else if (c == 's') {
            out += p.s.size() == 1 ? std::to_string(s) : two(s);
        } else if (c == 'm') {
            // Minutes right after an hour or right before seconds; else the month.
            bool minutes = false;
            for (std::size_t k = i; k-- > 0;) {
                if (pieces[k].kind == piece::date) {
                    minutes = pieces[k].s[0] == 'h';
                    break;
                }
            }
            for (std::size_t k = i + 1; !minutes && k < pieces.size(); ++k) {
                if (pieces[k].kind == piece::date) {
                    minutes = pieces[k].s[0] == 's';
                    break;
                }
            }
            if (minutes && p.s.size() <= 2) {
                out += p.s.size() == 1 ? std::to_string(mi) : two(mi);
            } else if (p.s.size() <= 2) {
                out += p.s.size() == 1 ? std::to_string(mo) : two(mo);
            } else {
                const std::string name = months[static_cast<std::size_t>(mo - 1)];
                out += p.s.size() == 3   ? name.substr(0, 3)
                       : p.s.size() == 4 ? name
                                         : name.substr(0, 1);
            }
        }
    }
    return out;
}

std::string group_thousands(const std::string& digits) {
    std::string out;
    const std::size_t n = digits.size();
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[i];
        if ((n - i - 1) % 3 == 0 && i + 1 < n) {
            out += ',';
        }
    }
    return out;
}

std::string format_pattern(double v, const std::string& pattern) {
    std::string p = pattern;
    int percent = 0;
    for (char c : p) {
        percent += c == '%';
    }
    for (int i = 0; i < percent; ++i) {
        v *= 100;
    }
    const auto e = p.find('E');
    const std::string num = e == std::string::npos ? p : p.substr(0, e);
    const auto dot = num.find('.');
    const std::string int_part = num.substr(0, dot);
    const std::string frac_part = dot == std::string::npos ? "" : num.substr(dot + 1);
    int max_dec = 0;
    int min_dec = 0;
    for (char c : frac_part) {
        max_dec += c == '0' || c == '#' || c == '?';
        min_dec += c == '0';
    }
    int min_int = 0;
    for (char c : int_part) {
        min_int += c == '0';
    }
    // A format code comes from the file: no more digits than a double has, whatever it asks.
    max_dec = std::min(max_dec, 30);
    min_dec = std::min(min_dec, max_dec);
    min_int = std::min(min_int, 30);
    const bool thousands = int_part.find(',') != std::string::npos &&
                           int_part.find_last_of("0#?") > int_part.find(',');
    std::string exponent;
    if (e != std::string::npos) {
        int exp = 0;
        if (v != 0) {
            exp = static_cast<int>(std::floor(std::log10(std::fabs(v))));
            v /= std::pow(10.0, exp);
        }
        char b[32];
        int min_exp_digits = 0;
        for (char c : p.substr(e + 2)) {
            min_exp_digits += c == '0';
        }
        std::snprintf(b, sizeof b, "%0*d", std::clamp(min_exp_digits, 1, 9), std::abs(exp) % 1000);
        exponent = std::string("E") + (exp < 0 ? "-" : (p[e + 1] == '+' ? "+" : "")) + b;
    }
    // Half up, as POI's DataFormatter rounds.
    char buf[400];
    const double scaled = std::fabs(v) * std::pow(10.0, max_dec);
    if (max_dec <= 15 && scaled < 1e17) {
        std::snprintf(buf, sizeof buf, "%.0f", std::round(scaled));
        std::string r(buf);
        if (max_dec > 0) {
            if (r.size() <= static_cast<std::size_t>(max_dec)) {
                r.insert(0, static_cast<std::size_t>(max_dec) - r.size() + 1, '0');
            }
            r.insert(r.size() - static_cast<std::size_t>(max_dec), ".");
        }
        std::snprintf(buf, sizeof buf, "%s", r.c_str());
    } else {
        std::snprintf(buf, sizeof buf, "%.*f", std::min(max_dec, 30), std::fabs(v));
    }
    std::string s(buf);
    std::string ip = s.substr(0, s.find('.'));
    std::string fp = s.find('.') == std::string::npos ? "" : s.substr(s.find('.') + 1);
    while (static_cast<int>(fp.size()) > min_dec && !fp.empty() && fp.back() == '0') {
        fp.pop_back();
    }
    if (ip == "0" && min_int == 0) {
        ip.clear();
    }
    if (static_cast<int>(ip.size()) < min_int) {
        ip.insert(0, static_cast<std::size_t>(min_int) - ip.size(), '0');
    }
    if (thousands) {
        ip = group_thousands(ip);
    }
    std::string out = ip;
    if (!fp.empty() || (dot != std::string::npos && min_dec > 0)) {
        out += "." + fp;
    }
    return out + exponent + std::string(static_cast<std::size_t>(percent), '%');
}

}  // namespace

std::string format_number(double value, std::string_view code) {
    if (!std::isfinite(value)) {
        return general(value);
    }
    std::vector<std::string_view> sections;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        if (code[i] == '"') {
            quoted = !quoted;
        } else if (code[i] == '\\') {
            ++i;
        } else if (code[i] == ';' && !quoted) {
            sections.push_back(code.substr(start, i - start));
            start = i + 1;
        }
    }
    sections.push_back(code.substr(start));
    std::string_view section = sections[0];
    bool sign_in_format = false;
    if (value < 0 && sections.size() >= 2 && !sections[1].empty()) {
        section = sections[1];
        sign_in_format = true;
    } else if (value == 0 && sections.size() >= 3 && !sections[2].empty()) {
        section = sections[2];
    }
    if (section.empty() || iequals(section, "General")) {
        return general(value);
    }
    const auto pieces = parse_section(section);
    bool is_date = false;
    bool has_number = false;
    for (const auto& p : pieces) {
        is_date = is_date || p.kind == piece::date;
        has_number = has_number || p.kind == piece::number;
    }
    if (is_date) {
        // Negative dates and dates after the year 9999 are not dates in Excel: shown as General.
        return value < 0 || value >= 2958466 ? general(value) : format_date(value, pieces);
    }
    std::string out;
    if (value < 0 && !sign_in_format) {
        out += '-';
    }
    bool number_done = false;
    for (const auto& p : pieces) {
        if (p.kind == piece::literal) {
            out += p.s;
        } else if (p.kind == piece::number && !number_done) {
            out += format_pattern(std::fabs(value), p.s);
            number_done = true;
        } else if (p.kind == piece::text) {
            out += general(value);
        }
    }
    if (!has_number && out.find_first_not_of(" -") == std::string::npos) {
        return general(value);
    }
    return out;
}

std::string_view number_formats::code_of(int num_fmt_id) const {
    const auto it = custom_.find(num_fmt_id);
    return it != custom_.end() ? std::string_view(it->second) : builtin(num_fmt_id);
}

std::string number_formats::format(std::string_view raw, int style) const {
    std::string text(raw);
    // Without a style sheet Tika (POI's XSSFSheetXMLHandler) shows the number as written; a
    // cell without a style has the first one.
    if (cell_styles_.empty()) {
        return text;
    }
    const auto index = static_cast<std::size_t>(style);
    const int fmt = cell_styles_[style >= 0 && index < cell_styles_.size() ? index : 0];
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
        return text;  // not a number after all: as written
    }
    return format_number(v, code_of(fmt));
}

}  // namespace casio::extract::detail
