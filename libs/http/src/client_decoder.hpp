#pragma once
// Streaming Content-Encoding decoder (identity, gzip, deflate) on zlib. Private to the client.
// Output is handed out in bounded pieces so a small compressed input can never force a large
// allocation (zip bombs are refused by the caller counting the decoded bytes).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <zlib.h>

namespace casio::http::detail {

enum class content_coding { identity, gzip, deflate };

// Returns the coding for a Content-Encoding value, or nullopt-like `unsupported` = false.
bool parse_content_coding(std::string_view value, content_coding& out) noexcept;

class body_decoder {
  public:
    explicit body_decoder(content_coding coding, std::size_t out_chunk = std::size_t{64} * 1024);
    ~body_decoder();
    body_decoder(const body_decoder&) = delete;
    body_decoder& operator=(const body_decoder&) = delete;

    content_coding coding() const noexcept { return coding_; }

    // Hands in the next piece of the encoded body; must be drained with next() before the
    // next call. `data` must stay valid until next() returns an empty view.
    void input(std::string_view data);

    // Next piece of decoded output (at most out_chunk bytes), empty when the input is drained.
    // Throws std::runtime_error on corrupt data.
    std::string_view next();

    // Called at the end of the body: throws std::runtime_error when the compressed stream
    // stopped before its end.
    void finish() const;

  private:
    void reset_stream(int window_bits);

    content_coding coding_;
    std::size_t out_chunk_;
    std::string out_;
    std::string_view pending_;  // identity input not yet handed out
    z_stream zs_{};
    bool zs_active_ = false;
    bool started_ = false;       // any compressed byte consumed by the current stream
    bool stream_end_ = false;    // the last compressed member reached its end
    bool raw_fallback_ = false;  // deflate without zlib header already tried
};

}  // namespace casio::http::detail
