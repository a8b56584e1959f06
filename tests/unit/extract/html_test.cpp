// HTML's own tokenizer (libs/extract/src/html.cpp): references, raw text, skipped markup,
// attributes, charsets, implied ends, and the same text wherever the chunks are cut.
#include "html.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"

using namespace casio;
using extract::format;
using test::extract_both;

namespace {

std::string html(std::string_view bytes) {
    return extract_both(bytes, format::html);
}

// The text of `bytes` read in chunks whose sizes `next_size` gives.
template <class Sizes>
std::string chunked(std::string_view bytes, Sizes next_size) {
    extract::detail::context ctx("sample", extract::limits{});
    extract::detail::sink out(extract::limits{}.max_output_chars);
    std::size_t pos = 0;
    extract::detail::extract_html(
        ctx,
        [&](char* buf, std::size_t n) {
            const auto got = std::min({n, bytes.size() - pos, next_size()});
            std::copy_n(bytes.data() + pos, got, buf);
            pos += got;
            return got;
        },
        out);
    return out.text();
}

}  // namespace

TEST_CASE("html: character references", "[extract][html]") {
    CHECK(html("<p>a &amp; b &lt;c&gt; &quot;d&quot; &copy; &eacute;</p>") ==
          "a & b <c> \"d\" \xC2\xA9 \xC3\xA9\n");
    CHECK(html("<p>&#65;&#x42;&#X43;&#68 &#x45</p>") == "ABCD E\n");
    // 128 to 159 are read as windows-1252, as browsers and TagSoup (Tika) read them.
    CHECK(html("<p>&#150;&#x80;</p>") == "\xE2\x80\x93\xE2\x82\xAC\n");
    CHECK(html("<p>&#0;&#xD800;&#99999999999;</p>") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\n");
    // A name must be known, else it stays as written; without its ';' only a Latin-1 one
    // counts (as in browsers and Tika).
    CHECK(html("<p>&amp &copy &hearts &nosuch; & &# &#x; AT&T &</p>") ==
          "& \xC2\xA9 &hearts &nosuch; & &# &#x; AT&T &\n");
}

TEST_CASE("html: script and style end only at their end tag", "[extract][html]") {
    CHECK(html("<p>a<script>if (x < y && z) document.write('<p>no</p>'); </scrip "
               "</script >b<style>p::after { content: '</p>' }</STYLE>c</p>") == "abc\n");
    // Unclosed, a script holds the rest of the document, as in libxml2 and browsers.
    CHECK(html("<p>a<script>var s = 1;<p>gone") == "a\n");
    // <script/> is empty (libxml2 and TagSoup read it so).
    CHECK(html("<p>a<script src=x.js />b</p>") == "ab\n");
}

TEST_CASE("html: comments, doctypes and processing instructions are skipped, CDATA is text",
          "[extract][html]") {
    CHECK(html("<!DOCTYPE html><p>a<!-- x -- y <p>no -->b<!---->c<!-->d<!--->e<?php echo 1 "
               "?>f<!ELEMENT x>g</p>") == "abcdefg\n");
    // As Tika shows it: the content of a CDATA section, up to the first "]]>".
    CHECK(html("<p>a<![CDATA[ <b>x</b> ]y]]z>]]]>b</p>") == "a <b>x</b> ]y]]z>]b\n");
    CHECK(html("<p>a<![CDATA[ x ]") == "a x ]\n");
    CHECK(html("<p>a<!-- never closed <p>no") == "a\n");
    CHECK(html("<p>a <b and c</p>") == "a \n");
}

TEST_CASE("html: a '<' that starts no tag is text", "[extract][html]") {
    CHECK(html("<p>1 < 2 and 3<4, a <> b, c </> d, e </ f> g</p>") ==
          "1 < 2 and 3<4, a <> b, c  d, e  g\n");
    CHECK(html("x <") == "x <\n");
}

TEST_CASE("html: attributes with double, single or no quotes", "[extract][html]") {
    CHECK(html("<p><a title=\"1 > 0\" href='x>y' class=z data-x>text</a> <img alt=a/>more</p>") ==
          "text more\n");
    CHECK(html("<meta content='text/html; charset=windows-1252' http-equiv=Content-Type>"
               "<p>\x80</p>") == "\xE2\x82\xAC\n");
    CHECK(html("<META CHARSET=windows-1252><p>\x80</p>") == "\xE2\x82\xAC\n");
}

TEST_CASE("html: the charset", "[extract][html]") {
    SECTION("a <meta> in the first 8 KiB counts, one further on does not") {
        const std::string pad(5000, ' ');
        CHECK(html("<html><head>" + pad + "<meta charset=iso-8859-1></head><p>\xE9</p>") ==
              "\xC3\xA9\n");
        const std::string far(9000, ' ');
        CHECK(html("<p>\xC3\xA9</p>" + far + "<meta charset=iso-8859-1><p>\xC3\xA9</p>") ==
              "\xC3\xA9\n\xC3\xA9\n");
    }
    SECTION("a <meta> inside a comment or a script does not count") {
        CHECK(html("<!-- <meta charset=windows-1252> --><p>\xC3\xA9</p>") == "\xC3\xA9\n");
        CHECK(html("<script>'<meta charset=windows-1252>'</script><p>\xC3\xA9</p>") ==
              "\xC3\xA9\n");
    }
    SECTION("byte-order marks") {
        const std::string le("\xFF\xFE<\0p\0>\0\xE9\0<\0/\0p\0>\0", 16);
        CHECK(html(le) == "\xC3\xA9\n");
        const std::string be("\xFE\xFF\0<\0p\0>\0\xE9\0<\0/\0p\0>", 16);
        CHECK(html(be) == "\xC3\xA9\n");
    }
    SECTION("charsets through iconv") {
        CHECK(html("<meta charset=\"shift_jis\"><p>\x93\xfa\x96\x7b</p>") ==
              "\xE6\x97\xA5\xE6\x9C\xAC\n");
        CHECK(html("<meta charset=koi8-r><p>\xD2\xC1\xDA</p>") == "\xD1\x80\xD0\xB0\xD0\xB7\n");
    }
    SECTION("UTF-16 declared in ASCII, or a charset nobody knows: UTF-8") {
        CHECK(html("<meta charset=utf-16><p>\xC3\xA9</p>") == "\xC3\xA9\n");
        CHECK(html("<meta charset=UTF-16LE><p>\xC3\xA9</p>") == "\xC3\xA9\n");
        CHECK(html("<meta charset=no-such-charset><p>\xC3\xA9</p>") == "\xC3\xA9\n");
    }
    SECTION("UTF-8 gives way to windows-1252 at the first byte that is not UTF-8") {
        CHECK(html("<p>\xC3\xA9 \x80 \xC3\xA9</p>") == "\xC3\xA9 \xE2\x82\xAC \xC3\x83\xC2\xA9\n");
        CHECK(html("<p>\xE2\x82</p>") == "\xC3\xA2\xE2\x80\x9A\n");
    }
}

TEST_CASE("html: blocks, line breaks and cells", "[extract][html]") {
    CHECK(html("<ul><li>one<li>two</ul><p>a<p>b<br>c<br/>d</p><table><tr><th>h1<th>h2<tr><td>"
               "x<td>y</table>") == "one\ntwo\na\nb\nc\nd\nh1\th2\nx\ty\n");
    // White space between blocks is the markup's, not text.
    CHECK(html("<html>\n <body>\n  <p>a</p>\n  <p>b</p>\n </body>\n</html>\n") == "a\nb\n");
    CHECK(html("<pre>x\n  y</pre>") == "x\n  y\n");
}

TEST_CASE("html: what stays out of the text, and where leaving out ends", "[extract][html]") {
    // The document's title, even outside <head> and even unclosed (any tag ends it); as in Tika,
    // a title within the body is text.
    CHECK(html("<title>T</title><p>a</p>") == "a\n");
    CHECK(html("<title>T<p>a</p>") == "a\n");
    CHECK(html("<p>a<title>T</title>b</p>") == "aTb\n");
    // A head that is never closed ends at the first element or text that belongs to a body.
    CHECK(html("<head><title>T</title><meta charset=utf-8><div>a</div>") == "a\n");
    CHECK(html("<head><title>T</title><meta charset=utf-8> text<div>a</div>") == " text\na\n");
    // noscript and template, nested, closed by their end tags or by </body>.
    CHECK(html("<p>a<noscript>x<noscript>y</noscript>z</noscript>b<template><p>t</template>c") ==
          "abc\n");
    CHECK(html("<body><p>a<noscript>never closed</body><p>b") == "a\nb\n");
}

TEST_CASE("html: the text does not depend on where the chunks end", "[extract][html]") {
    const std::vector<std::string> pieces{"<p>",
                                          "</p>",
                                          "<div class=\"a b\">",
                                          "</div>",
                                          "<br>",
                                          "<br/>",
                                          "<td>",
                                          "<tr>",
                                          "<li>",
                                          "<title>t</title>",
                                          "<head>",
                                          "</head>",
                                          "<body>",
                                          "</body>",
                                          "<noscript>",
                                          "</noscript>",
                                          "<script>x<y</script>",
                                          "<style>a{}</STYLE>",
                                          "<!-- c -->",
                                          "<!--->",
                                          "<!DOCTYPE html>",
                                          "<?pi x?>",
                                          "<![CDATA[x]]>",
                                          "&amp;",
                                          "&eacute;",
                                          "&#233;",
                                          "&#x20AC;",
                                          "&#150;",
                                          "&bogus;",
                                          "& ",
                                          "<",
                                          "a < b",
                                          "word ",
                                          "caf\xC3\xA9 ",
                                          "\xE2\x82\xAC",
                                          "\xF0\x9F\x98\x80",
                                          "\n",
                                          "  ",
                                          "<a href='x>y'>",
                                          "</a>",
                                          "<img alt=z/>",
                                          "\xE9",
                                          "<meta charset=\"windows-1252\">"};
    std::mt19937 rng(20261204);
    for (int round = 0; round < 300; ++round) {
        std::string doc;
        const auto n = std::uniform_int_distribution<int>(1, 60)(rng);
        for (int i = 0; i < n; ++i) {
            doc += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
        }
        // Random bytes now and then.
        if (round % 5 == 0) {
            for (int i = 0; i < 10; ++i) {
                doc.insert(std::uniform_int_distribution<std::size_t>(0, doc.size())(rng), 1,
                           static_cast<char>(rng()));
            }
        }
        const auto whole = chunked(doc, [] { return std::size_t(1) << 20; });
        CHECK(test::valid_utf8(whole));
        INFO(doc);
        CHECK(chunked(doc, [] { return std::size_t(1); }) == whole);
        std::uniform_int_distribution<std::size_t> size(1, 16);
        CHECK(chunked(doc, [&] { return size(rng); }) == whole);
    }
}

TEST_CASE("html: a long document read in 64 KiB chunks gives all its text", "[extract][html]") {
    std::string doc = "<html><body>";
    std::string expected;
    for (int i = 0; i < 20000; ++i) {
        doc += "<p class=\"para\">caf&eacute; " + std::to_string(i) + " \xE2\x82\xAC<!-- c --></p>";
        expected += "caf\xC3\xA9 " + std::to_string(i) + " \xE2\x82\xAC\n";
    }
    doc += "</body></html>";
    CHECK(html(doc) == expected);
}
