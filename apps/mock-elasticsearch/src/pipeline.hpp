#pragma once
// Emulation of the managed `search-default-ingestion` pipeline (protocol.md §4.9), applied when a
// write names an existing pipeline: `_attachment` (base64) becomes `body` when its content is
// text, `_reduce_whitespace` collapses whitespace in `body`, and the pipeline's control fields
// are removed.

#include <string>

namespace casio::mock_es {

// Returns the source unchanged (no parse) when it has none of the control fields.
std::string apply_ingest_emulation(std::string source);

}  // namespace casio::mock_es
