// libs/extract against Apache Tika on a corpus of files (tests/fidelity/run drives it):
//
//   bench_extract_corpus generate DIR
//       writes the generated part of the corpus under DIR: mock-salesforce's file bodies of every
//       kind at 4 KB, 100 KB, 1 MB and 4 MB, prose of about 2 MB in each format, and a few
//       documents with more structure (headers, footers, tables, sheets, notes, entities).
//   bench_extract_corpus extract DIR OUT [TIMES_NAME]
//       extracts every file under DIR with extract_file (default limits) on one thread: once
//       untimed, then repeated until at least 0.5 s have passed for the file. Writes
//       OUT/text/<path>.txt and OUT/times.tsv or OUT/TIMES_NAME (path, bytes, runs, wall and
//       CPU seconds per run, error), the same layout as the Java side (tests/fidelity/tika).
//   bench_extract_corpus compare DIR TIKA_OUT OURS_OUT
//       reads every times*.tsv of each side (one per round) and keeps each file's fastest; prints
//       each file's word-sequence similarity and time, then per format: files, lowest similarity,
//       Tika's and our MB/s per core (over CPU time) and per wall-clock second, and the ratios. A
//       file Tika cannot read is listed with Tika's error and left out of the format's figures.
//
// Similarity of two texts: both are cut into words (below), then
//   similarity = 2 * LCS(a, b) / (|a| + |b|)
// where LCS is the length of the longest common subsequence of the two word sequences (1 when
// both are empty). Words: the text is read as UTF-8; letters are lower-cased (ASCII, Latin-1,
// Latin Extended-A and Additional, Greek, Cyrillic, full-width forms); the ligatures U+FB00 to
// U+FB06 become their letters; soft hyphens, zero-width characters and variation selectors are
// dropped; a word is a run of letters, digits and combining marks; every CJK ideograph, kana or
// hangul syllable is a word of its own; anything else (punctuation, symbols, spaces, private
// use, U+FFFD) separates words.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <time.h>
#include <unordered_map>
#include <vector>

#include <casio/extract/extract.hpp>

#include "extract_inputs.hpp"
#include "file_body.hpp"

