#include <fstream>
// The entry points: limits checked up front, the format's extractor, and every failure turned
// into one extract_error that names the file.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <casio/core/text.hpp>

#include "detail.hpp"

namespace casio::extract {
namespace {

struct format_name {
    std::string_view name;
    format f;
};

constexpr std::array<format_name, 15> extensions{{
    {"txt", format::text},
    {"text", format::text},
    {"csv", format::csv},
    {"json", format::json},
    {"xml", format::xml},
    {"html", format::html},
    {"htm", format::html},
    {"md", format::markdown},
    {"markdown", format::markdown},
    {"rtf", format::rtf},
    {"pdf", format::pdf},
    {"docx", format::docx},
    {"xlsx", format::xlsx},
    {"pptx", format::pptx},
    {"xhtml", format::html},
}};

result run(detail::input& in, format f, const limits& l, std::string name) {
    detail::context ctx(std::move(name), l);
    try {
        if (in.size() > l.max_input_bytes) {
            ctx.fail("input of " + std::to_string(in.size()) + " bytes is over the limit of " +
                     std::to_string(l.max_input_bytes) + " bytes");
        }
        ctx.check_time();
        detail::sink out(l.max_output_chars);
        switch (f) {
            case format::text:
            case format::csv:
            case format::json:
            case format::markdown:
                detail::extract_plain(ctx, in, out);
                break;
            case format::xml:
                detail::extract_xml(ctx, in, out);
                break;
            case format::html:
                detail::extract_html(ctx, in, out);
                break;
            case format::rtf:
                detail::extract_rtf(ctx, in, out);
                break;
            case format::pdf:
                detail::extract_pdf(ctx, in, out);
                break;
            case format::docx:
            case format::xlsx:
            case format::pptx:
                detail::extract_ooxml(ctx, in, out, f);
                break;
            case format::unknown:
                ctx.fail("unsupported format");
        }
        return out.take();
    } catch (const extract_error&) {
        throw;
    } catch (const std::bad_alloc&) {
        ctx.fail("out of memory");
    } catch (const std::exception& e) {
        ctx.fail(e.what());
    } catch (...) {
        ctx.fail("unexpected failure");
    }
}

}  // namespace

format format_of(std::string_view name_or_extension) {
    std::string_view s = name_or_extension;
    if (const auto dot = s.rfind('.'); dot != std::string_view::npos) {
        s.remove_prefix(dot + 1);
    }
    for (const auto& e : extensions) {
        if (core::iequals(s, e.name)) {
            return e.f;
        }
    }
    return format::unknown;
}

namespace {

std::string_view skip_space_and_bom(std::string_view s) {
    if (s.starts_with("\xEF\xBB\xBF")) {
        s.remove_prefix(3);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
        s.remove_prefix(1);
    }
    return s;
}

bool icontains(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) {
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        if (core::iequals(hay.substr(i, needle.size()), needle)) {
            return true;
        }
    }
    return false;
}

}  // namespace

format sniff_format(std::string_view head, std::string_view tail) {
    if (head.starts_with("%PDF-")) {
        return format::pdf;
    }
    if (head.starts_with("\xD0\xCF\x11\xE0")) {
        return format::docx;  // OLE: refused as encrypted or legacy Office
    }
    if (head.starts_with("PK\x03\x04")) {
        for (const auto& [part, f] : {std::pair{"word/document.xml", format::docx},
                                      std::pair{"xl/workbook.xml", format::xlsx},
                                      std::pair{"ppt/presentation.xml", format::pptx}}) {
            if (tail.find(part) != std::string_view::npos ||
                head.find(part) != std::string_view::npos) {
                return f;
            }
        }
        return format::docx;  // a zip of another kind: refused naming what is missing
    }
    const auto text = skip_space_and_bom(head);
    if (text.starts_with("{\\rtf")) {
        return format::rtf;
    }
    if (text.starts_with("{") || text.starts_with("[")) {
        return format::json;
    }
    if (text.starts_with("<")) {
        return icontains(head.substr(0, 4096), "<html") ? format::html : format::xml;
    }
    return format::text;
}

