// PDF through poppler's core API (libpoppler-private-dev; the installed poppler's own headers):
// page by page in content-stream order (what Tika's PDFBox stripper gives by default,
// sortByPosition off), the time cap checked between pages, then the outline's titles as Tika
// appends them.
//
// The text comes from an output device of our own that applies the rules of poppler's
// TextOutputDev in raw order (where a word ends, when a space or a line break goes between two
// words, accents drawn as glyphs of their own merged into their letter) as each glyph arrives,
// keeping nothing but the current word: TextOutputDev allocates an object per word and several
// arrays per glyph, which took over half the time on generated documents. Its text is the same,
// byte for byte, on every PDF of the fidelity corpus.
//
// poppler builds a page's fonts anew for every page it displays, decoding each embedded font
// program (and ToUnicode map) from its compressed stream again: on a manual of a few hundred
// pages that was over half the time. PDFBox keeps a document's fonts. Here, before a page is
// displayed, the font streams its resources refer to are decoded once and put back into the
// document's cross-reference table as plain in-memory streams, and the fonts' dictionaries are
// kept there as first read, so that later pages only read them.

#include <GfxFont.h>
#include <GfxState.h>
#include <GlobalParams.h>
#include <Outline.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <XRef.h>
#include <cmath>
#include <goo/GooString.h>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "detail.hpp"

namespace casio::extract::detail {
namespace {

// poppler reports every oddity of a damaged file on stderr; the caller gets one error instead.
void quiet(ErrorCategory, Goffset, const char*) {}

// poppler's settings for the whole process, never torn down: a worker thread may still be
// extracting while static objects are destroyed at exit.
void init_poppler() {
    static const auto* params = new GlobalParamsIniter(quiet);
    static_cast<void>(params);
}

// The outline's titles, depth first, one per line.
void outline(const std::vector<OutlineItem*>& items, sink& out, int depth) {
    if (depth > 64) {
        return;
    }
    std::string title;
    for (auto* item : items) {
        if (out.full()) {
            return;
        }
        if (item == nullptr) {
            continue;
        }
        title.clear();
        for (int i = 0; i < item->getTitleLength(); ++i) {
            append_utf8(title, static_cast<char32_t>(item->getTitle()[i]));
        }
        append_sanitized(out, title);
        out.line_break();
        item->open();
        if (const auto* kids = item->getKids(); kids != nullptr) {
            outline(*kids, out, depth + 1);
        }
    }
}

// Font streams decoded once per document (see the top of the file), within these bounds.
constexpr std::size_t max_font_stream_bytes = std::size_t{8} << 20;
constexpr std::size_t max_font_bytes_per_document = std::size_t{32} << 20;

// A stream over bytes it owns (poppler's AutoFreeMemStream is not exported).
struct owned_bytes {
    std::vector<unsigned char> bytes;
};
class owned_stream : private owned_bytes, public MemStream {
  public:
    owned_stream(std::vector<unsigned char> b, Object&& dict)
        : owned_bytes{std::move(b)},
          MemStream(reinterpret_cast<const char*>(bytes.data()), 0,
                    static_cast<Goffset>(bytes.size()), std::move(dict)) {}
};

class font_cache {
  public:
    explicit font_cache(XRef& xref) : xref_(xref) {}

    // The fonts of `resources` (a page's, then its forms', two levels down).
    void prepare(const Object& resources, int depth = 0) {
        if (!resources.isDict() || depth > 2) {
            return;
        }
        const Object fonts = pin(resources.dictLookupNF("Font"));
        if (fonts.isDict()) {
            for (int i = 0; i < fonts.dictGetLength(); ++i) {
                const Object& ref = fonts.dictGetValNF(i);
                if (ref.isRef()) {
                    font(pin(ref));
                }
            }
        }
        const Object xobjects = resources.dictLookup("XObject");
        if (xobjects.isDict()) {
            for (int i = 0; i < xobjects.dictGetLength(); ++i) {
                const Object& ref = xobjects.dictGetValNF(i);
                if (!ref.isRef() || !seen_.insert(ref.getRef()).second) {
                    continue;
                }
                const Object form = ref.fetch(&xref_);
                if (form.isStream() && form.streamGetDict()->lookup("Subtype").isName("Form")) {
                    prepare(form.streamGetDict()->lookup("Resources"), depth + 1);
                }
            }
        }
    }

