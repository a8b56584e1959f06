// Text formats: encodings to UTF-8, format names, and the caps every format shares.
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"

using namespace casio;
using extract::format;
using test::error_of;
using test::extract_both;

TEST_CASE("format_of reads names and extensions, case-insensitive", "[extract][format]") {
    CHECK(extract::format_of("report.PDF") == format::pdf);
    CHECK(extract::format_of(".pdf") == format::pdf);
    CHECK(extract::format_of("pdf") == format::pdf);
    CHECK(extract::format_of("a.b.docx") == format::docx);
    CHECK(extract::format_of("Sheet.XLSX") == format::xlsx);
    CHECK(extract::format_of("deck.pptx") == format::pptx);
    CHECK(extract::format_of("page.htm") == format::html);
    CHECK(extract::format_of("page.html") == format::html);
    CHECK(extract::format_of("notes.txt") == format::text);
    CHECK(extract::format_of("README.md") == format::markdown);
    CHECK(extract::format_of("data.csv") == format::csv);
    CHECK(extract::format_of("data.json") == format::json);
    CHECK(extract::format_of("feed.xml") == format::xml);
    CHECK(extract::format_of("letter.rtf") == format::rtf);
    CHECK(extract::format_of("photo.png") == format::unknown);
    CHECK(extract::format_of("") == format::unknown);
    CHECK(extract::format_of("pdf.") == format::unknown);
    CHECK(extract::to_string(format::docx) == "docx");
    CHECK(extract::to_string(format::unknown) == "unknown");
}

