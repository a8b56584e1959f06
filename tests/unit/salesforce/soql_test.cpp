#include <catch2/catch.hpp>

#include <casio/salesforce/queries.hpp>
#include <casio/salesforce/soql.hpp>

#include "sf_fakes.hpp"
#include "sf_test_util.hpp"

using namespace casio::salesforce;
using namespace casio::salesforce::test;
using cols = std::set<std::string>;

namespace {

const std::string base = "https://acme.my.salesforce.com";

std::string cdl() {
    return "(\n" + content_document_links_join(full_describe()) + ")\n";
}

}  // namespace

TEST_CASE("builder renders clauses in order and de-duplicates columns", "[salesforce][soql]") {
    soql_builder b("Account");
    b.with_id().with_default_metafields().with_field("Id").with_field("Name");
    b.with_where("Name = 'x'").with_order_by("CreatedDate DESC").with_limit(5);
    CHECK(b.build() ==
          "SELECT Id,\nCreatedDate,\nLastModifiedDate,\nName\nFROM Account\nWHERE Name = "
          "'x'\nORDER BY CreatedDate DESC\nLIMIT 5");
}

TEST_CASE("escaping quotes and backslashes in SOQL literals", "[salesforce][soql]") {
    CHECK(escape_soql("O'Brien") == "O\\'Brien");
    CHECK(escape_soql("a\\b") == "a\\\\b");
    CHECK(quote_soql("x\\'; DELETE") == "'x\\\\\\'; DELETE'");
    CHECK(users_with_read_access_query("Weird'Obj__c").find("SObjectType = 'Weird\\'Obj__c'") !=
          std::string::npos);
    CHECK(file_access_query("069'x") ==
          "SELECT ContentDocumentId, LinkedEntityId, LinkedEntity.Name FROM ContentDocumentLink "
          "WHERE ContentDocumentId = '069\\'x'");
}

TEST_CASE("the files join selects document, version and people columns", "[salesforce][soql]") {
    const auto q = content_document_links_join(full_describe());
    CHECK(columns_of(q) == cols{"ContentDocument.Title", "ContentDocument.FileExtension",
                                "ContentDocument.ContentSize", "ContentDocument.Description",
                                "ContentDocument.LatestPublishedVersion.VersionDataUrl",
                                "ContentDocument.LatestPublishedVersion.VersionNumber",
                                "ContentDocument.Id", "ContentDocument.LatestPublishedVersion.Id",
                                "ContentDocument.CreatedDate", "ContentDocument.LastModifiedDate",
                                "ContentDocument.LatestPublishedVersion.CreatedDate",
                                "ContentDocument.Owner.Id", "ContentDocument.Owner.Name",
                                "ContentDocument.Owner.Email", "ContentDocument.CreatedBy.Id",
                                "ContentDocument.CreatedBy.Name",
                                "ContentDocument.CreatedBy.Email"});
    CHECK(tail_of(q) ==
          "\nFROM ContentDocumentLinks\nWHERE ContentDocument.FileExtension IN "
          "('txt','py','rst','html','markdown','json','xml','csv','md','ppt','rtf','docx','odt',"
          "'xls','xlsx','rb','paper','sh','pptx','pdf','doc','aspx','xlsb','xlsm','tsv','svg',"
          "'msg','potx','vsd','vsdx','vsdm')");
}

TEST_CASE("Account query columns", "[salesforce][soql]") {
    const auto d = full_describe();
    const auto q = account_query(d);
    const std::string opp =
        "(\nSELECT Id,\nName,\nStageName\nFROM Opportunities\nORDER BY CreatedDate DESC\nLIMIT "
        "1)\n";
    CHECK(columns_of(q) == cols{"Id", "CreatedDate", "LastModifiedDate", "Name", "Description",
                                "BillingAddress", "Type", "Website", "Rating", "Department",
                                "Owner.Id", "Owner.Name", "Owner.Email", "Parent.Id", "Parent.Name",
                                opp, cdl()});
    CHECK(tail_of(q) == "\nFROM Account");
}

