// XML: the character data of every element, a space between elements, as Tika's XML parser gives
// it. A UTF-8 document without a DOCTYPE goes through a scanner of our own, which checks what
// libxml2 checks for well-formedness (tags balanced, one root, attribute syntax, references,
// comments, characters) and needs no tree; anything else goes through libxml2 (sax.hpp). HTML
// has its own tokenizer (html.cpp).

#include "xml.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace casio::extract::detail {
namespace {

// libxml2's limits without XML_PARSE_HUGE, so that both paths accept the same documents.
constexpr std::size_t max_depth = 256;
constexpr std::size_t max_name = 50000;
constexpr std::size_t max_reference = 32;
// Bounds of our own on one start tag, for memory: its attribute names together. Past a few
// attributes, duplicates are looked up in a hash set rather than one by one.
constexpr std::size_t max_attribute_name_bytes = std::size_t{1} << 20;
constexpr std::size_t attributes_scanned_one_by_one = 32;

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Character classes, one bit each, by byte.
enum : std::uint8_t {
    name_start = 1,  // letters, '_', ':', and every byte of a non-ASCII character
    name_char = 2,   // name_start, digits, '-', '.'
    text_stop = 4,   // '<', '&', '\r', ']', '>': where character data needs a closer look
    value_stop = 8,  // '<', '&', '"', '\'': where an attribute value does
    control = 16,    // bytes that are no XML character: C0 controls but tab, LF, CR
};

constexpr std::array<std::uint8_t, 256> make_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint8_t k = 0;
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (alpha || c == '_' || c == ':' || c >= 0x80) {
            k |= name_start | name_char;
        }
        if ((c >= '0' && c <= '9') || c == '-' || c == '.') {
            k |= name_char;
        }
        if (c == '<' || c == '&' || c == '\r' || c == ']' || c == '>') {
            k |= text_stop;
        }
        if (c == '<' || c == '&' || c == '"' || c == '\'') {
            k |= value_stop;
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            k |= control;
        }
        t[static_cast<std::size_t>(c)] = k;
    }
    return t;
}
constexpr auto classes = make_classes();

bool has(char c, std::uint8_t k) {
    return (classes[static_cast<unsigned char>(c)] & k) != 0;
}

// A document that is not well-formed: what is wrong, and where in the current chunk.
struct malformed {
    std::string what;
    const char* at;
};

// The number of bits set in a 16-bit mask (no popcnt instruction in the x86-64 baseline).
int bits16(unsigned m) noexcept {
    static constexpr auto table = [] {
        std::array<std::uint8_t, 256> t{};
        for (unsigned i = 0; i < 256; ++i) {
            t[i] = static_cast<std::uint8_t>((i & 1) + (i >> 1 & 1) + (i >> 2 & 1) + (i >> 3 & 1) +
                                             (i >> 4 & 1) + (i >> 5 & 1) + (i >> 6 & 1) + (i >> 7));
        }
        return t;
    }();
    return table[m & 0xFF] + table[(m >> 8) & 0xFF];
}

// Of buf[0..n): the length of the prefix made of whole XML characters (valid UTF-8, no C0
// control but tab, LF and CR, no U+FFFE or U+FFFF), adding its line feeds to `lines`; `bad`
// tells whether it stopped at a byte that is none (rather than at a character cut by the end).
std::size_t xml_characters(const char* buf, std::size_t n, bool& bad, std::size_t& lines) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(buf);
    std::size_t i = 0;
    bad = false;
    while (i < n) {
#ifdef __SSE2__
        // Sixteen bytes at a time while they are ASCII, with no control but tab, LF and CR.
        // (A signed compare: bytes from 0x80 are negative, so below 0x20 too.)
        while (i + 16 <= n) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
            const unsigned odd =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
            if (odd == 0) {
                i += 16;
                continue;
            }
            const unsigned lf =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
            const unsigned tab_cr = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')))));
            if ((odd & ~(lf | tab_cr)) != 0) {
                break;
            }
            lines += static_cast<std::size_t>(bits16(lf));
            i += 16;
        }
