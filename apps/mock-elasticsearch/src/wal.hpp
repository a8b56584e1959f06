#pragma once
// Append-only write-ahead log of mock-elasticsearch (--data-dir). One record per mutation:
//   u32 payload length | u32 crc32(payload) | payload
// Records are buffered during a request and written + fdatasync'ed by sync(), which the
// dispatcher calls before a response is sent: an acknowledged write survives kill -9.
// At open, the log is replayed into the store. A torn tail (a crash mid-write: no intact record
// after it) is cut off with a warning, its bytes kept in wal.log.torn-<offset>. Damage with
// intact records after it stops the open with an error naming the offset, nothing changed;
// with `salvage`, every intact record is kept, the damaged file is renamed
// wal.log.damaged-<unix time> and a new log is written from the replayed state.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace casio::mock_es {

class store;

class wal {
  public:
    using warn_fn = std::function<void(const std::string&)>;

    // Opens (creating) <dir>/wal.log, replays it into `s` and attaches itself to `s`.
    // With `compact`, the log is rewritten from the replayed state first.
    // Throws std::runtime_error when the directory or file cannot be used, or is damaged
    // in the middle and `salvage` is false.
    static std::unique_ptr<wal> open(const std::string& dir, store& s, const warn_fn& warn,
                                     bool compact = false, bool salvage = false);
    ~wal();
    wal(const wal&) = delete;
    wal& operator=(const wal&) = delete;

    void log_create_index(std::string_view name, std::string_view body_json, std::string_view uuid,
                          std::int64_t creation_ms);
    void log_delete_index(std::string_view name);
    void log_put(std::string_view index, std::string_view id, std::string_view source,
                 std::int64_t seq_no, std::int64_t version);
    void log_delete(std::string_view index, std::string_view id, std::int64_t seq_no);
    void log_pipeline_put(std::string_view id, std::string_view body_json);
    void log_pipeline_delete(std::string_view id);

    // Writes buffered records and fdatasyncs; no-op when nothing is pending. Throws on I/O
    // failure (the request then fails: nothing unlogged is acknowledged).
    void sync();

    std::size_t records_replayed() const noexcept { return replayed_; }

  private:
    wal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    std::size_t begin_record(std::uint8_t type);
    void end_record(std::size_t start);

    int fd_ = -1;
    std::string path_;
    std::string pending_;
    std::size_t replayed_ = 0;
};

}  // namespace casio::mock_es