  private:
    // The font dictionary `dict` (seen for the first time) and its descendant's.
    void font(const Object& dict) {
        if (!dict.isDict()) {
            return;
        }
        decode(dict.dictLookupNF("ToUnicode"));
        pin(dict.dictLookupNF("Widths"));
        if (const Object& encoding = dict.dictLookupNF("Encoding"); encoding.isRef()) {
            if (xref_.fetch(encoding.getRef()).isStream()) {
                decode(encoding);  // a CMap
            } else {
                pin(encoding);
            }
        }
        const Object descriptor = pin(dict.dictLookupNF("FontDescriptor"));
        if (descriptor.isDict()) {
            for (const char* key : {"FontFile", "FontFile2", "FontFile3"}) {
                decode(descriptor.dictLookupNF(key));
            }
        }
        // A composite font's one descendant.
        const Object descendants = pin(dict.dictLookupNF("DescendantFonts"));
        if (descendants.isArray() && descendants.arrayGetLength() > 0) {
            const Object& ref = descendants.arrayGetNF(0);
            const Object descendant = ref.isRef() ? pin(ref) : ref.copy();
            if (descendant.isDict() && !descendant.dictLookup("DescendantFonts").isArray()) {
                decode(descendant.dictLookupNF("CIDToGIDMap"));
                pin(descendant.dictLookupNF("W"));
                font(descendant);
            }
        }
    }

    // The object `ref` points to; the first time, a dictionary or array is kept as the
    // cross-reference table's own (an object of an object stream is otherwise parsed again
    // whenever the stream falls out of poppler's cache of five). Anything else, null.
    Object pin(const Object& ref) {
        if (!ref.isRef()) {
            return ref.isDict() || ref.isArray() ? ref.copy() : Object(objNull);
        }
        const bool first = seen_.insert(ref.getRef()).second;
        Object target = ref.fetch(&xref_);
        if (!target.isDict() && !target.isArray()) {
            return Object(objNull);
        }
        if (first) {
            xref_.setModifiedObject(&target, ref.getRef());
        }
        return first ? std::move(target) : Object(objNull);
    }

    // The stream `ref` points to, decoded and put back unfiltered.
    void decode(const Object& ref) {
        if (!ref.isRef() || !seen_.insert(ref.getRef()).second || total_ >= max_bytes()) {
            return;
        }
        const Object stream = ref.fetch(&xref_);
        if (!stream.isStream()) {
            return;
        }
        const std::size_t cap = std::min(max_font_stream_bytes, max_bytes() - total_);
        std::vector<unsigned char> bytes;
        Stream* str = stream.getStream();
        str->reset();
        unsigned char buf[16384];
        for (int n; (n = str->doGetChars(sizeof buf, buf)) > 0;) {
            if (bytes.size() + static_cast<std::size_t>(n) > cap) {
                str->close();
                return;  // left as it is: poppler decodes it when needed, as before
            }
            bytes.insert(bytes.end(), buf, buf + n);
        }
        str->close();
        total_ += bytes.size();
        Object dict(stream.streamGetDict()->copy(&xref_));
        dict.dictRemove("Filter");
        dict.dictRemove("DecodeParms");
        dict.dictSet("Length", Object(static_cast<int>(bytes.size())));
        const Object plain(
            static_cast<Stream*>(new owned_stream(std::move(bytes), std::move(dict))));
        xref_.setModifiedObject(&plain, ref.getRef());
    }

    static constexpr std::size_t max_bytes() { return max_font_bytes_per_document; }

    XRef& xref_;
    std::set<Ref> seen_;
    std::size_t total_ = 0;
};

// Page text in content-stream order: glyphs grouped into words where they follow one another,
// words separated by a space or a line break by where they sit (poppler's raw order rules),
// appended to a string without keeping any word object.
class text_device : public OutputDev {
  public:
    explicit text_device(std::string& out) : out_(out) {}

