// HTML: a tokenizer of our own (text extraction needs no tree), streaming through the chunk
// reader: a token may straddle chunks, nothing but the current chunk and the open tag's few
// attributes is kept. The charset comes from a byte-order mark, else from a <meta> in the first
// 8 KiB (as Tika's detector looks), else UTF-8 that gives way to windows-1252 at the first byte
// that is not UTF-8. The text is the body's, without script, style, noscript, template and the
// title; block elements and <br> end a line, table cells are tab-separated.

#include "html.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <string>
#include <vector>

namespace casio::extract::detail {
namespace {

constexpr std::size_t prescan_size = 8 * 1024;
constexpr std::size_t max_name = 16;
constexpr std::size_t max_value = 1024;
constexpr std::size_t max_attributes = 16;

bool is_ws(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

struct attribute {
    std::string name;
    std::string value;
};

// A start tag's attributes, kept only for the tags whose attributes matter (<meta>).
struct tag_attributes {
    std::array<attribute, max_attributes> list;
    std::size_t count = 0;

    std::string_view get(std::string_view name) const {
        for (std::size_t i = 0; i < count; ++i) {
            if (list[i].name == name) {
                return list[i].value;
            }
        }
        return {};
    }
};

// HTML's tokenizer states, reduced to what text extraction needs.
enum class state : std::uint8_t {
    data,
    tag_open,
    end_tag_open,
    tag_name,
    before_attribute,
    attribute_name,
    after_attribute_name,
    before_value,
    value_double,
    value_single,
    value_unquoted,
    self_closing,
    markup_declaration,
    comment,
    bogus_comment,
    cdata,
    raw_text,
    reference,
};

// Splits HTML (any ASCII-compatible bytes, fed in pieces of any size) into text, start and end
// tags for `Handler`: text(string_view), start(name, attributes, self_closing), end(name), done().
// Character references are decoded into UTF-8 text; comments, doctypes, processing instructions
// and CDATA sections are skipped; script and style hold raw text up to their end tag.
template <class Handler>
class tokenizer {
  public:
    explicit tokenizer(Handler& h) : h_(h) {}

    void feed(std::string_view s);
    // The end of the input: a pending character reference or '<' is text, an open tag dropped.
    void finish();

  private:
    void emit_text(const char* b, const char* e) {
        if (e > b) {
            h_.text(std::string_view(b, static_cast<std::size_t>(e - b)));
        }
    }
    void begin_tag(bool end, char c) {
        end_tag_ = end;
        name_.assign(1, lower(c));
        name_too_long_ = false;
        attrs_.count = 0;
        keep_attrs_ = false;
        state_ = state::tag_name;
    }
    void name_done() { keep_attrs_ = !end_tag_ && name_ == "meta"; }
    void new_attribute() {
        if (keep_attrs_ && attrs_.count < max_attributes) {
            auto& a = attrs_.list[attrs_.count++];
            a.name.clear();
            a.value.clear();
            collecting_ = true;
        } else {
            collecting_ = false;
        }
    }
    void add_to_name(char c) {
        if (collecting_ && attrs_.list[attrs_.count - 1].name.size() < max_name) {
            attrs_.list[attrs_.count - 1].name.push_back(lower(c));
        }
    }
    void add_to_value(const char* b, const char* e) {
        if (collecting_) {
            auto& v = attrs_.list[attrs_.count - 1].value;
            const auto room = max_value - std::min(max_value, v.size());
            v.append(b, std::min(room, static_cast<std::size_t>(e - b)));
        }
    }
    void emit_tag(bool self_closing);
    void cdata_brackets() {
        for (; dashes_ > 0; --dashes_) {
            h_.text("]");
        }
    }
    // Returns true when `c` ended the reference (consumed); false when it is to be read again.
    bool reference_char(char c);
    void reference_done(bool terminated);

    Handler& h_;
    state state_ = state::data;
    bool end_tag_ = false;
    bool name_too_long_ = false;
    bool keep_attrs_ = false;
    bool collecting_ = false;
    std::string name_;
    tag_attributes attrs_;
    std::string declaration_;  // what follows "<!" until it is known to be a comment or CDATA
    int dashes_ = 0;           // '-' (comment) or ']' (CDATA) just before the current character
    std::string raw_end_;      // "</script" or "</style" while in raw text
    std::size_t raw_matched_ = 0;
    std::string reference_;  // the characters of a reference after '&'
};

template <class Handler>
void tokenizer<Handler>::emit_tag(bool self_closing) {
    state_ = state::data;
    const std::string_view name = name_too_long_ ? std::string_view() : std::string_view(name_);
    if (end_tag_) {
        h_.end(name);
        return;
    }
    h_.start(name, attrs_);
    if (self_closing) {
        // As libxml2 and TagSoup read it: <x/> is an empty element, even <script/>.
        h_.end(name);
    } else if (name == "script" || name == "style") {
        raw_end_ = "</";
        raw_end_ += name;
        raw_matched_ = 0;
        state_ = state::raw_text;
    }
}

template <class Handler>
bool tokenizer<Handler>::reference_char(char c) {
    // reference_ holds what followed '&' so far: "" then a name, or "#", "#x" then digits.
    const bool numeric = !reference_.empty() && reference_[0] == '#';
    if (reference_.empty()) {
        if (c == '#' || is_alpha(c) || is_digit(c)) {
            reference_.push_back(c);
            return true;
        }
        h_.text("&");
        state_ = state::data;
        return false;
    }
    if (numeric) {
        const bool hex = reference_.size() >= 2 && (reference_[1] == 'x' || reference_[1] == 'X');
        if (reference_.size() == 1 && (c == 'x' || c == 'X')) {
            reference_.push_back(c);
            return true;
        }
        if ((hex ? is_hex(c) : is_digit(c)) && reference_.size() < 32) {
            reference_.push_back(c);
            return true;
        }
    } else if ((is_alpha(c) || is_digit(c)) && reference_.size() < 32) {
        reference_.push_back(c);
        return true;
    }
    if (c == ';') {
        reference_done(true);
        return true;
    }
    reference_done(false);
    return false;
}

template <class Handler>
void tokenizer<Handler>::reference_done(bool terminated) {
    state_ = state::data;
    std::string out;
    if (reference_[0] == '#') {
        const bool hex = reference_.size() >= 2 && (reference_[1] == 'x' || reference_[1] == 'X');
        const std::size_t first = hex ? 2 : 1;
        if (reference_.size() > first) {
            // Numeric references need no ';' (libxml2, TagSoup and browsers agree).
            std::uint32_t cp = 0;
            for (std::size_t i = first; i < reference_.size(); ++i) {
                const char c = reference_[i];
                const std::uint32_t d = is_digit(c)
                                            ? static_cast<std::uint32_t>(c - '0')
                                            : static_cast<std::uint32_t>(lower(c) - 'a' + 10);
                cp = cp * (hex ? 16 : 10) + d;
                cp = std::min<std::uint32_t>(cp, 0x110000);
            }
            if (cp >= 0x80 && cp <= 0x9F) {
                // The C1 range read as windows-1252, as browsers and TagSoup (Tika) do.
                cp = windows_1252(static_cast<unsigned char>(cp));
            }
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                cp = 0xFFFD;
            }
            append_utf8(out, cp);
            h_.text(out);
            return;
        }
    } else if (const auto* e =
                   htmlEntityLookup(reinterpret_cast<const xmlChar*>(reference_.c_str()))) {
        // HTML 4's named entities (libxml2's table). Without its ';' a name counts only when it
        // is one of the Latin-1 ones (&amp, &copy, &eacute...), as in browsers and Tika.
        if (terminated || e->value < 0x100) {
            append_utf8(out, e->value);
            h_.text(out);
            return;
        }
    }
    out = "&" + reference_;
    if (terminated) {
        out.push_back(';');
    }
    h_.text(out);
}

template <class Handler>
void tokenizer<Handler>::feed(std::string_view s) {
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
        if (h_.done()) {
            return;
        }
        switch (state_) {
            case state::data: {
                const char* b = p;
                while (p < end && *p != '<' && *p != '&') {
                    ++p;
                }
                emit_text(b, p);
                if (p < end) {
                    if (*p == '<') {
                        state_ = state::tag_open;
                    } else {
                        state_ = state::reference;
                        reference_.clear();
                    }
                    ++p;
                }
                break;
            }
            case state::reference:
                if (reference_char(*p)) {
                    ++p;
                }
                break;
            case state::tag_open: {
                const char c = *p;
                if (c == '!') {
                    state_ = state::markup_declaration;
                    declaration_.clear();
                    ++p;
                } else if (c == '/') {
                    state_ = state::end_tag_open;
                    ++p;
                } else if (c == '?') {
                    state_ = state::bogus_comment;
                    ++p;
                } else if (is_alpha(c)) {
                    begin_tag(false, c);
                    ++p;
                } else {
                    h_.text("<");
                    state_ = state::data;
                }
                break;
            }
            case state::end_tag_open:
                if (is_alpha(*p)) {
                    begin_tag(true, *p);
                    ++p;
                } else if (*p == '>') {
                    state_ = state::data;
                    ++p;
                } else {
                    state_ = state::bogus_comment;
                }
                break;
            case state::tag_name:
                while (p < end) {
                    const char c = *p;
                    if (is_ws(c)) {
                        name_done();
                        state_ = state::before_attribute;
                        ++p;
                        break;
                    }
                    if (c == '/') {
                        name_done();
                        state_ = state::self_closing;
                        ++p;
                        break;
                    }
                    if (c == '>') {
                        ++p;
                        emit_tag(false);
                        break;
                    }
                    if (name_.size() < max_name) {
                        name_.push_back(lower(c));
                    } else {
                        name_too_long_ = true;
                    }
                    ++p;
                }
                break;
            case state::before_attribute: {
                const char c = *p;
                if (is_ws(c)) {
                    ++p;
                } else if (c == '/') {
                    state_ = state::self_closing;
                    ++p;
                } else if (c == '>') {
                    ++p;
                    emit_tag(false);
                } else {
                    new_attribute();
                    add_to_name(c);
                    state_ = state::attribute_name;
                    ++p;
                }
                break;
            }
            case state::attribute_name: {
                const char c = *p;
                if (is_ws(c)) {
                    state_ = state::after_attribute_name;
                } else if (c == '/') {
                    state_ = state::self_closing;
                } else if (c == '=') {
                    state_ = state::before_value;
                } else if (c == '>') {
                    ++p;
                    emit_tag(false);
                    break;
                } else {
                    add_to_name(c);
                }
                ++p;
                break;
            }
            case state::after_attribute_name: {
                const char c = *p;
                if (is_ws(c)) {
                    ++p;
                } else if (c == '/') {
                    state_ = state::self_closing;
                    ++p;
                } else if (c == '=') {
                    state_ = state::before_value;
                    ++p;
                } else if (c == '>') {
                    ++p;
                    emit_tag(false);
                } else {
                    new_attribute();
                    add_to_name(c);
                    state_ = state::attribute_name;
                    ++p;
                }
                break;
            }
            case state::before_value: {
                const char c = *p;
                if (is_ws(c)) {
                    ++p;
                } else if (c == '"') {
                    state_ = state::value_double;
                    ++p;
                } else if (c == '\'') {
                    state_ = state::value_single;
                    ++p;
                } else if (c == '>') {
                    ++p;
                    emit_tag(false);
                } else {
                    state_ = state::value_unquoted;
                }
                break;
            }
            case state::value_double:
            case state::value_single: {
                const char quote = state_ == state::value_double ? '"' : '\'';
                const auto* q = static_cast<const char*>(
                    std::memchr(p, quote, static_cast<std::size_t>(end - p)));
                add_to_value(p, q ? q : end);
                if (q) {
                    state_ = state::before_attribute;
                    p = q + 1;
                } else {
                    p = end;
                }
                break;
            }
            case state::value_unquoted: {
                const char* b = p;
                while (p < end && !is_ws(*p) && *p != '>') {
                    ++p;
                }
                add_to_value(b, p);
                if (p < end) {
                    if (*p == '>') {
                        ++p;
                        emit_tag(false);
                    } else {
                        state_ = state::before_attribute;
                        ++p;
                    }
                }
                break;
            }
            case state::self_closing:
                if (*p == '>') {
                    ++p;
                    emit_tag(true);
                } else {
                    state_ = state::before_attribute;
                }
                break;
            case state::markup_declaration: {
                // "<!--" starts a comment, "<![CDATA[" a CDATA section, anything else (a
                // doctype) is skipped up to '>'.
                static constexpr std::string_view cdata = "[CDATA[";
                const char c = *p;
                if (declaration_.empty() && c == '-') {
                    declaration_.push_back(c);
                    ++p;
                } else if (declaration_ == "-" && c == '-') {
                    // "<!-->" and "<!--->" are whole (empty) comments, as in browsers.
                    state_ = state::comment;
                    dashes_ = 2;
                    ++p;
                } else if (declaration_ != "-" && declaration_.size() < cdata.size() &&
                           cdata[declaration_.size()] == c) {
                    declaration_.push_back(c);
                    ++p;
                    if (declaration_ == cdata) {
                        state_ = state::cdata;
                        dashes_ = 0;
                    }
                } else {
                    state_ = state::bogus_comment;
                }
                break;
            }
            case state::comment:
                while (p < end) {
                    const char c = *p++;
                    if (c == '>' && dashes_ >= 2) {
                        state_ = state::data;
                        break;
                    }
                    dashes_ = c == '-' ? dashes_ + 1 : 0;
                }
                break;
            case state::cdata: {
                // A CDATA section's content is text (Tika shows it); the ']' that may start its
                // "]]>" are held back until the next character tells.
                const char* b = p;
                while (p < end && *p != ']' && *p != '>') {
                    ++p;
                }
                if (p > b) {
                    cdata_brackets();
                    emit_text(b, p);
                    break;
                }
                const char c = *p++;
                if (c == ']') {
                    ++dashes_;
                } else if (dashes_ >= 2) {
                    dashes_ -= 2;
                    cdata_brackets();
                    state_ = state::data;
                } else {
                    cdata_brackets();
                    h_.text(">");
                }
                break;
            }
            case state::bogus_comment: {
                const auto* q = static_cast<const char*>(
                    std::memchr(p, '>', static_cast<std::size_t>(end - p)));
                if (q) {
                    state_ = state::data;
                    p = q + 1;
                } else {
                    p = end;
                }
                break;
            }
            case state::raw_text: {
                // Up to "</script" or "</style" (any case) followed by white space, '/' or '>'.
                if (raw_matched_ == 0) {
                    const auto* q = static_cast<const char*>(
                        std::memchr(p, '<', static_cast<std::size_t>(end - p)));
                    if (!q) {
                        p = end;
                        break;
                    }
                    p = q + 1;
                    raw_matched_ = 1;
                    break;
                }
                const char c = *p;
                if (raw_matched_ < raw_end_.size()) {
                    if (lower(c) == raw_end_[raw_matched_]) {
                        ++raw_matched_;
                        ++p;
                    } else {
                        raw_matched_ = 0;
                    }
                    break;
                }
                raw_matched_ = 0;
                if (is_ws(c) || c == '/' || c == '>') {
                    end_tag_ = true;
                    name_.assign(raw_end_, 2);
                    name_too_long_ = false;
                    keep_attrs_ = false;
                    state_ = state::before_attribute;
                }
                break;
            }
        }
    }
}

template <class Handler>
void tokenizer<Handler>::finish() {
    if (h_.done()) {
        return;
    }
    if (state_ == state::reference) {
        if (reference_.empty()) {
            h_.text("&");
        } else {
            reference_done(false);
        }
    } else if (state_ == state::tag_open) {
        h_.text("<");
    } else if (state_ == state::cdata) {
        cdata_brackets();
    }
    state_ = state::data;
}

// ---------------------------------------------------------------------------------------------
// Charsets.

// Bytes in, UTF-8 out (to `emit`, in pieces that each end on a character boundary).
class decoder {
  public:
    enum class kind { utf8, windows_1252, other };

