#include "protocol_demo.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <unistd.h>

#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/core/time.hpp>
#include <casio/es/client.hpp>
#include <casio/es/options.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/config.hpp>

namespace casio::app {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr int demo_documents = 1000;
constexpr int demo_batch = 250;

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) {
        return "localhost";
    }
    return buf;
}

// A small record shaped like a mapped Salesforce account, already serialised as the sink ships
// documents.
std::string demo_document(int i, const std::string& timestamp) {
    json::object doc{
        {"id", "001DEMO" + std::to_string(100000 + i)},
        {"_timestamp", timestamp},
        {"type", "Account"},
        {"Name", "Demo Account " + std::to_string(i)},
        {"Description", "Sample record " + std::to_string(i) + " written by the protocol demo"},
        {"_extract_binary_content", true},
        {"_reduce_whitespace", true},
        {"_run_ml_inference", true},
    };
    return json::serialize(doc);
}

constexpr std::array<const char*, 10> job_fields{"status",
                                                 "job_type",
                                                 "trigger_method",
                                                 "worker_hostname",
                                                 "started_at",
                                                 "completed_at",
                                                 "indexed_document_count",
                                                 "indexed_document_volume",
                                                 "deleted_document_count",
                                                 "total_document_count"};
constexpr std::array<const char*, 8> connector_fields{
    "name",      "index_name",       "service_type", "status",
    "last_seen", "last_sync_status", "last_synced",  "last_indexed_document_count"};

template <std::size_t N>
void show(const char* label, const json::object& doc, const std::array<const char*, N>& keys) {
    std::cout << "  " << label << ":";
    for (const char* k : keys) {
        if (auto* v = doc.if_contains(k)) {
            std::cout << ' ' << k << '=' << json::serialize(*v);
        }
    }
    std::cout << '\n';
}

}  // namespace

