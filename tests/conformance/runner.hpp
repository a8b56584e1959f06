#pragma once
// Replays recorded Elasticsearch exchanges (tests/conformance/es/*.yml) against a server and
// reports every answer that differs from the recording. The format is a subset of
// Elasticsearch's YAML REST tests with raw HTTP requests in place of API names; the README next
// to this file describes it. The runner knows nothing of sockets: a `transport` sends one
// request, so the same files run against mock-elasticsearch in-process, against its binary and
// against a real cluster.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace casio::conformance {

struct request {
    std::string method;
    std::string target;  // path and query string
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct response {
    unsigned status = 0;
    std::string body;
};

using transport = std::function<response(const request&)>;

// One test of a file: its steps run after the file's setup, then its teardown runs.
struct test_result {
    std::string name;
    std::vector<std::string> failures;  // empty when the test passed
};

// Parses a whole file (throws std::runtime_error naming the file, test and step on a malformed
// one: an unknown step, a catch value that is not known, a do without method or path).
class suite {
  public:
    static suite parse(const std::string& yaml_text, std::string file_name);
    static suite load(const std::string& path);

    const std::string& file_name() const noexcept { return file_name_; }
    std::vector<std::string> test_names() const;

    // Runs one test: the file's setup, the test's steps, then the file's teardown (also after a
    // failed step, so a real cluster is left clean). `send` must start on an empty cluster, or
    // on one the previous test's teardown cleaned.
    test_result run(const std::string& test_name, const transport& send) const;

    struct impl;
    ~suite();
    suite(suite&&) noexcept;
    suite& operator=(suite&&) noexcept;

  private:
    suite();
    std::string file_name_;
    std::unique_ptr<impl> impl_;
};

}  // namespace casio::conformance
