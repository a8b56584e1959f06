#include "support/child_process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace casio::test {

namespace {

using clock = std::chrono::steady_clock;

int exit_code_of(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

child_process child_process::start(const std::string& path, const std::vector<std::string>& args,
                                   bool merge_stderr) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    if (merge_stderr) {
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    }

    std::vector<std::string> argv_storage;
    argv_storage.push_back(path);
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error("cannot start " + path + ": " + std::strerror(rc));
    }
    child_process child;
    child.pid_ = pid;
    child.stdout_fd_ = fds[0];
    return child;
}

child_process::result child_process::run(const std::string& path,
                                         const std::vector<std::string>& args,
                                         std::chrono::milliseconds timeout) {
    auto child = start(path, args, true);
    const auto deadline = clock::now() + timeout;
    result r;
    std::string line;
    while (child.read_line(
        line, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()))) {
        r.output += line;
        r.output += '\n';
    }
    r.output += child.buffer_;  // a last line without newline
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    r.exit_code = child.wait(std::max(left, std::chrono::milliseconds(1)));
    return r;
}

child_process child_process::start_server(const std::string& path,
                                          const std::vector<std::string>& args,
                                          std::chrono::milliseconds timeout) {
    auto child = start(path, args);
    std::string line;
    if (!child.read_line(line, timeout)) {
        throw std::runtime_error(path + " did not print its readiness line");
    }
    constexpr std::string_view prefix = "listening on http://127.0.0.1:";
    constexpr std::string_view tls_prefix = "listening on https://127.0.0.1:";
    if (line.rfind(prefix, 0) == 0) {
        child.port_ = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
    } else if (line.rfind(tls_prefix, 0) == 0) {
        child.port_ = static_cast<std::uint16_t>(std::stoi(line.substr(tls_prefix.size())));
    } else {
        throw std::runtime_error(path + " printed '" + line + "' instead of its readiness line");
    }
    return child;
}

child_process::child_process(child_process&& other) noexcept
    : pid_(other.pid_),
      stdout_fd_(other.stdout_fd_),
      port_(other.port_),
      buffer_(std::move(other.buffer_)) {
    other.pid_ = -1;
    other.stdout_fd_ = -1;
}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        this->~child_process();
        new (this) child_process(std::move(other));
    }
    return *this;
}

child_process::~child_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (stdout_fd_ >= 0)
        ::close(stdout_fd_);
}

bool child_process::read_line(std::string& line, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
            line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0 || stdout_fd_ < 0)
            return false;
        pollfd p{stdout_fd_, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        char buf[4096];
        ssize_t got = ::read(stdout_fd_, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        buffer_.append(buf, static_cast<std::size_t>(got));
    }
}

void child_process::signal(int sig) const {
    if (pid_ > 0)
        ::kill(pid_, sig);
}

int child_process::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0)
        return -1;
    // A pidfd becomes readable when the process exits, so the wait needs no polling loop.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        int n;
        do {
            n = ::poll(&p, 1, static_cast<int>(timeout.count()));
        } while (n < 0 && errno == EINTR);
        ::close(pidfd);
        if (n == 0)
            return -1;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_)
        return -1;
    pid_ = -1;
    return exit_code_of(status);
}

}  // namespace casio::test
