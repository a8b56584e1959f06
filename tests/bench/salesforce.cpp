// bench_salesforce: one query page (2,000 Case-like records with files and nested objects) per
// iteration, turned into documents two ways: the tree path (the whole page parsed into a
// monotonic arena, every record written from its tree) and the page-text path the source takes
// (raw_records scan, sparse tree of the members it reads, records and files read from the
// text). Prints the parse-only rate, then records/s, MB/s in and out, and CPU-s per 10k records
// for each path.
//   bench_salesforce [iterations] [tree|text]
// With a path named, only that path runs (for `perf stat -e instructions:u`, steadier than time
// on a shared machine).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/json_parse.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/paging.hpp>
#include <casio/salesforce/raw_records.hpp>

#include "rusage.hpp"

namespace sf = casio::salesforce;

// The parser the source's client reuses for every page.
using page_parser = casio::core::json_parser;

// As source.cpp: the members read from the tree; the rest is copied from the text.
constexpr std::string_view record_fields_read[] = {
    "Id", "LastModifiedDate", "_allow_access_control", "id", "_timestamp", "url",
};

namespace {

std::string make_page(int records) {
    std::string page = R"({"totalSize":100000,"done":false,)"
                       R"("nextRecordsUrl":"/services/data/v59.0/query/01gA-2000","records":[)";
    for (int i = 0; i < records; ++i) {
        const std::string id = "500" + std::to_string(1000000000000000 + i);
        if (i != 0) {
            page += ',';
        }
        page +=
            R"({"attributes":{"type":"Case","url":"/services/data/v59.0/sobjects/Case/)" + id +
            R"("},"Id":")" + id +
            R"(","CreatedDate":"2024-01-01T10:00:00.000+0000",)"
            R"("LastModifiedDate":"2024-06-01T12:34:56.000+0530","Subject":"Printer on floor )" +
            std::to_string(i % 40) +
            R"( jams \"again\"","Description":"Lorem ipsum dolor sit amet, consectetur )"
            R"(adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna.",)"
            R"("CaseNumber":")" +
            std::to_string(i) +
            R"(","Status":"New","IsClosed":false,"IsDeleted":false,"AccountId":"001A",)"
            R"("Owner":{"attributes":{"type":"User"},"Id":"005A","Name":"Ann","Email":"ann@x"},)"
            R"("CreatedBy":{"attributes":{"type":"User"},"Id":"005B","Name":"Bob","Email":null},)"
            R"("EmailMessages":null,"CaseComments":{"totalSize":1,"done":true,"records":[)"
            R"({"attributes":{"type":"CaseComment"},"Id":"00a1","CommentBody":"ok"}]},)"
            R"("ContentDocumentLinks":{"totalSize":1,"done":true,"records":[{"attributes":)"
            R"({"type":"ContentDocumentLink"},"ContentDocument":{"Id":"069)" +
            std::to_string(i % 100) +
            R"(","Title":"Report","FileExtension":"pdf","ContentSize":12345,)"
            R"("LatestPublishedVersion":{"Id":"068A","VersionNumber":"1"}}}]}})";
    }
    page += "]}";
    return page;
}

}  // namespace

int main(int argc, char** argv) {
    const int iterations = argc > 1 ? std::atoi(argv[1]) : 50;
    const std::string only = argc > 2 ? argv[2] : "";
    const std::string page = make_page(2000);
    const auto now = casio::core::now_utc();
    std::size_t records = 0;
    std::size_t out_bytes = 0;
    sf::content_document_collector files;

    // Parse alone, for reference.
    const int parse_iterations = only.empty() ? iterations : 0;
    const auto parse_start = std::chrono::steady_clock::now();
    for (int it = 0; it < parse_iterations; ++it) {
        auto arena = boost::json::make_shared_resource<boost::json::monotonic_resource>();
        const auto body = boost::json::parse(page, arena);
        if (!body.is_object()) {
            return 1;
        }
    }
    const double parse_secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - parse_start).count();
    if (parse_iterations > 0) {
        std::printf("parse only: %.1f MB/s\n",
                    page.size() * static_cast<double>(parse_iterations) / parse_secs / 1e6);
    }

    auto report = [&](const char* path, double secs, double cpu, std::size_t n, std::size_t bytes,
                      std::size_t unique_files) {
        std::printf(
            "%s: page %.2f MB, %d iterations: %.0f records/s, %.1f MB/s in, %.1f MB/s out, "
            "%.3f CPU-s per 10k records, %zu unique files\n",
            path, page.size() / 1e6, iterations, n / secs,
            page.size() * static_cast<double>(iterations) / secs / 1e6, bytes / secs / 1e6,
            cpu / static_cast<double>(n) * 1e4, unique_files);
    };

    const int tree_iterations = only.empty() || only == "tree" ? iterations : 0;
    const int text_iterations = only.empty() || only == "text" ? iterations : 0;
    auto start = std::chrono::steady_clock::now();
    auto cpu_start = casio::bench::cpu_seconds();
    for (int it = 0; it < tree_iterations; ++it) {
        auto arena = boost::json::make_shared_resource<boost::json::monotonic_resource>();
        const auto body = boost::json::parse(page, arena);
        const auto p = sf::read_query_page(body);
        sf::record_context ctx{"https://acme.my.salesforce.com", "Case"};
        ctx.now = now;
        for (const auto& r : *p.records) {
            const auto& rec = r.get_object();
            files.add_from_record(rec);
            if (auto doc = sf::map_record(rec, ctx, {})) {
                out_bytes += doc->json.size();
                ++records;
            }
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (tree_iterations > 0) {
        report("tree path", secs, casio::bench::cpu_seconds() - cpu_start, records, out_bytes,
               files.take().size());
    }

    // The page-text path, composed as source.cpp composes it (collect_files, emit_record).
    records = 0;
    out_bytes = 0;
    page_parser parser;
    sf::raw_records raw;
    start = std::chrono::steady_clock::now();
    cpu_start = casio::bench::cpu_seconds();
    for (int it = 0; it < text_iterations; ++it) {
        boost::json::monotonic_resource arena;
        raw.scan(page);
        const auto body = raw.sparse_tree(record_fields_read, parser, &arena);
        if (!body) {
            return 1;
        }
        const auto p = sf::read_query_page(*body);
        sf::record_context ctx{"https://acme.my.salesforce.com", "Case"};
        ctx.now = now;
        for (std::size_t i = 0; i < p.records->size(); ++i) {
            const auto& rec = (*p.records)[i].get_object();
            const auto text = raw.record(i);
            if (!text) {
                files.add_from_record(rec);
            } else {
                for (const auto& m : *text) {
                    if (m.key != "ContentDocumentLinks" || m.value == "null") {
                        continue;
                    }
                    const auto& id = rec.at("Id").get_string();
                    if (!files.add_known_links(id, m.value)) {
                        unsigned char buffer[8192];
                        boost::json::monotonic_resource links_arena(buffer, sizeof buffer);
                        const auto links = casio::core::parse_json(m.value, &links_arena);
                        files.add_links(id, links.get_object());
                    }
                    break;
                }
            }
            if (auto doc = sf::map_record(rec, ctx, {}, text)) {
                out_bytes += doc->json.size();
                ++records;
            }
        }
    }
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (text_iterations > 0) {
        report("page-text path", secs, casio::bench::cpu_seconds() - cpu_start, records, out_bytes,
               files.take().size());
    }
    return 0;
}
