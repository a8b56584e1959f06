#include "file_body.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <vector>
#include <zlib.h>

#include <casio/core/base64.hpp>

namespace casio::mock_sf {

namespace {

constexpr std::uint64_t plain_width = 64;
constexpr std::uint64_t pdf_line_width = 48;
constexpr std::uint64_t pdf_lines_per_page = 20;
constexpr std::uint64_t markup_width = 96;

std::string format(const char* fmt, auto... args) {
    char buf[256];
    const int n = std::snprintf(buf, sizeof buf, fmt, args...);
    return std::string(buf, static_cast<std::size_t>(std::clamp(n, 0, 255)));
}

// `text` padded with spaces to `width - 1` bytes, then '\n' (cut if longer).
void append_fixed(std::string& out, std::string_view text, std::uint64_t width) {
    const auto keep = std::min<std::uint64_t>(text.size(), width - 1);
    out.append(text.substr(0, keep));
    out.append(width - 1 - keep, ' ');
    out.push_back('\n');
}

void put16(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

// A zip entry dated 1980-01-01, stored without compression unless `deflated`.
struct zip_entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint32_t size = 0;
    std::uint32_t offset = 0;  // of its local header
    bool deflated = false;
    std::uint32_t packed = 0;  // bytes in the zip when deflated
    std::uint32_t packed_size() const { return deflated ? packed : size; }
};

void local_header(std::string& out, const zip_entry& e) {
    put32(out, 0x04034b50);
    put16(out, 20);  // version needed: 2.0
    put16(out, 0);   // flags
    put16(out, e.deflated ? 8 : 0);
    put16(out, 0);  // time
    put16(out, 0x21);
    put32(out, e.crc);
    put32(out, e.packed_size());
    put32(out, e.size);
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, 0);
    out += e.name;
}

void central_header(std::string& out, const zip_entry& e) {
    put32(out, 0x02014b50);
    put16(out, 20);
    put16(out, 20);
    put16(out, 0);
    put16(out, e.deflated ? 8 : 0);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, e.crc);
    put32(out, e.packed_size());
    put32(out, e.size);
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, 0);  // extra
    put16(out, 0);  // comment
    put16(out, 0);  // disk
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, e.offset);
    out += e.name;
}

void end_of_directory(std::string& out, std::size_t entries, std::uint32_t size,
                      std::uint32_t offset) {
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<std::uint32_t>(entries));
    put16(out, static_cast<std::uint32_t>(entries));
    put32(out, size);
    put32(out, offset);
    put16(out, 0);
}

std::uint32_t crc_of(std::string_view bytes) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

constexpr std::string_view xml_decl = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                                      "\n";
constexpr std::string_view rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships";
constexpr std::string_view office_rel =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

std::string content_types(std::string_view overrides) {
    return std::string(xml_decl) +
           R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
           R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
           R"(<Default Extension="xml" ContentType="application/xml"/>)"
           R"(<Default Extension="jpeg" ContentType="image/jpeg"/>)" +
           std::string(overrides) + "</Types>\n";
}

// Relationships rId1, rId2, ... of the given types and targets.
std::string relationships(
    std::initializer_list<std::pair<std::string_view, std::string_view>> type_target) {
    std::string out =
        std::string(xml_decl) + R"(<Relationships xmlns=")" + std::string(rels_ns) + R"(">)";
    int id = 0;
    for (const auto& [type, target] : type_target) {
        out += R"(<Relationship Id="rId)" + std::to_string(++id) + R"(" Type=")" +
               std::string(office_rel) + "/" + std::string(type) + R"(" Target=")" +
               std::string(target) + R"("/>)";
    }
    return out + "</Relationships>\n";
}

std::string relationships(std::string_view type, std::string_view target) {
    return relationships({{type, target}});
}

struct ooxml_kind {
    std::vector<std::pair<std::string, std::string>> parts;  // the small parts, in order
    std::string main;                                        // the main part's name
    std::string head, line_open, line_close, tail;           // the main part around its lines
};

