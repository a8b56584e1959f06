#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <casio/core/error.hpp>
#include <casio/core/json_parse.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/raw_records.hpp>

#include "json_out.hpp"

namespace casio::salesforce {

namespace json = boost::json;
using detail::append_json_string;
using detail::append_key;

namespace {

const json::object* object_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<std::string> string_of(const json::object* o, std::string_view key) {
    if (o == nullptr) {
        return std::nullopt;
    }
    const auto* v = o->if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return std::string(v->get_string());
}

content_document read_document(const json::object& cd) {
    content_document d;
    d.id = *string_of(&cd, "Id");
    d.title = string_of(&cd, "Title");
    d.file_extension = string_of(&cd, "FileExtension");
    d.description = string_of(&cd, "Description");
    d.created_at = string_of(&cd, "CreatedDate");
    d.last_updated = string_of(&cd, "LastModifiedDate");
    const auto* owner = object_field(cd, "Owner");
    d.owner = string_of(owner, "Name");
    d.owner_email = string_of(owner, "Email");
    const auto* created_by = object_field(cd, "CreatedBy");
    d.created_by = string_of(created_by, "Name");
    d.created_by_email = string_of(created_by, "Email");
    const auto* version = object_field(cd, "LatestPublishedVersion");
    d.version_id = string_of(version, "Id");
    d.version_number = string_of(version, "VersionNumber");
    if (const auto* size = cd.if_contains("ContentSize"); size != nullptr && size->is_number()) {
        d.content_size.clear();
        core::append_json_value(d.content_size, *size);
    }
    return d;
}

void append_opt(std::string& out, std::string_view key, const std::optional<std::string>& v,
                bool& first) {
    append_key(out, key, first);
    detail::append_optional_string(out, v ? &*v : nullptr);
}

}  // namespace

std::optional<std::string> content_document::full_title() const {
    if (!title) {
        return std::nullopt;
    }
    if (!file_extension) {
        return title;
    }
    return *title + "." + *file_extension;
}

std::optional<std::size_t> content_document::size() const {
    std::size_t n = 0;
    if (content_size.empty() || content_size == "null") {
        return std::nullopt;
    }
    for (char c : content_size) {
        if (c < '0' || c > '9') {
            return std::nullopt;  // negative or fractional: not a size
        }
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

namespace {

// Packed metadata: every optional field as a 4-byte length (absent: 0xffffffff) and its bytes,
// in the order of `packed_fields`, then content_size the same way.
constexpr std::uint32_t absent = 0xffffffff;

using optional_field = std::optional<std::string> content_document::*;
constexpr optional_field packed_fields[] = {
    &content_document::title,
    &content_document::file_extension,
    &content_document::description,
    &content_document::created_at,
    &content_document::last_updated,
    &content_document::owner,
    &content_document::owner_email,
    &content_document::created_by,
    &content_document::created_by_email,
    &content_document::version_id,
    &content_document::version_number,
};

void pack_one(std::string& out, const std::optional<std::string>& v) {
    const std::uint32_t n = v ? static_cast<std::uint32_t>(v->size()) : absent;
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    if (v) {
        out += *v;
    }
}

std::optional<std::string> unpack_one(std::string_view& in) {
    std::uint32_t n = 0;
    std::memcpy(&n, in.data(), sizeof n);
    in.remove_prefix(sizeof n);
    if (n == absent) {
        return std::nullopt;
    }
    std::string v(in.substr(0, n));
    in.remove_prefix(n);
    return v;
}

std::string pack(const content_document& d) {
    std::string out;
    pack_one(out, d.id);
    for (auto f : packed_fields) {
        pack_one(out, d.*f);
    }
    pack_one(out, d.content_size);
    out.shrink_to_fit();
    return out;
}

content_document unpack(std::string_view in) {
    content_document d;
    d.id = *unpack_one(in);
    for (auto f : packed_fields) {
        d.*f = unpack_one(in);
    }
    d.content_size = *unpack_one(in);
    return d;
}

}  // namespace

// --- the temporary files -----------------------------------------------------------------

namespace {

// An unlinked temporary file, written through a buffer and read with pread.
class temp_file {
  public:
    temp_file() {
        const char* dir = std::getenv("TMPDIR");
        std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
        path += "/connectors-asio-files-XXXXXX";
        fd_ = ::mkstemp(path.data());
        if (fd_ < 0) {
            throw core::error(core::error_kind::fatal,
                              "file collector: cannot create a temporary file in " +
                                  path.substr(0, path.rfind('/')) +
                                  " (set TMPDIR): " + std::strerror(errno));
        }
        ::unlink(path.c_str());  // gone when closed, also after a crash
    }
    ~temp_file() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    std::uint64_t size() const noexcept { return written_ + buffer_.size(); }

    // Appends; returns the offset of the bytes.
    std::uint64_t append(std::string_view bytes) {
        const auto at = size();
        buffer_ += bytes;
        if (buffer_.size() >= std::size_t{256} * 1024) {
            flush();
        }
        return at;
    }
    void flush() {
        write_at(written_, buffer_);
        written_ += buffer_.size();
        buffer_.clear();
    }
    void write_at(std::uint64_t offset, std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                throw core::error(core::error_kind::fatal,
                                  std::string("file collector: writing its temporary file "
                                              "failed: ") +
                                      std::strerror(errno));
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
            offset += static_cast<std::uint64_t>(n);
        }
    }
    // Reads [offset, offset + n) of what was flushed.
    void read(std::uint64_t offset, std::size_t n, std::string& out) const {
        out.resize(n);
        std::size_t done = 0;
        while (done < n) {
            const auto r =
                ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                throw core::error(core::error_kind::fatal,
                                  std::string("file collector: reading its temporary file "
                                              "failed: ") +
                                      (r == 0 ? "unexpected end" : std::strerror(errno)));
            }
            done += static_cast<std::size_t>(r);
        }
    }
    void truncate() {
        buffer_.clear();
        written_ = 0;
        if (::ftruncate(fd_, 0) != 0) {
            throw core::error(core::error_kind::fatal,
                              std::string("file collector: truncating its temporary file "
                                          "failed: ") +
                                  std::strerror(errno));
        }
    }

  private:
    int fd_ = -1;
    std::uint64_t written_ = 0;
    std::string buffer_;
};

// A link record in the links file: the document number, the record id's size, the id.
constexpr std::size_t link_header = 8;

void append_u32(std::string& out, std::uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

std::uint32_t read_u32(const char* p) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

struct content_document_collector::spill {
    temp_file metadata;
    temp_file links;    // in arrival order
    temp_file grouped;  // after finish(): the links of each document together
};

content_document_collector::content_document_collector(std::size_t sort_window)
    : sort_window_(std::max<std::size_t>(sort_window, 64)) {}
content_document_collector::~content_document_collector() = default;
content_document_collector::content_document_collector(content_document_collector&&) noexcept =
    default;
content_document_collector& content_document_collector::operator=(
    content_document_collector&&) noexcept = default;

void content_document_collector::add_from_record(const json::object& record) {
    const auto* record_id = record.if_contains("Id");
    const auto* links = object_field(record, "ContentDocumentLinks");
    if (links == nullptr || record_id == nullptr || !record_id->is_string()) {
        return;
    }
    add_links(record_id->get_string(), *links);
}

void content_document_collector::add_from_record(const json::object& record,
                                                 std::span<const raw_member> raw) {
    const auto* id = record.if_contains("Id");
    if (id == nullptr || !id->is_string()) {
        return;
    }
    for (const auto& m : raw) {
        if (m.key != "ContentDocumentLinks" || m.value == "null") {
            continue;
        }
        if (add_known_links(id->get_string(), m.value)) {
            return;
        }
        // A file not seen before: parse the links for its metadata (checked JSON already).
        unsigned char buffer[8192];
        json::monotonic_resource arena(buffer, sizeof buffer);
        boost::system::error_code ec;
        const auto links = core::parse_json(m.value, ec, &arena);
        if (!ec && links.is_object()) {
            add_links(id->get_string(), links.get_object());
        }
        return;
    }
}

void content_document_collector::add_links(std::string_view record_id, const json::object& links) {
    const auto* records = links.if_contains("records");
    if (records == nullptr || !records->is_array()) {
        return;
    }
    for (const auto& l : records->get_array()) {
        if (!l.is_object()) {
            continue;
        }
        const auto* cd = object_field(l.get_object(), "ContentDocument");
        if (cd == nullptr) {
            continue;
        }
        const auto* id = cd->if_contains("Id");
        if (id == nullptr || !id->is_string()) {
            continue;
        }
        std::string key(id->get_string());
        auto it = index_.find(key);
        if (it == index_.end()) {
            add_document(std::move(key), *cd);
            it = index_.find(std::string(id->get_string()));
        }
        add_link(record_id, it->second);
    }
}

void content_document_collector::add_document(std::string key, const json::object& cd) {
    if (!spill_) {
        spill_ = std::make_unique<spill>();
    }
    const auto packed = pack(read_document(cd));
    doc_entry e;
    e.meta_offset = spill_->metadata.append(packed);
    e.meta_size = static_cast<std::uint32_t>(packed.size());
    index_.emplace(std::move(key), static_cast<std::uint32_t>(docs_.size()));
    docs_.push_back(e);
}

void content_document_collector::add_link(std::string_view record_id, std::uint32_t doc) {
    std::string rec;
    rec.reserve(link_header + record_id.size());
    append_u32(rec, doc);
    append_u32(rec, static_cast<std::uint32_t>(record_id.size()));
    rec += record_id;
    spill_->links.append(rec);
    docs_[doc].link_bytes += static_cast<std::uint32_t>(rec.size());
    finished_ = false;
}

bool content_document_collector::add_known_links(std::string_view record_id,
                                                 std::string_view links_text) {
    // The links read as add_links reads the parsed value: records[*].ContentDocument.Id, an
    // element that is not an object, without a ContentDocument object or without a string Id
    // left out. Any file not seen before, or text that cannot tell, and nothing is added.
    static constexpr std::string_view document_ids[] = {"records", "*", "ContentDocument", "Id"};
    std::vector<std::uint32_t> docs;
    bool all_known = true;
    const bool settled = for_each_raw_value_at(links_text, document_ids, [&](std::string_view v) {
        if (!all_known || v.size() < 2 || v.front() != '"') {
            return;  // not a string: left out
        }
        const auto text = v.substr(1, v.size() - 2);
        auto it = index_.end();
        if (text.find('\\') == std::string_view::npos) {
            it = index_.find(text);
        } else if (const auto id = raw_string(v)) {
            it = index_.find(std::string_view(*id));
        }
        if (it == index_.end()) {
            all_known = false;  // a new file: its metadata must be read
            return;
        }
        docs.push_back(it->second);
    });
    if (!settled || !all_known) {
        return false;
    }
    for (auto d : docs) {
        add_link(record_id, d);
    }
    return true;
}

void content_document_collector::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    if (!spill_) {
        return;
    }
    spill_->metadata.flush();
    spill_->links.flush();
    spill_->grouped.truncate();
    std::uint64_t total = 0;
    for (auto& d : docs_) {
        d.links_offset = total;
        total += d.link_bytes;
    }
    // Windows of whole documents, each at most `window_bytes` (a bigger document alone): one
    // sequential read of the links file per window. At most ~16 passes: a very large org gets
    // bigger windows rather than ever more reads.
    const std::uint64_t window_bytes = std::max<std::uint64_t>(sort_window_, total / 16);
    std::string window;
    std::string chunk;
    std::vector<std::uint64_t> cursor(docs_.size());
    for (std::size_t first = 0; first < docs_.size();) {
        std::size_t last = first;
        std::uint64_t bytes = 0;
        while (last < docs_.size() &&
               (last == first || bytes + docs_[last].link_bytes <= window_bytes)) {
            bytes += docs_[last].link_bytes;
            ++last;
        }
        const std::uint64_t base = docs_[first].links_offset;
        window.assign(static_cast<std::size_t>(bytes), '\0');
        for (std::size_t d = first; d < last; ++d) {
            cursor[d] = docs_[d].links_offset - base;
        }
        const std::uint64_t size = spill_->links.size();
        std::string pending;  // a record cut by the end of a chunk
        for (std::uint64_t at = 0; at < size;) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(1 << 20, size - at));
            spill_->links.read(at, n, chunk);
            at += n;
            pending += chunk;
            std::size_t p = 0;
            while (pending.size() - p >= link_header) {
                const auto doc = read_u32(pending.data() + p);
                const auto len = read_u32(pending.data() + p + 4);
                if (pending.size() - p < link_header + len) {
                    break;
                }
                if (doc >= first && doc < last) {
                    std::memcpy(window.data() + cursor[doc], pending.data() + p, link_header + len);
                    cursor[doc] += link_header + len;
                }
                p += link_header + len;
            }
            pending.erase(0, p);
        }
        spill_->grouped.write_at(base, window);
        first = last;
    }
}

