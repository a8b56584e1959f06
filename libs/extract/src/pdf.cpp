// PDF through poppler's core API (libpoppler-private-dev; the installed poppler's own headers):
// page by page in content-stream order (what Tika's PDFBox stripper gives by default,
// sortByPosition off), the time cap checked between pages, then the outline's titles as Tika
// appends them.
//
// poppler builds a page's fonts anew for every page it displays, decoding each embedded font
// program (and ToUnicode map) from its compressed stream again: on a manual of a few hundred
// pages that was over half the time. PDFBox keeps a document's fonts. Here, before a page is
// displayed, the font streams its resources refer to are decoded once and put back into the
// document's cross-reference table as plain in-memory streams, and the fonts' dictionaries are
// kept there as first read, so that later pages only read them.

#include <GlobalParams.h>
#include <Outline.h>
#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <TextOutputDev.h>
#include <XRef.h>
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

void append_page(void* stream, const char* text, int len) {
    static_cast<std::string*>(stream)->append(text, static_cast<std::size_t>(len));
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
    const int pages = doc->getNumPages();
    for (int i = 1; i <= pages && !out.full(); ++i) {
        ctx.check_time();
        Page* page = doc->getPage(i);
        if (page == nullptr) {
            continue;
        }
        fonts.prepare(*page->getResourceDictObject());
        page_text.clear();
        {
            TextOutputDev dev(append_page, &page_text, false, 0, true, false);
            if (!dev.isOk()) {
                continue;
            }
            doc->displayPage(&dev, i, 72, 72, 0, false, true, false);
        }
        std::string_view text(page_text);
        // poppler ends each page with a line break and a form feed.
        while (!text.empty() &&
               (text.back() == '\f' || text.back() == '\n' || text.back() == '\r')) {
            text.remove_suffix(1);
        }
        append_sanitized(out, text);
        out.line_break();
    }
    // Tika (PDFBox) ends the text with the document's bookmarks.
    ctx.check_time();
    if (auto* toc = doc->getOutline(); toc != nullptr && toc->getItems() != nullptr) {
        outline(*toc->getItems(), out, 0);
    }
}

}  // namespace casio::extract::detail