TEST_CASE("Opportunity, Contact, Lead and Campaign query columns", "[salesforce][soql]") {
    const auto d = full_describe();
    CHECK(columns_of(opportunity_query(d)) == cols{"Id", "CreatedDate", "LastModifiedDate", "Name",
                                                   "Description", "StageName", "Owner.Id",
                                                   "Owner.Name", "Owner.Email", cdl()});
    CHECK(columns_of(contact_query(d)) ==
          cols{"Id", "CreatedDate", "LastModifiedDate", "Name", "Description", "Email", "Phone",
               "Title", "PhotoUrl", "LeadSource", "AccountId", "OwnerId", "Account.Id",
               "Account.Name", "Owner.Id", "Owner.Name", "Owner.Email", cdl()});
    CHECK(columns_of(lead_query(d)) == cols{"Id",
                                            "CreatedDate",
                                            "LastModifiedDate",
                                            "Company",
                                            "ConvertedAccountId",
                                            "ConvertedContactId",
                                            "ConvertedDate",
                                            "ConvertedOpportunityId",
                                            "Description",
                                            "Email",
                                            "LeadSource",
                                            "Name",
                                            "OwnerId",
                                            "Phone",
                                            "PhotoUrl",
                                            "Rating",
                                            "Status",
                                            "Title",
                                            "Owner.Id",
                                            "Owner.Name",
                                            "Owner.Email",
                                            "ConvertedAccount.Id",
                                            "ConvertedAccount.Name",
                                            "ConvertedContact.Id",
                                            "ConvertedContact.Name",
                                            "ConvertedContact.Email",
                                            "ConvertedOpportunity.Id",
                                            "ConvertedOpportunity.Name",
                                            cdl()});
    CHECK(columns_of(campaign_query(d)) == cols{"Id", "CreatedDate", "LastModifiedDate", "Name",
                                                "IsActive", "Type", "Description", "Status",
                                                "StartDate", "EndDate", "Owner.Id", "Owner.Name",
                                                "Owner.Email", "Parent.Id", "Parent.Name", cdl()});
    CHECK(tail_of(lead_query(d)) == "\nFROM Lead");
    CHECK(standard_object_query("Campaign", d) == campaign_query(d));
    CHECK(standard_object_query("Unknown", d).empty());
}

TEST_CASE("Case query with email messages and comments", "[salesforce][soql]") {
    const auto d = full_describe();
    const std::string em =
        "(\nSELECT Id,\nParentId,\nMessageDate,\nLastModifiedById,\nTextBody,\nSubject,\n"
        "FromName,\nFromAddress,\nToAddress,\nCcAddress,\nBccAddress,\nStatus,\nIsDeleted,\n"
        "FirstOpenedDate,\nCreatedBy.Id,\nCreatedBy.Name,\nCreatedBy.Email\nFROM "
        "EmailMessages\nLIMIT 500)\n";
    const std::string cc =
        "(\nSELECT Id,\nCreatedDate,\nLastModifiedDate,\nParentId,\nCommentBody,\n"
        "LastModifiedById,\nCreatedBy.Id,\nCreatedBy.Name,\nCreatedBy.Email\nFROM "
        "CaseComments\nLIMIT 500)\n";
    CHECK(columns_of(case_query(d)) == cols{"Id",
                                            "CreatedDate",
                                            "LastModifiedDate",
                                            "Subject",
                                            "Description",
                                            "CaseNumber",
                                            "Status",
                                            "AccountId",
                                            "ParentId",
                                            "IsClosed",
                                            "IsDeleted",
                                            "Owner.Id",
                                            "Owner.Name",
                                            "Owner.Email",
                                            "CreatedBy.Id",
                                            "CreatedBy.Name",
                                            "CreatedBy.Email",
                                            em,
                                            cc,
                                            cdl()});
}

TEST_CASE("CaseFeed query with feed comments", "[salesforce][soql]") {
    const auto d = full_describe();
    const auto qs = case_feed_queries(d, base, {"500A", "500B"});
    REQUIRE(qs.size() == 1);
    const auto where = qs[0].rfind("\nFROM ");
    CHECK(qs[0].substr(where) == "\nFROM CaseFeed\nWHERE ParentId IN ('500A','500B')");
    const std::string fc =
        "(\nSELECT Id,\nParentId,\nLastEditById,\nLastEditDate,\nCommentBody,\nIsDeleted,\n"
        "StatusParentId,\nCreatedBy.Id,\nCreatedBy.Name,\nCreatedBy.Email\nFROM "
        "FeedComments\nLIMIT 500)\n";
    CHECK(columns_of(qs[0].substr(0, where) + "\nFROM CaseFeed") ==
          cols{"Id", "CreatedDate", "LastModifiedDate", "ParentId", "Type", "IsDeleted",
               "CommentCount", "Title", "Body", "LinkUrl", "CreatedBy.Id", "CreatedBy.Name",
               "CreatedBy.Email", fc});
    CHECK(case_feed_queries(d, base, {}).empty());
}

TEST_CASE("custom object, user and cache queries", "[salesforce][soql]") {
    auto d = full_describe();
    d.set_object("Connector__c",
                 parse(R"({"fields":[{"name":"Id"},{"name":"Name"},{"name":"Custom_Fields__c"},
                                     {"name":"LastModifiedDate"}]})")
                     .as_object());
    CHECK(columns_of(custom_object_query("Connector__c", d)) ==
          cols{"Id", "Name", "Custom_Fields__c", "LastModifiedDate", cdl()});
    CHECK(custom_object_query("Missing__c", d).empty());
    CHECK(columns_of(user_query(d)) ==
          cols{"Id", "CreatedDate", "LastModifiedDate", "Name", "Email", "UserType"});
}