#endif
        if (i >= n) {
            break;
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (classes[c] & control) {
                bad = true;
                return i;
            }
            lines += c == '\n';
            ++i;
            continue;
        }
        const int len = utf8_sequence(s + i, n - i);
        if (len < 0) {
            return i;
        }
        if (len == 0 || (len == 3 && c == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE)) {
            bad = true;
            return i;
        }
        i += static_cast<std::size_t>(len);
    }
    return i;
}

// The first byte of [p, end) where character data needs a closer look (text_stop), or end.
const char* text_stop_in(const char* p, const char* end) noexcept {
#ifdef __SSE2__
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
                         _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8(']'))),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
        const int m = _mm_movemask_epi8(hit);
        if (m != 0) {
            return p + __builtin_ctz(static_cast<unsigned>(m));
        }
        p += 16;
    }
#endif
    while (p < end && !has(*p, text_stop)) {
        ++p;
    }
    return p;
}

enum class state : std::uint8_t {
    misc,         // outside the root element: white space, comments, processing instructions
    text,         // character data inside the root element
    reference,    // after '&'
    tag_open,     // after '<'
    start_name,   // <name
    in_tag,       // between attributes
    attr_name,    // name
    attr_equals,  // name ... =
    attr_quote,   // = ... "
    attr_value,   // "value
    empty_tag,    // <name .../
    end_name,     // </name
    end_tail,     // </name ... >
    bang,         // <! and what follows, up to "--", "[CDATA[" or "DOCTYPE"
    comment,      // <!-- ...
    cdata,        // <![CDATA[ ...
    pi_target,    // <?target
    pi,           // <?target ... ?>
    pi_close,     // <?target?
};

// Splits well-formed UTF-8 XML (fed in pieces that end on character boundaries) into the text
// that xml_text below gives through libxml2, or throws `malformed`. Stops at a DOCTYPE in the
// prolog (needs_libxml2()), having appended nothing.
class scanner {
  public:
    explicit scanner(sink& out) : out_(out) {}

    void feed(const char* p, const char* end);
    void finish(const char* at);
    bool needs_libxml2() const noexcept { return needs_libxml2_; }

  private:
    [[noreturn]] static void fail(std::string what, const char* at) {
        throw malformed{std::move(what), at};
    }
    void emit(const char* b, const char* e) {
        if (e > b) {
            out_.append(std::string_view(b, static_cast<std::size_t>(e - b)));
        }
    }
    // Consumes the run of name characters at p into `name`; true when it ended in [p, end).
    static bool take_name(const char*& p, const char* end, std::string& name) {
        const char* b = p;
        while (p < end && has(*p, name_char)) {
            ++p;
        }
        name.append(b, p);
        if (name.size() > max_name) {
            fail("a name longer than " + std::to_string(max_name) + " bytes", p);
        }
        return p < end;
    }
    void open_element(std::string_view name, const char* at);
    void close_element(std::string_view name, const char* at);
    void attribute_named(const char* at);
    void reference_done(const char* at);
    void append_character(char32_t cp);
    const char* fast_tag(const char* p, const char* end);
    const char* text(const char* p, const char* end);
    const char* cdata(const char* p, const char* end);

    sink& out_;
    state state_ = state::misc;
    state after_reference_ = state::text;
    std::string element_;                  // the name of the element whose tag is being read
    std::string name_;                     // an attribute's name, a processing instruction's target
    std::string open_;                     // the names of the open elements, one after the other
    std::vector<std::uint32_t> starts_;    // where each open element's name starts in open_
    std::vector<std::string> attributes_;  // the current start tag's attribute names
    std::size_t attribute_count_ = 0;
    std::size_t attribute_name_bytes_ = 0;
    std::unordered_set<std::string> many_attributes_;  // past attributes_scanned_one_by_one
    std::string reference_;
    std::string bang_;
    char quote_ = 0;
    bool space_before_attribute_ = false;
    bool root_seen_ = false;
    bool root_done_ = false;
    bool needs_libxml2_ = false;
    bool after_cr_ = false;  // the last chunk ended with a CR of character data
    int brackets_ = 0;       // ']' just seen in text ("]]>" is not allowed there) or CDATA
    int marks_ = 0;          // '-' seen in a comment, '?' in a processing instruction
};

