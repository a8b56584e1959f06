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
#include <string>
#include <unistd.h>

#include <casio/extract/extract.hpp>

#include "extract_inputs.hpp"

using casio::bench::make_input;
using casio::extract::format;

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
