// Office Open XML (docx, xlsx, pptx): the zip opened with libzip, each XML part streamed through
// libxml2's SAX parser, in the order Tika's OOXML extractors emit them. Every byte inflated is
// counted against limits::max_unpacked_bytes: declared sizes in a zip are never trusted.

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <zip.h>

#include "detail.hpp"
#include "number_format.hpp"
#include "sax.hpp"

namespace casio::extract::detail {
namespace {

constexpr std::string_view ole_signature("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);

// libzip 1.7 fills two static masks on its first zip_open_from_source (zip_open goes through
// it too) without a lock; another thread's first open can read one filled and the other not.
// One open made here, before any archive, fills them for every thread that comes later.
void fill_libzip_statics() {
    static std::once_flag once;
    std::call_once(once, [] {
        zip_error_t err;
        zip_error_init(&err);
        if (zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err)) {
            if (zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &err)) {
                zip_discard(z);
            } else {
                zip_source_free(src);
            }
        }
        zip_error_fini(&err);
    });
}

struct zip_closer {
    void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
struct zip_file_closer {
    void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

// A part's relationships (Id -> Target, resolved against the part's folder, and Type).
struct relationship {
    std::string target;  // an external one (a URL) as written
    std::string type;
    bool external = false;
};
class archive {
  public:
    archive(context& ctx, input& in, std::string_view kind) : ctx_(ctx), kind_(kind) {
        fill_libzip_statics();
        zip_error_t err;
        zip_error_init(&err);
        zip_t* z = nullptr;
        if (in.is_file()) {
            int code = 0;
            z = zip_open(in.path().c_str(), ZIP_RDONLY, &code);
            zip_error_init_with_code(&err, code);
        } else {
            zip_source_t* src =
                zip_source_buffer_create(in.bytes().data(), in.bytes().size(), 0, &err);
            if (src) {
                z = zip_open_from_source(src, ZIP_RDONLY, &err);
                if (!z) {
                    zip_source_free(src);
                }
            }
        }
        const std::string why = zip_error_strerror(&err);
        zip_error_fini(&err);
        if (!z) {
            ctx_.fail("not a valid " + kind_ + " (zip) file (corrupt or truncated): " + why);
        }
        zip_.reset(z);
    }

    bool has(const std::string& name) const {
        return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0;
    }
    bool has(const relationship& r) const { return !r.external && has(r.target); }

    // Entry names matching prefix + number + suffix, in numeric order.
    std::vector<std::string> numbered(std::string_view prefix, std::string_view suffix) const {
        std::vector<std::pair<long, std::string>> found;
        const auto n = zip_get_num_entries(zip_.get(), 0);
        for (zip_int64_t i = 0; i < n; ++i) {
            const char* raw = zip_get_name(zip_.get(), static_cast<zip_uint64_t>(i), 0);
            if (!raw) {
                continue;
            }
            std::string_view name(raw);
            if (!name.starts_with(prefix) || !name.ends_with(suffix) ||
                name.size() <= prefix.size() + suffix.size()) {
                continue;
            }
            const auto digits =
                name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
            if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; })) {
                continue;
            }
            found.emplace_back(std::stol(std::string(digits)), std::string(name));
        }
        std::sort(found.begin(), found.end());
        std::vector<std::string> names;
        for (auto& f : found) {
            names.push_back(std::move(f.second));
        }
        return names;
    }

    // Streams entry `name` through `h`.
    void parse(const std::string& name, sax_handler& h) {
        ctx_.check_time();
        std::unique_ptr<zip_file_t, zip_file_closer> f(zip_fopen(zip_.get(), name.c_str(), 0));
        if (!f) {
            const std::string why = zip_strerror(zip_.get());
            if (zip_error_code_zip(zip_get_error(zip_.get())) == ZIP_ER_NOPASSWD ||
                zip_error_code_zip(zip_get_error(zip_.get())) == ZIP_ER_ENCRNOTSUPP) {
                ctx_.fail("encrypted zip entry " + name);
            }
            ctx_.fail("cannot read " + name + " in the " + kind_ + " file: " + why);
        }
        auto read = [&](char* buf, std::size_t n) -> std::size_t {
            const auto got = zip_fread(f.get(), buf, n);
            if (got < 0) {
                ctx_.fail("corrupt " + name + " in the " + kind_ +
                          " file: " + zip_file_strerror(f.get()));
            }
            unpacked_ += static_cast<std::uint64_t>(got);
            if (unpacked_ > ctx_.caps().max_unpacked_bytes) {
                ctx_.fail("zip bomb?: more than " + std::to_string(ctx_.caps().max_unpacked_bytes) +
                          " bytes unpacked");
            }
            return static_cast<std::size_t>(got);
        };
        parse_xml(ctx_, read, h, "malformed " + name);
    }

  private:
    context& ctx_;
    std::string kind_;
    std::unique_ptr<zip_t, zip_closer> zip_;
    std::uint64_t unpacked_ = 0;
};

