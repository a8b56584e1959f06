// Odd shapes Salesforce (or a proxy in front of it) might send: every function answers with a
// clear result or error, never a crash.
#include <catch2/catch.hpp>

#include <casio/core/error.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/describe.hpp>
#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/errors.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/paging.hpp>

#include "sf_test_util.hpp"

using namespace casio::salesforce;
using casio::salesforce::test::parse;

TEST_CASE("records with unexpected value types", "[salesforce][robustness]") {
    std::vector<std::string> warnings;
    warning_sink sink = [&](std::string_view w) { warnings.emplace_back(w); };
    record_context ctx{"https://b", "Account"};
    CHECK_THROWS_AS(map_record(parse(R"({"Id":42})").as_object(), ctx, sink), casio::core::error);
    CHECK_THROWS_AS(map_record(parse(R"({"Id":""})").as_object(), ctx, sink), casio::core::error);
    const auto d =
        map_record(parse(R"({"Id":"001","LastModifiedDate":12})").as_object(), ctx, sink);
    REQUIRE(d);
    CHECK(parse(d->json).is_object());
    CHECK(warnings.size() == 1);  // the unreadable LastModifiedDate

    const auto strange = parse(R"({"Id":"001\u0000\u001f\"x","Name":"\ud83d\ude00 é",
        "Nested":{"a":[1,2.5,true,null,{"b":"c"}]},"Big":12345678901234567890})");
    const auto e = map_record(strange.as_object(), ctx, sink);
    REQUIRE(e);
    auto finished = *e;
    casio::sync::finish_document(finished, nullptr);  // as the sink does
    const auto back = parse(finished.json).as_object();
    CHECK(std::string_view(back.at("id").as_string()) == std::string_view("001\0\x1f\"x", 7));
    CHECK(back.at("Name") == "\xf0\x9f\x98\x80 \xc3\xa9");
    CHECK(back.at("Nested") == strange.at("Nested"));
}

TEST_CASE("odd file links are ignored", "[salesforce][robustness]") {
    content_document_collector c;
    for (auto text :
         {R"({"Id":"1","ContentDocumentLinks":[]})",
          R"({"Id":"1","ContentDocumentLinks":{"records":{}}})",
          R"({"Id":"1","ContentDocumentLinks":{"records":[1,"x",null,{"ContentDocument":[]}]}})",
          R"({"Id":"1","ContentDocumentLinks":{"records":[{"ContentDocument":{"Id":7}}]}})",
          R"({"Id":2,"ContentDocumentLinks":{"records":[{"ContentDocument":{"Id":"069"}}]}})"}) {
        c.add_from_record(parse(text).as_object());
    }
    CHECK(c.size() == 0);
    c.add_from_record(parse(R"({"Id":"1","ContentDocumentLinks":{"records":[{"ContentDocument":
        {"Id":"069","Title":5,"ContentSize":"big","Owner":"x","LatestPublishedVersion":[]}}]}})")
                          .as_object());
    const auto docs = c.take();
    REQUIRE(docs.size() == 1);
    CHECK_FALSE(docs[0].title);
    CHECK_FALSE(docs[0].size());
    CHECK_FALSE(docs[0].version_id);
    CHECK(parse(content_document_json(docs[0], "https://b", nullptr)).is_object());
}

TEST_CASE("odd describe and page bodies", "[salesforce][robustness]") {
    describe_cache d;
    CHECK_THROWS_AS(d.set_global(parse(R"({"sobjects":{}})").as_object()), casio::core::error);
    d.set_global(parse(R"({"sobjects":[1,{"name":3},{"name":"Account","queryable":"yes"},
                                       {"name":"X__c","custom":true}]})")
                     .as_object());
    CHECK_FALSE(d.is_queryable("Account"));
    CHECK(d.custom_objects() == std::vector<std::string>{"X__c"});
    d.set_object("Account", parse(R"({"fields":[{"name":1},"Name",{"name":"Name"}]})").as_object());
    CHECK(d.select_fields("Account", {"Name"}) == std::vector<std::string>{"Name"});

    const auto page = read_query_page(parse(R"({"records":"no","nextRecordsUrl":5})"));
    CHECK(page.records == nullptr);
    CHECK(page.next_records_url.empty());
    CHECK(read_search_records(parse("[]")) == nullptr);
}

TEST_CASE("odd error and token bodies", "[salesforce][robustness]") {
    CHECK(classify_response(400, "[1, \"x\", {}]", std::nullopt, "q")->kind() ==
          casio::core::error_kind::bad_request);
    CHECK(classify_response(403, R"({"errorCode":"REQUEST_LIMIT_EXCEEDED"})", "api-usage=", "q")
              ->kind() == casio::core::error_kind::rate_limited);
    CHECK_THROWS_AS(parse_token_response(200, "not json"), casio::core::error);
    CHECK_THROWS_AS(parse_token_response(200, R"({"access_token":""})"), casio::core::error);
    CHECK_THROWS_AS(parse_token_response(302, ""), casio::core::error);
    read_permission p;
    p.add_assignees(parse(R"([1,{"AssigneeId":5},{"AssigneeId":""}])").as_array());
    CHECK(p.empty());
    CHECK(check_advanced_rules(parse("null")).errors.size() == 1);
}
