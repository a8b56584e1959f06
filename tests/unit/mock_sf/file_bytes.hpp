#pragma once
// Reading generated files whole and their little-endian fields (zip headers), for the tests of
// mock-salesforce's file bodies.
#include <cstdint>
#include <string>

#include "file_body.hpp"

namespace casio::mock_sf::test {

inline std::string whole(const file_body& b) {
    std::string out;
    b.read(0, b.size(), out);
    return out;
}

inline std::uint32_t u32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(s.at(at + static_cast<std::size_t>(i)));
    }
    return v;
}

inline std::uint16_t u16(const std::string& s, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s.at(at)) |
                                      (static_cast<unsigned char>(s.at(at + 1)) << 8));
}

}  // namespace casio::mock_sf::test
