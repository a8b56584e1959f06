#pragma once
// zlib compression for tests that send or serve compressed bodies.

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <zlib.h>

namespace casio::test {

// `data` compressed with a gzip (window_bits 31), zlib (15) or raw deflate (-15) wrapper.
inline std::string compress(std::string_view data, int window_bits) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY) ==
            Z_OK);
    std::string out(deflateBound(&zs, data.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace casio::test