void scanner::open_element(std::string_view name, const char* at) {
    if (root_done_) {
        fail("extra content at the end of the document", at);
    }
    if (starts_.size() >= max_depth) {
        fail("excessive depth in document: " + std::to_string(max_depth), at);
    }
    root_seen_ = true;
    starts_.push_back(static_cast<std::uint32_t>(open_.size()));
    open_ += name;
    // As in Tika: a space before every element, so that <a>one</a><b>two</b> is two words; one
    // is enough where the text already ends in white space.
    if (!out_.empty() && !is_space(out_.text().back())) {
        out_.append(' ');
    }
    state_ = state::text;
}

void scanner::close_element(std::string_view name, const char* at) {
    const std::string_view open =
        starts_.empty() ? std::string_view() : std::string_view(open_).substr(starts_.back());
    if (name != open) {
        fail("opening and ending tag mismatch: " + std::string(open) + " and " + std::string(name),
             at);
    }
    open_.resize(starts_.back());
    starts_.pop_back();
    if (starts_.empty()) {
        root_done_ = true;
        state_ = state::misc;
    } else {
        state_ = state::text;
    }
}

void scanner::attribute_named(const char* at) {
    attribute_name_bytes_ += name_.size();
    if (attribute_name_bytes_ > max_attribute_name_bytes) {
        fail("the attribute names of <" + element_ + "> exceed " +
                 std::to_string(max_attribute_name_bytes) + " bytes",
             at);
    }
    const auto redefined = [&] { fail("attribute " + name_ + " redefined", at); };
    if (attribute_count_ < attributes_scanned_one_by_one) {
        for (std::size_t i = 0; i < attribute_count_; ++i) {
            if (attributes_[i] == name_) {
                redefined();
            }
        }
        if (attribute_count_ == attributes_.size()) {
            attributes_.emplace_back();
        }
        attributes_[attribute_count_] = name_;
    } else {
        if (attribute_count_ == attributes_scanned_one_by_one) {
            many_attributes_.clear();
            many_attributes_.insert(attributes_.begin(), attributes_.end());
        }
        if (!many_attributes_.insert(name_).second) {
            redefined();
        }
    }
    ++attribute_count_;
}

// The character that reference `ref` (what comes between '&' and ';') stands for.
char32_t decode_reference(std::string_view ref, const char* at) {
    if (ref == "lt") {
        return '<';
    }
    if (ref == "gt") {
        return '>';
    }
    if (ref == "amp") {
        return '&';
    }
    if (ref == "apos") {
        return '\'';
    }
    if (ref == "quot") {
        return '"';
    }
    if (!ref.starts_with('#')) {
        throw malformed{"entity '" + std::string(ref) + "' not defined", at};
    }
    const bool hex = ref.starts_with("#x");
    const auto digits = ref.substr(hex ? 2 : 1);
    if (digits.empty()) {
        throw malformed{"invalid character reference &" + std::string(ref) + ";", at};
    }
    char32_t cp = 0;
    for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            throw malformed{"invalid character reference &" + std::string(ref) + ";", at};
        }
        cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(d);
        if (cp > 0x10FFFF) {
            break;
        }
    }
    const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!allowed) {
        throw malformed{"&" + std::string(ref) + "; is not an XML character", at};
    }
    return cp;
}

