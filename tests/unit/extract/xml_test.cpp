// XML's own scanner (libs/extract/src/xml.cpp) against libxml2: the same text for documents
// written every way XML allows, the same verdict for documents broken on purpose, wherever the
// chunks are cut; and what goes to libxml2 instead.
#include "xml.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <casio/extract/extract.hpp>

#include "helpers.hpp"

using namespace casio;
using extract::format;

namespace {

// What one path made of a document: its text, or the error; nullopt when the scanner left the
// document to libxml2.
struct outcome {
    bool ok = false;
    std::string text;  // or the error message
};

// A reader of `bytes` in chunks of sizes drawn from `rng` (1 byte up to a full chunk).
extract::detail::chunk_reader reader(std::string_view bytes, std::mt19937& rng, std::size_t& pos) {
    return [bytes, &rng, &pos](char* buf, std::size_t n) {
        const std::size_t pick = std::uniform_int_distribution<std::size_t>(1, 4)(rng) == 1
                                     ? std::uniform_int_distribution<std::size_t>(1, 7)(rng)
                                     : std::uniform_int_distribution<std::size_t>(1, 70000)(rng);
        const auto got = std::min({n, bytes.size() - pos, pick});
        std::copy_n(bytes.data() + pos, got, buf);
        pos += got;
        return got;
    };
}

std::optional<outcome> scanned(std::string_view bytes, std::mt19937& rng) {
    extract::detail::context ctx("doc.xml", extract::limits{});
    extract::detail::sink out(extract::limits{}.max_output_chars);
    std::size_t pos = 0;
    try {
        if (!extract::detail::scan_xml(ctx, reader(bytes, rng, pos), out)) {
            return std::nullopt;
        }
        return outcome{true, out.text()};
    } catch (const extract::extract_error& e) {
        return outcome{false, e.what()};
    }
}

// libxml2 reads whole chunks, as in production: its push parser has quirks of its own where
// chunks end (a comment "<!-->…-->" cut after "<!--" is "not terminated").
outcome through_libxml2(std::string_view bytes) {
    extract::detail::context ctx("doc.xml", extract::limits{});
    extract::detail::sink out(extract::limits{}.max_output_chars);
    std::size_t pos = 0;
    const auto whole_chunks = [&](char* buf, std::size_t n) {
        const auto got = std::min(n, bytes.size() - pos);
        std::copy_n(bytes.data() + pos, got, buf);
        pos += got;
        return got;
    };
    try {
        extract::detail::parse_xml_text(ctx, whole_chunks, out);
        return outcome{true, out.text()};
    } catch (const extract::extract_error& e) {
        return outcome{false, e.what()};
    }
}

std::string scan_text(std::string_view bytes) {
    std::mt19937 rng(1);
    const auto r = scanned(bytes, rng);
    REQUIRE(r);
    INFO(r->text);
    REQUIRE(r->ok);
    return r->text;
}

std::string scan_error(std::string_view bytes) {
    std::mt19937 rng(1);
    const auto r = scanned(bytes, rng);
    REQUIRE(r);
    CHECK_FALSE(r->ok);
    return r->ok ? std::string() : r->text;
}

// A random document as a writer could produce it: any white space, quotes and member order,
// references for any character, CDATA, comments, processing instructions, CR LF line ends,
// non-ASCII text, empty elements. (No CR in CDATA: libxml2's push parser keeps it there, where
// XML and Tika make it a line feed; a test below holds the scanner to XML.)
class writer {
  public:
    explicit writer(std::mt19937& rng) : rng_(rng) {}

    std::string document() {
        std::string d;
        if (chance(2)) {
            d += "\xEF\xBB\xBF";
        }
        if (chance(2)) {
            d += pick({"<?xml version=\"1.0\"?>", "<?xml version='1.0' encoding='UTF-8'?>",
                       "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>"});
        }
        misc(d);
        element(d, 0);
        misc(d);
        return d;
    }

