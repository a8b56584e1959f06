#pragma once
// connectors-asio as a user runs it, for integration tests: mock-elasticsearch and
// mock-salesforce started on port 0, a config.yml naming them, and small synchronous helpers
// that read Elasticsearch through libs/es and mock-salesforce through libs/salesforce, each on
// a private io_context. Header-only: casio::test_support does not link es/salesforce; the
// integration binary does.
//
// Every wait polls observable state with a deadline (eventually); nothing sleeps to sync.

#if defined(CASIO_BIN_CONNECTORS_ASIO) && defined(CASIO_BIN_MOCK_ELASTICSEARCH) && \
    defined(CASIO_BIN_MOCK_SALESFORCE)

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/retry.hpp>
#include <casio/es/client.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/source.hpp>

#include "support/child_process.hpp"

namespace casio::test {

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() /
               ("casio-service-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

// One call (or a few) to Elasticsearch through libs/es, on a private io_context.
template <typename T>
T with_es(const std::string& url, std::function<boost::asio::awaitable<T>(es::client&)> f) {
    boost::asio::io_context ctx;
    es::client_options o;
    o.host = url;
    o.retries.max_retries = 1;
    http::client hc(ctx.get_executor(), es::http_options(o));
    http::client_transport tr(hc);
    es::client c(tr, o);
    std::optional<T> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        ctx, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await f(c)); },
        [&](std::exception_ptr e) {
            failure = e;
            hc.close();  // also after a failure, or the idle sweep keeps run() busy
        });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*out);
}

// Polls `probe` until it returns true, for at most `deadline`.
inline bool eventually(const std::function<bool()>& probe,
                       std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (probe()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll period, not a sync
    }
    return probe();
}

