// Fuzz target: any bytes as any format (the first byte picks it). Extraction either gives valid
// UTF-8 within the output cap or throws extract_error; nothing else may escape, nothing may crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <casio/extract/extract.hpp>

namespace {

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int len = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
        if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
            return false;
        }
        for (int k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += static_cast<std::size_t>(len);
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using casio::extract::format;
    if (size == 0) {
        return 0;
    }
    const auto f = static_cast<format>(data[0] % static_cast<int>(format::unknown));
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    casio::extract::limits l;
    l.max_output_chars = 1 << 16;
    l.max_unpacked_bytes = 1 << 24;
    l.max_time = std::chrono::seconds(5);
    try {
        const auto r = casio::extract::extract_bytes(bytes, f, l, "fuzz");
        if (r.text.size() > l.max_output_chars || !valid_utf8(r.text)) {
            __builtin_trap();
        }
    } catch (const casio::extract::extract_error&) {
    }
    return 0;
}
