// --data-dir: the write-ahead log is replayed at start; a torn tail is cut off with a warning
// (and kept aside), damage in the middle stops the open unless salvaging.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "support.hpp"

using namespace casio::mock_es;
using casio::mock_es::test::call;
using casio::mock_es::test::ndjson;
using casio::mock_es::test::temp_dir;

namespace {

void write_some(service& svc) {
    call(svc, "PUT", "/.elastic-connectors-v1");
    call(svc, "PUT", "/.elastic-connectors/_doc/c1", R"({"status":"created","n":1})");
    call(svc, "POST", "/.elastic-connectors/_update/c1", R"({"doc":{"status":"connected"}})");
    call(svc, "PUT", "/_bulk",
         ndjson({R"({"index":{"_index":"content","_id":"a"}})", R"({"id":"a","_timestamp":"t1"})",
                 R"({"index":{"_index":"content","_id":"b"}})", R"({"id":"b"})",
                 R"({"delete":{"_index":"content","_id":"a"}})"}),
         {{"Content-Type", "application/x-ndjson"}});
    call(svc, "PUT", "/_ingest/pipeline/p1", R"({"processors":[]})");
    call(svc, "PUT", "/gone/_doc/1", "{}");
    call(svc, "DELETE", "/gone");
}

void check_state(service& svc) {
    auto c = call(svc, "GET", "/.elastic-connectors/_doc/c1");
    REQUIRE(c.status == 200);
    CHECK(c.str({"_source", "status"}) == "connected");
    CHECK(c.at({"_seq_no"}).as_int64() == 1);
    CHECK(c.at({"_version"}).as_int64() == 2);
    CHECK(call(svc, "GET", "/content/_doc/a").status == 404);
    auto b = call(svc, "GET", "/content/_doc/b");
    CHECK(b.body.find(R"("_source":{"id":"b"})") != std::string::npos);
    CHECK(call(svc, "GET", "/_ingest/pipeline/p1").status == 200);
    CHECK(call(svc, "HEAD", "/gone").status == 404);
    // Sequence numbers continue after the replayed ones (the delete used seq_no 2).
    auto next = call(svc, "PUT", "/content/_doc/c", "{}");
    CHECK(next.at({"_seq_no"}).as_int64() == 3);
}

}  // namespace

TEST_CASE("a reopened data dir has every acknowledged write", "[mock_es][persistence]") {
    temp_dir dir;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        write_some(svc);
    }
    SECTION("replayed as written") {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        check_state(svc);
        CHECK(warnings.empty());
    }
    SECTION("replayed after compaction, twice") {
        {
            service svc;
            svc.open_data_dir(dir.path.string(), warn, true);
        }
        service svc;
        svc.open_data_dir(dir.path.string(), warn, true);
        check_state(svc);
        CHECK(warnings.empty());
    }
}

TEST_CASE("a torn last record is ignored with a warning", "[mock_es][persistence]") {
    temp_dir dir;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        call(svc, "PUT", "/i/_doc/1", R"({"a":1})");
        call(svc, "PUT", "/i/_doc/2", R"({"a":2})");
    }
    auto log = dir.path / "wal.log";
    auto size = std::filesystem::file_size(log);
    std::filesystem::resize_file(log, size - 3);  // the crash cut the last record
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        CHECK(call(svc, "GET", "/i/_doc/1").status == 200);
        CHECK(call(svc, "GET", "/i/_doc/2").status == 404);
        REQUIRE(warnings.size() == 1);
        CHECK(warnings[0].find("torn") != std::string::npos);
        // The cut bytes are kept beside the log, not destroyed.
        const auto intact_end = std::filesystem::file_size(log);
        const auto aside = dir.path / ("wal.log.torn-" + std::to_string(intact_end));
        REQUIRE(std::filesystem::exists(aside));
        CHECK(std::filesystem::file_size(aside) == size - 3 - intact_end);
        // The log continues cleanly after the cut.
        CHECK(call(svc, "PUT", "/i/_doc/3", R"({"a":3})").status == 201);
    }
    {
        std::ofstream garbage(log, std::ios::app | std::ios::binary);
        // A length header whose payload never made it, followed by junk.
        const char junk[] = {'\x40', '\x00', '\x00', '\x00', 'g', 'a', 'r', 'b', 'a', 'g', 'e'};
        garbage.write(junk, sizeof junk);
    }
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        CHECK(call(svc, "GET", "/i/_doc/3").status == 200);
        CHECK(warnings.size() == 2);
    }
    // A crash again at the same place: the tail kept before is not overwritten.
    const auto end = std::filesystem::file_size(log);
    std::filesystem::resize_file(log, end + 5);
    service again;
    again.open_data_dir(dir.path.string(), warn);
    const auto first = dir.path / ("wal.log.torn-" + std::to_string(end));
    CHECK(std::filesystem::file_size(first) == 11);  // the junk above
    CHECK(std::filesystem::file_size(first.string() + ".1") == 5);
}

