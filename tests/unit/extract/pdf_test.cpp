// PDF through poppler: pages in order, and damaged or locked files refused cleanly.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"
#include "support/extract_samples.hpp"

using namespace casio;
using extract::format;
using test::error_of;
using test::extract_both;
namespace samples = casio::test::samples;

TEST_CASE("pdf: the text of every page, in order", "[extract][pdf]") {
    const auto pdf =
        samples::make_pdf({{"Hello PDF world", "Second line (with parens)"}, {"Page two caf\xE9"}});
    CHECK(extract_both(pdf, format::pdf) ==
          "Hello PDF world\nSecond line (with parens)\nPage two caf\xC3\xA9\n");
}

// Glyphs placed one by one (12 pt Helvetica: "B" is 8.004 pt wide, "r" 3.996, "o" 6.672, the
// dieresis 3.996): where words and lines end comes from where the glyphs are.
std::string placed(const std::string& operators) {
    return extract_both(samples::make_pdf_of_content({"BT /F1 12 Tf " + operators + " ET"}),
                        format::pdf);
}

TEST_CASE("pdf: words and lines from where the glyphs sit", "[extract][pdf]") {
    // "Hello" ends at 99.336: a gap of a tenth of the font size is kerning, 0.4 is a space.
    CHECK(placed("1 0 0 1 72 700 Tm (Hello) Tj 1 0 0 1 100.5 700 Tm (world) Tj") == "Helloworld\n");
    CHECK(placed("1 0 0 1 72 700 Tm (Hello) Tj 1 0 0 1 104 700 Tm (world) Tj") == "Hello world\n");
    // Another baseline is another line; a superscript is not.
    CHECK(placed("1 0 0 1 72 700 Tm (first) Tj 1 0 0 1 72 686 Tm (second) Tj") ==
          "first\nsecond\n");
    CHECK(placed("1 0 0 1 72 700 Tm (x) Tj 1 0 0 1 80 704 Tm (2) Tj") == "x 2\n");
    // Back to the left margin on the same baseline (a second column drawn first): a new line.
    CHECK(placed("1 0 0 1 300 700 Tm (right) Tj 1 0 0 1 72 700 Tm (left) Tj") == "right\nleft\n");
}

TEST_CASE("pdf: an accent drawn as a glyph of its own joins its letter", "[extract][pdf]") {
    // As TeX sets "Br\"oker": the dieresis over where the o goes, then the o, then the rest.
    CHECK(placed("1 0 0 1 72 700 Tm (Br) Tj 1 0 0 1 85.34 700 Tm (\250) Tj "
                 "1 0 0 1 84 700 Tm (oker) Tj") == "Bro\xCC\x88ker\n");
    // An accent elsewhere stays where it is.
    CHECK(placed("1 0 0 1 72 700 Tm (a \250 b) Tj") == "a \xC2\xA8 b\n");
}

TEST_CASE("pdf: a password-protected file is an error", "[extract][pdf]") {
    const auto pdf = samples::make_pdf({{"secret"}}, true);
    CHECK(error_of(pdf, format::pdf) == "bad.file: encrypted PDF (password required)");
    test::temp_file file(pdf);
    CHECK_THROWS_WITH(extract::extract_file(file.path, format::pdf, {}, "report.pdf"),
                      "report.pdf: encrypted PDF (password required)");
}

TEST_CASE("pdf: not a PDF, or garbage after the header, is an error", "[extract][pdf]") {
    CHECK(error_of("hello", format::pdf) == "bad.file: not a PDF file");
    CHECK(error_of(samples::make_zip({{"a", "b"}}), format::pdf) == "bad.file: not a PDF file");
    const auto text = error_of("%PDF-1.4\ngarbage garbage\n%%EOF", format::pdf);
    CHECK(text == "bad.file: not a valid PDF file (corrupt or truncated)");
}

TEST_CASE("pdf: every prefix of a file gives text or an error, never a crash", "[extract][pdf]") {
    const auto pdf = samples::make_pdf({{"Alpha beta"}, {"Gamma delta"}});
    int texts = 0, errors = 0;
    for (std::size_t n = 0; n <= pdf.size(); ++n) {
        try {
            const auto r = extract::extract_bytes(std::string_view(pdf).substr(0, n), format::pdf);
            CHECK(test::valid_utf8(r.text));
            ++texts;
        } catch (const extract::extract_error&) {
            ++errors;
        }
    }
    CHECK(errors > 0);
    CHECK(texts > 0);  // poppler rebuilds a lost xref table
}

