// mock-salesforce --damaged-files: the damaged bodies are what they claim (a prefix of a valid
// file, an OLE container with an encrypted package, a zip that inflates past 1 GiB, ...), each
// is refused by libs/extract for its own reason, and the org serves them as files linked like
// the others.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <zlib.h>

#include <casio/extract/extract.hpp>

#include "file_body.hpp"
#include "file_bytes.hpp"
#include "helpers.hpp"

using casio::mock_sf::damage;
using casio::mock_sf::damaged_file;
using casio::mock_sf::damaged_files;
using casio::mock_sf::file_body;
using casio::mock_sf::org;
using casio::mock_sf::org_options;
using casio::mock_sf::test::records;
using casio::mock_sf::test::str;
using casio::mock_sf::test::u32;
using casio::mock_sf::test::whole;

namespace {

std::string utf16(std::string_view ascii) {
    std::string out;
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

// What libs/extract says about the file, or "" when it reads it.
std::string refusal(const damaged_file& f, const std::string& bytes) {
    casio::extract::limits l;
    l.max_unpacked_bytes = std::uint64_t{64} << 20;  // the bomb is refused as at 1 GiB, sooner
    try {
        casio::extract::extract_bytes(bytes, casio::extract::format_of(f.extension), l, "x");
    } catch (const casio::extract::extract_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("each damaged file is refused by the extractor for its own reason",
          "[mock_sf][files][damaged]") {
    const std::map<damage, std::string> reasons = {
        {damage::corrupt_pdf, "x: not a valid PDF file (corrupt or truncated)"},
        {damage::corrupt_docx, "x: malformed word/document.xml"},
        {damage::truncated_pdf, "x: not a valid PDF file (corrupt or truncated)"},
        {damage::truncated_xlsx, "x: not a valid xlsx (zip) file"},
        {damage::encrypted_pdf, "x: encrypted PDF (password required)"},
        {damage::encrypted_docx, "x: encrypted or legacy Office file (OLE compound document)"},
        {damage::zip_bomb_docx, "x: zip bomb?: more than 67108864 bytes unpacked"},
    };
    for (const auto& f : damaged_files) {
        INFO(f.title);
        const file_body body(f.which, 7);
        const std::string bytes = whole(body);
        CHECK(bytes.size() == body.size());
        CHECK(bytes == whole(file_body(f.which, 7)));  // deterministic
        CHECK_FALSE(body.well_formed());
        CHECK(body.text().empty());
        CHECK_THAT(refusal(f, bytes), Catch::StartsWith(reasons.at(f.which)));
    }
}

TEST_CASE("damaged files are real files damaged: flipped, cut, encrypted, a zip bomb",
          "[mock_sf][files][damaged]") {
    const std::uint64_t salt = 11;
    auto bytes_of = [&](damage d) { return whole(file_body(d, salt)); };

    SECTION("corrupt: a valid file with bytes flipped") {
        const std::string pdf = whole(file_body("pdf", 12000, salt, ""));
        std::string flipped = bytes_of(damage::corrupt_pdf);
        REQUIRE(flipped.size() == pdf.size());
        CHECK(flipped.substr(0, 15) == pdf.substr(0, 15));  // still says %PDF-1.4
        for (std::size_t i = 15; i < flipped.size(); ++i) {
            flipped[i] = static_cast<char>(~static_cast<unsigned char>(flipped[i]));
        }
        CHECK(flipped == pdf);
        const std::string docx = whole(file_body("docx", 16384, salt, ""));
        const std::string memo = bytes_of(damage::corrupt_docx);
        REQUIRE(memo.size() == docx.size());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < docx.size(); ++i) {
            differ += memo[i] != docx[i] ? 1 : 0;
        }
        CHECK(differ == 64);
        CHECK(memo.substr(docx.size() - 200) == docx.substr(docx.size() - 200));  // its directory
    }
    SECTION("truncated: the first half of a valid file") {
        const std::string pdf = whole(file_body("pdf", 24000, salt, ""));
        CHECK(bytes_of(damage::truncated_pdf) == pdf.substr(0, 12000));
        CHECK(pdf.substr(0, 12000).find("trailer") == std::string::npos);
        const std::string xlsx = whole(file_body("xlsx", 16384, salt, ""));
        CHECK(bytes_of(damage::truncated_xlsx) == xlsx.substr(0, 8192));
        CHECK(xlsx.substr(0, 8192).find("PK\x05\x06") == std::string::npos);  // no directory
    }
    SECTION("encrypted PDF: a Standard security handler") {
        const std::string pdf = bytes_of(damage::encrypted_pdf);
        CHECK(pdf.starts_with("%PDF-1.4"));
        CHECK(pdf.find("/Filter /Standard /V 2 /R 3") != std::string::npos);
        CHECK(pdf.find("/Encrypt 6 0 R") != std::string::npos);
        CHECK(pdf.ends_with("%%EOF\n"));
    }
    SECTION("encrypted docx: an OLE compound file holding an encrypted package") {
        const std::string cfb = bytes_of(damage::encrypted_docx);
        CHECK(cfb.starts_with(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)));
        CHECK(cfb.size() % 512 == 0);
        const std::size_t directory = 512 * (1 + u32(cfb, 48));  // its first directory sector
        CHECK(cfb.compare(directory, 20, utf16("Root Entry")) == 0);
        CHECK(cfb.compare(directory + 128, 28, utf16("EncryptionInfo")) == 0);
        CHECK(cfb.compare(directory + 256, 32, utf16("EncryptedPackage")) == 0);
        CHECK(cfb.find("<encryption xmlns=") != std::string::npos);  // the agile descriptor
    }
    SECTION("zip bomb: about 1 MB that inflates to more than 1 GiB") {
        const std::string zip = bytes_of(damage::zip_bomb_docx);
        CHECK(zip.size() < 2'000'000);
        const std::string name = "word/document.xml";
        CHECK(zip.starts_with("PK\x03\x04"));
        std::size_t at = 0;  // the main part's local header
        while (at != std::string::npos && zip.compare(at + 30, name.size(), name) != 0) {
            at = zip.find("PK\x03\x04", at + 4);
        }
        REQUIRE(at != std::string::npos);
        CHECK(u32(zip, at + 8) == 8);  // deflated
        const std::uint32_t packed = u32(zip, at + 18);
        const std::uint64_t declared = u32(zip, at + 22);
        CHECK(declared > (std::uint64_t{1} << 30));
        // Inflates to exactly what it declares, with its CRC: a well-formed zip, only huge.
        z_stream z{};
        REQUIRE(inflateInit2(&z, -15) == Z_OK);
        std::string buf(1 << 20, '\0');
        std::uint64_t inflated = 0;
        uLong crc = crc32(0, nullptr, 0);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + at + 30 + name.size()));
        z.avail_in = packed;
        int rc = Z_OK;
        std::string first;
        while (rc == Z_OK) {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = static_cast<uInt>(buf.size());
            rc = inflate(&z, Z_NO_FLUSH);
            const std::size_t got = buf.size() - z.avail_out;
            if (first.empty()) {
                first = buf.substr(0, got);
            }
            crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), static_cast<uInt>(got));
            inflated += got;
        }
        inflateEnd(&z);
        CHECK(rc == Z_STREAM_END);
        CHECK(inflated == declared);
        CHECK(crc == u32(zip, at + 14));
        CHECK_THAT(first, Catch::Contains("<w:document"));
    }
}