// The reference that starts after the '&' at p, when its ';' is in [p, end): its end (after
// the ';'); nullptr when the buffer ends first.
const char* whole_reference(const char* p, const char* end, std::string_view& ref) {
    const char* q = p;
    while (q < end && q - p <= static_cast<std::ptrdiff_t>(max_reference) &&
           (has(*q, name_char) || *q == '#')) {
        ++q;
    }
    if (q == end || *q != ';') {
        return nullptr;  // cut by the end, or not well-formed: the state machine says which
    }
    ref = std::string_view(p, static_cast<std::size_t>(q - p));
    return q + 1;
}

void scanner::append_character(char32_t cp) {
    if (cp < 0x80) {
        out_.append(static_cast<char>(cp));
    } else {
        std::string utf8;
        append_utf8(utf8, cp);
        out_.append(utf8);
    }
}

// reference_ holds what came between '&' and ';'.
void scanner::reference_done(const char* at) {
    const char32_t cp = decode_reference(reference_, at);
    state_ = after_reference_;
    if (state_ == state::text) {
        append_character(cp);
    }  // else in an attribute value: checked, not kept
}

// Character data up to the next markup or reference; returns where it stopped.
const char* scanner::text(const char* p, const char* end) {
    if (after_cr_) {
        after_cr_ = false;
        if (*p == '\n') {
            ++p;
        }
    }
    const char* b = p;
    for (;;) {
        const char* run = p;
        p = text_stop_in(p, end);
        if (p > run) {
            brackets_ = 0;
        }
        if (p == end) {
            break;
        }
        const char c = *p;
        if (c == ']') {
            ++brackets_;
            ++p;
        } else if (c == '>') {
            if (brackets_ >= 2) {
                fail("sequence ']]>' not allowed in content", p);
            }
            brackets_ = 0;
            ++p;
        } else if (c == '\r') {
            // A CR, alone or before LF, is a line feed (XML's end-of-line handling).
            emit(b, p);
            out_.append('\n');
            brackets_ = 0;
            ++p;
            if (p == end) {
                after_cr_ = true;
            } else if (*p == '\n') {
                ++p;
            }
            b = p;
        } else if (std::string_view ref; c == '&' && whole_reference(p + 1, end, ref)) {
            emit(b, p);
            append_character(decode_reference(ref, p));
            p += ref.size() + 2;
            brackets_ = 0;
            b = p;
        } else {
            break;  // '<', or '&' of a reference the buffer cuts
        }
    }
    emit(b, p);
    if (p < end) {
        brackets_ = 0;
        if (*p == '<') {
            state_ = state::tag_open;
        } else {
            state_ = state::reference;
            after_reference_ = state::text;
            reference_.clear();
        }
        ++p;
    }
    return p;
}

// The content of a CDATA section up to "]]>"; a ']' that might start it waits in brackets_.
const char* scanner::cdata(const char* p, const char* end) {
    if (after_cr_) {
        after_cr_ = false;
        if (*p == '\n') {
            ++p;
        }
    }
    while (p < end) {
        if (brackets_ > 0) {
            if (*p == ']') {
                ++brackets_;
                ++p;
                continue;
            }
            if (*p == '>' && brackets_ >= 2) {
                for (int i = 2; i < brackets_; ++i) {
                    out_.append(']');
                }
                brackets_ = 0;
                state_ = state::text;
                return p + 1;
            }
            for (; brackets_ > 0; --brackets_) {
                out_.append(']');
            }
        }
        const char* b = p;
        while (p < end && *p != ']' && *p != '\r') {
            ++p;
        }
        emit(b, p);
        if (p == end) {
            break;
        }
        if (*p == ']') {
            brackets_ = 1;
            ++p;
        } else {
            out_.append('\n');
            ++p;
            if (p == end) {
                after_cr_ = true;
            } else if (*p == '\n') {
                ++p;
            }
        }
    }
    return p;
}