// The ids the Salesforce source yields for this org, read straight from mock-salesforce.
inline std::set<std::string> expected_ids(const std::string& sf_url) {
    boost::asio::io_context ctx;
    http::client hc(ctx.get_executor());
    http::client_transport tr(hc);
    core::steady_sleeper sleeper;
    salesforce::config cfg;
    cfg.domain = "mock";
    cfg.client_id = "id";
    cfg.client_secret = "secret";
    cfg.standard_objects = {"*"};
    salesforce::client c(tr, sleeper, salesforce::client_settings{sf_url, "id", "secret"});
    salesforce::source src(c, cfg);
    std::set<std::string> ids;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        ctx,
        [&]() -> boost::asio::awaitable<void> {
            co_await src.validate_config();
            co_await src.get_docs({}, [&](casio::sync::document d) -> boost::asio::awaitable<void> {
                ids.insert(d.id);
                co_return;
            });
            hc.close();
        },
        [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return ids;
}

inline std::set<std::string> index_ids(const std::string& es_url, const std::string& index) {
    return with_es<std::set<std::string>>(
        es_url, [&](es::client& c) -> boost::asio::awaitable<std::set<std::string>> {
            std::set<std::string> ids;
            auto stream = c.scan_ids(index);
            while (auto page = co_await stream.next_page()) {
                for (auto& e : *page) {
                    ids.insert(e.id);
                }
            }
            co_return ids;
        });
}

// Every document of an index, id -> _source.
inline std::map<std::string, boost::json::object> index_docs(const std::string& es_url,
                                                             const std::string& index) {
    using docs = std::map<std::string, boost::json::object>;
    return with_es<docs>(es_url, [&](es::client& c) -> boost::asio::awaitable<docs> {
        boost::json::object all{
            {"query", boost::json::object{{"match_all", boost::json::object{}}}}};
        docs out;
        for (auto& hit : co_await c.search_all(index, std::move(all), 500)) {
            out.emplace(std::move(hit.id), std::move(hit.source));
        }
        co_return out;
    });
}

inline std::vector<es::doc_hit> jobs_of(const std::string& es_url,
                                        const std::string& connector_id) {
    return with_es<std::vector<es::doc_hit>>(
        es_url, [&](es::client& c) -> boost::asio::awaitable<std::vector<es::doc_hit>> {
            boost::json::object body{
                {"query", boost::json::object{
                              {"term", boost::json::object{{"connector.id", connector_id}}}}}};
            co_return co_await c.search_all(es::jobs_index, std::move(body));
        });
}

inline std::optional<boost::json::object> connector_doc(const std::string& es_url,
                                                        const std::string& id) {
    return with_es<std::optional<boost::json::object>>(
        es_url, [&](es::client& c) -> boost::asio::awaitable<std::optional<boost::json::object>> {
            auto hit = co_await c.get_doc(es::connectors_index, id);
            if (!hit) {
                co_return std::nullopt;
            }
            co_return std::move(hit->source);
        });
}

// True once the service has created connector `id` from config.yml and written the values it
// gives there. The document exists before its configuration does (one call creates it, two more
// fill it), and a job takes a copy of the configuration when it is created: a job created on a
// connector that merely exists may fail on empty fields.
inline bool connector_configured(const std::string& es_url, const std::string& id) {
    const auto doc = connector_doc(es_url, id);
    const boost::json::value* configuration = doc ? doc->if_contains("configuration") : nullptr;
    if (configuration == nullptr || !configuration->is_object()) {
        return false;
    }
    const boost::json::value* domain = configuration->get_object().if_contains("domain");
    if (domain == nullptr || !domain->is_object()) {
        return false;
    }
    const boost::json::value* value = domain->get_object().if_contains("value");
    return value != nullptr && value->is_string() && !value->get_string().empty();
}

inline std::optional<boost::json::object> job_doc(const std::string& es_url,
                                                  const std::string& job_id) {
    return with_es<std::optional<boost::json::object>>(
        es_url, [&](es::client& c) -> boost::asio::awaitable<std::optional<boost::json::object>> {
            auto hit = co_await c.get_doc(es::jobs_index, job_id);
            if (!hit) {
                co_return std::nullopt;
            }
            co_return std::move(hit->source);
        });
}

inline std::string job_status(const std::string& es_url, const std::string& job_id) {
    auto job = job_doc(es_url, job_id);
    return job ? std::string(job->at("status").as_string()) : std::string("missing");
}

// A full-sync schedule on a connector, set as Kibana sets it.
inline void set_full_schedule(const std::string& es_url, const std::string& connector_id,
                              const std::string& cron) {
    with_es<bool>(es_url, [&](es::client& c) -> boost::asio::awaitable<bool> {
        boost::json::object scheduling{
            {"full", boost::json::object{{"enabled", true}, {"interval", cron}}}};
        co_await c.update_scheduling(connector_id, scheduling);
        co_return true;
    });
}

inline std::string create_job(const std::string& es_url, const std::string& connector_id) {
    return with_es<std::string>(es_url, [&](es::client& c) -> boost::asio::awaitable<std::string> {
        co_return co_await c.create_sync_job(connector_id, "full", "on_demand");
    });
}

// Everything a child process printed so far, read without blocking it (a full pipe would
// stall its logging).
struct output_tail {
    child_process& process;
    std::string text;
    const std::string& drain() {
        std::string line;
        // 5 ms: read_line rounds its remaining time down to whole milliseconds.
        while (process.read_line(line, std::chrono::milliseconds(5))) {
            text += line;
            text += '\n';
        }
        return text;
    }
    // eventually(probe), reading the output before each probe.
    bool wait_for(const std::function<bool()>& probe,
                  std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
        return eventually(
            [&] {
                drain();
                return probe();
            },
            deadline);
    }
};

struct plain_response {
    unsigned status = 0;
    std::string head;  // status line and header fields, raw
    std::string body;
};

// One blocking HTTP/1.1 exchange with a mock's admin endpoint (any method, PATCH included;
// `Connection: close`, so the body is whatever follows the header). Test code only: it blocks.
inline plain_response http_call(const std::string& verb, std::uint16_t port,
                                const std::string& target, const std::string& body = {}) {
    namespace ip = boost::asio::ip;
    boost::asio::io_context ctx;
    ip::tcp::socket socket(ctx);
    socket.connect(ip::tcp::endpoint(ip::make_address("127.0.0.1"), port));
    std::string request = verb + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Connection: close\r\nContent-Type: application/json\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(request));
    std::string raw;
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(raw), ec);  // to EOF
    plain_response out;
    const auto space = raw.find(' ');
    const auto header_end = raw.find("\r\n\r\n");
    if (space == std::string::npos || header_end == std::string::npos) {
        throw std::runtime_error(verb + " " + target + ": no HTTP response");
    }
    out.status = static_cast<unsigned>(std::stoul(raw.substr(space + 1, 3)));
    out.head = raw.substr(0, header_end);
    out.body = raw.substr(header_end + 4);
    return out;
}

struct environment_options {
    std::string sf_latency_ms = "0";
    std::string records = "24";
    std::vector<std::string> es_args;  // extra mock-elasticsearch flags
    std::vector<std::string> sf_args;  // extra mock-salesforce flags
    std::string extra_config;          // appended to config.yml (top-level YAML)
    // More connectors like sf-service (index search-<id>), each syncing every standard object.
    std::vector<std::string> extra_connectors;
};

// The config.yml tail for a connector sf-tes (index search-sf-tes, every standard object) that
// asks for the extraction service, and the extraction_service section pointing at `url` (files
// passed through `volume` with `pointers`, else in the request body). Goes into
// environment_options::extra_config: the connectors list is the config's last section.
inline std::string extraction_service_connector(const std::string& url, bool pointers,
                                                const std::filesystem::path& volume) {
    return std::string("  - connector_id: sf-tes\n") + "    service_type: salesforce\n" +
           "    index_name: search-sf-tes\n" + "    configuration:\n" +
           "      domain: mock\n      client_id: id\n      client_secret: secret\n" +
           "      standard_objects_to_sync: \"*\"\n" + "      use_text_extraction_service: true\n" +
           "extraction_service:\n" + "  host: " + url + "\n" +
           "  use_file_pointers: " + (pointers ? "true" : "false") + "\n" +
           "  shared_volume_dir: " + volume.string() + "\n";
}

