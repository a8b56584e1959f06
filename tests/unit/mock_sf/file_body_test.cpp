// mock-salesforce's generated files: exact sizes, any byte from its offset, well-formed
// documents of each kind (the PDF's cross-reference table, the OOXML zip's CRCs and
// directory), and the text they hold.
#include "file_body.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <zlib.h>

#include <casio/extract/extract.hpp>

#include "file_bytes.hpp"
#include "support/words.hpp"

using casio::mock_sf::file_body;
using casio::mock_sf::test::u16;
using casio::mock_sf::test::u32;
using casio::mock_sf::test::whole;

namespace {

const std::vector<std::string> kinds = {"txt", "md",  "csv",  "json", "xml",  "html",
                                        "rtf", "pdf", "docx", "xlsx", "pptx", "png"};

struct zip_part {
    std::string name;
    std::string data;
};

// Reads a stored-only zip through its central directory, checking every CRC and offset.
std::vector<zip_part> unzip(const std::string& z) {
    REQUIRE(z.size() >= 22);
    const std::size_t eocd = z.size() - 22;
    REQUIRE(u32(z, eocd) == 0x06054b50);
    const std::size_t entries = u16(z, eocd + 10);
    std::size_t at = u32(z, eocd + 16);
    REQUIRE(at + u32(z, eocd + 12) == eocd);
    std::vector<zip_part> parts;
    for (std::size_t i = 0; i < entries; ++i) {
        REQUIRE(u32(z, at) == 0x02014b50);
        const std::uint32_t crc = u32(z, at + 16);
        const std::uint32_t size = u32(z, at + 20);
        const std::size_t name_len = u16(z, at + 28);
        const std::size_t local = u32(z, at + 42);
        zip_part p{z.substr(at + 46, name_len), {}};
        REQUIRE(u32(z, local) == 0x04034b50);
        CHECK(u32(z, local + 14) == crc);
        CHECK(z.substr(local + 30, name_len) == p.name);
        p.data = z.substr(local + 30 + name_len, size);
        CHECK(crc32(0, reinterpret_cast<const Bytef*>(p.data.data()),
                    static_cast<uInt>(p.data.size())) == crc);
        parts.push_back(std::move(p));
        at += 46 + name_len;
    }
    return parts;
}

const auto& words = casio::test::words_of;

// The character data of the elements named `tag` (e.g. "<w:t>"), in order.
std::string element_text(const std::string& xml, const std::string& open,
                         const std::string& close) {
    std::string out;
    for (auto at = xml.find(open); at != std::string::npos; at = xml.find(open, at)) {
        at += open.size();
        const auto end = xml.find(close, at);
        REQUIRE(end != std::string::npos);
        out += xml.substr(at, end - at);
        out += '\n';
    }
    return out;
}

}  // namespace

TEST_CASE("generated files have their exact size, and any chunking reads the same bytes",
          "[mock_sf][files]") {
    std::mt19937_64 rng(7);
    for (const auto& kind : kinds) {
        for (std::uint64_t size : {0ULL, 1ULL, 63ULL, 64ULL, 700ULL, 1600ULL, 5000ULL, 65535ULL,
                                   65536ULL, 65537ULL, 300001ULL}) {
            INFO(kind << " of " << size << " bytes");
            const file_body b(kind, size, 5, "068000000000001AAA");
            const std::string all = whole(b);
            REQUIRE(all.size() == size);
            std::string pieces;
            for (std::uint64_t at = 0; at < size;) {
                const std::size_t n = 1 + rng() % 9000;
                b.read(at, n, pieces);
                at += n;
            }
            CHECK(pieces == all);
            std::string past;
            b.read(size, 10, past);
            CHECK(past.empty());
        }
    }
}

TEST_CASE("a generated PDF's cross-reference table points at every object", "[mock_sf][files]") {
    for (std::uint64_t size : {1700ULL, 11117ULL, 65537ULL, 2359297ULL}) {
        INFO(size);
        const file_body b("pdf", size, 3, "068000000000001AAA");
        REQUIRE(b.well_formed());
        const std::string pdf = whole(b);
        CHECK(pdf.starts_with("%PDF-1.4\n"));
        CHECK(pdf.ends_with("%%EOF\n"));
        const auto sx = pdf.rfind("startxref\n");
        REQUIRE(sx != std::string::npos);
        const std::size_t xref = std::stoull(pdf.substr(sx + 10));
        REQUIRE(pdf.compare(xref, 5, "xref\n") == 0);
        std::size_t objects = std::stoull(pdf.substr(xref + 7));
        CHECK(objects >= 6);  // catalog, pages, font, one page and its content at least
        for (std::size_t i = 1; i < objects; ++i) {
            const std::size_t offset = std::stoull(
                pdf.substr(xref + 5 + 2 + std::to_string(objects).size() + 1 + 20 * i, 10));
            CHECK(pdf.compare(offset, std::to_string(i).size() + 6, std::to_string(i) + " 0 obj") ==
                  0);
        }
        // Its text: every line of every page, in order.
        const auto shown = element_text(pdf, "(", ") Tj");
        CHECK(words(shown) == words(b.text()));
        CHECK(!b.text().empty());
    }
}