    decoder() = default;
    decoder(const decoder&) = delete;
    decoder& operator=(const decoder&) = delete;
    ~decoder() {
        if (cd_ != invalid()) {
            ::iconv_close(cd_);
        }
    }

    // `charset` as a label (a <meta> value or a BOM's "UTF-16LE"); false when iconv knows no
    // such charset (the decoder stays UTF-8).
    bool use(std::string_view charset);

    template <class Emit>
    void decode(std::string_view in, bool last, Emit&& emit);

  private:
    static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }
    template <class Emit>
    void decode_utf8(std::string_view in, bool last, Emit& emit);
    template <class Emit>
    void decode_1252(std::string_view in, Emit& emit);
    template <class Emit>
    void decode_iconv(std::string_view in, bool last, Emit& emit);

    kind kind_ = kind::utf8;
    iconv_t cd_ = invalid();
    std::string carry_;  // an incomplete character at the end of the last piece
    std::string out_;
};

bool decoder::use(std::string_view charset) {
    std::string label;
    for (char c : charset) {
        if (!is_ws(c)) {
            label.push_back(lower(c));
        }
    }
    if (label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8") {
        kind_ = kind::utf8;
        return true;
    }
    // Browsers (and so pages) mean windows-1252 by all of these.
    if (label == "windows-1252" || label == "cp1252" || label == "iso-8859-1" ||
        label == "iso8859-1" || label == "latin1" || label == "l1" || label == "us-ascii" ||
        label == "ascii" || label == "x-cp1252" || label == "iso_8859-1" || label == "iso-ir-100") {
        kind_ = kind::windows_1252;
        return true;
    }
    cd_ = ::iconv_open("UTF-8", label.c_str());
    if (cd_ == invalid()) {
        return false;
    }
    kind_ = kind::other;
    return true;
}