TEST_CASE(
    "a damaged record in the middle stops the open, and salvaging keeps the records around it",
    "[mock_es][persistence]") {
    temp_dir dir;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        for (int i = 0; i < 3; ++i) {
            call(svc, "PUT", "/i/_doc/" + std::to_string(i), R"({"a":"xxxxxxxxxxxxxxxx"})");
        }
    }
    auto log = dir.path / "wal.log";
    std::string bytes;
    {
        std::ifstream in(log, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    // The second document's source: flip one byte of its payload.
    const auto second = bytes.find(R"({"a":"xxxxxxxxxxxxxxxx"})", bytes.find("xxxx") + 30);
    REQUIRE(second != std::string::npos);
    bytes[second + 8] = 'y';
    {
        std::ofstream out(log, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    {
        service svc;
        try {
            svc.open_data_dir(dir.path.string(), warn);
            FAIL("the damaged log was opened");
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            CHECK(what.find(log.string()) != std::string::npos);
            CHECK(what.find("offset") != std::string::npos);
            CHECK(what.find("--salvage-wal") != std::string::npos);
        }
        CHECK(std::filesystem::file_size(log) == bytes.size());
    }
    service svc;
    svc.open_data_dir(dir.path.string(), warn, false, true);
    CHECK(call(svc, "GET", "/i/_doc/0").status == 200);
    CHECK(call(svc, "GET", "/i/_doc/1").status == 404);
    CHECK(call(svc, "GET", "/i/_doc/2").status == 200);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1].find("wal.log.damaged-") != std::string::npos);
    CHECK(call(svc, "PUT", "/i/_doc/3", "{}").status == 201);
}

TEST_CASE("sources read back after a restart are the bytes indexed", "[mock_es][persistence]") {
    temp_dir dir;
    auto warn = [](const std::string&) {};
    const std::vector<std::string> sources = {
        R"({"a":1})",
        R"({ "spaced" : [1, 2.50, 3e2] , "u":"\u00e9\ud83d\ude00", "e":"\"q\"\n" })",
        R"({"big":")" + std::string(200'000, 'x') + R"("})",
        R"({"n":{"o":{"p":[{},[],null,true,false]}}})",
    };
    std::string served_after_pipeline;
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        std::string bulk;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            bulk += R"({"index":{"_index":"c","_id":")" + std::to_string(i) + "\"}}\n";
            bulk += sources[i] + "\n";
        }
        REQUIRE(call(svc, "PUT", "/_bulk", bulk, {{"Content-Type", "application/x-ndjson"}})
                    .body.find(R"("errors":false)") != std::string::npos);
        call(svc, "PUT", "/c/_doc/p?pipeline=search-default-ingestion",
             R"({"id":"p", "body":"  a  b ","_reduce_whitespace":true})");
        served_after_pipeline = call(svc, "GET", "/c/_source/p").body;
        // Read back from the log's mapping once logged, by a get and by a search.
        for (std::size_t i = 0; i < sources.size(); ++i)
            CHECK(call(svc, "GET", "/c/_source/" + std::to_string(i)).body == sources[i]);
        auto hits = call(svc, "GET", "/c/_search?size=10&sort=_doc");
        REQUIRE(hits.at({"hits", "hits"}).as_array().size() == sources.size() + 1);
        CHECK(hits.at({"hits", "hits", "0", "_source"}) == boost::json::parse(sources[0]));
        // A document written and updated by one bulk: the update reads the source before the
        // log is written.
        auto r =
            call(svc, "PUT", "/_bulk",
                 ndjson({R"({"index":{"_index":"c","_id":"u"}})", R"({"a":1,"b":{"c":2}})",
                         R"({"update":{"_index":"c","_id":"u"}})", R"({"doc":{"b":{"d":3}}})"}),
                 {{"Content-Type", "application/x-ndjson"}});
        REQUIRE(r.body.find(R"("errors":false)") != std::string::npos);
        CHECK(call(svc, "GET", "/c/_source/u").json ==
              boost::json::parse(R"({"a":1,"b":{"c":2,"d":3}})"));
    }
    for (int reopen = 0; reopen < 2; ++reopen) {
        service svc;
        svc.open_data_dir(dir.path.string(), warn, reopen == 1);  // then compacted
        for (std::size_t i = 0; i < sources.size(); ++i) {
            auto r = call(svc, "GET", "/c/_source/" + std::to_string(i));
            REQUIRE(r.status == 200);
            CHECK(r.body == sources[i]);
        }
        CHECK(call(svc, "GET", "/c/_source/p").body == served_after_pipeline);
        CHECK(call(svc, "GET", "/c/_source/u").json ==
              boost::json::parse(R"({"a":1,"b":{"c":2,"d":3}})"));
        CHECK(call(svc, "GET", "/c/_source/p").json ==
              boost::json::parse(R"({"id":"p","body":"a b"})"));
    }
}

