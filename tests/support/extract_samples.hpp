#pragma once
// Small, valid documents with known text, generated in memory for the extraction tests and
// benchmarks: a hand-written PDF (Helvetica, WinAnsi strings, a correct xref table) and Office
// Open XML zips built with libzip. Whoever includes this links libzip.

#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <zip.h>

namespace casio::test::samples {

// ---- zip -------------------------------------------------------------------------------------

// A zip archive of (name, content) entries, deflated. One at a time: libzip 1.7's first
// zip_open_from_source fills static masks without a lock, and a second thread's write open
// could then see itself refused as read-only ("Read-only archive").
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    static std::mutex one_at_a_time;
    const std::lock_guard lock(one_at_a_time);
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    if (!za) {
        throw std::runtime_error(std::string("zip_open_from_source failed: ") +
                                 zip_error_strerror(&err));
    }
    zip_source_keep(src);
    for (const auto& [name, content] : entries) {
        zip_source_t* s = zip_source_buffer(za, content.data(), content.size(), 0);
        if (!s || zip_file_add(za, name.c_str(), s, ZIP_FL_OVERWRITE) < 0) {
            throw std::runtime_error("zip_file_add failed");
        }
    }
    if (zip_close(za) < 0) {
        throw std::runtime_error("zip_close failed");
    }
    std::string out;
    zip_source_open(src);
    zip_source_seek(src, 0, SEEK_END);
    out.resize(static_cast<std::size_t>(zip_source_tell(src)));
    zip_source_seek(src, 0, SEEK_SET);
    zip_source_read(src, out.data(), out.size());
    zip_source_close(src);
    zip_source_free(src);
    return out;
}

inline std::string xml_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

constexpr const char* xml_decl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr const char* rel_ns =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr const char* pkg_rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships";

inline std::string rels(const std::vector<std::pair<std::string, std::string>>& type_target) {
    std::string s = std::string(xml_decl) + "<Relationships xmlns=\"" + pkg_rel_ns + "\">";
    int n = 0;
    for (const auto& [type, target] : type_target) {
        s += "<Relationship Id=\"rId" + std::to_string(++n) + "\" Type=\"" + rel_ns + "/" + type +
             "\" Target=\"" + target + "\"/>";
    }
    return s + "</Relationships>";
}

inline std::string content_types(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string s = std::string(xml_decl) +
                    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                    "<Default Extension=\"rels\" ContentType=\"application/"
                    "vnd.openxmlformats-package.relationships+xml\"/>"
                    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>";
    for (const auto& [part, type] : parts) {
        s += "<Override PartName=\"/" + part + "\" ContentType=\"" + type + "\"/>";
    }
    return s + "</Types>";
}

// ---- docx ------------------------------------------------------------------------------------

constexpr const char* w_ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

inline std::string w_paragraphs(const std::vector<std::string>& paragraphs) {
    std::string s;
    for (const auto& p : paragraphs) {
        s += "<w:p><w:r><w:t xml:space=\"preserve\">" + xml_escape(p) + "</w:t></w:r></w:p>";
    }
    return s;
}

struct docx_spec {
    std::vector<std::string> paragraphs;
    std::string header;          // default header's text, if any
    std::string footer;          // default footer's text, if any
    std::string extra_body_xml;  // raw WordprocessingML appended to the body
};

