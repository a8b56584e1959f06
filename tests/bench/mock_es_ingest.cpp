// Ingest throughput of mock-elasticsearch: 1 KB documents in ~5 MB _bulk requests from 4
// concurrent keep-alive clients. The server runs in-process on its own thread (one
// io_context, as in the binary), or is an already running one given with --port.
//
//   bench_mock_es_ingest [--docs N] [--clients C] [--data-dir DIR [--wal-io buffered]]
//                        [--reserve-memory-gb G]
//                        [--port P] [--step S]
//
// Bodies are generated while the clients run, from one template per client whose fixed-width
// document numbers are patched in, so the client side stays at a few MB whatever N is. Every
// S documents (default: 1,000,000 from 2M documents on, else N/4) the wall docs/s and the
// server thread's CPU seconds of that step are printed: a cost per document that rises with
// the index size shows there. At the end: the process's RSS growth per stored document (the
// client's part is a few MB), and with --data-dir the log's size and the recovery: a fresh
// process (this binary, `--recover DIR`) reopens the directory and replays it, reporting its
// time, CPU and memory. DIR must not hold a wal.log yet. `--reserve-memory-gb G` is the
// server's flag of that name (memory for in-memory sources mapped and touched at start); its
// time is printed apart. `--touch-gb N` only times the kernel's handing out of N fresh GB
// (see touch()).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <casio/http/server.hpp>

#include "rusage.hpp"
#include "service.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t digits = 10;  // fixed width of the document numbers in the template
constexpr std::size_t bulk_bytes = 5 * 1024 * 1024;

// One bulk item (action line and a ~1 KB document) for document 0, and where its number goes.
struct item_template {
    std::string text;
    std::vector<std::size_t> number_at;  // offsets of the `digits`-wide number fields

    item_template() {
        auto number = [&] {
            number_at.push_back(text.size());
            text.append(digits, '0');
        };
        text = R"({"index":{"_index":"search-bench","_id":"doc-)";
        number();
        text += "\"}}\n";
        const std::size_t doc_start = text.size();
        text += R"({"id":"doc-)";
        number();
        text += R"(","_timestamp":"2025-01-01T00:00:00.000Z","title":"Account )";
        number();
        text += R"(","body":")";
        while (text.size() - doc_start < 1000)
            text += "lorem ipsum dolor sit amet ";
        text.resize(doc_start + 1000);
        text += "\"}\n";
    }

    // Writes the items of documents [first, first + count) into `body` (reusing its bytes).
    void fill(std::string& body, std::size_t first, std::size_t count) const {
        body.resize(count * text.size());
        for (std::size_t i = 0; i < count; ++i) {
            char* item = body.data() + i * text.size();
            if (std::char_traits<char>::compare(item, text.data(), 4) != 0)
                std::char_traits<char>::copy(item, text.data(), text.size());
            char number[digits];
            std::size_t n = first + i;
            for (std::size_t d = digits; d-- > 0; n /= 10)
                number[d] = static_cast<char>('0' + n % 10);
            for (auto at : number_at)
                std::char_traits<char>::copy(item + at, number, digits);
        }
    }
};

struct cpu_times {
    double user = 0;
    double system = 0;
    double total() const { return user + system; }
};

// CPU seconds of this process's threads but the `excluded` ones (the clients): the server's
// thread and the write-ahead log's.
cpu_times cpu_except(const std::vector<pid_t>& excluded) {
    double ticks[2] = {0, 0};
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        const pid_t tid = static_cast<pid_t>(std::stol(task.path().filename().string()));
        if (std::find(excluded.begin(), excluded.end(), tid) != excluded.end())
            continue;
        std::ifstream in(task.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        std::istringstream fields(stat.substr(close + 2));
        std::string f;
        for (int i = 3; i <= 15 && fields >> f; ++i) {
            if (i == 14 || i == 15)
                ticks[i - 14] += std::stod(f);
        }
    }
    const auto hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return {ticks[0] / hz, ticks[1] / hz};
}