ooxml_kind ooxml_of(std::string_view ext) {
    constexpr std::string_view ct = "application/vnd.openxmlformats-officedocument.";
    ooxml_kind k;
    if (ext == "docx") {
        k.parts = {{"[Content_Types].xml",
                    content_types(R"(<Override PartName="/word/document.xml" ContentType=")" +
                                  std::string(ct) + R"(wordprocessingml.document.main+xml"/>)")},
                   {"_rels/.rels", relationships("officeDocument", "word/document.xml")}};
        k.main = "word/document.xml";
        k.head =
            std::string(xml_decl) +
            R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>)"
            "\n";
        k.line_open = "<w:p><w:r><w:t>";
        k.line_close = "</w:t></w:r></w:p>";
        k.tail = "</w:body></w:document>\n";
    } else if (ext == "xlsx") {
        k.parts = {
            {"[Content_Types].xml",
             content_types(R"(<Override PartName="/xl/workbook.xml" ContentType=")" +
                           std::string(ct) + R"(spreadsheetml.sheet.main+xml"/>)" +
                           R"(<Override PartName="/xl/worksheets/sheet1.xml" ContentType=")" +
                           std::string(ct) + R"(spreadsheetml.worksheet+xml"/>)")},
            {"_rels/.rels", relationships("officeDocument", "xl/workbook.xml")},
            {"xl/workbook.xml",
             std::string(xml_decl) +
                 R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r=")" +
                 std::string(office_rel) +
                 R"("><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>)"
                 "\n"},
            {"xl/_rels/workbook.xml.rels", relationships("worksheet", "worksheets/sheet1.xml")}};
        k.main = "xl/worksheets/sheet1.xml";
        k.head =
            std::string(xml_decl) +
            R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
            "\n";
        k.line_open = R"(<row><c t="inlineStr"><is><t>)";
        k.line_close = "</t></is></c></row>";
        k.tail = "</sheetData></worksheet>\n";
    } else {  // pptx
        // A slide master and a layout without text: PowerPoint and Apache POI (Tika, so a
        // cluster's attachment processor) refuse a slide without them.
        constexpr std::string_view ns =
            R"(xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" )"
            R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" )"
            R"(xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main")";
        constexpr std::string_view empty_tree =
            R"(<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>)"
            R"(</p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld>)";
        const std::string pml = std::string(ct) + "presentationml.";
        k.parts = {
            {"[Content_Types].xml",
             content_types(
                 R"(<Override PartName="/ppt/presentation.xml" ContentType=")" + pml +
                 R"(presentation.main+xml"/>)"
                 R"(<Override PartName="/ppt/slideMasters/slideMaster1.xml" ContentType=")" +
                 pml +
                 R"(slideMaster+xml"/>)"
                 R"(<Override PartName="/ppt/slideLayouts/slideLayout1.xml" ContentType=")" +
                 pml +
                 R"(slideLayout+xml"/>)"
                 R"(<Override PartName="/ppt/slides/slide1.xml" ContentType=")" +
                 pml + R"(slide+xml"/>)")},
            {"_rels/.rels", relationships("officeDocument", "ppt/presentation.xml")},
            {"ppt/presentation.xml",
             std::string(xml_decl) + "<p:presentation " + std::string(ns) + ">" +
                 R"(<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId2"/></p:sldMasterIdLst>)"
                 R"(<p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst>)"
                 R"(<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>)"
                 "</p:presentation>\n"},
            {"ppt/_rels/presentation.xml.rels",
             relationships({{"slide", "slides/slide1.xml"},
                            {"slideMaster", "slideMasters/slideMaster1.xml"}})},
            {"ppt/slideMasters/slideMaster1.xml",
             std::string(xml_decl) + "<p:sldMaster " + std::string(ns) + ">" +
                 std::string(empty_tree) +
                 R"(<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/>)"
                 "</p:sldLayoutIdLst></p:sldMaster>\n"},
            {"ppt/slideMasters/_rels/slideMaster1.xml.rels",
             relationships("slideLayout", "../slideLayouts/slideLayout1.xml")},
            {"ppt/slideLayouts/slideLayout1.xml", std::string(xml_decl) + "<p:sldLayout " +
                                                      std::string(ns) + ">" +
                                                      std::string(empty_tree) + "</p:sldLayout>\n"},
            {"ppt/slideLayouts/_rels/slideLayout1.xml.rels",
             relationships("slideMaster", "../slideMasters/slideMaster1.xml")},
            {"ppt/slides/_rels/slide1.xml.rels",
             relationships("slideLayout", "../slideLayouts/slideLayout1.xml")}};
        k.main = "ppt/slides/slide1.xml";
        k.head =
            std::string(xml_decl) +
            R"(<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" )"
            R"(xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>)"
            R"(<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>)"
            R"(<p:sp><p:nvSpPr><p:cNvPr id="2" name="Text"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>)"
            R"(<p:txBody><a:bodyPr/>)"
            "\n";
        k.line_open = "<a:p><a:r><a:t>";
        k.line_close = "</a:t></a:r></a:p>";
        k.tail = "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>\n";
    }
    return k;
}

// --- damaged files -------------------------------------------------------------------------

// Bytes that look random (an encrypted stream, a salt), the same for the same seed.
std::string noise(std::uint64_t seed, std::size_t n) {
    std::string out;
    out.reserve(n);
    std::uint64_t x = (seed * 0x9e3779b97f4a7c15ULL) | 1;
    while (out.size() < n) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_back(static_cast<char>(x >> 32));
    }
    return out;
}

// Bytes [offset, offset + n) of an endless stream that looks like compressed image data, the
// same for the same seed: computed from the offset, so any range is read without the rest.
void append_media(std::uint64_t seed, std::uint64_t offset, std::uint64_t n, std::string& out) {
    for (std::uint64_t i = offset; i < offset + n; ++i) {
        std::uint64_t x = (seed ^ (i >> 3)) + 0x9e3779b97f4a7c15ULL;  // splitmix64
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        x ^= x >> 31;
        out.push_back(static_cast<char>(x >> (8 * (i & 7))));
    }
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(digits[u >> 4]);
        out.push_back(digits[u & 15]);
    }
    return out;
}

