#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <casio/core/error.hpp>
#include <casio/sync/extraction.hpp>

namespace casio::sync {

namespace {

constexpr std::size_t spool_buffer = std::size_t{256} * 1024;

std::filesystem::path temp_dir() {
    const char* dir = std::getenv("TMPDIR");
    return (dir != nullptr && *dir != '\0') ? dir : "/tmp";
}

}  // namespace

spooled_file::spooled_file(const std::filesystem::path& dir) {
    const auto where = dir.empty() ? temp_dir() : dir;
    std::string name = (where / "connectors-asio-file-XXXXXX").string();
    fd_ = ::mkstemp(name.data());
    if (fd_ < 0) {
        throw core::error(core::error_kind::fatal, "cannot create a file to spool a download in " +
                                                       where.string() + ": " +
                                                       std::strerror(errno));
    }
    path_ = name;
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
