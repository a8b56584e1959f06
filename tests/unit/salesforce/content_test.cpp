#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>

#include <boost/json/serialize.hpp>

#include <casio/salesforce/content.hpp>

#include "sf_test_util.hpp"

using namespace casio::salesforce;
using casio::salesforce::test::parse;

namespace {

std::string doc_link(std::string_view doc_id, std::string_view title = "Report") {
    return R"({"ContentDocument":{"Id":")" + std::string(doc_id) + R"(","Title":")" +
           std::string(title) +
           R"(","FileExtension":"pdf","ContentSize":1024,"Description":null,
              "CreatedDate":"2024-01-01T00:00:00.000+0000",
              "LastModifiedDate":"2024-01-02T00:00:00.000+0000",
              "Owner":{"Id":"005A","Name":"Ann","Email":"ann@x"},
              "CreatedBy":{"Id":"005B","Name":"Bob","Email":"bob@x"},
              "LatestPublishedVersion":{"Id":"068A","VersionNumber":"3"}}})";
}

boost::json::value record(std::string_view id, const std::vector<std::string>& links) {
    std::string r = R"({"Id":")" + std::string(id) + R"(","ContentDocumentLinks":{"records":[)";
    for (std::size_t i = 0; i < links.size(); ++i) {
        r += (i ? "," : "") + links[i];
    }
    r += "]}}";
    return parse(r);
}

}  // namespace

TEST_CASE("content documents are de-duplicated with sorted linked_ids", "[salesforce][content]") {
    content_document_collector c;
    c.add_from_record(record("003Z", {doc_link("069A"), doc_link("069B")}).as_object());
    c.add_from_record(record("001A", {doc_link("069A", "Other title")}).as_object());
    c.add_from_record(record("001A", {doc_link("069A")}).as_object());  // same link twice
    c.add_from_record(parse(R"({"Id":"001C","ContentDocumentLinks":null})").as_object());
    c.add_from_record(parse(R"({"Id":"001D"})").as_object());
    c.add_from_record(
        parse(R"({"Id":"001E","ContentDocumentLinks":{"records":[{"ContentDocument":null},{}]}})")
            .as_object());
    REQUIRE(c.size() == 2);
    const auto docs = c.take();
    REQUIRE(docs.size() == 2);
    CHECK(docs[0].id == "069A");  // first-seen order
    CHECK(docs[0].linked_ids == std::vector<std::string>{"001A", "003Z"});
    CHECK(docs[0].title == "Report");  // first occurrence's metadata
    CHECK(docs[1].id == "069B");
    CHECK(docs[1].linked_ids == std::vector<std::string>{"003Z"});
    CHECK(c.size() == 0);
}

TEST_CASE("the file collector keeps every field and stays compact",
          "[salesforce][content][memory]") {
    content_document_collector c;
    // 2,000 files, each linked from 10 records (a million-record org has tens of thousands).
    for (int r = 0; r < 10; ++r) {
        for (int f = 0; f < 2000; ++f) {
            const std::string rid = "001" + std::to_string(1000000 + r * 2000 + f) + "AAAAAAAA";
            c.add_from_record(
                record(rid, {doc_link("069" + std::to_string(100000 + f))}).as_object());
        }
    }
    REQUIRE(c.size() == 2000);
    // About the bytes themselves: 18-byte ids plus a 12-byte entry per link, one packed string
    // per file (not a dozen std::optional<std::string> and a vector of strings).
    CHECK(c.memory_bytes() < 20000 * 40 + 2000 * 400);
    c.finish();
    const auto d = c.document(1999);
    CHECK(d.id == "069101999");
    CHECK(d.linked_ids.size() == 10);
    CHECK(std::is_sorted(d.linked_ids.begin(), d.linked_ids.end()));
    CHECK(d.title == "Report");
    CHECK(d.file_extension == "pdf");
    CHECK(d.description == std::nullopt);
    CHECK(d.created_at == "2024-01-01T00:00:00.000+0000");
    CHECK(d.last_updated == "2024-01-02T00:00:00.000+0000");
    CHECK(d.owner == "Ann");
    CHECK(d.owner_email == "ann@x");
    CHECK(d.created_by == "Bob");
    CHECK(d.created_by_email == "bob@x");
    CHECK(d.version_id == "068A");
    CHECK(d.version_number == "3");
    CHECK(d.size() == 1024u);
    // A record seen after finish() re-opens the collector and is counted.
    c.add_from_record(record("003Q", {doc_link("069101999")}).as_object());
    c.finish();
    CHECK(c.document(1999).linked_ids.size() == 11);
}

