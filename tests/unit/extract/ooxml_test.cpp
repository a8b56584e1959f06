// docx, xlsx and pptx: the parts Tika reads, in its order; damaged, encrypted and zip-bomb files
// refused cleanly.
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>
#include <zip.h>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"
#include "support/extract_samples.hpp"

using namespace casio;
using extract::format;
using test::error_of;
using test::extract_both;
namespace samples = casio::test::samples;

namespace {

std::string w_doc(const std::string& body) {
    return std::string(samples::xml_decl) + "<w:document xmlns:w=\"" + samples::w_ns +
           "\" xmlns:r=\"" + samples::rel_ns + "\"><w:body>" + body + "</w:body></w:document>";
}

}  // namespace

TEST_CASE("docx: paragraphs, runs, tabs, breaks and tables", "[extract][docx]") {
    samples::docx_spec d;
    d.paragraphs = {"First paragraph", "Caf\xC3\xA9 & co <ok>"};
    d.extra_body_xml =
        "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
        "<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t></w:r>"
        "<w:r><w:instrText> HYPERLINK \"x\" </w:instrText></w:r>"
        "<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        "<w:r><w:t xml:space=\"preserve\"> d</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>c1</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>c2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
    CHECK(extract_both(samples::make_docx(d), format::docx) ==
          "First paragraph\nCaf\xC3\xA9 & co <ok>\na\tb\nc d\nc1\n\tc2\n\t\n");
}

TEST_CASE("docx: header first, footer last, footnotes after their paragraph", "[extract][docx]") {
    samples::docx_spec d;
    d.paragraphs = {"Body text"};
    d.header = "Page header";
    d.footer = "Page footer";
    CHECK(extract_both(samples::make_docx(d), format::docx) ==
          "Page header\nBody text\nPage footer\n");

    const std::string fn = std::string(samples::xml_decl) + "<w:footnotes xmlns:w=\"" +
                           samples::w_ns +
                           "\"><w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:t>---"
                           "</w:t></w:r></w:p></w:footnote><w:footnote w:id=\"1\"><w:p><w:r>"
                           "<w:t>The note.</w:t></w:r></w:p></w:footnote></w:footnotes>";
    const auto docx = samples::make_zip(
        {{"word/document.xml",
          w_doc("<w:p><w:r><w:t>Claim</w:t></w:r><w:r><w:footnoteReference w:id=\"1\"/></w:r>"
                "</w:p><w:p><w:r><w:t>Next</w:t></w:r></w:p>")},
         {"word/footnotes.xml", fn},
         {"word/_rels/document.xml.rels", samples::rels({{"footnotes", "footnotes.xml"}})}});
    CHECK(extract_both(docx, format::docx) == "Claim [1: The note.] \nNext\n");
}

TEST_CASE("docx: text boxes once, after their paragraph", "[extract][docx]") {
    const auto docx = samples::make_zip(
        {{"word/document.xml",
          w_doc("<w:p><w:r><w:t>Before</w:t></w:r><w:r><mc:AlternateContent "
                "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\">"
                "<mc:Choice Requires=\"wps\"><w:txbxContent><w:p><w:r><w:t>In a box</w:t>"
                "</w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p>"
                "<w:r><w:t>In a box</w:t></w:r></w:p></w:txbxContent></mc:Fallback>"
                "</mc:AlternateContent></w:r><w:r><w:t> after</w:t></w:r></w:p>")}});
    CHECK(extract_both(docx, format::docx) == "Before after\nIn a box\n");
}