template <class Emit>
void decoder::decode(std::string_view in, bool last, Emit&& emit) {
    switch (kind_) {
        case kind::utf8:
            decode_utf8(in, last, emit);
            break;
        case kind::windows_1252:
            decode_1252(in, emit);
            break;
        case kind::other:
            decode_iconv(in, last, emit);
            break;
    }
}

template <class Emit>
void decoder::decode_utf8(std::string_view in, bool last, Emit& emit) {
    if (!carry_.empty()) {
        // Complete the character cut at the end of the last piece.
        const auto take = std::min<std::size_t>(4 - carry_.size(), in.size());
        std::string head = carry_ + std::string(in.substr(0, take));
        const int len =
            utf8_sequence(reinterpret_cast<const unsigned char*>(head.data()), head.size());
        if (len > 0) {
            emit(std::string_view(head.data(), static_cast<std::size_t>(len)));
            in.remove_prefix(static_cast<std::size_t>(len) - carry_.size());
            carry_.clear();
        } else if (len < 0 && !last) {
            carry_ = head;
            return;
        } else {
            // Not UTF-8: windows-1252 from here on, as libxml2 gave way to Latin-1.
            kind_ = kind::windows_1252;
            std::string rest = carry_;
            carry_.clear();
            decode_1252(rest, emit);
            decode_1252(in, emit);
            return;
        }
    }
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        const int len = utf8_sequence(p + i, n - i);
        if (len > 0) {
            i += static_cast<std::size_t>(len);
            continue;
        }
        emit(in.substr(0, i));
        if (len < 0 && !last) {
            carry_.assign(in.substr(i));
            return;
        }
        kind_ = kind::windows_1252;
        decode_1252(in.substr(i), emit);
        return;
    }
    emit(in);
}