// A whole start or end tag at p (after its '<') read in one go, where the buffer holds all of it
// and nothing unusual is in it: its end. nullptr leaves the tag to the state machine, which
// reads it again from p (nothing here has changed the scanner then) and names any error.
const char* scanner::fast_tag(const char* p, const char* end) {
    constexpr std::size_t max_fast_attributes = 16;
    // The attribute names so far (left uninitialised: this runs for every tag).
    const char* seen[max_fast_attributes];
    std::size_t seen_size[max_fast_attributes];
    std::size_t count = 0;
    if (*p == '/') {
        if (starts_.empty()) {
            return nullptr;
        }
        const auto open = std::string_view(open_).substr(starts_.back());
        const char* q = p + 1;
        if (static_cast<std::size_t>(end - q) <= open.size() ||
            std::memcmp(q, open.data(), open.size()) != 0) {
            return nullptr;
        }
        q += open.size();
        while (q < end && is_space(*q)) {
            ++q;
        }
        if (q == end || *q != '>') {
            return nullptr;
        }
        close_element(open, q);
        return q + 1;
    }
    if (!has(*p, name_start)) {
        return nullptr;
    }
    const char* q = p;
    while (q < end && has(*q, name_char)) {
        ++q;
    }
    const std::string_view name(p, static_cast<std::size_t>(q - p));
    bool space = false;
    for (;;) {
        while (q < end && is_space(*q)) {
            ++q;
            space = true;
        }
        if (q == end) {
            return nullptr;
        }
        if (*q == '>' || *q == '/') {
            const bool empty = *q == '/';
            if (empty && (q + 1 == end || q[1] != '>')) {
                return nullptr;
            }
            open_element(name, q);
            if (empty) {
                close_element(name, q);
                ++q;
            }
            return q + 1;
        }
        if (!space || !has(*q, name_start) || count == max_fast_attributes) {
            return nullptr;
        }
        const char* a = q;
        while (q < end && has(*q, name_char)) {
            ++q;
        }
        const auto size = static_cast<std::size_t>(q - a);
        for (std::size_t i = 0; i < count; ++i) {
            if (seen_size[i] == size && std::memcmp(seen[i], a, size) == 0) {
                return nullptr;
            }
        }
        seen[count] = a;
        seen_size[count++] = size;
        while (q < end && is_space(*q)) {
            ++q;
        }
        if (q == end || *q != '=') {
            return nullptr;
        }
        ++q;
        while (q < end && is_space(*q)) {
            ++q;
        }
        if (q == end || (*q != '"' && *q != '\'')) {
            return nullptr;
        }
        const char quote = *q++;
        for (;;) {
            while (q < end && !has(*q, value_stop)) {
                ++q;
            }
            if (q == end || *q == '<') {
                return nullptr;
            }
            if (*q == quote) {
                ++q;
                break;
            }
            if (*q == '&') {
                std::string_view ref;
                const char* after = whole_reference(q + 1, end, ref);
                if (!after) {
                    return nullptr;
                }
                decode_reference(ref, q);
                q = after;
            } else {
                ++q;  // the other quote
            }
        }
        space = false;
    }
}

