#pragma once
// Append-only write-ahead log of mock-elasticsearch (--data-dir). One record per mutation:
//   u32 payload length | u32 crc32(payload) | payload
// Records are buffered during a request and written + fdatasync'ed before its response is sent:
// an acknowledged write survives kill -9 (and a power loss). Both are done by the log's own
// thread: sync() waits for them; commit() resumes the coroutine once they are done, so that the
// server's thread goes on with the next requests meanwhile (and the requests whose records
// were written together share one fdatasync).
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

    // Writes buffered records and fdatasyncs (on the log's thread, after the batches queued
    // before), waiting for it; no-op when nothing is pending. Throws on I/O failure (the
    // request then fails: nothing unlogged is acknowledged). While deferred, a no-op: the
    // records wait for commit().
    void sync();
    void defer_sync(bool on) noexcept { deferred_ = on; }

    // What sync() does, while the caller's executor runs other work: the records are written
    // and fdatasync'ed on the log's thread. The failure, if any, is returned instead of thrown.
    boost::asio::awaitable<std::exception_ptr> commit();

    std::size_t records_replayed() const noexcept { return replayed_; }

  private:
    // Documents whose sources are in a batch of records, with their offsets in it.
    using doc_offsets = std::vector<std::pair<std::shared_ptr<doc_data>, std::size_t>>;
    struct batch {
        std::string records;
        // Called on the log's thread once the batch is written and fdatasync'ed (or not): the
        // failure, or the batch's offset in the file.
        std::function<void(std::exception_ptr, std::uint64_t)> done;
    };

    wal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    std::size_t begin_record(std::uint8_t type);
    void end_record(std::size_t start);
    void map_log();
    // Fills in the checksums of `records` and writes them at written_, which they advance. On
    // failure written_ stays: the next records are written over what reached the file.
    void write_at_end(std::string& records);
    // The same with O_DIRECT: the partial last block again, then the records, padded with
    // zeros to a whole block.
    void write_direct(std::string_view records);
    void open_direct();
    // Hands pending_ (and to_map_, returned) to the log's thread.
    doc_offsets hand_off(std::function<void(std::exception_ptr, std::uint64_t)> done);
    void writer_loop();
    // Points the documents of a batch written at `at` into the mapping, freeing their copies.
    void map_sources(doc_offsets& docs, std::uint64_t at);

    int fd_ = -1;
    std::string path_;
    std::string pending_;  // records not handed to the log's thread yet
    std::size_t replayed_ = 0;
    bool deferred_ = false;
    doc_offsets to_map_;  // documents whose sources are in pending_

    // The read-only mapping of the log (null when it could not be made: sources then stay in
    // memory), and those of the files compaction replaced, which older documents point into.
    const char* map_ = nullptr;
    std::vector<const char*> old_maps_;

    // Once the log's thread runs, only it writes: these are its own.
    std::uint64_t written_ = 0;  // bytes of the file that hold records
    // The same file opened with O_DIRECT (-1 when the file system refuses it), an aligned
    // buffer the blocks are written from, and the bytes of the last, partial block.
    int direct_fd_ = -1;
    struct free_deleter {
        void operator()(char* p) const noexcept;
    };
    std::unique_ptr<char, free_deleter> stage_;
    std::size_t stage_size_ = 0;
    std::string tail_;
    std::uint64_t dropped_to_ = 0;  // the log's bytes dropped from the page cache

    // The log's thread (started by the first batch): writes the queued batches, then one
    // fdatasync for all of them (a group commit).
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<batch> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace casio::mock_es
