// Files and concurrency through the real binaries (connectors-asio between mock-salesforce and
// mock-elasticsearch): file content at every size threshold reaches the index, and a job with
// many downloads in flight stops at once when it is canceled.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

#include <chrono>
#include <cstdint>

namespace {

// An 18-character id of `prefix` (3 characters) and a number.
std::string sf_id(std::string_view prefix, int n) {
    std::string digits = std::to_string(n);
    return std::string(prefix) + std::string(12 - digits.size(), '0') + digits + "AAA";
}

struct fixture_file {
    std::string title;
    std::string extension;
    std::uint64_t size;
};

// An org of one account linked to `files` (each a ContentDocument with its ContentVersion).
std::string files_fixture(const std::vector<fixture_file>& files) {
    json::array users{
        json::object{{"Id", sf_id("005", 1)}, {"Name", "Ada Owner"}, {"Email", "ada@example.com"}}};
    json::array accounts{json::object{{"Id", sf_id("001", 1)},
                                      {"Name", "Acme"},
                                      {"OwnerId", sf_id("005", 1)},
                                      {"LastModifiedDate", "2024-05-01T10:00:00.000+0000"}}};
    json::array docs, versions, links;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const int n = static_cast<int>(i) + 1;
        const auto& f = files[i];
        const auto size = static_cast<std::int64_t>(f.size);
        docs.push_back(json::object{{"Id", sf_id("069", n)},
                                    {"Title", f.title},
                                    {"FileExtension", f.extension},
                                    {"ContentSize", size},
                                    {"LatestPublishedVersionId", sf_id("068", n)}});
        versions.push_back(json::object{{"Id", sf_id("068", n)},
                                        {"ContentDocumentId", sf_id("069", n)},
                                        {"Title", f.title},
                                        {"FileExtension", f.extension},
                                        {"ContentSize", size},
                                        {"VersionNumber", "1"}});
        links.push_back(json::object{{"Id", sf_id("06A", n)},
                                     {"ContentDocumentId", sf_id("069", n)},
                                     {"LinkedEntityId", sf_id("001", 1)}});
    }
    json::object records{{"User", users},
                         {"Account", accounts},
                         {"ContentDocument", docs},
                         {"ContentVersion", versions},
                         {"ContentDocumentLink", links}};
    return json::serialize(json::object{{"records", records}});
}

// The text of line `n` of a generated txt file starts with this (mock-salesforce's bodies are
// lines of 64 bytes), so the last line of a file proves that all of it arrived.
std::string txt_line(std::uint64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "Line %08llu:", static_cast<unsigned long long>(n));
    return buf;
}

}  // namespace

TEST_CASE("files at every size threshold are indexed with their content up to the cap",
          "[integration][service][files]") {
    constexpr std::uint64_t mib = 1024 * 1024;
    const std::vector<fixture_file> files = {
        {"five mebibytes", "txt", 5 * mib},
        // Its base64 is just over the 3 MiB cap on documents without an attachment.
        {"just over the text cap", "txt", 2359297},
        {"at the download cap", "txt", 10 * mib},
        {"over the download cap", "txt", 10 * mib + 1},
        {"one chunk and a byte", "txt", 65537},
    };
    temp_dir fixture_dir;
    const auto fixture = fixture_dir.path / "org.json";
    std::ofstream(fixture) << files_fixture(files);
    environment env(environment_options{.sf_args = {"--fixture", fixture.string()}});

    auto r = env.sync("sf-oneshot", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, !Catch::Contains("dropping document"));

    const auto docs = index_docs(env.es.base_url(), "search-sf-oneshot");
    REQUIRE(docs.count(sf_id("001", 1)) == 1);
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& f = files[i];
        INFO(f.title << " (" << f.size << " bytes)");
        const auto it = docs.find(sf_id("069", static_cast<int>(i) + 1));
        REQUIRE(it != docs.end());
        const auto& doc = it->second;
        CHECK(doc.at("content_size").to_number<std::uint64_t>() == f.size);
        CHECK(doc.at("title").as_string() == f.title + "." + f.extension);
        const bool downloaded = f.size <= 10 * mib;
        // mock-elasticsearch's ingest emulation turns the attachment of a text file into body.
        REQUIRE(doc.contains("body") == downloaded);
        if (downloaded) {
            const std::string body(doc.at("body").as_string());
            CHECK_THAT(body, Catch::Contains(txt_line(0)));
            CHECK_THAT(body, Catch::Contains(txt_line(f.size / 64 - 1)));  // the last full line
        }
    }
}