void scanner::feed(const char* p, const char* end) {
    while (p < end) {
        if (out_.full() || needs_libxml2_) {
            return;
        }
        switch (state_) {
            case state::misc:
                while (p < end && is_space(*p)) {
                    ++p;
                }
                if (p < end) {
                    if (*p != '<') {
                        fail(root_done_ ? "extra content at the end of the document"
                                        : "start tag expected, '<' not found",
                             p);
                    }
                    state_ = state::tag_open;
                    ++p;
                }
                break;
            case state::text:
                p = text(p, end);
                break;
            case state::reference:
                while (p < end && *p != ';') {
                    if (!has(*p, name_char) && *p != '#') {
                        fail("entity reference &" + reference_ + " not ended by ';'", p);
                    }
                    reference_.push_back(*p);
                    if (reference_.size() > max_reference) {
                        fail("entity reference &" + reference_ + "… too long", p);
                    }
                    ++p;
                }
                if (p < end) {
                    reference_done(p);
                    ++p;
                }
                break;
            case state::tag_open: {
                if (const char* after = fast_tag(p, end)) {
                    p = after;
                    break;
                }
                const char c = *p;
                element_.clear();
                name_.clear();
                if (c == '/') {
                    state_ = state::end_name;
                    ++p;
                } else if (c == '!') {
                    state_ = state::bang;
                    bang_.clear();
                    ++p;
                } else if (c == '?') {
                    state_ = state::pi_target;
                    ++p;
                } else if (has(c, name_start)) {
                    state_ = state::start_name;
                    attribute_count_ = 0;
                    attribute_name_bytes_ = 0;
                } else {
                    fail("invalid element name", p);
                }
                break;
            }
            case state::start_name:
                if (take_name(p, end, element_)) {
                    space_before_attribute_ = false;
                    state_ = state::in_tag;
                }
                break;
            case state::in_tag: {
                const char c = *p;
                if (is_space(c)) {
                    space_before_attribute_ = true;
                    ++p;
                } else if (c == '>') {
                    open_element(element_, p);
                    ++p;
                } else if (c == '/') {
                    state_ = state::empty_tag;
                    ++p;
                } else if (has(c, name_start) && space_before_attribute_) {
                    name_.clear();
                    state_ = state::attr_name;
                } else {
                    fail("attributes construct error in <" + element_ + ">", p);
                }
                break;
            }
            case state::attr_name:
                if (take_name(p, end, name_)) {
                    attribute_named(p);
                    state_ = state::attr_equals;
                }
                break;
            case state::attr_equals:
                while (p < end && is_space(*p)) {
                    ++p;
                }
                if (p < end) {
                    if (*p != '=') {
                        fail("specification mandates value for attribute " + name_, p);
                    }
                    state_ = state::attr_quote;
                    ++p;
                }
                break;
            case state::attr_quote:
                while (p < end && is_space(*p)) {
                    ++p;
                }
                if (p < end) {
                    if (*p != '"' && *p != '\'') {
                        fail("AttValue: \" or ' expected", p);
                    }
                    quote_ = *p;
                    state_ = state::attr_value;
                    ++p;
                }
                break;
            case state::attr_value:
                while (p < end && !has(*p, value_stop)) {
                    ++p;
                }
                if (p < end) {
                    if (*p == quote_) {
                        space_before_attribute_ = false;
                        state_ = state::in_tag;
                    } else if (*p == '<') {
                        fail("unescaped '<' not allowed in attribute values", p);
                    } else if (*p == '&') {
                        state_ = state::reference;
                        after_reference_ = state::attr_value;
                        reference_.clear();
                    }
                    ++p;
                }
                break;
            case state::empty_tag:
                if (*p != '>') {
                    fail("couldn't find end of start tag " + element_, p);
                }
                open_element(element_, p);
                close_element(element_, p);
                ++p;
                break;
            case state::end_name:
                if (element_.empty() && !has(*p, name_start)) {
                    fail("invalid element name", p);
                }
                if (take_name(p, end, element_)) {
                    state_ = state::end_tail;
                }
                break;
            case state::end_tail:
                while (p < end && is_space(*p)) {
                    ++p;
                }
                if (p < end) {
                    if (*p != '>') {
                        fail("expected '>' to end </" + element_ + ">", p);
                    }
                    close_element(element_, p);
                    ++p;
                }
                break;
            case state::bang: {
                bang_.push_back(*p);
                ++p;
                if (bang_ == "--") {
                    marks_ = 0;
                    state_ = state::comment;
                } else if (bang_ == "[CDATA[") {
                    if (starts_.empty()) {
                        fail("CDATA section outside the root element", p);
                    }
                    brackets_ = 0;
                    state_ = state::cdata;
                } else if (bang_ == "DOCTYPE") {
                    if (root_seen_) {
                        fail("DOCTYPE after the root element", p);
                    }
                    needs_libxml2_ = true;
                } else if (!std::string_view("--").starts_with(bang_) &&
                           !std::string_view("[CDATA[").starts_with(bang_) &&
                           !std::string_view("DOCTYPE").starts_with(bang_)) {
                    fail("invalid markup declaration <!" + bang_, p);
                }
                break;
            }
            case state::comment:
                while (p < end) {
                    const char c = *p++;
                    if (c != '-') {
                        if (marks_ >= 2) {
                            if (c != '>') {
                                fail("double hyphen within comment", p - 1);
                            }
                            state_ = starts_.empty() ? state::misc : state::text;
                            break;
                        }
                        marks_ = 0;
                        const void* dash = std::memchr(p, '-', static_cast<std::size_t>(end - p));
                        p = dash ? static_cast<const char*>(dash) : end;
                    } else if (++marks_ > 2) {
                        fail("double hyphen within comment", p - 1);
                    }
                }
                break;
            case state::cdata:
                p = cdata(p, end);
                break;
            case state::pi_target:
                if (name_.empty() && !has(*p, name_start)) {
                    fail("processing instruction without a target", p);
                }
                if (take_name(p, end, name_)) {
                    if (ascii_lower(name_) == "xml") {
                        fail("XML declaration allowed only at the start of the document", p);
                    }
                    if (!is_space(*p) && *p != '?') {
                        fail("processing instruction " + name_ + " not followed by a space", p);
                    }
                    marks_ = 0;
                    state_ = *p == '?' ? state::pi_close : state::pi;
                    ++p;
                }
                break;
            case state::pi_close:
                if (*p != '>') {
                    fail("processing instruction " + name_ + ": space expected", p);
                }
                state_ = starts_.empty() ? state::misc : state::text;
                ++p;
                break;
            case state::pi:
                while (p < end) {
                    const char c = *p++;
                    if (marks_ == 1 && c == '>') {
                        state_ = starts_.empty() ? state::misc : state::text;
                        break;
                    }
                    marks_ = c == '?' ? 1 : 0;
                }
                break;
        }
    }
}

