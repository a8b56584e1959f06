#pragma once
// Emulation of the managed `search-default-ingestion` pipeline (protocol.md §4.9), applied when a
// write names an existing pipeline: `_attachment` (base64) becomes `body` when its content has
// text (libs/extract standing in for the attachment processor's Tika); a document that cannot
// be read (corrupt, truncated, encrypted, a zip bomb) gets no body and, as the pipeline's
// on_failure handler does, a message appended to `_ingestion_errors`: "Processor 'attachment'
// in pipeline '<pipeline>' failed with message '<reason>'". `_reduce_whitespace` collapses
// whitespace in `body`, and the pipeline's control fields are removed.

#include <string>
#include <string_view>

namespace casio::mock_es {

// Returns the source unchanged (no parse) when it has none of the control fields. `pipeline`
// is the pipeline's name, as named in _ingestion_errors.
std::string apply_ingest_emulation(std::string source, std::string_view pipeline);

}  // namespace casio::mock_es