// The whole bytes of a generated document of `extension` and `size`.
std::string whole(std::string_view extension, std::uint64_t size, std::uint64_t salt) {
    const file_body body(extension, size, salt, "");
    std::string out;
    body.read(0, static_cast<std::size_t>(size), out);
    return out;
}

// One page whose content stream is encrypted, behind a Standard security handler (revision 3,
// RC4 128-bit) whose /U entry no empty password matches: a reader must ask for the password.
std::string encrypted_pdf(std::uint64_t salt) {
    const std::string content = noise(salt, 480);
    const std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
        ">> >> /Contents 5 0 R >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
        "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <" + hex(noise(salt + 1, 32)) +
            "> /U <" + hex(noise(salt + 2, 32)) + "> >>",
    };
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const auto xref = pdf.size();
    pdf += format("xref\n0 %zu\n0000000000 65535 f \n", objects.size() + 1);
    for (const auto off : offsets) {
        pdf += format("%010zu 00000 n \n", off);
    }
    const std::string id = hex(noise(salt + 3, 16));
    pdf += format("trailer\n<< /Size %zu /Root 1 0 R /Encrypt %zu 0 R ", objects.size() + 1,
                  objects.size()) +
           "/ID [<" + id + "> <" + id + ">] >>\n" + format("startxref\n%zu\n%%%%EOF\n", xref);
    return pdf;
}

// A password-protected docx as Office writes it: an OLE compound file (CFB, version 3, 512-byte
// sectors) holding "EncryptionInfo" (agile encryption: version 4.4 and its XML descriptor, in
// the mini stream) and "EncryptedPackage" (the zip's size, then its AES-encrypted bytes). The
// "\x06DataSpaces" storage Office adds too is left out.
std::string encrypted_docx(std::uint64_t salt) {
    constexpr std::uint32_t sector = 512;
    constexpr std::uint32_t mini_sector = 64;
    constexpr std::uint32_t free_sector = 0xFFFFFFFF;
    constexpr std::uint32_t end_of_chain = 0xFFFFFFFE;
    constexpr std::uint32_t fat_sector = 0xFFFFFFFD;
    constexpr std::uint32_t no_stream = 0xFFFFFFFF;
    auto b64 = [&](std::uint64_t s, std::size_t n) { return core::base64_encode(noise(s, n)); };
    const std::string cipher = R"(saltSize="16" blockSize="16" keyBits="256" hashSize="64" )"
                               R"(cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" )"
                               R"(hashAlgorithm="SHA512")";
    std::string info;
    put16(info, 4);  // version 4.4: agile
    put16(info, 4);
    put32(info, 0x40);
    info += R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
            "\r\n"
            R"(<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" )"
            R"(xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">)"
            "<keyData " +
            cipher + R"( saltValue=")" + b64(salt + 10, 16) + R"("/>)" +
            R"(<dataIntegrity encryptedHmacKey=")" + b64(salt + 11, 64) +
            R"(" encryptedHmacValue=")" + b64(salt + 12, 64) + R"("/>)" +
            R"(<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/)"
            R"(keyEncryptor/password"><p:encryptedKey spinCount="100000" )" +
            cipher + R"( saltValue=")" + b64(salt + 13, 16) + R"(" encryptedVerifierHashInput=")" +
            b64(salt + 14, 16) + R"(" encryptedVerifierHashValue=")" + b64(salt + 15, 64) +
            R"(" encryptedKeyValue=")" + b64(salt + 16, 32) +
            R"("/></keyEncryptor></keyEncryptors></encryption>)";
    std::string package;
    put32(package, 8000);  // the size of the zip inside, then 8 KiB of ciphertext
    put32(package, 0);
    package += noise(salt + 20, 8192);

    const auto sectors_of = [](std::size_t bytes, std::uint32_t unit) {
        return static_cast<std::uint32_t>((bytes + unit - 1) / unit);
    };
    const std::uint32_t info_minis = sectors_of(info.size(), mini_sector);
    const std::uint32_t mini_stream_size = info_minis * mini_sector;
    // Sectors: 0 FAT, 1 directory, 2 mini FAT, then the mini stream, then the package.
    const std::uint32_t mini_stream_at = 3;
    const std::uint32_t mini_stream_sectors = sectors_of(mini_stream_size, sector);
    const std::uint32_t package_at = mini_stream_at + mini_stream_sectors;
    const std::uint32_t package_sectors = sectors_of(package.size(), sector);
    const std::uint32_t total = package_at + package_sectors;  // under 128: one FAT sector

    std::string out;
    out += std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    out.append(16, '\0');  // CLSID
    put16(out, 0x3E);      // minor version
    put16(out, 3);         // major version
    put16(out, 0xFFFE);    // little-endian
    put16(out, 9);         // 512-byte sectors
    put16(out, 6);         // 64-byte mini sectors
    out.append(6, '\0');
    put32(out, 0);  // directory sectors (version 3: 0)
    put32(out, 1);  // FAT sectors
    put32(out, 1);  // first directory sector
    put32(out, 0);  // transaction
    put32(out, 4096);
    put32(out, 2);  // first mini FAT sector
    put32(out, 1);  // mini FAT sectors
    put32(out, end_of_chain);
    put32(out, 0);  // DIFAT sectors
    put32(out, 0);  // the FAT is sector 0
    while (out.size() < sector) {
        put32(out, free_sector);
    }
    auto pad_sector = [&] { out.append((sector - out.size() % sector) % sector, '\0'); };
    auto chain = [](std::string& to, std::uint32_t first, std::uint32_t count) {
        for (std::uint32_t i = 0; i < count; ++i) {
            put32(to, i + 1 < count ? first + i + 1 : end_of_chain);
        }
    };
    // FAT
    put32(out, fat_sector);
    put32(out, end_of_chain);  // directory
    put32(out, end_of_chain);  // mini FAT
    chain(out, mini_stream_at, mini_stream_sectors);
    chain(out, package_at, package_sectors);
    for (std::uint32_t i = total; i < sector / 4; ++i) {
        put32(out, free_sector);
    }
    // Directory: root, EncryptionInfo, EncryptedPackage (the root's child; names compare by
    // length first, so EncryptionInfo is its left sibling), one unused entry.
    auto entry = [&](std::u16string_view name, int type, std::uint32_t left, std::uint32_t child,
                     std::uint32_t start, std::uint32_t size) {
        std::string e;
        for (char16_t c : name) {
            put16(e, c);
        }
        e.append(64 - e.size(), '\0');
        put16(e, name.empty() ? 0 : static_cast<std::uint32_t>(2 * (name.size() + 1)));
        e.push_back(static_cast<char>(type));
        e.push_back(static_cast<char>(type == 0 ? 0 : 1));  // black
        put32(e, left);
        put32(e, no_stream);  // right sibling
        put32(e, child);
        e.append(16 + 4 + 8 + 8, '\0');  // CLSID, state, times
        put32(e, start);
        put32(e, size);
        put32(e, 0);
        out += e;
    };
    entry(u"Root Entry", 5, no_stream, 2, mini_stream_at, mini_stream_size);
    entry(u"EncryptionInfo", 2, no_stream, no_stream, 0, static_cast<std::uint32_t>(info.size()));
    entry(u"EncryptedPackage", 2, 1, no_stream, package_at,
          static_cast<std::uint32_t>(package.size()));
    entry(u"", 0, no_stream, no_stream, 0, 0);
    // mini FAT
    chain(out, 0, info_minis);
    while (out.size() % sector != 0) {
        put32(out, free_sector);
    }
    out += info;
    pad_sector();
    out += package;
    pad_sector();
    return out;
}

