#pragma once
// HTML text extraction from any chunk reader (the chunks may be of any size: the unit tests cut
// documents at random places to check that no token depends on where a chunk ends).

#include "detail.hpp"
#include "sax.hpp"

namespace casio::extract::detail {

// The text of the HTML that `read` returns, into `out` (extract_html reads its input this way).
void extract_html(context& ctx, const chunk_reader& read, sink& out);

}  // namespace casio::extract::detail
