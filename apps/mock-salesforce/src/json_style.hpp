#pragma once
// Other spellings of the same JSON. Real peers (proxies, sandboxes, pretty-printing gateways,
// Salesforce itself with `X-PrettyPrint: 1`) send valid JSON that differs from what the mock's
// generator writes; a client must read them all the same. The mock writes compact JSON on its
// fast path and, when asked, re-styles that text in one pass:
//   pretty          newlines, 4-space indentation, `": "` after keys, one member or element per
//                   line (empty `{}` and `[]` stay on one line)
//   escaped         in string values: every non-ASCII character as \uXXXX (UTF-16, surrogate
//                   pairs above U+FFFF), every `/` as `\/`, and some ASCII letters as \u00XX
//                   (chosen by a hash of their position: deterministic, irregular; hex digits in
//                   either case). Keys stay as they are except `/` -> `\/`.
//   pretty-escaped  both
//   spaced          one line, `", "` between members and elements and `": "` after keys (what
//                   Python's json.dumps writes by default, so any Python proxy in between)
// The result parses to exactly the same value as the input.

#include <optional>
#include <string>
#include <string_view>

namespace casio::mock_sf {

enum class json_style { compact, pretty, escaped, pretty_escaped, spaced };

// "compact", "pretty", "escaped", "pretty-escaped", "spaced"; nullopt otherwise.
std::optional<json_style> parse_json_style(std::string_view name);

// `json` (valid JSON, as the mock writes it) in `style`. Compact returns the text unchanged
// (whitespace already in the input is kept only in that case).
std::string restyle_json(std::string_view json, json_style style);

}  // namespace casio::mock_sf