namespace {

namespace fs = std::filesystem;
namespace ex = casio::extract;
namespace samples = casio::test::samples;

void write_file(const fs::path& path, std::string_view bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---- generate ----------------------------------------------------------------------------

void write_file_body(const fs::path& path, const std::string& ext, std::uint64_t size,
                     std::uint64_t salt) {
    const casio::mock_sf::file_body body(ext, size, salt, "068GEN" + std::to_string(salt));
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    std::string chunk;
    for (std::uint64_t off = 0; off < size; off += 1 << 20) {
        chunk.clear();
        body.read(off, 1 << 20, chunk);
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
}

std::string docx_table(casio::bench::prose& p, int rows, int cols) {
    std::string t = "<w:tbl>";
    for (int r = 0; r < rows; ++r) {
        t += "<w:tr>";
        for (int c = 0; c < cols; ++c) {
            t += "<w:tc><w:p><w:r><w:t>" + samples::xml_escape(p.sentence(c == 0 ? 1 : 3)) +
                 "</w:t></w:r></w:p></w:tc>";
        }
        t += "</w:tr>";
    }
    return t + "</w:tbl>";
}

// Documents with the structure real ones have: headers and footers, tables, several sheets with
// numbers, notes, HTML entities and scripts, RTF tables and Unicode escapes.
void write_structured(const fs::path& dir) {
    casio::bench::prose p(7);
    {
        samples::docx_spec d;
        d.header = "Quarterly report " + p.sentence(3);
        d.footer = "Confidential " + p.sentence(2);
        for (int i = 0; i < 300; ++i) {
            d.paragraphs.push_back(p.sentence(8 + i % 20));
        }
        d.extra_body_xml = docx_table(p, 40, 4) + samples::w_paragraphs({p.sentence(30)});
        write_file(dir / "structured-report.docx", samples::make_docx(d));
    }
    {
        std::vector<samples::sheet> sheets;
        for (const char* name : {"Accounts", "Pipeline", "Notes"}) {
            samples::sheet s{name, {}};
            for (int r = 0; r < 800; ++r) {
                s.rows.push_back({{p.word()},
                                  {std::to_string(r * 37 % 1000), true},
                                  {std::to_string(r) + ".25", true},
                                  {p.sentence(r % 7 + 1)}});
            }
            sheets.push_back(std::move(s));
        }
        write_file(dir / "structured-workbook.xlsx", samples::make_xlsx(sheets));
    }
    {
        // Numbers through number formats: dates and times (dates in their own sheet: Excel has
        // no negative dates), decimals, percentages, currencies.
        const std::vector<std::pair<int, std::string>> styles{{14, ""},
                                                              {15, ""},
                                                              {17, ""},
                                                              {18, ""},
                                                              {20, ""},
                                                              {22, ""},
                                                              {164, "yyyy\\-mm\\-dd"},
                                                              {165, "dd/mm/yyyy hh:mm:ss"},
                                                              {169, "mmmm d, yyyy"},
                                                              {171, "dddd"},
                                                              {2, ""},
                                                              {3, ""},
                                                              {4, ""},
                                                              {9, ""},
                                                              {10, ""},
                                                              {11, ""},
                                                              {7, ""},
                                                              {37, ""},
                                                              {166, "#,##0.000"},
                                                              {167, "[$\u20ac-407]#,##0.00"},
                                                              {168, "0.0%"},
                                                              {170, "\"Total: \"0"},
                                                              {172, "#,##0;[Red]-#,##0"}};
        const std::size_t date_styles = 10;
        const std::vector<std::string> dates{"45292", "45292.75", "36526.5", "0.125",
                                             "100",   "44000.3",  "1234.5",  "47000.999"};
        const std::vector<std::string> numbers{"45292",  "0.30000000000000004", "1234.5", "-1234.5",
                                               "0.125",  "1234567.891",         "100",    "0",
                                               "2.5E-3", "123456789012"};
        std::vector<samples::sheet> sheets{{"Dates", {}}, {"Numbers", {}}};
        for (int k = 0; k < 2; ++k) {
            for (const auto& v : k == 0 ? dates : numbers) {
                std::vector<samples::cell> row{{v, true}};
                for (std::size_t i = k == 0 ? 0 : date_styles;
                     i < (k == 0 ? date_styles : styles.size()); ++i) {
                    row.push_back({v, true, static_cast<int>(i + 1)});
                }
                sheets[static_cast<std::size_t>(k)].rows.push_back(std::move(row));
            }
        }
        write_file(dir / "structured-formats.xlsx", samples::make_xlsx(sheets, styles));
    }
    {
        std::vector<samples::slide> slides;
        for (int i = 0; i < 60; ++i) {
            slides.push_back({{"Slide " + std::to_string(i + 1) + ": " + p.sentence(4),
                               p.sentence(10), p.sentence(14), p.sentence(6)},
                              p.sentence(25)});
        }
        write_file(dir / "structured-deck.pptx", samples::make_pptx(slides));
    }
    {
        std::vector<std::vector<std::string>> pages;
        for (int i = 0; i < 40; ++i) {
            std::vector<std::string> lines{"Chapter " + std::to_string(i + 1)};
            for (int l = 0; l < 40; ++l) {
                lines.push_back(p.sentence(11));
            }
            pages.push_back(std::move(lines));
        }
        write_file(dir / "structured-chapters.pdf", samples::make_pdf(pages));
    }
    {
        std::string h =
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Accounts "
            "overview</title><style>td{padding:2px}</style><script>var x = \"not text\";</script>"
            "</head><body><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/a\">Accounts"
            "</a></li></ul></nav><h1>Accounts &amp; contacts</h1>\n";
        for (int s = 0; s < 30; ++s) {
            h += "<section><h2>" + p.sentence(3) + "</h2><p>" + p.sentence(20) + " caf&eacute; " +
                 "&#8364;12 &lt;draft&gt; <em>" + p.word() + "</em></p><ol><li>" + p.sentence(5) +
                 "</li><li>" + p.sentence(6) +
                 "</li></ol><table><tr><th>Name</th><th>Amount</th>"
                 "</tr>";
            for (int r = 0; r < 8; ++r) {
                h += "<tr><td>" + p.word() + "</td><td>" + std::to_string(r * 1250) + "</td></tr>";
            }
            h += "</table></section>\n";
        }
        h += "<footer><p>" + p.sentence(6) + "</p></footer></body></html>\n";
        write_file(dir / "structured-page.html", h);
    }
    {
        std::string r =
            "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}{\\f1\\froman "
            "Times New Roman;}}{\\colortbl;\\red255\\green0\\blue0;}{\\info{\\title Minutes}"
            "{\\author Someone}}{\\header \\pard Minutes header\\par}{\\footer \\pard Page "
            "footer\\par}\\f0\\fs22 ";
        for (int i = 0; i < 200; ++i) {
            r += "\\pard{\\b " + p.word() + "} " + p.sentence(12) +
                 " na\\'efve caf\\'e9 \\u8364? "
                 "{\\i " +
                 p.word() + "}\\par\n";
            if (i % 20 == 0) {
                r += "\\trowd\\cellx2000\\cellx4000\\cellx6000 ";
                for (int c = 0; c < 3; ++c) {
                    r += "\\pard\\intbl " + p.sentence(2) + "\\cell ";
                }
                r += "\\row\n";
            }
        }
        write_file(dir / "structured-minutes.rtf", r + "}");
    }
}

void generate(const fs::path& dir) {
    // mock-salesforce's bodies: what the connector downloads in the tests and the benchmark.
    const std::vector<std::string> kinds{"pdf", "docx", "xlsx", "pptx", "rtf", "html",
                                         "txt", "csv",  "xml",  "json", "md"};
    const std::vector<std::pair<const char*, std::uint64_t>> sizes{
        {"4k", 4 << 10}, {"100k", 100 << 10}, {"1m", 1 << 20}, {"4m", 4 << 20}};
    std::uint64_t salt = 0;
    for (const auto& kind : kinds) {
        for (const auto& [label, size] : sizes) {
            write_file_body(dir / "mock-sf" / (kind + "-" + label + "." + kind), kind, size,
                            ++salt);
        }
    }
    // bench_extract's prose, about 2 MB of each format.
    unsigned seed = 100;
    for (const auto f :
         {ex::format::text, ex::format::csv, ex::format::xml, ex::format::html, ex::format::rtf,
          ex::format::pdf, ex::format::docx, ex::format::xlsx, ex::format::pptx}) {
        const std::string ext = f == ex::format::text ? "txt" : std::string(ex::to_string(f));
        write_file(dir / "prose" / ("prose-2m." + ext),
                   casio::bench::make_input(f, 2 << 20, ++seed));
    }
    write_structured(dir / "structured");
}

// ---- extract -----------------------------------------------------------------------------

std::vector<fs::path> corpus_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            files.push_back(fs::relative(e.path(), dir));
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string one_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n'; }, ' ');
    return s;
}

double process_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void extract(const fs::path& dir, const fs::path& out, const std::string& times_name) {
    fs::create_directories(out);
    std::ofstream times(out / times_name);
    times << "path\tbytes\truns\twall_s\tcpu_s\terror\n";
    for (const auto& rel : corpus_files(dir)) {
        const fs::path path = dir / rel;
        const auto f = ex::format_of(path.filename().string());
        std::string text;
        std::string error;
        int runs = 0;
        std::chrono::duration<double> took{};
        double cpu = 0;
        try {
            ex::extract_file(path, f);  // untimed: the file in the page cache, code warm
            const auto start = std::chrono::steady_clock::now();
            const double cpu_start = process_cpu_seconds();
            do {
                text = ex::extract_file(path, f).text;
                ++runs;
                took = std::chrono::steady_clock::now() - start;
            } while (took.count() < 0.5);
            cpu = process_cpu_seconds() - cpu_start;
        } catch (const std::exception& e) {
            error = one_line(e.what());
            runs = std::max(runs, 1);
        }
        write_file(out / "text" / (rel.string() + ".txt"), text);
        char line[128];
        std::snprintf(line, sizeof line, "\t%ju\t%d\t%.6f\t%.6f\t",
                      static_cast<std::uintmax_t>(fs::file_size(path)), runs, took.count() / runs,
                      cpu / runs);
        times << rel.string() << line << error << "\n" << std::flush;
        std::fprintf(stderr, "ours: %s %d runs\n", rel.c_str(), runs);
    }
}

// ---- compare -----------------------------------------------------------------------------

char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
        ++i;
        return 0xFFFD;
    }
    char32_t c = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
        const auto cb = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((cb & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        c = (c << 6) | (cb & 0x3F);
    }
    i += static_cast<std::size_t>(len);
    return c;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

char32_t lower(char32_t c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3AB) || (c >= 0x410 && c <= 0x42F)) {
        return c + 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
         (c >= 0x1E00 && c <= 0x1EFF)) &&
        c % 2 == 0) {
        return c + 1;
    }
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1) {
        return c + 1;
    }
    if (c == 0x178) {
        return 0xFF;
    }
    if (c >= 0xFF21 && c <= 0xFF3A) {
        return c - 0xFF21 + 'a';
    }
    if ((c >= 0xFF41 && c <= 0xFF5A) || (c >= 0xFF10 && c <= 0xFF19)) {
        return c - 0xFEE0;
    }
    return c;
}

