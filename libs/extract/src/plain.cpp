// Text formats (txt, csv, json, md) to UTF-8: a byte-order mark decides UTF-8 or UTF-16; without
// one, valid UTF-8 stays UTF-8 and anything else is read again as windows-1252, as browsers and
// Tika's fallback do.

#include <array>
#include <cerrno>
#include <cstring>
#include <iconv.h>

#include "detail.hpp"

namespace casio::extract::detail {
namespace {

// 0x80..0x9F of windows-1252; the five unassigned bytes map to the C1 controls (WHATWG).
constexpr std::array<char16_t, 32> cp1252_high{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

enum class encoding { utf8, utf8_bom, utf16le, utf16be, cp1252 };

// Decodes a stream chunk by chunk; a sequence cut by a chunk's end waits for the next chunk.
class decoder {
  public:
    explicit decoder(encoding e) : enc_(e) {}

    // False when the text proved not to be UTF-8 (only without a BOM): start over as 1252.
    bool feed(std::string_view chunk, sink& out) {
        pending_.append(chunk);
        std::string_view data(pending_);
        std::size_t used = 0;
        switch (enc_) {
            case encoding::utf8:
            case encoding::utf8_bom:
                used = feed_utf8(data, out);
                if (used == std::string_view::npos) {
                    return false;
                }
                break;
            case encoding::utf16le:
            case encoding::utf16be:
                used = feed_utf16(data, out);
                break;
            case encoding::cp1252:
                feed_1252(data, out);
                used = data.size();
                break;
        }
        pending_.erase(0, used);
        return true;
    }

    // The end of input: whatever is left is an incomplete sequence.
    bool finish(sink& out) {
        if (pending_.empty()) {
            return true;
        }
        if (enc_ == encoding::utf8) {
            return false;
        }
        out.append_code_point(0xFFFD);
        pending_.clear();
        return true;
    }

  private:
    std::size_t feed_utf8(std::string_view data, sink& out) {
        std::size_t used = 0;
        while (used < data.size()) {
            bool bad = false;
            const auto n = valid_utf8_prefix(data.data() + used, data.size() - used, bad);
            out.append(data.substr(used, n));
            used += n;
            if (!bad) {
                break;
            }
            if (enc_ == encoding::utf8) {
                return std::string_view::npos;
            }
            out.append_code_point(0xFFFD);
            ++used;
        }
        return used;
    }

    std::size_t feed_utf16(std::string_view data, sink& out) {
        std::string text;
        text.reserve(data.size());
        const auto* s = reinterpret_cast<const unsigned char*>(data.data());
        const bool le = enc_ == encoding::utf16le;
        auto unit = [&](std::size_t i) -> char32_t {
            return le ? (s[i] | (s[i + 1] << 8)) : ((s[i] << 8) | s[i + 1]);
        };
        std::size_t i = 0;
        while (i + 2 <= data.size()) {
            const char32_t u = unit(i);
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 4 > data.size()) {
                    break;
                }
                const char32_t low = unit(i + 2);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    append_utf8(text, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                    i += 4;
                    continue;
                }
                append_utf8(text, 0xFFFD);
            } else {
                append_utf8(text, u);  // a lone low surrogate becomes U+FFFD there
            }
            i += 2;
        }
        out.append(text);
        return i;
    }

    static void feed_1252(std::string_view data, sink& out) {
        std::string text;
        text.reserve(data.size() + data.size() / 4);
        for (const char ch : data) {
            const auto b = static_cast<unsigned char>(ch);
            if (b < 0x80) {
                text.push_back(ch);
            } else {
                append_utf8(text, windows_1252(b));
            }
        }
        out.append(text);
    }