using relationships = std::map<std::string, relationship, std::less<>>;

std::string resolve(std::string_view folder, std::string_view target) {
    std::vector<std::string> parts;
    auto push_all = [&](std::string_view p) {
        while (!p.empty()) {
            const auto slash = p.find('/');
            const auto seg = p.substr(0, slash);
            if (seg == "..") {
                if (!parts.empty()) {
                    parts.pop_back();
                }
            } else if (!seg.empty() && seg != ".") {
                parts.emplace_back(seg);
            }
            if (slash == std::string_view::npos) {
                break;
            }
            p.remove_prefix(slash + 1);
        }
    };
    if (!target.starts_with('/')) {
        push_all(folder);
    }
    push_all(target);
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            out.push_back('/');
        }
        out += p;
    }
    return out;
}

class rels_handler : public sax_handler {
  public:
    rels_handler(relationships& rels, std::string folder)
        : rels_(rels), folder_(std::move(folder)) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name != "Relationship") {
            return;
        }
        const bool external = attr(attrs, "TargetMode") == "External";
        const auto target = attr(attrs, "Target");
        rels_[std::string(attr(attrs, "Id"))] = {
            external ? std::string(target) : resolve(folder_, target),
            std::string(attr(attrs, "Type")), external};
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}

  private:
    relationships& rels_;
    std::string folder_;
};

// The relationships of part `part` (e.g. word/document.xml -> word/_rels/document.xml.rels).
relationships rels_of(archive& zip, const std::string& part) {
    const auto slash = part.rfind('/');
    const std::string folder = slash == std::string::npos ? "" : part.substr(0, slash);
    const std::string file = slash == std::string::npos ? part : part.substr(slash + 1);
    const std::string name = (folder.empty() ? "" : folder + "/") + "_rels/" + file + ".rels";
    relationships rels;
    if (zip.has(name)) {
        rels_handler h(rels, folder);
        zip.parse(name, h);
    }
    return rels;
}

bool type_is(const relationship& r, std::string_view suffix) {
    return r.type.ends_with(suffix);
}

// ---- docx ------------------------------------------------------------------------------------

using notes = std::map<std::string, std::string, std::less<>>;

// List numbering (word/numbering.xml): the number Word shows before a numbered paragraph, as
// Tika writes it ("1. ", "a) ", a bullet character).
class numbering {
  public:
    struct level {
        int start = 1;
        std::string format = "decimal";
        std::string text;
    };
    std::map<std::string, std::map<int, level>> abstract;  // abstractNumId -> ilvl -> level
    std::map<std::string, std::string> nums;               // numId -> abstractNumId

    std::string next(const std::string& num_id, int ilvl) {
        const auto n = nums.find(num_id);
        if (n == nums.end() || ilvl < 0 || ilvl > 8) {
            return {};
        }
        const auto& levels = abstract[n->second];
        auto& counters = counters_[num_id];
        counters.resize(9, 0);
        auto start_of = [&](int l) {
            const auto it = levels.find(l);
            return it == levels.end() ? 1 : it->second.start;
        };
        counters[ilvl] =
            counters[ilvl] == 0 ? start_of(ilvl) : std::min(counters[ilvl] + 1, 1 << 30);
        for (int l = ilvl + 1; l < 9; ++l) {
            counters[l] = 0;
        }
        const auto it = levels.find(ilvl);
        if (it == levels.end()) {
            return {};
        }
        const auto& text = it->second.text;
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '%' && i + 1 < text.size() && text[i + 1] >= '1' && text[i + 1] <= '9') {
                const int l = text[i + 1] - '1';
                const auto lv = levels.find(l);
                const int value = counters[l] == 0 ? start_of(l) : counters[l];
                out += format(value, lv == levels.end() ? "decimal" : lv->second.format);
                ++i;
            } else {
                out.push_back(text[i]);
            }
        }
        return out.empty() ? out : out + " ";
    }

  private:
    static std::string format(int v, const std::string& fmt) {
        if ((fmt == "lowerLetter" || fmt == "upperLetter") && v <= 26 * 8) {
            std::string s;
            const char base = fmt == "lowerLetter" ? 'a' : 'A';
            const int n = v <= 0 ? 1 : v;
            s.assign(static_cast<std::size_t>((n - 1) / 26 + 1),
                     static_cast<char>(base + (n - 1) % 26));
            return s;
        }
        if (fmt == "lowerRoman" || fmt == "upperRoman") {
            static const std::pair<int, const char*> table[] = {
                {1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
                {90, "xc"},  {50, "l"},   {40, "xl"}, {10, "x"},   {9, "ix"},
                {5, "v"},    {4, "iv"},   {1, "i"}};
            std::string s;
            for (const auto& [value, digits] : table) {
                while (v >= value) {
                    s += digits;
                    v -= value;
                }
            }
            if (fmt == "upperRoman") {
                for (auto& c : s) {
                    c = static_cast<char>(c - 'a' + 'A');
                }
            }
            return s;
        }
        if (fmt == "none" || fmt == "bullet") {
            return {};
        }
        if (fmt == "decimalZero" && v < 10) {
            return "0" + std::to_string(v);
        }
        return std::to_string(v);
    }

    std::map<std::string, std::vector<int>> counters_;
};

