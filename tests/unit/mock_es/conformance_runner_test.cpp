// The runner of tests/conformance: a recording that differs from the answer must fail, with a
// message that names the file, line and the difference; one that matches must pass.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runner.hpp"

using casio::conformance::request;
using casio::conformance::response;
using casio::conformance::suite;

namespace {

// A server that answers from a script and records what it was sent.
struct scripted {
    std::vector<response> answers;
    std::vector<request> seen;
    casio::conformance::transport fn() {
        return [this](const request& r) {
            seen.push_back(r);
            response a = answers.at(seen.size() - 1);
            return a;
        };
    }
};

std::vector<std::string> run_only(const std::string& yaml, scripted& server) {
    auto s = suite::parse(yaml, "t.yml");
    REQUIRE(s.test_names().size() == 1);
    return s.run(s.test_names()[0], server.fn()).failures;
}

}  // namespace

TEST_CASE("a recording that matches the answer passes", "[conformance]") {
    scripted server{
        {{400, R"({"error":{"type":"x_exception","reason":"bad [a.b]"},"status":400})"}}};
    auto failures = run_only(R"(
"t":
  - do: { method: PUT, path: "/_connector//_name", body: { name: x }, catch: bad_request }
  - match: { error.type: x_exception }
  - match: { error.reason: "/^bad \\[a\\.b\\]$/" }
  - match: { status: 400 }
  - match: { $status: 400 }
  - is_false: error.root_cause
)",
                             server);
    CHECK(failures.empty());
    REQUIRE(server.seen.size() == 1);
    CHECK(server.seen[0].method == "PUT");
    CHECK(server.seen[0].target == "/_connector//_name");
    CHECK(server.seen[0].body == R"({"name":"x"})");
}

TEST_CASE("an answer that differs fails with the file, line and both values", "[conformance]") {
    scripted server{{{200, R"({"result":"updated"})"}}};
    auto failures = run_only(R"(
"t":
  - do: { method: PUT, path: /_connector/c1/_name, body: { name: x } }
  - match: { result: noop }
)",
                             server);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].find("t.yml:4") != std::string::npos);
    CHECK(failures[0].find(R"(expected "noop", got "updated")") != std::string::npos);
}

TEST_CASE("a success where an error was recorded fails, and so does the reverse", "[conformance]") {
    scripted ok{{{200, "{}"}}};
    auto f1 = run_only("\"t\":\n  - do: { method: GET, path: /x, catch: missing }\n", ok);
    REQUIRE(f1.size() == 1);
    CHECK(f1[0].find("expected 404 missing, got 200") != std::string::npos);

    scripted bad{{{400, R"({"error":{}})"}}};
    auto f2 = run_only("\"t\":\n  - do: { method: GET, path: /x }\n", bad);
    REQUIRE(f2.size() == 1);
    CHECK(f2[0].find("expected success, got 400") != std::string::npos);

    scripted other{{{409, "{}"}}};
    CHECK(run_only("\"t\":\n  - do: { method: GET, path: /x, catch: request }\n", other).empty());
    scripted body{{{400, R"({"reason":"unknown field [foo]"})"}}};
    CHECK(run_only("\"t\":\n  - do: { method: GET, path: /x, catch: \"/unknown field/\" }\n", body)
              .empty());
}

TEST_CASE("a stored value is sent back and compared, whole or inside a string", "[conformance]") {
    scripted server{{{201, R"({"id":"abc","n":3})"}, {200, R"({"id":"abc","job":{"n":3}})"}}};
    auto failures = run_only(R"(
"t":
  - do: { method: POST, path: /_connector, body: { name: x } }
  - set: { id: cid }
  - set: { n: count }
  - do: { method: GET, path: "/_connector/$cid?size=${count}", body: { ref: $cid, n: $count } }
  - match: { id: $cid }
  - match: { job: { n: 3.0 } }
)",
                             server);
    CHECK(failures.empty());
    REQUIRE(server.seen.size() == 2);
    CHECK(server.seen[1].target == "/_connector/abc?size=3");
    CHECK(server.seen[1].body == R"({"ref":"abc","n":3})");
}

TEST_CASE("an object match is exact: a member too many or too few fails", "[conformance]") {
    scripted server{{{200, R"({"a":{"x":1,"y":2}})"}}};
    auto failures = run_only(R"(
"t":
  - do: { method: GET, path: /x }
  - match: { a: { x: 1 } }
)",
                             server);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].find("match a") != std::string::npos);
}

TEST_CASE("plain scalars are typed, quoted ones stay strings", "[conformance]") {
    scripted server{{{200, R"({"a":"1","b":1,"c":true,"d":null,"e":"true"})"}}};
    CHECK(run_only(R"(
"t":
  - do: { method: GET, path: /x }
  - match: { a: "1" }
  - match: { b: 1 }
  - match: { c: true }
  - match: { d: null }
  - match: { e: "true" }
)",
                   server)
              .empty());
    scripted again{{{200, R"({"a":"1"})"}}};
    CHECK(run_only("\"t\":\n  - do: { method: GET, path: /x }\n  - match: { a: 1 }\n", again)
              .size() == 1);
}

TEST_CASE("length, comparisons and dotted keys", "[conformance]") {
    scripted server{{{200, R"({"results":[1,2,3],"a.b":{"c":5}})"}}};
    CHECK(run_only(R"(
"t":
  - do: { method: GET, path: /x }
  - length: { results: 3 }
  - gt: { a\.b.c: 4 }
  - lte: { a\.b.c: 5 }
  - match: { results.2: 3 }
  - is_true: results.0
)",
                   server)
              .empty());
    scripted short_list{{{200, R"({"results":[1]})"}}};
    auto failures = run_only(
        "\"t\":\n  - do: { method: GET, path: /x }\n  - length: { results: 2 }\n", short_list);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].find("expected 2, got 1") != std::string::npos);
}

TEST_CASE("setup runs before and teardown after every test, also after a failure",
          "[conformance]") {
    scripted server{{{200, "{}"}, {200, R"({"a":1})"}, {200, "{}"}}};
    auto s = suite::parse(R"(
setup:
  - do: { method: PUT, path: /setup }
teardown:
  - do: { method: DELETE, path: /teardown }
"t":
  - do: { method: GET, path: /test }
  - match: { a: 2 }
  - do: { method: GET, path: /never }
)",
                          "t.yml");
    auto result = s.run("t", server.fn());
    CHECK(result.failures.size() == 1);
    REQUIRE(server.seen.size() == 3);
    CHECK(server.seen[0].target == "/setup");
    CHECK(server.seen[1].target == "/test");
    CHECK(server.seen[2].target == "/teardown");
}

TEST_CASE("a malformed recording is refused with its line", "[conformance]") {
    auto message = [](const std::string& yaml) {
        try {
            suite::parse(yaml, "bad.yml");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    CHECK(message("\"t\":\n  - fetch: { path: /x }\n") ==
          R"(bad.yml, "t", line 2: unknown step [fetch])");
    CHECK(message("\"t\":\n  - do: { method: GET, path: /x, catch: oops }\n") ==
          R"(bad.yml, "t", line 2: unknown catch value [oops])");
    CHECK(message("\"t\":\n  - do: { path: /x }\n") ==
          R"(bad.yml, "t", line 2: `do` needs both method and path)");
    CHECK(message("setup: []\n") == "bad.yml: no test");
    CHECK(message("[1, 2]\n") == "bad.yml: a file is a mapping of test names to steps");
}