template <class Emit>
void decoder::decode_1252(std::string_view in, Emit& emit) {
    out_.clear();
    for (char ch : in) {
        const auto b = static_cast<unsigned char>(ch);
        if (b < 0x80) {
            out_.push_back(ch);
        } else {
            append_utf8(out_, windows_1252(b));
        }
    }
    emit(std::string_view(out_));
}

template <class Emit>
void decoder::decode_iconv(std::string_view in, bool last, Emit& emit) {
    std::string src = carry_;
    src.append(in);
    carry_.clear();
    out_.clear();
    char* s = src.data();
    std::size_t left = src.size();
    std::array<char, 16 * 1024> buf;
    while (left > 0) {
        char* d = buf.data();
        std::size_t room = buf.size();
        const auto rc = ::iconv(cd_, &s, &left, &d, &room);
        out_.append(buf.data(), static_cast<std::size_t>(d - buf.data()));
        if (rc != static_cast<std::size_t>(-1)) {
            break;
        }
        if (errno == E2BIG) {
            continue;
        }
        if (errno == EINVAL && !last) {
            carry_.assign(s, left);
            break;
        }
        // A byte the charset does not have (or a character cut by the end): U+FFFD.
        out_.append("\xEF\xBF\xBD");
        ++s;
        --left;
        ::iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    }
    emit(std::string_view(out_));
}

