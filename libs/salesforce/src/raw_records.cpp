#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/json/monotonic_resource.hpp>

#include <casio/core/json_text.hpp>
#include <casio/salesforce/raw_records.hpp>

namespace casio::salesforce {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// The first `"` or `\` in [p, end), or end. Most of a page is inside strings, most strings are
// short (keys, ids): 16 bytes at a time where the platform allows, never reading past `end`.
const char* find_quote_or_backslash(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const int mask = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
        if (mask != 0) {
            return p + __builtin_ctz(static_cast<unsigned>(mask));
        }
        p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != '\\') {
        ++p;
    }
    return p;
}

// Whether a number token is what core::append_json_value writes for the value the parser reads
// from it: an integer that stays an integer (not -0, within int64 or uint64), or a double in
// core::append_json_double's form.
bool canonical_number(std::string_view t) {
    const char* const end = t.data() + t.size();
    const char* p = t.data();
    const bool negative = p < end && *p == '-';
    p += negative ? 1 : 0;
    const char* const int_begin = p;
    while (p < end && is_digit(*p)) {
        ++p;
    }
    const auto int_digits = static_cast<std::size_t>(p - int_begin);
    const bool int_zero = int_digits == 1 && *int_begin == '0';
    if (p == end) {
        if (int_digits == 0) {
            return false;
        }
        if (int_digits <= 18) {
            return !(negative && int_zero);  // -0 is read as the integer 0
        }
        // Near the limits: an integer the parser cannot hold becomes a double.
        if (negative) {
            std::int64_t v = 0;
            const auto r = std::from_chars(t.data(), end, v);
            return r.ec == std::errc() && r.ptr == end;
        }
        std::uint64_t v = 0;
        const auto r = std::from_chars(t.data(), end, v);
        return r.ec == std::errc() && r.ptr == end;
    }
    // The common fractions, without converting: a decimal of at most 15 significant digits is
    // the shortest text of the double it reads as (DBL_DIG), so it is canonical when it has no
    // trailing zero (but X.0) and lies in the fixed-notation range (from 1e-4; below 1e15 with
    // 15 digits).
    if (*p == '.' && int_digits > 0) {
        const char* const frac_begin = ++p;
        while (p < end && is_digit(*p)) {
            ++p;
        }
        const auto frac_digits = static_cast<std::size_t>(p - frac_begin);
        if (p == end && frac_digits > 0) {
            if (!int_zero) {
                if (int_digits + frac_digits <= 15 && (end[-1] != '0' || frac_digits == 1)) {
                    return true;
                }
            } else {
                std::size_t zeros = 0;
                while (zeros < frac_digits && frac_begin[zeros] == '0') {
                    ++zeros;
                }
                if (zeros == frac_digits) {
                    return frac_digits == 1;  // 0.0
                }
                if (zeros <= 3 && frac_digits - zeros <= 15 && end[-1] != '0') {
                    return true;
                }
            }
        }
    }
    // Exponents, long mantissas, trailing zeros: convert and compare.
    double d = 0;
    const auto r = std::from_chars(t.data(), end, d);
    if (r.ec != std::errc() || r.ptr != end) {
        return false;  // out of range: the parser's infinity or zero is written otherwise
    }
    std::string written;
    core::append_json_double(written, d);
    return written == t;
}

// `\uXXXX` (at the 4 hex digits) as core::append_json_escaped writes it: only for a control
// character without a short form, in lowercase.
bool canonical_u_escape(const char* h) {
    if (h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1')) {
        return false;
    }
    const char c = h[3];
    int low = 0;
    if (is_digit(c)) {
        low = c - '0';
    } else if (c >= 'a' && c <= 'f') {
        low = c - 'a' + 10;
    } else {
        return false;
    }
    const int v = (h[2] - '0') * 16 + low;
    return v != '\b' && v != '\t' && v != '\n' && v != '\f' && v != '\r';
}

// 8 bits of a key (the text between its quotes), for the repeated-key check: cheap rather
// than perfect (a collision costs a comparison with the object's other keys, not a mistake).
unsigned key_hash(const char* begin, const char* end) {
    const auto size = static_cast<unsigned>(end - begin);
    if (size == 0) {
        return 0;
    }
    return (size * 37u + static_cast<unsigned char>(end[-1]) +
            static_cast<unsigned char>(begin[0]) * 3u) &
           255u;
}