TEST_CASE("docx: list numbers, comments, and a section's own header and footer",
          "[extract][docx]") {
    const std::string w = std::string("xmlns:w=\"") + samples::w_ns + "\"";
    const auto numbering =
        std::string(samples::xml_decl) + "<w:numbering " + w +
        "><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>"
        "<w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl><w:lvl w:ilvl=\"1\">"
        "<w:start w:val=\"1\"/><w:numFmt w:val=\"lowerLetter\"/><w:lvlText w:val=\"%1.%2)\"/>"
        "</w:lvl></w:abstractNum><w:num w:numId=\"5\"><w:abstractNumId w:val=\"0\"/></w:num>"
        "</w:numbering>";
    auto item = [](int level, const std::string& text) {
        return "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"" + std::to_string(level) +
               "\"/><w:numId w:val=\"5\"/></w:numPr></w:pPr><w:r><w:t>" + text +
               "</w:t></w:r></w:p>";
    };
    const auto comments = std::string(samples::xml_decl) + "<w:comments " + w +
                          "><w:comment w:id=\"0\" w:author=\"Ann\"><w:p><w:r><w:t>Check this"
                          "</w:t></w:r></w:p></w:comment></w:comments>";
    const auto part = [&](const char* tag, const std::string& text) {
        return std::string(samples::xml_decl) + "<w:" + tag + " " + w + ">" +
               samples::w_paragraphs({text}) + "</w:" + tag + ">";
    };
    const auto docx = samples::make_zip(
        {{"word/document.xml",
          w_doc(item(0, "One") + item(1, "Sub") + item(1, "Sub two") + item(0, "Two") +
                "<w:p><w:pPr><w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId3\"/>"
                "<w:footerReference w:type=\"default\" r:id=\"rId4\"/></w:sectPr></w:pPr>"
                "<w:commentRangeStart w:id=\"0\"/><w:r><w:t>End of section</w:t></w:r>"
                "<w:commentRangeEnd w:id=\"0\"/></w:p>"
                "<w:p><w:r><w:t>Last section</w:t></w:r></w:p>")},
         {"word/numbering.xml", numbering},
         {"word/comments.xml", comments},
         {"word/header1.xml", part("hdr", "Section header")},
         {"word/footer1.xml", part("ftr", "Section footer")},
         {"word/_rels/document.xml.rels", samples::rels({{"numbering", "numbering.xml"},
                                                         {"comments", "comments.xml"},
                                                         {"header", "header1.xml"},
                                                         {"footer", "footer1.xml"}})}});
    CHECK(extract_both(docx, format::docx) ==
          "1. One\n1.a) Sub\n1.b) Sub two\n2. Two\nSection header\nEnd of section\tComment by "
          "Ann: Check this\nSection footer\nLast section\n");
}

TEST_CASE("xlsx: sheets in workbook order, rows as lines, cells tab-separated", "[extract][xlsx]") {
    const auto xlsx = samples::make_xlsx(
        {{"Accounts", {{{"Name"}, {"Amount"}}, {{"Acme & Co"}, {"1234.5", true}}}},
         {"Second", {{{"x"}, {"42", true}, {"y"}}}}});
    CHECK(extract_both(xlsx, format::xlsx) ==
          "Accounts\nName\tAmount\nAcme & Co\t1234.5\nSecond\nx\t42\ty\n");
}