    bool upsideDown() override { return true; }
    bool useDrawChar() override { return true; }
    bool interpretType3Chars() override { return false; }
    bool needNonText() override { return false; }

    void startPage(int, GfxState* state, XRef*) override {
        page_width_ = state != nullptr ? state->getPageWidth() : 0;
        page_height_ = state != nullptr ? state->getPageHeight() : 0;
        word_.open = false;
        word_.chars = 0;
        have_previous_ = false;
        tiny_chars_ = 0;
        last_overlap_ = false;
    }
    void endPage() override { end_word(); }

    void updateFont(GfxState* state) override {
        font_size_ = state->getTransformedFontSize();
        const auto& font = state->getFont();
        ascent_ = font ? font->getAscent() : 0.95;
        descent_ = font ? font->getDescent() : -0.35;
        wmode_ = font ? font->getWMode() : 0;
        type3_ = font && font->getType() == fontType3;
        if (type3_) {
            // Type 3 glyph space is the font's own: its matrix says how tall a unit is.
            const double* fm = font->getFontMatrix();
            if (fm[0] != 0) {
                font_size_ *= std::fabs(fm[3] / fm[0]);
            }
        }
    }

    void drawChar(GfxState* state, double x, double y, double dx, double dy, double, double,
                  CharCode code, int, const Unicode* u, int u_len) override;

  private:
    struct word {
        bool open = false;
        int chars = 0;
        int rot = 0;
        int wmode = 0;
        double font_size = 0;
        double ascent = 0;
        double descent = 0;
        double base = 0;
        double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
        double last_edge = 0;  // where the last glyph starts on the writing axis
        double last_end = 0;   // and where it ends
        Unicode last_char = 0;
        std::size_t last_char_bytes = 0;
    };
    struct placed {
        double base = 0;
        double font_size = 0;
        double x_min = 0;
        double x_max = 0;
    };

    // The combining form of a spacing accent that TeX and others draw as a glyph of its own.
    static Unicode combining_form(Unicode c) {
        switch (c) {
            case 0x0060:
                return 0x0300;  // grave
            case 0x00A8:
                return 0x0308;  // diaeresis
            case 0x00AF:
                return 0x0304;  // macron
            case 0x00B4:
                return 0x0301;  // acute
            case 0x00B8:
                return 0x0327;  // cedilla
            case 0x02C6:
                return 0x0302;  // circumflex
            case 0x02C7:
                return 0x030C;  // caron
            case 0x02D8:
                return 0x0306;  // breve
            case 0x02D9:
                return 0x0307;  // dot above
            case 0x02DA:
                return 0x030A;  // ring above
            case 0x02DB:
                return 0x0328;  // ogonek
            case 0x02DC:
                return 0x0303;  // tilde
            case 0x02DD:
                return 0x030B;  // double acute
            default:
                return 0;
        }
    }
    // Letters and digits, roughly: what an accent may sit on.
    static bool is_letter_or_digit(Unicode c) {
        if (c < 0x80) {
            return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        }
        if (c < 0xC0 || c == 0xD7 || c == 0xF7 || combining_form(c) != 0) {
            return false;
        }
        return !(c >= 0x2000 && c <= 0x2BFF) && !(c >= 0x3000 && c <= 0x303F) &&
               !(c >= 0xFE30 && c <= 0xFE4F) && !(c >= 0xFF00 && c <= 0xFF20) &&
               !(c >= 0x0300 && c <= 0x036F);
    }

    bool add_combining(double x, double y, double dx, double dy, Unicode u);

