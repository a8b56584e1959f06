// XML: the character data of every element, a space between elements, as Tika's XML parser gives
// it. HTML: the body's text without scripts and styles; block elements and <br> end a line. The
// <title> is left out, as Tika's content (Elasticsearch's attachment.content) leaves it out: Tika
// reports it as metadata.

#include <algorithm>
#include <array>

#include <casio/core/text.hpp>

#include "detail.hpp"
#include "sax.hpp"

namespace casio::extract::detail {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

class xml_text : public sax_handler {
  public:
    explicit xml_text(sink& out) : out_(out) {}
    // Tika's XML parser puts a space before every element, so that <a>one</a><b>two</b> is two
    // words; one is enough where the text already ends in white space.
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

constexpr std::array<std::string_view, 38> block_elements{
    "address", "article", "aside",  "blockquote", "body", "br",  "caption",  "center",
    "dd",      "details", "dialog", "div",        "dl",   "dt",  "fieldset", "figcaption",
    "figure",  "footer",  "form",   "h1",         "h2",   "h3",  "h4",       "h5",
    "h6",      "header",  "hr",     "li",         "main", "nav", "ol",       "p",
    "pre",     "section", "table",  "title",      "tr",   "ul"};

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
            return n == "aside" || n == "table" || n == "title";
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
static_assert(!is_block("a") && !is_block("td") && !is_block("span") && !is_block("h7"));

enum class html_element { other, block, cell, skipped, head };

// What an element does to the text, looked up once per tag (a page has hundreds of thousands).
// libxml2's HTML parser hands element names over in lower case.
html_element kind_of(std::string_view name) {
    if (name.empty() || name.size() > 10) {
        return html_element::other;
    }
    switch (name[0]) {
        case 'a':
        case 'b':
        case 'c':
        case 'd':
        case 'f':
        case 'h':
        case 'l':
        case 'm':
        case 'n':
        case 'o':
        case 'p':
        case 'u':
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
            break;
        default:
            return html_element::other;
    }
    if (name == "head") {
        return html_element::head;
    }
    if (name == "noscript") {
        return html_element::skipped;
    }
    return is_block(name) ? html_element::block : html_element::other;
}

class html_text : public sax_handler {
  public:
    explicit html_text(sink& out) : out_(out) {}

    void start(std::string_view name, const attributes&) override {
        switch (kind_of(name)) {
            case html_element::skipped:
                ++skip_;
                break;
            case html_element::head:
                ++head_;
                break;
            case html_element::block:
                out_.line_break();
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

    void end(std::string_view name) override {
        switch (kind_of(name)) {
            case html_element::skipped:
                skip_ -= skip_ > 0;
                break;
            case html_element::head:
                head_ -= head_ > 0;
                break;
            case html_element::block:
                out_.line_break();
                break;
            default:
                break;
        }
    }

    void text(std::string_view utf8) override {
        // Nothing inside <head> is text; scripts, styles and templates never are.
        if (skip_ == 0 && head_ == 0) {
            // libxml2's HTML parser passes some undecodable bytes through as they are.
            append_sanitized(out_, utf8);
        }
    }
    bool done() const override { return out_.full(); }

  private:
    sink& out_;
    int skip_ = 0;
    int head_ = 0;
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