TEST_CASE("content document maps to the file document", "[salesforce][content]") {
    content_document_collector c;
    c.add_from_record(record("001A", {doc_link("069A")}).as_object());
    const auto docs = c.take();
    const auto json = content_document_json(docs[0], "https://acme.my.salesforce.com", nullptr,
                                            std::string_view("aGk="));
    const auto o = parse(json).as_object();
    CHECK_FALSE(o.contains("id"));  // appended by the sink
    CHECK(o.at("content_size") == 1024);
    CHECK(o.at("created_at") == "2024-01-01T00:00:00.000+0000");
    CHECK(o.at("created_by") == "Bob");
    CHECK(o.at("created_by_email") == "bob@x");
    CHECK(o.at("description").is_null());
    CHECK(o.at("file_extension") == "pdf");
    CHECK(o.at("last_updated") == "2024-01-02T00:00:00.000+0000");
    CHECK(boost::json::serialize(o.at("linked_ids")) == R"(["001A"])");
    CHECK(o.at("owner") == "Ann");
    CHECK(o.at("owner_email") == "ann@x");
    CHECK(o.at("title") == "Report.pdf");
    CHECK(o.at("type") == "content_document");
    CHECK(o.at("url") == "https://acme.my.salesforce.com/069A");
    CHECK(o.at("version_number") == "3");
    CHECK(o.at("version_url") == "https://acme.my.salesforce.com/068A");
    CHECK(o.at("_attachment") == "aGk=");
    CHECK_FALSE(o.contains("_timestamp"));
    CHECK_FALSE(o.contains("_allow_access_control"));
    CHECK(o.size() == 16);  // and `id`, appended by the sink

    const std::vector<std::string> acl{"user:Ann", "user_id:001A"};
    const auto with_body =
        parse(content_document_json(docs[0], "https://b", &acl, std::nullopt, "text\n"))
            .as_object();
    CHECK(with_body.at("body") == "text\n");
    CHECK_FALSE(with_body.contains("_attachment"));
    CHECK(boost::json::serialize(with_body.at("_allow_access_control")) ==
          R"(["user:Ann","user_id:001A"])");
}

TEST_CASE("missing owner, creator and version give nulls", "[salesforce][content]") {
    content_document_collector c;
    c.add_from_record(parse(R"({"Id":"001A","ContentDocumentLinks":{"records":[
        {"ContentDocument":{"Id":"069A","Title":"x","FileExtension":"txt","Owner":null}}]}})")
                          .as_object());
    const auto docs = c.take();
    const auto o = parse(content_document_json(docs[0], "https://b", nullptr)).as_object();
    CHECK(o.at("owner").is_null());
    CHECK(o.at("created_by").is_null());
    CHECK(o.at("version_url").is_null());
    CHECK(o.at("content_size").is_null());
    CHECK_FALSE(docs[0].version_id);
    CHECK_FALSE(docs[0].size());
}

TEST_CASE("file gate: supported type and size", "[salesforce][content][files]") {
    constexpr std::size_t max = 10 * 1024 * 1024;
    CHECK(decide_file("Report.PDF", 100, max, false) == file_decision::download);
    CHECK(decide_file("archive.tar.gz", 100, max, false) == file_decision::unsupported_type);
    CHECK(decide_file("noextension", 100, max, false) == file_decision::unsupported_type);
    CHECK(decide_file("big.docx", max + 1, max, false) == file_decision::too_large);
    CHECK(decide_file("edge.docx", max, max, false) == file_decision::download);
    CHECK(decide_file("big.docx", max + 1, max, true) == file_decision::download);
    CHECK(decide_file("unknown-size.txt", std::nullopt, max, false) == file_decision::download);
}