enum class kind { letter, separator, ignored, own_word };

kind kind_of(char32_t c) {
    if (c < 0x80) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                   ? kind::letter
                   : kind::separator;
    }
    if (c == 0xAD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF ||
        (c >= 0xFE00 && c <= 0xFE0F)) {
        return kind::ignored;
    }
    if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF)) {
        return kind::own_word;
    }
    if ((c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) || c == 0xD7 || c == 0xF7 ||
        (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE30 && c <= 0xFE6F) ||
        (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) || c >= 0xFFF0) {
        return kind::separator;
    }
    return kind::letter;
}

// The words of `text`, each replaced by its number in `dictionary`.
std::vector<std::uint32_t> words(std::string_view text,
                                 std::unordered_map<std::string, std::uint32_t>& dictionary) {
    static const char* const ligatures[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    std::vector<std::uint32_t> out;
    std::string w;
    auto flush = [&] {
        if (!w.empty()) {
            const auto [it, added] =
                dictionary.try_emplace(w, static_cast<std::uint32_t>(dictionary.size()));
            out.push_back(it->second);
            w.clear();
        }
    };
    for (std::size_t i = 0; i < text.size();) {
        const char32_t c = lower(next_code_point(text, i));
        if (c >= 0xFB00 && c <= 0xFB06) {
            w += ligatures[c - 0xFB00];
            continue;
        }
        switch (kind_of(c)) {
            case kind::letter:
                append_utf8(w, c);
                break;
            case kind::separator:
                flush();
                break;
            case kind::ignored:
                break;
            case kind::own_word:
                flush();
                append_utf8(w, c);
                flush();
                break;
        }
    }
    flush();
    return out;
}

// 2 * LCS / (|a| + |b|), through the length of the shortest edit script (insertions and
// deletions) found by Myers' greedy algorithm: LCS = (|a| + |b| - D) / 2. Texts this far apart
// are not worth the time: above `max_d` the result is only a bound, and `exact` is false.
double similarity(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
                  bool& exact) {
    exact = true;
    const std::size_t total = a.size() + b.size();
    if (total == 0) {
        return 1.0;
    }
    std::size_t lo = 0;
    while (lo < a.size() && lo < b.size() && a[lo] == b[lo]) {
        ++lo;
    }
    std::size_t ha = a.size();
    std::size_t hb = b.size();
    while (ha > lo && hb > lo && a[ha - 1] == b[hb - 1]) {
        --ha;
        --hb;
    }
    const auto n = static_cast<long>(ha - lo);
    const auto m = static_cast<long>(hb - lo);
    const std::uint32_t* x = a.data() + lo;
    const std::uint32_t* y = b.data() + lo;
    const long max_d = std::min(n + m, static_cast<long>(total / 5) + 1);
    std::vector<long> v(static_cast<std::size_t>(2 * max_d + 3), 0);
    const long off = max_d + 1;
    long d = 0;
    for (; d <= max_d; ++d) {
        bool done = false;
        for (long k = -d; k <= d; k += 2) {
            long px = (k == -d || (k != d && v[static_cast<std::size_t>(off + k - 1)] <
                                                 v[static_cast<std::size_t>(off + k + 1)]))
                          ? v[static_cast<std::size_t>(off + k + 1)]
                          : v[static_cast<std::size_t>(off + k - 1)] + 1;
            long py = px - k;
            while (px < n && py < m && x[px] == y[py]) {
                ++px;
                ++py;
            }
            v[static_cast<std::size_t>(off + k)] = px;
            if (px >= n && py >= m) {
                done = true;
                break;
            }
        }
        if (done) {
            break;
        }
    }
    if (d > max_d) {
        exact = false;
    }
    return static_cast<double>(static_cast<long>(total) - d) / static_cast<double>(total);
}

struct timing {
    std::uintmax_t bytes = 0;
    double seconds = 0;      // wall time per run
    double cpu_seconds = 0;  // the process's CPU time per run (all its threads)
    std::string error;
};

// Every times*.tsv of a run's directory (one per round): each file's fastest round, as the
// least disturbed by whatever else the machine was doing.
std::map<std::string, timing> read_times(const fs::path& dir) {
    std::map<std::string, timing> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (!name.starts_with("times") || !name.ends_with(".tsv")) {
            continue;
        }
        std::ifstream in(e.path());
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::vector<std::string> fields;
            std::size_t start = 0;
            for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos;
                 start = tab + 1) {
                fields.push_back(line.substr(start, tab - start));
            }
            fields.push_back(line.substr(start));
            if (fields.size() < 6) {
                continue;
            }
            const timing t{std::stoull(fields[1]), std::stod(fields[3]), std::stod(fields[4]),
                           fields[5]};
            const auto [it, added] = out.try_emplace(fields[0], t);
            if (!added) {
                it->second.seconds = std::min(it->second.seconds, t.seconds);
                it->second.cpu_seconds = std::min(it->second.cpu_seconds, t.cpu_seconds);
            }
        }
    }
    return out;
}

