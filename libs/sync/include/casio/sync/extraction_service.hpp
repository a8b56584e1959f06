#pragma once
// Elastic's data extraction service as a text extractor, speaking the API the Python service
// uses: PUT <host>/extract_text/ with the file's bytes (application/octet-stream), or with
// use_file_pointers PUT <host>/extract_text/?local_file_path=<path> for a file on a volume both
// share; the answer is {"extracted_text": "..."} or {"error": "...", "message": "..."}.
// Configured by config.yml's `extraction_service:` section, as for the Python service.

#include <cstddef>
#include <optional>
#include <string>

#include <casio/core/config_table.hpp>
#include <casio/http/transport.hpp>
#include <casio/sync/extraction.hpp>

namespace casio::sync {

struct extraction_service_settings {
    std::optional<std::string> host;                      // http(s)://host:port; none: no service
    core::seconds_ms timeout = std::chrono::seconds(30);  // one file, sent and answered
    bool use_file_pointers = false;
    std::string shared_volume_dir = "/app/files";  // where files are spooled for it
    std::size_t stream_chunk_size = 65536;         // pieces the file is sent in

    bool operator==(const extraction_service_settings&) const = default;
};

// host, timeout, use_file_pointers, shared_volume_dir, stream_chunk_size.
const core::config_table<extraction_service_settings>& extraction_service_table();

class extraction_service_client final : public text_extractor {
  public:
    // `t` must outlive the client. `s.host` must be set.
    extraction_service_client(http::transport& t, extraction_service_settings s);

    boost::asio::awaitable<result> extract(const std::filesystem::path& path,
                                           std::string_view name) override;
    std::filesystem::path spool_dir() const override;
    bool lifts_size_cap() const override { return true; }
    std::string describe() const override;

  private:
    http::transport& transport_;
    extraction_service_settings settings_;
};

}  // namespace casio::sync