void scanner::finish(const char* at) {
    if (out_.full() || needs_libxml2_) {
        return;
    }
    if (!root_seen_) {
        fail("document is empty or has no root element", at);
    }
    if (state_ != state::misc || !starts_.empty()) {
        fail(starts_.empty() ? "premature end of data"
                             : "premature end of data in element " + open_.substr(starts_.back()),
             at);
    }
}

// The XML declaration at the start of `head` (after a BOM), if any: its length, or npos when the
// scanner should leave the document to libxml2 (another encoding, anything unusual, or a
// declaration longer than the first chunk).
std::size_t declaration_length(std::string_view head) {
    if (!head.starts_with("<?xml") || head.size() < 6 || !is_space(head[5])) {
        return 0;
    }
    const auto close = head.find("?>");
    if (close == std::string_view::npos) {
        return std::string_view::npos;
    }
    std::string_view rest = head.substr(5, close - 5);
    // version="1.x", then optionally encoding="UTF-8" and standalone="yes|no", in that order.
    int index = 0;
    while (!rest.empty()) {
        std::size_t i = 0;
        while (i < rest.size() && is_space(rest[i])) {
            ++i;
        }
        if (i == rest.size()) {
            break;
        }
        if (i == 0) {
            return std::string_view::npos;
        }
        rest.remove_prefix(i);
        const auto eq = rest.find('=');
        if (eq == std::string_view::npos || eq + 1 >= rest.size()) {
            return std::string_view::npos;
        }
        const auto key = rest.substr(0, eq);
        const char q = rest[eq + 1];
        const auto value_end = rest.find(q, eq + 2);
        if ((q != '"' && q != '\'') || value_end == std::string_view::npos) {
            return std::string_view::npos;
        }
        const auto value = ascii_lower(rest.substr(eq + 2, value_end - eq - 2));
        const bool ok =
            (index == 0 && key == "version" && value.size() > 2 && value.starts_with("1.") &&
             std::all_of(value.begin() + 2, value.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) ||
            (index > 0 && key == "encoding" && value == "utf-8") ||
            (index > 0 && key == "standalone" && (value == "yes" || value == "no"));
        if (!ok) {
            return std::string_view::npos;
        }
        ++index;
        rest.remove_prefix(value_end + 1);
    }
    return index == 0 ? std::string_view::npos : close + 2;
}

// For libxml2: what Tika's XML parser gives.
class xml_text : public sax_handler {
  public:
    explicit xml_text(sink& out) : out_(out) {}
    void start(std::string_view, const attributes&) override {
        if (!out_.empty() && !is_space(out_.text().back())) {
            out_.append(' ');
        }
    }
    void end(std::string_view) override {}
    void text(std::string_view utf8) override { out_.append(utf8); }
    bool done() const override { return out_.full(); }

  private:
    sink& out_;
};

}  // namespace