    static bool is_white_space(Unicode c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
               (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
               c == 0x205F || c == 0x3000;
    }

    void begin_word(GfxState* state) {
        double m[4];
        state->getFontTransMat(&m[0], &m[1], &m[2], &m[3]);
        const auto& font = state->getFont();
        if (type3_ && font) {
            const double* fm = font->getFontMatrix();
            const double m0 = fm[0] * m[0] + fm[1] * m[2];
            const double m1 = fm[0] * m[1] + fm[1] * m[3];
            const double m2 = fm[2] * m[0] + fm[3] * m[2];
            const double m3 = fm[2] * m[1] + fm[3] * m[3];
            m[0] = m0;
            m[1] = m1;
            m[2] = m2;
            m[3] = m3;
        }
        int rot;
        if (std::fabs(m[0] * m[3]) > std::fabs(m[1] * m[2])) {
            rot = (m[0] > 0 || m[3] < 0) ? 0 : 2;
        } else {
            rot = m[2] > 0 ? 1 : 3;
        }
        if (wmode_ != 0) {
            rot = (rot + 1) & 3;
        }
        word_ = word{};
        word_.open = true;
        word_.rot = rot;
        word_.wmode = wmode_;
        word_.font_size = font_size_;
        word_.ascent = ascent_ * font_size_;
        word_.descent = descent_ * font_size_;
        text_.clear();
    }

    void add_char(double x, double y, double dx, double dy, Unicode u) {
        auto& w = word_;
        if (w.chars == 0) {
            switch (w.rot) {
                case 0:
                    w.x_min = w.x_max = x;
                    w.y_min = y - w.ascent;
                    w.y_max = y - w.descent;
                    w.base = y;
                    break;
                case 1:
                    w.x_min = x + w.descent;
                    w.x_max = x + w.ascent;
                    w.y_min = w.y_max = y;
                    w.base = x;
                    break;
                case 2:
                    w.x_min = w.x_max = x;
                    w.y_min = y + w.descent;
                    w.y_max = y + w.ascent;
                    w.base = y;
                    break;
                default:
                    w.x_min = x - w.ascent;
                    w.x_max = x - w.descent;
                    w.y_min = w.y_max = y;
                    w.base = x;
                    break;
            }
        }
        extend(x, y, dx, dy);
        ++w.chars;
        append_last(u);
    }

    // The word now ends with a glyph at (x, y) advancing (dx, dy).
    void extend(double x, double y, double dx, double dy) {
        auto& w = word_;
        switch (w.rot) {
            case 0:
                w.last_edge = x;
                w.x_max = w.last_end = x + dx;
                break;
            case 1:
                w.last_edge = y;
                w.y_max = w.last_end = y + dy;
                break;
            case 2:
                w.last_edge = x;
                w.x_min = w.last_end = x + dx;
                break;
            default:
                w.last_edge = y;
                w.y_min = w.last_end = y + dy;
                break;
        }
    }

    // `u` appended to the word's text as its last character.
    void append_last(Unicode u) {
        const auto before = text_.size();
        append_utf8(text_, static_cast<char32_t>(u));
        word_.last_char = u;
        word_.last_char_bytes = text_.size() - before;
    }

    void end_word() {
        if (!word_.open) {
            return;
        }
        word_.open = false;
        if (word_.chars == 0) {
            return;
        }
        const placed next{word_.base, word_.font_size, word_.x_min, word_.x_max};
        if (have_previous_) {
            const double size = previous_.font_size;
            if (std::fabs(next.base - previous_.base) < max_intra_line_delta * size &&
                next.x_min > previous_.x_max - min_dup_break_overlap * size) {
                if (next.x_min > previous_.x_max + min_word_spacing * size) {
                    out_.push_back(' ');
                }
            } else {
                out_.push_back('\n');
            }
        }
        out_ += text_;
        previous_ = next;
        have_previous_ = true;
        word_.chars = 0;
    }

    static constexpr double max_intra_line_delta = 0.5;
    static constexpr double min_word_spacing = 0.15;
    static constexpr double min_word_break_space = 0.1;
    static constexpr double dup_max_primary_delta = 0.1;
    static constexpr double dup_max_secondary_delta = 0.2;
    static constexpr double min_dup_break_overlap = 0.3;

    std::string& out_;
    std::string text_;  // the current word's
    word word_;
    placed previous_;
    bool have_previous_ = false;
    bool last_overlap_ = false;
    int tiny_chars_ = 0;
    double page_width_ = 0;
    double page_height_ = 0;
    double font_size_ = 0;
    double ascent_ = 0.95;
    double descent_ = -0.35;
    int wmode_ = 0;
    bool type3_ = false;
};

void text_device::drawChar(GfxState* state, double x, double y, double dx, double dy, double,
                           double, CharCode code, int, const Unicode* u, int u_len) {
    // The advance without character and word spacing, in device space.
    double spacing = state->getCharSpace();
    if (code == 0x20) {
        spacing += state->getWordSpace();
    }
    double dx2, dy2;
    state->textTransformDelta(spacing * state->getHorizScaling(), 0, &dx2, &dy2);
    double w1, h1;
    state->transformDelta(dx - dx2, dy - dy2, &w1, &h1);
    double x1, y1;
    state->transform(x, y, &x1, &y1);
    // Off the page, or nonsense.
    if (x1 + w1 < 0 || x1 > page_width_ || y1 + h1 < 0 || y1 > page_height_ || std::isnan(x1) ||
        std::isnan(y1) || std::isnan(w1) || std::isnan(h1)) {
        return;
    }
    if (std::fabs(w1) < 3 && std::fabs(h1) < 3 && ++tiny_chars_ > 50000) {
        return;
    }
    if (u_len == 1 && is_white_space(u[0])) {
        end_word();
        return;
    }
    if (u_len == 1 && u[0] == 0) {
        return;
    }
    if (u_len == 1 && word_.open && word_.chars > 0 && add_combining(x1, y1, w1, h1, u[0])) {
        return;
    }
    // A new word where this glyph does not follow the last one: a gap, a step back, another
    // baseline or font size, or a glyph drawn over the last (duplicated text).
    if (word_.open && word_.chars > 0) {
        const auto& w = word_;
        double base, gap, delta;
        switch (w.rot) {
            case 0:
                base = y1;
                gap = x1 - w.x_max;
                delta = x1 - w.last_edge;
                break;
            case 1:
                base = x1;
                gap = y1 - w.y_max;
                delta = y1 - w.last_edge;
                break;
            case 2:
                base = y1;
                gap = w.x_min - x1;
                delta = w.last_edge - x1;
                break;
            default:
                base = x1;
                gap = w.y_min - y1;
                delta = w.last_edge - y1;
                break;
        }
        const bool overlap = std::fabs(delta) < dup_max_primary_delta * w.font_size &&
                             std::fabs(base - w.base) < dup_max_secondary_delta * w.font_size;
        if (overlap || last_overlap_ || gap < -min_dup_break_overlap * w.font_size ||
            gap > min_word_break_space * w.font_size || std::fabs(base - w.base) > 0.5 ||
            font_size_ != w.font_size || wmode_ != w.wmode) {
            end_word();
        }
        last_overlap_ = overlap;
    } else {
        last_overlap_ = false;
    }
    if (u_len == 0) {
        return;
    }
    if (!word_.open) {
        begin_word(state);
    }
    // Drawn backwards (a rotation or mirror): a word of its own, begin and end swapped.
    const int rot = word_.rot;
    if ((rot == 0 && w1 < 0) || (rot == 1 && h1 < 0) || (rot == 2 && w1 > 0) ||
        (rot == 3 && h1 > 0)) {
        end_word();
        begin_word(state);
        x1 += w1;
        y1 += h1;
        w1 = -w1;
        h1 = -h1;
    }
    w1 /= u_len;
    h1 /= u_len;
    for (int i = 0; i < u_len; ++i) {
        add_char(x1 + i * w1, y1 + i * h1, w1, h1, u[i]);
    }
}

// An accent drawn over the last glyph, or a glyph drawn under the last accent: one character
// and its combining mark (base first), as poppler merges them.
bool text_device::add_combining(double x, double y, double dx, double dy, Unicode u) {
    auto& w = word_;
    if (w.wmode != 0 || wmode_ != 0) {
        return false;
    }
    constexpr double max_mid_delta = 0.3;
    constexpr double max_base_delta = 0.4;
    const bool horizontal = w.rot == 0 || w.rot == 2;
    const double edge_mid = (w.last_edge + w.last_end) / 2;
    const double char_mid = horizontal ? x + dx / 2 : y + dy / 2;
    const double char_base = horizontal ? y : x;
    const double max_base = (horizontal ? w.y_max - w.y_min : w.x_max - w.x_min) * max_base_delta;
    const Unicode current = combining_form(u);
    const Unicode previous = combining_form(w.last_char);
    if (current != 0 && is_letter_or_digit(w.last_char)) {
        const double max_mid = std::fabs(w.last_end - w.last_edge) * max_mid_delta;
        if (std::fabs(char_mid - edge_mid) >= max_mid ||
            std::fabs(char_base - w.base) >= max_base) {
            return false;
        }
        append_last(current);
        w.last_edge = edge_mid;
        ++w.chars;
        return true;
    }
    if (previous != 0 && is_letter_or_digit(u)) {
        const double max_mid = std::fabs((horizontal ? dx : dy) * max_mid_delta);
        if (std::fabs(char_mid - edge_mid) >= max_mid ||
            std::fabs(char_base - w.base) >= max_base) {
            return false;
        }
        text_.resize(text_.size() - w.last_char_bytes);
        append_utf8(text_, static_cast<char32_t>(u));
        append_last(previous);
        w.font_size = font_size_;
        extend(x, y, dx, dy);
        w.last_edge = char_mid;  // the mark's place
        ++w.chars;
        return true;
    }
    return false;
}

// Larger files are left to poppler's reads, so that memory stays bounded by its own use.
constexpr std::uint64_t whole_file_bytes = std::uint64_t{32} << 20;

}  // namespace

void extract_pdf(context& ctx, input& in, sink& out) {
    init_poppler();
    if (in.peek(1024).find("%PDF-") == std::string::npos) {
        ctx.fail("not a PDF file");
    }
    // poppler reads a file through pread(2) 256 bytes at a time: a tenth of its time on a
    // compressed PDF. A file up to a few MB is read whole first.
    std::vector<char> data;
    std::unique_ptr<PDFDoc> doc;
    if (in.is_file() && in.size() <= whole_file_bytes) {
        data.resize(static_cast<std::size_t>(in.size()));
        std::size_t got = 0;
        while (got < data.size()) {
            const auto n = in.read(data.data() + got, data.size() - got);
            if (n == 0) {
                break;
            }
            got += n;
        }
        data.resize(got);
        doc = std::make_unique<PDFDoc>(
            new MemStream(data.data(), 0, static_cast<Goffset>(got), Object(objNull)));
    } else if (in.is_file()) {
        doc = std::make_unique<PDFDoc>(std::make_unique<GooString>(in.path().string()));
    } else {
        doc = std::make_unique<PDFDoc>(new MemStream(
            in.bytes().data(), 0, static_cast<Goffset>(in.bytes().size()), Object(objNull)));
    }
    if (!doc->isOk()) {
        if (doc->getErrorCode() == errEncrypted) {
            ctx.fail("encrypted PDF (password required)");
        }
        ctx.fail("not a valid PDF file (corrupt or truncated)");
    }
    font_cache fonts(*doc->getXRef());
    std::string page_text;
    text_device dev(page_text);
    const int pages = doc->getNumPages();
    for (int i = 1; i <= pages && !out.full(); ++i) {
        ctx.check_time();
        Page* page = doc->getPage(i);
        if (page == nullptr) {
            continue;
        }
        fonts.prepare(*page->getResourceDictObject());
        page_text.clear();
        doc->displayPage(&dev, i, 72, 72, 0, false, true, false);
        append_sanitized(out, page_text);
        out.line_break();
    }
    // Tika (PDFBox) ends the text with the document's bookmarks.
    ctx.check_time();
    if (auto* toc = doc->getOutline(); toc != nullptr && toc->getItems() != nullptr) {
        outline(*toc->getItems(), out, 0);
    }
}

}  // namespace casio::extract::detail