struct format_total {
    int files = 0;
    int tika_failed = 0;  // files Tika could not read: no similarity, no time
    double min_similarity = 1;
    std::string min_file;
    std::uintmax_t bytes = 0;
    double tika_s = 0;
    double tika_cpu_s = 0;
    double ours_s = 0;
    double ours_cpu_s = 0;
};

int compare(const fs::path& dir, const fs::path& tika, const fs::path& ours) {
    const auto tika_times = read_times(tika);
    const auto our_times = read_times(ours);
    std::map<std::string, format_total> totals;
    std::printf("%-44s %9s %8s %8s %10s %9s %9s\n", "file", "KB", "words T", "words us",
                "similarity", "Tika ms", "ours ms");
    for (const auto& rel : corpus_files(dir)) {
        const auto t = tika_times.find(rel.string());
        const auto o = our_times.find(rel.string());
        if (t == tika_times.end() || o == our_times.end()) {
            std::printf("%-44s missing from %s\n", rel.c_str(),
                        t == tika_times.end() ? "Tika's run" : "our run");
            continue;
        }
        std::unordered_map<std::string, std::uint32_t> dictionary;
        const auto tw = words(read_file(tika / "text" / (rel.string() + ".txt")), dictionary);
        const auto ow = words(read_file(ours / "text" / (rel.string() + ".txt")), dictionary);
        bool exact = true;
        const double sim = similarity(tw, ow, exact);
        std::printf("%-44s %9.1f %8zu %8zu %s%9.4f %9.2f %9.2f %s%s%s%s\n", rel.c_str(),
                    static_cast<double>(t->second.bytes) / 1024, tw.size(), ow.size(),
                    exact ? " " : "<", sim, t->second.seconds * 1000, o->second.seconds * 1000,
                    t->second.error.empty() ? "" : " Tika: ", t->second.error.c_str(),
                    o->second.error.empty() ? "" : " ours: ", o->second.error.c_str());
        auto ext = rel.extension().string();
        ext = ext.empty() ? "(none)" : ext.substr(1);
        auto& total = totals[ext];
        ++total.files;
        if (!t->second.error.empty()) {
            ++total.tika_failed;
            continue;
        }
        if (sim < total.min_similarity) {
            total.min_similarity = sim;
            total.min_file = rel.filename().string();
        }
        total.bytes += t->second.bytes;
        total.tika_s += t->second.seconds;
        total.tika_cpu_s += t->second.cpu_seconds;
        total.ours_s += o->second.seconds;
        total.ours_cpu_s += o->second.cpu_seconds;
    }
    // MB/s: the format's bytes over the sum of its files' times per run. "per core": over CPU
    // time (Tika's JVM spends some on other threads: garbage collection, the JIT compiler);
    // "wall": over elapsed time, one extraction at a time on each side.
    std::printf(
        "\n| format | files | MB | min similarity | Tika MB/s per core | ours MB/s per core"
        " | ratio | Tika MB/s wall | ours MB/s wall | ratio wall |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& [ext, t] : totals) {
        const double mb = static_cast<double>(t.bytes) / (1 << 20);
        std::string files = std::to_string(t.files);
        if (t.tika_failed > 0) {
            files += " (" + std::to_string(t.tika_failed) + " unread by Tika)";
        }
        std::printf("| %s | %s | %.1f | %.3f (%s) | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
                    ext.c_str(), files.c_str(), mb, t.min_similarity, t.min_file.c_str(),
                    mb / t.tika_cpu_s, mb / t.ours_cpu_s, t.tika_cpu_s / t.ours_cpu_s,
                    mb / t.tika_s, mb / t.ours_s, t.tika_s / t.ours_s);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 2 && args[0] == "generate") {
            generate(args[1]);
        } else if ((args.size() == 3 || args.size() == 4) && args[0] == "extract") {
            extract(args[1], args[2], args.size() == 4 ? args[3] : "times.tsv");
        } else if (args.size() == 4 && args[0] == "compare") {
            return compare(args[1], args[2], args[3]);
        } else {
            std::fprintf(stderr,
                         "usage: bench_extract_corpus generate DIR\n"
                         "       bench_extract_corpus extract DIR OUT [TIMES_NAME]\n"
                         "       bench_extract_corpus compare DIR TIKA_OUT OURS_OUT\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_extract_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}