// The keys of one object, to find a key written twice: a 256-bit filter, then a comparison
// with the keys of the object only when the filter has seen the hash.
struct key_filter {
    std::array<std::uint64_t, 4> bits{};
    // False when the filter may have seen the key [begin, end).
    bool first_time(const char* begin, const char* end) {
        const unsigned h = key_hash(begin, end);
        auto& word = bits[h >> 6];
        const std::uint64_t bit = std::uint64_t{1} << (h & 63);
        const bool seen = (word & bit) != 0;
        word |= bit;
        return !seen;
    }
};

// Walks JSON text that is already known to be valid; still never reads past its end, and gives
// up (nullopt / false) on anything unexpected.
struct scanner {
    std::string_view s;
    std::size_t i = 0;

    // Open containers while a value is checked (the parser's limit is 32 levels).
    struct frame {
        bool object = false;
        bool expect_key = false;
        std::size_t begin = 0;  // of its `{`
        key_filter filter;
    };
    std::vector<frame> frames;  // sized at the first checked container

    // (Most characters tested are not: one comparison says so.)
    static bool space(char c) {
        return static_cast<unsigned char>(c) <= ' ' &&
               (c == ' ' || c == '\n' || c == '\r' || c == '\t');
    }
    static bool delimiter(char c) {
        return c == ',' || c == '}' || c == ']' || c == ':' || space(c);
    }

    void skip_space() {
        while (i < s.size() && space(s[i])) {
            ++i;
        }
    }
    bool eat(char c) {
        skip_space();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool at(char c) {
        skip_space();
        return i < s.size() && s[i] == c;
    }

    // From just after an opening quote: just after the closing one, nullptr when there is
    // none. `escaped` tells whether the string holds a backslash; with Check, `canonical` is
    // cleared when an escape is not the one core::append_json_escaped writes.
    template <bool Check>
    static const char* skip_string(const char* p, const char* end, bool& escaped, bool& canonical) {
        for (;;) {
            p = find_quote_or_backslash(p, end);
            if (p == end) {
                return nullptr;
            }
            if (*p == '"') {
                return p + 1;
            }
            escaped = true;
            if (end - p < 2) {
                return nullptr;
            }
            const char e = p[1];
            if (e == 'u') {
                if (end - p < 6) {
                    return nullptr;
                }
                if constexpr (Check) {
                    canonical = canonical && canonical_u_escape(p + 2);
                }
                p += 6;
            } else {
                if constexpr (Check) {
                    canonical = canonical && e != '/';  // else \" \\ \b \f \n \r \t
                }
                p += 2;
            }
        }
    }
    // At `"`: moves past the closing quote; false when there is none.
    template <bool Check>
    bool string(bool& escaped, bool& canonical) {
        if (i >= s.size() || s[i] != '"') {
            return false;
        }
        const char* const after =
            skip_string<Check>(s.data() + i + 1, s.data() + s.size(), escaped, canonical);
        if (after == nullptr) {
            return false;
        }
        i = static_cast<std::size_t>(after - s.data());
        return true;
    }
    // At `"`: the characters between the quotes (escapes left as written).
    std::optional<std::string_view> string_text(bool& escaped) {
        const std::size_t begin = i;
        bool unused = true;
        if (!string<false>(escaped, unused)) {
            return std::nullopt;
        }
        return s.substr(begin + 1, i - begin - 2);
    }

    // Whether the key at `key_at` (its quote) repeats a key of the object opened at
    // `object_at`: its members before it are read again (only when the filter saw the hash).
    bool repeats_key(std::size_t object_at, std::size_t key_at) const {
        bool escaped = false;
        scanner k{s, key_at};
        const auto key = k.string_text(escaped);
        scanner earlier{s.substr(0, key_at), object_at + 1};
        for (;;) {
            earlier.skip_space();
            if (!key || earlier.i >= key_at) {
                return false;
            }
            const auto other = earlier.string_text(escaped);
            if (!other) {
                return false;
            }
            if (*other == *key) {
                return true;
            }
            bool unused = true;
            if (!earlier.eat(':') || !earlier.value<false>(unused) || !earlier.eat(',')) {
                return false;
            }
        }
    }

    // One value of any kind: its text. With Check, `canonical` is cleared when the text is not
    // the canonical text of its value.
    template <bool Check>
    std::optional<std::string_view> value(bool& canonical) {
        skip_space();
        const std::size_t begin = i;
        if (i >= s.size()) {
            return std::nullopt;
        }
        const char c = s[i];
        bool escaped = false;
        if (c == '"') {
            if (!string<Check>(escaped, canonical)) {
                return std::nullopt;
            }
        } else if (c == '{' || c == '[') {
            if (!container<Check>(canonical)) {
                return std::nullopt;
            }
        } else {
            while (i < s.size() && !delimiter(s[i])) {
                ++i;
            }
            if (i == begin) {
                return std::nullopt;
            }
            if constexpr (Check) {
                if (canonical && (c == '-' || is_digit(c))) {
                    canonical = canonical_number(s.substr(begin, i - begin));
                }
            }
        }
        return s.substr(begin, i - begin);
    }

    // At `{` or `[`: moves past the matching bracket.
    template <bool Check>
    bool container(bool& canonical) {
        if constexpr (Check) {
            return check_container(canonical);
        } else {
            return skip_container();
        }
    }

    // container<false>: only strings need reading, for the brackets they may hold.
    bool skip_container() {
        int depth = 0;
        while (i < s.size()) {
            const char c = s[i];
            if (c == '"') {
                bool escaped = false;
                bool unused = true;
                if (!string<false>(escaped, unused)) {
                    return false;
                }
                continue;
            }
            ++i;
            if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return true;
            }
        }
        return false;
    }

