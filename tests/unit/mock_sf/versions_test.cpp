// POST /__admin/files/{ContentDocumentId}/versions: a new version of a file, as a user uploading
// one makes it, and what a client sees of it (document fields, versions, the new bytes).

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

std::string first_bytes(const file_info& f, std::size_t n) {
    std::string out;
    f.read(0, n, out);
    return out;
}

}  // namespace

TEST_CASE("a new file version becomes the document's latest, with its own bytes",
          "[mock_sf][files][versions]") {
    service_fixture f(org(org_options{6, 40}), id_secret_options());
    f.login();
    f.o.advance_clock(60 * 1000);
    const auto cursor = format_datetime_ms(f.o.start_ms());
    auto doc = records(f.o,
                       "SELECT Id, LatestPublishedVersionId, SystemModstamp FROM "
                       "ContentDocument ORDER BY Id LIMIT 1")
                   .at(0);
    const auto doc_id = str(doc.at("Id"));
    const auto old_version = str(doc.at("LatestPublishedVersionId"));

    auto r = f.call("POST", "/__admin/files/" + doc_id + "/versions",
                    R"({"size": 5000, "extension": "pdf", "title": "Revised plan"})");
    REQUIRE(r.status == 201);
    const auto new_version = str(boost::json::parse(r.body).at("id"));
    CHECK(new_version.starts_with("068"));
    CHECK(new_version != old_version);

    auto now = records(f.o,
                       "SELECT Id, Title, FileExtension, FileType, ContentSize, "
                       "LatestPublishedVersionId, LastModifiedDate, SystemModstamp FROM "
                       "ContentDocument WHERE SystemModstamp > " +
                           cursor);
    REQUIRE(now.size() == 1);
    CHECK(str(now.at(0).at("LatestPublishedVersionId")) == new_version);
    CHECK(now.at(0).at("ContentSize").as_int64() == 5000);
    CHECK(str(now.at(0).at("FileExtension")) == "pdf");
    CHECK(str(now.at(0).at("FileType")) == "PDF");
    CHECK(str(now.at(0).at("Title")) == "Revised plan");
    CHECK(str(now.at(0).at("LastModifiedDate")) == str(now.at(0).at("SystemModstamp")));

    auto versions = records(f.o,
                            "SELECT Id, IsLatest, VersionNumber, VersionDataUrl FROM "
                            "ContentVersion WHERE ContentDocumentId = '" +
                                doc_id + "' ORDER BY VersionNumber");
    REQUIRE(versions.size() == 2);
    CHECK(str(versions.at(0).at("Id")) == old_version);
    CHECK(!versions.at(0).at("IsLatest").as_bool());
    CHECK(str(versions.at(1).at("Id")) == new_version);
    CHECK(versions.at(1).at("IsLatest").as_bool());
    CHECK(str(versions.at(1).at("VersionNumber")) == "2");
    CHECK(str(versions.at(1).at("VersionDataUrl")).ends_with(new_version));

    // The new version downloads with its size, and its bytes are not the old version's.
    auto download = f.call(
        "GET", "/services/data/v59.0/sobjects/ContentVersion/" + new_version + "/VersionData");
    REQUIRE(download.status == 200);
    REQUIRE(download.file);
    CHECK(download.file->size == 5000);
    CHECK(download.file->extension == "pdf");
    const auto old_file = f.o.file(old_version);
    REQUIRE(old_file);
    CHECK(first_bytes(*download.file, 5000) != first_bytes(*old_file, 5000));
    CHECK(first_bytes(*download.file, 5000) == first_bytes(*f.o.file(new_version), 5000));
    CHECK(f.call("GET", "/__admin/files/" + new_version + "/text").status == 200);

    // Defaults: the document's title and extension, a derived size.
    auto again = f.call("POST", "/__admin/files/" + doc_id + "/versions");
    REQUIRE(again.status == 201);
    auto third = records(f.o,
                         "SELECT Title, FileExtension, ContentSize, VersionNumber FROM "
                         "ContentVersion WHERE Id = '" +
                             str(boost::json::parse(again.body).at("id")) + "'")
                     .at(0);
    CHECK(str(third.at("Title")) == "Revised plan");
    CHECK(str(third.at("FileExtension")) == "pdf");
    CHECK(str(third.at("VersionNumber")) == "3");
}

TEST_CASE("a new link does not touch its document, bad version requests are refused",
          "[mock_sf][files][versions]") {
    service_fixture f(org(org_options{6, 40}), id_secret_options());
    f.o.advance_clock(60 * 1000);
    const auto cursor = format_datetime_ms(f.o.start_ms());
    auto doc =
        records(f.o, "SELECT Id, LastModifiedDate FROM ContentDocument ORDER BY Id LIMIT 1").at(0);
    const auto doc_id = str(doc.at("Id"));
    const auto account =
        str(records(f.o, "SELECT Id FROM Account ORDER BY Id LIMIT 1 OFFSET 1").at(0).at("Id"));
    auto link = f.call("POST", "/__admin/records/ContentDocumentLink",
                       R"({"ContentDocumentId": ")" + doc_id + R"(", "LinkedEntityId": ")" +
                           account + R"(", "ShareType": "V"})");
    REQUIRE(link.status == 201);
    // The link carries the change (its SystemModstamp); the document keeps its dates.
    CHECK(records(f.o, "SELECT Id FROM ContentDocument WHERE SystemModstamp > " + cursor).empty());
    auto links = records(f.o,
                         "SELECT Id, SystemModstamp FROM ContentDocumentLink WHERE "
                         "LinkedEntityId = '" +
                             account + "'");
    REQUIRE(links.size() == 1);
    CHECK(str(links.at(0).at("SystemModstamp")) > cursor);

    CHECK(f.call("POST", "/__admin/files/069000000000000AAA/versions").status == 404);
    auto bad = f.call("POST", "/__admin/files/" + doc_id + "/versions", R"({"extension": "exe"})");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("exe") != std::string::npos);
    CHECK(f.call("POST", "/__admin/files/" + doc_id + "/versions", R"({"bytes": 5})").status ==
          400);
    CHECK(f.call("POST", "/__admin/files/" + doc_id + "/versions", R"({"size": -1})").status ==
          400);
}