TEST_CASE("an org refusing concurrent requests gets fewer, and the sync loses nothing",
          "[integration][service][concurrency]") {
    // The org allows 4 requests at once; the connector starts with 20 in flight.
    environment env(environment_options{
        .sf_latency_ms = "20", .records = "150", .sf_args = {"--max-in-flight", "4"}});
    auto r = env.sync("sf-oneshot", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // No file lost to a refusal: the only files without content are those over
    // service.max_file_download_size, each named.
    auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = r.output.find(what); at != std::string::npos;
             at = r.output.find(what, at + 1)) {
            ++n;
        }
        return n;
    };
    CHECK(count("without content") == count("is over service.max_file_download_size"));
    const auto stats = json::parse(http_call("GET", env.sf.port(), "/__admin/stats").body);
    CHECK(stats.at("limited_requests").to_number<std::int64_t>() > 0);  // it did refuse some
    CHECK(stats.at("max_in_flight").to_number<std::int64_t>() <= 4);
    // Every record and every file, each once: what the source reads from the org unhindered.
    CHECK(index_ids(env.es.base_url(), "search-sf-oneshot") == expected_ids(env.sf.base_url()));
}

TEST_CASE("a job canceled with 30 downloads in flight ends canceled within 5 s",
          "[integration][service][cancel][files]") {
    // Downloads wait 1 s between their 64 KiB chunks, so most files of this org take seconds
    // and 30 of them are soon in flight at once.
    environment env(environment_options{.records = "400",
                                        .sf_args = {"--download-chunk-delay-ms", "1000"},
                                        .extra_config =
                                            "elasticsearch.bulk.concurrent_downloads: 30\n"
                                            "salesforce.max_concurrent_requests: 40\n"});
    const std::string es_url = env.es.base_url();
    auto svc = env.start_service();
    REQUIRE(eventually([&] { return connector_configured(es_url, "sf-service"); }));
    auto downloads_in_flight = [&] {
        const auto stats = json::parse(http_call("GET", env.sf.port(), "/__admin/stats").body);
        return stats.at("downloads_in_flight").to_number<std::int64_t>();
    };

    const auto job = create_job(es_url, "sf-service");
    REQUIRE(eventually([&] { return downloads_in_flight() >= 30; }));
    with_es<bool>(es_url, [&](es::client& c) -> asio::awaitable<bool> {
        co_await c.cancel_sync_job(job);
        co_return true;
    });
    CHECK(
        eventually([&] { return job_status(es_url, job) == "canceled"; }, std::chrono::seconds(5)));
    // Every download was abandoned (the mock sees its connections closed), and the connector
    // is ready for the next sync.
    CHECK(eventually([&] { return downloads_in_flight() == 0; }, std::chrono::seconds(10)));
    REQUIRE(eventually(
        [&] { return connector_doc(es_url, "sf-service")->at("last_sync_status") == "canceled"; }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
}

#endif

TEST_CASE("an org that keeps 10 query cursors per user, as Salesforce does, loses nothing",
          "[integration][service][concurrency]") {
    // Objects of 2,500 records are listed in 2 pages each, several objects at once, while the
    // child queries of their pages come and go: the cursors the connector keeps open must stay
    // within Salesforce's limit, or the oldest is released and its pages refused.
    environment env(environment_options{
        .sf_latency_ms = "10", .records = "2500", .sf_args = {"--max-open-cursors", "10"}});
    auto r = env.sync("sf-oneshot", std::chrono::seconds(240));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto stats = json::parse(http_call("GET", env.sf.port(), "/__admin/stats").body);
    CHECK(stats.at("released_cursors").to_number<std::int64_t>() == 0);
    INFO(json::serialize(stats));
    CHECK(stats.at("max_open_cursors").to_number<std::int64_t>() >= 2);  // pages overlapped
    CHECK(index_ids(env.es.base_url(), "search-sf-oneshot") == expected_ids(env.sf.base_url()));
}
