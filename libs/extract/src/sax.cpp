// libxml2 push parsers: the user data is the parser context itself (so libxml2's own SAX2
// helpers for the internal subset work); the project's handler rides in its _private field.

#include "sax.hpp"

#include <cstring>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <mutex>
#include <string>
#include <vector>

namespace casio::extract::detail {
namespace {

void init_libxml() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

xmlParserCtxtPtr as_ctxt(void* ctx) {
    return static_cast<xmlParserCtxtPtr>(ctx);
}
sax_handler& handler_of(void* ctx) {
    return *static_cast<sax_handler*>(as_ctxt(ctx)->_private);
}

std::string_view sv(const xmlChar* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

// Runs a callback of the handler; an exception stops the parse and is kept for later.
template <class F>
void guarded(void* ctx, F&& f) {
    auto& h = handler_of(ctx);
    if (h.failure) {
        return;
    }
    try {
        f(h);
    } catch (...) {
        h.failure = std::current_exception();
        xmlStopParser(as_ctxt(ctx));
        return;
    }
    if (h.done()) {
        xmlStopParser(as_ctxt(ctx));
    }
}

void on_text(void* ctx, const xmlChar* ch, int len) {
    guarded(ctx, [&](sax_handler& h) {
        h.text(std::string_view(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)));
    });
}

void on_start_ns(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar*, int,
                 const xmlChar**, int nb_attributes, int, const xmlChar** attrs) {
    guarded(ctx, [&](sax_handler& h) {
        h.start(sv(localname),
                attributes::tuples(reinterpret_cast<const char* const*>(attrs), nb_attributes));
    });
}

void on_end_ns(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar*) {
    guarded(ctx, [&](sax_handler& h) { h.end(sv(localname)); });
}

void quiet(void*, const char*, ...) {}
void quiet_structured(void*, xmlErrorPtr) {}

// libxml2 reports some errors (encoding errors among them) through its per-thread generic
// handlers, which print to stderr by default: this thread's are silenced before each parse.
void silence_this_thread() {
    xmlSetGenericErrorFunc(nullptr, quiet);
    xmlSetStructuredErrorFunc(nullptr, quiet_structured);
}

struct ctxt_deleter {
    void operator()(xmlParserCtxtPtr c) const noexcept {
        if (c->myDoc) {
            xmlFreeDoc(c->myDoc);
            c->myDoc = nullptr;
        }
        xmlFreeParserCtxt(c);
    }
};
using ctxt_ptr = std::unique_ptr<xmlParserCtxt, ctxt_deleter>;

std::string last_error(xmlParserCtxtPtr c) {
    const auto* e = xmlCtxtGetLastError(c);
    if (!e || !e->message) {
        return "not well-formed";
    }
    std::string m = e->message;
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) {
        m.pop_back();
    }
    return "line " + std::to_string(e->line) + ": " + m;
}

void feed(context& ctx, const chunk_reader& read, xmlParserCtxtPtr c, sax_handler& h,
          std::string_view what) {
    std::vector<char> buf(chunk_size);
    for (;;) {
        ctx.check_time();
        const auto n = read(buf.data(), buf.size());
        const int rc = xmlParseChunk(c, buf.data(), static_cast<int>(n), n == 0);
        if (h.failure) {
            std::rethrow_exception(h.failure);
        }
        if (h.done()) {
            return;
        }
        if ((rc != 0 || !c->wellFormed)) {
            ctx.fail(std::string(what) + ": " + last_error(c));
        }
        if (n == 0) {
            return;
        }
    }
}

}  // namespace

std::string_view attributes::get(std::string_view name) const {
    for (int i = 0; i < count_; ++i) {
        const char* const* a = data_ + i * 5;
        if (name == a[0]) {
            return std::string_view(a[3], static_cast<std::size_t>(a[4] - a[3]));
        }
    }
    return {};
}

void parse_xml(context& ctx, const chunk_reader& read, sax_handler& h, std::string_view what) {
    init_libxml();
    silence_this_thread();
    xmlSAXHandler sax;
    std::memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start_ns;
    sax.endElementNs = on_end_ns;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    sax.ignorableWhitespace = on_text;
    // The internal subset is kept so internal entities resolve (libxml2 delivers their text
    // through `characters`, within its amplification limits); nothing external is loaded:
    // without XML_PARSE_NOENT or DTDLOAD, external entities are never fetched.
    sax.startDocument = xmlSAX2StartDocument;
    sax.internalSubset = xmlSAX2InternalSubset;
    sax.entityDecl = xmlSAX2EntityDecl;
    sax.getEntity = xmlSAX2GetEntity;
    sax.warning = quiet;
    sax.error = quiet;
    sax.fatalError = quiet;
    sax.serror = quiet_structured;
    // libxml2 needs the first bytes at creation to see a byte-order mark.
    std::vector<char> first(4);
    std::size_t n = 0;
    while (n < first.size()) {
        const auto got = read(first.data() + n, first.size() - n);
        if (got == 0) {
            break;
        }
        n += got;
    }
    ctxt_ptr c(xmlCreatePushParserCtxt(&sax, nullptr, first.data(), static_cast<int>(n), nullptr),
               ctxt_deleter{});
    if (!c) {
        throw std::bad_alloc();
    }
    c->_private = &h;
    xmlCtxtUseOptions(c.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    feed(ctx, read, c.get(), h, what);
}

}  // namespace casio::extract::detail