inline std::string make_docx(const docx_spec& d) {
    const std::string ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.";
    std::vector<std::pair<std::string, std::string>> doc_rels;
    std::vector<std::pair<std::string, std::string>> entries;
    std::vector<std::pair<std::string, std::string>> overrides{
        {"word/document.xml", ct + "document.main+xml"}};
    std::string sect = "<w:sectPr>";
    if (!d.header.empty()) {
        doc_rels.emplace_back("header", "header1.xml");
        sect += "<w:headerReference w:type=\"default\" r:id=\"rId" +
                std::to_string(doc_rels.size()) + "\"/>";
        entries.emplace_back("word/header1.xml", std::string(xml_decl) + "<w:hdr xmlns:w=\"" +
                                                     w_ns + "\">" + w_paragraphs({d.header}) +
                                                     "</w:hdr>");
        overrides.emplace_back("word/header1.xml", ct + "header+xml");
    }
    if (!d.footer.empty()) {
        doc_rels.emplace_back("footer", "footer1.xml");
        sect += "<w:footerReference w:type=\"default\" r:id=\"rId" +
                std::to_string(doc_rels.size()) + "\"/>";
        entries.emplace_back("word/footer1.xml", std::string(xml_decl) + "<w:ftr xmlns:w=\"" +
                                                     w_ns + "\">" + w_paragraphs({d.footer}) +
                                                     "</w:ftr>");
        overrides.emplace_back("word/footer1.xml", ct + "footer+xml");
    }
    sect += "</w:sectPr>";
    const std::string document = std::string(xml_decl) + "<w:document xmlns:w=\"" + w_ns +
                                 "\" xmlns:r=\"" + rel_ns + "\"><w:body>" +
                                 w_paragraphs(d.paragraphs) + d.extra_body_xml + sect +
                                 "</w:body></w:document>";
    entries.emplace_back("word/document.xml", document);
    entries.emplace_back("word/_rels/document.xml.rels", rels(doc_rels));
    entries.emplace_back("_rels/.rels", rels({{"officeDocument", "word/document.xml"}}));
    entries.emplace_back("[Content_Types].xml", content_types(overrides));
    return make_zip(entries);
}

// ---- xlsx ------------------------------------------------------------------------------------

constexpr const char* s_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

// A cell: text (a shared string) or a number written as is.
struct cell {
    std::string value;
    bool number = false;
    int style = 0;  // index into make_xlsx's cell styles (0: General)
};
struct sheet {
    std::string name;
    std::vector<std::vector<cell>> rows;
};

// `styles`: cell styles 1, 2, ... as (numFmtId, formatCode); an empty code is a built-in format.
inline std::string make_xlsx(const std::vector<sheet>& sheets,
                             const std::vector<std::pair<int, std::string>>& styles = {}) {
    const std::string ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.";
    std::vector<std::string> shared;
    std::vector<std::pair<std::string, std::string>> entries;
    std::vector<std::pair<std::string, std::string>> wb_rels;
    std::vector<std::pair<std::string, std::string>> overrides{
        {"xl/workbook.xml", ct + "sheet.main+xml"}};
    std::string wb = std::string(xml_decl) + "<workbook xmlns=\"" + s_ns + "\" xmlns:r=\"" +
                     rel_ns + "\"><sheets>";
    for (std::size_t i = 0; i < sheets.size(); ++i) {
        const auto part = "worksheets/sheet" + std::to_string(i + 1) + ".xml";
        wb_rels.emplace_back("worksheet", part);
        wb += "<sheet name=\"" + xml_escape(sheets[i].name) + "\" sheetId=\"" +
              std::to_string(i + 1) + "\" r:id=\"rId" + std::to_string(wb_rels.size()) + "\"/>";
        std::string data = std::string(xml_decl) + "<worksheet xmlns=\"" + s_ns + "\"><sheetData>";
        int r = 0;
        for (const auto& row : sheets[i].rows) {
            data += "<row r=\"" + std::to_string(++r) + "\">";
            char col = 'A';
            for (const auto& c : row) {
                const auto ref = std::string(1, col++) + std::to_string(r);
                if (c.number) {
                    const auto s = c.style ? " s=\"" + std::to_string(c.style) + "\"" : "";
                    data += "<c r=\"" + ref + "\"" + s + "><v>" + c.value + "</v></c>";
                } else {
                    shared.push_back(c.value);
                    data += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(shared.size() - 1) +
                            "</v></c>";
                }
            }
            data += "</row>";
        }
        data += "</sheetData></worksheet>";
        entries.emplace_back("xl/" + part, data);
        overrides.emplace_back("xl/" + part, ct + "worksheet+xml");
    }
    wb += "</sheets></workbook>";
    std::string sst = std::string(xml_decl) + "<sst xmlns=\"" + s_ns + "\" count=\"" +
                      std::to_string(shared.size()) + "\" uniqueCount=\"" +
                      std::to_string(shared.size()) + "\">";
    for (const auto& s : shared) {
        sst += "<si><t xml:space=\"preserve\">" + xml_escape(s) + "</t></si>";
    }
    sst += "</sst>";
    wb_rels.emplace_back("sharedStrings", "sharedStrings.xml");
    overrides.emplace_back("xl/sharedStrings.xml", ct + "sharedStrings+xml");
    if (!styles.empty()) {
        std::string fmts;
        std::string xfs = "<xf numFmtId=\"0\"/>";
        for (const auto& [id, code] : styles) {
            if (!code.empty()) {
                fmts += "<numFmt numFmtId=\"" + std::to_string(id) + "\" formatCode=\"" +
                        xml_escape(code) + "\"/>";
            }
            xfs += "<xf numFmtId=\"" + std::to_string(id) + "\"/>";
        }
        entries.emplace_back("xl/styles.xml", std::string(xml_decl) + "<styleSheet xmlns=\"" +
                                                  s_ns + "\"><numFmts>" + fmts +
                                                  "</numFmts><cellXfs>" + xfs +
                                                  "</cellXfs></styleSheet>");
        wb_rels.emplace_back("styles", "styles.xml");
        overrides.emplace_back("xl/styles.xml", ct + "styles+xml");
    }
    entries.emplace_back("xl/workbook.xml", wb);
    entries.emplace_back("xl/sharedStrings.xml", sst);
    entries.emplace_back("xl/_rels/workbook.xml.rels", rels(wb_rels));
    entries.emplace_back("_rels/.rels", rels({{"officeDocument", "xl/workbook.xml"}}));
    entries.emplace_back("[Content_Types].xml", content_types(overrides));
    return make_zip(entries);
}