TEST_CASE("answers served while the log is written wait for their own records, kept in order",
          "[mock_es][persistence]") {
    namespace asio = boost::asio;
    temp_dir dir;
    auto warn = [](const std::string&) {};
    const auto log = dir.path / "wal.log";
    auto log_holds = [&](const std::string& text) {
        std::ifstream in(log, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        return bytes.find(text) != std::string::npos;
    };
    constexpr int writes = 20;
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        auto handler = svc.async_handler();
        asio::io_context ioc;
        int answered = 0;
        int on_disk_when_answered = 0;
        for (int i = 0; i < writes; ++i) {
            asio::co_spawn(
                ioc,
                [&, i]() -> asio::awaitable<void> {
                    const std::string source = R"({"v":)" + std::to_string(i) + "}";
                    auto req = casio::http::server_request::make(
                        "PUT", "/i/_doc/same", source, {{"Content-Type", "application/json"}});
                    auto res = co_await handler(req);
                    answered += res.status == (i == 0 ? 201 : 200);
                    on_disk_when_answered += log_holds(source);
                },
                asio::detached);
        }
        ioc.run();
        CHECK(answered == writes);
        CHECK(on_disk_when_answered == writes);
    }
    service svc;
    svc.open_data_dir(dir.path.string(), warn);
    auto r = call(svc, "GET", "/i/_doc/same");
    CHECK(r.at({"_source", "v"}).as_int64() == writes - 1);
    CHECK(r.at({"_version"}).as_int64() == writes);
}

namespace {

std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("a log left open by a crash reopens without a warning and goes on where it stopped",
          "[mock_es][persistence]") {
    // What kill -9 leaves: the file as it is while the log is open (written with O_DIRECT,
    // it ends with zeros up to a whole block).
    temp_dir dir;
    temp_dir crashed;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    bool direct = false;
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn);
        write_some(svc);
        direct = svc.log()->direct_io();
        std::filesystem::create_directories(crashed.path);
        std::filesystem::copy_file(dir.path / "wal.log", crashed.path / "wal.log");
    }
    const std::string clean = file_bytes(dir.path / "wal.log");
    const std::string left = file_bytes(crashed.path / "wal.log");
    REQUIRE(left.size() >= clean.size());
    CHECK(left.substr(0, clean.size()) == clean);
    if (direct) {  // the zeros up to the block's end (none when the file system refuses O_DIRECT)
        CHECK(left.size() % 4096 == 0);
        CHECK(left.size() > clean.size());
    }
    for (int round = 0; round < 2; ++round) {
        service svc;
        svc.open_data_dir(crashed.path.string(), warn);
        CHECK(warnings.empty());
        if (round == 0) {
            check_state(svc);  // writes document c
        } else {
            CHECK(call(svc, "GET", "/content/_doc/c").status == 200);
            CHECK(call(svc, "GET", "/content/_doc/b").status == 200);
        }
    }
    // Nothing was taken for damage and put aside.
    for (const auto& e : std::filesystem::directory_iterator(crashed.path)) {
        CHECK(e.path().filename() == "wal.log");
    }
}

