#pragma once
// Append-only write-ahead log of mock-elasticsearch (--data-dir). One record per mutation:
//   u32 payload length | u32 crc32(payload) | payload
// Records are buffered during a request and written + fdatasync'ed before its response is sent:
// an acknowledged write survives kill -9 (and a power loss). sync() does both in the caller;
// commit() writes, then leaves the fdatasync to the log's own thread and resumes the coroutine
// once it is done, so that the server's thread goes on with the next request meanwhile (and
// requests answered together share one fdatasync).
//
// The log is mapped read-only (a reserved range the file grows into): once a request's
// records are written, the documents it stored point at their sources in the mapping and free
// their own copies, and a replay copies no source. Records are written with O_DIRECT where the
// file system allows it: a load test's gigabytes of log never pass through the page cache
// (where each written page would be fresh memory for the kernel to find, then to drop). The
// file then ends with zeros up to the next 4 KiB while the log is open (its last block is
// written whole, and written again with the next records); a clean close cuts them, and a
// replay after a crash takes such a zero tail for what it is, not for damage. Without
// O_DIRECT (tmpfs), records are written through the page cache and their pages dropped after
// each fdatasync. A source read later comes back from the file. So the log must
// outlive every read of the store's documents, and a store whose open failed is not used
// again (main exits). Without the mapping (mmap refused, e.g. under valgrind) sources stay
// in memory as without a log.
// At open, the log is replayed into the store. A torn tail (a crash mid-write: no intact record
// after it) is cut off with a warning, its bytes kept in wal.log.torn-<offset>. Damage with
// intact records after it stops the open with an error naming the offset, nothing changed;
// with `salvage`, every intact record is kept, the damaged file is renamed
// wal.log.damaged-<unix time> and a new log is written from the replayed state.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace casio::mock_es {

class store;
struct doc_data;

struct wal_options {
    bool compact = false;  // rewrite the log from the replayed state first
    bool salvage = false;  // keep every intact record of a log damaged in the middle
    // Write with O_DIRECT where the file system allows it (see above); false: always through
    // the page cache.
    bool direct_io = true;
};

class wal {
  public:
    using warn_fn = std::function<void(const std::string&)>;

    // Opens (creating) <dir>/wal.log, replays it into `s` and attaches itself to `s`.
    // Throws std::runtime_error when the directory or file cannot be used, or is damaged
    // in the middle and `opts.salvage` is false.
    static std::unique_ptr<wal> open(const std::string& dir, store& s, const warn_fn& warn,
                                     const wal_options& opts = {});
    // Whether records are written with O_DIRECT.
    bool direct_io() const noexcept { return direct_fd_ >= 0; }
    ~wal();
    wal(const wal&) = delete;
    wal& operator=(const wal&) = delete;

    void log_create_index(std::string_view name, std::string_view body_json, std::string_view uuid,
                          std::int64_t creation_ms);
    void log_delete_index(std::string_view name);
    // `doc`, when given, is the stored version whose source moves to the mapping once written.
    void log_put(std::string_view index, std::string_view id, std::string_view source,
                 std::int64_t seq_no, std::int64_t version,
                 const std::shared_ptr<doc_data>& doc = nullptr);
    void log_delete(std::string_view index, std::string_view id, std::int64_t seq_no);
    void log_pipeline_put(std::string_view id, std::string_view body_json);
    void log_pipeline_delete(std::string_view id);

    // Writes buffered records and fdatasyncs; no-op when nothing is pending. Throws on I/O
    // failure (the request then fails: nothing unlogged is acknowledged). While deferred,
    // a no-op: the records wait for commit().
    void sync();
    void defer_sync(bool on) noexcept { deferred_ = on; }

    // What sync() does, the fdatasync on the log's thread while the caller's executor runs
    // other work. The failure, if any, is returned instead of thrown.
    boost::asio::awaitable<std::exception_ptr> commit();

    std::size_t records_replayed() const noexcept { return replayed_; }

  private:
    wal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    std::size_t begin_record(std::uint8_t type);
    void end_record(std::size_t start);
    void map_log();
    void write_pending();
    // Writes `records` (checksums filled in) at the end of the log with O_DIRECT: the partial
    // last block again, then the records, padded with zeros to a whole block.
    void write_direct(std::string_view records);
    void open_direct();
    void enqueue(std::function<void(std::exception_ptr)> done);
    void writer_loop();

    int fd_ = -1;
    std::string path_;
    // The same file opened with O_DIRECT (-1 when the file system refuses it), an aligned
    // buffer the blocks are written from, and the bytes of the last, partial block.
    int direct_fd_ = -1;
    struct free_deleter {
        void operator()(char* p) const noexcept;
    };
    std::unique_ptr<char, free_deleter> stage_;
    std::size_t stage_size_ = 0;
    std::string tail_;
    std::string pending_;
    std::uint64_t written_ = 0;  // bytes of the file (pending_ goes after them)
    std::size_t replayed_ = 0;
    bool deferred_ = false;

    // The read-only mapping of the log (null when it could not be made: sources then stay in
    // memory), and those of the files compaction replaced, which older documents point into.
    const char* map_ = nullptr;
    std::vector<const char*> old_maps_;
    // Documents whose sources are in pending_, with their offsets in the file.
    std::vector<std::pair<std::shared_ptr<doc_data>, std::uint64_t>> to_map_;

    // The log's thread (started by the first commit): fdatasyncs for the queued waiters.
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void(std::exception_ptr)>> queue_;
    bool stopping_ = false;
    std::thread writer_;
    std::atomic<std::uint64_t> dropped_to_{0};  // the log's bytes dropped from the page cache
};

}  // namespace casio::mock_es