class numbering_handler : public sax_handler {
  public:
    explicit numbering_handler(numbering& n) : n_(n) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "abstractNum") {
            abstract_ = attr(attrs, "abstractNumId");
        } else if (name == "num") {
            num_ = attr(attrs, "numId");
        } else if (name == "abstractNumId" && !num_.empty()) {
            n_.nums[num_] = attr(attrs, "val");
        } else if (name == "lvl" && !abstract_.empty()) {
            ilvl_ = std::atoi(std::string(attr(attrs, "ilvl")).c_str());
            n_.abstract[abstract_][ilvl_] = {};
        } else if (ilvl_ >= 0 && !abstract_.empty()) {
            auto& lv = n_.abstract[abstract_][ilvl_];
            if (name == "start") {
                // Bounded, so that counting on and lettering stay small.
                lv.start =
                    std::clamp(std::atoi(std::string(attr(attrs, "val")).c_str()), 0, 100000);
            } else if (name == "numFmt") {
                lv.format = attr(attrs, "val");
            } else if (name == "lvlText") {
                lv.text = attr(attrs, "val");
            }
        }
    }
    void end(std::string_view name) override {
        if (name == "abstractNum") {
            abstract_.clear();
        } else if (name == "num") {
            num_.clear();
        } else if (name == "lvl") {
            ilvl_ = -1;
        }
    }
    void text(std::string_view) override {}

  private:
    numbering& n_;
    std::string abstract_;
    std::string num_;
    int ilvl_ = -1;
};

// What a docx body refers to: notes, comments, numbering, and a way to emit header and footer
// parts by relationship id.
struct docx_parts {
    notes footnotes;
    notes endnotes;
    notes comments;  // id -> "\tComment by <author>: <text>"
    numbering lists;
    std::function<void(sink&, const std::vector<std::string>& ids)> emit;
};

// WordprocessingML text in Tika's order: a paragraph's list number, its runs (w:t, tabs,
// breaks), then its comments, its footnotes and endnotes as "[id: text]", then the paragraphs of
// its text boxes. Table cells end with a tab, rows with a line. A section that ends at a
// paragraph has its headers before that paragraph and its footers after it; the document's last
// section is left to the caller (its headers come before the body).
class docx_handler : public sax_handler {
  public:
    docx_handler(sink& out, docx_parts& parts)
        : out_(out), boxes_(std::numeric_limits<std::size_t>::max()), parts_(parts) {}

    void start(std::string_view name, const attributes& attrs) override {
        if (name == "Fallback" || name == "instrText" || name == "delText") {
            ++skip_;
        } else if (skip_ > 0) {
            return;
        } else if (name == "t") {
            ++in_t_;
        } else if (name == "r") {
            ++in_r_;
        } else if (name == "p") {
            ++in_p_;
        } else if (name == "pPr") {
            ++in_ppr_;
        } else if (name == "txbxContent") {
            ++in_box_;
        } else if (in_r_ > 0 && name == "tab") {
            cur().append('\t');
        } else if (in_r_ > 0 && (name == "br" || name == "cr")) {
            cur().append('\n');
        } else if (in_ppr_ > 0 && name == "ilvl") {
            ilvl_ = std::atoi(std::string(attr(attrs, "val")).c_str());
        } else if (in_ppr_ > 0 && name == "numId") {
            num_id_ = attr(attrs, "val");
        } else if (name == "footnoteReference" || name == "endnoteReference") {
            const auto& table = name == "footnoteReference" ? parts_.footnotes : parts_.endnotes;
            const auto id = attr(attrs, "id");
            const auto it = table.find(id);
            notes_ += " [" + std::string(id) + ": " + (it == table.end() ? "" : it->second) + "] ";
        } else if (name == "commentRangeStart") {
            if (const auto it = parts_.comments.find(attr(attrs, "id"));
                it != parts_.comments.end()) {
                comments_ += it->second;
            }
        } else if (name == "sectPr") {
            header_refs_.clear();
            footer_refs_.clear();
        } else if (name == "headerReference" || name == "footerReference") {
            auto& refs = name == "headerReference" ? header_refs_ : footer_refs_;
            refs.emplace_back(attr(attrs, "type"), attr(attrs, "id"));
        }
    }