content_document content_document_collector::document(std::size_t i) const {
    const auto& e = docs_.at(i);
    std::string bytes;
    spill_->metadata.read(e.meta_offset, e.meta_size, bytes);
    auto d = unpack(bytes);
    spill_->grouped.read(e.links_offset, e.link_bytes, bytes);
    for (std::size_t p = 0; p + link_header <= bytes.size();) {
        const auto len = read_u32(bytes.data() + p + 4);
        d.linked_ids.emplace_back(bytes.substr(p + link_header, len));
        p += link_header + len;
    }
    std::sort(d.linked_ids.begin(), d.linked_ids.end());
    d.linked_ids.erase(std::unique(d.linked_ids.begin(), d.linked_ids.end()), d.linked_ids.end());
    return d;
}

std::vector<content_document> content_document_collector::take() {
    finish();
    std::vector<content_document> out;
    out.reserve(docs_.size());
    for (std::size_t i = 0; i < docs_.size(); ++i) {
        out.push_back(document(i));
    }
    *this = content_document_collector{sort_window_};
    return out;
}

std::size_t content_document_collector::memory_bytes() const noexcept {
    // The index of files; the temporary files' write buffers (at most 256 KiB each) aside.
    return docs_.capacity() * sizeof(doc_entry) + index_.size() * 64;
}

