// RTF: the scanner's text, code pages, Unicode escapes and skipped destinations.
#include <catch2/catch.hpp>
#include <random>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"

using namespace casio;
using extract::format;
using test::error_of;
using test::extract_both;

TEST_CASE("rtf: paragraphs, tabs, line breaks and escaped characters", "[extract][rtf]") {
    const std::string doc =
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}"
        "{\\colortbl;\\red255\\green0\\blue0;}{\\stylesheet{\\s0 Normal;}}"
        "{\\info{\\title Secret title}{\\author Someone}}"
        "\\pard\\f0\\fs24 Hello {\\b bold} world\\par\n"
        "caf\\'e9\\tab col\\line next \\{braces\\} \\\\ back\\par\n"
        "\\emdash\\~\\bullet}";
    CHECK(extract_both(doc, format::rtf) ==
          "Hello bold world\ncaf\xC3\xA9\tcol\nnext {braces} \\ back\n"
          "\xE2\x80\x94\xC2\xA0\xE2\x80\xA2");
}

TEST_CASE("rtf: Unicode escapes skip their fallback characters", "[extract][rtf]") {
    CHECK(extract_both("{\\rtf1\\ansi \\u8364\\'80 euro \\uc2\\u233XY done}", format::rtf) ==
          "\xE2\x82\xAC euro \xC3\xA9 done");
    CHECK(extract_both("{\\rtf1 \\uc0\\u-10179\\u-8704 !}", format::rtf) == "\xF0\x9F\x98\x80!");
    // A group end stops the skipping.
    CHECK(extract_both("{\\rtf1 {\\uc3\\u233}ok}", format::rtf) == "\xC3\xA9ok");
}

TEST_CASE("rtf: destinations that are not text are skipped", "[extract][rtf]") {
    CHECK(extract_both("{\\rtf1 {\\*\\generator Word;}{\\*\\unknown stuff}"
                       "{\\pict\\pngblip 89504e47}{\\field{\\*\\fldinst HYPERLINK \"x\"}"
                       "{\\fldrslt link text}} {\\header In the header}\\par body}",
                       format::rtf) == "link text In the header\nbody");
    CHECK(extract_both("{\\rtf1 a\\bin4 {}\\}b}", format::rtf) == "ab");
}

TEST_CASE("rtf: code pages of the document and of fonts", "[extract][rtf]") {
    // Cyrillic "Привет" in windows-1251.
    CHECK(extract_both("{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}", format::rtf) ==
          "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
    // A font with \fcharset128 (Shift-JIS): two bytes make one character.
    CHECK(extract_both("{\\rtf1\\ansi{\\fonttbl{\\f1\\fcharset128 MS Gothic;}}"
                       "{\\f1 \\'93\\'fa}x}",
                       format::rtf) == "\xE6\x97\xA5x");
}

TEST_CASE("rtf: not RTF, or nested without end, is an error", "[extract][rtf]") {
    CHECK(error_of("plain text", format::rtf) == "bad.file: not an RTF file");
    CHECK(error_of(std::string("{\\rtf1 ") + std::string(5000, '{'), format::rtf) ==
          "bad.file: RTF groups nested deeper than 1000");
    // Truncated documents give what they have.
    CHECK(extract_both("{\\rtf1 Hello wor", format::rtf) == "Hello wor");
    CHECK(extract_both("{\\rtf1 Hello\\'e", format::rtf) == "Hello");
}

namespace {

// `text` as RTF the way a writer escapes it: specials with a backslash, non-ASCII as \uN with a
// 1252 or '?' fallback, line breaks as \par.
std::string to_rtf(const std::u32string& text, std::mt19937& rng) {
    std::string rtf = "{\\rtf1\\ansi\\ansicpg1252\\uc1 ";
    int open = 0;
    for (const char32_t c : text) {
        if (c == '\n') {
            rtf += rng() % 2 ? "\\par\n" : "\\line ";
        } else if (c == '\t') {
            rtf += "\\tab ";
        } else if (c == '{' || c == '}' || c == '\\') {
            rtf += '\\';
            rtf += static_cast<char>(c);
        } else if (c < 0x80) {
            rtf += static_cast<char>(c);
        } else if (c == 0xE9 && rng() % 2) {
            rtf += "\\'e9";
        } else {
            const auto v = static_cast<int>(c >= 0x8000 ? static_cast<int>(c) - 65536 : c);
            rtf += "\\u" + std::to_string(v) + (rng() % 2 ? "\\'3f" : "?");
        }
        if (rng() % 8 == 0) {
            // Formatting groups do not change the text.
            if (open > 0 && rng() % 2) {
                rtf += "}";
                --open;
            } else {
                rtf += "{\\b ";
                ++open;
            }
        }
    }
    return rtf + std::string(static_cast<std::size_t>(open), '}') + "}";
}

std::string utf8_of(const std::u32string& s) {
    std::string out;
    for (const char32_t cp : s) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("rtf: random escaped texts round-trip", "[extract][rtf]") {
    std::mt19937 rng(3);
    const std::u32string alphabet = U"abc XYZ 09{}\\\t\n\u00e9\u00fc\u20ac\u4e2d\uffe5;";
    for (int round = 0; round < 300; ++round) {
        std::u32string text;
        const auto n = std::uniform_int_distribution<int>(0, 60)(rng);
        for (int i = 0; i < n; ++i) {
            text.push_back(alphabet[rng() % alphabet.size()]);
        }
        const auto rtf = to_rtf(text, rng);
        INFO(rtf);
        CHECK(extract::extract_bytes(rtf, format::rtf).text == utf8_of(text));
    }
}

TEST_CASE("rtf: a large document crosses chunk boundaries intact", "[extract][rtf]") {
    std::string rtf = "{\\rtf1\\ansi ";
    std::string expected;
    for (int i = 0; i < 20'000; ++i) {
        rtf += "caf\\'e9 \\u8364? n" + std::to_string(i) + "\\par\n";
        expected += "caf\xC3\xA9 \xE2\x82\xAC n" + std::to_string(i) + "\n";
    }
    rtf += "}";
    CHECK(extract_both(rtf, format::rtf) == expected);
}

TEST_CASE("rtf, html, xml: random bytes give text or an error, never a crash",
          "[extract][rtf][html][xml]") {
    std::mt19937 rng(5);
    const std::string pieces[] = {"{",      "}",   "\\",      "\\'",       "\\u",     "-",    "9",
                                  "\\par ", "\\*", "\\bin5 ", "<",         ">",       "</",   "&",
                                  "&#",     ";",   "<p>",     "<!",        "\xC3",    "\xFF", "\n",
                                  "a",      " ",   "\\uc9",   "\\fonttbl", "<script>"};
    for (int round = 0; round < 2000; ++round) {
        std::string doc = round % 3 == 0 ? "{\\rtf1 " : round % 3 == 1 ? "<html>" : "<a>";
        const auto n = std::uniform_int_distribution<int>(0, 80)(rng);
        for (int i = 0; i < n; ++i) {
            doc += pieces[rng() % std::size(pieces)];
        }
        const auto f = round % 3 == 0 ? format::rtf : round % 3 == 1 ? format::html : format::xml;
        std::string text;
        try {
            text = extract::extract_bytes(doc, f).text;
        } catch (const extract::extract_error&) {
        }
        INFO(doc);
        CHECK(test::valid_utf8(text));
    }
}