    void end(std::string_view name) override {
        if (name == "Fallback" || name == "instrText" || name == "delText") {
            skip_ -= skip_ > 0;
        } else if (skip_ > 0) {
            return;
        } else if (name == "t") {
            in_t_ -= in_t_ > 0;
        } else if (name == "r") {
            in_r_ -= in_r_ > 0;
        } else if (name == "pPr") {
            in_ppr_ -= in_ppr_ > 0;
            if (in_ppr_ == 0 && !num_id_.empty() && num_id_ != "0") {
                cur().append(parts_.lists.next(num_id_, ilvl_));
            }
            num_id_.clear();
            ilvl_ = 0;
        } else if (name == "sectPr" && in_ppr_ > 0 && in_box_ == 0) {
            // A section ending at this paragraph: its headers now, its footers after it.
            parts_.emit(cur(), refs(true));
            section_footers_ = refs(false);
            header_refs_.clear();
            footer_refs_.clear();
        } else if (name == "txbxContent") {
            in_box_ -= in_box_ > 0;
        } else if (name == "p") {
            in_p_ -= in_p_ > 0;
            if (in_box_ > 0) {
                cur().append('\n');
                return;
            }
            out_.append(comments_);
            out_.append(notes_);
            comments_.clear();
            notes_.clear();
            out_.append('\n');
            if (in_p_ == 0 && !boxes_.empty()) {
                out_.append(boxes_.text());
                boxes_.clear();
            }
            if (!section_footers_.empty()) {
                parts_.emit(out_, section_footers_);
                section_footers_.clear();
            }
        } else if (name == "tc") {
            cur().append('\t');
        } else if (name == "tr") {
            cur().line_break();
        }
    }

    void text(std::string_view utf8) override {
        if (in_t_ > 0 && skip_ == 0) {
            cur().append(utf8);
        }
    }
    bool done() const override { return out_.full(); }

    // The header or footer relationship ids of the last section read, in Tika's order: first
    // page, even pages, default.
    std::vector<std::string> refs(bool headers) const {
        const auto& refs = headers ? header_refs_ : footer_refs_;
        std::vector<std::string> ids;
        for (const std::string_view type : {"first", "even", "default"}) {
            for (const auto& [t, id] : refs) {
                if (t == type || (t.empty() && type == "default")) {
                    ids.push_back(id);
                }
            }
        }
        return ids;
    }

  private:
    sink& cur() { return in_box_ > 0 ? boxes_ : out_; }

    sink& out_;
    sink boxes_;  // text boxes of the current paragraph, written after it
    docx_parts& parts_;
    int skip_ = 0;
    int in_t_ = 0;
    int in_r_ = 0;
    int in_p_ = 0;
    int in_ppr_ = 0;
    int in_box_ = 0;
    int ilvl_ = 0;
    std::string num_id_;
    std::string notes_;
    std::string comments_;
    std::vector<std::string> section_footers_;
    std::vector<std::pair<std::string, std::string>> header_refs_;
    std::vector<std::pair<std::string, std::string>> footer_refs_;
};

// The text of each w:footnote, w:endnote or w:comment by id; paragraphs joined by line breaks.
class notes_handler : public sax_handler {
  public:
    notes_handler(notes& n, std::size_t cap) : notes_(n), cap_(cap) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "footnote" || name == "endnote" || name == "comment") {
            id_ = attr(attrs, "id");
            author_ = attr(attrs, "author");
            comment_ = name == "comment";
            text_.clear();
        } else if (name == "t") {
            in_t_ = true;
        } else if (name == "p" && !text_.empty()) {
            text_.push_back('\n');
        }
    }
    void end(std::string_view name) override {
        if (name == "footnote" || name == "endnote" || name == "comment") {
            notes_[id_] = comment_ ? "\tComment by " + author_ + ": " + text_ : text_;
            text_.clear();
        } else if (name == "t") {
            in_t_ = false;
        }
    }
    void text(std::string_view utf8) override {
        if (in_t_ && text_.size() < cap_) {
            text_.append(utf8);
        }
    }

  private:
    notes& notes_;
    std::size_t cap_;
    std::string id_;
    std::string author_;
    std::string text_;
    bool comment_ = false;
    bool in_t_ = false;
};

void extract_docx(context& ctx, archive& zip, sink& out) {
    const std::string main = "word/document.xml";
    if (!zip.has(main)) {
        ctx.fail("not a valid docx file: " + main + " is missing");
    }
    const auto rels = rels_of(zip, main);
    docx_parts parts;
    for (const auto& [id, r] : rels) {
        if (!zip.has(r)) {
            continue;
        }
        notes* table = type_is(r, "/footnotes")  ? &parts.footnotes
                       : type_is(r, "/endnotes") ? &parts.endnotes
                       : type_is(r, "/comments") ? &parts.comments
                                                 : nullptr;
        if (table) {
            notes_handler h(*table, ctx.caps().max_output_chars);
            zip.parse(r.target, h);
        } else if (type_is(r, "/numbering")) {
            numbering_handler h(parts.lists);
            zip.parse(r.target, h);
        }
    }
    parts.emit = [&](sink& to, const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            const auto it = rels.find(id);
            if (it != rels.end() && zip.has(it->second) && !to.full()) {
                docx_handler part(to, parts);
                zip.parse(it->second.target, part);
            }
        }
    };
    sink body(ctx.caps().max_output_chars);
    docx_handler h(body, parts);
    zip.parse(main, h);

    parts.emit(out, h.refs(true));
    out.append(body.text());
    if (body.full()) {
        out.mark_truncated();
    }
    parts.emit(out, h.refs(false));
}