    // container<true>: every token is read, with a frame per open container to know which
    // strings are keys.
    bool check_container(bool& canonical) {
        if (frames.empty()) {
            frames.resize(64);
        }
        const char* const base = s.data();
        const char* const end = base + s.size();
        const char* p = base + i;
        std::size_t depth = 0;
        while (p < end) {
            const char c = *p;
            if (c == '"') {
                p = check_string(p, depth, canonical);
                if (p == nullptr) {
                    return false;
                }
                continue;
            }
            switch (c) {
                case '{':
                case '[':
                    if (depth == frames.size()) {
                        return false;
                    }
                    frames[depth] = {.object = c == '{',
                                     .expect_key = c == '{',
                                     .begin = static_cast<std::size_t>(p - base),
                                     .filter = {}};
                    ++depth;
                    break;
                case '}':
                case ']':
                    if (depth == 0) {
                        return false;
                    }
                    if (--depth == 0) {
                        i = static_cast<std::size_t>(p + 1 - base);
                        return true;
                    }
                    break;
                case ',':
                    if (depth == 0) {
                        return false;
                    }
                    frames[depth - 1].expect_key = frames[depth - 1].object;
                    break;
                case ':':
                    break;
                case ' ':
                case '\t':
                case '\n':
                case '\r':
                    canonical = false;
                    break;
                default:
                    p = check_token(p, end, canonical);
                    continue;
            }
            ++p;
        }
        return false;
    }

    // check_container at a string `p` (its quote) inside `depth` open containers: just after
    // it, nullptr when it does not end or stands outside any container. A key written twice
    // clears `canonical`: the parsed object keeps one value (the last, where the first was),
    // written again from it.
    const char* check_string(const char* p, std::size_t depth, bool& canonical) {
        const char* const key = p + 1;
        bool escaped = false;
        p = skip_string<true>(key, s.data() + s.size(), escaped, canonical);
        if (p == nullptr || depth == 0) {
            return nullptr;
        }
        auto& top = frames[depth - 1];
        if (top.expect_key) {
            top.expect_key = false;
            if (canonical && !top.filter.first_time(key, p - 1) &&
                repeats_key(top.begin, static_cast<std::size_t>(key - 1 - s.data()))) {
                canonical = false;
            }
        }
        return p;
    }

    // check_container at a number or literal `p`: just after it; a number not written
    // canonically clears `canonical`.
    static const char* check_token(const char* p, const char* end, bool& canonical) {
        const char c = *p;
        const char* const token = p;
        while (p < end && !delimiter(*p)) {
            ++p;
        }
        if (canonical && (c == '-' || is_digit(c))) {
            canonical =
                canonical_number(std::string_view(token, static_cast<std::size_t>(p - token)));
        }
        return p;
    }
};

}  // namespace

raw_records::raw_records(std::string_view body) {
    scan(body);
}

// The steps of a scan; each returns false where the text is not what it expects, and the
// scan is then undone.
class raw_records::scanning {
  public:
    scanning(raw_records& r, std::string_view body) : r_(r), body_(body), sc_{body} {}

    void clear() {
        r_.members_.clear();
        r_.starts_.clear();
        r_.usable_.clear();
        r_.texts_.clear();
        r_.page_.clear();
        r_.records_key_ = {};
    }

    // The page object: its members, one of which holds the records.
    bool page() {
        if (!sc_.eat('{') || sc_.eat('}')) {
            return true;
        }
        // (The members of the page itself are few: reserve for the records.)
        r_.members_.reserve(body_.size() / 48);
        for (;;) {
            if (!page_member()) {
                return false;
            }
            if (sc_.eat(',')) {
                continue;
            }
            return sc_.eat('}');
        }
    }