  private:
    bool chance(int one_in) { return std::uniform_int_distribution<int>(1, one_in)(rng_) == 1; }
    int upto(int n) { return std::uniform_int_distribution<int>(0, n)(rng_); }
    std::string pick(std::initializer_list<const char*> options) {
        return *(options.begin() + upto(static_cast<int>(options.size()) - 1));
    }
    std::string space() { return pick({" ", "  ", "\n", "\t", "\r\n", " \r "}); }
    std::string name() {
        return pick({"a", "record", "ns:item", "x-y.z", "_n", "\xC3\xA9l\xC3\xA9ment", "Row1"});
    }
    void misc(std::string& d) {
        for (int i = upto(2); i > 0; --i) {
            d += chance(2) ? space() : pick({"<!-- a - comment -->", "<?pi data?>", "<!---->"});
        }
    }
    std::string chars() {
        std::string s;
        for (int i = upto(6); i > 0; --i) {
            s += pick({"word",
                       " ",
                       "caf\xC3\xA9",
                       "\xE2\x82\xAC",
                       "\xF0\x9F\x98\x80",
                       "&amp;",
                       "&lt;",
                       "&gt;",
                       "&quot;",
                       "&apos;",
                       "&#65;",
                       "&#x42;",
                       "&#x20AC;",
                       "&#13;",
                       "\r\n",
                       "\r",
                       "\n",
                       "]",
                       "]]",
                       "] ]>",
                       "a>b",
                       "'\"",
                       "&#x1F600;",
                       "\t"});
        }
        return s;
    }
    void attributes(std::string& d) {
        const int n = upto(3);
        for (int i = 0; i < n; ++i) {
            const char q = chance(2) ? '"' : '\'';
            d += space() + pick({"id", "x:y", "type", "data-v"}).substr(0, 8) + std::to_string(i) +
                 (chance(3) ? space() : "") + "=" + (chance(3) ? space() : "") + q +
                 pick({"v", "", "a &amp; b", "&#60;", "1 > 0", "\xC3\xA9", "\r\n"}) +
                 (q == '"' ? "'" : "\"") + q;
        }
        if (chance(3)) {
            d += space();
        }
    }
    void element(std::string& d, int depth) {
        const auto n = name();
        d += "<" + n;
        attributes(d);
        if (chance(5) || depth > 5) {
            d += "/>";
            return;
        }
        d += ">";
        for (int i = upto(4); i > 0; --i) {
            switch (upto(5)) {
                case 0:
                case 1:
                    d += chars();
                    break;
                case 2:
                    element(d, depth + 1);
                    break;
                case 3:
                    d += "<![CDATA[" + pick({"<not a tag> & ]] ]>", "", "x]", "\nline"}) + "]]>";
                    break;
                case 4:
                    d += pick({"<!-- c -->", "<?target some data ?>", "<?t?>"});
                    break;
                default:
                    element(d, depth + 1);
            }
        }
        d += "</" + n + (chance(3) ? space() : "") + ">";
    }

    std::mt19937& rng_;
};

// `s` with each CR LF and lone CR as LF.
std::string lf_only(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\r') {
            out += s[i];
        } else if (i + 1 == s.size() || s[i + 1] != '\n') {
            out += '\n';
        }
    }
    return out;
}

// `doc` broken one way: a byte dropped, doubled or replaced by one that matters to XML, or the
// end cut off.
std::string broken(std::string doc, std::mt19937& rng) {
    if (doc.empty()) {
        return doc;
    }
    const auto at = std::uniform_int_distribution<std::size_t>(0, doc.size() - 1)(rng);
    static const std::string specials = "<>&/\"'=]-!?; x\x01\xFF#";
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
        case 0:
            doc.erase(at, 1);
            break;
        case 1:
            doc.insert(at, 1, doc[at]);
            break;
        case 2:
            doc[at] =
                specials[std::uniform_int_distribution<std::size_t>(0, specials.size() - 1)(rng)];
            break;
        default:
            doc.resize(at);
    }
    return doc;
}

}  // namespace

TEST_CASE("xml: the scanner gives libxml2's text for documents written every way",
          "[extract][xml]") {
    std::mt19937 rng(20261204 + Catch::rngSeed());  // --rng-seed N explores further
    for (int i = 0; i < 3000; ++i) {
        const auto doc = writer(rng).document();
        const auto ours = scanned(doc, rng);
        const auto theirs = through_libxml2(doc);
        INFO(doc);
        REQUIRE(ours);
        REQUIRE(theirs.ok);
        CHECK(ours->ok);
        CHECK(ours->text == theirs.text);
    }
}

TEST_CASE("xml: the scanner refuses what libxml2 refuses", "[extract][xml]") {
    std::mt19937 rng(7 + Catch::rngSeed());
    int refused = 0;
    for (int i = 0; i < 6000; ++i) {
        const auto doc = broken(writer(rng).document(), rng);
        const auto ours = scanned(doc, rng);
        if (!ours) {
            continue;  // e.g. the declaration was broken: libxml2 reads it
        }
        const auto theirs = through_libxml2(doc);
        INFO(doc);
        INFO("ours: " << ours->text);
        INFO("libxml2: " << theirs.text);
        REQUIRE(ours->ok == theirs.ok);
        if (ours->ok) {
            // A broken "]]>" makes CDATA of what follows, CRs included (see writer).
            CHECK(lf_only(ours->text) == lf_only(theirs.text));
        } else {
            CHECK_THAT(ours->text, Catch::StartsWith("doc.xml: malformed XML: line "));
            ++refused;
        }
    }
    CHECK(refused > 1000);  // the mutations do break documents
}

TEST_CASE("xml: line ends are line feeds, in text and in CDATA, as XML and Tika read them",
          "[extract][xml]") {
    CHECK(scan_text("<a>one\r\ntwo\rthree<![CDATA[\r\nfour\r]]>&#13;</a>") ==
          "one\ntwo\nthree\nfour\n\r");
}