TEST_CASE("BUG oversized or unsupported file: metadata document without content",
          "[salesforce][content][files][bug]") {
    content_document_collector c;
    c.add_from_record(parse(R"({"Id":"001A","ContentDocumentLinks":{"records":[
        {"ContentDocument":{"Id":"069A","Title":"movie","FileExtension":"mp4",
                            "ContentSize":999999999,"LatestPublishedVersion":{"Id":"068A"}}}]}})")
                          .as_object());
    const auto docs = c.take();
    REQUIRE(docs[0].full_title());
    CHECK(decide_file(*docs[0].full_title(), docs[0].size(), 10 * 1024 * 1024, false) ==
          file_decision::unsupported_type);
    // What the source emits for a file it does not download: the document, no content fields.
    const auto o = parse(content_document_json(docs[0], "https://b", nullptr)).as_object();
    CHECK(o.at("url") == "https://b/069A");
    CHECK(o.at("title") == "movie.mp4");
    CHECK_FALSE(o.contains("_attachment"));
    CHECK_FALSE(o.contains("body"));
}

TEST_CASE("base64 of streamed chunks equals one-shot base64, no line breaks",
          "[salesforce][content][base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
    std::string data;
    for (int i = 0; i < 1000; ++i) {
        data.push_back(static_cast<char>(i * 7));
    }
    const auto whole = base64_encode(data);
    CHECK(whole.size() == base64_encoder::encoded_size(data.size()));
    CHECK(whole.find('\n') == std::string::npos);
    for (std::size_t chunk : {1u, 2u, 4u, 5u, 64u, 999u}) {
        base64_encoder e;
        std::string out;
        for (std::size_t i = 0; i < data.size(); i += chunk) {
            e.append(std::string_view(data).substr(i, chunk), out);
        }
        e.finish(out);
        INFO(chunk);
        CHECK(out == whole);
    }
}

TEST_CASE("file sharing identities, no nulls", "[salesforce][content][dls]") {
    const auto ids = file_access_identities(parse(R"([
        {"ContentDocumentId":"069A","LinkedEntityId":"005A","LinkedEntity":{"Name":"Ann"}},
        {"ContentDocumentId":"069A","LinkedEntityId":"001B","LinkedEntity":null},
        {"ContentDocumentId":"069A","LinkedEntityId":null,"LinkedEntity":{"Name":""}},
        {"ContentDocumentId":"069A","LinkedEntityId":"005A","LinkedEntity":{"Name":"Ann"}}])")
                                                .as_array());
    CHECK(ids == std::vector<std::string>{"user:Ann", "user_id:001B", "user_id:005A"});
}

TEST_CASE("links to files seen before are read from the text without parsing it",
          "[salesforce][content][raw]") {
    const std::string real_id_doc =
        R"({"ContentDocument":{"Id":"069000000000001AAA","Title":"Plan","FileExtension":"pdf",)"
        R"("Owner":{"Id":"005000000000001AAA","Name":"Ann"},)"
        R"("LatestPublishedVersion":{"Id":"068000000000001AAA"}}})";
    const auto links_text = [&](const std::vector<std::string>& links) {
        std::string t = R"({"totalSize":)" + std::to_string(links.size()) + R"(,"records":[)";
        for (std::size_t i = 0; i < links.size(); ++i) {
            t += (i ? "," : "") + links[i];
        }
        return t + "]}";
    };
    content_document_collector c;
    const auto text = links_text({real_id_doc});
    // Not seen yet: nothing added, the caller parses.
    CHECK_FALSE(c.add_known_links("001A", text));
    CHECK(c.size() == 0);
    c.add_links("001A", parse(text).as_object());
    REQUIRE(c.size() == 1);
    // Seen: the link is added from the text.
    CHECK(c.add_known_links("003B", text));
    CHECK(c.add_known_links("003B", links_text({real_id_doc, real_id_doc})));
    // A ContentDocument without a string Id is left out, as add_links leaves it out.
    CHECK(c.add_known_links(
        "003C", links_text({real_id_doc, R"({"ContentDocument":{"Id":null,"Title":"x"}})"})));
    const auto docs = c.take();
    REQUIRE(docs.size() == 1);
    CHECK(docs[0].title == "Plan");
    CHECK(docs[0].linked_ids == std::vector<std::string>{"001A", "003B", "003C"});
}

