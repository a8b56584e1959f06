// XML: the character data of every element, as Tika's XML parser gives it. HTML: the title and
// the body's text without scripts and styles; block elements and <br> end a line.

#include <array>

#include <casio/core/text.hpp>

#include "detail.hpp"
#include "sax.hpp"

namespace casio::extract::detail {
namespace {

class xml_text : public sax_handler {
  public:
    explicit xml_text(sink& out) : out_(out) {}
    void start(std::string_view, const char* const*) override {}
    void end(std::string_view) override {}
    void text(std::string_view utf8) override { out_.append(utf8); }
    bool done() const override { return out_.full(); }

  private:
    sink& out_;
};

constexpr std::array<std::string_view, 38> block_elements{
    "address", "article", "aside",  "blockquote", "body", "br",  "caption",  "center",
    "dd",      "details", "dialog", "div",        "dl",   "dt",  "fieldset", "figcaption",
    "figure",  "footer",  "form",   "h1",         "h2",   "h3",  "h4",       "h5",
    "h6",      "header",  "hr",     "li",         "main", "nav", "ol",       "p",
    "pre",     "section", "table",  "title",      "tr",   "ul"};

bool is_block(std::string_view name) {
    for (const auto b : block_elements) {
        if (core::iequals(name, b)) {
            return true;
        }
    }
    return false;
}

bool is_skipped(std::string_view name) {
    return core::iequals(name, "script") || core::iequals(name, "style") ||
           core::iequals(name, "noscript") || core::iequals(name, "template");
}

class html_text : public sax_handler {
  public:
    explicit html_text(sink& out) : out_(out) {}

    void start(std::string_view name, const char* const*) override {
        if (is_skipped(name)) {
            ++skip_;
        } else if (core::iequals(name, "head")) {
            ++head_;
        } else if (core::iequals(name, "title")) {
            in_title_ = true;
        }
        if (is_block(name)) {
            out_.line_break();
        } else if (core::iequals(name, "td") || core::iequals(name, "th")) {
            if (!out_.empty() && out_.text().back() != '\n') {
                out_.append('\t');
            }
        }
    }

    void end(std::string_view name) override {
        if (is_skipped(name)) {
            skip_ -= skip_ > 0;
        } else if (core::iequals(name, "head")) {
            head_ -= head_ > 0;
        } else if (core::iequals(name, "title")) {
            in_title_ = false;
        }
        if (is_block(name)) {
            out_.line_break();
        }
    }

    void text(std::string_view utf8) override {
        // Inside <head> only the title is text; scripts, styles and templates never are.
        if (skip_ == 0 && (head_ == 0 || in_title_)) {
            out_.append(utf8);
        }
    }
    bool done() const override { return out_.full(); }

  private:
    sink& out_;
    int skip_ = 0;
    int head_ = 0;
    bool in_title_ = false;
};

chunk_reader reader_of(input& in) {
    return [&in](char* buf, std::size_t n) { return in.read(buf, n); };
}

}  // namespace

void extract_xml(context& ctx, input& in, sink& out) {
    xml_text h(out);
    parse_xml(ctx, reader_of(in), h, "malformed XML");
}

void extract_html(context& ctx, input& in, sink& out) {
    html_text h(out);
    parse_html(ctx, reader_of(in), h);
}

}  // namespace casio::extract::detail
