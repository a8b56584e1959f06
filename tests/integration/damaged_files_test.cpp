// Damaged files through the real binaries: mock-salesforce --damaged-files serves a corrupt, a
// truncated and an encrypted PDF, a corrupt, an encrypted and a zip bomb docx and a truncated
// xlsx among its generated files. In every mode the sync completes, every other file keeps its
// text, and each damaged file is indexed with its metadata and without content, with a warning
// that names it and says why (in `_attachment` mode the warning is the ingest pipeline's
// _ingestion_errors in the document, as a real cluster writes it).
#include "file_body.hpp"
#include "support/service_test.hpp"
#include "support/words.hpp"

#ifdef CASIO_SERVICE_TESTS

namespace {

using casio::mock_sf::damaged_file;
using casio::mock_sf::damaged_files;
using casio::test::first_word_difference;

const damaged_file* damaged_by_title(std::string_view title) {
    for (const auto& f : damaged_files) {
        if (title == std::string(f.title) + "." + f.extension) {
            return &f;
        }
    }
    return nullptr;
}

// The words a reason must contain for a user to know what is wrong with the file.
bool says_why(std::string_view text, const damaged_file& f) {
    const std::string_view reason = f.reason;
    if (reason == "corrupt") {
        return text.find("corrupt") != std::string_view::npos ||
               text.find("malformed") != std::string_view::npos;
    }
    if (reason == "zip bomb") {
        return text.find("zip bomb") != std::string_view::npos &&
               text.find("bytes unpacked") != std::string_view::npos;
    }
    return text.find(reason) != std::string_view::npos;  // truncated, encrypted
}

std::size_t count(std::string_view text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

std::string last_segment(const std::string& url) {
    return url.substr(url.rfind('/') + 1);
}

enum class mode { local, attachment, service };

// Checks the index after a sync of `connector` whose output is `output`.
void check_index(const environment& env, const std::string& connector, const std::string& output,
                 mode m) {
    INFO(output);
    CHECK(output.find("the text extraction service is not available") == std::string::npos);
    const auto jobs = jobs_of(env.es.base_url(), connector);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].source.at("status") == "completed");
    std::set<std::string> damaged_seen;
    std::set<std::string> kinds_with_text;
    for (const auto& [id, doc] : index_docs(env.es.base_url(), "search-" + connector)) {
        if (!id.starts_with("069")) {
            continue;
        }
        INFO(id << " " << json::serialize(doc).substr(0, 600));
        CHECK_FALSE(doc.contains("_attachment"));
        const std::string title(doc.at("title").as_string());
        const std::string version = last_segment(std::string(doc.at("version_url").as_string()));
        const auto expected =
            http_call("GET", env.sf.port(), "/__admin/files/" + version + "/text");
        REQUIRE(expected.status == 200);
        const bool readable = expected.head.find("X-Well-Formed: true") != std::string::npos;
        const std::string extension(doc.at("file_extension").as_string());
        const bool over_cap = doc.at("content_size").to_number<std::int64_t>() > 10 * 1024 * 1024;
        const auto* damaged = damaged_by_title(title);
        if (damaged == nullptr) {
            CHECK_FALSE(doc.contains("_ingestion_errors"));
            if (readable && extension != "png" && (m == mode::service || !over_cap)) {
                REQUIRE(doc.contains("body"));
                // The service reads the file over the cap too; its 8 MB of text are cut to
                // fit max_text_document_size (extraction_test.cpp checks how).
                CHECK(first_word_difference(doc.at("body").as_string(), expected.body, over_cap) ==
                      "");
                kinds_with_text.insert(extension);
            }
            continue;
        }
        damaged_seen.insert(title);
        CHECK_FALSE(readable);
        // Metadata only: every field of a file's document but its content.
        CHECK_FALSE(doc.contains("body"));
        CHECK(extension == damaged->extension);
        CHECK(doc.at("content_size").to_number<std::int64_t>() > 0);
        for (const char* field : {"_timestamp", "created_at", "linked_ids", "version_url"}) {
            CHECK(doc.contains(field));
        }
        const std::string warning = "File " + id + " (" + title + ") is indexed without content: ";
        if (m == mode::attachment) {
            // The connector sent the bytes; the cluster's pipeline records why it read none.
            CHECK(count(output, warning) == 0);
            REQUIRE(doc.contains("_ingestion_errors"));
            const auto& errors = doc.at("_ingestion_errors").as_array();
            REQUIRE(errors.size() == 1);
            const std::string error(errors.at(0).as_string());
            CHECK(
                error.starts_with("Processor 'attachment' in pipeline 'search-default-ingestion' "
                                  "failed with message '"));
            CHECK(says_why(error, *damaged));
            continue;
        }
        CHECK_FALSE(doc.contains("_ingestion_errors"));
        REQUIRE(count(output, warning) == 1);
        const auto at = output.find(warning);
        const std::string line = output.substr(at, output.find('\n', at) - at);
        CHECK(says_why(line, *damaged));
        CHECK(line.find("the " + extension + " file") != std::string::npos);  // read as what
    }
    CHECK(damaged_seen.size() == damaged_files.size());
    CHECK(kinds_with_text ==
          std::set<std::string>{"csv", "docx", "html", "json", "md", "pdf", "txt"});
}

}  // namespace

TEST_CASE("damaged files: each a warning and a metadata-only document, and the sync completes",
          "[integration][extraction][damaged]") {
    const std::string extraction = GENERATE("local", "attachment");
    environment_options opts;
    opts.records = "35";  // 7 generated files: txt, pdf, docx, csv, html, json, md
    opts.sf_args = {"--damaged-files"};
    opts.extra_config = "extraction:\n  mode: " + extraction + "\n  workers: 2\n";
    environment env(opts);
    const auto r = env.sync("sf-oneshot", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    check_index(env, "sf-oneshot", r.output,
                extraction == "local" ? mode::local : mode::attachment);
}

#ifdef CASIO_BIN_EXTRACTION_SERVICE

TEST_CASE("damaged files through the extraction service: a warning each, and the sync completes",
          "[integration][extraction][damaged]") {
    temp_dir volume;
    const bool pointers = GENERATE(false, true);
    auto service = child_process::start_server(
        CASIO_BIN_EXTRACTION_SERVICE,
        {"--port", "0", "--workers", "2", "--shared-volume-dir", volume.path.string()});
    environment_options opts;
    opts.records = "35";
    opts.sf_args = {"--damaged-files"};
    opts.extra_config = extraction_service_connector(service.base_url(), pointers, volume.path);
    environment env(opts);
    const auto r = env.sync("sf-tes", std::chrono::seconds(120));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    check_index(env, "sf-tes", r.output, mode::service);
    CHECK(std::filesystem::is_empty(volume.path));  // every spooled file removed
}

#endif

#endif
