// How fast mock-elasticsearch evaluates the connectors service's system-index searches:
// the pending-jobs query with its created_at sort (protocol 2.3), the idle-jobs cleanup query
// with date math (2.5) and the connector discovery query (2.1), over a few thousand documents.
//
//   bench_mock_es_query [documents=5000] [rounds=200]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "query.hpp"

namespace json = boost::json;
using casio::mock_es::query;
using casio::mock_es::sort_spec;

namespace {

struct doc {
    std::string id;
    json::object source;
};

// CPU time of this thread: the build machine is shared, so wall time says little.
double cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

template <class F>
double per_round_us(int rounds, F&& f) {
    const double start = cpu_us();
    for (int i = 0; i < rounds; ++i) {
        f();
    }
    return (cpu_us() - start) / rounds;
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 200;
    const char* statuses[] = {"pending", "in_progress", "completed",
                              "error",   "suspended",   "canceling"};
    const char* types[] = {"full", "incremental", "access_control"};

    std::vector<doc> jobs;
    for (int i = 0; i < n; ++i) {
        char created[64];
        std::snprintf(created, sizeof created, "2025-03-01T%02d:%02d:%02d.%06d+00:00",
                      (i / 3600) % 24, (i / 60) % 60, i % 60, (i * 7919) % 1000000);
        json::object s{{"status", statuses[i % 6]},
                       {"job_type", types[i % 3]},
                       {"connector", json::object{{"id", "c" + std::to_string(i % 13)},
                                                  {"index_name", "search-x"}}},
                       {"created_at", created},
                       {"last_seen", created},
                       {"indexed_document_count", i}};
        jobs.push_back({"job-" + std::to_string(i), std::move(s)});
    }
    std::vector<doc> connectors;
    for (int i = 0; i < 200; ++i) {
        connectors.push_back(
            {"c" + std::to_string(i), json::object{{"service_type", i % 2 ? "salesforce" : "jira"},
                                                   {"is_native", false},
                                                   {"deleted", i % 17 == 0}}});
    }

    const json::value pending_q = json::parse(R"({"bool":{"must":[
        {"terms":{"status":["pending","suspended"]}},
        {"terms":{"connector.id":["c1","c3","c5","c7","c9","c11"]}},
        {"terms":{"job_type":["full","incremental"]}}]}})");
    const json::value sort_q = json::parse(R"([{"created_at":"asc"}])");
    const json::value idle_q = json::parse(R"({"bool":{"filter":[
        {"terms":{"connector.id":["c1","c2","c3"]}},{"terms":{"status":["in_progress","canceling"]}},
        {"range":{"last_seen":{"lte":"now-300s"}}}]}})");
    const json::value discovery_q = json::parse(R"({"bool":{"should":[
        {"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"service_type":["salesforce"]}},{"term":{"is_native":false}}]}},
        {"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"_id":["c2","c4"]}}]}}]}})");

    const auto now = std::chrono::system_clock::now();
    std::size_t sink = 0;

    const double parse_us =
        per_round_us(rounds * 10, [&] { sink += query::parse(&pending_q).is_match_all() ? 1 : 0; });

    std::vector<const doc*> hits;
    const double pending_us = per_round_us(rounds, [&] {
        query q = query::parse(&pending_q);
        sort_spec s = sort_spec::parse(&sort_q);
        hits.clear();
        for (const auto& d : jobs) {
            if (q.matches(d.id, d.source, now)) {
                hits.push_back(&d);
            }
        }
        std::stable_sort(hits.begin(), hits.end(), [&](const doc* a, const doc* b) {
            return s.compare(a->source, a->id, b->source, b->id) < 0;
        });
        sink += hits.size();
    });
    const std::size_t pending_hits = hits.size();

    const double sort_all_us = per_round_us(std::max(1, rounds / 10), [&] {
        sort_spec s = sort_spec::parse(&sort_q);
        std::vector<const doc*> all;
        for (const auto& d : jobs) {
            all.push_back(&d);
        }
        std::stable_sort(all.begin(), all.end(), [&](const doc* a, const doc* b) {
            return s.compare(a->source, a->id, b->source, b->id) < 0;
        });
        sink += all.size();
    });

    std::size_t idle_hits = 0;
    const double idle_us = per_round_us(rounds, [&] {
        query q = query::parse(&idle_q);
        idle_hits = 0;
        for (const auto& d : jobs) {
            idle_hits += q.matches(d.id, d.source, now) ? 1 : 0;
        }
        sink += idle_hits;
    });

    std::size_t discovered = 0;
    const double discovery_us = per_round_us(rounds, [&] {
        query q = query::parse(&discovery_q);
        discovered = 0;
        for (const auto& d : connectors) {
            discovered += q.matches(d.id, d.source, now) ? 1 : 0;
        }
        sink += discovered;
    });

    std::printf("documents: %d jobs, %zu connectors; rounds: %d; thread CPU time per round\n", n,
                connectors.size(), rounds);
    std::printf("parse pending-jobs query:                 %8.2f us\n", parse_us);
    std::printf("pending-jobs query + created_at sort:     %8.1f us (%zu hits)\n", pending_us,
                pending_hits);
    std::printf("sort all jobs by created_at:              %8.1f us\n", sort_all_us);
    std::printf("idle-jobs cleanup query (now-300s):       %8.1f us (%zu hits)\n", idle_us,
                idle_hits);
    std::printf("connector discovery query (200 docs):     %8.1f us (%zu hits)\n", discovery_us,
                discovered);
    return sink == 0 ? 1 : 0;
}