TEST_CASE("xlsx: numbers through their cell's number format, as Tika shows them",
          "[extract][xlsx]") {
    // Each row: a number in General, then in each style below. Expected texts are Tika 3.3.1's.
    const std::vector<std::pair<int, std::string>> styles{{14, ""},
                                                          {15, ""},
                                                          {18, ""},
                                                          {22, ""},
                                                          {3, ""},
                                                          {4, ""},
                                                          {10, ""},
                                                          {11, ""},
                                                          {7, ""},
                                                          {37, ""},
                                                          {164, "yyyy\\-mm\\-dd"},
                                                          {165, "[$\xE2\x82\xAC-407]#,##0.00"},
                                                          {166, "mmmm d, yyyy"},
                                                          {167, "\"Total: \"0"},
                                                          {168, "dddd"},
                                                          {169, "0.0%"}};
    const std::vector<std::string> values{"45292.75", "0.30000000000000004", "-1234.5", "0.125"};
    samples::sheet s{"Formats", {}};
    for (const auto& v : values) {
        std::vector<samples::cell> row{{v, true}};
        for (std::size_t i = 0; i < styles.size(); ++i) {
            // Negative numbers are no dates: only the number formats for -1234.5.
            const bool date = i < 4 || i == 10 || i == 12 || i == 14;
            row.push_back({date && v[0] == '-' ? "1" : v, true, static_cast<int>(i + 1)});
        }
        s.rows.push_back(std::move(row));
    }
    const auto text = extract_both(samples::make_xlsx({s}, styles), format::xlsx);
    CHECK(text ==
          "Formats\n"
          "45292.75\t1/1/24\t1-Jan-24\t6:00 PM\t1/1/24 18:00\t45,293\t45,292.75\t4529275.00%\t"
          "4.53E+04\t$45,292.75\t45,293\t2024-01-01\t\xE2\x82\xAC"
          "45,292.75\t"
          "January 1, 2024\tTotal: 45293\tMonday\t4529275.0%\n"
          "0.3\t12/31/99\t31-Dec-99\t7:12 AM\t12/31/99 7:12\t0\t0.30\t30.00%\t3.00E-01\t"
          "$0.30\t0\t1899-12-31\t\xE2\x82\xAC"
          "0.30\tDecember 31, 1899\tTotal: 0\tSunday\t"
          "30.0%\n"
          "-1234.5\t1/1/00\t1-Jan-00\t12:00 AM\t1/1/00 0:00\t-1,235\t-1,234.50\t-123450.00%\t"
          "-1.23E+03\t($1,234.50)\t(1,235)\t1900-01-01\t-\xE2\x82\xAC"
          "1,234.50\t"
          "January 1, 1900\t-Total: 1235\tMonday\t-123450.0%\n"
          "0.125\t12/31/99\t31-Dec-99\t3:00 AM\t12/31/99 3:00\t0\t0.13\t12.50%\t1.25E-01\t"
          "$0.13\t0\t1899-12-31\t\xE2\x82\xAC"
          "0.13\tDecember 31, 1899\tTotal: 0\tSunday\t"
          "12.5%\n");
    // Without a style sheet, numbers as written (Tika too).
    CHECK(extract_both(samples::make_xlsx({{"S", {{{"0.30000000000000004", true}}}}}),
                       format::xlsx) == "S\n0.30000000000000004\n");
}

TEST_CASE("xlsx: hostile number formats and values give short text, never a crash",
          "[extract][xlsx]") {
    const std::vector<std::pair<int, std::string>> styles{
        {164, std::string(100000, '0')},
        {165, "0." + std::string(100000, '0')},
        {166, std::string(50000, 'y') + std::string(50000, 'm')},
        {167, "[" + std::string(1000, '$')},
        {168, "\"unterminated"},
        {169, "0.00E+" + std::string(1000, '0')},
        {170, ";;;"},
        {171, "#,##0.00;(#,##0.00);\"-\";@"},
        {172, "yyyy-mm-dd;;"},
        {173, "\\"}};
    samples::sheet s{"S", {}};
    for (const char* v : {"1e308", "-1e308", "5e-324", "nan", "inf", "45292.5", "-0", "1e20"}) {
        std::vector<samples::cell> row;
        for (std::size_t i = 0; i < styles.size(); ++i) {
            row.push_back({v, true, static_cast<int>(i + 1)});
        }
        s.rows.push_back(std::move(row));
    }
    const auto text = extract_both(samples::make_xlsx({s}, styles), format::xlsx);
    CHECK(test::valid_utf8(text));
    CHECK(text.size() < 200000);  // the long date code: one token per run of letters
    CHECK_THAT(text, Catch::Contains("2024"));
}

TEST_CASE("xlsx: inline strings, booleans, formulas and rich shared strings", "[extract][xlsx]") {
    const std::string ns = samples::s_ns;
    const auto xlsx = samples::make_zip(
        {{"xl/workbook.xml", std::string(samples::xml_decl) + "<workbook xmlns=\"" + ns +
                                 "\" xmlns:r=\"" + samples::rel_ns +
                                 "\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
                                 "</sheets></workbook>"},
         {"xl/_rels/workbook.xml.rels", samples::rels({{"worksheet", "worksheets/sheet1.xml"},
                                                       {"sharedStrings", "sharedStrings.xml"}})},
         {"xl/sharedStrings.xml", "<sst xmlns=\"" + ns +
                                      "\"><si><r><t>Rich </t></r><r><t>text</t></r>"
                                      "<rPh><t>phonetic</t></rPh></si></sst>"},
         {"xl/worksheets/sheet1.xml",
          "<worksheet xmlns=\"" + ns +
              "\"><sheetData><row r=\"1\">"
              "<c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" "
              "t=\"inlineStr\"><is><t>inline</t></is></c>"
              "<c r=\"C1\" t=\"b\"><v>1</v></c><c r=\"D1\"><f>1+1</f><v>2</v></c>"
              "<c r=\"E1\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c><c r=\"F1\"/></row>"
              "</sheetData></worksheet>"}});
    CHECK(extract_both(xlsx, format::xlsx) == "S\nRich text\tinline\tTRUE\t2\tab\n");
}

