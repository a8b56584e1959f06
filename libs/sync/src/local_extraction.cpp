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

namespace {

// An extract_error says "<name>: <reason>"; the caller names the file, so the reason alone.
std::string reason_of(std::string_view message, std::string_view name) {
    if (message.starts_with(name) && message.substr(name.size()).starts_with(": ")) {
        message.remove_prefix(name.size() + 2);
    }
    return std::string(message);
}

}  // namespace

boost::asio::awaitable<text_extractor::result> local_extractor::extract(
    const std::filesystem::path& path, std::string_view name) {
    const auto f = extract::format_of(name);
    if (f == extract::format::unknown) {
        co_return result{std::nullopt, "no text extraction for this type of file"};
    }
    std::string file_name(name);
    // A named function object: GCC 12 destroys a temporary of a co_await expression twice.
    auto work = [path, f, file_name, l = limits_]() -> result {
        const std::string cannot =
            "the " + std::string(extract::to_string(f)) + " file cannot be read: ";
        try {
            auto r = extract::extract_file(path, f, l, file_name);
            return result{std::move(r.text), {}};
        } catch (const core::error& e) {
            return result{std::nullopt, cannot + reason_of(e.what(), file_name)};
        } catch (const std::exception& e) {
            return result{std::nullopt, cannot + e.what()};
        }
    };
    auto outcome = co_await pool_.run(std::move(work));
    co_return outcome;
}

}  // namespace casio::sync
