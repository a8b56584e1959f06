// bench_salesforce: parse one query page (2,000 Case-like records with files and nested
// objects) per iteration into a monotonic arena, map every record to document bytes and collect
// its files. Prints the parse-only rate, then records/s and MB/s in and out for the whole.
//   bench_salesforce [iterations]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <casio/salesforce/content.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/paging.hpp>

namespace sf = casio::salesforce;

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
    const std::string page = make_page(2000);
    const auto now = casio::core::now_utc();
    std::size_t records = 0;
    std::size_t out_bytes = 0;
    sf::content_document_collector files;

    // Parse alone, for reference.
    const auto parse_start = std::chrono::steady_clock::now();
    for (int it = 0; it < iterations; ++it) {
        auto arena = boost::json::make_shared_resource<boost::json::monotonic_resource>();
        const auto body = boost::json::parse(page, arena);
        if (!body.is_object()) {
            return 1;
        }
    }
    const double parse_secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - parse_start).count();
    std::printf("parse only: %.1f MB/s\n",
                page.size() * static_cast<double>(iterations) / parse_secs / 1e6);

    const auto start = std::chrono::steady_clock::now();
    for (int it = 0; it < iterations; ++it) {
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
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto docs = files.take();
    std::printf(
        "page %.2f MB, %d iterations: %.0f records/s, %.1f MB/s in, %.1f MB/s out, "
        "%zu unique files\n",
        page.size() / 1e6, iterations, records / secs,
        page.size() * static_cast<double>(iterations) / secs / 1e6, out_bytes / secs / 1e6,
        docs.size());
    return 0;
}
