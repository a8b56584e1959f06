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