    encoding enc_;
    std::string pending_;
};

// Decodes `in` with `enc`; false when it turned out not to be UTF-8.
bool decode(context& ctx, input& in, sink& out, encoding enc, std::size_t skip) {
    decoder dec(enc);
    std::string buf(chunk_size, '\0');
    bool first = true;
    while (!out.full()) {
        ctx.check_time();
        auto n = in.read(buf.data(), buf.size());
        if (n == 0) {
            break;
        }
        std::string_view chunk(buf.data(), n);
        if (first) {
            chunk.remove_prefix(std::min(skip, chunk.size()));
            first = false;
        }
        if (!dec.feed(chunk, out)) {
            return false;
        }
    }
    return out.full() || dec.finish(out);
}

}  // namespace

int utf8_sequence(const unsigned char* s, std::size_t n) noexcept {
    const unsigned char c = s[0];
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    for (int i = 1; i < len; ++i) {
        if (static_cast<std::size_t>(i) >= n) {
            return -1;
        }
        const unsigned char b = s[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) {
            return 0;
        }
    }
    return len;
}

std::size_t valid_utf8_prefix(const char* buf, std::size_t n, bool& bad) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(buf);
    std::size_t i = 0;
    bad = false;
    while (i < n) {
        // ASCII runs eight bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        if (s[i] < 0x80) {
            ++i;
            continue;
        }
        const int len = utf8_sequence(s + i, n - i);
        if (len <= 0) {
            bad = len == 0;
            return i;
        }
        i += static_cast<std::size_t>(len);
    }
    return i;
}

void append_utf8(std::string& out, char32_t cp) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        cp = 0xFFFD;
    }
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

void append_sanitized(sink& out, std::string_view bytes) {
    while (!bytes.empty() && !out.full()) {
        bool bad = false;
        const auto n = valid_utf8_prefix(bytes.data(), bytes.size(), bad);
        out.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        if (!bytes.empty()) {
            // An invalid byte, or a sequence cut by the end: one replacement character each.
            out.append_code_point(0xFFFD);
            bytes.remove_prefix(1);
        }
    }
}

char32_t windows_1252(unsigned char b) noexcept {
    if (b >= 0x80 && b <= 0x9F) {
        return cp1252_high[b - 0x80];
    }
    return b;
}

void append_codepage(std::string& out, std::string_view bytes, int codepage) {
    auto as_1252 = [&] {
        for (const char ch : bytes) {
            append_utf8(out, windows_1252(static_cast<unsigned char>(ch)));
        }
    };
    if (codepage == 1252 || codepage <= 0 || bytes.empty()) {
        as_1252();
        return;
    }
    // iconv descriptors are not shared between threads: one per call.
    const std::string from = codepage == 65001 ? "UTF-8" : "CP" + std::to_string(codepage);
    iconv_t cd = ::iconv_open("UTF-8", from.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        as_1252();
        return;
    }
    std::string in(bytes);
    char* src = in.data();
    std::size_t src_left = in.size();
    std::string buf(in.size() * 4 + 16, '\0');
    while (src_left > 0) {
        char* dst = buf.data();
        std::size_t dst_left = buf.size();
        const auto rc = ::iconv(cd, &src, &src_left, &dst, &dst_left);
        out.append(buf.data(), buf.size() - dst_left);
        if (rc == static_cast<std::size_t>(-1)) {
            if (errno == E2BIG) {
                continue;
            }
            // An invalid or incomplete sequence: one replacement character, then go on.
            append_utf8(out, 0xFFFD);
            ++src;
            --src_left;
        }
    }
    ::iconv_close(cd);
}

void extract_plain(context& ctx, input& in, sink& out) {
    const auto head = in.peek(3);
    auto starts = [&](std::string_view bom) { return std::string_view(head).starts_with(bom); };
    if (starts("\xEF\xBB\xBF")) {
        decode(ctx, in, out, encoding::utf8_bom, 3);
    } else if (starts("\xFF\xFE")) {
        decode(ctx, in, out, encoding::utf16le, 2);
    } else if (starts("\xFE\xFF")) {
        decode(ctx, in, out, encoding::utf16be, 2);
    } else if (!decode(ctx, in, out, encoding::utf8, 0)) {
        out.clear();
        in.rewind();
        decode(ctx, in, out, encoding::cp1252, 0);
    }
}

}  // namespace casio::extract::detail
