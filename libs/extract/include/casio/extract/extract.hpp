#pragma once
// Plain text out of the files a connector downloads: text formats, markup, RTF, PDF and Office
// Open XML. Every input is hostile until parsed: sizes, output and time are capped, and anything
// that cannot be read is one extract_error naming the file, never a crash.
// Thread-safe: several files may be extracted at once from different threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <casio/core/error.hpp>

namespace casio::extract {

enum class format { text, csv, json, xml, html, markdown, rtf, pdf, docx, xlsx, pptx, unknown };

// The format of a file name or an extension, case-insensitive: "report.PDF", ".pdf" and "pdf"
// are all pdf; "htm", "txt" and "md" are understood too. Anything else is unknown.
format format_of(std::string_view name_or_extension);
std::string_view to_string(format f);

// By content, for a file without a telling name (a body sent to the extraction service, a
// spooled download): `head` is the file's first bytes (a few KiB), `tail` its last (64 KiB:
// a zip's central directory names its parts). PDF, RTF, OOXML zips (by their main part), an
// OLE compound file (given as docx: it is refused as encrypted or legacy Office), HTML,
// XML, JSON; anything else is text.
format sniff_format(std::string_view head, std::string_view tail);
// The same for a file on disk.
format sniff_file(const std::filesystem::path& path);

// Caps applied to one file.
struct limits {
    std::uint64_t max_input_bytes = std::uint64_t{100} << 20;  // larger input: refused, not read
    std::size_t max_output_chars = 10'000'000;   // bytes of UTF-8 kept; the text is cut there
    std::chrono::milliseconds max_time{60'000};  // checked between pages, parts and chunks
    std::uint64_t max_unpacked_bytes = std::uint64_t{1} << 30;  // bytes really inflated from zips
};

struct result {
    std::string text;        // valid UTF-8
    bool truncated = false;  // the text was cut at limits::max_output_chars
};

// An input that cannot be read: corrupt, truncated, encrypted, a zip bomb, over a limit or of an
// unsupported format. Kind bad_request; the message names the file and the reason, e.g.
// "report.pdf: encrypted PDF (password required)".
struct extract_error : core::error {
    using core::error::error;
};

// The text of the file at `path`, read from disk (never whole into memory where the format
// allows). `name` is the name used in error messages; by default the path's file name.
result extract_file(const std::filesystem::path& path, format f, const limits& l = {},
                    std::string_view name = {});

// The same for a file already in memory.
result extract_bytes(std::string_view bytes, format f, const limits& l = {},
                     std::string_view name = {});

}  // namespace casio::extract