// A field of /proc/self/status in MB (RssAnon: the heap, not the pages of mapped files;
// VmHWM: peak RSS, mapped files included).
double status_mb(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0)
            return std::stod(line.substr(field.size() + 1)) / 1024.0;
    }
    return 0;
}

std::size_t stored_docs(const casio::mock_es::service& svc) {
    std::size_t n = 0;
    for (const auto& [name, idx] : svc.data().indices())
        n += idx.docs.size();
    return n;
}

// `--recover DIR`: what a restart of mock-elasticsearch on DIR costs.
int recover(const std::string& dir) {
    const double rss_before = status_mb("RssAnon");
    const double cpu_before = casio::bench::cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    casio::mock_es::service svc;
    svc.open_data_dir(dir, [](const std::string& w) { std::cerr << w << "\n"; });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = casio::bench::cpu_seconds() - cpu_before;
    const std::size_t docs = stored_docs(svc);
    const double rss = status_mb("RssAnon") - rss_before;
    std::printf(
        "  recovery (a new process reopens %s): %zu docs in %.2f s wall, %.2f CPU-s "
        "(%.0f docs/s); anonymous memory +%.0f MB = %.0f bytes per document, peak RSS "
        "%.0f MB (the log's mapped pages included)\n",
        dir.c_str(), docs, secs, cpu, docs / secs, rss,
        docs ? rss * 1024 * 1024 / static_cast<double>(docs) : 0.0, status_mb("VmHWM"));
    return 0;
}