TEST_CASE("xml: what the scanner refuses, with the line", "[extract][xml]") {
    CHECK(scan_error("<a>\n<b>\n</a>") ==
          "doc.xml: malformed XML: line 3: opening and ending tag mismatch: b and a");
    CHECK(scan_error("<a>x</a><b/>") ==
          "doc.xml: malformed XML: line 1: extra content at the end of the document");
    CHECK(scan_error("<a>&nbsp;</a>") ==
          "doc.xml: malformed XML: line 1: entity 'nbsp' not defined");
    CHECK(scan_error("<a>&#0;</a>") ==
          "doc.xml: malformed XML: line 1: &#0; is not an XML character");
    CHECK(scan_error("<a x='1' x='2'/>") ==
          "doc.xml: malformed XML: line 1: attribute x redefined");
    CHECK(scan_error("<a>a ]]> b</a>") ==
          "doc.xml: malformed XML: line 1: sequence ']]>' not allowed in content");
    CHECK(scan_error("<a><!-- a -- b --></a>") ==
          "doc.xml: malformed XML: line 1: double hyphen within comment");
    CHECK(scan_error("<a>\xC3(</a>") ==
          "doc.xml: malformed XML: line 1: input is not proper UTF-8 or has a character XML "
          "does not allow");
    CHECK(scan_error("<a>\x01</a>") ==
          "doc.xml: malformed XML: line 1: input is not proper UTF-8 or has a character XML "
          "does not allow");
    CHECK(scan_error("<a>\n\n<b>") ==
          "doc.xml: malformed XML: line 3: premature end of data in element b");
    CHECK(scan_error("   ") ==
          "doc.xml: malformed XML: line 1: document is empty or has no root element");
    std::string deep;
    for (int i = 0; i < 300; ++i) {
        deep += "<d>";
    }
    CHECK(scan_error(deep) == "doc.xml: malformed XML: line 1: excessive depth in document: 256");
}

TEST_CASE("xml: many attributes on one tag, as libxml2 reads them, with bounds", "[extract][xml]") {
    std::mt19937 rng(5);
    const auto tag = [](int n, int duplicate) {
        std::string t = "<r><e";
        for (int i = 0; i < n; ++i) {
            t += " a" + std::to_string(i == duplicate ? 3 : i) + "='v'";
        }
        return t + ">text</e></r>";
    };
    for (const int n : {31, 32, 33, 100, 5000}) {
        INFO(n);
        const auto distinct = scanned(tag(n, -1), rng);
        REQUIRE(distinct);
        CHECK(distinct->ok);
        CHECK(distinct->text == through_libxml2(tag(n, -1)).text);
        const auto twice = scanned(tag(n, n - 1), rng);
        REQUIRE(twice);
        CHECK(twice->text == "doc.xml: malformed XML: line 1: attribute a3 redefined");
        CHECK_FALSE(through_libxml2(tag(n, n - 1)).ok);
    }
    // Their names together are bounded (libxml2 has no such bound: 1 MiB of names is ours).
    std::string huge = "<r";
    for (int i = 0; i < 40; ++i) {
        huge += " " + std::string(30000, 'n') + std::to_string(i) + "='v'";
    }
    huge += "/>";
    CHECK(scan_error(huge) ==
          "doc.xml: malformed XML: line 1: the attribute names of <r> exceed 1048576 bytes");
}

TEST_CASE("xml: DOCTYPEs and other encodings go to libxml2, with the same result",
          "[extract][xml]") {
    std::mt19937 rng(3);
    for (const std::string& doc :
         std::vector<std::string>{"<!DOCTYPE r [<!ENTITY e \"Acme\">]><r>&e;</r>",
                                  "<!DOCTYPE r SYSTEM \"r.dtd\"><r>x</r>",
                                  "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xE9</r>",
                                  std::string("\xFF\xFE<\0r\0>\0x\0<\0/\0r\0>\0", 18),
                                  "<?xml version = \"1.0\"?><r/>"}) {
        INFO(doc);
        CHECK_FALSE(scanned(doc, rng));
    }
    CHECK(test::extract_both("<!DOCTYPE r [<!ENTITY e \"Acme\">]><r>&e; &amp; co</r>",
                             format::xml) == "Acme & co");
}

TEST_CASE("xml: a document far larger than a chunk, cut inside characters, CR LF and tags",
          "[extract][xml]") {
    std::string doc = "<log>";
    std::string expected;
    for (int i = 0; i < 20000; ++i) {
        doc += "<e n=\"" + std::to_string(i) + "\">caf\xC3\xA9 \xF0\x9F\x98\x80\r\n" +
               std::to_string(i) + "</e>";
        expected += " caf\xC3\xA9 \xF0\x9F\x98\x80\n" + std::to_string(i);
    }
    doc += "</log>";
    expected.erase(0, 1);  // no space before the first element: the text is empty there
    REQUIRE(doc.size() > 5 * extract::detail::chunk_size);
    CHECK(test::extract_both(doc, format::xml) == expected);
    std::mt19937 rng(11);
    for (int round = 0; round < 5; ++round) {
        CHECK(scan_text(doc) == expected);
        CHECK(scanned(doc, rng)->text == expected);
    }
}
