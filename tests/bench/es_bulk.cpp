// bench_es_bulk: cost of the ES client's bulk path without the network — NDJSON building from
// pre-serialised documents and parsing of the _bulk response — in documents per second.
//
//   build/release/tests/bench/bench_es_bulk [docs_per_request=250] [doc_bytes=1000] [rounds=400]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <casio/es/bulk.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t per_request = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 250;
    const std::size_t doc_bytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
    const std::size_t rounds = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 400;

    std::vector<std::string> ids;
    std::vector<std::string> docs;
    for (std::size_t i = 0; i < per_request; ++i) {
        ids.push_back("0015g00000" + std::to_string(100000 + i) + "AAA");
        std::string d = "{\"id\":\"" + ids.back() + "\",\"body\":\"";
        d.append(doc_bytes > d.size() + 2 ? doc_bytes - d.size() - 2 : 0, 'x');
        d += "\"}";
        docs.push_back(std::move(d));
    }
    std::string response = "{\"took\":30,\"errors\":false,\"items\":[";
    for (std::size_t i = 0; i < per_request; ++i) {
        if (i) {
            response += ',';
        }
        response += "{\"index\":{\"_index\":\"search-sf\",\"_id\":\"" + ids[i] +
                    "\",\"_version\":1,\"result\":\"created\",\"_shards\":{\"total\":2,"
                    "\"successful\":1,\"failed\":0},\"_seq_no\":" +
                    std::to_string(i) + ",\"_primary_term\":1,\"status\":201}}";
    }
    response += "]}";

    casio::es::bulk_builder b;
    std::size_t bytes = 0;
    auto t0 = clock_type::now();
    for (std::size_t r = 0; r < rounds; ++r) {
        b.clear();
        for (std::size_t i = 0; i < per_request; ++i) {
            b.add_index("search-sf", ids[i], docs[i]);
        }
        bytes += b.bytes();
    }
    double build_s = seconds_since(t0);

    std::size_t ok = 0;
    t0 = clock_type::now();
    for (std::size_t r = 0; r < rounds; ++r) {
        auto parsed = casio::es::parse_bulk_response(response);
        ok += parsed.items.size();
    }
    double parse_s = seconds_since(t0);

    const double docs_total = double(per_request * rounds);
    std::printf("build: %.0f docs/s, %.1f MB/s (%zu docs of %zu bytes per request)\n",
                docs_total / build_s, double(bytes) / build_s / 1e6, per_request, doc_bytes);
    std::printf("parse: %.0f items/s (%zu-item responses of %zu bytes), %zu ok\n",
                double(ok) / parse_s, per_request, response.size(), ok);
    return 0;
}
