// The extraction service client against a scripted server speaking the data extraction
// service's API: the file's bytes or a file pointer, the text, the service's own errors, and
// a service that cannot be reached. None of them throws: a file without text is indexed
// without content.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include <boost/asio/io_context.hpp>

#include <casio/http/client.hpp>
#include <casio/sync/extraction_service.hpp>

#include "support/scripted_server.hpp"

namespace net = boost::asio;
using casio::sync::extraction_service_client;
using casio::sync::extraction_service_settings;
using casio::sync::spooled_file;
using casio::test::http_reply;
using casio::test::scripted_request;
using casio::test::scripted_server;

namespace {

struct service_fixture {
    net::io_context ioc;
    std::vector<scripted_request> seen;
    std::function<casio::test::scripted_reply(const scripted_request&)> answer;
    scripted_server server{ioc.get_executor(), [this](const scripted_request& r) {
                               seen.push_back(r);
                               return answer(r);
                           }};
    casio::http::client http{ioc.get_executor()};
    casio::http::client_transport transport{http};

    casio::sync::text_extractor::result extract(const extraction_service_settings& s,
                                                const std::filesystem::path& path) {
        extraction_service_client client(transport, s);
        return casio::test::run(ioc, client.extract(path, "report.pdf"));
    }
    extraction_service_settings settings() const {
        extraction_service_settings s;
        s.host = server.url("");
        s.stream_chunk_size = 3;
        return s;
    }
};

}  // namespace

TEST_CASE("extraction service: the file's bytes go out, its text comes back",
          "[sync][extraction]") {
    service_fixture f;
    f.answer = [](const scripted_request&) {
        return http_reply(200, R"({"extracted_text":"Quarterly report\n\u00e9t\u00e9"})");
    };
    spooled_file file;
    file.write("%PDF-1.4 bytes");
    file.flush();
    auto s = f.settings();
    const auto r = f.extract(s, file.path());
    REQUIRE(r.text);
    CHECK(*r.text == "Quarterly report\n\xC3\xA9t\xC3\xA9");
    REQUIRE(f.seen.size() == 1);
    CHECK(f.seen[0].method() == "PUT");
    CHECK(f.seen[0].target() == "/extract_text/");
    CHECK(f.seen[0].body == "%PDF-1.4 bytes");
    CHECK(f.seen[0].header("content-type") == "application/octet-stream");
    CHECK(f.seen[0].header("accept") == "application/json");
}

TEST_CASE("extraction service: with file pointers only the path goes out, from its volume",
          "[sync][extraction]") {
    service_fixture f;
    f.answer = [](const scripted_request&) { return http_reply(200, R"({"extracted_text":"t"})"); };
    std::string dir = (std::filesystem::temp_directory_path() / "casio-volume-XXXXXX").string();
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    struct remove_dir {
        std::filesystem::path path;
        ~remove_dir() { std::filesystem::remove_all(path); }
    } volume{dir};
    auto s = f.settings();
    s.use_file_pointers = true;
    s.shared_volume_dir = dir;
    extraction_service_client client(f.transport, s);
    CHECK(client.spool_dir() == volume.path);
    CHECK(client.lifts_size_cap());
    spooled_file file(client.spool_dir());
    file.write("bytes");
    file.flush();
    CHECK(file.path().parent_path() == volume.path);
    const auto r = f.extract(s, file.path());
    CHECK(r.text == "t");
    REQUIRE(f.seen.size() == 1);
    CHECK(f.seen[0].body.empty());
    CHECK(f.seen[0].target().starts_with("/extract_text/?local_file_path=%2F"));
    CHECK(f.seen[0].target().find("connectors-asio-file-") != std::string_view::npos);
}

TEST_CASE("extraction service: its errors and odd answers give no text and say why",
          "[sync][extraction]") {
    service_fixture f;
    std::string body;
    unsigned status = 200;
    f.answer = [&](const scripted_request&) { return http_reply(status, body); };
    spooled_file file;
    file.write("x");
    file.flush();
    auto s = f.settings();

    status = 422;
    body = R"({"error":"unparsable","message":"encrypted document"})";
    auto r = f.extract(s, file.path());
    CHECK_FALSE(r.text);
    // The source's warning names the file; the failure says who could not read it and why.
    CHECK(r.failure == "the extraction service at " + *s.host +
                           " could not read it (HTTP 422, unparsable): encrypted document");

    status = 200;
    body = R"({"error":"timeout"})";
    r = f.extract(s, file.path());
    CHECK_FALSE(r.text);
    CHECK_THAT(r.failure, Catch::Contains("(HTTP 200, timeout): unknown cause"));

    body = "<html>gateway</html>";
    r = f.extract(s, file.path());
    CHECK_FALSE(r.text);
    CHECK_THAT(r.failure, Catch::Contains("an answer that is not a JSON object: <html>"));

    body = R"({"extracted_text":42})";
    r = f.extract(s, file.path());
    CHECK_FALSE(r.text);
    CHECK_THAT(r.failure, Catch::Contains("extracted_text is not a string"));

    body = R"({})";  // no text: an empty body, as the reference reads it
    r = f.extract(s, file.path());
    CHECK(r.text == "");
}

TEST_CASE("extraction service: a service that cannot be reached gives no text and says why",
          "[sync][extraction]") {
    service_fixture f;
    f.answer = [](const scripted_request&) { return http_reply(200, "{}"); };
    auto s = f.settings();
    s.host = "http://127.0.0.1:1";  // nothing listens there
    spooled_file file;
    file.write("x");
    file.flush();
    const auto r = f.extract(s, file.path());
    CHECK_FALSE(r.text);
    CHECK_THAT(r.failure,
               Catch::StartsWith("the extraction service at http://127.0.0.1:1 failed: "));
    CHECK_THAT(r.failure, Catch::Contains("Connection refused"));
}

TEST_CASE("a spooled file is written through, cleared for a new try, and removed",
          "[sync][extraction]") {
    std::filesystem::path path;
    {
        spooled_file file;
        path = file.path();
        file.write(std::string(300'000, 'a'));  // past the buffer: written out
        file.clear();                           // a retried download starts again
        file.write("fresh");
        file.flush();
        CHECK(file.size() == 5);
        std::ifstream in(path, std::ios::binary);
        CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "fresh");
    }
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_THROWS_WITH(spooled_file("/nonexistent/dir"),
                      Catch::Contains("cannot create a file to spool a download in "
                                      "/nonexistent/dir"));
}