// ---- pptx ------------------------------------------------------------------------------------

constexpr const char* p_ns = "http://schemas.openxmlformats.org/presentationml/2006/main";
constexpr const char* a_ns = "http://schemas.openxmlformats.org/drawingml/2006/main";

struct slide {
    std::vector<std::string> paragraphs;
    std::string notes;  // speaker notes, if any
};

inline std::string a_text_body(const std::vector<std::string>& paragraphs) {
    std::string s =
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Text\"/><p:cNvSpPr/><p:nvPr/>"
        "</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>";
    for (const auto& p : paragraphs) {
        s += "<a:p><a:r><a:t>" + xml_escape(p) + "</a:t></a:r></a:p>";
    }
    return s + "</p:txBody></p:sp>";
}

inline std::string make_pptx(const std::vector<slide>& slides) {
    const std::string ct = "application/vnd.openxmlformats-officedocument.presentationml.";
    const std::string ns =
        std::string("xmlns:a=\"") + a_ns + "\" xmlns:r=\"" + rel_ns + "\" xmlns:p=\"" + p_ns + "\"";
    std::vector<std::pair<std::string, std::string>> entries;
    std::vector<std::pair<std::string, std::string>> pres_rels;
    std::vector<std::pair<std::string, std::string>> overrides{
        {"ppt/presentation.xml", ct + "presentation.main+xml"}};
    std::string pres = std::string(xml_decl) + "<p:presentation " + ns + "><p:sldIdLst>";
    for (std::size_t i = 0; i < slides.size(); ++i) {
        const auto n = std::to_string(i + 1);
        pres_rels.emplace_back("slide", "slides/slide" + n + ".xml");
        pres += "<p:sldId id=\"" + std::to_string(256 + i) + "\" r:id=\"rId" +
                std::to_string(pres_rels.size()) + "\"/>";
        entries.emplace_back("ppt/slides/slide" + n + ".xml",
                             std::string(xml_decl) + "<p:sld " + ns + "><p:cSld><p:spTree>" +
                                 a_text_body(slides[i].paragraphs) +
                                 "</p:spTree></p:cSld></p:sld>");
        overrides.emplace_back("ppt/slides/slide" + n + ".xml", ct + "slide+xml");
        std::vector<std::pair<std::string, std::string>> slide_rels{
            {"slideLayout", "../slideLayouts/slideLayout1.xml"}};
        if (!slides[i].notes.empty()) {
            slide_rels.emplace_back("notesSlide", "../notesSlides/notesSlide" + n + ".xml");
            entries.emplace_back("ppt/notesSlides/notesSlide" + n + ".xml",
                                 std::string(xml_decl) + "<p:notes " + ns + "><p:cSld><p:spTree>" +
                                     a_text_body({slides[i].notes}) +
                                     "</p:spTree></p:cSld></p:notes>");
            overrides.emplace_back("ppt/notesSlides/notesSlide" + n + ".xml",
                                   ct + "notesSlide+xml");
        }
        entries.emplace_back("ppt/slides/_rels/slide" + n + ".xml.rels", rels(slide_rels));
    }
    pres += "</p:sldIdLst></p:presentation>";
    // A master and a layout without text: PowerPoint and Apache POI (Tika) want every slide to
    // have them.
    pres_rels.emplace_back("slideMaster", "slideMasters/slideMaster1.xml");
    pres.insert(pres.find("<p:sldIdLst>"),
                "<p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" "
                "r:id=\"rId" +
                    std::to_string(pres_rels.size()) + "\"/></p:sldMasterIdLst>");
    const std::string empty_tree =
        "<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/>"
        "</p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld>";
    entries.emplace_back("ppt/slideMasters/slideMaster1.xml",
                         std::string(xml_decl) + "<p:sldMaster " + ns + ">" + empty_tree +
                             "<p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"rId1\"/>"
                             "</p:sldLayoutIdLst></p:sldMaster>");
    entries.emplace_back("ppt/slideMasters/_rels/slideMaster1.xml.rels",
                         rels({{"slideLayout", "../slideLayouts/slideLayout1.xml"}}));
    overrides.emplace_back("ppt/slideMasters/slideMaster1.xml", ct + "slideMaster+xml");
    entries.emplace_back(
        "ppt/slideLayouts/slideLayout1.xml",
        std::string(xml_decl) + "<p:sldLayout " + ns + ">" + empty_tree + "</p:sldLayout>");
    entries.emplace_back("ppt/slideLayouts/_rels/slideLayout1.xml.rels",
                         rels({{"slideMaster", "../slideMasters/slideMaster1.xml"}}));
    overrides.emplace_back("ppt/slideLayouts/slideLayout1.xml", ct + "slideLayout+xml");
    entries.emplace_back("ppt/presentation.xml", pres);
    entries.emplace_back("ppt/_rels/presentation.xml.rels", rels(pres_rels));
    entries.emplace_back("_rels/.rels", rels({{"officeDocument", "ppt/presentation.xml"}}));
    entries.emplace_back("[Content_Types].xml", content_types(overrides));
    return make_zip(entries);
}