// ---------------------------------------------------------------------------------------------
// The charset a <meta> in the first bytes declares.

class meta_charset {
  public:
    void start(std::string_view name, const tag_attributes& a) {
        if (name != "meta") {
            return;
        }
        if (auto cs = a.get("charset"); !cs.empty()) {
            found_ = std::string(cs);
            return;
        }
        std::string equiv;
        for (char c : a.get("http-equiv")) {
            equiv.push_back(lower(c));
        }
        if (equiv != "content-type") {
            return;
        }
        // content="text/html; charset=windows-1252"
        std::string content;
        for (char c : a.get("content")) {
            content.push_back(lower(c));
        }
        const auto at = content.find("charset");
        if (at == std::string::npos) {
            return;
        }
        auto rest = std::string_view(content).substr(at + 7);
        while (!rest.empty() && is_ws(rest.front())) {
            rest.remove_prefix(1);
        }
        if (rest.empty() || rest.front() != '=') {
            return;
        }
        rest.remove_prefix(1);
        while (!rest.empty() &&
               (is_ws(rest.front()) || rest.front() == '"' || rest.front() == '\'')) {
            rest.remove_prefix(1);
        }
        std::size_t n = 0;
        while (n < rest.size() && !is_ws(rest[n]) && rest[n] != ';' && rest[n] != '"' &&
               rest[n] != '\'') {
            ++n;
        }
        if (n > 0) {
            found_ = std::string(rest.substr(0, n));
        }
    }
    void end(std::string_view) {}
    void text(std::string_view) {}
    bool done() const { return !found_.empty(); }
    const std::string& found() const { return found_; }

