#pragma once
// XML text extraction: a scanner of our own for UTF-8 documents without a DOCTYPE (nearly all
// of them), libxml2 for the rest. The seams below let the unit tests feed either path from a
// chunk reader cut at random places and compare the two.

#include "detail.hpp"
#include "sax.hpp"

namespace casio::extract::detail {

// The text of the XML that `read` returns, through the scanner: false (and nothing appended to
// `out`) when the document needs libxml2: another encoding than UTF-8, a DOCTYPE, an unusual
// XML declaration. Not well-formed XML throws extract_error "<name>: malformed XML: line N: …".
bool scan_xml(context& ctx, const chunk_reader& read, sink& out);

// The same text through libxml2.
void parse_xml_text(context& ctx, const chunk_reader& read, sink& out);

}  // namespace casio::extract::detail
