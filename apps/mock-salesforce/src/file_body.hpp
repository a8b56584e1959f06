#pragma once
// The bytes of a generated ContentVersion: a real document of its kind (PDF, DOCX, XLSX, PPTX,
// RTF, HTML, XML, JSON, CSV, Markdown, text) of exactly its ContentSize, with known text, so an
// extractor's output can be checked word for word. Any byte is computed from its offset: a
// 10 MiB file is streamed in chunks without being held whole.
//
// Every kind is a frame (a head and a tail, plus for OOXML kinds the zip around the main part)
// around fixed-width units: lines of text, or for PDF whole pages of lines. The text is the
// units' text in order. A size too small for the kind's frame gives the plain lines alone (an
// unreadable document, as a truncated upload is).

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace casio::mock_sf {

// Files no extractor can read, each for its own reason (mock-salesforce --damaged-files adds
// one of each to a generated org). Real files of their kind damaged as files are in the wild.
enum class damage {
    corrupt_pdf,     // a PDF whose every byte after its 15-byte header is flipped (XOR 0xFF)
    corrupt_docx,    // a docx whose word/document.xml has 64 bytes flipped mid-way
    truncated_pdf,   // a valid PDF cut at half its size (no cross-reference table, no trailer)
    truncated_xlsx,  // a valid xlsx cut at half its size (no central directory)
    encrypted_pdf,   // Standard security handler (RC4 128-bit) with a user password
    encrypted_docx,  // an OLE compound file with EncryptionInfo and EncryptedPackage streams,
                     // as Office writes a password-protected docx
    zip_bomb_docx,   // word/document.xml deflated: ~1 MB that inflates to 1 GiB + 16 MiB
};

struct damaged_file {
    damage which;
    const char* title;      // the ContentDocument's Title
    const char* extension;  // FileExtension
    const char* reason;     // in words: "corrupt", "truncated", "encrypted", "zip bomb"
};

inline constexpr std::array damaged_files = {
    damaged_file{damage::corrupt_pdf, "Corrupt scan", "pdf", "corrupt"},
    damaged_file{damage::corrupt_docx, "Corrupt memo", "docx", "corrupt"},
    damaged_file{damage::truncated_pdf, "Truncated report", "pdf", "truncated"},
    damaged_file{damage::truncated_xlsx, "Truncated budget", "xlsx", "truncated"},
    damaged_file{damage::encrypted_pdf, "Encrypted contract", "pdf", "encrypted"},
    damaged_file{damage::encrypted_docx, "Encrypted proposal", "docx", "encrypted"},
    damaged_file{damage::zip_bomb_docx, "Zip bomb", "docx", "zip bomb"},
};

// The words of generated text: file lines, titles, descriptions.
inline constexpr std::array mock_words = {
    "quarterly", "renewal", "issue",  "customer", "shipment", "invoice",
    "contract",  "update",  "urgent", "review",   "pricing",  "meeting",
    "delivery",  "support", "login",  "report",   "widget",   "request"};

class file_body {
  public:
    // `extension` lower case, without dot; `salt` picks the words; `version_id` is named in
    // the lines of plain-text kinds. `media_share` (0 to 0.95) of a PDF's or an OOXML
    // document's bytes are images, as in documents from the wild: an image on every PDF page,
    // a picture part in the zip. Extractors skip them; the text is the rest.
    file_body(std::string_view extension, std::uint64_t size, std::uint64_t salt,
              std::string version_id, double media_share = 0);
    // A damaged file (whole in memory; the zip bomb's bytes are built once per process).
    // Never well-formed, no text.
    file_body(damage which, std::uint64_t salt);
    // Its layers' unit functions point back at it: never copied or moved.
    file_body(const file_body&) = delete;
    file_body& operator=(const file_body&) = delete;

    std::uint64_t size() const noexcept { return size_; }
    // Appends bytes [offset, offset + length) to `out` (clamped to the size).
    void read(std::uint64_t offset, std::size_t length, std::string& out) const;
    // The text an extractor finds: the text of each line, one line each, in order (for text
    // kinds, the bytes themselves). Empty for binary kinds (png, bin) and for a document too
    // small to hold its frame.
    std::string text() const;
    // Whether the bytes are a well-formed document of the kind (false: too small for its frame,
    // or a kind that holds no text).
    bool well_formed() const noexcept { return well_formed_; }

  private:
    // head + `units` units of `width` bytes + `pad` bytes + tail. With `cut_last`, the pad is
    // the start of one more unit (a line cut short, as the plain kinds always were); else
    // spaces.
    struct layer {
        std::string head;
        std::string tail;
        std::uint64_t units = 0;
        std::uint64_t width = 1;
        std::uint64_t pad = 0;
        bool cut_last = false;
        std::function<void(std::uint64_t, std::string&)> unit;  // appends exactly `width` bytes
        std::uint64_t size() const { return head.size() + units * width + pad + tail.size(); }
        void read(std::uint64_t offset, std::uint64_t end, std::string& out) const;
        // Sizes `units` and `pad` so that the layer is `total` bytes; false when the frame
        // alone is larger.
        bool fit(std::uint64_t total);
    };

    void plain_lines(std::string_view head, std::string_view tail, bool keep_frame);
    void pdf();
    void ooxml();
    void rtf();
    std::string line_text(std::uint64_t n) const;

    std::string extension_;
    std::uint64_t size_;
    std::uint64_t salt_;
    std::string version_id_;
    bool well_formed_ = false;
    bool text_is_bytes_ = false;  // plain kinds: the text is the content itself
    std::uint64_t lines_per_unit_ = 1;
    std::string prefix_;  // before the layer (OOXML: the zip's other parts, the main part's header)
    layer inner_;
    // After the layer: an OOXML picture part (its local header, then `media_size_` bytes that
    // look like compressed image data).
    std::string media_head_;
    std::uint64_t media_size_ = 0;
    double media_share_ = 0;
    std::string suffix_;  // at the end (OOXML: the central directory)
};

}  // namespace casio::mock_sf
