// Finding a file's format from its content (the extraction service's clients send no name).
#include <catch2/catch.hpp>
#include <fstream>

#include <casio/extract/extract.hpp>

#include "support/extract_samples.hpp"

namespace ex = casio::extract;
namespace samples = casio::test::samples;

namespace {

ex::format sniff(const std::string& bytes) {
    const std::string_view b = bytes;
    return ex::sniff_format(b.substr(0, 4096),
                            b.substr(b.size() - std::min<std::size_t>(b.size(), 65536)));
}

}  // namespace

TEST_CASE("the format of a file is found from its content", "[extract][sniff]") {
    CHECK(sniff(samples::make_pdf({{"page one"}})) == ex::format::pdf);
    CHECK(sniff(samples::make_docx({{"a paragraph"}, "", "", ""})) == ex::format::docx);
    CHECK(sniff(samples::make_xlsx({{"Sheet1", {}}})) == ex::format::xlsx);
    CHECK(sniff(samples::make_pptx({{{"a slide"}, ""}})) == ex::format::pptx);
    CHECK(sniff(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0')) ==
          ex::format::docx);  // OLE: read as docx, which refuses it as encrypted or legacy
    CHECK(sniff("{\\rtf1\\ansi hello}") == ex::format::rtf);
    CHECK(sniff("\xEF\xBB\xBF  <!DOCTYPE html>\n<HTML><body>x</body></HTML>") == ex::format::html);
    CHECK(sniff("<?xml version=\"1.0\"?><doc>x</doc>") == ex::format::xml);
    CHECK(sniff("  {\"a\": 1}") == ex::format::json);
    CHECK(sniff("plain words") == ex::format::text);
    CHECK(sniff("") == ex::format::text);
}

TEST_CASE("a sniffed body extracts as the named file does", "[extract][sniff]") {
    const auto docx = samples::make_docx({{"first paragraph", "second"}, "", "", ""});
    const auto by_name = ex::extract_bytes(docx, ex::format_of("x.docx")).text;
    CHECK(ex::extract_bytes(docx, sniff(docx)).text == by_name);
    const auto path = std::filesystem::temp_directory_path() / "casio-sniff-test-file";
    std::ofstream(path, std::ios::binary) << docx;
    CHECK(ex::sniff_file(path) == ex::format::docx);
    std::filesystem::remove(path);
}
