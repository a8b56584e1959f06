// RTF: a scanner over groups and control words. Text in the document's code page (\ansicpg, a
// font's \fcharset), \uN Unicode with \ucN fallback bytes skipped, destinations that are not text
// (font and colour tables, styles, document info, pictures, field instructions, anything behind
// \*) skipped. Headers, footers and footnotes are kept, as Tika keeps them.

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "detail.hpp"

namespace casio::extract::detail {
namespace {

constexpr std::size_t max_depth = 1000;

constexpr std::array<std::string_view, 31> skipped_destinations{"colortbl",
                                                                "stylesheet",
                                                                "info",
                                                                "pict",
                                                                "objdata",
                                                                "listtable",
                                                                "listoverridetable",
                                                                "revtbl",
                                                                "rsidtbl",
                                                                "generator",
                                                                "xmlnstbl",
                                                                "themedata",
                                                                "colorschememapping",
                                                                "datastore",
                                                                "latentstyles",
                                                                "pgdsctbl",
                                                                "filetbl",
                                                                "fldinst",
                                                                "bkmkstart",
                                                                "bkmkend",
                                                                "mmathPr",
                                                                "nonshppict",
                                                                "sp",
                                                                "private",
                                                                "userprops",
                                                                "docvar",
                                                                "datafield",
                                                                "listtext",
                                                                "pntext",
                                                                "pntxta",
                                                                "pntxtb"};

bool is_skipped_destination(std::string_view word) {
    for (const auto d : skipped_destinations) {
        if (word == d) {
            return true;
        }
    }
    return false;
}

// The Windows code page of an RTF \fcharset.
int codepage_of_charset(int charset) {
    switch (charset) {
        case 0:
            return 1252;
        case 77:
            return 10000;
        case 128:
            return 932;
        case 129:
            return 949;
        case 134:
            return 936;
        case 136:
            return 950;
        case 161:
            return 1253;
        case 162:
            return 1254;
        case 163:
            return 1258;
        case 177:
            return 1255;
        case 178:
            return 1256;
        case 186:
            return 1257;
        case 204:
            return 1251;
        case 222:
            return 874;
        case 238:
            return 1250;
        case 255:
            return 850;
        default:
            return 0;  // the document's code page
    }
}

struct group {
    bool skip = false;
    bool fonttbl = false;
    int uc = 1;
    int codepage = 0;  // 0: the document's \ansicpg
};

class rtf_scanner {
  public:
    rtf_scanner(context& ctx, input& in, sink& out) : ctx_(ctx), in_(in), out_(out) {
        buf_.resize(chunk_size);
    }

    void run() {
        if (in_.peek(5) != "{\\rtf") {
            ctx_.fail("not an RTF file");
        }
        int c;
        while (!out_.full() && (c = get()) >= 0) {
            switch (c) {
                case '{':
                    open_group();
                    break;
                case '}':
                    close_group();
                    break;
                case '\\':
                    control();
                    break;
                case '\r':
                case '\n':
                    break;
                default:
                    character(static_cast<unsigned char>(c));
            }
        }
        flush();
    }

  private:
    int get() {
        if (pos_ == len_) {
            ctx_.check_time();
            if (!text_.empty()) {
                out_.append(text_);
                text_.clear();
            }
            len_ = in_.read(buf_.data(), buf_.size());
            pos_ = 0;
            if (len_ == 0) {
                return -1;
            }
        }
        return static_cast<unsigned char>(buf_[pos_++]);
    }
    void unget() { --pos_; }  // only right after a successful get()

    group& top() { return stack_.back(); }
    bool skipping() const { return stack_.empty() || stack_.back().skip; }

    void open_group() {
        end_bytes();
        skip_chars_ = 0;
        if (stack_.size() >= max_depth) {
            ctx_.fail("RTF groups nested deeper than " + std::to_string(max_depth));
        }
        stack_.push_back(stack_.empty() ? group{} : top());
    }

    void close_group() {
        end_bytes();
        skip_chars_ = 0;
        if (!stack_.empty()) {
            stack_.pop_back();
        }
    }

    // A text byte: ASCII goes out as is, others in the current code page.
    void character(unsigned char c) {
        if (skip_chars_ > 0) {
            --skip_chars_;
            return;
        }
        if (skipping()) {
            return;
        }
        if (c < 0x80) {
            end_bytes();
            text_.push_back(static_cast<char>(c));
        } else {
            bytes_.push_back(static_cast<char>(c));
        }
    }

    void emit(std::string_view s) {
        if (!skipping()) {
            end_bytes();
            text_.append(s);
        }
    }

    void emit_code_point(char32_t cp) {
        if (skipping()) {
            return;
        }
        end_bytes();
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            high_surrogate_ = cp;
            return;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF && high_surrogate_) {
            cp = 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (cp - 0xDC00);
        }
        high_surrogate_ = 0;
        append_utf8(text_, cp);
    }

    int codepage() const {
        const int cp = stack_.empty() ? 0 : stack_.back().codepage;
        return cp ? cp : ansicpg_;
    }

    // Bytes of the current code page end here (a multi-byte code page needs them together).
    void end_bytes() {
        if (!bytes_.empty()) {
            append_codepage(text_, bytes_, codepage());
            bytes_.clear();
        }
    }