  private:
    std::string found_;
};

// ---------------------------------------------------------------------------------------------
// The text.

constexpr std::array<std::string_view, 37> block_elements{
    "address", "article", "aside",  "blockquote", "body", "br",  "caption",  "center",
    "dd",      "details", "dialog", "div",        "dl",   "dt",  "fieldset", "figcaption",
    "figure",  "footer",  "form",   "h1",         "h2",   "h3",  "h4",       "h5",
    "h6",      "header",  "hr",     "li",         "main", "nav", "ol",       "p",
    "pre",     "section", "table",  "tr",         "ul"};

// The same list as a switch: a name is compared with at most five others of its length.
constexpr bool is_block(std::string_view n) {
    switch (n.size()) {
        case 1:
            return n[0] == 'p';
        case 2:
            switch (n[0]) {
                case 'b':
                    return n[1] == 'r';
                case 'd':
                    return n[1] == 'd' || n[1] == 'l' || n[1] == 't';
                case 'h':
                    return (n[1] >= '1' && n[1] <= '6') || n[1] == 'r';
                case 'l':
                    return n[1] == 'i';
                case 'o':
                case 'u':
                    return n[1] == 'l';
                case 't':
                    return n[1] == 'r';
                default:
                    return false;
            }
        case 3:
            return n == "div" || n == "nav" || n == "pre";
        case 4:
            return n == "body" || n == "form" || n == "main";
        case 5:
            return n == "aside" || n == "table";
        case 6:
            return n == "center" || n == "dialog" || n == "figure" || n == "footer" ||
                   n == "header";
        case 7:
            return n == "address" || n == "article" || n == "caption" || n == "details" ||
                   n == "section";
        case 8:
            return n == "fieldset";
        case 10:
            return n == "blockquote" || n == "figcaption";
        default:
            return false;
    }
}