TEST_CASE("pptx: slides in presentation order, each followed by its notes", "[extract][pptx]") {
    const auto pptx = samples::make_pptx({{{"Title one", "Bullet a"}, "Speaker notes"},
                                          {{"Slide two"}, ""},
                                          {{"Slide three"}, ""},
                                          {{"Slide four"}, ""},
                                          {{"Slide five"}, ""},
                                          {{"Slide six"}, ""},
                                          {{"Slide seven"}, ""},
                                          {{"Slide eight"}, ""},
                                          {{"Slide nine"}, ""},
                                          {{"Slide ten"}, ""}});
    CHECK(extract_both(pptx, format::pptx) ==
          "Title one\nBullet a\nSpeaker notes\nSlide two\nSlide three\nSlide four\nSlide "
          "five\nSlide six\nSlide seven\nSlide eight\nSlide nine\nSlide ten\n");
}

TEST_CASE("ooxml: an OLE compound file is encrypted or legacy", "[extract][ooxml]") {
    std::string ole("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    ole += std::string(4096, '\0');
    for (const auto f : {format::docx, format::xlsx, format::pptx}) {
        CHECK(error_of(ole, f) ==
              "bad.file: encrypted or legacy Office file (OLE compound document)");
    }
}

TEST_CASE("ooxml: not a zip, or a zip without the main part", "[extract][ooxml]") {
    CHECK_THAT(error_of("plain text, not a zip", format::docx),
               Catch::StartsWith("bad.file: not a valid docx (zip) file"));
    CHECK_THAT(error_of("", format::xlsx),
               Catch::StartsWith("bad.file: not a valid xlsx (zip) file"));
    const auto zip = samples::make_zip({{"hello.txt", "hi"}});
    CHECK(error_of(zip, format::docx) ==
          "bad.file: not a valid docx file: word/document.xml is missing");
    CHECK(error_of(zip, format::xlsx) ==
          "bad.file: not a valid xlsx file: xl/workbook.xml is missing");
    CHECK(error_of(zip, format::pptx) ==
          "bad.file: not a valid pptx file: ppt/presentation.xml is missing");
    const auto broken = samples::make_zip({{"word/document.xml", "<w:document><w:body>"}});
    CHECK_THAT(error_of(broken, format::docx),
               Catch::StartsWith("bad.file: malformed word/document.xml: line 1: "));
}

TEST_CASE("ooxml: every prefix of a docx gives text or an error, never a crash",
          "[extract][ooxml]") {
    samples::docx_spec d;
    d.paragraphs = {"Alpha", "Beta"};
    d.header = "Head";
    const auto docx = samples::make_docx(d);
    int errors = 0;
    for (std::size_t n = 0; n < docx.size(); ++n) {
        const auto prefix = std::string_view(docx).substr(0, n);
        CHECK_THROWS_AS(extract::extract_bytes(prefix, format::docx), extract::extract_error);
        ++errors;
    }
    CHECK(extract_both(docx, format::docx) == "Head\nAlpha\nBeta\n");
}

TEST_CASE("ooxml: flipped bytes give text or an error, never a crash", "[extract][ooxml]") {
    const auto xlsx = samples::make_xlsx({{"S", {{{"a"}, {"1", true}}}}});
    for (std::size_t at = 0; at < xlsx.size(); ++at) {
        auto bad = xlsx;
        bad[at] = static_cast<char>(bad[at] ^ 0x41);
        std::string text;
        try {
            text = extract::extract_bytes(bad, format::xlsx).text;
        } catch (const extract::extract_error&) {
        }
        CHECK(test::valid_utf8(text));
    }
}

namespace {

// A zip with one entry of `size` bytes, deflated, produced without holding them: `head`, then
// `fill` bytes (zeros, or spaces that keep an XML parser reading).
std::string bomb_zip(const char* name, std::uint64_t size, std::string_view head, char fill) {
    struct state {
        std::uint64_t size;
        std::uint64_t left;
        std::string_view head;
        char fill;
    } st{size, size, head, fill};
    auto cb = [](void* ud, void* data, zip_uint64_t len, zip_source_cmd_t cmd) -> zip_int64_t {
        auto* s = static_cast<state*>(ud);
        switch (cmd) {
            case ZIP_SOURCE_OPEN:
                s->left = s->size;
                return 0;
            case ZIP_SOURCE_READ: {
                const auto n = std::min<std::uint64_t>(len, s->left);
                const auto at = s->size - s->left;
                auto* bytes = static_cast<char*>(data);
                for (std::uint64_t i = 0; i < n; ++i) {
                    bytes[i] = at + i < s->head.size() ? s->head[at + i] : s->fill;
                }
                s->left -= n;
                return static_cast<zip_int64_t>(n);
            }
            case ZIP_SOURCE_CLOSE:
                return 0;
            case ZIP_SOURCE_STAT: {
                auto* zs = static_cast<zip_stat_t*>(data);
                zip_stat_init(zs);
                zs->size = s->size;
                zs->valid |= ZIP_STAT_SIZE;
                return sizeof(zip_stat_t);
            }
            case ZIP_SOURCE_FREE:
                return 0;
            case ZIP_SOURCE_SUPPORTS:
                return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
                                                      ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                                      ZIP_SOURCE_FREE, -1);
            default:
                return -1;
        }
    };
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
    zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &err);
    zip_source_keep(out);
    zip_source_t* src = zip_source_function(za, cb, &st);
    zip_file_add(za, name, src, 0);
    zip_set_file_compression(za, 0, ZIP_CM_DEFLATE, 9);
    REQUIRE(zip_close(za) == 0);
    std::string bytes;
    zip_source_open(out);
    zip_source_seek(out, 0, SEEK_END);
    bytes.resize(static_cast<std::size_t>(zip_source_tell(out)));
    zip_source_seek(out, 0, SEEK_SET);
    zip_source_read(out, bytes.data(), bytes.size());
    zip_source_close(out);
    zip_source_free(out);
    return bytes;
}

}  // namespace

