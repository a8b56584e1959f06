#pragma once
// Text extraction in process: libs/extract on a small pool of worker threads, so the
// io_context keeps downloading and indexing while files are parsed. Configured by config.yml's
// `extraction:` section (this service's own; the Python service has none).

#include <cstddef>
#include <memory>

#include <casio/core/config_table.hpp>
#include <casio/core/worker_pool.hpp>
#include <casio/extract/extract.hpp>
#include <casio/sync/extraction.hpp>

namespace casio::sync {

enum class extraction_mode {
    attachment,  // base64 `_attachment` for Elasticsearch's ingest pipeline (the reference's)
    local,       // text extracted here and sent as `body`
};

struct extraction_settings {
    extraction_mode mode = extraction_mode::attachment;
    std::size_t workers = 0;                              // threads parsing files; 0: one a core
    core::seconds_ms timeout = std::chrono::seconds(60);  // parsing one file
    std::size_t max_text_size = std::size_t{10} * 1000 * 1000;  // bytes of text kept a file

    bool operator==(const extraction_settings&) const = default;
};

// mode, workers, timeout, max_text_size.
const core::config_table<extraction_settings>& extraction_table();

class local_extractor final : public text_extractor {
  public:
    explicit local_extractor(const extraction_settings& s);

    boost::asio::awaitable<result> extract(const std::filesystem::path& path,
                                           std::string_view name) override;
    std::string describe() const override;

  private:
    extract::limits limits_;
    core::worker_pool pool_;
};

}  // namespace casio::sync
