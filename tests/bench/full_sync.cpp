// bench_full_sync: the product end to end. Starts mock-elasticsearch and mock-salesforce on
// 127.0.0.1 (ports chosen by the OS), then runs `connectors-asio sync` (a one-shot full sync of
// every standard and custom object, with files) as a separate process, as a user runs it.
// Prints documents/s, the CPU seconds and peak RSS of the connectors-asio process (from wait4,
// so the mocks' work is not counted in them), the mocks' CPU, the file bytes downloaded, and
// the Salesforce calls: how many, the most in flight at once, and the effective concurrency
// (calls x latency / wall time: how many round trips overlapped on average).
//
//   bench_full_sync <bin dir> [records per object] [--metadata-only] [--latency-ms N]
//                   [--seed S] [--bandwidth-mbps M] [--config-extra YAML]
//                   [--large-file EXT:BYTES] [--file-kinds LIST] [--file-media-share P]
//                   [--es-reserve-memory-gb G] [--incremental] [--max-open-cursors N]
//
// <bin dir> holds connectors-asio/connectors-asio, mock-elasticsearch/mock-elasticsearch and
// mock-salesforce/mock-salesforce (build/release/apps). `--metadata-only` sets
// service.max_file_download_size to 1 byte: every file is indexed as metadata without content,
// which isolates the cost of record documents from the cost of file bytes. `--latency-ms` is
// mock-salesforce's delay before every answer: a real org's round trip. `--config-extra` is
// appended to the generated config.yml (e.g. "salesforce:\n  max_concurrent_requests: 4").
// `--large-file pdf:209715200` makes the org's first file of that extension BYTES long (through
// mock-salesforce's admin API) and raises service.max_file_download_size to fit it: peak RSS
// then shows what one very large file costs. The bytes of the `_bulk` bodies sent to
// Elasticsearch come from connectors-asio's summary line. `--file-kinds` and
// `--file-media-share` go to mock-salesforce (the mix of files and the share of images in
// documents; `--max-open-cursors 10` its cursor limit, as Salesforce's): a file-heavy org is
// e.g. `--file-kinds pdf,pdf,docx,xlsx,pptx,png
// --file-media-share 0.75`. `--es-reserve-memory-gb` goes to mock-elasticsearch: memory for the
// index's sources touched before the sync starts (a multi-GB index on a VM, where fresh memory
// is expensive; docs/performance.md). `--incremental`: after the full sync, the org's clock
// moves an hour, 1% of its records change, 0.1% go, 0.1% come and a file gets a new version,
// then an incremental sync runs; its Salesforce calls and downloads are printed against the
// full sync's (docs/incremental-sync.md).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <casio/http/client.hpp>

#include "rusage.hpp"
#include "support/child_process.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using casio::test::child_process;

namespace {

// utime + stime of a running process, from /proc (for the mocks).
double process_cpu(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14 || i == 15) {
            ticks += std::stod(f);
        }
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// VmRSS of a running process, from /proc (for mock-elasticsearch's index).
double process_rss_mb(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

// One HTTP call; the answer's JSON (null for an empty body). Throws unless it is a 2xx.
json::value call_json(casio::http::request req) {
    asio::io_context ctx;
    casio::http::client hc(ctx.get_executor());
    json::value out;
    std::exception_ptr failure;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            const std::string what = std::string(casio::http::to_string(req.verb)) + " " + req.url;
            auto res = co_await hc.send(std::move(req));
            if (!res.ok()) {
                throw std::runtime_error(what + " answered " + std::to_string(res.status) + ": " +
                                         res.body);
            }
            if (!res.body.empty()) {
                out = json::parse(res.body);
            }
        },
        [&](std::exception_ptr e) {
            failure = e;
            hc.close();
        });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return out;
}

json::value get_json(const std::string& url) {
    casio::http::request req;
    req.url = url;
    return call_json(std::move(req));
}

// POST `body` to a mock's admin endpoint; the answer's JSON.
json::value admin_post(const std::string& url, const std::string& body) {
    casio::http::request req;
    req.verb = casio::http::method::post;
    req.url = url;
    req.fields.push_back({"Content-Type", "application/json"});
    req.body = body;
    return call_json(std::move(req));
}

// An access token of the bench's client credentials.
std::string bench_token(const std::string& sf) {
    casio::http::request token;
    token.verb = casio::http::method::post;
    token.url = sf + "/services/oauth2/token";
    token.fields.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    token.body = "grant_type=client_credentials&client_id=bench&client_secret=bench-secret";
    return std::string(call_json(std::move(token)).at("access_token").as_string());
}