TEST_CASE("generated OOXML files are zips whose main part holds the text", "[mock_sf][files]") {
    struct expect {
        std::string kind, main, open, close;
    };
    for (const auto& e :
         std::vector<expect>{{"docx", "word/document.xml", "<w:t>", "</w:t>"},
                             {"xlsx", "xl/worksheets/sheet1.xml", "<t>", "</t>"},
                             {"pptx", "ppt/slides/slide1.xml", "<a:t>", "</a:t>"}}) {
        for (std::uint64_t size : {8000ULL, 65536ULL, 1048577ULL}) {
            INFO(e.kind << " of " << size << " bytes");
            const file_body b(e.kind, size, 9, "068000000000001AAA");
            REQUIRE(b.well_formed());
            const auto parts = unzip(whole(b));
            REQUIRE(!parts.empty());
            CHECK(parts.front().name == "[Content_Types].xml");
            const auto main = std::find_if(parts.begin(), parts.end(),
                                           [&](const zip_part& p) { return p.name == e.main; });
            REQUIRE(main != parts.end());
            auto expected = words(b.text());
            if (e.kind == "xlsx") {
                REQUIRE(expected.front() == "Sheet1");  // the sheet's name comes first
                expected.erase(expected.begin());
            }
            CHECK(words(element_text(main->data, e.open, e.close)) == expected);
            CHECK(expected.size() > 10);
        }
    }
}

TEST_CASE("documents with images: that share of their bytes, the rest text an extractor reads",
          "[mock_sf][files]") {
    for (const std::string kind : {"pdf", "docx", "xlsx", "pptx"}) {
        for (std::uint64_t size : {65536ULL, 1048577ULL, 3145729ULL}) {
            INFO(kind << " of " << size << " bytes");
            const file_body plain(kind, size, 4, "068000000000001AAA");
            const file_body b(kind, size, 4, "068000000000001AAA", 0.75);
            REQUIRE(b.well_formed());
            const std::string bytes = whole(b);
            REQUIRE(bytes.size() == size);
            std::string pieces;  // any range reads the same bytes
            for (std::uint64_t at = 0; at < size; at += 7777) {
                b.read(at, 7777, pieces);
            }
            CHECK(pieces == bytes);
            // About a quarter of the text of the same file without images.
            const double ratio =
                static_cast<double>(b.text().size()) / static_cast<double>(plain.text().size());
            CHECK(ratio > 0.15);  // less in a small file: its frame weighs more
            CHECK(ratio < 0.3);
            casio::extract::limits l;
            const auto r = casio::extract::extract_bytes(
                bytes, casio::extract::format_of("x." + kind), l, "x." + kind);
            CHECK(casio::test::first_word_difference(r.text, b.text()) == "");
            if (kind != "pdf") {  // a valid zip: every CRC right, the picture a part of it
                const auto parts = unzip(bytes);
                const auto media = std::find_if(parts.begin(), parts.end(), [](const auto& p) {
                    return p.name.ends_with("/media/image1.jpeg");
                });
                REQUIRE(media != parts.end());
                CHECK(media->data.size() == size * 3 / 4);
            }
        }
    }
}

TEST_CASE("a file too small for its kind's frame is not well formed and has no text",
          "[mock_sf][files]") {
    for (const auto& kind : {"pdf", "docx", "xlsx", "pptx", "rtf"}) {
        INFO(kind);
        const file_body b(kind, 60, 1, "068000000000001AAA");
        CHECK(!b.well_formed());
        CHECK(b.text().empty());
        CHECK(whole(b).size() == 60);
    }
    const file_body png("png", 5000, 1, "068000000000001AAA");
    CHECK(png.text().empty());
    const file_body txt("txt", 5000, 1, "068000000000001AAA");
    CHECK(txt.text() == whole(txt));  // plain text is its own text
}

TEST_CASE("RTF and HTML files hold their lines' text", "[mock_sf][files]") {
    const file_body rtf("rtf", 20000, 4, "068000000000001AAA");
    REQUIRE(rtf.well_formed());
    const std::string r = whole(rtf);
    CHECK(r.starts_with("{\\rtf1\\ansi"));
    CHECK(r.ends_with("}\n"));
    const auto body = r.substr(r.find("\\fs20\n") + 6);
    std::string plain;
    for (const auto& w : words(body)) {
        if (w != "\\par" && w != "}") {
            plain += w + "\n";
        }
    }
    CHECK(words(plain) == words(rtf.text()));

    const file_body html("html", 20000, 4, "068000000000001AAA");
    CHECK(words(element_text(whole(html), "<p>", "</p>")) == words(html.text()));
}
