#include <cstdint>
#include <limits>

#include <casio/sync/local_extraction.hpp>

namespace casio::sync {

namespace read = core::config_read;
using core::field;

const core::config_table<extraction_settings>& extraction_table() {
    using s = extraction_settings;
    static const core::config_table<s> table{{
        field("mode", &s::mode,
              read::one_of<extraction_mode>{
                  {{"attachment", extraction_mode::attachment}, {"local", extraction_mode::local}},
                  "one of attachment, local"}),
        core::setter<s>("workers", read::integer{0, 256},
                        [](s& out, std::int64_t v) { out.workers = static_cast<std::size_t>(v); }),
        field("timeout", &s::timeout, read::seconds{true}),
        core::setter<s>(
            "max_text_size", read::integer{1, std::int64_t{1} << 30},
            [](s& out, std::int64_t v) { out.max_text_size = static_cast<std::size_t>(v); }),
    }};
    return table;
}

local_extractor::local_extractor(const extraction_settings& s) : pool_(s.workers) {
    // What is downloaded is bounded by service.max_file_download_size; a second, lower cap on
    // input here would silently drop the content of files a user allowed.
    limits_.max_input_bytes = std::numeric_limits<std::uint64_t>::max();
    limits_.max_output_chars = s.max_text_size;
    limits_.max_time = s.timeout;
}

std::string local_extractor::describe() const {
    return "extraction in process (" + std::to_string(pool_.threads()) + " workers)";
}

boost::asio::awaitable<text_extractor::result> local_extractor::extract(
    const std::filesystem::path& path, std::string_view name) {
    const auto f = extract::format_of(name);
    if (f == extract::format::unknown) {
        co_return result{std::nullopt, "'" + std::string(name) +
                                           "': no text extraction for "
                                           "this type of file"};
    }
    std::string file_name(name);
    // A named function object: GCC 12 destroys a temporary of a co_await expression twice.
    auto work = [path, f, file_name, l = limits_]() -> result {
        try {
            auto r = extract::extract_file(path, f, l, file_name);
            return result{std::move(r.text), {}};
        } catch (const core::error& e) {
            return result{std::nullopt, e.what()};
        } catch (const std::exception& e) {
            return result{std::nullopt, file_name + ": " + e.what()};
        }
    };
    auto outcome = co_await pool_.run(std::move(work));
    co_return outcome;
}

}  // namespace casio::sync