// ---- pptx ------------------------------------------------------------------------------------

// DrawingML text: a:t runs, paragraphs as lines, table cells separated by tabs. With
// `skip_placeholders` (layouts and masters), the text of placeholder shapes ("Click to add
// title") is left out, as Tika leaves it.
class slide_handler : public sax_handler {
  public:
    explicit slide_handler(sink& out, bool skip_placeholders = false)
        : out_(out), skip_placeholders_(skip_placeholders) {}
    void start(std::string_view name, const attributes&) override {
        if (name == "Fallback") {
            ++skip_;
        } else if (name == "sp") {
            placeholder_.push_back(false);
        } else if (name == "ph" && !placeholder_.empty()) {
            placeholder_.back() = true;
        } else if (skip_ == 0 && name == "t") {
            in_t_ = true;
        } else if (skip_ == 0 && name == "br" && !skipped()) {
            out_.append('\n');
        }
    }
    void end(std::string_view name) override {
        if (name == "Fallback") {
            skip_ -= skip_ > 0;
        } else if (skip_ > 0) {
            return;
        } else if (name == "sp" && !placeholder_.empty()) {
            placeholder_.pop_back();
        } else if (name == "t") {
            in_t_ = false;
        } else if (skipped()) {
            return;
        } else if (name == "p") {
            out_.line_break();
        } else if (name == "tc") {
            out_.append('\t');
        } else if (name == "tr") {
            out_.line_break();
        }
    }
    void text(std::string_view utf8) override {
        if (in_t_ && skip_ == 0 && !skipped()) {
            out_.append(utf8);
        }
    }
    bool done() const override { return out_.full(); }

  private:
    bool skipped() const {
        return skip_placeholders_ && !placeholder_.empty() && placeholder_.back();
    }

    sink& out_;
    bool skip_placeholders_;
    std::vector<bool> placeholder_;
    int skip_ = 0;
    bool in_t_ = false;
};

class presentation_handler : public sax_handler {
  public:
    std::vector<std::string> slide_ids;
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "sldId") {
            slide_ids.emplace_back(attr(attrs, "id"));
        }
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}
};

// ppt/commentAuthors.xml: author id -> "Name (initials)".
class comment_authors_handler : public sax_handler {
  public:
    std::map<std::string, std::string, std::less<>> authors;
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "cmAuthor") {
            std::string a(attr(attrs, "name"));
            if (const auto ini = attr(attrs, "initials"); !ini.empty()) {
                a += (a.empty() ? "(" : " (") + std::string(ini) + ")";
            }
            authors[std::string(attr(attrs, "id"))] = a;
        }
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}
};

// A slide's comments, each "Author (initials) - text" on its line.
class slide_comments_handler : public sax_handler {
  public:
    slide_comments_handler(sink& out, const comment_authors_handler& authors)
        : out_(out), authors_(authors) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "cm") {
            const auto it = authors_.authors.find(attr(attrs, "authorId"));
            author_ = it == authors_.authors.end() ? "" : it->second;
        } else if (name == "text") {
            in_text_ = true;
            out_.line_break();
            if (!author_.empty()) {
                out_.append(author_ + " - ");
            }
        }
    }
    void end(std::string_view name) override {
        if (name == "text") {
            in_text_ = false;
            out_.line_break();
        }
    }
    void text(std::string_view utf8) override {
        if (in_text_) {
            out_.append(utf8);
        }
    }
    bool done() const override { return out_.full(); }

  private:
    sink& out_;
    const comment_authors_handler& authors_;
    std::string author_;
    bool in_text_ = false;
};

// The first target of `part`'s relationships whose type ends with `type`.
std::optional<std::string> related(archive& zip, const std::string& part, std::string_view type) {
    for (const auto& [id, r] : rels_of(zip, part)) {
        if (type_is(r, type) && zip.has(r)) {
            return r.target;
        }
    }
    return std::nullopt;
}