  private:
    bool page_member() {
        sc_.skip_space();
        bool escaped = false;
        auto key = sc_.string_text(escaped);
        if (!key || escaped || !sc_.eat(':')) {
            return false;  // an escaped key at the page's level: the caller parses the page
        }
        if (*key == "records" || *key == "searchRecords") {
            // Twice, or not an array: left to the parsed page (which keeps the last one).
            if (!r_.records_key_.empty() || !sc_.at('[') || !records()) {
                return false;
            }
            r_.records_key_ = *key;
            return true;
        }
        bool canonical = true;
        auto v = sc_.value<true>(canonical);
        if (!v) {
            return false;
        }
        r_.page_.push_back({*key, *v, canonical});
        return true;
    }

    // The records array.
    bool records() {
        ++sc_.i;  // [
        if (sc_.eat(']')) {
            r_.starts_.push_back(0);
            return true;
        }
        for (;;) {
            if (!record()) {
                return false;
            }
            if (sc_.eat(',')) {
                continue;
            }
            if (sc_.eat(']')) {
                r_.starts_.push_back(static_cast<std::uint32_t>(r_.members_.size()));
                return true;
            }
            return false;
        }
    }

    // One record (an element of the array): its members when it is an object.
    bool record() {
        const auto first_member = static_cast<std::uint32_t>(r_.members_.size());
        r_.starts_.push_back(first_member);
        if (!sc_.at('{')) {
            r_.usable_.push_back(false);
            bool unused = true;
            auto v = sc_.value<false>(unused);
            r_.texts_.push_back(v.value_or(std::string_view()));
            return v.has_value();
        }
        const std::size_t begin = sc_.i;
        ++sc_.i;
        bool usable = true;
        key_filter filter;
        if (!sc_.eat('}')) {
            for (;;) {
                if (!record_member(first_member, filter, usable)) {
                    return false;
                }
                if (sc_.eat(',')) {
                    continue;
                }
                if (sc_.eat('}')) {
                    break;
                }
                return false;
            }
        }
        r_.usable_.push_back(usable);
        r_.texts_.push_back(body_.substr(begin, sc_.i - begin));
        return true;
    }

    // One member of a record; `usable` is cleared when the record must be read from its tree.
    bool record_member(std::uint32_t first_member, key_filter& filter, bool& usable) {
        sc_.skip_space();
        bool escaped = false;
        auto key = sc_.string_text(escaped);
        if (!key || !sc_.eat(':')) {
            return false;
        }
        bool canonical = true;
        auto value = sc_.value<true>(canonical);
        if (!value) {
            return false;
        }
        // Keys are compared as written: a record with an escaped key is read from its tree, so
        // equal text is equal keys.
        usable = usable && !escaped;
        if (usable && !filter.first_time(key->data(), key->data() + key->size())) {
            usable = std::none_of(r_.members_.begin() + first_member, r_.members_.end(),
                                  [&](const raw_member& m) { return m.key == *key; });
        }
        r_.members_.push_back({*key, *value, canonical});
        return true;
    }

    raw_records& r_;
    std::string_view body_;
    scanner sc_;
};

void raw_records::scan(std::string_view body) {
    scanning steps(*this, body);
    steps.clear();
    if (!steps.page()) {
        steps.clear();
    }
}

std::optional<std::span<const raw_member>> raw_records::record(std::size_t i) const {
    if (i >= size() || !usable_[i]) {
        return std::nullopt;
    }
    return std::span<const raw_member>(members_.data() + starts_[i], starts_[i + 1] - starts_[i]);
}

namespace {

boost::json::value parse_into(core::json_parser& p, std::string_view text,
                              const boost::json::storage_ptr& sp) {
    // Most members read are ids and dates: a string without escapes, or null.
    if (text.size() >= 2 && text.front() == '"' &&
        std::memchr(text.data() + 1, '\\', text.size() - 2) == nullptr) {
        return boost::json::value(boost::json::string_view(text.data() + 1, text.size() - 2), sp);
    }
    if (text == "null") {
        return boost::json::value(nullptr, sp);
    }
    p.reset(sp);
    p.write(text);  // valid (checked before): throws only if it was not
    return p.release();
}

}  // namespace

