// The real mock-elasticsearch binary over sockets: readiness line, keep-alive after bad input,
// headers, CLI errors, signals and durability across kill -9.

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "support/blocking_http_client.hpp"
#include "support/child_process.hpp"

#ifdef CASIO_BIN_MOCK_ELASTICSEARCH

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using casio::test::child_process;

namespace {

// Requests with a body say it is JSON unless told otherwise.
struct connection : casio::test::blocking_http_client {
    using blocking_http_client::blocking_http_client;
    response send(bhttp::verb verb, const std::string& target, std::string body = {},
                  const std::string& content_type = "application/json") {
        fields f;
        if (!body.empty()) {
            f.emplace_back("Content-Type", content_type);
        }
        return blocking_http_client::send(verb, target, std::move(body), f);
    }
};

}  // namespace

TEST_CASE("the binary serves ES calls over one keep-alive connection", "[mock_es][process]") {
    auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH, {"--port", "0"});
    connection c(es.port());
    auto root = c.send(bhttp::verb::get, "/");
    CHECK(root.result_int() == 200);
    CHECK(root["X-Elastic-Product"] == "Elasticsearch");
    auto bad = c.send(bhttp::verb::post, "/_bulk", "{\"index\":{\"_index\":\"x\"}}\n{oops",
                      "application/x-ndjson");
    CHECK(bad.result_int() == 400);
    CHECK(bad["X-Elastic-Product"] == "Elasticsearch");
    CHECK(bad.body().find("\"type\":\"illegal_argument_exception\"") != std::string::npos);
    auto garbage = c.send(bhttp::verb::post, "/x/_search", "{{{{");
    CHECK(garbage.result_int() == 400);
    auto ok = c.send(bhttp::verb::put, "/x/_doc/1", R"({"a":1})");  // same connection still works
    CHECK(ok.result_int() == 201);
    CHECK(c.send(bhttp::verb::head, "/x").result_int() == 200);
    CHECK(c.send(bhttp::verb::head, "/y")["X-Elastic-Product"] == "Elasticsearch");

    es.signal(SIGTERM);
    CHECK(es.wait() == 0);
}

TEST_CASE("bodies over --max-body-mb get an ES-shaped 413", "[mock_es][process]") {
    auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH,
                                          {"--port", "0", "--max-body-mb", "1"});
    connection c(es.port());
    bhttp::request<bhttp::string_body> req{bhttp::verb::put, "/_bulk", 11};
    req.set(bhttp::field::content_type, "application/x-ndjson");
    req.body() = std::string(2 * 1024 * 1024, ' ');
    req.prepare_payload();
    auto res = c.exchange_ignoring_errors(req);
    CHECK(res.result_int() == 413);
    CHECK(res["X-Elastic-Product"] == "Elasticsearch");
    CHECK(res.body().find("\"status\":413") != std::string::npos);
    connection again(es.port());
    CHECK(again.send(bhttp::verb::get, "/").result_int() == 200);
}

TEST_CASE("the unavailable-for-ms flag answers 503 from the start until the window ends",
          "[mock_es][process][faults]") {
    auto es = child_process::start_server(
        CASIO_BIN_MOCK_ELASTICSEARCH,
        {"--port", "0", "--unavailable-from-ms", "0", "--unavailable-for-ms", "600000"});
    connection c(es.port());
    auto down = c.send(bhttp::verb::get, "/");
    CHECK(down.result_int() == 503);
    CHECK(down["X-Elastic-Product"] == "Elasticsearch");
    CHECK(c.send(bhttp::verb::post, "/_mock/available").result_int() == 200);
    CHECK(c.send(bhttp::verb::get, "/").result_int() == 200);
}

TEST_CASE("a bad flag is a usage error naming it", "[mock_es][process]") {
    auto p = child_process::start(CASIO_BIN_MOCK_ELASTICSEARCH, {"--bogus", "1"});
    CHECK(p.wait() == 2);
    auto q = child_process::start(CASIO_BIN_MOCK_ELASTICSEARCH, {"--port", "notaport"});
    CHECK(q.wait() == 2);
    auto io = child_process::run(CASIO_BIN_MOCK_ELASTICSEARCH, {"--wal-io", "sometimes"});
    CHECK(io.exit_code == 2);
    CHECK(io.output.find("--wal-io takes direct or buffered, not 'sometimes'") !=
          std::string::npos);
    auto mem = child_process::run(CASIO_BIN_MOCK_ELASTICSEARCH, {"--reserve-memory-gb", "5000"});
    CHECK(mem.exit_code == 2);
    CHECK(mem.output.find("--reserve-memory-gb") != std::string::npos);
}

