#pragma once
// Files (ContentDocuments) attached to synced records: collected while records stream past,
// de-duplicated by id with the ids of every record they hang on, then mapped to one document
// each. Only the few metadata strings a file document needs are kept, not the records.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include <casio/salesforce/raw_records.hpp>

namespace casio::salesforce {

struct content_document {
    std::string id;
    std::optional<std::string> title;
    std::optional<std::string> file_extension;
    std::optional<std::string> description;
    std::optional<std::string> created_at;    // raw CreatedDate
    std::optional<std::string> last_updated;  // raw LastModifiedDate
    std::optional<std::string> owner;
    std::optional<std::string> owner_email;
    std::optional<std::string> created_by;
    std::optional<std::string> created_by_email;
    std::optional<std::string> version_id;      // LatestPublishedVersion.Id
    std::optional<std::string> version_number;  // LatestPublishedVersion.VersionNumber
    std::string content_size = "null";          // serialised ContentSize (a number or null)
    std::vector<std::string> linked_ids;        // sorted, unique after take()

    // "<Title>.<FileExtension>" (Title alone without an extension; nullopt without a title).
    std::optional<std::string> full_title() const;
    std::optional<std::size_t> size() const;  // ContentSize when it is a number
};

// Files seen while records stream, with the ids of the records linking to them. At a million
// records that is tens of thousands of files and hundreds of thousands of links: they go to
// two temporary files (in $TMPDIR, else /tmp, deleted when closed), and only an index of the
// files (~100 bytes each) stays in memory. finish() groups the links by file in a few
// sequential passes, each filling a bounded buffer.
class content_document_collector {
  public:
    // `sort_window`: the bytes of links finish() groups in memory at once (more for a very large
    // org: a sixteenth of all its links, so that finish() reads the links at most ~16 times).
    explicit content_document_collector(std::size_t sort_window = std::size_t{4} * 1024 * 1024);
    ~content_document_collector();
    content_document_collector(content_document_collector&&) noexcept;
    content_document_collector& operator=(content_document_collector&&) noexcept;

    // Reads `ContentDocumentLinks.records[*].ContentDocument` of a record (missing or null
    // collections are fine) and links each document to the record's Id.
    void add_from_record(const boost::json::object& record);
    // The same for a record read from the page's text (raw_records.hpp): `record` needs only
    // its Id; links to files seen before are read from the text, a value naming a new file
    // (or that the text alone cannot settle) is parsed.
    void add_from_record(const boost::json::object& record, std::span<const raw_member> raw);
    // The same for a record's parsed ContentDocumentLinks value.
    void add_links(std::string_view record_id, const boost::json::object& links);
    // From the text of the ContentDocumentLinks value (however it is formatted), when every
    // document it names was collected before (most links name a file already seen): true when
    // its links were added (or it has none), false when nothing was added and the value must be
    // parsed (a new file, or keys written with escapes or twice, which the text alone cannot
    // settle). Reads what add_links reads.
    bool add_known_links(std::string_view record_id, std::string_view links_text);
    std::size_t size() const noexcept { return docs_.size(); }

    // Groups the links by file (once; adding again later re-opens the collector).
    void finish();
    // Document `i` (first-seen order) with its linked_ids sorted ascending and unique. Call
    // finish() first.
    content_document document(std::size_t i) const;

    // finish(), every document, then an empty collector.
    std::vector<content_document> take();
    // Bytes held in memory, for the memory budget (the temporary files not included).
    std::size_t memory_bytes() const noexcept;

  private:
    void add_document(std::string key, const boost::json::object& cd);
    void add_link(std::string_view record_id, std::uint32_t doc);

    struct doc_entry {
        std::uint64_t meta_offset = 0;  // packed metadata in the metadata file
        std::uint32_t meta_size = 0;
        std::uint32_t link_bytes = 0;    // of its link records
        std::uint64_t links_offset = 0;  // after finish(): its links in the grouped file
    };
    struct spill;  // the temporary files
    std::size_t sort_window_;
    std::vector<doc_entry> docs_;
    // Looked up by string_view too (ids read from page text).
    struct id_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, std::uint32_t, id_hash, std::equal_to<>> index_;
    std::unique_ptr<spill> spill_;
    bool finished_ = false;
};

// Whether a file's content is downloaded: the extension (after the last `.` of the title,
// case-insensitive) must be one the extraction pipeline reads, and the size at most
// `max_file_size` unless the extraction service (which handles big files) is used.
enum class file_decision { download, unsupported_type, too_large };
file_decision decide_file(std::string_view title, std::optional<std::size_t> size,
                          std::size_t max_file_size, bool use_extraction_service);

// Base64 without line breaks, fed chunk by chunk (a download is encoded as it arrives).
class base64_encoder {
  public:
    void append(std::string_view chunk, std::string& out);
    void finish(std::string& out);  // pads the last 1-2 bytes
    static std::size_t encoded_size(std::size_t raw_size) noexcept {
        return (raw_size + 2) / 3 * 4;
    }

  private:
    unsigned char pending_[3] = {0, 0, 0};
    std::size_t pending_size_ = 0;
};
std::string base64_encode(std::string_view data);

// Writes the file document (without `id`, which the sink appends) up to, not including, its
// closing `}`; the caller then adds
// `,"_attachment":"<base64>"` or `,"body":"<text>"` (or nothing) and the `}`.
// `access_control` (DLS on): the file's own sharing identities; nullptr when DLS is off.
void begin_content_document(std::string& out, const content_document& doc,
                            std::string_view base_url,
                            const std::vector<std::string>* access_control);

// A complete file document: metadata plus, when given, `_attachment` (already base64) or `body`.
std::string content_document_json(const content_document& doc, std::string_view base_url,
                                  const std::vector<std::string>* access_control,
                                  std::optional<std::string_view> attachment_base64 = {},
                                  std::optional<std::string_view> body = {});

// Identities of a file from its FILE_ACCESS query records (`user_id:<LinkedEntityId>`,
// `user:<LinkedEntity.Name>`), no nulls, sorted and unique.
std::vector<std::string> file_access_identities(const boost::json::array& records);

}  // namespace casio::salesforce
