#pragma once
// How a file's text reaches its document. Without an extractor the source sends the bytes as
// base64 `_attachment` for Elasticsearch's ingest pipeline (the reference's default). With one,
// the download is spooled to a file on disk and the extractor turns it into the `body` text:
// in process (libs/extract on a worker pool) or through Elastic's data extraction service.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace casio::sync {

// A download written to a file of its own, removed when the object goes (also when the sync
// stops half-way). Named, so a parser or the extraction service can open it by path. The file
// is locked (flock) while it lives, so a file left by a process that was killed is known by
// its free lock: remove_stale_spool_files() removes those.
class spooled_file {
  public:
    // In `dir` (empty: $TMPDIR, else /tmp). Throws core::error(fatal) naming the directory
    // when no file can be made there.
    explicit spooled_file(const std::filesystem::path& dir = {});
    ~spooled_file();
    spooled_file(const spooled_file&) = delete;
    spooled_file& operator=(const spooled_file&) = delete;

    // Appends (buffered); throws core::error(fatal) naming the file on a write failure (a
    // full disk).
    void write(std::string_view bytes);
    // Drops what was written (a download that starts again).
    void clear();
    // Writes the buffer out: call before handing the path over.
    void flush();
    const std::filesystem::path& path() const noexcept { return path_; }
    std::uint64_t size() const noexcept { return size_; }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;
    std::uint64_t size_ = 0;
};

// Removes the spool files in `dir` (empty: $TMPDIR, else /tmp) that no living process holds
// (left by a process that was killed) and are older than a minute; returns how many. Files of
// other programs, and files it cannot open, are left alone.
std::size_t remove_stale_spool_files(const std::filesystem::path& dir = {});

class text_extractor {
  public:
    struct result {
        std::optional<std::string> text;  // UTF-8; nullopt when the file gave none
        std::string failure;              // why not, in a user's words (the caller names the file)
    };
    virtual ~text_extractor() = default;
    // The text of the file at `path`; `name` (the file's title with its extension) picks the
    // parser and is named in messages. Never throws for a file it cannot read: the document
    // is then indexed without content.
    virtual boost::asio::awaitable<result> extract(const std::filesystem::path& path,
                                                   std::string_view name) = 0;
    // Where downloads are spooled for it (the extraction service's shared volume when it reads
    // files by path); empty: $TMPDIR.
    virtual std::filesystem::path spool_dir() const { return {}; }
    // Whether files larger than service.max_file_download_size are read too (the reference
    // lifts the cap for the extraction service).
    virtual bool lifts_size_cap() const { return false; }
    // Named in logs: "local extraction", "extraction service at http://…".
    virtual std::string describe() const = 0;
};

}  // namespace casio::sync