// A docx whose word/document.xml is an empty body, then spaces (valid XML to the end, so a
// parser reads on), 1 GiB + 16 MiB in all, deflated: a run of one byte packs about 1000:1,
// so the zip is about 1 MB. Built from one compressed MiB repeated (each ends with a full
// flush: no back-reference crosses it), the CRC combined from that MiB's.
std::string zip_bomb_docx() {
    constexpr std::uint64_t mib = std::uint64_t{1} << 20;
    constexpr std::uint64_t runs = 1024 + 16;
    const ooxml_kind k = ooxml_of("docx");
    const std::string& head = k.head;
    const std::string tail = "<w:p><w:r><w:t>never reached</w:t></w:r></w:p>" + k.tail;
    const std::string spaces(mib, ' ');
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    auto pump = [&z](std::string_view in, int flush) {
        std::string out;
        std::string buf(65536, '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(in.size());
        int rc = Z_OK;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = static_cast<uInt>(buf.size());
            rc = deflate(&z, flush);
            out.append(buf.data(), buf.size() - z.avail_out);
        } while (z.avail_out == 0 || z.avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        return out;
    };
    std::string packed = pump(head, Z_NO_FLUSH);  // in order: one stream
    packed += pump(spaces, Z_FULL_FLUSH);
    const std::string run = pump(spaces, Z_FULL_FLUSH);
    for (std::uint64_t i = 1; i < runs; ++i) {
        packed += run;
    }
    packed += pump(tail, Z_FINISH);
    deflateEnd(&z);
    uLong crc =
        crc32(0, reinterpret_cast<const Bytef*>(head.data()), static_cast<uInt>(head.size()));
    const uLong crc_mib =
        crc32(0, reinterpret_cast<const Bytef*>(spaces.data()), static_cast<uInt>(spaces.size()));
    for (std::uint64_t i = 0; i < runs; ++i) {
        crc = crc32_combine(crc, crc_mib, static_cast<z_off_t>(mib));
    }
    crc = crc32_combine(
        crc, crc32(0, reinterpret_cast<const Bytef*>(tail.data()), static_cast<uInt>(tail.size())),
        static_cast<z_off_t>(tail.size()));

    std::string zip;
    std::vector<zip_entry> entries;
    for (const auto& [name, bytes] : k.parts) {
        zip_entry e{name, crc_of(bytes), static_cast<std::uint32_t>(bytes.size()),
                    static_cast<std::uint32_t>(zip.size())};
        local_header(zip, e);
        zip += bytes;
        entries.push_back(e);
    }
    zip_entry main{k.main, static_cast<std::uint32_t>(crc),
                   static_cast<std::uint32_t>(head.size() + runs * mib + tail.size()),
                   static_cast<std::uint32_t>(zip.size())};
    main.deflated = true;
    main.packed = static_cast<std::uint32_t>(packed.size());
    local_header(zip, main);
    zip += packed;
    entries.push_back(main);
    const auto directory_at = static_cast<std::uint32_t>(zip.size());
    std::string directory;
    for (const auto& e : entries) {
        central_header(directory, e);
    }
    end_of_directory(directory, entries.size(), static_cast<std::uint32_t>(directory.size()),
                     directory_at);
    return zip + directory;
}

std::string damaged_bytes(damage which, std::uint64_t salt) {
    switch (which) {
        case damage::corrupt_pdf: {
            std::string pdf = whole("pdf", 12000, salt);
            for (std::size_t i = 15; i < pdf.size(); ++i) {  // past "%PDF-1.4\n%âãÏÓ\n"
                pdf[i] = static_cast<char>(~static_cast<unsigned char>(pdf[i]));
            }
            return pdf;
        }
        case damage::corrupt_docx: {
            std::string docx = whole("docx", 16384, salt);
            for (std::size_t i = docx.size() / 2; i < docx.size() / 2 + 64; ++i) {
                docx[i] = static_cast<char>(~static_cast<unsigned char>(docx[i]));
            }
            return docx;
        }
        case damage::truncated_pdf:
            return whole("pdf", 24000, salt).substr(0, 12000);
        case damage::truncated_xlsx:
            return whole("xlsx", 16384, salt).substr(0, 8192);
        case damage::encrypted_pdf:
            return encrypted_pdf(salt);
        case damage::encrypted_docx:
            return encrypted_docx(salt);
        case damage::zip_bomb_docx: {
            static const std::string bomb = zip_bomb_docx();  // the same whatever the salt
            return bomb;
        }
    }
    return {};
}

}  // namespace

