// PDF through poppler-cpp, page by page in content-stream order (what Tika's PDFBox stripper
// gives by default, sortByPosition off), the time cap checked between pages, then the outline's
// titles as Tika appends them.

#include <limits>
#include <memory>
#include <mutex>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <poppler-toc.h>

#include "detail.hpp"

namespace casio::extract::detail {
namespace {

// poppler reports every oddity of a damaged file on stderr; the caller gets one error instead.
void quiet(const std::string&, void*) {}

// The outline's titles, depth first, one per line.
void outline(const poppler::toc_item& item, sink& out, int depth) {
    if (depth > 64) {
        return;
    }
    for (const auto* child : item.children()) {
        if (out.full()) {
            return;
        }
        const auto title = child->title().to_utf8();
        append_sanitized(out, std::string_view(title.data(), title.size()));
        out.line_break();
        outline(*child, out, depth + 1);
    }
}

// Larger files are left to poppler's reads, so that memory stays bounded by its own use.
constexpr std::uint64_t whole_file_bytes = std::uint64_t{32} << 20;

void init_poppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function(quiet, nullptr); });
}

}  // namespace

void extract_pdf(context& ctx, input& in, sink& out) {
    init_poppler();
    if (in.peek(1024).find("%PDF-") == std::string::npos) {
        ctx.fail("not a PDF file");
    }
    std::unique_ptr<poppler::document> doc;
    if (in.is_file() && in.size() <= whole_file_bytes) {
        // poppler reads a file through pread(2) 256 bytes at a time: a tenth of its time on a
        // compressed PDF. A file up to a few MB is read whole first; the document owns it.
        poppler::byte_array data(static_cast<std::size_t>(in.size()));
        std::size_t got = 0;
        while (got < data.size()) {
            const auto n = in.read(data.data() + got, data.size() - got);
            if (n == 0) {
                break;
            }
            got += n;
        }
        data.resize(got);
        doc.reset(poppler::document::load_from_data(&data));
    } else if (in.is_file()) {
        doc.reset(poppler::document::load_from_file(in.path().string()));
    } else {
        if (in.size() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
            ctx.fail("PDF too large to read from memory");
        }
        doc.reset(poppler::document::load_from_raw_data(in.bytes().data(),
                                                        static_cast<int>(in.bytes().size())));
    }
    if (!doc) {
        ctx.fail("not a valid PDF file (corrupt or truncated)");
    }
    if (doc->is_locked()) {
        ctx.fail("encrypted PDF (password required)");
    }
    const int pages = doc->pages();
    for (int i = 0; i < pages && !out.full(); ++i) {
        ctx.check_time();
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) {
            continue;
        }
        const auto bytes = page->text(poppler::rectf(), poppler::page::raw_order_layout).to_utf8();
        std::string_view text(bytes.data(), bytes.size());
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
    if (std::unique_ptr<poppler::toc> toc(doc->create_toc()); toc && toc->root()) {
        outline(*toc->root(), out, 0);
    }
}

}  // namespace casio::extract::detail
