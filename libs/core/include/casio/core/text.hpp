#pragma once
// Small text helpers every layer needs, written once: ASCII case-insensitive comparison and
// lower-casing (protocol keywords, header names, SOQL), numbers and fixed-width digit runs
// (dates), and URL percent-encoding, control characters escaped.

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace casio::core {

// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b) noexcept;

// ASCII letters lower-cased; every other byte (UTF-8 included) unchanged.
std::string to_lower(std::string_view s);

// `s` as a number of type T (integer or floating point) when the whole of it is one, in
// std::from_chars's syntax (no sign for unsigned types, no leading '+' or spaces); nullopt when
// it is empty, has anything else, or is out of T's range.
template <class T>
std::optional<T> parse_number(std::string_view s) noexcept {
    T value{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

// The `n` decimal digits of `s` at `pos` as a number; false when any is missing or not a digit.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept;

// Every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~) as %XX (upper-case hex).
std::string percent_encode(std::string_view s);
// The size percent_encode(s) has, without writing it.
std::size_t percent_encoded_size(std::string_view s) noexcept;

// %XX decoded (a '%' without two hex digits after it is kept as it is, as most servers do);
// with `plus_is_space`, '+' is a space (form encoding, query strings).
std::string percent_decode(std::string_view s, bool plus_is_space);

// Line breaks, tabs and the other control characters (DEL included) written as \n, \r, \t or
// \xNN, every other byte unchanged: text from a file or a peer shown on one line of a message.
std::string escape_control(std::string_view s);

}  // namespace casio::core