TEST_CASE("text: UTF-8 as is, a BOM dropped, UTF-16 with a BOM decoded", "[extract][text]") {
    CHECK(extract_both("plain caf\xC3\xA9 \xE2\x82\xAC\n", format::text) ==
          "plain caf\xC3\xA9 \xE2\x82\xAC\n");
    CHECK(extract_both("\xEF\xBB\xBFwith BOM", format::text) == "with BOM");
    // "Aé€😀" in UTF-16 LE and BE, with a surrogate pair.
    const std::string le(
        "\xFF\xFE"
        "A\0\xE9\0\xAC\x20\x3D\xD8\x00\xDE",
        12);
    const std::string be(
        "\xFE\xFF"
        "\0A\0\xE9\x20\xAC\xD8\x3D\xDE\x00",
        12);
    CHECK(extract_both(le, format::text) == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    CHECK(extract_both(be, format::csv) == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    CHECK(extract_both("", format::text).empty());
}

TEST_CASE("text: not UTF-8 is read as windows-1252", "[extract][text]") {
    // é, €, ’ and an unassigned 0x81 in windows-1252.
    CHECK(extract_both("caf\xE9 \x80 it\x92s \x81", format::text) ==
          "caf\xC3\xA9 \xE2\x82\xAC it\xE2\x80\x99s \xC2\x81");
    // Valid UTF-8 first, a 1252 byte far later: the whole text is 1252.
    std::string mixed = "\xC3\xA9" + std::string(200'000, 'x') + "\xE9";
    const auto text = extract_both(mixed, format::text);
    CHECK(text.substr(0, 4) == "\xC3\x83\xC2\xA9");
    CHECK(text.substr(text.size() - 2) == "\xC3\xA9");
}

TEST_CASE("text: csv, json and markdown come out as written", "[extract][text]") {
    CHECK(extract_both("Name,Amount\nAcme,12\n", format::csv) == "Name,Amount\nAcme,12\n");
    CHECK(extract_both("{\"a\": \"\xC3\xA9\"}", format::json) == "{\"a\": \"\xC3\xA9\"}");
    CHECK(extract_both("# Title\n\n*bold*\n", format::markdown) == "# Title\n\n*bold*\n");
}

namespace {

// A random text of code points of 1 to 4 UTF-8 bytes, none a surrogate.
std::u32string random_text(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<int> kind(0, 3);
    std::u32string s;
    for (std::size_t i = 0; i < n; ++i) {
        switch (kind(rng)) {
            case 0:
                s.push_back(std::uniform_int_distribution<char32_t>(0x20, 0x7E)(rng));
                break;
            case 1:
                s.push_back(std::uniform_int_distribution<char32_t>(0xA0, 0x7FF)(rng));
                break;
            case 2:
                s.push_back(std::uniform_int_distribution<char32_t>(0xE000, 0xFFFD)(rng));
                break;
            default:
                s.push_back(std::uniform_int_distribution<char32_t>(0x10000, 0x10FFFF)(rng));
        }
    }
    return s;
}

std::string utf8(const std::u32string& s) {
    std::string out;
    for (const char32_t cp : s) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

std::string utf16(const std::u32string& s, bool le) {
    std::string out = le ? "\xFF\xFE" : "\xFE\xFF";
    auto unit = [&](char32_t u) {
        const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
        out.push_back(le ? lo : hi);
        out.push_back(le ? hi : lo);
    };
    for (const char32_t cp : s) {
        if (cp >= 0x10000) {
            unit(0xD800 + ((cp - 0x10000) >> 10));
            unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            unit(cp);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("text: random texts round-trip whatever the chunk boundaries", "[extract][text]") {
    // Inputs of 20 to 120 thousand code points cross the reader's 64 KiB chunks at random places
    // within multi-byte sequences and surrogate pairs.
    std::mt19937 rng(11);
    for (int round = 0; round < 12; ++round) {
        const auto n = std::uniform_int_distribution<std::size_t>(20'000, 120'000)(rng);
        const auto text = random_text(rng, n);
        const auto expected = utf8(text);
        CHECK(extract_both(expected, format::text) == expected);
        CHECK(extract_both("\xEF\xBB\xBF" + expected, format::text) == expected);
        CHECK(extract_both(utf16(text, true), format::text) == expected);
        CHECK(extract_both(utf16(text, false), format::text) == expected);
    }
}

TEST_CASE("text: random bytes always give valid UTF-8", "[extract][text]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::string bytes(std::uniform_int_distribution<std::size_t>(0, 300)(rng), '\0');
        for (auto& b : bytes) {
            b = static_cast<char>(rng());
        }
        if (round % 3 == 1) {
            bytes = "\xFF\xFE" + bytes;  // odd lengths and lone surrogates in UTF-16
        } else if (round % 3 == 2) {
            bytes = "\xEF\xBB\xBF" + bytes;  // invalid sequences after a UTF-8 BOM
        }
        const auto text = extract::extract_bytes(bytes, format::text).text;
        CHECK(test::valid_utf8(text));
    }
}

TEST_CASE("limits: input over max_input_bytes is refused", "[extract][limits]") {
    extract::limits l;
    l.max_input_bytes = 10;
    CHECK(error_of("0123456789", format::text, l).empty());
    CHECK(error_of("0123456789A", format::text, l) ==
          "bad.file: input of 11 bytes is over the limit of 10 bytes");
    test::temp_file big(std::string(11, 'a'), "big.txt");
    CHECK_THROWS_WITH(extract::extract_file(big.path, format::text, l),
                      Catch::Contains("over the limit of 10 bytes") &&
                          Catch::StartsWith(big.path.filename().string() + ": "));
}

TEST_CASE("limits: output cut at max_output_chars on a UTF-8 boundary", "[extract][limits]") {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        text += "\xC3\xA9\xE2\x82\xAC";  // é €: 2 + 3 bytes
    }
    for (std::size_t cap : {0, 1, 2, 3, 4, 5, 6, 7, 99, 100, 4999, 5000}) {
        extract::limits l;
        l.max_output_chars = cap;
        const auto r = extract::extract_bytes(text, format::text, l);
        CHECK(r.text.size() <= cap);
        CHECK(r.text.size() + 2 >= cap);  // at most a character's worth less
        CHECK(test::valid_utf8(r.text));
        CHECK(text.starts_with(r.text));
        CHECK(r.truncated == (cap < text.size()));
    }
    CHECK_FALSE(extract::extract_bytes(text, format::text).truncated);
}

TEST_CASE("limits: max_time 0 fails every format", "[extract][limits]") {
    extract::limits l;
    l.max_time = std::chrono::milliseconds(0);
    for (const auto f :
         {format::text, format::csv, format::json, format::xml, format::html, format::markdown,
          format::rtf, format::pdf, format::docx, format::xlsx, format::pptx}) {
        CHECK(error_of("x", f, l) == "bad.file: extraction took longer than 0 ms");
    }
}

TEST_CASE("errors: unknown format, missing file, a directory", "[extract][errors]") {
    CHECK(error_of("x", format::unknown) == "bad.file: unsupported format");
    const auto missing = std::filesystem::temp_directory_path() / "casio-extract-missing.pdf";
    CHECK_THROWS_WITH(extract::extract_file(missing, format::pdf),
                      Catch::StartsWith("casio-extract-missing.pdf: cannot open"));
    CHECK_THROWS_AS(extract::extract_file(std::filesystem::temp_directory_path(), format::text),
                    extract::extract_error);
    CHECK_THROWS_WITH(extract::extract_file(missing, format::pdf, {}, "Quarterly report.pdf"),
                      Catch::StartsWith("Quarterly report.pdf: "));
}