TEST_CASE("fields missing from the describe are left out", "[salesforce][soql][describe]") {
    describe_cache d;
    d.set_global(parse(R"({"sobjects":[{"name":"Contact","queryable":true},
                                       {"name":"Opportunity","queryable":false}]})")
                     .as_object());
    d.set_object("Contact",
                 parse(R"({"fields":[{"name":"Name"},{"name":"Secret__c"}]})").as_object());
    // Not queryable: files (CDL) are omitted too.
    CHECK(columns_of(contact_query(d)) == cols{"Id", "CreatedDate", "LastModifiedDate", "Name"});
    CHECK_FALSE(d.is_queryable("Opportunity"));
    CHECK(d.is_queryable("contact"));
}

TEST_CASE("BUG describe 404: an object that cannot be described is skipped, not fatal",
          "[salesforce][soql][describe][bug]") {
    auto d = full_describe();
    d.mark_failed("Opportunity");
    d.mark_failed("EmailMessage");
    CHECK_FALSE(d.usable("Opportunity"));
    // The Account query loses only its Opportunities join; Case loses its EmailMessages.
    const auto account = columns_of(account_query(d));
    CHECK(account.count("Name") == 1);
    CHECK(std::none_of(account.begin(), account.end(), [](const std::string& c) {
        return c.find("Opportunities") != std::string::npos;
    }));
    const auto cs = columns_of(case_query(d));
    CHECK(std::none_of(cs.begin(), cs.end(), [](const std::string& c) {
        return c.find("EmailMessages") != std::string::npos;
    }));
    CHECK(std::any_of(cs.begin(), cs.end(), [](const std::string& c) {
        return c.find("CaseComments") != std::string::npos;
    }));
    // Only what a query reads is described: Contact needs no Case, CaseFeed or User describe.
    const auto needed = describes_needed_for("Contact");
    CHECK(std::vector<std::string_view>(needed.begin(), needed.end()) ==
          std::vector<std::string_view>{"Contact", "ContentDocument", "ContentVersion"});
}

TEST_CASE("BUG single-id IN list: one id renders ('005A')", "[salesforce][soql][dls][bug]") {
    const auto one = users_by_id_queries(base, {"005A"});
    REQUIRE(one.size() == 1);
    CHECK(one[0] == "SELECT Name, Email FROM User WHERE Id IN ('005A')");
    const auto two = users_by_id_queries(base, {"005A", "005B"});
    REQUIRE(two.size() == 1);
    CHECK(two[0] == "SELECT Name, Email FROM User WHERE Id IN ('005A', '005B')");
    CHECK(users_by_id_queries(base, {}).empty());
}

TEST_CASE("BUG CaseFeed IN list over the URI limit: split under 16,384 bytes",
          "[salesforce][soql][bug]") {
    const auto d = full_describe();
    std::vector<std::string> ids;
    for (int i = 0; i < 2000; ++i) {
        auto n = std::to_string(i);
        ids.push_back("500" + std::string(15 - n.size(), '0') + n);
    }
    const auto qs = case_feed_queries(d, base, ids);
    REQUIRE(qs.size() > 3);  // 800 per query would give 3
    std::size_t total = 0;
    std::vector<std::string> seen;
    for (const auto& q : qs) {
        const auto url = query_url(base, q);
        CHECK(url.size() < max_url_bytes);
        CHECK(casio::core::percent_decode(url.substr(url.find("?q=") + 3), false) == q);
        const auto open = q.rfind('(');
        const auto list = q.substr(open + 1, q.size() - open - 2);
        std::size_t count = 1 + static_cast<std::size_t>(std::count(list.begin(), list.end(), ','));
        CHECK(count <= max_ids_per_query);
        total += count;
    }
    CHECK(total == ids.size());
    // The first chunk is as full as the limit allows: adding one more id would cross it.
    const auto first = query_url(base, qs[0]);
    CHECK(first.size() + percent_encode(",'500000000000000000'").size() >= max_url_bytes);
}

TEST_CASE("split respects the id cap when URLs are short", "[salesforce][soql]") {
    std::vector<std::string> ids(1700, "a");
    const auto qs = split_in_queries("http://x", "SELECT Id FROM T WHERE Id IN ", ids, ",", "");
    REQUIRE(qs.size() == 3);
    CHECK(std::count(qs[0].begin(), qs[0].end(), ',') == 799);
    CHECK(std::count(qs[2].begin(), qs[2].end(), ',') == 99);
}

TEST_CASE("query URLs percent-encode the SOQL", "[salesforce][soql]") {
    CHECK(query_url("http://h", "SELECT Id FROM A WHERE N = 'a&b'") ==
          "http://h/services/data/v59.0/query?q=SELECT%20Id%20FROM%20A%20WHERE%20N%20%3D%20%27a%"
          "26b%27");
    CHECK(search_url("http://h", "FIND {x}") ==
          "http://h/services/data/v59.0/search?q=FIND%20%7Bx%7D");
    CHECK(version_data_path("068A") ==
          "/services/data/v59.0/sobjects/ContentVersion/068A/VersionData");
    CHECK(describe_path("Account") == "/services/data/v59.0/sobjects/Account/describe");
}