std::optional<boost::json::value> raw_records::sparse_tree(
    std::span<const std::string_view> fields, core::json_parser& parser,
    const boost::json::storage_ptr& sp) const {
    if (records_key_.empty()) {
        return std::nullopt;
    }
    boost::json::object page(sp);
    for (const auto& m : page_) {
        page.insert_or_assign(m.key, parse_into(parser, m.value, sp));
    }
    std::uint64_t lengths = 0;
    for (auto f : fields) {
        lengths |= std::uint64_t{1} << (f.size() & 63);
    }
    boost::json::array records(sp);
    records.reserve(size());
    for (std::size_t i = 0; i < size(); ++i) {
        const auto members = record(i);
        if (!members) {
            records.push_back(parse_into(parser, texts_[i], sp));
            continue;
        }
        boost::json::object r(sp);
        for (const auto& m : *members) {
            // Most members are not wanted: a key whose length no field has is skipped at once.
            if ((lengths >> (m.key.size() & 63) & 1) == 0) {
                continue;
            }
            if (std::find(fields.begin(), fields.end(), m.key) != fields.end()) {
                r.insert_or_assign(m.key, parse_into(parser, m.value, sp));
            }
        }
        records.push_back(std::move(r));
    }
    page.insert_or_assign(records_key_, std::move(records));
    return boost::json::value(std::move(page));
}

bool for_each_raw_member(std::string_view object_text,
                         const std::function<void(std::string_view, std::string_view)>& f) {
    scanner sc{object_text};
    if (!sc.eat('{')) {
        return false;
    }
    if (sc.eat('}')) {
        return true;
    }
    for (;;) {
        sc.skip_space();
        bool escaped = false;
        const auto key = sc.string_text(escaped);
        if (!key || !sc.eat(':')) {
            return false;
        }
        bool unused = true;
        const auto value = sc.value<false>(unused);
        if (!value) {
            return false;
        }
        f(*key, *value);
        if (sc.eat(',')) {
            continue;
        }
        return sc.eat('}');
    }
}

bool for_each_raw_element(std::string_view array_text,
                          const std::function<void(std::string_view)>& f) {
    scanner sc{array_text};
    if (!sc.eat('[')) {
        return false;
    }
    if (sc.eat(']')) {
        return true;
    }
    for (;;) {
        bool unused = true;
        const auto value = sc.value<false>(unused);
        if (!value) {
            return false;
        }
        f(*value);
        if (sc.eat(',')) {
            continue;
        }
        return sc.eat(']');
    }
}

namespace {

bool raw_value_at(scanner& sc, std::span<const std::string_view> path,
                  const std::function<void(std::string_view)>& f) {
    bool unused = true;
    if (path.empty()) {
        const auto v = sc.value<false>(unused);
        if (v) {
            f(*v);
        }
        return v.has_value();
    }
    const bool array_step = path.front() == "*";
    if (!sc.at(array_step ? '[' : '{')) {
        return sc.value<false>(unused).has_value();  // nothing there
    }
    ++sc.i;
    if (sc.eat(array_step ? ']' : '}')) {
        return true;
    }
    bool found = false;
    for (;;) {
        if (array_step) {
            if (!raw_value_at(sc, path.subspan(1), f)) {
                return false;
            }
        } else {
            sc.skip_space();
            bool escaped = false;
            const auto key = sc.string_text(escaped);
            if (!key || escaped || !sc.eat(':')) {
                return false;
            }
            if (*key == path.front()) {
                if (found || !raw_value_at(sc, path.subspan(1), f)) {
                    return false;
                }
                found = true;
            } else if (!sc.value<false>(unused)) {
                return false;
            }
        }
        if (sc.eat(',')) {
            continue;
        }
        return sc.eat(array_step ? ']' : '}');
    }
}

}  // namespace

bool for_each_raw_value_at(std::string_view text, std::span<const std::string_view> path,
                           const std::function<void(std::string_view)>& f) {
    scanner sc{text};
    return raw_value_at(sc, path, f);
}

std::optional<std::string> raw_string(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
        return std::nullopt;
    }
    if (std::memchr(text.data() + 1, '\\', text.size() - 2) == nullptr) {
        return std::string(text.substr(1, text.size() - 2));
    }
    boost::system::error_code ec;
    const auto v = core::parse_json(text, ec);
    if (ec || !v.is_string()) {
        return std::nullopt;
    }
    return std::string(v.get_string());
}

void append_canonical(std::string& out, std::string_view text, bool canonical) {
    if (canonical) {
        out += text;
        return;
    }
    // Rare on pages as Salesforce writes them (a number in Java's form, 1.5E7), common on
    // pretty-printed ones: one parser per thread, a small arena on the stack.
    thread_local core::json_parser parser;
    unsigned char buffer[4096];
    boost::json::monotonic_resource arena(buffer, sizeof buffer);
    parser.reset(&arena);
    parser.write(text);  // valid (checked before): throws only if it was not
    core::append_json_value(out, parser.release());
}

}  // namespace casio::salesforce