TEST_CASE("acknowledged writes survive kill -9", "[mock_es][process][persistence]") {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("mock-es-kill-" + std::to_string(rd()));
    {
        auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH,
                                              {"--port", "0", "--data-dir", dir.string()});
        connection c(es.port());
        std::string bulk;
        for (int i = 0; i < 100; ++i) {
            bulk += R"({"index":{"_index":"k","_id":")" + std::to_string(i) + "\"}}\n{\"n\":1}\n";
        }
        CHECK(c.send(bhttp::verb::put, "/_bulk", bulk, "application/x-ndjson").result_int() == 200);
        CHECK(c.send(bhttp::verb::put, "/k/_doc/last", R"({"n":2})").result_int() == 201);
        es.signal(SIGKILL);
        es.wait();
    }
    auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH,
                                          {"--port", "0", "--data-dir", dir.string()});
    connection c(es.port());
    auto count = c.send(bhttp::verb::get, "/k/_count");
    CHECK(count.body().find("\"count\":101") != std::string::npos);
    // The log's end as the crash left it is not taken for a torn record.
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        CHECK(e.path().filename() == "wal.log");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

TEST_CASE(
    "damage in the middle of the log stops the start, and --salvage-wal keeps every intact "
    "record and the damaged file",
    "[mock_es][process][persistence]") {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("mock-es-damage-" + std::to_string(rd()));
    {
        auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH,
                                              {"--port", "0", "--data-dir", dir.string()});
        connection c(es.port());
        std::string bulk;  // one log record per document
        for (int i = 0; i < 2000; ++i) {
            bulk += R"({"index":{"_index":"k","_id":")" + std::to_string(i) + "\"}}\n{\"n\":1}\n";
        }
        REQUIRE(c.send(bhttp::verb::put, "/_bulk", bulk, "application/x-ndjson").result_int() ==
                200);
        es.signal(SIGTERM);
        es.wait();
    }
    const auto log = dir / "wal.log";
    std::string bytes;
    {
        std::ifstream in(log, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::size_t middle = bytes.size() / 2;
    std::string damaged = bytes;
    for (std::size_t i = 0; i < 16; ++i) {
        damaged[middle + i] = static_cast<char>(~damaged[middle + i]);
    }
    {
        std::ofstream out(log, std::ios::binary | std::ios::trunc);
        out << damaged;
    }

    auto refused = child_process::run(CASIO_BIN_MOCK_ELASTICSEARCH,
                                      {"--port", "0", "--data-dir", dir.string()});
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find(log.string()) != std::string::npos);
    CHECK(refused.output.find("offset") != std::string::npos);
    CHECK(refused.output.find("--salvage-wal") != std::string::npos);
    {
        std::ifstream in(log, std::ios::binary);
        std::string after(std::istreambuf_iterator<char>(in), {});
        CHECK(after == damaged);  // nothing cut
    }

    std::int64_t kept = 0;
    {
        auto es = child_process::start_server(
            CASIO_BIN_MOCK_ELASTICSEARCH,
            {"--port", "0", "--data-dir", dir.string(), "--salvage-wal"});
        connection c(es.port());
        auto count = c.send(bhttp::verb::get, "/k/_count");
        auto pos = count.body().find("\"count\":");
        REQUIRE(pos != std::string::npos);
        kept = std::stoll(count.body().substr(pos + 8));
        CHECK(kept >= 1998);  // 16 bytes touch one record, two at most
        CHECK(kept < 2000);
        es.signal(SIGTERM);
        es.wait();
    }
    std::vector<std::filesystem::path> aside;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().starts_with("wal.log.damaged-")) {
            aside.push_back(e.path());
        }
    }
    REQUIRE(aside.size() == 1);
    {
        std::ifstream in(aside[0], std::ios::binary);
        std::string kept_aside(std::istreambuf_iterator<char>(in), {});
        CHECK(kept_aside == damaged);
    }
    // The new log is clean: a plain start has the same documents.
    auto es = child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH,
                                          {"--port", "0", "--data-dir", dir.string()});
    connection c(es.port());
    auto count = c.send(bhttp::verb::get, "/k/_count");
    CHECK(count.body().find("\"count\":" + std::to_string(kept)) != std::string::npos);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

#endif
