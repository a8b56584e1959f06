// Text extraction throughput per format on generated inputs of a few MB each (libs/extract),
// from a file on disk as the pipeline calls it. Build with the release preset; prints MB/s of
// input per core (one thread) and the size of the text.
//
//   bench_extract [MB per input, default 4]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include <casio/extract/extract.hpp>

#include "support/extract_samples.hpp"

namespace {

namespace samples = casio::test::samples;
using casio::extract::format;

// Words of varying length, like prose.
class prose {
  public:
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
    std::mt19937 rng_{42};
};

std::string make_input(format f, std::size_t target) {
    prose p;
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

}  // namespace

int main(int argc, char** argv) {
    const std::size_t mb = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 4;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("casio-bench-extract-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::printf("%-6s %10s %10s %10s %12s\n", "format", "input MB", "text MB", "ms/file",
                "MB/s/core");
    for (const auto f : {format::text, format::csv, format::xml, format::html, format::rtf,
                         format::pdf, format::docx, format::xlsx, format::pptx}) {
        const auto input = make_input(f, mb << 20);
        const auto path = dir / ("input." + std::string(casio::extract::to_string(f)));
        std::ofstream(path, std::ios::binary)
            .write(input.data(), static_cast<std::streamsize>(input.size()));
        casio::extract::limits l;
        l.max_output_chars = std::size_t{1} << 30;
        std::size_t text = 0;
        int runs = 0;
        const auto start = std::chrono::steady_clock::now();
        std::chrono::duration<double> took{};
        do {
            text = casio::extract::extract_file(path, f, l).text.size();
            ++runs;
            took = std::chrono::steady_clock::now() - start;
        } while (took.count() < 1.0 || runs < 3);
        const double in_mb = static_cast<double>(input.size()) / (1 << 20);
        std::printf("%-6s %10.2f %10.2f %10.1f %12.1f\n",
                    std::string(casio::extract::to_string(f)).c_str(), in_mb,
                    static_cast<double>(text) / (1 << 20), took.count() * 1000 / runs,
                    in_mb * runs / took.count());
    }
    std::filesystem::remove_all(dir);
}