// --- layer ---------------------------------------------------------------------------------

bool file_body::layer::fit(std::uint64_t total) {
    const std::uint64_t frame = head.size() + tail.size();
    if (frame > total) {
        return false;
    }
    units = (total - frame) / width;
    pad = (total - frame) % width;
    return true;
}

void file_body::layer::read(std::uint64_t offset, std::uint64_t end, std::string& out) const {
    const std::uint64_t units_begin = head.size();
    const std::uint64_t units_end = units_begin + units * width;
    const std::uint64_t pad_end = units_end + pad;
    std::uint64_t pos = offset;
    if (pos < units_begin && pos < end) {
        const auto n = std::min(end, units_begin) - pos;
        out.append(head, pos, n);
        pos += n;
    }
    std::string buf;
    while (pos < std::min(end, pad_end)) {
        const std::uint64_t index = (pos - units_begin) / width;
        const std::uint64_t col = (pos - units_begin) % width;
        const std::uint64_t stop = std::min(end, pad_end);
        if (pos >= units_end && !cut_last) {
            out.append(stop - pos, ' ');
            pos = stop;
            break;
        }
        buf.clear();
        unit(index, buf);
        const auto n = std::min(width - col, stop - pos);
        out.append(buf, col, n);
        pos += n;
    }
    if (pos < end) {
        out.append(tail, pos - pad_end, end - pos);
    }
}

// --- kinds ---------------------------------------------------------------------------------

file_body::file_body(std::string_view extension, std::uint64_t size, std::uint64_t salt,
                     std::string version_id, double media_share)
    : extension_(extension),
      size_(size),
      salt_(salt),
      version_id_(std::move(version_id)),
      media_share_(std::clamp(media_share, 0.0, 0.95)) {
    const std::string_view e = extension_;
    if (e == "pdf") {
        pdf();
    } else if (e == "docx" || e == "xlsx" || e == "pptx") {
        ooxml();
    } else if (e == "rtf") {
        rtf();
    } else if (e == "png") {
        plain_lines(std::string("\x89PNG\r\n\x1a\n", 8), "", true);
        well_formed_ = false;
    } else if (e == "html") {
        plain_lines("<!DOCTYPE html>\n<html><body>\n", "</body></html>\n", false);
    } else if (e == "json") {
        plain_lines("{\"lines\":[\n", "\"end\"]}\n", false);
        text_is_bytes_ = true;
    } else if (e == "xml") {
        plain_lines("<?xml version=\"1.0\"?>\n<doc>\n", "</doc>\n", false);
    } else if (e == "csv") {
        plain_lines("line,word,text\n", "", true);
        text_is_bytes_ = true;
    } else {
        plain_lines("", "", true);
        text_is_bytes_ = e == "txt" || e == "md";
        well_formed_ = text_is_bytes_;
    }
}

