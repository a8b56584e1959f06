// bench_mock_sf: how fast mock-salesforce produces query pages, so benchmarks of the connector
// measure the connector and not the mock.
//
//   bench_mock_sf [records=100000] [batch=2000] [incremental]
//
// "incremental" (third argument) measures only what an incremental sync costs the mock: one
// POST /__admin/mutate over the 12 main objects (1% changed, 0.1% deleted, 0.1% added), then
// per object `WHERE SystemModstamp > <start>` (the overlay fast path) against the same query
// with a cursor before every generated record (a scan of the whole object).
//
// "engine": full paging of Account with the connector's Account query (owner, parent, latest
// opportunity and content-document-link subqueries), pages serialised to JSON text exactly as
// the HTTP layer sends them, through service::handle (auth, locator, limit header included).
// "http": the same paging over loopback, the server on its own thread (as the separate process
// it normally is) and the project's HTTP client on the main thread; without and with gzip.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/client.hpp>

#include "http_server.hpp"
#include "org.hpp"
#include "service.hpp"

using namespace casio::mock_sf;

namespace {

const char* account_query =
    "SELECT Id,\nCreatedDate,\nLastModifiedDate,\nName,\nDescription,\nBillingAddress,\nType,\n"
    "Website,\nRating,\nOwner.Id,\nOwner.Name,\nOwner.Email,\nParent.Id,\nParent.Name,\n"
    "(\nSELECT Id,\nName,\nStageName\nFROM Opportunities\nORDER BY CreatedDate DESC\nLIMIT 1)\n,\n"
    "(\nSELECT ContentDocument.Title,\nContentDocument.FileExtension,\nContentDocument.ContentSize,"
    "\nContentDocument.Description,\nContentDocument.LatestPublishedVersion.VersionDataUrl,\n"
    "ContentDocument.LatestPublishedVersion.VersionNumber,\nContentDocument.Id,\n"
    "ContentDocument.LatestPublishedVersion.Id,\nContentDocument.CreatedDate,\n"
    "ContentDocument.LastModifiedDate,\nContentDocument.LatestPublishedVersion.CreatedDate,\n"
    "ContentDocument.Owner.Id,\nContentDocument.Owner.Name,\nContentDocument.Owner.Email,\n"
    "ContentDocument.CreatedBy.Id,\nContentDocument.CreatedBy.Name,\nContentDocument.CreatedBy."
    "Email"
    "\nFROM ContentDocumentLinks\nWHERE ContentDocument.FileExtension IN ('txt','py','rst','html',"
    "'markdown','json','xml','csv','md','ppt','rtf','docx','odt','xls','xlsx','rb','paper','sh',"
    "'pptx','pdf','doc','aspx','xlsb','xlsm','tsv','svg','msg','potx','vsd','vsdx','vsdm'))\n\n"
    "FROM Account";

std::string encode(std::string_view q) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : q) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
    const std::size_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2000;
    org o(org_options{1, records});
    service_options opts;
    opts.client_id = "id";
    opts.client_secret = "secret";
    service svc(o, opts);
    const auto login = casio::http::server_request::make(
        "POST", "/services/oauth2/token",
        "grant_type=client_credentials&client_id=id&client_secret=secret");
    auto tok = svc.handle(login).body;
    auto start_tok = tok.find("\"access_token\":\"") + 16;
    const std::string token = tok.substr(start_tok, tok.find('"', start_tok) - start_tok);
    const std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", "Bearer " + token},
        {"Sforce-Query-Options", "batchSize=" + std::to_string(batch)}};

    if (argc > 3 && std::string_view(argv[3]) == "incremental") {
        using clock = std::chrono::steady_clock;
        auto ms = [](clock::time_point from) {
            return std::chrono::duration<double, std::milli>(clock::now() - from).count();
        };
        o.advance_clock(60 * 1000);
        const auto t_mutate = clock::now();
        auto mutated = svc.handle(casio::http::server_request::make(
            "POST", "/__admin/mutate",
            R"({"change_share":0.01,"delete_share":0.001,"add_share":0.001,"seed":7})"));
        std::printf("mutate: 12 objects x %zu records in %.1f ms (status %u, %zu bytes)\n", records,
                    ms(t_mutate), mutated.status, mutated.body.size());
        double fast_total = 0, scan_total = 0;
        for (const auto& object : org::main_objects()) {
            double took[2] = {0, 0};
            std::size_t sizes[2] = {0, 0};
            int k = 0;
            for (const auto& cursor :
                 {format_datetime_ms(o.start_ms()), std::string("2020-01-01T00:00:00Z")}) {
                const auto q = "SELECT Id, SystemModstamp FROM " + object +
                               " WHERE SystemModstamp > " + cursor + " ORDER BY SystemModstamp";
                const auto t = clock::now();
                auto res = svc.handle(casio::http::server_request::make(
                    "GET", "/services/data/v59.0/queryAll?q=" + encode(q), {}, headers));
                took[k] = ms(t);
                sizes[k] = res.body.size();
                ++k;
            }
            fast_total += took[0];
            scan_total += took[1];
            std::printf(
                "%-12s changed-since-start %.2f ms (%zu bytes), whole-object scan %.1f ms\n",
                object.c_str(), took[0], sizes[0], took[1]);
        }
        std::printf("total: changed-since-start %.1f ms, whole-object scans %.1f ms\n", fast_total,
                    scan_total);
        return 0;
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::size_t bytes = 0, pages = 0, rows = 0;
    std::string target = "/services/data/v59.0/query?q=" + encode(account_query);
    for (;;) {
        auto res = svc.handle(casio::http::server_request::make("GET", target, {}, headers));
        if (res.status != 200) {
            std::fprintf(stderr, "status %u: %s\n", res.status, res.body.c_str());
            return 1;
        }
        bytes += res.body.size();
        ++pages;
        // Count records cheaply: one "attributes" per Account plus nested ones; use the page size.
        auto next = res.body.find("\"nextRecordsUrl\":\"");
        rows = pages * batch;
        if (next == std::string::npos) {
            rows = records;
            break;
        }
        next += 18;
        target = res.body.substr(next, res.body.find('"', next) - next);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "engine: %zu Account records, %zu pages of %zu, %.1f MB JSON in %.3f s -> %.0f "
        "records/s, %.1f MB/s\n",
        rows, pages, batch, static_cast<double>(bytes) / 1e6, secs,
        static_cast<double>(rows) / secs, static_cast<double>(bytes) / 1e6 / secs);

    for (bool gzip : {false, true}) {
        boost::asio::io_context server_io;
        service svc2(o, opts);
        http_server server(server_io.get_executor(), svc2);
        const auto port = server.listen("127.0.0.1", 0);
        server.start();
        std::thread server_thread([&] { server_io.run(); });
        boost::asio::io_context io;
        casio::http::client_options copts;
        copts.accept_compressed = gzip;
        casio::http::client client(io.get_executor(), copts);
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        std::size_t http_bytes = 0, http_pages = 0;
        std::string failure;
        const auto h0 = std::chrono::steady_clock::now();
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                casio::http::request login_req;
                login_req.verb = casio::http::method::post;
                login_req.url = base + "/services/oauth2/token";
                login_req.body = login.body;
                auto t = co_await client.send(std::move(login_req));
                auto p = t.body.find("\"access_token\":\"") + 16;
                const std::string tk = t.body.substr(p, t.body.find('"', p) - p);
                std::string next = "/services/data/v59.0/query?q=" + encode(account_query);
                for (;;) {
                    casio::http::request req;
                    req.url = base + next;
                    req.fields.push_back({"Authorization", "Bearer " + tk});
                    req.fields.push_back(
                        {"Sforce-Query-Options", "batchSize=" + std::to_string(batch)});
                    auto res = co_await client.send(std::move(req));
                    if (res.status != 200) {
                        failure = res.body.substr(0, 200);
                        break;
                    }
                    http_bytes += res.body.size();
                    ++http_pages;
                    auto n = res.body.find("\"nextRecordsUrl\":\"");
                    if (n == std::string::npos) {
                        break;
                    }
                    n += 18;
                    next = res.body.substr(n, res.body.find('"', n) - n);
                }
                client.close();
                boost::asio::post(server_io, [&] { server.stop(); });
            },
            boost::asio::detached);
        io.run();
        server_thread.join();
        if (!failure.empty()) {
            std::fprintf(stderr, "http: %s\n", failure.c_str());
            return 1;
        }
        const double hs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - h0).count();
        std::printf(
            "http%s: %zu Account records, %zu pages, %.1f MB JSON in %.3f s -> %.0f "
            "records/s\n",
            gzip ? "+gzip" : "", records, http_pages, static_cast<double>(http_bytes) / 1e6, hs,
            static_cast<double>(records) / hs);
    }
    return 0;
}