void extract_pptx(context& ctx, archive& zip, sink& out) {
    const std::string main = "ppt/presentation.xml";
    if (!zip.has(main)) {
        ctx.fail("not a valid pptx file: " + main + " is missing");
    }
    const auto rels = rels_of(zip, main);
    presentation_handler pres;
    zip.parse(main, pres);
    std::vector<std::string> slides;
    for (const auto& id : pres.slide_ids) {
        if (const auto it = rels.find(id); it != rels.end() && zip.has(it->second)) {
            slides.push_back(it->second.target);
        }
    }
    if (slides.empty()) {
        slides = zip.numbered("ppt/slides/slide", ".xml");
    }
    comment_authors_handler authors;
    for (const auto& [id, r] : rels) {
        if (type_is(r, "/commentAuthors") && zip.has(r)) {
            zip.parse(r.target, authors);
        }
    }
    // Layouts and masters are shared by many slides: their text is read once and repeated.
    std::map<std::string, std::string> shared_text;
    auto text_of = [&](const std::string& part, bool skip_placeholders) {
        if (out.full()) {
            return;
        }
        if (!skip_placeholders) {
            slide_handler h(out, false);
            zip.parse(part, h);
            out.line_break();
            return;
        }
        auto it = shared_text.find(part);
        if (it == shared_text.end()) {
            sink text(ctx.caps().max_output_chars);
            slide_handler h(text, true);
            zip.parse(part, h);
            it = shared_text.emplace(part, text.text()).first;
        }
        out.append(it->second);
        out.line_break();
    };
    std::map<std::string, std::optional<std::string>> masters;
    auto master_of = [&](const std::string& part, std::string_view type) {
        auto it = masters.find(part);
        if (it == masters.end()) {
            it = masters.emplace(part, related(zip, part, type)).first;
        }
        return it->second;
    };
    // Per slide, as Tika: its text, the non-placeholder text of its layout and master, its notes
    // (and their master's), then its comments.
    for (const auto& slide : slides) {
        if (out.full()) {
            break;
        }
        text_of(slide, false);
        const auto slide_rels = rels_of(zip, slide);
        for (const auto& [id, r] : slide_rels) {
            if (type_is(r, "/slideLayout") && zip.has(r)) {
                text_of(r.target, true);
                if (const auto master = master_of(r.target, "/slideMaster")) {
                    text_of(*master, true);
                }
            }
        }
        for (const auto& [id, r] : slide_rels) {
            if (type_is(r, "/notesSlide") && zip.has(r)) {
                text_of(r.target, false);
                if (const auto master = master_of(r.target, "/notesMaster")) {
                    text_of(*master, true);
                }
            }
        }
        for (const auto& [id, r] : slide_rels) {
            if (type_is(r, "/comments") && zip.has(r) && !out.full()) {
                slide_comments_handler h(out, authors);
                zip.parse(r.target, h);
            }
        }
    }
}

// ---- xlsx ------------------------------------------------------------------------------------

// The shared string table, packed in one buffer: a large workbook has millions of short strings,
// and a std::string each would cost more than the text. Only the first `cap` bytes of text are
// kept (the output could not hold more); later strings read as empty.
class shared_strings {
  public:
    explicit shared_strings(std::size_t cap) : cap_(cap) {}
    void add() {
        const auto at = static_cast<std::uint32_t>(data_.size());
        spans_.emplace_back(at, at);
    }
    void append(std::string_view s) {
        if (spans_.empty() || data_.size() + s.size() > cap_) {
            return;
        }
        data_.append(s);
        spans_.back().second = static_cast<std::uint32_t>(data_.size());
    }
    std::size_t size() const noexcept { return spans_.size(); }
    std::string_view operator[](std::size_t i) const {
        const auto [from, to] = spans_[i];
        return std::string_view(data_).substr(from, to - from);
    }

  private:
    std::size_t cap_;
    std::string data_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans_;
};

class shared_strings_handler : public sax_handler {
  public:
    explicit shared_strings_handler(shared_strings& s) : strings_(s) {}
    void start(std::string_view name, const attributes&) override {
        if (name == "si") {
            strings_.add();
        } else if (name == "rPh") {
            ++phonetic_;
        } else if (name == "t") {
            in_t_ = true;
        }
    }
    void end(std::string_view name) override {
        if (name == "rPh") {
            phonetic_ -= phonetic_ > 0;
        } else if (name == "t") {
            in_t_ = false;
        }
    }
    void text(std::string_view utf8) override {
        if (in_t_ && phonetic_ == 0) {
            strings_.append(utf8);
        }
    }

  private:
    shared_strings& strings_;
    int phonetic_ = 0;
    bool in_t_ = false;
};

class workbook_handler : public sax_handler {
  public:
    std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "sheet") {
            sheets.emplace_back(attr(attrs, "name"), attr(attrs, "id"));
        }
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}
};

// xl/styles.xml: the number format of each cell style.
class styles_handler : public sax_handler {
  public:
    explicit styles_handler(number_formats& f) : formats_(f) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "numFmt") {
            formats_.add_format(number(attr(attrs, "numFmtId")),
                                std::string(attr(attrs, "formatCode")));
        } else if (name == "cellXfs") {
            in_cell_xfs_ = true;
        } else if (name == "xf" && in_cell_xfs_) {
            formats_.add_cell_style(number(attr(attrs, "numFmtId")));
        }
    }
    void end(std::string_view name) override {
        if (name == "cellXfs") {
            in_cell_xfs_ = false;
        }
    }
    void text(std::string_view) override {}

  private:
    static int number(std::string_view s) {
        return static_cast<int>(std::strtol(std::string(s).c_str(), nullptr, 10));
    }
    number_formats& formats_;
    bool in_cell_xfs_ = false;
};