file_body::file_body(damage which, std::uint64_t salt)
    : extension_(damaged_files[static_cast<std::size_t>(which)].extension), salt_(salt) {
    prefix_ = damaged_bytes(which, salt);
    size_ = prefix_.size();
}

// Lines of 64 bytes between a head and a tail; the last line cut short (`cut`), or spaces.
void file_body::plain_lines(std::string_view head, std::string_view tail, bool cut) {
    inner_.head = head;
    inner_.tail = tail;
    inner_.width = plain_width;
    inner_.cut_last = cut;
    if (!inner_.fit(size_)) {
        inner_.head.clear();
        inner_.tail.clear();
        inner_.fit(size_);
    } else {
        well_formed_ = true;
    }
    inner_.unit = [this](std::uint64_t n, std::string& out) {
        const char* w = mock_words[(salt_ + n) % mock_words.size()];
        const auto ln = static_cast<unsigned long long>(n);
        std::string line;
        if (extension_ == "html") {
            line = format("<p>%08llu %s</p>", ln, w);
        } else if (extension_ == "json") {
            line = format("\"%08llu %s\",", ln, w);
        } else if (extension_ == "csv") {
            line = format("%llu,%s,\"%s text\"", ln, w, w);
        } else if (extension_ == "xml") {
            line = format("<l n=\"%llu\">%s</l>", ln, w);
        } else {
            line = format("Line %08llu: the %s of file %s", ln, w, version_id_.c_str());
        }
        append_fixed(out, line, plain_width);
    };
}

// The text of line `n` of the document kinds (PDF, OOXML, RTF).
std::string file_body::line_text(std::uint64_t n) const {
    return format("%08llu %s %s", static_cast<unsigned long long>(n),
                  mock_words[(salt_ + n) % mock_words.size()],
                  mock_words[(salt_ + n * 7 + 3) % mock_words.size()]);
}

void file_body::rtf() {
    inner_.head =
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}\\f0\\fs20\n";
    inner_.tail = "}\n";
    inner_.width = pdf_line_width;
    inner_.unit = [this](std::uint64_t n, std::string& out) {
        std::string line = line_text(n);
        line.append(pdf_line_width - 6 - line.size(), ' ');
        line += "\\par";
        append_fixed(out, line, pdf_line_width);
    };
    well_formed_ = inner_.fit(size_);
    if (!well_formed_) {
        plain_lines("", "", true);
        well_formed_ = false;
    }
}