file_decision decide_file(std::string_view title, std::optional<std::size_t> size,
                          std::size_t max_file_size, bool use_extraction_service) {
    const auto dot = title.rfind('.');
    if (dot == std::string_view::npos) {
        return file_decision::unsupported_type;
    }
    std::string ext(title.substr(dot + 1));
    for (char& c : ext) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (std::find(tika_extensions.begin(), tika_extensions.end(), ext) == tika_extensions.end()) {
        return file_decision::unsupported_type;
    }
    if (!use_extraction_service && size && *size > max_file_size) {
        return file_decision::too_large;
    }
    return file_decision::download;
}

namespace {
constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char* encode_triple(const unsigned char* p, char* out) {
    out[0] = b64[p[0] >> 2];
    out[1] = b64[((p[0] & 0x03) << 4) | (p[1] >> 4)];
    out[2] = b64[((p[1] & 0x0f) << 2) | (p[2] >> 6)];
    out[3] = b64[p[2] & 0x3f];
    return out + 4;
}
}  // namespace

void base64_encoder::append(std::string_view chunk, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    std::size_t n = chunk.size();
    const std::size_t triples = (pending_size_ + n) / 3;
    // Sized once, then written through a pointer: this runs over every byte of every file.
    const std::size_t at = out.size();
    out.resize(at + triples * 4);
    char* dst = out.data() + at;
    if (pending_size_ > 0 && pending_size_ + n >= 3) {
        while (pending_size_ < 3) {
            pending_[pending_size_++] = *p++;
            --n;
        }
        dst = encode_triple(pending_, dst);
        pending_size_ = 0;
    }
    for (; n >= 3; p += 3, n -= 3) {
        dst = encode_triple(p, dst);
    }
    for (std::size_t i = 0; i < n; ++i) {
        pending_[pending_size_++] = p[i];
    }
}

