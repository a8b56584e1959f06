// Files' text through the real binaries: mock-salesforce serves real documents of every kind
// with known text (GET /__admin/files/ID/text), connectors-asio extracts them, and the index
// holds each file's words in order.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"
#include "support/words.hpp"

#ifdef CASIO_SERVICE_TESTS

namespace {

using casio::test::first_word_difference;

std::string last_segment(const std::string& url) {
    return url.substr(url.rfind('/') + 1);
}

}  // namespace

TEST_CASE(
    "each file's body is the text mock-salesforce put in it, extracted here or by the "
    "ingest pipeline",
    "[integration][extraction]") {
    // local: connectors-asio extracts and sends `body`; attachment: it sends `_attachment`
    // and mock-elasticsearch's ingest pipeline (the attachment processor's part) extracts.
    const std::string mode = GENERATE("local", "attachment");
    environment_options opts;
    opts.records = "110";  // 22 files: every kind, one over the 10 MiB download cap
    opts.extra_config = "extraction:\n  mode: " + mode + "\n  workers: 2\n";
    environment env(opts);
    const std::string es_url = env.es.base_url();
    auto r = env.sync("sf-oneshot", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> kinds_with_text;
    std::size_t files = 0;
    for (const auto& [id, doc] : index_docs(es_url, "search-sf-oneshot")) {
        if (!id.starts_with("069")) {
            continue;
        }
        ++files;
        INFO(id << " " << json::serialize(doc).substr(0, 400));
        CHECK_FALSE(doc.contains("_attachment"));  // text, not base64
        const std::string version = last_segment(std::string(doc.at("version_url").as_string()));
        const auto expected =
            http_call("GET", env.sf.port(), "/__admin/files/" + version + "/text");
        REQUIRE(expected.status == 200);
        const std::string extension(doc.at("file_extension").as_string());
        const bool readable = expected.head.find("X-Well-Formed: true") != std::string::npos;
        const bool over_cap = doc.at("content_size").to_number<std::int64_t>() > 10 * 1024 * 1024;
        if (!readable || over_cap || extension == "png") {
            CHECK_FALSE(doc.contains("body"));
            continue;
        }
        REQUIRE(doc.contains("body"));
        CHECK(first_word_difference(doc.at("body").as_string(), expected.body) == "");
        kinds_with_text.insert(extension);
    }
    CHECK(files >= 18);
    CHECK(kinds_with_text == std::set<std::string>{"csv", "docx", "html", "json", "md", "pdf",
                                                   "pptx", "rtf", "txt", "xlsx", "xml"});
}

#ifdef CASIO_BIN_EXTRACTION_SERVICE

TEST_CASE("extraction service: each file's body is the text extraction-service read in it",
          "[integration][extraction]") {
    temp_dir volume;
    // The service reads files the connector spools to the shared volume (file pointers), or
    // receives their bytes.
    const bool pointers = GENERATE(false, true);
    auto service = child_process::start_server(
        CASIO_BIN_EXTRACTION_SERVICE,
        {"--port", "0", "--workers", "2", "--shared-volume-dir", volume.path.string()});
    environment_options opts;
    opts.records = "110";
    opts.extra_config = extraction_service_connector(service.base_url(), pointers, volume.path);
    environment env(opts);
    auto r = env.sync("sf-tes", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> kinds_with_text;
    std::size_t cut_files = 0;
    for (const auto& [id, doc] : index_docs(env.es.base_url(), "search-sf-tes")) {
        if (!id.starts_with("069")) {
            continue;
        }
        INFO(id << " " << json::serialize(doc).substr(0, 400));
        CHECK_FALSE(doc.contains("_attachment"));
        const std::string version = last_segment(std::string(doc.at("version_url").as_string()));
        const auto expected =
            http_call("GET", env.sf.port(), "/__admin/files/" + version + "/text");
        const std::string extension(doc.at("file_extension").as_string());
        if (expected.head.find("X-Well-Formed: true") == std::string::npos || extension == "png") {
            continue;  // no text to compare (an unreadable document, an image)
        }
        // The service lifts the download cap: the 10 MiB+ file has its text too, cut where
        // its document reaches max_text_document_size (3 MiB), and said so.
        REQUIRE(doc.contains("body"));
        const auto& body = doc.at("body").as_string();
        const auto said = r.output.find("File " + id + " (");
        const bool cut =
            said != std::string::npos &&
            r.output.substr(said, r.output.find('\n', said) - said).find("its text is cut at") !=
                std::string::npos;
        CHECK(first_word_difference(body, expected.body, cut) == "");
        if (cut) {
            // Cut at 3 MB of its 8 MB (the pipeline then reduces its whitespace).
            const auto kept = casio::test::words_of(body).size();
            const auto all = casio::test::words_of(expected.body).size();
            CHECK(kept > all / 3);
            CHECK(kept < all / 2);
            ++cut_files;
        }
        kinds_with_text.insert(extension);
    }
    CHECK(kinds_with_text == std::set<std::string>{"csv", "docx", "html", "json", "md", "pdf",
                                                   "pptx", "rtf", "txt", "xlsx", "xml"});
    CHECK(cut_files == 1);  // the file over the download cap, whose text is 8 MB
    CHECK(std::filesystem::is_empty(volume.path));  // every spooled file removed
}

#endif

#endif