// One page a unit: a page object and its content stream of 20 lines, every number written in
// a fixed width (space-padded: PDF reads whitespace between tokens) so that every page has the
// same size and every offset is known. The page tree lists the pages; the cross-reference
// table at the end points at every object.
void file_body::pdf() {
    lines_per_unit_ = pdf_lines_per_page;
    const std::string stream_head = "BT /F1 10 Tf 12 TL 50 760 Td\n";
    const std::string stream_tail = "ET";
    const std::uint64_t stream_length =
        stream_head.size() + pdf_lines_per_page * pdf_line_width + stream_tail.size();
    // With a media share, every page has an image (an XObject in its resources, never drawn)
    // of the size that makes the images that share of the page.
    const bool images = media_share_ > 0;
    const std::uint64_t per_page = images ? 3 : 2;  // objects: page, contents[, image]
    auto page_object = [=](std::uint64_t page) {
        const auto id = static_cast<unsigned long long>(4 + per_page * page);
        if (images) {
            return format(
                "%10llu 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                "/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 %10llu 0 R >> >> "
                "/Contents %10llu 0 R >>\nendobj\n",
                id, id + 2, id + 1);
        }
        return format(
            "%10llu 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            "/Resources << /Font << /F1 3 0 R >> >> /Contents %10llu 0 R >>\nendobj\n",
            id, id + 1);
    };
    auto content_object = [=](std::uint64_t page) {
        return format("%10llu 0 obj\n<< /Length %10llu >>\nstream\n",
                      static_cast<unsigned long long>(5 + per_page * page),
                      static_cast<unsigned long long>(stream_length));
    };
    const std::uint64_t page_size = page_object(0).size();
    const std::uint64_t content_head_size = content_object(0).size();
    const std::string content_end = "\nendstream\nendobj\n";
    const std::uint64_t text_width =
        page_size + content_head_size + stream_length + content_end.size();
    const std::uint64_t image_length =
        images ? static_cast<std::uint64_t>(static_cast<double>(text_width) * media_share_ /
                                            (1 - media_share_))
               : 0;
    auto image_object = [=](std::uint64_t page) {
        return format(
            "%10llu 0 obj\n<< /Type /XObject /Subtype /Image /Width 640 /Height 480 "
            "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %10llu "
            ">>\nstream\n",
            static_cast<unsigned long long>(6 + per_page * page),
            static_cast<unsigned long long>(image_length));
    };
    const std::uint64_t image_head_size = images ? image_object(0).size() : 0;
    inner_.width = text_width + (images ? image_head_size + image_length + content_end.size() : 0);
    inner_.unit = [=, this](std::uint64_t page, std::string& out) {
        out += page_object(page);
        out += content_object(page);
        out += stream_head;
        for (std::uint64_t i = 0; i < pdf_lines_per_page; ++i) {
            std::string text = line_text(page * pdf_lines_per_page + i);
            append_fixed(out, "(" + text + ") Tj T*", pdf_line_width);
        }
        out += stream_tail;
        out += content_end;
        if (images) {
            out += image_object(page);
            append_media(salt_ + page, 0, image_length, out);
            out += content_end;
        }
    };

    const std::string header = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    const std::string catalog = "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
    const std::string font =
        "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n";
    auto build = [&](std::uint64_t pages) {
        layer l = inner_;
        l.units = pages;
        std::string tree = format("2 0 obj\n<< /Type /Pages /Count %llu /Kids [",
                                  static_cast<unsigned long long>(pages));
        for (std::uint64_t p = 0; p < pages; ++p) {
            tree += format("%llu 0 R ", static_cast<unsigned long long>(4 + per_page * p));
        }
        tree += "] >>\nendobj\n";
        l.head = header + catalog + tree + font;
        const std::uint64_t objects = 4 + per_page * pages;  // object 0 included
        std::vector<std::uint64_t> offsets{header.size(), header.size() + catalog.size(),
                                           header.size() + catalog.size() + tree.size()};
        for (std::uint64_t p = 0; p < pages; ++p) {
            // At the first digit of the object number, past the padding spaces.
            const std::uint64_t unit = l.head.size() + p * l.width;
            const auto digits = [](std::uint64_t v) { return std::to_string(v).size(); };
            offsets.push_back(unit + 10 - digits(4 + per_page * p));
            offsets.push_back(unit + page_size + 10 - digits(5 + per_page * p));
            if (images) {
                offsets.push_back(unit + text_width + 10 - digits(6 + per_page * p));
            }
        }
        std::string xref =
            format("xref\n0 %llu\n0000000000 65535 f \n", static_cast<unsigned long long>(objects));
        for (auto o : offsets) {
            xref += format("%010llu 00000 n \n", static_cast<unsigned long long>(o));
        }
        l.tail = xref + format("trailer\n<< /Size %llu /Root 1 0 R >>\n",
                               static_cast<unsigned long long>(objects));
        // startxref: where the table starts (after the pages and the padding).
        return l;
    };
    // The most pages that fit, then the padding (spaces before the cross-reference table).
    auto total = [&](const layer& l) {
        return l.size() + format("startxref\n%llu\n%%%%EOF\n", 0ULL).size() + 20;
    };
    std::uint64_t lo = 0;
    std::uint64_t hi = size_ / inner_.width + 1;
    if (total(build(1)) > size_) {
        plain_lines("", "", true);
        well_formed_ = false;
        return;
    }
    while (lo + 1 < hi) {  // total(build(lo)) <= size_ < total(build(hi)) once settled
        const std::uint64_t mid = (lo + hi) / 2;
        (total(build(mid)) <= size_ ? lo : hi) = mid;
    }
    inner_ = build(std::max<std::uint64_t>(lo, 1));
    // Now the exact tail: padding goes between the last page and the table. The table's
    // offset is written in as many digits as it takes, so try each width.
    const std::uint64_t pages_end = inner_.head.size() + inner_.units * inner_.width;
    for (std::size_t digits = 1; digits <= 20; ++digits) {
        const std::uint64_t fixed = pages_end + inner_.tail.size() +
                                    std::string_view("startxref\n\n%%EOF\n").size() + digits;
        if (fixed > size_) {
            break;
        }
        const std::uint64_t pad = size_ - fixed;
        const std::uint64_t xref_at = pages_end + pad;
        if (std::to_string(xref_at).size() == digits) {
            inner_.pad = pad;
            inner_.tail +=
                format("startxref\n%llu\n%%%%EOF\n", static_cast<unsigned long long>(xref_at));
            well_formed_ = true;
            return;
        }
    }
    plain_lines("", "", true);  // no width fits (cannot happen for a size that fits a page)
    well_formed_ = false;
}