void base64_encoder::finish(std::string& out) {
    if (pending_size_ == 1) {
        out.push_back(b64[pending_[0] >> 2]);
        out.push_back(b64[(pending_[0] & 0x03) << 4]);
        out += "==";
    } else if (pending_size_ == 2) {
        out.push_back(b64[pending_[0] >> 2]);
        out.push_back(b64[((pending_[0] & 0x03) << 4) | (pending_[1] >> 4)]);
        out.push_back(b64[(pending_[1] & 0x0f) << 2]);
        out.push_back('=');
    }
    pending_size_ = 0;
}

std::string base64_encode(std::string_view data) {
    std::string out;
    base64_encoder e;
    e.append(data, out);
    e.finish(out);
    return out;
}

void begin_content_document(std::string& out, const content_document& doc,
                            std::string_view base_url,
                            const std::vector<std::string>* access_control) {
    out.push_back('{');
    bool first = true;
    append_key(out, "content_size", first);
    out += doc.content_size;
    append_opt(out, "created_at", doc.created_at, first);
    append_opt(out, "created_by", doc.created_by, first);
    append_opt(out, "created_by_email", doc.created_by_email, first);
    append_opt(out, "description", doc.description, first);
    append_opt(out, "file_extension", doc.file_extension, first);
    append_opt(out, "last_updated", doc.last_updated, first);
    append_key(out, "linked_ids", first);
    out.push_back('[');
    for (std::size_t i = 0; i < doc.linked_ids.size(); ++i) {
        if (i != 0) {
            out.push_back(',');
        }
        append_json_string(out, doc.linked_ids[i]);
    }
    out.push_back(']');
    append_opt(out, "owner", doc.owner, first);
    append_opt(out, "owner_email", doc.owner_email, first);
    append_opt(out, "title", doc.full_title(), first);
    append_key(out, "type", first);
    append_json_string(out, "content_document");
    append_key(out, "url", first);
    append_json_string(out, std::string(base_url) + "/" + doc.id);
    append_opt(out, "version_number", doc.version_number, first);
    append_key(out, "version_url", first);
    if (doc.version_id) {
        append_json_string(out, std::string(base_url) + "/" + *doc.version_id);
    } else {
        out += "null";
    }
    if (access_control != nullptr) {
        append_key(out, "_allow_access_control", first);
        out.push_back('[');
        for (std::size_t i = 0; i < access_control->size(); ++i) {
            if (i != 0) {
                out.push_back(',');
            }
            append_json_string(out, (*access_control)[i]);
        }
        out.push_back(']');
    }
}

std::string content_document_json(const content_document& doc, std::string_view base_url,
                                  const std::vector<std::string>* access_control,
                                  std::optional<std::string_view> attachment_base64,
                                  std::optional<std::string_view> body) {
    std::string out;
    begin_content_document(out, doc, base_url, access_control);
    if (attachment_base64) {
        out += ",\"_attachment\":\"";
        out += *attachment_base64;  // base64 needs no escaping
        out.push_back('"');
    } else if (body) {
        out += ",\"body\":";
        append_json_string(out, *body);
    }
    out.push_back('}');
    return out;
}

std::vector<std::string> file_access_identities(const json::array& records) {
    std::vector<std::string> out;
    for (const auto& r : records) {
        if (!r.is_object()) {
            continue;
        }
        const auto& o = r.get_object();
        if (auto id = string_of(&o, "LinkedEntityId")) {
            if (auto p = prefix_user_id(*id)) {
                out.push_back(std::move(*p));
            }
        }
        if (auto name = string_of(object_field(o, "LinkedEntity"), "Name")) {
            if (auto p = prefix_user(*name)) {
                out.push_back(std::move(*p));
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace casio::salesforce