// xl/commentsN.xml: cell reference -> "Author: text".
class cell_comments_handler : public sax_handler {
  public:
    std::map<std::string, std::string, std::less<>> comments;
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "author") {
            in_author_ = true;
            authors_.emplace_back();
        } else if (name == "comment") {
            ref_ = attr(attrs, "ref");
            const auto i = static_cast<std::size_t>(
                std::strtoul(std::string(attr(attrs, "authorId")).c_str(), nullptr, 10));
            text_ = (i < authors_.size() ? authors_[i] : std::string()) + ": ";
        } else if (name == "t" && !ref_.empty()) {
            in_t_ = true;
        }
    }
    void end(std::string_view name) override {
        if (name == "author") {
            in_author_ = false;
        } else if (name == "comment") {
            comments[ref_] = std::move(text_);
            ref_.clear();
        } else if (name == "t") {
            in_t_ = false;
        }
    }
    void text(std::string_view utf8) override {
        if (in_author_) {
            authors_.back().append(utf8);
        } else if (in_t_) {
            text_.append(utf8);
        }
    }

  private:
    std::vector<std::string> authors_;
    std::string ref_;
    std::string text_;
    bool in_author_ = false;
    bool in_t_ = false;
};

// A header or footer of a sheet as Tika writes it (Apache POI's HeaderFooter): its left, centre
// and right sections (&L, &C, &R) joined by tabs, every other code left as it is (&P, &"font",
// &12, &&); a text that does not start with a code is not shown.
std::string header_footer_text(std::string_view raw) {
    if (!raw.starts_with('&') || raw.size() < 2) {
        return {};
    }
    std::array<std::string, 3> parts;  // left, centre, right
    std::size_t part = 1;
    if (raw[1] != 'L' && raw[1] != 'C' && raw[1] != 'R') {
        parts[1] = raw;  // no section: all of it is the centre
    } else {
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '&' && i + 1 < raw.size()) {
                const char c = raw[i + 1];
                if (c == 'L' || c == 'C' || c == 'R') {
                    part = c == 'L' ? 0 : c == 'C' ? 1 : 2;
                    ++i;
                    continue;
                }
                parts[part].push_back('&');
                parts[part].push_back(c);  // "&&" and the other codes, as written
                ++i;
                continue;
            }
            parts[part].push_back(raw[i]);
        }
    }
    std::string out = parts[0];
    for (std::size_t k = 1; k < 3; ++k) {
        if (!out.empty()) {
            out.push_back('\t');
        }
        out += parts[k];
    }
    return out;
}

// Rows as lines, cells separated by tabs: shared strings, inline strings, booleans as
// TRUE/FALSE, numbers and numeric formula results through their cell's number format (as
// Excel and Tika show them), other formula results as written; a cell's comment after its
// value. Headers and footers are kept for after the rows, as Tika writes them.
class sheet_handler : public sax_handler {
  public:
    sheet_handler(sink& out, const shared_strings& shared, const number_formats& formats,
                  const std::map<std::string, std::string, std::less<>>& comments)
        : out_(out), shared_(shared), formats_(formats), comments_(comments) {}
    void start(std::string_view name, const attributes& attrs) override {
        if (name == "c") {
            type_ = attr(attrs, "t");
            ref_ = attr(attrs, "r");
            const auto s = attr(attrs, "s");
            style_ =
                s.empty() ? -1 : static_cast<int>(std::strtol(std::string(s).c_str(), nullptr, 10));
            value_.clear();
            in_cell_ = true;
        } else if (in_cell_ && (name == "v" || name == "t")) {
            in_value_ = true;
        } else if (name == "rPh") {
            ++phonetic_;
        } else if (name.ends_with("Header") || name.ends_with("Footer")) {
            in_hf_ = true;
            hf_.clear();
        }
    }
    void end(std::string_view name) override {
        if (name == "c") {
            cell();
            in_cell_ = false;
        } else if (name == "v" || name == "t") {
            in_value_ = false;
        } else if (name == "rPh") {
            phonetic_ -= phonetic_ > 0;
        } else if (name == "row") {
            if (cells_ > 0) {
                out_.append('\n');
            }
            cells_ = 0;
        } else if (in_hf_ && (name.ends_with("Header") || name.ends_with("Footer"))) {
            in_hf_ = false;
            auto text = header_footer_text(hf_);
            if (!text.empty()) {
                (name.ends_with("Header") ? headers : footers).push_back(std::move(text));
            }
        }
    }
    void text(std::string_view utf8) override {
        if (in_value_ && phonetic_ == 0) {
            value_.append(utf8);
        } else if (in_hf_) {
            hf_.append(utf8);
        }
    }
    bool done() const override { return out_.full(); }