TEST_CASE("the log is the same file whether written with O_DIRECT or through the page cache",
          "[mock_es][persistence]") {
    temp_dir direct;
    temp_dir buffered;
    auto warn = [](const std::string& w) { FAIL(w); };
    // Records of every size around the 4 KiB block: the partial last block is written again
    // with the next records.
    auto write_sizes = [](service& svc) {
        for (std::size_t n : {1u, 4000u, 4096u, 95u, 8191u, 3u, 12289u, 4095u}) {
            const std::string source = R"({"f":")" + std::string(n, 'x') + "\"}";
            CHECK(call(svc, "PUT", "/sizes/_doc/" + std::to_string(n), source).status == 201);
            auto back = call(svc, "GET", "/sizes/_doc/" + std::to_string(n));
            CHECK(back.str({"_source", "f"}).size() == n);
        }
    };
    for (bool use_direct : {true, false}) {
        wal_options opts;
        opts.direct_io = use_direct;
        service svc;
        svc.open_data_dir((use_direct ? direct : buffered).path.string(), warn, opts);
        if (!use_direct)
            CHECK_FALSE(svc.log()->direct_io());
        write_some(svc);
        write_sizes(svc);
    }
    // The same records (the indices' uuids and creation times differ, not their sizes), and
    // no padding left in either once closed.
    const std::string a = file_bytes(direct.path / "wal.log");
    const std::string b = file_bytes(buffered.path / "wal.log");
    CHECK(a.size() == b.size());
    for (const auto* dir : {&direct, &buffered}) {
        service svc;
        svc.open_data_dir(dir->path.string(), warn);
        for (std::size_t n : {1u, 4000u, 4096u, 95u, 8191u, 3u, 12289u, 4095u}) {
            CHECK(call(svc, "GET", "/sizes/_doc/" + std::to_string(n)).str({"_source", "f"}) ==
                  std::string(n, 'x'));
        }
    }
}

TEST_CASE("a write the log cannot make is answered with an error and the log goes on after it",
          "[mock_es][persistence]") {
    // The file size limit makes the log's writes fail as a full disk does (EFBIG, not a crash).
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit before{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
    temp_dir dir;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    const std::string big = R"({"text":")" + std::string(20000, 'b') + "\"}";
    wal_options opts;
    opts.direct_io = GENERATE(true, false);
    {
        service svc;
        svc.open_data_dir(dir.path.string(), warn, opts);
        REQUIRE(call(svc, "PUT", "/i/_doc/1", R"({"a":1})").status == 201);
        rlimit small = before;
        small.rlim_cur = 8192;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        auto refused = call(svc, "PUT", "/i/_doc/2", big);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &before) == 0);
        CHECK(refused.status == 500);
        CHECK(refused.body.find("wal.log") != std::string::npos);
        CHECK(refused.body.find("File too large") != std::string::npos);
        CHECK(call(svc, "PUT", "/i/_doc/3", R"({"a":3})").status == 201);
        CHECK(call(svc, "PUT", "/i/_doc/4", big).status == 201);
    }
    service svc;
    svc.open_data_dir(dir.path.string(), warn);
    CHECK(call(svc, "GET", "/i/_doc/1").at({"_source", "a"}).as_int64() == 1);
    CHECK(call(svc, "GET", "/i/_doc/2").status == 404);  // never acknowledged
    CHECK(call(svc, "GET", "/i/_doc/3").at({"_source", "a"}).as_int64() == 3);
    CHECK(call(svc, "GET", "/i/_doc/4").str({"_source", "text"}).size() == 20000);
    CHECK(warnings.empty());
}