static_assert(std::all_of(block_elements.begin(), block_elements.end(), is_block));
static_assert(!is_block("a") && !is_block("td") && !is_block("span") && !is_block("h7") &&
              !is_block("title"));

enum class html_element { other, block, cell, skipped, head, title, body };

// What an element does to the text, looked up once per tag.
html_element kind_of(std::string_view name) {
    if (name.empty() || name.size() > 10) {
        return html_element::other;
    }
    switch (name[0]) {
        case 'b':
            if (name == "body") {
                return html_element::body;
            }
            break;
        case 'h':
            if (name == "head") {
                return html_element::head;
            }
            if (name == "html") {
                return html_element::body;
            }
            break;
        case 'n':
            if (name == "noscript") {
                return html_element::skipped;
            }
            break;
        case 's':
            if (name == "script" || name == "style") {
                return html_element::skipped;
            }
            break;
        case 't':
            if (name == "td" || name == "th") {
                return html_element::cell;
            }
            if (name == "template") {
                return html_element::skipped;
            }
            if (name == "title") {
                return html_element::title;
            }
            break;
        case 'a':
        case 'c':
        case 'd':
        case 'f':
        case 'l':
        case 'm':
        case 'o':
        case 'p':
        case 'u':
            break;
        default:
            return html_element::other;
    }
    return is_block(name) ? html_element::block : html_element::other;
}

// The elements that may stand in <head>; any other start tag ends it (libxml2 and browsers
// imply </head> there).
bool belongs_in_head(std::string_view name) {
    return name == "meta" || name == "link" || name == "base" || name == "basefont" ||
           name == "bgsound" || name == "object";
}

class html_text {
  public:
    explicit html_text(sink& out) : out_(out) {}

    void start(std::string_view name, const tag_attributes&) {
        // A title holds only text: any tag ends it (as TagSoup reads an unclosed one).
        in_title_ = false;
        const auto k = kind_of(name);
        if (k != html_element::skipped && k != html_element::title && k != html_element::head &&
            name != "html" && !belongs_in_head(name)) {
            // An element of the body: the head is over, even when never closed.
            in_head_ = false;
            in_body_ = true;
        }
        if (skipped_ != 0 && k != html_element::skipped) {
            return;  // nothing inside a skipped element shows, line breaks neither
        }
        switch (k) {
            case html_element::skipped:
                ++skipped_;
                break;
            case html_element::head:
                in_head_ = true;
                break;
            case html_element::title:
                // Tika leaves out the document's title (its metadata), not one in the body.
                in_title_ = in_head_ || !in_body_;
                break;
            case html_element::block:
                out_.line_break();
                break;
            case html_element::body:
                if (name == "body") {
                    out_.line_break();
                }
                break;
            case html_element::cell:
                if (!out_.empty() && out_.text().back() != '\n') {
                    out_.append('\t');
                }
                break;
            case html_element::other:
                break;
        }
    }

