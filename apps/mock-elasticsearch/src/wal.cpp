#include "wal.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <optional>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>
#include <zlib.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "store.hpp"

namespace casio::mock_es {

namespace json = boost::json;

namespace {

// The address range reserved for the log's mapping: the file grows into it. Sources past it
// (a log over 1 TiB) stay in memory.
constexpr std::size_t map_reserve = std::size_t{1} << 40;

enum class op : std::uint8_t {
    create_index = 1,
    delete_index = 2,
    put = 3,
    remove = 4,
    pipeline_put = 5,
    pipeline_delete = 6,
};

// Little-endian, whatever the host; one append per field (this is the hot path of ingestion).
void put_u32(std::string& out, std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i)
        b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out.append(b, 4);
}
void put_i64(std::string& out, std::int64_t v) {
    auto u = static_cast<std::uint64_t>(v);
    char b[8];
    for (int i = 0; i < 8; ++i)
        b[i] = static_cast<char>((u >> (8 * i)) & 0xff);
    out.append(b, 8);
}
void put_str(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}

// Reads fields of one payload; throws on a short payload (a corrupt record).
struct reader {
    std::string_view p;
    std::uint8_t u8() {
        need(1);
        auto v = static_cast<std::uint8_t>(p[0]);
        p.remove_prefix(1);
        return v;
    }
    std::int64_t i64() {
        need(8);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
        p.remove_prefix(8);
        return static_cast<std::int64_t>(v);
    }
    std::string_view str() {
        need(4);
        std::uint32_t n = get_u32(p.data());
        p.remove_prefix(4);
        need(n);
        auto s = p.substr(0, n);
        p.remove_prefix(n);
        return s;
    }
    void need(std::size_t n) const {
        if (p.size() < n)
            throw std::runtime_error("short record");
    }
};

std::uint32_t crc(std::string_view s) {
    return static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("write " + path + ": " + std::strerror(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Fills in the checksums of whole records (left blank by end_record: they are computed by the
// thread that writes).
void fill_checksums(std::string& records) {
    for (std::size_t pos = 0; pos + 8 <= records.size();) {
        const std::uint32_t len = get_u32(records.data() + pos);
        const std::uint32_t sum = crc(std::string_view(records).substr(pos + 8, len));
        for (int i = 0; i < 4; ++i)
            records[pos + 4 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
        pos += 8 + std::size_t{len};
    }
}

// The unit of O_DIRECT writes: offsets, lengths and the buffer are multiples of it.
constexpr std::size_t block = 4096;
// A staging buffer grown past this is freed after its write.
constexpr std::size_t stage_keep = std::size_t{64} << 20;

// The zeros a log written with O_DIRECT ends with until it is closed: less than a block, up to
// the end of a block, after the last intact record.
bool own_padding(std::string_view data, std::size_t intact_end) {
    if (data.size() % block != 0 || data.size() - intact_end >= block)
        return false;
    return std::all_of(data.begin() + static_cast<std::ptrdiff_t>(intact_end), data.end(),
                       [](char c) { return c == 0; });
}

// After an fdatasync the log's pages are clean and only a restart reads them again: they are
// dropped from the page cache, so that a load test's log does not fill the machine's memory
// (the kernel reuses those pages for the next writes instead of taking fresh ones).
// Only what was written since the last drop is dropped: a drop of the whole file costs in
// proportion to its size, which grows with every document. Written with O_DIRECT, the log
// has nothing in the page cache to drop.
void durable(int fd, const std::string& path, std::uint64_t& dropped_to, bool direct) {
    if (::fdatasync(fd) != 0)
        throw std::runtime_error("fdatasync " + path + ": " + std::strerror(errno));
    if (direct)
        return;
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return;
    const auto end = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t from = std::exchange(dropped_to, end);
    if (end > from) {
        ::posix_fadvise(fd, static_cast<off_t>(from), static_cast<off_t>(end - from),
                        POSIX_FADV_DONTNEED);
    }
}

void apply(store& s, std::string_view payload, bool in_log) {
    reader r{payload};
    switch (static_cast<op>(r.u8())) {
        case op::create_index: {
            auto name = r.str();
            auto body = r.str();
            auto uuid = r.str();
            auto created = r.i64();
            json::value v = json::parse(body);
            s.replay_create_index(name, v.is_object() ? v.as_object() : json::object{}, uuid,
                                  created);
            break;
        }
        case op::delete_index:
            s.replay_delete_index(r.str());
            break;
        case op::put: {
            auto index = r.str();
            auto id = r.str();
            auto source = r.str();
            auto seq = r.i64();
            auto version = r.i64();
            s.replay_put(index, id, source, in_log, seq, version);
            break;
        }
        case op::remove: {
            auto index = r.str();
            auto id = r.str();
            s.replay_delete(index, id, r.i64());
            break;
        }
        case op::pipeline_put: {
            auto id = r.str();
            json::value v = json::parse(r.str());
            s.put_pipeline(id, v.is_object() ? v.as_object() : json::object{});
            break;
        }
        case op::pipeline_delete:
            s.delete_pipeline(r.str());
            break;
        default:
            throw std::runtime_error("unknown record type");
    }
}

// The log's bytes, mapped rather than read: replaying a log of millions of documents then
// needs no second copy of it in memory (the pages are the file's, and reclaimable).
class mapped_file {
  public:
    mapped_file(int fd, const std::string& path) {
        struct stat st {};
        if (::fstat(fd, &st) != 0)
            throw std::runtime_error("stat " + path + ": " + std::strerror(errno));
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ == 0)
            return;
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            throw std::runtime_error("mmap " + path + ": " + std::strerror(errno));
        ::madvise(p, size_, MADV_SEQUENTIAL);
        data_ = static_cast<const char*>(p);
    }
    ~mapped_file() {
        if (data_ != nullptr)
            ::munmap(const_cast<char*>(data_), size_);
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    std::string_view view() const noexcept { return {data_, data_ ? size_ : 0}; }

  private:
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

// A record that can be trusted: its header and payload fit in `data`, the payload starts with a
// known record type and its checksum matches. Sets `len` to the payload length.
bool intact_at(std::string_view data, std::size_t pos, std::uint32_t& len) {
    if (data.size() - pos < 9) {
        return false;
    }
    len = get_u32(data.data() + pos);
    if (len == 0 || data.size() - pos - 8 < len) {
        return false;
    }
    const std::string_view payload = data.substr(pos + 8, len);
    const auto type = static_cast<std::uint8_t>(payload[0]);
    if (type < static_cast<std::uint8_t>(op::create_index) ||
        type > static_cast<std::uint8_t>(op::pipeline_delete)) {
        return false;
    }
    return crc(payload) == get_u32(data.data() + pos + 4);
}

// The offset of the first intact record after `pos`, or npos: what separates damage in the
// middle of the log (intact records follow) from a torn tail (a crash mid-write).
std::size_t next_intact(std::string_view data, std::size_t pos) {
    std::uint32_t len = 0;
    for (std::size_t at = pos + 1; at + 9 <= data.size(); ++at) {
        if (intact_at(data, at, len)) {
            return at;
        }
    }
    return std::string_view::npos;
}

struct replay_result {
    std::size_t replayed = 0;
    std::size_t intact_end = 0;     // where the torn tail starts (== size when none)
    std::size_t damaged_bytes = 0;  // skipped in the middle (salvage only)
};

// Replays every intact record into `s`. Damage followed by intact records throws, naming the
// offset, unless `salvage`: then the damaged bytes are skipped with a warning.
replay_result replay(std::string_view data, store& s, const std::string& path, bool salvage,
                     const wal::warn_fn& warn, bool in_log) {
    replay_result r;
    std::size_t pos = 0;
    while (pos < data.size()) {
        std::uint32_t len = 0;
        std::string problem;
        if (intact_at(data, pos, len)) {
            try {
                apply(s, data.substr(pos + 8, len), in_log);
                ++r.replayed;
                pos += 8 + std::size_t{len};
                continue;
            } catch (const std::exception& e) {
                problem = std::string("cannot be applied (") + e.what() + ")";
            }
        } else {
            problem = "is damaged";
        }
        const std::size_t next = next_intact(data, pos);
        if (next == std::string_view::npos) {
            break;  // a torn tail
        }
        std::string where = "write-ahead log " + path + ": the record at offset ";
        where.append(std::to_string(pos)).append(" ").append(problem);
        where.append(", and intact records follow from offset ").append(std::to_string(next));
        if (!salvage) {
            throw std::runtime_error(where +
                                     ". Nothing was changed. Start with --salvage-wal to keep "
                                     "every intact record (the damaged file is kept aside).");
        }
        warn(where + "; skipping " + std::to_string(next - pos) + " bytes");
        r.damaged_bytes += next - pos;
        pos = next;
    }
    r.intact_end = pos;
    return r;
}

std::string utc_stamp() {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

// Copies `data` into a new file named `to` (or `to`.1, .2, ... when taken: nothing already
// kept aside is overwritten). Returns the name used.
std::string keep_aside(std::string_view data, const std::string& to) {
    for (int n = 0; n < 1000; ++n) {
        const std::string name = n == 0 ? to : to + "." + std::to_string(n);
        int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
            continue;
        }
        if (fd < 0) {
            throw std::runtime_error("cannot create " + name + ": " + std::strerror(errno));
        }
        try {
            write_all(fd, data, name);
        } catch (...) {
            ::close(fd);
            throw;
        }
        if (::fsync(fd) != 0 || ::close(fd) != 0) {
            throw std::runtime_error("cannot write " + name + ": " + std::strerror(errno));
        }
        return name;
    }
    throw std::runtime_error("cannot keep " + to + " aside: too many files of that name");
}

}  // namespace

std::unique_ptr<wal> wal::open(const std::string& dir, store& s, const warn_fn& warn,
                               const wal_options& opts) {
    bool compact = opts.compact;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create data dir " + dir + ": " + std::strerror(errno));
    }
    std::string path = dir + "/wal.log";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    std::unique_ptr<wal> w(new wal(fd, path));

    // Replayed from the log's own mapping when there is one: documents keep pointing into it.
    w->map_log();
    std::optional<mapped_file> copy;
    std::string_view data;
    if (w->map_ != nullptr) {
        struct stat st {};
        if (::fstat(fd, &st) != 0)
            throw std::runtime_error("stat " + path + ": " + std::strerror(errno));
        data = std::string_view(w->map_, static_cast<std::size_t>(st.st_size));
    } else {
        copy.emplace(fd, path);
        data = copy->view();
    }
    const replay_result r = replay(data, s, path, opts.salvage, warn, w->map_ != nullptr);
    w->written_ = r.intact_end;
    w->replayed_ = r.replayed;
    if (r.damaged_bytes > 0) {
        // The damaged log stays as it is, under another name; a new one is written from what
        // was replayed.
        std::string aside = path + ".damaged-" + utc_stamp();
        for (int n = 1; std::filesystem::exists(aside) && n < 1000; ++n) {
            aside = path + ".damaged-" + utc_stamp() + "." + std::to_string(n);
        }
        if (::rename(path.c_str(), aside.c_str()) != 0) {
            throw std::runtime_error("rename " + path + ": " + std::strerror(errno));
        }
        warn("write-ahead log " + path + ": kept " + std::to_string(r.replayed) +
             " intact records; the damaged file is kept as " + aside);
        compact = true;
    } else if (r.intact_end < data.size() && own_padding(data, r.intact_end)) {
        // Written with O_DIRECT and not closed cleanly: not damage.
        if (::ftruncate(fd, static_cast<off_t>(r.intact_end)) != 0) {
            throw std::runtime_error("truncate " + path + ": " + std::strerror(errno));
        }
    } else if (r.intact_end < data.size()) {
        const std::string aside =
            keep_aside(data.substr(r.intact_end), path + ".torn-" + std::to_string(r.intact_end));
        warn("write-ahead log " + path + ": ignoring a torn or corrupt tail of " +
             std::to_string(data.size() - r.intact_end) + " bytes at offset " +
             std::to_string(r.intact_end) + " (kept in " + aside + ")");
        if (::ftruncate(fd, static_cast<off_t>(r.intact_end)) != 0) {
            throw std::runtime_error("truncate " + path + ": " + std::strerror(errno));
        }
    }
    if (compact) {
        // Rewrite the log from the state just replayed, atomically via rename.
        std::string tmp_path = dir + "/wal.log.tmp";
        int tfd = ::open(tmp_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (tfd < 0)
            throw std::runtime_error("cannot open " + tmp_path + ": " + std::strerror(errno));
        std::unique_ptr<wal> t(new wal(tfd, tmp_path));
        for (const auto& [id, body] : s.pipelines())
            t->log_pipeline_put(id, json::serialize(body));
        for (const auto& [name, idx] : s.indices()) {
            json::object body;
            if (!idx.mappings.empty())
                body["mappings"] = idx.mappings;
            if (!idx.settings.empty())
                body["settings"] = json::object{{"index", idx.settings}};
            if (!idx.aliases.empty()) {
                json::object aliases;
                for (const auto& a : idx.aliases)
                    aliases[a] = json::object{};
                body["aliases"] = std::move(aliases);
            }
            t->log_create_index(name, json::serialize(body), idx.uuid, idx.creation_ms);
            std::vector<std::pair<const std::string*, const doc_data*>> docs;
            docs.reserve(idx.docs.size());
            for (const auto& [id, d] : idx.docs)
                docs.emplace_back(&id, d.get());
            std::sort(docs.begin(), docs.end(), [](const auto& a, const auto& b) {
                return a.second->order < b.second->order;
            });
            for (const auto& [id, d] : docs) {
                t->log_put(name, *id, d->source, d->seq_no, d->version);
                if (t->pending_.size() > (8u << 20)) {
                    t->write_at_end(t->pending_);  // the log's thread is not started yet
                    t->pending_.clear();
                }
            }
            // Keep the sequence counter where it was, even when the last ops were deletes.
            if (idx.next_seq_no > 0)
                t->log_delete(name, "\x01seq-marker", idx.next_seq_no - 1);
        }
        t->sync();
        if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
            throw std::runtime_error("rename " + tmp_path + ": " + std::strerror(errno));
        }
        t->fd_ = -1;
        ::close(w->fd_);
        w->fd_ = tfd;
        // The replaced file's mapping stays: the replayed documents point into it.
        if (w->map_ != nullptr)
            w->old_maps_.push_back(w->map_);
        w->map_ = nullptr;
        w->map_log();
        struct stat st {};
        if (::fstat(tfd, &st) != 0)
            throw std::runtime_error("stat " + path + ": " + std::strerror(errno));
        w->written_ = static_cast<std::uint64_t>(st.st_size);
    }
    if (::lseek(w->fd_, 0, SEEK_END) < 0) {
        throw std::runtime_error("seek " + path + ": " + std::strerror(errno));
    }
    if (opts.direct_io)
        w->open_direct();
    s.set_wal(w.get());
    return w;
}

void wal::free_deleter::operator()(char* p) const noexcept {
    std::free(p);
}

void wal::open_direct() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0)
        return;  // tmpfs and the like: written through the page cache
    tail_.resize(written_ % block);
    if (!tail_.empty() &&
        ::pread(fd_, tail_.data(), tail_.size(), static_cast<off_t>(written_ - tail_.size())) !=
            static_cast<ssize_t>(tail_.size())) {
        ::close(fd);
        tail_.clear();
        return;
    }
    // Some file systems open with O_DIRECT and refuse the writes: the last block is written
    // once (the same bytes, then zeros) to find out, and the file cut back to its records.
    void* probe = std::aligned_alloc(block, block);
    bool written = false;
    if (probe != nullptr) {
        std::memset(probe, 0, block);
        std::memcpy(probe, tail_.data(), tail_.size());
        written = ::pwrite(fd, probe, block, static_cast<off_t>(written_ - tail_.size())) ==
                  static_cast<ssize_t>(block);
        std::free(probe);
    }
    if (::ftruncate(fd_, static_cast<off_t>(written_)) != 0 || !written) {
        ::close(fd);
        tail_.clear();
        return;
    }
    direct_fd_ = fd;
}

void wal::write_direct(std::string_view records) {
    const std::uint64_t start = written_ - tail_.size();
    const std::size_t n = tail_.size() + records.size();
    const std::size_t padded = (n + block - 1) / block * block;
    if (padded > stage_size_) {
        const std::size_t size = std::max(padded, 2 * stage_size_);
        stage_.reset(static_cast<char*>(std::aligned_alloc(block, size)));
        stage_size_ = stage_ ? size : 0;
        if (!stage_)
            throw std::runtime_error("write " + path_ + ": out of memory for " +
                                     std::to_string(size) + " bytes");
    }
    char* b = stage_.get();
    std::memcpy(b, tail_.data(), tail_.size());
    std::memcpy(b + tail_.size(), records.data(), records.size());
    std::memset(b + n, 0, padded - n);
    for (std::size_t done = 0; done < padded;) {
        const ssize_t w =
            ::pwrite(direct_fd_, b + done, padded - done, static_cast<off_t>(start + done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("write " + path_ + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(w);
    }
    tail_.assign(b + n / block * block, n % block);
    if (stage_size_ > stage_keep) {
        stage_.reset();
        stage_size_ = 0;
    }
}

wal::~wal() {
    if (fd_ >= 0) {
        deferred_ = false;
        try {
            sync();
        } catch (...) {
        }
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable())
        writer_.join();  // after the queued batches are written
    if (fd_ >= 0) {
        if (direct_fd_ >= 0) {
            // The zeros after the last record go: a closed log ends with its last record.
            if (::ftruncate(fd_, static_cast<off_t>(written_)) == 0)
                ::fdatasync(fd_);
            ::close(direct_fd_);
        }
        ::close(fd_);
    }
    // Documents still pointing into the mappings die with the store, which is destroyed
    // after the log only when the service is; see service.hpp.
    for (const char* m : old_maps_)
        ::munmap(const_cast<char*>(m), map_reserve);
    if (map_ != nullptr)
        ::munmap(const_cast<char*>(map_), map_reserve);
}

void wal::map_log() {
    void* p = ::mmap(nullptr, map_reserve, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd_, 0);
    map_ = p == MAP_FAILED ? nullptr : static_cast<const char*>(p);
}

std::size_t wal::begin_record(std::uint8_t type) {
    std::size_t start = pending_.size();
    pending_.append(8, '\0');
    pending_.push_back(static_cast<char>(type));
    return start;
}

void wal::end_record(std::size_t start) {
    // The checksum is left to write_at_end, on the thread that writes.
    std::uint32_t len = static_cast<std::uint32_t>(pending_.size() - start - 8);
    for (int i = 0; i < 4; ++i)
        pending_[start + i] = static_cast<char>((len >> (8 * i)) & 0xff);
}

void wal::log_create_index(std::string_view name, std::string_view body_json, std::string_view uuid,
                           std::int64_t creation_ms) {
    auto start = begin_record(static_cast<std::uint8_t>(op::create_index));
    put_str(pending_, name);
    put_str(pending_, body_json);
    put_str(pending_, uuid);
    put_i64(pending_, creation_ms);
    end_record(start);
}

void wal::log_delete_index(std::string_view name) {
    auto start = begin_record(static_cast<std::uint8_t>(op::delete_index));
    put_str(pending_, name);
    end_record(start);
}

void wal::log_put(std::string_view index, std::string_view id, std::string_view source,
                  std::int64_t seq_no, std::int64_t version, const std::shared_ptr<doc_data>& doc) {
    // Built in place: this is the hot path of bulk ingestion.
    auto start = begin_record(static_cast<std::uint8_t>(op::put));
    put_str(pending_, index);
    put_str(pending_, id);
    if (doc && map_ != nullptr)
        to_map_.emplace_back(doc, pending_.size() + 4);
    put_str(pending_, source);
    put_i64(pending_, seq_no);
    put_i64(pending_, version);
    end_record(start);
}

void wal::log_delete(std::string_view index, std::string_view id, std::int64_t seq_no) {
    auto start = begin_record(static_cast<std::uint8_t>(op::remove));
    put_str(pending_, index);
    put_str(pending_, id);
    put_i64(pending_, seq_no);
    end_record(start);
}

void wal::log_pipeline_put(std::string_view id, std::string_view body_json) {
    auto start = begin_record(static_cast<std::uint8_t>(op::pipeline_put));
    put_str(pending_, id);
    put_str(pending_, body_json);
    end_record(start);
}

void wal::log_pipeline_delete(std::string_view id) {
    auto start = begin_record(static_cast<std::uint8_t>(op::pipeline_delete));
    put_str(pending_, id);
    end_record(start);
}

void wal::write_at_end(std::string& records) {
    fill_checksums(records);
    if (direct_fd_ >= 0) {
        write_direct(records);
    } else {
        for (std::size_t done = 0; done < records.size();) {
            const ssize_t n = ::pwrite(fd_, records.data() + done, records.size() - done,
                                       static_cast<off_t>(written_ + done));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw std::runtime_error("write " + path_ + ": " + std::strerror(errno));
            }
            done += static_cast<std::size_t>(n);
        }
    }
    written_ += records.size();
}

void wal::map_sources(doc_offsets& docs, std::uint64_t at) {
    // The documents of these records now read their sources from the mapping (the same
    // bytes, in the file).
    for (auto& [doc, offset] : docs) {
        const std::size_t size = doc->source.size();
        if (map_ == nullptr || at + offset + size > map_reserve)
            continue;  // a log over 1 TiB: the source stays in memory
        doc->drop_copy();
        doc->source = std::string_view(map_ + at + offset, size);
    }
}

wal::doc_offsets wal::hand_off(std::function<void(std::exception_ptr, std::uint64_t)> done) {
    doc_offsets docs;
    docs.swap(to_map_);
    batch b{std::string(), std::move(done)};
    b.records.swap(pending_);
    std::lock_guard lock(mutex_);
    if (!writer_.joinable())
        writer_ = std::thread([this] { writer_loop(); });
    queue_.push_back(std::move(b));
    wake_.notify_one();
    return docs;
}

void wal::sync() {
    if (pending_.empty() || deferred_)
        return;
    std::promise<std::uint64_t> written;
    auto at = written.get_future();
    doc_offsets docs = hand_off([&written](std::exception_ptr e, std::uint64_t offset) {
        if (e)
            written.set_exception(e);
        else
            written.set_value(offset);
    });
    const std::uint64_t offset = at.get();  // throws the failure
    map_sources(docs, offset);
}

void wal::writer_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty())
            return;  // stopping, and every batch is written
        std::deque<batch> batches;
        batches.swap(queue_);
        lock.unlock();
        // Every batch queued meanwhile is written, then one fdatasync covers them all. A
        // batch that fails to be written is written over by the next one.
        const std::uint64_t group_start = written_;
        const std::string group_tail = tail_;
        std::vector<std::pair<std::exception_ptr, std::uint64_t>> results;
        results.reserve(batches.size());
        for (auto& b : batches) {
            const std::uint64_t at = written_;
            try {
                write_at_end(b.records);
                results.emplace_back(nullptr, at);
            } catch (...) {
                results.emplace_back(std::current_exception(), at);
            }
            std::string().swap(b.records);
        }
        std::exception_ptr unsynced;
        try {
            durable(fd_, path_, dropped_to_, direct_fd_ >= 0);
        } catch (...) {
            // Nothing of this group is known to be on disk: it is acknowledged to no one, and
            // the next batches are written over it.
            unsynced = std::current_exception();
            written_ = group_start;
            tail_ = group_tail;
        }
        for (std::size_t i = 0; i < batches.size(); ++i) {
            auto failure = results[i].first ? results[i].first : unsynced;
            batches[i].done(failure, results[i].second);
        }
        lock.lock();
    }
}

boost::asio::awaitable<std::exception_ptr> wal::commit() {
    namespace asio = boost::asio;
    if (pending_.empty())
        co_return nullptr;
    auto executor = co_await asio::this_coro::executor;
    doc_offsets docs;
    std::uint64_t at = 0;
    try {
        at = co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, std::uint64_t)>(
            [this, executor, &docs](auto handler) {
                using handler_type = decltype(handler);
                auto h = std::make_shared<handler_type>(std::move(handler));
                docs = hand_off([h, executor](std::exception_ptr e, std::uint64_t offset) {
                    asio::post(executor, [h, e, offset]() mutable { std::move (*h)(e, offset); });
                });
            },
            asio::use_awaitable);
    } catch (...) {
        co_return std::current_exception();
    }
    map_sources(docs, at);
    co_return nullptr;
}

}  // namespace casio::mock_es
