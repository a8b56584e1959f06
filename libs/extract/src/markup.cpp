// XML: the character data of every element, a space between elements, as Tika's XML parser gives
// it. (HTML has its own tokenizer: html.cpp.)

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

chunk_reader reader_of(input& in) {
    return [&in](char* buf, std::size_t n) { return in.read(buf, n); };
}

}  // namespace

void extract_xml(context& ctx, input& in, sink& out) {
    xml_text h(out);
    parse_xml(ctx, reader_of(in), h, "malformed XML");
}

}  // namespace casio::extract::detail