    void end(std::string_view name) {
        const auto k = kind_of(name);
        if (skipped_ != 0 && k != html_element::skipped && k != html_element::body) {
            return;
        }
        switch (k) {
            case html_element::skipped:
                skipped_ -= skipped_ > 0;
                break;
            case html_element::head:
                in_head_ = false;
                break;
            case html_element::title:
                in_title_ = false;
                break;
            case html_element::body:
                // </body> and </html> close whatever is still open.
                skipped_ = 0;
                in_head_ = false;
                in_title_ = false;
                if (name == "body") {
                    out_.line_break();
                }
                break;
            case html_element::block:
                out_.line_break();
                break;
            default:
                break;
        }
    }

    void text(std::string_view utf8) {
        if (skipped_ != 0 || in_title_) {
            return;
        }
        const bool blank = std::all_of(utf8.begin(), utf8.end(), is_ws);
        if (in_head_) {
            if (blank) {
                return;
            }
            // Text ends the head (as in browsers and Tika).
            in_head_ = false;
            in_body_ = true;
        }
        // White space between blocks (or before the first) is markup's, not text.
        if (blank && (out_.empty() || out_.text().back() == '\n')) {
            return;
        }
        in_body_ = true;
        out_.append(utf8);
    }

    bool done() const { return out_.full(); }

  private:
    sink& out_;
    int skipped_ = 0;
    bool in_head_ = false;
    bool in_title_ = false;
    bool in_body_ = false;  // an element or text of the body has been seen
};

}  // namespace

void extract_html(context& ctx, input& in, sink& out) {
    extract_html(
        ctx, [&in](char* buf, std::size_t n) { return in.read(buf, n); }, out);
}

void extract_html(context& ctx, const chunk_reader& read, sink& out) {
    std::vector<char> buf(chunk_size);
    // The first bytes decide the charset: enough of them for the <meta> prescan.
    std::size_t n = 0;
    bool at_end = false;
    while (n < prescan_size) {
        const auto got = read(buf.data() + n, buf.size() - n);
        if (got == 0) {
            at_end = true;
            break;
        }
        n += got;
    }
    std::string_view first(buf.data(), n);
    decoder dec;
    if (first.starts_with("\xEF\xBB\xBF")) {
        first.remove_prefix(3);
    } else if (first.starts_with("\xFF\xFE")) {
        dec.use("UTF-16LE");
        first.remove_prefix(2);
    } else if (first.starts_with("\xFE\xFF")) {
        dec.use("UTF-16BE");
        first.remove_prefix(2);
    } else {
        meta_charset meta;
        tokenizer<meta_charset> scan(meta);
        scan.feed(first.substr(0, prescan_size));
        // A page that says UTF-16 is ASCII-compatible, so it is not (browsers read it as UTF-8).
        std::string label;
        for (char c : meta.found()) {
            label.push_back(lower(c));
        }
        if (!label.empty() && !label.starts_with("utf-16")) {
            dec.use(label);
        }
    }

    html_text h(out);
    tokenizer<html_text> tok(h);
    const auto to_tokens = [&](std::string_view utf8) { tok.feed(utf8); };
    dec.decode(first, at_end, to_tokens);
    while (!at_end && !h.done()) {
        ctx.check_time();
        n = read(buf.data(), buf.size());
        at_end = n == 0;
        dec.decode(std::string_view(buf.data(), n), at_end, to_tokens);
    }
    tok.finish();
    out.line_break();
}

}  // namespace casio::extract::detail
