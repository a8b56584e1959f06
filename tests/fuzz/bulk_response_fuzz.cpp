// Fuzz target: the answer to a _bulk request. Anything Elasticsearch (or a proxy in front of
// it) sends is either read or refused with a casio::core::error naming the problem.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <casio/core/error.hpp>
#include <casio/es/bulk.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto r = casio::es::parse_bulk_response(text);
        for (const auto& item : r.items) {
            (void)item.succeeded();
        }
    } catch (const casio::core::error&) {
    }
    return 0;
}