// The id of one ContentDocument of the org (through the REST API, as the connector reads it).
std::string some_file(const std::string& sf) {
    const std::string access = bench_token(sf);
    casio::http::request query;
    query.url = sf +
                "/services/data/v59.0/query?q=SELECT%20Id%20FROM%20ContentDocument%20WHERE%20"
                "FileExtension%20%3D%20'pdf'%20LIMIT%201";
    query.fields.push_back({"Authorization", "Bearer " + std::string(access)});
    const auto page = call_json(std::move(query));
    const auto& records = page.at("records").as_array();
    if (records.empty()) {
        throw std::runtime_error("the org has no .pdf file");
    }
    return std::string(records[0].at("Id").as_string());
}

// Makes the first ContentDocument with extension `ext` (and its version) `bytes` long.
void enlarge_file(const std::string& sf, const std::string& ext, std::uint64_t bytes) {
    const std::string access = bench_token(sf);
    casio::http::request query;
    query.url = sf +
                "/services/data/v59.0/query?q=SELECT%20Id,LatestPublishedVersionId%20FROM%20"
                "ContentDocument%20WHERE%20FileExtension%20%3D%20'" +
                ext + "'%20LIMIT%201";
    query.fields.push_back({"Authorization", "Bearer " + std::string(access)});
    const auto page = call_json(std::move(query));
    const auto& records = page.at("records").as_array();
    if (records.empty()) {
        throw std::runtime_error("the org has no ." + ext + " file");
    }
    for (const auto* field : {"Id", "LatestPublishedVersionId"}) {
        casio::http::request patch;
        patch.verb = casio::http::method::patch;
        patch.url = sf + "/__admin/records/" + std::string(records[0].at(field).as_string());
        patch.fields.push_back({"Content-Type", "application/json"});
        patch.body = "{\"ContentSize\":" + std::to_string(bytes) + "}";
        call_json(std::move(patch));
    }
    std::printf("file %s (version %s): .%s of %llu bytes\n",
                std::string(records[0].at("Id").as_string()).c_str(),
                std::string(records[0].at("LatestPublishedVersionId").as_string()).c_str(),
                ext.c_str(), static_cast<unsigned long long>(bytes));
}

struct sync_run {
    int exit_code = -1;
    std::string output;
    double wall = 0;
    double cpu = 0;
    double peak_rss_mb = 0;
};

// Runs connectors-asio to completion with stdout+stderr in a file; rusage from wait4.
sync_run run_sync(const std::string& bin, const std::vector<std::string>& args,
                  const std::filesystem::path& log) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    sync_run r;
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::execv(bin.c_str(), argv.data());
        std::perror("execv");
        ::_exit(127);
    }
    int status = 0;
    rusage u{};
    while (::wait4(pid, &status, 0, &u) < 0 && errno == EINTR) {
    }
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.cpu = casio::bench::cpu_seconds(u);
    r.peak_rss_mb = casio::bench::peak_rss_mb(u);
    std::ifstream in(log);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
}

std::uint64_t number_after(const std::string& text, const std::string& label) {
    const auto pos = text.rfind(label + " ");
    return pos == std::string::npos ? 0 : std::stoull(text.substr(pos + label.size() + 1));
}

double decimal_after(const std::string& text, const std::string& label) {
    const auto pos = text.rfind(label + " ");
    return pos == std::string::npos ? 0 : std::stod(text.substr(pos + label.size() + 1));
}

}  // namespace