TEST_CASE("links are grouped by file in windows of bounded memory",
          "[salesforce][content][spill]") {
    // A 64-byte window: most files need a window of their own, some share one, and one file
    // with many links is bigger than a window.
    content_document_collector c(64);
    for (int r = 0; r < 30; ++r) {
        const std::string rid = "003" + std::to_string(100000 + r) + "AAAAAAAAA";
        std::vector<std::string> links{doc_link("069BIG")};
        if (r % 3 == 0) {
            links.push_back(doc_link("069" + std::to_string(r / 3)));
        }
        c.add_from_record(record(rid, links).as_object());
    }
    REQUIRE(c.size() == 11);
    const auto docs = c.take();
    REQUIRE(docs.size() == 11);
    CHECK(docs[0].id == "069BIG");
    CHECK(docs[0].linked_ids.size() == 30);
    CHECK(std::is_sorted(docs[0].linked_ids.begin(), docs[0].linked_ids.end()));
    for (std::size_t i = 1; i < docs.size(); ++i) {
        INFO(docs[i].id);
        REQUIRE(docs[i].linked_ids.size() == 1);
        CHECK(docs[i].linked_ids[0] == "003" + std::to_string(100000 + (i - 1) * 3) + "AAAAAAAAA");
        CHECK(docs[i].title == "Report");
    }
    CHECK(c.size() == 0);
}

TEST_CASE("a temporary directory that cannot be used is named in the error",
          "[salesforce][content][spill]") {
    const char* old = std::getenv("TMPDIR");
    const std::string saved = old != nullptr ? old : "";
    ::setenv("TMPDIR", "/nonexistent-casio-dir", 1);
    content_document_collector c;
    std::string message;
    try {
        c.add_from_record(record("001A", {doc_link("069A")}).as_object());
    } catch (const std::exception& e) {
        message = e.what();
    }
    if (old != nullptr) {
        ::setenv("TMPDIR", saved.c_str(), 1);
    } else {
        ::unsetenv("TMPDIR");
    }
    CHECK_THAT(message, Catch::Contains("/nonexistent-casio-dir"));
    CHECK_THAT(message, Catch::Contains("TMPDIR"));
    CHECK(c.size() == 0);
}

TEST_CASE("links to files seen before are read from text however it is formatted",
          "[salesforce][content][raw]") {
    content_document_collector c;
    c.add_links("001A", parse(R"({"records":[{"ContentDocument":{"Id":"069A","Title":"a"}},
                                             {"ContentDocument":{"Id":"069B","Title":"b"}}]})")
                            .as_object());
    REQUIRE(c.size() == 2);
    // Pretty-printed, as a gateway or X-PrettyPrint returns it: both links are added. (The
    // literal-text shortcut this replaces found no `"Id":"069` here, counted no
    // `"ContentDocument":{`, and took 0 == 0 for "all known": every link was lost.)
    const std::string pretty = R"({
        "totalSize" : 2,
        "done" : true,
        "records" : [ {
            "attributes" : { "type" : "ContentDocumentLink" },
            "ContentDocument" : {
                "Title" : "a",
                "Id" : "069A"
            }
        }, {
            "ContentDocument" : { "Id" : "069B" }
        } ]
    })";
    CHECK(c.add_known_links("003P", pretty));
    // Escaped: the id is decoded before it is looked up.
    CHECK(
        c.add_known_links("003E", R"({"records":[{"ContentDocument":{"Id":"\u0030\u00369A"}}]})"));
    // Members in another order, the records before the counts.
    CHECK(c.add_known_links("003O",
                            R"({"records":[{"ContentDocument":{"Title":"b","Id":"069B"},)"
                            R"("attributes":{"type":"ContentDocumentLink"}}],"done":true})"));
    // Keys the text alone cannot settle: declined, nothing added, the caller parses.
    CHECK_FALSE(
        c.add_known_links("003X", R"({"\u0072ecords":[{"ContentDocument":{"Id":"069A"}}]})"));
    CHECK_FALSE(c.add_known_links(
        "003X", R"({"records":[{"ContentDocument":{"Id":"069A","Id":"069B"}}]})"));
    // A file not seen yet among known ones: nothing at all is added.
    CHECK_FALSE(c.add_known_links(
        "003X",
        R"({"records":[{"ContentDocument":{"Id":"069A"}},{"ContentDocument":{"Id":"069C"}}]})"));
    // Nothing linked: true, nothing to parse.
    CHECK(c.add_known_links("003N", R"({"totalSize":0,"done":true,"records":[]})"));
    const auto docs = c.take();
    REQUIRE(docs.size() == 2);
    CHECK(docs[0].linked_ids == std::vector<std::string>{"001A", "003E", "003P"});
    CHECK(docs[1].linked_ids == std::vector<std::string>{"001A", "003O", "003P"});
}