bool scan_xml(context& ctx, const chunk_reader& read, sink& out) {
    // Room for a chunk and the up to 3 bytes of a character the last chunk cut.
    std::vector<char> buf(chunk_size + 4);
    std::size_t n = 0;
    bool at_end = false;
    while (n < chunk_size && !at_end) {
        const auto got = read(buf.data() + n, chunk_size - n);
        at_end = got == 0;
        n += got;
    }
    std::string_view head(buf.data(), n);
    std::size_t skip = 0;
    if (head.starts_with("\xEF\xBB\xBF")) {
        skip = 3;
    } else if (n >= 2 && (head[0] == '\0' || head[1] == '\0' || head.starts_with("\xFE\xFF") ||
                          head.starts_with("\xFF\xFE"))) {
        return false;  // UTF-16 or UTF-32
    }
    const auto declaration = declaration_length(head.substr(skip));
    if (declaration == std::string_view::npos) {
        return false;
    }
    skip += declaration;

    scanner scan(out);
    std::size_t lines = 0;     // line feeds before buf
    std::size_t begin = skip;  // where the scanner starts in buf
    try {
        for (;;) {
            bool bad = false;
            std::size_t chunk_lines = 0;
            const auto whole = xml_characters(buf.data(), n, bad, chunk_lines);
            if (bad || (at_end && whole < n)) {
                throw malformed{"input is not proper UTF-8 or has a character XML does not allow",
                                buf.data() + whole};
            }
            scan.feed(buf.data() + begin, buf.data() + whole);
            if (scan.needs_libxml2()) {
                return false;
            }
            if (out.full()) {
                return true;
            }
            if (at_end) {
                scan.finish(buf.data() + n);
                return true;
            }
            lines += chunk_lines;
            // A character the chunk cut goes first in the next one.
            const auto cut = n - whole;
            std::memmove(buf.data(), buf.data() + whole, cut);
            ctx.check_time();
            const auto got = read(buf.data() + cut, chunk_size);
            at_end = got == 0;
            n = cut + got;
            begin = 0;
        }
    } catch (const malformed& e) {
        const auto line =
            lines + static_cast<std::size_t>(std::count(std::as_const(buf).data(), e.at, '\n')) + 1;
        ctx.fail("malformed XML: line " + std::to_string(line) + ": " + e.what);
    }
}

void parse_xml_text(context& ctx, const chunk_reader& read, sink& out) {
    xml_text h(out);
    parse_xml(ctx, read, h, "malformed XML");
}

void extract_xml(context& ctx, input& in, sink& out) {
    const chunk_reader read = [&in](char* buf, std::size_t n) { return in.read(buf, n); };
    if (!scan_xml(ctx, read, out)) {
        in.rewind();
        out.clear();
        parse_xml_text(ctx, read, out);
    }
}

}  // namespace casio::extract::detail
