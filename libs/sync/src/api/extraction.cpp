#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <casio/core/error.hpp>
#include <casio/sync/extraction.hpp>

namespace casio::sync {

namespace {

constexpr std::size_t spool_buffer = std::size_t{256} * 1024;
constexpr std::string_view spool_prefix = "connectors-asio-file-";

std::filesystem::path temp_dir() {
    const char* dir = std::getenv("TMPDIR");
    return (dir != nullptr && *dir != '\0') ? dir : "/tmp";
}

}  // namespace

spooled_file::spooled_file(const std::filesystem::path& dir) {
    const auto where = dir.empty() ? temp_dir() : dir;
    std::string name = (where / (std::string(spool_prefix) + "XXXXXX")).string();
    fd_ = ::mkstemp(name.data());
    if (fd_ < 0) {
        throw core::error(core::error_kind::fatal, "cannot create a file to spool a download in " +
                                                       where.string() + ": " +
                                                       std::strerror(errno));
    }
    path_ = name;
    // Held until the file goes; a file whose lock is free belongs to no living process.
    ::flock(fd_, LOCK_EX | LOCK_NB);
}

std::size_t remove_stale_spool_files(const std::filesystem::path& dir) {
    const auto where = dir.empty() ? temp_dir() : dir;
    std::error_code ec;
    std::filesystem::directory_iterator it(where, ec);
    std::size_t removed = 0;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (name.rfind(spool_prefix, 0) != 0 || !it->is_regular_file(ec)) {
            continue;
        }
        // A file made this very moment may not be locked yet by the process making it.
        auto written = std::filesystem::last_write_time(it->path(), ec);
        if (ec || now - written < std::chrono::minutes(1)) {
            ec.clear();
            continue;
        }
        const int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(it->path().c_str()) == 0) {
            ++removed;
        }
        ::close(fd);
    }
    return removed;
}

spooled_file::~spooled_file() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
}

void spooled_file::write(std::string_view bytes) {
    buffer_ += bytes;
    size_ += bytes.size();
    if (buffer_.size() >= spool_buffer) {
        flush();
    }
}

void spooled_file::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw core::error(core::error_kind::fatal,
                              "cannot write " + path_.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

void spooled_file::clear() {
    buffer_.clear();
    size_ = 0;
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
        throw core::error(core::error_kind::fatal,
                          "cannot truncate " + path_.string() + ": " + std::strerror(errno));
    }
}

}  // namespace casio::sync
