#pragma once
// What every format's extractor shares: the input (a file or memory, read in chunks), the
// per-file context (name, limits, deadline) and the capped UTF-8 output.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <casio/extract/extract.hpp>

namespace casio::extract::detail {

constexpr std::size_t chunk_size = 64 * 1024;

// A file on disk or bytes in memory, read front to back in chunks; it can start over.
class input {
  public:
    static input of_file(const std::filesystem::path& path);
    static input of_bytes(std::string_view bytes);

    bool is_file() const noexcept { return file_ != nullptr; }
    const std::filesystem::path& path() const noexcept { return path_; }
    std::string_view bytes() const noexcept { return bytes_; }
    std::uint64_t size() const noexcept { return size_; }

    // Up to `n` bytes into `buf`; 0 at the end. A read error throws std::runtime_error.
    std::size_t read(char* buf, std::size_t n);
    void rewind();
    // The first `n` bytes (fewer when the input is shorter), leaving the position unchanged.
    std::string peek(std::size_t n);

  private:
    struct file_closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, file_closer> file_;
    std::filesystem::path path_;
    std::string_view bytes_;
    std::size_t pos_ = 0;
    std::uint64_t size_ = 0;
};

// One extraction: the name errors carry, its limits and its deadline.
class context {
  public:
    context(std::string name, const limits& l);
    const std::string& name() const noexcept { return name_; }
    const limits& caps() const noexcept { return limits_; }

    // Throws extract_error "<name>: <reason>".
    [[noreturn]] void fail(std::string_view reason) const;
    // Throws when the deadline has passed.
    void check_time() const;

  private:
    std::string name_;
    limits limits_;
    std::chrono::steady_clock::time_point deadline_;
};

// Text output capped at a number of bytes, always cut on a UTF-8 character boundary.
class sink {
  public:
    explicit sink(std::size_t cap) : cap_(cap) {}

    // `utf8` must be valid UTF-8. Past the cap nothing more is kept and full() is true.
    void append(std::string_view utf8);
    void append(char c) { append(std::string_view(&c, 1)); }
    void append_code_point(char32_t cp);
    // A line break, unless the text is empty or already ends with one.
    void line_break();
    bool full() const noexcept { return truncated_; }
    // Marks the text as cut (a part assembled elsewhere was).
    void mark_truncated() noexcept { truncated_ = true; }
    bool empty() const noexcept { return text_.empty(); }
    void clear() noexcept {
        text_.clear();
        truncated_ = false;
    }
    const std::string& text() const noexcept { return text_; }
    result take() { return result{std::move(text_), truncated_}; }

  private:
    std::string text_;
    std::size_t cap_;
    bool truncated_ = false;
};

// The length of the valid UTF-8 sequence at s[0..n), 0 when invalid, -1 when it may be valid
// but is cut by the end of the buffer.
int utf8_sequence(const unsigned char* s, std::size_t n) noexcept;

// The length of the longest prefix of buf[0..n) made of whole valid UTF-8 sequences; `bad`
// tells whether it stopped at an invalid byte (rather than at a sequence cut by the end).
std::size_t valid_utf8_prefix(const char* buf, std::size_t n, bool& bad) noexcept;

// `cp` as UTF-8 (an invalid code point as U+FFFD).
void append_utf8(std::string& out, char32_t cp);

// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD (for text from libraries that do
// not promise UTF-8: libxml2's forgiving HTML parser, poppler).
void append_sanitized(sink& out, std::string_view bytes);

// The code point of windows-1252 byte `b`.
char32_t windows_1252(unsigned char b) noexcept;

// Bytes in code page `codepage` (1252 built in, others through iconv; an unknown one as 1252)
// appended as UTF-8.
void append_codepage(std::string& out, std::string_view bytes, int codepage);

// One extractor per family of formats.
void extract_plain(context& ctx, input& in, sink& out);
void extract_xml(context& ctx, input& in, sink& out);
void extract_html(context& ctx, input& in, sink& out);
void extract_rtf(context& ctx, input& in, sink& out);
void extract_pdf(context& ctx, input& in, sink& out);
void extract_ooxml(context& ctx, input& in, sink& out, format f);

}  // namespace casio::extract::detail