TEST_CASE("ooxml: a zip bomb stops at max_unpacked_bytes", "[extract][ooxml]") {
    // 200 MB of blanks inside an open element: the parser reads on until the cap.
    const auto bomb = bomb_zip("word/document.xml", 200ull << 20,
                               std::string("<w:document xmlns:w=\"") + samples::w_ns + "\">", ' ');
    CHECK(bomb.size() < 1'000'000);  // 200 MB in a few hundred KB
    extract::limits l;
    l.max_unpacked_bytes = 50ull << 20;
    CHECK(error_of(bomb, format::docx, l) ==
          "bad.file: zip bomb?: more than 52428800 bytes unpacked");
    test::temp_file file(bomb, "bomb.docx");
    CHECK_THROWS_WITH(extract::extract_file(file.path, format::docx, l),
                      Catch::EndsWith(": zip bomb?: more than 52428800 bytes unpacked"));
    // Zeros are not XML: refused at the first chunk, long before the cap.
    const auto zeros = bomb_zip("word/document.xml", 200ull << 20, "", '\0');
    CHECK_THAT(error_of(zeros, format::docx), Catch::Contains("malformed word/document.xml"));
}

TEST_CASE("ooxml: the output cap stops a long document", "[extract][ooxml]") {
    samples::docx_spec d;
    for (int i = 0; i < 1000; ++i) {
        d.paragraphs.push_back("paragraph number " + std::to_string(i));
    }
    d.footer = "footer";
    extract::limits l;
    l.max_output_chars = 100;
    const auto r = extract::extract_bytes(samples::make_docx(d), format::docx, l);
    CHECK(r.truncated);
    CHECK(r.text.size() == 100);
    CHECK(r.text.starts_with("paragraph number 0\nparagraph number 1\n"));
}