awaitable<int> run_protocol_demo(const settings& cfg) {
    if (cfg.connectors.empty()) {
        std::cerr << "protocol-demo: the config has no `connectors:` entry\n";
        co_return 2;
    }
    const sync::connector_entry& entry = cfg.connectors.front();
    const std::string connector_id = entry.connector_id;
    const std::string index_name = entry.index_name.value_or("search-" + connector_id);

    auto executor = co_await boost::asio::this_coro::executor;
    es::client_options opts = es::options_from_config(cfg.elasticsearch);
    http::client http_client(executor, es::http_options(opts));
    http::client_transport transport(http_client);
    es::client es(transport, opts);

    const auto started = std::chrono::steady_clock::now();

    es::cluster_info info = co_await es.info();
    std::cout << "[1/7] Elasticsearch " << info.version_number << " (" << info.build_flavor
              << ") at " << es.base_url() << '\n';

    // (GCC 12 cannot keep a braced initializer list alive across co_await: named arrays only.)
    const std::array<std::string_view, 2> system_indices{es::connectors_concrete_index,
                                                         es::jobs_concrete_index};
    for (auto index : system_indices) {
        if (!co_await es.index_exists(index)) {
            co_await es.create_index(index);
        }
    }

    auto connector = co_await es.get_connector(connector_id);
    if (!connector) {
        json::object body{{"service_type", entry.service_type.value_or("salesforce")},
                          {"name", entry.name.value_or("Salesforce (" + connector_id + ")")},
                          {"index_name", index_name},
                          {"is_native", false}};
        co_await es.put_connector(connector_id, body);
        json::object configuration{{"configuration", salesforce::configuration_schema()}};
        co_await es.update_configuration(connector_id, configuration);
        std::cout << "[2/7] created connector " << connector_id << " (index " << index_name
                  << ") with the Salesforce configuration schema\n";
    } else {
        std::cout << "[2/7] found connector " << connector_id << '\n';
    }
    co_await es.check_in(connector_id);

    const std::string job_id = co_await es.create_sync_job(connector_id, "full", "on_demand");
    std::cout << "[3/7] created full sync job " << job_id << '\n';

    // sync_starts: the connector document is the mutual-exclusion guard (protocol.md §2.4).
    co_await es::with_occ_retry([&]() -> awaitable<void> {
        auto doc = co_await es.get_doc(es::connectors_index, connector_id);
        if (!doc) {
            throw core::error(core::error_kind::not_found,
                              "connector " + connector_id + " disappeared");
        }
        json::object patch{{"status", "connected"},
                           {"error", nullptr},
                           {"last_sync_status", "in_progress"},
                           {"last_sync_error", nullptr}};
        co_await es.update_doc(es::connectors_index, connector_id, patch, es::guard_of(*doc));
    });
    co_await es.claim_sync_job(job_id, hostname(), std::nullopt);
    std::cout << "[4/7] claimed job " << job_id << " as " << hostname() << '\n';

    if (!es::client::index_listed(co_await es.get_index(index_name), index_name)) {
        co_await es.create_index(index_name);
    }

    es::sync_job_stats stats;
    std::int64_t volume_bytes = 0;
    const std::string timestamp = core::now_iso8601();
    for (int first = 0; first < demo_documents; first += demo_batch) {
        es::bulk_builder batch;
        for (int i = first; i < first + demo_batch && i < demo_documents; ++i) {
            std::string doc = demo_document(i, timestamp);
            volume_bytes += static_cast<std::int64_t>(doc.size());
            batch.add_index(index_name, "001DEMO" + std::to_string(100000 + i), doc);
        }
        es::bulk_response res = co_await es.bulk(batch, "search-default-ingestion");
        for (const auto& item : res.items) {
            if (item.succeeded()) {
                ++stats.indexed_document_count;
            } else {
                std::cerr << "  bulk item " << item.id << " failed: " << item.error_type << ' '
                          << item.error_reason << '\n';
            }
        }
        stats.indexed_document_volume =
            std::llround(static_cast<double>(volume_bytes) / (1024.0 * 1024.0));
        co_await es.update_sync_job_stats(job_id, stats);
        std::cout << "[5/7] indexed " << stats.indexed_document_count << '/' << demo_documents
                  << " documents, stats reported\n";
    }

    co_await es.refresh(index_name);
    const std::int64_t total = co_await es.count(index_name);
    const std::string done_at = core::now_iso8601();
    const bool completed = stats.indexed_document_count == demo_documents;
    const char* status = completed ? "completed" : "error";
    json::value error = completed ? json::value(nullptr) : json::value("some documents failed");
    json::object job_done{{"last_seen", done_at},
                          {"status", status},
                          {"error", error},
                          {"completed_at", done_at},
                          {"indexed_document_count", stats.indexed_document_count},
                          {"indexed_document_volume", stats.indexed_document_volume},
                          {"deleted_document_count", 0},
                          {"total_document_count", total}};
    co_await es.update_doc(es::jobs_index, job_id, job_done);
    json::object connector_done{{"last_synced", done_at},
                                {"status", completed ? "connected" : "error"},
                                {"error", error},
                                {"last_sync_status", status},
                                {"last_sync_error", error},
                                {"sync_cursor", nullptr},
                                {"last_indexed_document_count", stats.indexed_document_count},
                                {"last_deleted_document_count", 0}};
    co_await es.update_doc(es::connectors_index, connector_id, connector_done);
    std::cout << "[6/7] job " << job_id << " " << status << '\n';

    std::cout << "[7/7] documents in Elasticsearch:\n";
    if (auto job = co_await es.get_doc(es::jobs_index, job_id)) {
        show("job", job->source, job_fields);
    }
    if (auto conn = co_await es.get_doc(es::connectors_index, connector_id)) {
        show("connector", conn->source, connector_fields);
    }
    const std::array<int, 3> samples{0, demo_documents / 2, demo_documents - 1};
    for (int i : samples) {
        if (auto doc = co_await es.get_doc(index_name, "001DEMO" + std::to_string(100000 + i))) {
            std::cout << "  document " << doc->id << ": " << json::serialize(doc->source) << '\n';
        }
    }

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("summary: job %s %s — %lld indexed, 0 deleted, %lld in %s, %.2f s\n",
                job_id.c_str(), status, static_cast<long long>(stats.indexed_document_count),
                static_cast<long long>(total), index_name.c_str(), seconds);
    co_return completed ? 0 : 1;
}

}  // namespace casio::app