// A zip of stored parts: the small ones in memory, the main part a layer of lines, its CRC
// computed once by reading it through.
void file_body::ooxml() {
    const ooxml_kind k = ooxml_of(extension_);
    inner_.head = k.head;
    inner_.tail = k.tail;
    inner_.width = markup_width;
    inner_.unit = [this, open = k.line_open, close = k.line_close](std::uint64_t n,
                                                                   std::string& out) {
        append_fixed(out, open + line_text(n) + close, markup_width);
    };
    std::vector<zip_entry> entries;
    std::string prefix;
    for (const auto& [name, bytes] : k.parts) {
        zip_entry e{name, crc_of(bytes), static_cast<std::uint32_t>(bytes.size()),
                    static_cast<std::uint32_t>(prefix.size())};
        local_header(prefix, e);
        prefix += bytes;
        entries.push_back(e);
    }
    zip_entry main{k.main, 0, 0, static_cast<std::uint32_t>(prefix.size())};
    // The picture part, after the main part.
    zip_entry media{k.main.substr(0, k.main.find('/')) + "/media/image1.jpeg", 0, 0, 0};
    const bool with_media = media_share_ > 0;
    std::uint64_t directory = 22;  // end of central directory
    for (const auto& e : entries) {
        directory += 46 + e.name.size();
    }
    directory += 46 + main.name.size();
    std::uint64_t frame = prefix.size() + 30 + main.name.size() + directory;
    if (with_media) {
        media_size_ = static_cast<std::uint64_t>(static_cast<double>(size_) * media_share_);
        frame += 30 + media.name.size() + media_size_ + 46 + media.name.size();
    }
    if (frame > size_ || !inner_.fit(size_ - frame)) {
        media_size_ = 0;
        plain_lines(std::string("PK\x03\x04", 4), "", true);
        well_formed_ = false;
        return;
    }
    main.size = static_cast<std::uint32_t>(inner_.size());
    uLong crc = crc32(0, nullptr, 0);
    std::string chunk;
    for (std::uint64_t at = 0; at < inner_.size(); at += 65536) {
        chunk.clear();
        inner_.read(at, std::min<std::uint64_t>(inner_.size(), at + 65536), chunk);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()),
                    static_cast<uInt>(chunk.size()));
    }
    main.crc = static_cast<std::uint32_t>(crc);
    local_header(prefix, main);
    entries.push_back(main);
    prefix_ = std::move(prefix);
    if (with_media) {
        media.offset = static_cast<std::uint32_t>(prefix_.size() + inner_.size());
        media.size = static_cast<std::uint32_t>(media_size_);
        crc = crc32(0, nullptr, 0);
        for (std::uint64_t at = 0; at < media_size_; at += 65536) {
            chunk.clear();
            append_media(salt_, at, std::min<std::uint64_t>(65536, media_size_ - at), chunk);
            crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()),
                        static_cast<uInt>(chunk.size()));
        }
        media.crc = static_cast<std::uint32_t>(crc);
        local_header(media_head_, media);
        entries.push_back(media);
    }
    const auto directory_at = static_cast<std::uint32_t>(prefix_.size() + inner_.size() +
                                                         media_head_.size() + media_size_);
    for (const auto& e : entries) {
        central_header(suffix_, e);
    }
    end_of_directory(suffix_, entries.size(), static_cast<std::uint32_t>(suffix_.size()),
                     directory_at);
    well_formed_ = true;
}

// --- reading -------------------------------------------------------------------------------

void file_body::read(std::uint64_t offset, std::size_t length, std::string& out) const {
    const std::uint64_t end = std::min<std::uint64_t>(size_, offset + length);
    if (end <= offset) {
        return;
    }
    out.reserve(out.size() + (end - offset));
    const std::uint64_t inner_begin = prefix_.size();
    const std::uint64_t inner_end = inner_begin + inner_.size();
    std::uint64_t pos = offset;
    if (pos < inner_begin) {
        const auto n = std::min(end, inner_begin) - pos;
        out.append(prefix_, pos, n);
        pos += n;
    }
    if (pos < end && pos < inner_end) {
        const auto stop = std::min(end, inner_end);
        inner_.read(pos - inner_begin, stop - inner_begin, out);
        pos = stop;
    }
    const std::uint64_t media_begin = inner_end + media_head_.size();
    const std::uint64_t media_end = media_begin + media_size_;
    if (pos < end && pos < media_begin) {
        const auto n = std::min(end, media_begin) - pos;
        out.append(media_head_, pos - inner_end, n);
        pos += n;
    }
    if (pos < end && pos < media_end) {
        const auto n = std::min(end, media_end) - pos;
        append_media(salt_, pos - media_begin, n, out);
        pos += n;
    }
    if (pos < end) {
        out.append(suffix_, pos - media_end, end - pos);
    }
}

std::string file_body::text() const {
    std::string out;
    if (text_is_bytes_) {
        read(0, size_, out);
        return out;
    }
    if (!well_formed_) {
        return out;
    }
    if (extension_ == "xlsx") {
        out += "Sheet1\n";
    }
    const std::uint64_t lines = inner_.units * lines_per_unit_;
    for (std::uint64_t n = 0; n < lines; ++n) {
        if (extension_ == "html") {
            out += format("%08llu %s", static_cast<unsigned long long>(n),
                          mock_words[(salt_ + n) % mock_words.size()]);
        } else if (extension_ == "xml") {
            out += mock_words[(salt_ + n) % mock_words.size()];
        } else {
            out += line_text(n);
        }
        out += '\n';
    }
    return out;
}

}  // namespace casio::mock_sf
