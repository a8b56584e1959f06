#pragma once
// Checks that a text is one valid JSON document (RFC 8259, UTF-8) without building a tree:
// Boost.JSON's parser with a handler that keeps nothing.

#include <string_view>

#include <boost/system/error_code.hpp>

namespace casio::salesforce::detail {

// False, with `ec` set, when `text` is not valid JSON.
bool is_valid_json(std::string_view text, boost::system::error_code& ec);

}  // namespace casio::salesforce::detail
