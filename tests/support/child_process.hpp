#pragma once
// Starts one of the project's programs as a child process for integration tests, and waits
// for its readiness line ("listening on http://127.0.0.1:PORT") instead of sleeping.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace casio::test {

class child_process {
  public:
    // Starts `path args...` with stdout on a pipe. stderr is inherited (visible in test logs),
    // or sent to the same pipe with `merge_stderr` (to assert on error messages).
    static child_process start(const std::string& path, const std::vector<std::string>& args,
                               bool merge_stderr = false);

    // Runs a program to completion and returns its exit code and everything it printed on
    // stdout and stderr.
    struct result {
        int exit_code = -1;
        std::string output;
    };
    static result run(const std::string& path, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

    // Starts a server and waits until its first stdout line is
    // "listening on http(s)://127.0.0.1:PORT"; throws with the line read, or on timeout/exit.
    static child_process start_server(const std::string& path, const std::vector<std::string>& args,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process();  // SIGKILL and reap if still running

    int pid() const noexcept { return pid_; }
    std::uint16_t port() const noexcept { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Reads one line of the child's stdout (without the newline); false on EOF or timeout.
    bool read_line(std::string& line, std::chrono::milliseconds timeout);

    // Sends a signal.
    void signal(int sig) const;

    // Waits for the child to exit, up to `timeout`. Returns the exit code (128+signal when
    // killed by a signal), or -1 on timeout (the child keeps running).
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    bool running() const noexcept { return pid_ > 0; }

  private:
    child_process() = default;
    int pid_ = -1;
    int stdout_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string buffer_;
};

}  // namespace casio::test