format sniff_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    in.clear();
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in.tellg()));
    const std::uint64_t tail_size = std::min<std::uint64_t>(size, 65536);
    std::string tail(static_cast<std::size_t>(tail_size), '\0');
    in.seekg(static_cast<std::streamoff>(size - tail_size));
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    tail.resize(static_cast<std::size_t>(in.gcount()));
    return sniff_format(head, tail);
}

std::string_view to_string(format f) {
    switch (f) {
        case format::text:
            return "text";
        case format::csv:
            return "csv";
        case format::json:
            return "json";
        case format::xml:
            return "xml";
        case format::html:
            return "html";
        case format::markdown:
            return "markdown";
        case format::rtf:
            return "rtf";
        case format::pdf:
            return "pdf";
        case format::docx:
            return "docx";
        case format::xlsx:
            return "xlsx";
        case format::pptx:
            return "pptx";
        case format::unknown:
            return "unknown";
    }
    return "unknown";
}

result extract_file(const std::filesystem::path& path, format f, const limits& l,
                    std::string_view name) {
    std::string shown(name.empty() ? path.filename().string() : std::string(name));
    std::optional<detail::input> in;
    try {
        in.emplace(detail::input::of_file(path));
    } catch (const std::exception& e) {
        throw extract_error(core::error_kind::bad_request, shown + ": " + e.what());
    }
    return run(*in, f, l, std::move(shown));
}

result extract_bytes(std::string_view bytes, format f, const limits& l, std::string_view name) {
    auto in = detail::input::of_bytes(bytes);
    return run(in, f, l, std::string(name.empty() ? std::string_view("input") : name));
}

namespace detail {

input input::of_file(const std::filesystem::path& path) {
    input in;
    in.path_ = path;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw std::runtime_error("is a directory");
    }
    in.file_.reset(std::fopen(path.c_str(), "rb"));
    if (!in.file_) {
        throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        throw std::runtime_error("cannot read its size: " + ec.message());
    }
    in.size_ = size;
    return in;
}

input input::of_bytes(std::string_view bytes) {
    input in;
    in.bytes_ = bytes;
    in.size_ = bytes.size();
    return in;
}

std::size_t input::read(char* buf, std::size_t n) {
    if (file_) {
        const auto got = std::fread(buf, 1, n, file_.get());
        if (got < n && std::ferror(file_.get())) {
            throw std::runtime_error("read error");
        }
        return got;
    }
    const auto got = std::min(n, bytes_.size() - pos_);
    std::memcpy(buf, bytes_.data() + pos_, got);
    pos_ += got;
    return got;
}

void input::rewind() {
    if (file_) {
        std::rewind(file_.get());
    }
    pos_ = 0;
}

std::string input::peek(std::size_t n) {
    if (!file_) {
        return std::string(bytes_.substr(pos_, n));
    }
    const auto at = std::ftell(file_.get());
    std::string s(n, '\0');
    std::rewind(file_.get());
    s.resize(std::fread(s.data(), 1, n, file_.get()));
    std::fseek(file_.get(), at, SEEK_SET);
    return s;
}

context::context(std::string name, const limits& l)
    : name_(std::move(name)),
      limits_(l),
      deadline_(std::chrono::steady_clock::now() + l.max_time) {}

void context::fail(std::string_view reason) const {
    throw extract_error(core::error_kind::bad_request, name_ + ": " + std::string(reason));
}

void context::check_time() const {
    if (std::chrono::steady_clock::now() >= deadline_) {
        fail("extraction took longer than " + std::to_string(limits_.max_time.count()) + " ms");
    }
}

void sink::append(std::string_view utf8) {
    if (truncated_) {
        return;
    }
    if (text_.size() + utf8.size() <= cap_) {
        text_.append(utf8);
        return;
    }
    auto keep = cap_ - text_.size();
    // Back off to the start of the character the cap falls into.
    while (keep > 0 && keep < utf8.size() &&
           (static_cast<unsigned char>(utf8[keep]) & 0xC0) == 0x80) {
        --keep;
    }
    text_.append(utf8.substr(0, keep));
    truncated_ = true;
}

void sink::append_code_point(char32_t cp) {
    std::string s;
    append_utf8(s, cp);
    append(s);
}

void sink::line_break() {
    if (!text_.empty() && text_.back() != '\n') {
        append('\n');
    }
}

}  // namespace detail
}  // namespace casio::extract