// mock-elasticsearch + mock-salesforce and a config.yml with four Salesforce connectors:
// sf-service (for the service), sf-oneshot (for `sync`), sf-dls (document-level security)
// and sf-bad (a wrong client secret).
struct environment {
    child_process es;
    child_process sf;
    temp_dir dir;
    std::filesystem::path config;

    explicit environment(const std::string& sf_latency_ms = "0")
        : environment(environment_options{.sf_latency_ms = sf_latency_ms}) {}

    explicit environment(const environment_options& o)
        : es(child_process::start_server(CASIO_BIN_MOCK_ELASTICSEARCH, es_args(o))),
          sf(child_process::start_server(CASIO_BIN_MOCK_SALESFORCE, sf_args(o))) {
        ::setenv("RUNNING_FTEST", "1", 1);
        ::setenv("SALESFORCE_EMULATOR_HOST", sf.base_url().c_str(), 1);
        config = dir.path / "config.yml";
        std::ofstream(config) << "elasticsearch:\n"
                              << "  host: " << es.base_url() << "\n"
                              << "  max_wait_duration: 10\n"
                              << "service:\n"
                              << "  idling: 0.5\n"
                              << "connectors:\n"
                              << "  - connector_id: sf-service\n"
                              << "    service_type: salesforce\n"
                              << "    index_name: search-sf-service\n"
                              << "    configuration:\n"
                              << "      domain: mock\n"
                              << "      client_id: id\n"
                              << "      client_secret: secret\n"
                              << "      standard_objects_to_sync: \"*\"\n"
                              << "  - connector_id: sf-oneshot\n"
                              << "    service_type: salesforce\n"
                              << "    index_name: search-sf-oneshot\n"
                              << "    name: One-shot\n"
                              << "    configuration:\n"
                              << "      domain: mock\n"
                              << "      client_id: id\n"
                              << "      client_secret: secret\n"
                              << "      standard_objects_to_sync: \"*\"\n"
                              << "  - connector_id: sf-dls\n"
                              << "    service_type: salesforce\n"
                              << "    index_name: search-sf-dls\n"
                              << "    configuration:\n"
                              << "      domain: mock\n"
                              << "      client_id: id\n"
                              << "      client_secret: secret\n"
                              << "      use_document_level_security: true\n"
                              << "  - connector_id: sf-bad\n"
                              << "    service_type: salesforce\n"
                              << "    index_name: search-sf-bad\n"
                              << "    configuration:\n"
                              << "      domain: mock\n"
                              << "      client_id: id\n"
                              << "      client_secret: wrong-secret\n";
        std::ofstream out(config, std::ios::app);
        for (const auto& id : o.extra_connectors) {
            out << "  - connector_id: " << id << "\n"
                << "    service_type: salesforce\n"
                << "    index_name: search-" << id << "\n"
                << "    configuration:\n"
                << "      domain: mock\n"
                << "      client_id: id\n"
                << "      client_secret: secret\n"
                << "      standard_objects_to_sync: \"*\"\n";
        }
        out << o.extra_config;
    }

    // The connectors-asio service on this config.yml; with `capture`, its output is read
    // through the pipe (output_tail), else it goes to the test's own output.
    child_process start_service(bool capture = false) const {
        return child_process::start(CASIO_BIN_CONNECTORS_ASIO, {"--config", config.string()},
                                    capture);
    }

    // A `sync` that must succeed; its output is shown when it does not.
    void require_sync(const std::string& connector_id) const {
        auto r = sync(connector_id);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }

    // `connectors-asio sync` of one connector, to completion.
    child_process::result sync(const std::string& connector_id,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        return child_process::run(
            CASIO_BIN_CONNECTORS_ASIO,
            {"sync", "--config", config.string(), "--connector-id", connector_id}, timeout);
    }

  private:
    static std::vector<std::string> sf_args(const environment_options& o) {
        std::vector<std::string> args{"--port",          "0",      "--records",    o.records,
                                      "--seed",          "11",     "--client-id",  "id",
                                      "--client-secret", "secret", "--latency-ms", o.sf_latency_ms};
        args.insert(args.end(), o.sf_args.begin(), o.sf_args.end());
        return args;
    }
    static std::vector<std::string> es_args(const environment_options& o) {
        std::vector<std::string> args{"--port", "0", "--version", "9.6.0"};
        args.insert(args.end(), o.es_args.begin(), o.es_args.end());
        return args;
    }
};

}  // namespace casio::test

#endif