TEST_CASE("ooxml: several files at once from several threads", "[extract][ooxml][threads]") {
    std::vector<std::thread> threads;
    std::vector<std::string> texts(6);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        threads.emplace_back([&, i] {
            samples::docx_spec d;
            d.paragraphs = {"Doc " + std::to_string(i)};
            const auto docx = samples::make_docx(d);
            for (int k = 0; k < 50; ++k) {
                texts[i] = extract::extract_bytes(docx, format::docx).text;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        CHECK(texts[i] == "Doc " + std::to_string(i) + "\n");
    }
}

TEST_CASE("xlsx: comments, headers and footers, shapes and hyperlinks after the rows",
          "[extract][xlsx]") {
    const std::string ns = samples::s_ns;
    const std::string a = samples::a_ns;
    const auto xlsx = samples::make_zip(
        {{"xl/workbook.xml",
          std::string(samples::xml_decl) + "<workbook xmlns=\"" + ns + "\" xmlns:r=\"" +
              samples::rel_ns +
              "\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
         {"xl/_rels/workbook.xml.rels", samples::rels({{"worksheet", "worksheets/sheet1.xml"}})},
         {"xl/worksheets/sheet1.xml",
          "<worksheet xmlns=\"" + ns +
              "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>cell</t></is></c>"
              "<c r=\"B1\"><v>7</v></c></row></sheetData><headerFooter><oddHeader>&amp;L&amp;"
              "\"Arial,Bold\"&amp;12Left head&amp;CPage &amp;P</oddHeader><oddFooter>Foot "
              "&amp;&amp; more</oddFooter></headerFooter></worksheet>"},
         {"xl/worksheets/_rels/sheet1.xml.rels",
          "<Relationships xmlns=\"" + std::string(samples::pkg_rel_ns) +
              "\"><Relationship Id=\"rId1\" Type=\"" + samples::rel_ns +
              "/comments\" Target=\"../comments1.xml\"/><Relationship Id=\"rId2\" Type=\"" +
              samples::rel_ns +
              "/drawing\" Target=\"../drawings/drawing1.xml\"/><Relationship Id=\"rId3\" "
              "Type=\"" +
              samples::rel_ns +
              "/hyperlink\" Target=\"https://example.com/x\" TargetMode=\"External\"/>"
              "</Relationships>"},
         {"xl/comments1.xml",
          "<comments xmlns=\"" + ns +
              "\"><authors><author>Bob</author></authors><commentList><comment ref=\"B1\" "
              "authorId=\"0\"><text><r><t>Seven?</t></r></text></comment></commentList>"
              "</comments>"},
         {"xl/drawings/drawing1.xml",
          "<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/"
          "spreadsheetDrawing\" xmlns:a=\"" +
              a +
              "\"><xdr:twoCellAnchor><xdr:sp><xdr:txBody><a:p><a:r><a:t>Shape text</a:t>"
              "</a:r></a:p></xdr:txBody></xdr:sp></xdr:twoCellAnchor></xdr:wsDr>"}});
    CHECK(extract_both(xlsx, format::xlsx) ==
          "S\ncell\t7\nBob: Seven?\n&\"Arial,Bold\"&12Left head\tPage &P\t\nShape "
          "text\nhttps://example.com/x\n");
}

TEST_CASE("xlsx: headers and footers in sections with their codes, as Tika writes them",
          "[extract][xlsx]") {
    const std::string ns = samples::s_ns;
    const auto xlsx = samples::make_zip(
        {{"xl/workbook.xml",
          std::string(samples::xml_decl) + "<workbook xmlns=\"" + ns + "\" xmlns:r=\"" +
              samples::rel_ns +
              "\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
         {"xl/_rels/workbook.xml.rels", samples::rels({{"worksheet", "worksheets/sheet1.xml"}})},
         {"xl/worksheets/sheet1.xml",
          "<worksheet xmlns=\"" + ns +
              "\"><sheetData/><headerFooter><oddHeader>Plain odd head</oddHeader><oddFooter>"
              "&amp;CFoot &amp;&amp; more</oddFooter><evenHeader>&amp;LEven head</evenHeader>"
              "<evenFooter>&amp;REven foot</evenFooter><firstHeader>&amp;\"DejaVu Serif,Book\""
              "&amp;12&amp;A</firstHeader></headerFooter></worksheet>"}});
    // Tika 3.3.1's text: headers in order, then footers; a plain text is not shown.
    CHECK(extract_both(xlsx, format::xlsx) ==
          "S\nEven head\t\t\n&\"DejaVu Serif,Book\"&12&A\t\nFoot && more\t\nEven foot\n");
}

TEST_CASE("pptx: layout and master text but not their placeholders, notes, comments",
          "[extract][pptx]") {
    const std::string ns = std::string("xmlns:a=\"") + samples::a_ns + "\" xmlns:r=\"" +
                           samples::rel_ns + "\" xmlns:p=\"" + samples::p_ns + "\"";
    auto shape = [](bool placeholder, const std::string& text) {
        return std::string("<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"x\"/><p:cNvSpPr/><p:nvPr>") +
               (placeholder ? "<p:ph type=\"title\"/>" : "") +
               "</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>" + text +
               "</a:t></a:r></a:p></p:txBody></p:sp>";
    };
    auto sheet = [&](const char* root, const std::string& shapes) {
        return std::string(samples::xml_decl) + "<p:" + root + " " + ns + "><p:cSld><p:spTree>" +
               shapes + "</p:spTree></p:cSld></p:" + root + ">";
    };
    const auto pptx = samples::make_zip(
        {{"ppt/presentation.xml",
          std::string(samples::xml_decl) + "<p:presentation " + ns +
              "><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst></p:presentation>"},
         {"ppt/_rels/presentation.xml.rels",
          samples::rels(
              {{"slide", "slides/slide1.xml"}, {"commentAuthors", "commentAuthors.xml"}})},
         {"ppt/slides/slide1.xml", sheet("sld", shape(true, "Real title") + shape(false, "Body"))},
         {"ppt/slides/_rels/slide1.xml.rels",
          samples::rels({{"slideLayout", "../slideLayouts/slideLayout1.xml"},
                         {"notesSlide", "../notesSlides/notesSlide1.xml"},
                         {"comments", "../comments/comment1.xml"}})},
         {"ppt/slideLayouts/slideLayout1.xml",
          sheet("sldLayout", shape(true, "Click to add title") + shape(false, "Layout logo"))},
         {"ppt/slideLayouts/_rels/slideLayout1.xml.rels",
          samples::rels({{"slideMaster", "../slideMasters/slideMaster1.xml"}})},
         {"ppt/slideMasters/slideMaster1.xml",
          sheet("sldMaster", shape(true, "Master title style") + shape(false, "Confidential"))},
         {"ppt/notesSlides/notesSlide1.xml", sheet("notes", shape(true, "Say this"))},
         {"ppt/commentAuthors.xml",
          std::string(samples::xml_decl) + "<p:cmAuthorLst " + ns +
              "><p:cmAuthor id=\"1\" name=\"Ann Lee\" initials=\"AL\"/></p:cmAuthorLst>"},
         {"ppt/comments/comment1.xml",
          std::string(samples::xml_decl) + "<p:cmLst " + ns +
              "><p:cm authorId=\"1\"><p:text>Fix the title</p:text></p:cm></p:cmLst>"}});
    CHECK(extract_both(pptx, format::pptx) ==
          "Real title\nBody\nLayout logo\nConfidential\nSay this\nAnn Lee (AL) - Fix the title\n");
}

TEST_CASE("ooxml: flipped bytes in a docx and a pptx, never a crash", "[extract][ooxml]") {
    samples::docx_spec d;
    d.paragraphs = {"Alpha", "Beta"};
    d.header = "Head";
    const auto docx = samples::make_docx(d);
    const auto pptx = samples::make_pptx({{{"Title", "Body"}, "Notes"}});
    for (const auto& [doc, f] : {std::pair{docx, format::docx}, std::pair{pptx, format::pptx}}) {
        for (std::size_t at = 0; at < doc.size(); at += 3) {
            auto bad = doc;
            bad[at] = static_cast<char>(bad[at] ^ 0x24);
            std::string text;
            try {
                text = extract::extract_bytes(bad, f).text;
            } catch (const extract::extract_error&) {
            }
            CHECK(test::valid_utf8(text));
        }
    }
}