// `--touch-gb N`: how long the kernel takes to give this process N fresh GB, one at a time.
// On a VM whose host backs guest memory on first use, the GB past what is backed cost several
// times more: the system time that then shows in the steps above.
int touch(std::size_t gb) {
    std::vector<char*> blocks;
    for (std::size_t g = 0; g < gb; ++g) {
        const auto start = std::chrono::steady_clock::now();
        auto* p = static_cast<char*>(std::malloc(std::size_t{1} << 30));
        if (p == nullptr)
            return 1;
        std::memset(p, 1, std::size_t{1} << 30);
        blocks.push_back(p);
        std::printf(
            "  GB %zu: %.2f s\n", g + 1,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    for (char* p : blocks)
        std::free(p);
    return 0;
}

struct milestone {
    std::size_t docs = 0;
    double wall = 0;
    cpu_times server_cpu;
};

}  // namespace

int main(int argc, char** argv) {
    std::size_t total_docs = 400'000;
    std::size_t clients = 4;
    std::size_t step = 0;
    std::string data_dir;
    casio::mock_es::wal_options wal_opts;
    unsigned port = 0;
    std::size_t reserve_gb = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--docs")
            total_docs = std::stoul(argv[i + 1]);
        else if (a == "--clients")
            clients = std::stoul(argv[i + 1]);
        else if (a == "--step")
            step = std::stoul(argv[i + 1]);
        else if (a == "--data-dir")
            data_dir = argv[i + 1];
        else if (a == "--wal-io")
            wal_opts.direct_io = std::string_view(argv[i + 1]) != "buffered";
        else if (a == "--port")
            port = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else if (a == "--recover")
            return recover(argv[i + 1]);
        else if (a == "--touch-gb")
            return touch(std::stoul(argv[i + 1]));
        else if (a == "--reserve-memory-gb")
            reserve_gb = std::stoul(argv[i + 1]);
        else {
            std::cerr << "unknown flag " << a << "\n";
            return 2;
        }
    }
    if (step == 0)
        step = total_docs >= 2'000'000 ? 1'000'000 : std::max<std::size_t>(total_docs / 4, 1);
    if (!data_dir.empty() && std::filesystem::exists(data_dir + "/wal.log")) {
        std::cerr << data_dir << "/wal.log exists: give an empty or new directory\n";
        return 2;
    }

    const double rss_start = status_mb("RssAnon");
    asio::io_context server_ioc(1);
    std::unique_ptr<casio::mock_es::service> svc;
    std::unique_ptr<casio::http::server> srv;
    std::thread server_thread;
    if (port == 0) {
        casio::mock_es::service_options opts;
        opts.reserve_memory = reserve_gb << 30;
        const auto reserve_start = std::chrono::steady_clock::now();
        svc = std::make_unique<casio::mock_es::service>(opts);
        if (reserve_gb > 0) {
            std::printf(
                "%zu GB reserved for sources in %.2f s\n", reserve_gb,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - reserve_start)
                    .count());
        }
        if (!data_dir.empty()) {
            svc->open_data_dir(
                data_dir, [](const std::string& w) { std::cerr << w << "\n"; }, wal_opts);
            std::printf("write-ahead log written %s\n",
                        svc->log()->direct_io() ? "with O_DIRECT" : "through the page cache");
        }
        srv =
            std::make_unique<casio::http::server>(server_ioc.get_executor(), svc->async_handler());
        port = srv->listen("127.0.0.1", 0);
        srv->start();
        server_thread = std::thread([&] { server_ioc.run(); });
    }

    const item_template tmpl;
    const std::size_t per_bulk = std::max<std::size_t>(bulk_bytes / tmpl.text.size(), 1);
    const std::size_t bulks = (total_docs + per_bulk - 1) / per_bulk;
    const std::size_t total_bytes = total_docs * tmpl.text.size();

    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failures{0};
    std::atomic<std::size_t> acknowledged{0};
    std::mutex milestones_mutex;
    std::vector<milestone> milestones;
    auto start = std::chrono::steady_clock::now();
    std::mutex clients_mutex;
    std::vector<pid_t> client_tids;
    const bool in_process = svc != nullptr;
    auto server_cpu_now = [&] {
        if (!in_process)
            return cpu_times{};
        std::lock_guard lock(clients_mutex);
        return cpu_except(client_tids);
    };
    const cpu_times server_cpu_start = server_cpu_now();
    auto since_start = [&](cpu_times t) {
        return cpu_times{t.user - server_cpu_start.user, t.system - server_cpu_start.system};
    };
    std::vector<std::thread> workers;
    for (std::size_t c = 0; c < clients; ++c) {
        workers.emplace_back([&] {
            {
                std::lock_guard lock(clients_mutex);
                client_tids.push_back(::gettid());
            }
            asio::io_context ioc;
            beast::tcp_stream stream(ioc);
            stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                   static_cast<unsigned short>(port)));
            beast::flat_buffer buffer;
            bhttp::request<bhttp::string_body> req{bhttp::verb::put,
                                                   "/_bulk?pipeline=search-default-ingestion", 11};
            req.set(bhttp::field::host, "127.0.0.1");
            req.set(bhttp::field::content_type,
                    "application/vnd.elasticsearch+x-ndjson; compatible-with=8");
            req.body().reserve(per_bulk * tmpl.text.size());
            while (true) {
                std::size_t i = next.fetch_add(1);
                if (i >= bulks)
                    break;
                const std::size_t first = i * per_bulk;
                const std::size_t count = std::min(per_bulk, total_docs - first);
                tmpl.fill(req.body(), first, count);
                req.prepare_payload();
                bhttp::write(stream, req);
                bhttp::response_parser<bhttp::string_body> p;
                p.body_limit(256 * 1024 * 1024);
                bhttp::read(stream, buffer, p);
                auto& res = p.get();
                if (res.result_int() != 200 ||
                    res.body().find("\"errors\":false") == std::string::npos) {
                    ++failures;
                }
                const std::size_t done = acknowledged.fetch_add(count) + count;
                if (done / step != (done - count) / step || done == total_docs) {
                    milestone m{
                        done,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                            .count(),
                        since_start(server_cpu_now())};
                    std::lock_guard lock(milestones_mutex);
                    milestones.push_back(m);
                }
            }
        });
    }
    for (auto& w : workers)
        w.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double server_cpu = since_start(server_cpu_now()).total();
    const double rss_end = status_mb("RssAnon");
    const std::size_t stored = svc ? stored_docs(*svc) : total_docs;

    if (srv) {
        srv->stop();
        server_thread.join();
    }
    std::printf("mock-elasticsearch ingest: %zu docs (1 KB), %zu bulks of ~5 MB, %zu clients%s\n",
                total_docs, bulks, clients, data_dir.empty() ? "" : ", with --data-dir");
    std::printf("  %.2f s  %.0f docs/s  %.1f MB/s  failed bulks: %zu\n", secs, total_docs / secs,
                total_bytes / secs / (1024.0 * 1024.0), failures.load());
    if (server_cpu > 0) {
        std::printf("  server CPU %.2f s -> %.0f docs per server CPU second\n", server_cpu,
                    total_docs / server_cpu);
    }
    std::sort(milestones.begin(), milestones.end(),
              [](const milestone& a, const milestone& b) { return a.docs < b.docs; });
    std::printf("  %-23s %10s %14s %18s %16s\n", "documents", "docs/s", "server CPU-s",
                "CPU-s per million", "of which system");
    milestone prev;
    double first_cost = 0, last_cost = 0, first_rate = 0, last_rate = 0;
    for (const auto& m : milestones) {
        const double n = static_cast<double>(m.docs - prev.docs);
        const double rate = n / (m.wall - prev.wall);
        const double cpu = m.server_cpu.total() - prev.server_cpu.total();
        const double system = m.server_cpu.system - prev.server_cpu.system;
        const double per_million = cpu / n * 1e6;
        std::printf("  %10zu - %10zu %10.0f %14.2f %18.2f %16.2f\n", prev.docs, m.docs, rate, cpu,
                    per_million, system / n * 1e6);
        if (prev.docs == 0) {
            first_cost = per_million;
            first_rate = rate;
        }
        // The last full step (a short remainder is too noisy to compare).
        if (m.docs - prev.docs >= step / 2) {
            last_cost = per_million;
            last_rate = rate;
        }
        prev = m;
    }
    if (first_cost > 0 && milestones.size() > 1) {
        std::printf(
            "  last step vs first: server CPU per document %+.1f %%, wall docs/s %+.1f %%\n",
            (last_cost / first_cost - 1) * 100, (last_rate / first_rate - 1) * 100);
    }
    if (svc) {
        std::printf(
            "  anonymous memory %.0f MB after ingest (+%.0f MB = %.0f bytes per stored "
            "document, %zu stored)\n",
            rss_end, rss_end - rss_start,
            stored ? (rss_end - rss_start) * 1024 * 1024 / static_cast<double>(stored) : 0, stored);
        const auto& arena = svc->data().sources();
        if (arena.mapped_bytes() > 0) {
            std::printf(
                "  of which sources: %.0f MB mapped, %.0f MB in use (%.0f bytes per "
                "document)\n",
                static_cast<double>(arena.mapped_bytes()) / (1 << 20),
                static_cast<double>(arena.live_bytes()) / (1 << 20),
                stored ? static_cast<double>(arena.live_bytes()) / static_cast<double>(stored) : 0);
        }
    }
    if (!data_dir.empty()) {
        srv.reset();
        svc.reset();       // closes the log
        ::malloc_trim(0);  // the index's memory back to the system before the recovery runs
        const auto log_bytes = std::filesystem::file_size(data_dir + "/wal.log");
        std::printf("  wal.log %.0f MB (%.0f bytes per document)\n", log_bytes / 1048576.0,
                    static_cast<double>(log_bytes) / static_cast<double>(total_docs));
        std::fflush(stdout);
        const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
        const std::string cmd = "'" + self + "' --recover '" + data_dir + "'";
        if (std::system(cmd.c_str()) != 0)
            return 1;
    }
    return failures.load() == 0 ? 0 : 1;
}
