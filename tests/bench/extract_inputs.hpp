#pragma once
// Generated inputs of a given size for the extraction benchmarks (bench_extract and
// bench_extract_corpus): prose with a few non-ASCII words, in each format libs/extract reads.
// Whoever includes this links libzip (tests/support/extract_samples.hpp).

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <casio/extract/extract.hpp>

#include "support/extract_samples.hpp"

namespace casio::bench {

namespace samples = casio::test::samples;
using casio::extract::format;

// Words of varying length, like prose.
class prose {
  public:
    explicit prose(unsigned seed = 42) : rng_(seed) {}
    std::string word() {
        static const char* const words[] = {
            "the",     "account",  "quarterly",   "revenue", "of",       "and",      "contract",
            "renewal", "customer", "opportunity", "in",      "pipeline", "forecast", "Salesforce",
            "café",    "naïve",    "report",      "2024",    "million",  "signed",   "meeting"};
        return words[rng_() % (sizeof words / sizeof *words)];
    }
    std::string sentence(int words) {
        std::string s;
        for (int i = 0; i < words; ++i) {
            s += (i ? " " : "") + word();
        }
        return s + ".";
    }

  private:
    std::mt19937 rng_;
};

// `seed` picks the words: the same seed gives the same bytes.
inline std::string make_input(format f, std::size_t target, unsigned seed = 42) {
    prose p(seed);
    std::string out;
    switch (f) {
        case format::text:
            while (out.size() < target) {
                out += p.sentence(12) + "\n";
            }
            return out;
        case format::csv:
            while (out.size() < target) {
                out += p.word() + "," + p.word() + "," + std::to_string(out.size()) + ",\"" +
                       p.sentence(6) + "\"\n";
            }
            return out;
        case format::xml:
            out = "<?xml version=\"1.0\"?><records>";
            while (out.size() < target) {
                out += "<record id=\"" + std::to_string(out.size()) + "\"><name>" + p.word() +
                       "</name><note>" + p.sentence(10) + "</note></record>\n";
            }
            return out + "</records>";
        case format::html:
            out = "<html><head><title>Bench</title><style>p{}</style></head><body>";
            while (out.size() < target) {
                out += "<div class=\"x\"><h2>" + p.word() + "</h2><p>" + p.sentence(10) + " <b>" +
                       p.word() + "</b> <a href=\"#\">" + p.word() + "</a></p></div>\n";
            }
            return out + "</body></html>";
        case format::rtf:
            out = "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Helvetica;}}\\f0 ";
            while (out.size() < target) {
                out += "{\\b " + p.word() + "} " + p.sentence(10) + " caf\\'e9 \\u8364? \\par\n";
            }
            return out + "}";
        case format::pdf: {
            std::vector<std::vector<std::string>> pages;
            std::size_t size = 0;
            while (size < target) {
                std::vector<std::string> lines;
                for (int i = 0; i < 45; ++i) {
                    lines.push_back(p.sentence(12));
                    size += lines.back().size() + 12;
                }
                pages.push_back(std::move(lines));
            }
            return samples::make_pdf(pages);
        }
        case format::docx: {
            samples::docx_spec d;
            std::size_t size = 0;
            while (size < target) {
                d.paragraphs.push_back(p.sentence(15));
                size += d.paragraphs.back().size() + 60;
            }
            d.header = "Header";
            return samples::make_docx(d);
        }
        case format::xlsx: {
            samples::sheet s{"Data", {}};
            std::size_t size = 0;
            while (size < target) {
                s.rows.push_back({{p.word()}, {std::to_string(size), true}, {p.sentence(4)}});
                size += 150;
            }
            return samples::make_xlsx({s});
        }
        case format::pptx: {
            std::vector<samples::slide> slides;
            std::size_t size = 0;
            while (size < target) {
                slides.push_back({{p.sentence(6), p.sentence(12), p.sentence(12)}, p.sentence(20)});
                size += 1500;
            }
            return samples::make_pptx(slides);
        }
        default:
            return out;
    }
}

}  // namespace casio::bench
