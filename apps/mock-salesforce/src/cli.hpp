#pragma once
// Command line of mock-salesforce:
//   mock-salesforce --port 0 --seed S --records N [--fixture FILE] --client-id ID
//                   --client-secret SECRET [--host 127.0.0.1] [faults...]
// Faults: --token-expires-after N, --request-limit N, --error-rate P (0..1), --fault-seed S,
//         --latency-ms N, --download-chunk-delay-ms N, --truncate-downloads-at BYTES,
//         --bandwidth-mbps N (fractional; 0 = unlimited), --max-in-flight N (0 = unlimited).
// Answers: --json-style compact|pretty|escaped|pretty-escaped, --locators any|sequential.
// Files: --damaged-files (one unreadable file of each damaged_files kind, file_body.hpp),
//        --file-kinds LIST, --file-media-share P (org_options).
// Every flag also accepts --flag=value.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "service.hpp"

namespace casio::mock_sf {

struct cli_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::uint64_t seed = 1;
    std::size_t records = 100;
    std::optional<std::string> fixture;
    bool damaged_files = false;
    std::vector<std::string> file_kinds;  // --file-kinds (org_options)
    double file_media_share = 0;          // --file-media-share
    service_options service;
    bool help = false;
};

// A bad command line; the message names the flag (the process exits with status 2).
struct cli_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

cli_options parse_cli(const std::vector<std::string>& args);
const char* cli_usage() noexcept;

}  // namespace casio::mock_sf