    void flush() {
        end_bytes();
        if (!text_.empty()) {
            out_.append(text_);
            text_.clear();
        }
    }

    void control() {
        int c = get();
        if (c < 0) {
            return;
        }
        if (!std::isalpha(c)) {
            control_symbol(c);
            return;
        }
        std::string word;
        while (c >= 0 && std::isalpha(c) && word.size() < 32) {
            word.push_back(static_cast<char>(c));
            c = get();
        }
        bool has_param = false;
        bool negative = false;
        long param = 0;
        if (c == '-') {
            negative = true;
            c = get();
        }
        int digits = 0;
        while (c >= 0 && std::isdigit(c)) {
            if (digits < 10) {
                param = param * 10 + (c - '0');
            }
            ++digits;
            has_param = true;
            c = get();
        }
        if (negative) {
            param = -param;
        }
        if (c >= 0 && c != ' ') {
            unget();
        }
        control_word(word, has_param, param);
    }

    void control_symbol(int c) {
        if (c == '\'') {
            const int h = get();
            const int l = get();
            const int v = (hex(h) << 4) | hex(l);
            if (h < 0 || l < 0 || hex(h) < 0 || hex(l) < 0) {
                return;
            }
            if (skip_chars_ > 0) {
                --skip_chars_;
                return;
            }
            if (!skipping()) {
                bytes_.push_back(static_cast<char>(v));
            }
            return;
        }
        if (skip_chars_ > 0) {
            --skip_chars_;
            return;
        }
        switch (c) {
            case '\\':
            case '{':
            case '}':
                emit(std::string_view(reinterpret_cast<const char*>(&c), 1));
                break;
            case '~':
                emit_code_point(0xA0);
                break;
            case '_':
                emit_code_point(0x2011);
                break;
            case '*':
                if (!stack_.empty()) {
                    top().skip = true;
                }
                break;
            case '\n':
            case '\r':
                emit("\n");
                break;
            default:
                break;  // \- optional hyphen, \: index subentry, unknown symbols
        }
    }

    static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    void control_word(std::string_view w, bool has_param, long param) {
        if (w == "bin" && has_param && param > 0) {
            for (long i = 0; i < param && get() >= 0; ++i) {
            }
            return;
        }
        if (w == "u" && has_param) {
            const auto cp = static_cast<char32_t>(param < 0 ? param + 65536 : param);
            skip_chars_ = 0;
            emit_code_point(cp);
            skip_chars_ = stack_.empty() ? 1 : top().uc;
            return;
        }
        if (skip_chars_ > 0) {
            --skip_chars_;
            return;
        }
        if (stack_.empty()) {
            return;
        }
        if (w == "fonttbl") {
            top().fonttbl = true;
            top().skip = true;
        } else if (is_skipped_destination(w)) {
            top().skip = true;
        } else if (w == "uc" && has_param) {
            top().uc = static_cast<int>(std::max(0L, std::min(param, 8L)));
        } else if (w == "ansicpg" && has_param) {
            ansicpg_ = static_cast<int>(param);
        } else if (w == "mac") {
            ansicpg_ = 10000;
        } else if (w == "pc") {
            ansicpg_ = 437;
        } else if (w == "pca") {
            ansicpg_ = 850;
        } else if (w == "f" && has_param) {
            if (top().fonttbl) {
                font_ = param;
            } else {
                end_bytes();
                const auto it = font_codepages_.find(param);
                top().codepage = it == font_codepages_.end() ? 0 : it->second;
            }
        } else if (w == "fcharset" && has_param && top().fonttbl) {
            font_codepages_[font_] = codepage_of_charset(static_cast<int>(param));
        } else if (w == "cpg" && has_param && top().fonttbl) {
            font_codepages_[font_] = static_cast<int>(param);
        } else if (w == "par" || w == "line" || w == "row" || w == "sect" || w == "page") {
            emit("\n");
        } else if (w == "tab" || w == "cell" || w == "nestcell") {
            emit("\t");
        } else if (w == "emdash") {
            emit_code_point(0x2014);
        } else if (w == "endash") {
            emit_code_point(0x2013);
        } else if (w == "bullet") {
            emit_code_point(0x2022);
        } else if (w == "lquote") {
            emit_code_point(0x2018);
        } else if (w == "rquote") {
            emit_code_point(0x2019);
        } else if (w == "ldblquote") {
            emit_code_point(0x201C);
        } else if (w == "rdblquote") {
            emit_code_point(0x201D);
        } else if (w == "emspace" || w == "enspace" || w == "qmspace") {
            emit(" ");
        }
    }

    context& ctx_;
    input& in_;
    sink& out_;
    std::string buf_;
    std::size_t pos_ = 0;
    std::size_t len_ = 0;
    std::vector<group> stack_;
    std::string text_;
    std::string bytes_;
    int ansicpg_ = 1252;
    int skip_chars_ = 0;
    char32_t high_surrogate_ = 0;
    long font_ = 0;
    std::map<long, int> font_codepages_;
};

}  // namespace

void extract_rtf(context& ctx, input& in, sink& out) {
    rtf_scanner(ctx, in, out).run();
}

}  // namespace casio::extract::detail
