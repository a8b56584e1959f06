#pragma once
// Shared by the extraction tests: a temporary file, and extraction of the same bytes both from
// memory and from disk (the two paths must agree).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include <casio/extract/extract.hpp>

namespace casio::test {

// A file in the temporary directory, removed at scope exit.
struct temp_file {
    std::filesystem::path path;
    explicit temp_file(std::string_view content, std::string_view name = "sample") {
        static int n = 0;
        path = std::filesystem::temp_directory_path() /
               ("casio-extract-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
                std::string(name));
        std::ofstream(path, std::ios::binary)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

// The text of `bytes` as `f`, checked to be the same from memory and from a file.
inline std::string extract_both(std::string_view bytes, extract::format f,
                                const extract::limits& l = {}) {
    const auto from_memory = extract::extract_bytes(bytes, f, l, "sample");
    temp_file file(bytes);
    const auto from_file = extract::extract_file(file.path, f, l, "sample");
    CHECK(from_file.text == from_memory.text);
    CHECK(from_file.truncated == from_memory.truncated);
    return from_memory.text;
}

// The message of the extract_error that extracting `bytes` throws ("" when none is thrown).
inline std::string error_of(std::string_view bytes, extract::format f,
                            const extract::limits& l = {}) {
    try {
        extract::extract_bytes(bytes, f, l, "bad.file");
    } catch (const extract::extract_error& e) {
        CHECK(e.kind() == core::error_kind::bad_request);
        return e.what();
    }
    return {};
}

// True when `s` is valid UTF-8.
inline bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size() || (len == 2 && c < 0xC2)) {
            return false;
        }
        for (int k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

}  // namespace casio::test