    std::vector<std::string> headers;
    std::vector<std::string> footers;

  private:
    void cell() {
        std::string_view shown = value_;
        if (type_ == "s") {
            char* end = nullptr;
            const auto i = std::strtoul(value_.c_str(), &end, 10);
            shown = (end != value_.c_str() && i < shared_.size()) ? std::string_view(shared_[i])
                                                                  : std::string_view();
        } else if (type_ == "b") {
            shown = value_ == "1" ? "TRUE" : "FALSE";
        } else if ((type_.empty() || type_ == "n") && !value_.empty()) {
            formatted_ = formats_.format(value_, style_);
            shown = formatted_;
        }
        const auto comment = comments_.find(ref_);
        if (shown.empty() && comment == comments_.end()) {
            return;
        }
        if (cells_++ > 0) {
            out_.append('\t');
        }
        out_.append(shown);
        if (comment != comments_.end()) {
            out_.append('\n');
            out_.append(comment->second);
        }
    }

    sink& out_;
    const shared_strings& shared_;
    const number_formats& formats_;
    const std::map<std::string, std::string, std::less<>>& comments_;
    int style_ = -1;
    std::string formatted_;
    std::string type_;
    std::string ref_;
    std::string value_;
    std::string hf_;
    bool in_cell_ = false;
    bool in_value_ = false;
    bool in_hf_ = false;
    int phonetic_ = 0;
    int cells_ = 0;
};

void extract_xlsx(context& ctx, archive& zip, sink& out) {
    const std::string main = "xl/workbook.xml";
    if (!zip.has(main)) {
        ctx.fail("not a valid xlsx file: " + main + " is missing");
    }
    const auto rels = rels_of(zip, main);
    // Twice the output cap, and never past what 32-bit offsets address.
    shared_strings shared(std::min<std::uint64_t>(std::uint64_t{2} * ctx.caps().max_output_chars,
                                                  std::numeric_limits<std::uint32_t>::max()));
    std::string shared_part = "xl/sharedStrings.xml";
    for (const auto& [id, r] : rels) {
        if (type_is(r, "/sharedStrings") && !r.external) {
            shared_part = r.target;
        }
    }
    if (zip.has(shared_part)) {
        shared_strings_handler h(shared);
        zip.parse(shared_part, h);
    }
    number_formats formats;
    for (const auto& [id, r] : rels) {
        if (type_is(r, "/styles") && !r.external && zip.has(r)) {
            styles_handler h(formats);
            zip.parse(r.target, h);
        }
    }
    workbook_handler wb;
    zip.parse(main, wb);
    // Per sheet, as Tika: its name, its rows, its headers and footers, the text of its drawings'
    // shapes, then its hyperlinks.
    for (const auto& [name, id] : wb.sheets) {
        if (out.full()) {
            break;
        }
        const auto it = rels.find(id);
        if (it == rels.end() || !zip.has(it->second)) {
            continue;
        }
        const auto& part = it->second.target;
        const auto sheet_rels = rels_of(zip, part);
        cell_comments_handler comments;
        for (const auto& [rid, r] : sheet_rels) {
            if (type_is(r, "/comments") && zip.has(r)) {
                zip.parse(r.target, comments);
            }
        }
        out.line_break();
        out.append(name);
        out.append('\n');
        sheet_handler h(out, shared, formats, comments.comments);
        zip.parse(part, h);
        for (const auto* list : {&h.headers, &h.footers}) {
            for (const auto& text : *list) {
                out.line_break();
                out.append(text);
                out.append('\n');
            }
        }
        for (const auto& [rid, r] : sheet_rels) {
            if (type_is(r, "/drawing") && zip.has(r) && !out.full()) {
                slide_handler shapes(out);
                zip.parse(r.target, shapes);
            }
        }
        for (const auto& [rid, r] : sheet_rels) {
            if (type_is(r, "/hyperlink") && r.external) {
                out.line_break();
                out.append(r.target);
                out.append('\n');
            }
        }
    }
}

}  // namespace

void extract_ooxml(context& ctx, input& in, sink& out, format f) {
    const std::string kind(to_string(f));
    if (in.peek(ole_signature.size()) == ole_signature) {
        ctx.fail("encrypted or legacy Office file (OLE compound document)");
    }
    if (in.size() < 22) {  // shorter than a zip's end-of-central-directory record
        ctx.fail("not a valid " + kind + " (zip) file: too short");
    }
    archive zip(ctx, in, kind);
    switch (f) {
        case format::docx:
            extract_docx(ctx, zip, out);
            break;
        case format::xlsx:
            extract_xlsx(ctx, zip, out);
            break;
        default:
            extract_pptx(ctx, zip, out);
            break;
    }
}

}  // namespace casio::extract::detail