int run(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: bench_full_sync <bin dir> [records per object] [--metadata-only] "
                     "[--latency-ms N] [--seed S] [--bandwidth-mbps M] [--config-extra YAML] "
                     "[--large-file EXT:BYTES] [--file-kinds LIST] [--file-media-share P] "
                     "[--incremental]\n");
        return 2;
    }
    const std::filesystem::path bin_dir = argv[1];
    std::string records = "16000";
    bool metadata_only = false;
    std::string latency_ms = "0";
    std::string seed = "3";
    std::string bandwidth;
    std::string config_extra;
    std::string large_ext;
    std::vector<std::string> sf_extra;
    std::vector<std::string> es_args{"--port", "0"};
    std::uint64_t large_bytes = 0;
    bool incremental = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--metadata-only") {
            metadata_only = true;
        } else if (a == "--incremental") {
            incremental = true;
        } else if (a == "--latency-ms") {
            latency_ms = value();
        } else if (a == "--seed") {
            seed = value();
        } else if (a == "--bandwidth-mbps") {
            bandwidth = value();
        } else if (a == "--config-extra") {
            config_extra = value();
        } else if (a == "--file-kinds" || a == "--file-media-share" || a == "--max-open-cursors") {
            sf_extra.push_back(a);
            sf_extra.push_back(value());
        } else if (a == "--es-reserve-memory-gb") {
            es_args.push_back("--reserve-memory-gb");
            es_args.push_back(value());
        } else if (a == "--large-file") {
            const auto v = value();
            const auto colon = v.find(':');
            if (colon == std::string::npos) {
                std::fprintf(stderr, "--large-file wants EXT:BYTES, not %s\n", v.c_str());
                return 2;
            }
            large_ext = v.substr(0, colon);
            large_bytes = std::stoull(v.substr(colon + 1));
        } else if (!a.empty() && a[0] != '-') {
            records = a;
        } else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }

    auto es =
        child_process::start_server((bin_dir / "mock-elasticsearch/mock-elasticsearch"), es_args,
                                    std::chrono::minutes(5));  // a reservation takes a while
    std::vector<std::string> sf_args{
        "--port",      "0",     "--records",       records,        "--seed",       seed,
        "--client-id", "bench", "--client-secret", "bench-secret", "--latency-ms", latency_ms};
    if (!bandwidth.empty()) {
        sf_args.insert(sf_args.end(), {"--bandwidth-mbps", bandwidth});
    }
    sf_args.insert(sf_args.end(), sf_extra.begin(), sf_extra.end());
    auto sf = child_process::start_server((bin_dir / "mock-salesforce/mock-salesforce"), sf_args);

    const auto dir = std::filesystem::temp_directory_path() /
                     ("casio-bench-full-sync-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto config = dir / "config.yml";
    {
        std::ofstream out(config);
        out << "elasticsearch:\n  host: " << es.base_url() << "\n";
        if (metadata_only) {
            out << "service:\n  max_file_download_size: 1\n";
        } else if (large_bytes > 0) {
            out << "service:\n  max_file_download_size: " << large_bytes << "\n";
        }
        out << "connectors:\n"
            << "  - connector_id: bench\n"
            << "    service_type: salesforce\n"
            << "    index_name: search-bench\n"
            << "    configuration:\n"
            << "      domain: " << sf.base_url() << "\n"
            << "      client_id: bench\n"
            << "      client_secret: bench-secret\n"
            << "      standard_objects_to_sync: \"*\"\n"
            << "      sync_custom_objects: true\n"
            << "      custom_objects_to_sync: \"*\"\n";
        if (!config_extra.empty()) {
            out << config_extra << "\n";
        }
    }

    if (large_bytes > 0) {
        enlarge_file(sf.base_url(), large_ext, large_bytes);
    }
    const double es_cpu0 = process_cpu(es.pid());
    const double sf_cpu0 = process_cpu(sf.pid());
    auto r = run_sync((bin_dir / "connectors-asio/connectors-asio").string(),
                      {"sync", "--config", config.string(), "--connector-id", "bench"},
                      dir / "sync.log");
    const double es_cpu = process_cpu(es.pid()) - es_cpu0;
    const double sf_cpu = process_cpu(sf.pid()) - sf_cpu0;
    const double es_rss_mb = process_rss_mb(es.pid());
    if (r.exit_code != 0) {
        std::fprintf(stderr, "sync failed (exit %d):\n%s\n", r.exit_code, r.output.c_str());
        std::filesystem::remove_all(dir);
        return 1;
    }

    const auto fetched = number_after(r.output, "fetched");
    const double sent_mb = decimal_after(r.output, "sent");
    const auto indexed = number_after(r.output, "indexed");
    const auto in_index =
        get_json(es.base_url() + "/search-bench/_count").at("count").to_number<std::uint64_t>();
    const auto stats = get_json(sf.base_url() + "/__admin/stats").as_object();
    const auto downloads = stats.at("download_requests").to_number<std::uint64_t>();
    const auto* bytes = stats.if_contains("download_bytes");
    const double file_mb = bytes ? static_cast<double>(bytes->to_number<std::uint64_t>()) / 1e6 : 0;
    const auto calls = stats.at("api_requests").to_number<std::uint64_t>();
    const auto* peak = stats.if_contains("max_in_flight");
    const double latency = std::stod(latency_ms) / 1000.0;

    std::printf(
        "records per object %s, seed %s%s: %llu documents fetched, %llu indexed, %llu in the "
        "index%s\n",
        records.c_str(), seed.c_str(), metadata_only ? " (files as metadata only)" : "",
        static_cast<unsigned long long>(fetched), static_cast<unsigned long long>(indexed),
        static_cast<unsigned long long>(in_index),
        fetched == indexed && indexed == in_index ? " (each exactly once)" : " MISMATCH");
    std::printf("  %.2f s: %.0f docs/s end to end\n", r.wall,
                static_cast<double>(fetched) / r.wall);
    std::printf("  connectors-asio: %.2f CPU-s = %.3f CPU-s per 10k documents, peak RSS %.1f MB\n",
                r.cpu, r.cpu / static_cast<double>(fetched) * 1e4, r.peak_rss_mb);
    std::printf("  files: %llu downloads, %.1f MB = %.1f MB/s\n",
                static_cast<unsigned long long>(downloads), file_mb, file_mb / r.wall);
    std::printf("  elasticsearch: %.1f MB of _bulk bodies sent\n", sent_mb);
    std::printf(
        "  salesforce: %llu calls at %s ms, at most %s in flight, effective concurrency "
        "%.1f\n",
        static_cast<unsigned long long>(calls), latency_ms.c_str(),
        peak ? std::to_string(peak->to_number<std::uint64_t>()).c_str() : "?",
        static_cast<double>(calls) * latency / r.wall);
    std::printf("  mock-salesforce %.2f CPU-s, mock-elasticsearch %.2f CPU-s\n", sf_cpu, es_cpu);
    std::printf(
        "  mock-elasticsearch: %.2f CPU-s per million documents (connectors-asio: %.2f), "
        "RSS %.0f MB holding the index\n",
        es_cpu / static_cast<double>(fetched) * 1e6, r.cpu / static_cast<double>(fetched) * 1e6,
        es_rss_mb);
    // The connector's warnings (a file without content, a dropped document) explain a mismatch.
    std::istringstream lines(r.output);
    int warnings = 0;
    for (std::string l; std::getline(lines, l);) {
        if (l.find("WARN") != std::string::npos || l.find("ERROR") != std::string::npos) {
            if (++warnings <= 5) {
                std::printf("  | %s\n", l.substr(0, 300).c_str());
            }
        }
    }
    if (warnings > 5) {
        std::printf("  | ... %d warnings and errors in all\n", warnings);
    }
    int status = fetched == indexed && indexed == in_index ? 0 : 1;
    if (incremental) {
        // docs/incremental-sync.md: an hour later 1% of the records of each object changed,
        // 0.1% deleted and 0.1% added, and one file has a new version; the next job is an
        // incremental one, reading from the cursor the full sync wrote.
        admin_post(sf.base_url() + "/__admin/reset-limits", "");
        admin_post(sf.base_url() + "/__admin/clock", R"({"advance_seconds":3600})");
        admin_post(sf.base_url() + "/__admin/mutate",
                   R"({"change_share":0.01,"delete_share":0.001,"add_share":0.001,"seed":7})");
        admin_post(sf.base_url() + "/__admin/files/" + some_file(sf.base_url()) + "/versions",
                   "{}");
        admin_post(sf.base_url() + "/__admin/reset-limits", "");
        auto inc = run_sync((bin_dir / "connectors-asio/connectors-asio").string(),
                            {"sync", "--config", config.string(), "--connector-id", "bench",
                             "--job-type", "incremental"},
                            dir / "incremental.log");
        if (inc.exit_code != 0) {
            std::fprintf(stderr, "incremental sync failed (exit %d):\n%s\n", inc.exit_code,
                         inc.output.c_str());
            status = 1;
        } else {
            const auto after = get_json(sf.base_url() + "/__admin/stats").as_object();
            const auto inc_calls = after.at("api_requests").to_number<std::uint64_t>();
            const auto inc_downloads = after.at("download_requests").to_number<std::uint64_t>();
            std::printf(
                "incremental (1%% changed, 0.1%% deleted, 0.1%% added, one new file version): "
                "%llu documents fetched, %llu deleted, %.2f s\n",
                static_cast<unsigned long long>(number_after(inc.output, "fetched")),
                static_cast<unsigned long long>(number_after(inc.output, "deleted")), inc.wall);
            std::printf(
                "  salesforce: %llu calls (full sync: %llu, %.1fx fewer), %llu downloads "
                "(full sync: %llu)\n",
                static_cast<unsigned long long>(inc_calls), static_cast<unsigned long long>(calls),
                static_cast<double>(calls) /
                    static_cast<double>(std::max<std::uint64_t>(1, inc_calls)),
                static_cast<unsigned long long>(inc_downloads),
                static_cast<unsigned long long>(downloads));
        }
    }
    std::filesystem::remove_all(dir);
    return status;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        // The mock servers were stopped on the way out (their destructors).
        std::fprintf(stderr, "bench_full_sync: %s\n", e.what());
        return 1;
    }
}
