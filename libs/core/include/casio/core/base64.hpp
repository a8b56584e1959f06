#pragma once
// Base64 (RFC 4648) for credentials and small payloads held in memory. File contents are
// encoded as they stream (casio::salesforce::base64_encoder).

#include <optional>
#include <string>
#include <string_view>

namespace casio::core {

// Standard alphabet, '=' padding, no line breaks.
std::string base64_encode(std::string_view data);

// Accepts the standard and the URL-safe alphabet, with or without padding; whitespace is
// skipped. nullopt when another character appears.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace casio::core