TEST_CASE("pdf: damaged bytes in the middle give text or an error", "[extract][pdf]") {
    const auto pdf = samples::make_pdf({{"Alpha beta"}, {"Gamma delta"}});
    for (std::size_t at = 0; at < pdf.size(); at += 7) {
        auto bad = pdf;
        bad[at] = static_cast<char>(bad[at] ^ 0x5A);
        std::string text;
        try {
            text = extract::extract_bytes(bad, format::pdf).text;
        } catch (const extract::extract_error&) {
        }
        CHECK(test::valid_utf8(text));
    }
}

TEST_CASE("pdf: the output cap stops between or within pages", "[extract][pdf]") {
    const auto pdf = samples::make_pdf({{"0123456789"}, {"abcdefghij"}, {"klmnopqrst"}});
    extract::limits l;
    l.max_output_chars = 15;
    const auto r = extract::extract_bytes(pdf, format::pdf, l);
    CHECK(r.truncated);
    CHECK(r.text == "0123456789\nabcd");
}

TEST_CASE("pdf: several files at once from several threads", "[extract][pdf][threads]") {
    std::vector<std::string> pdfs;
    for (int i = 0; i < 8; ++i) {
        pdfs.push_back(samples::make_pdf({{"Document " + std::to_string(i)}, {"second page"}}));
    }
    std::vector<std::string> texts(pdfs.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < pdfs.size(); ++i) {
        threads.emplace_back([&, i] {
            for (int k = 0; k < 20; ++k) {
                texts[i] = extract::extract_bytes(pdfs[i], format::pdf).text;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (std::size_t i = 0; i < pdfs.size(); ++i) {
        CHECK(texts[i] == "Document " + std::to_string(i) + "\nsecond page\n");
    }
}

namespace {

// A PDF of the given objects (object i + 1), a correct xref table, the catalog as object 1.
std::string pdf_of(const std::vector<std::string>& objects) {
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const auto xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (const auto off : offsets) {
        char entry[21];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
        pdf += entry;
    }
    return pdf + "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
}

// A stream object of `data`, hex-encoded behind an ASCIIHexDecode filter.
std::string hex_stream(const std::string& data) {
    std::string hex;
    for (const unsigned char c : data) {
        static constexpr char digits[] = "0123456789ABCDEF";
        hex += digits[c >> 4];
        hex += digits[c & 15];
    }
    hex += '>';
    return "<< /Length " + std::to_string(hex.size()) + " /Filter /ASCIIHexDecode >>\nstream\n" +
           hex + "\nendstream";
}

std::string plain_stream(const std::string& data) {
    return "<< /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

}  // namespace

TEST_CASE("pdf: a font whose glyphs have text only through its ToUnicode map, on every page",
          "[extract][pdf]") {
    // The font's streams (ToUnicode map, embedded program) are read once for the document, and
    // every page and form using the font, under any name, gets the same text.
    const std::string cmap =
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Custom def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        "5 beginbfchar <01> <0063> <02> <0061> <03> <0066> <04> <00E9> <05> <0073> endbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n";
    const auto page = [](int contents, const std::string& resources) {
        return "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << " + resources +
               " >> /Contents " + std::to_string(contents) + " 0 R >>";
    };
    const auto pdf = pdf_of({
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [12 0 R 13 0 R 14 0 R] /Count 3 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Custom /FirstChar 1 /LastChar 5 /Widths 4 0 "
        "R /Encoding 5 0 R /ToUnicode 6 0 R /FontDescriptor 7 0 R >>",
        "[500 500 500 500 500]",
        "<< /Type /Encoding /Differences [1 /g1 /g2 /g3 /g4 /g5] >>",
        hex_stream(cmap),
        "<< /Type /FontDescriptor /FontName /Custom /Flags 4 /FontBBox [0 0 1000 1000] "
        "/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile 8 0 R >>",
        hex_stream("%!PS-AdobeFont-1.0: Custom\nnot really a font program\n"),
        plain_stream("BT /F1 12 Tf 72 720 Td <01020304> Tj ET"),
        plain_stream("BT /F7 12 Tf 72 720 Td <0102030405> Tj ET"),
        "<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F2 3 0 R "
        ">> >> /Length 38 >>\nstream\nBT /F2 12 Tf 72 700 Td <050203> Tj ET\nendstream",
        page(9, "/Font << /F1 3 0 R >>"),
        page(10, "/Font << /F7 3 0 R >>"),
        page(15, "/XObject << /X1 11 0 R >>"),
        plain_stream("q /X1 Do Q"),
    });
    CHECK(extract_both(pdf, format::pdf) == "caf\xC3\xA9\ncaf\xC3\xA9s\nsaf\n");
}
