// Extraction in process: a file's text, or why there is none in a user's words. The source's
// warning names the file ("File <id> (<title>) is indexed without content: <failure>"), so the
// failure says the format it was read as and the reason, without the name again.
#include <catch2/catch.hpp>

#include <casio/sync/local_extraction.hpp>

#include "support/extract_samples.hpp"
#include "support/run.hpp"

using casio::sync::extraction_settings;
using casio::sync::local_extractor;
using casio::sync::spooled_file;

namespace {

casio::sync::text_extractor::result extract(std::string_view bytes, std::string_view name) {
    extraction_settings s;
    s.workers = 1;
    local_extractor x(s);
    spooled_file file;
    file.write(bytes);
    file.flush();
    return casio::test::run(x.extract(file.path(), name));
}

}  // namespace

TEST_CASE("local extraction: a file's text, or the format and the reason it has none",
          "[sync][extraction]") {
    auto r = extract("quarterly report\n", "notes.txt");
    CHECK(r.text == "quarterly report\n");
    CHECK(r.failure.empty());

    r = extract(casio::test::samples::make_pdf({{"secret words"}}, /*encrypt=*/true),
                "Contract 2024.pdf");
    CHECK_FALSE(r.text);
    CHECK(r.failure == "the pdf file cannot be read: encrypted PDF (password required)");

    r = extract("PK\x03\x04 a zip cut short before its central directory", "Budget.xlsx");
    CHECK_FALSE(r.text);
    CHECK(r.failure ==
          "the xlsx file cannot be read: not a valid xlsx (zip) file (corrupt or "
          "truncated): Not a zip archive");

    r = extract("\x89PNG\r\n", "photo.png");
    CHECK_FALSE(r.text);
    CHECK(r.failure == "no text extraction for this type of file");
}