// ---- pdf -------------------------------------------------------------------------------------

// A PDF string literal: ( ) and \ escaped, bytes as they are (WinAnsi for Helvetica).
inline std::string pdf_string(const std::string& s) {
    std::string out = "(";
    for (const char c : s) {
        if (c == '(' || c == ')' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out + ")";
}

// One page per content stream, whose font /F1 is Helvetica in WinAnsiEncoding. With `encrypt`,
// a Standard security handler whose user password is not empty: readers must ask for it.
inline std::string make_pdf_of_content(const std::vector<std::string>& contents,
                                       bool encrypt = false) {
    std::vector<std::string> objects;  // object i + 1
    objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objects.push_back("");  // the page tree, once the page numbers are known
    objects.push_back(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    std::string kids;
    for (const auto& content : contents) {
        objects.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" +
                          content + "\nendstream");
        const auto content_id = objects.size();
        objects.push_back(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 "
            "0 R >> >> /Contents " +
            std::to_string(content_id) + " 0 R >>");
        kids += std::to_string(objects.size()) + " 0 R ";
    }
    objects[1] =
        "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(contents.size()) + " >>";
    std::string encrypt_ref;
    if (encrypt) {
        const std::string o(64, 'A');
        const std::string u(64, '5');
        objects.push_back("<< /Filter /Standard /V 1 /R 2 /O <" + o + "> /U <" + u + "> /P -44 >>");
        encrypt_ref = " /Encrypt " + std::to_string(objects.size()) +
                      " 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> "
                      "<0123456789ABCDEF0123456789ABCDEF>]";
    }
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
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
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R" +
           encrypt_ref + " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

// One page per element, one line of Helvetica text per string.
inline std::string make_pdf(const std::vector<std::vector<std::string>>& pages,
                            bool encrypt = false) {
    std::vector<std::string> contents;
    for (const auto& lines : pages) {
        std::string content = "BT /F1 12 Tf 14 TL 72 720 Td";
        for (const auto& line : lines) {
            content += " " + pdf_string(line) + " Tj T*";
        }
        contents.push_back(content + " ET");
    }
    return make_pdf_of_content(contents, encrypt);
}

}  // namespace casio::test::samples
