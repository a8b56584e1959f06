// XML through its own scanner (libxml2 for DOCTYPEs and other encodings), HTML through
// libs/extract's tokenizer: the text, entities, charsets, and nothing loaded from outside (more
// HTML cases in html_test.cpp, more XML cases in xml_test.cpp).
#include <catch2/catch.hpp>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"

using namespace casio;
using extract::format;
using test::error_of;
using test::extract_both;

TEST_CASE("xml: character data of all elements, entities decoded", "[extract][xml]") {
    CHECK(extract_both("<?xml version=\"1.0\"?><a x=\"attr\">one <b>two</b> &amp; "
                       "&#233;<![CDATA[ <three> ]]><!-- no --><?pi no?></a>",
                       format::xml) == "one two & \xC3\xA9 <three> ");
}

TEST_CASE("xml: elements next to each other are separate words, as in Tika", "[extract][xml]") {
    // Tika's XML parser starts every element with a space.
    CHECK(extract_both("<r><rec id=\"1\"><name>forecast</name><note>signed today</note></rec>"
                       "<rec><name>renewal</name></rec></r>",
                       format::xml) == "forecast signed today renewal");
}

TEST_CASE("xml: encodings declared or marked by a BOM", "[extract][xml]") {
    CHECK(extract_both("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>",
                       format::xml) == "caf\xC3\xA9");
    const std::string utf16le("\xFF\xFE<\0a\0>\0\xE9\0<\0/\0a\0>\0", 18);
    CHECK(extract_both(utf16le, format::xml) == "\xC3\xA9");
}

TEST_CASE("xml: internal entities once, external ones never loaded", "[extract][xml]") {
    CHECK(extract_both("<!DOCTYPE a [<!ENTITY co \"Acme Corp\">]><a>&co; and &co;</a>",
                       format::xml) == "Acme Corp and Acme Corp");
    test::temp_file secret("TOP-SECRET", "secret.txt");
    const std::string xxe =
        "<!DOCTYPE a [<!ENTITY s SYSTEM \"file://" + secret.path.string() + "\">]><a>x&s;y</a>";
    CHECK(extract_both(xxe, format::xml) == "xy");
    const std::string remote_dtd = "<!DOCTYPE a SYSTEM \"http://127.0.0.1:1/evil.dtd\"><a>text</a>";
    CHECK(extract_both(remote_dtd, format::xml) == "text");
}

TEST_CASE("xml: a billion laughs stays small", "[extract][xml]") {
    std::string doc = "<!DOCTYPE a [<!ENTITY l0 \"ha\">";
    for (int i = 1; i < 10; ++i) {
        const auto prev = "&l" + std::to_string(i - 1) + ";";
        std::string value;
        for (int k = 0; k < 10; ++k) {
            value += prev;
        }
        doc += "<!ENTITY l" + std::to_string(i) + " \"" + value + "\">";
    }
    doc += "]><a>&l9;</a>";
    std::string text;
    try {
        text = extract::extract_bytes(doc, format::xml).text;
    } catch (const extract::extract_error&) {
        // libxml2 may refuse the amplification outright: just as good.
    }
    CHECK(text.size() < 1000);
}

TEST_CASE("xml: not well-formed is an error", "[extract][xml]") {
    CHECK_THAT(error_of("<a><b></a>", format::xml),
               Catch::StartsWith("bad.file: malformed XML: line 1: "));
    CHECK_THAT(error_of("<a>unclosed", format::xml), Catch::StartsWith("bad.file: malformed XML"));
    CHECK_THAT(error_of("", format::xml), Catch::StartsWith("bad.file: malformed XML"));
}

TEST_CASE("html: body text, the title and scripts and styles left out as in Tika",
          "[extract][html]") {
    const std::string page =
        "<!DOCTYPE html><html><head><title>The title</title><meta charset=\"utf-8\">"
        "<style>p { color: red }</style><script>var x = 1;</script></head>"
        "<body><h1>Heading</h1><p>First &amp; <b>bold</b> caf&eacute;&nbsp;&#8364;</p>"
        "<div>Line one<br>Line two</div><noscript>enable JS</noscript>"
        "<script type=\"text/javascript\">document.write('no')</script>"
        "<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
        "</body></html>";
    CHECK(extract_both(page, format::html) ==
          "Heading\nFirst & bold caf\xC3\xA9\xC2\xA0\xE2\x82\xAC\nLine one\nLine "
          "two\none\ntwo\na\tb\n");
}

TEST_CASE("html: the document's charset is honoured", "[extract][html]") {
    CHECK(extract_both("<html><head><meta http-equiv=\"Content-Type\" "
                       "content=\"text/html; charset=windows-1252\"></head>"
                       "<body><p>caf\xE9 \x80</p></body></html>",
                       format::html) == "caf\xC3\xA9 \xE2\x82\xAC\n");
    CHECK(extract_both("<html><head><meta charset=\"utf-8\"></head><body>caf\xC3\xA9</body></html>",
                       format::html) == "caf\xC3\xA9\n");
    CHECK(extract_both("\xEF\xBB\xBF<html><body>caf\xC3\xA9</body></html>", format::html) ==
          "caf\xC3\xA9\n");
    // No charset: UTF-8, as Tika's detector finds it.
    CHECK(extract_both("<html><body><p>caf\xC3\xA9 na\xC3\xAFve \xE2\x82\xAC</p></body></html>",
                       format::html) == "caf\xC3\xA9 na\xC3\xAFve \xE2\x82\xAC\n");
    // No charset and not UTF-8: read as Latin-1, as browsers read windows-1252.
    const auto text = extract_both("<html><body>caf\xE9</body></html>", format::html);
    CHECK(text == "caf\xC3\xA9\n");
}

TEST_CASE("html: broken markup still gives its text", "[extract][html]") {
    CHECK(extract_both("<p>one<p>two<div>three", format::html) == "one\ntwo\nthree\n");
    CHECK(extract_both("plain words", format::html) == "plain words\n");
    CHECK(extract_both("", format::html).empty());
}

TEST_CASE("html: bytes libxml2 passes through undecoded still give valid UTF-8",
          "[extract][html]") {
    // Found by fuzz_extract: a '<' followed by a byte that is not UTF-8.
    const auto text = extract_both("\x06{\\rtf1\\%%%%%%%%%%%%%%%%%%%<\xA3", format::html);
    CHECK(test::valid_utf8(text));
    CHECK_THAT(text, Catch::Contains("rtf1"));
}