TEST_CASE("with damaged_files the org adds one file of each damage, linked like the others",
          "[mock_sf][files][damaged]") {
    const org plain(org_options{3, 30});
    const org o(org_options{3, 30, true});
    const auto generated = records(plain, "SELECT Id FROM ContentDocument").size();
    const auto docs = records(o,
                              "SELECT Id, Title, FileExtension, ContentSize FROM ContentVersion "
                              "ORDER BY Id");
    REQUIRE(docs.size() == generated + damaged_files.size());
    for (std::size_t i = 0; i < damaged_files.size(); ++i) {
        const auto& v = docs.at(generated + i);
        INFO(str(v.at("Title")));
        CHECK(str(v.at("Title")) == damaged_files[i].title);
        CHECK(str(v.at("FileExtension")) == damaged_files[i].extension);
        const auto f = o.file(str(v.at("Id")));
        REQUIRE(f);
        CHECK(f->size == static_cast<std::uint64_t>(v.at("ContentSize").as_int64()));
        CHECK_FALSE(f->body->well_formed());
    }
    // Each linked once, from the first Account, Opportunity, Contact, Lead, Campaign and Case
    // in turn (the zip bomb, the 7th, from the first Account again).
    const char* linkers[] = {"Account", "Opportunity", "Contact", "Lead", "Campaign", "Case"};
    for (std::size_t i = 0; i < damaged_files.size(); ++i) {
        const std::string doc = str(records(o,
                                            "SELECT ContentDocumentId FROM ContentVersion "
                                            "WHERE Title = '" +
                                                std::string(damaged_files[i].title) + "'")
                                        .at(0)
                                        .at("ContentDocumentId"));
        const auto links = records(
            o, "SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '" + doc +
                   "'");
        REQUIRE(links.size() == 1);
        const auto first = records(o, std::string("SELECT Id, (SELECT ContentDocumentId FROM "
                                                  "ContentDocumentLinks) FROM ") +
                                          linkers[i % 6] + " ORDER BY Id LIMIT 1");
        CHECK(str(links.at(0).at("LinkedEntityId")) == str(first.at(0).at("Id")));
        bool listed = false;
        for (const auto& l : first.at(0).at("ContentDocumentLinks").at("records").as_array()) {
            listed |= str(l.at("ContentDocumentId")) == doc;
        }
        CHECK(listed);
    }
    // The generated files are untouched.
    const auto before = records(
        plain, "SELECT Id, Title, FileExtension, ContentSize FROM ContentVersion ORDER BY Id");
    for (std::size_t i = 0; i < generated; ++i) {
        CHECK(before.at(i) == docs.at(i));
    }
}
