// Every query the connector sends (spec A.7), in the connector's own layout, parses and
// evaluates against a generated org with the shapes the connector reads.
#include <catch2/catch.hpp>
#include <vector>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

namespace {

// The connector's builder: columns joined with ",\n", subqueries as "(\n<sub>)\n".
std::string build(std::vector<std::string> cols, std::string_view from, std::string_view where = {},
                  std::string_view order = {}, std::string_view limit = {}) {
    std::string q = "SELECT ";
    for (std::size_t i = 0; i < cols.size(); ++i) {
        q += (i ? ",\n" : "") + cols[i];
    }
    q += "\nFROM " + std::string(from);
    if (!where.empty())
        q += "\nWHERE " + std::string(where);
    if (!order.empty())
        q += "\nORDER BY " + std::string(order);
    if (!limit.empty())
        q += "\nLIMIT " + std::string(limit);
    return q;
}

std::string sub(const std::string& q) {
    return "(\n" + q + ")\n";
}

const std::string cdl = build(
    {"ContentDocument.Title", "ContentDocument.FileExtension", "ContentDocument.ContentSize",
     "ContentDocument.Description", "ContentDocument.LatestPublishedVersion.VersionDataUrl",
     "ContentDocument.LatestPublishedVersion.VersionNumber", "ContentDocument.Id",
     "ContentDocument.LatestPublishedVersion.Id", "ContentDocument.CreatedDate",
     "ContentDocument.LastModifiedDate", "ContentDocument.LatestPublishedVersion.CreatedDate",
     "ContentDocument.Owner.Id", "ContentDocument.Owner.Name", "ContentDocument.Owner.Email",
     "ContentDocument.CreatedBy.Id", "ContentDocument.CreatedBy.Name",
     "ContentDocument.CreatedBy.Email"},
    "ContentDocumentLinks",
    "ContentDocument.FileExtension IN ('txt','py','rst','html','markdown','json','xml','csv','md',"
    "'ppt','rtf','docx','odt','xls','xlsx','rb','paper','sh','pptx','pdf','doc','aspx','xlsb',"
    "'xlsm','tsv','svg','msg','potx','vsd','vsdx','vsdm')");

const std::vector<std::string> owner = {"Owner.Id", "Owner.Name", "Owner.Email"};
const std::vector<std::string> created_by = {"CreatedBy.Id", "CreatedBy.Name", "CreatedBy.Email"};

std::vector<std::string> cat(std::vector<std::vector<std::string>> parts) {
    std::vector<std::string> out;
    for (auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

const org& generated() {
    static const org o(org_options{7, 60});
    return o;
}

}  // namespace

TEST_CASE("connector Account query: owner, parent, latest opportunity, files",
          "[mock_sf][connector]") {
    auto opp = build({"Id", "Name", "StageName"}, "Opportunities", {}, "CreatedDate DESC", "1");
    auto q = build(cat({{"Id", "CreatedDate", "LastModifiedDate", "Name", "Description",
                         "BillingAddress", "Type", "Website", "Rating"},
                        owner,
                        {"Parent.Id", "Parent.Name", sub(opp), sub(cdl)}}),
                   "Account");
    auto page = query_page(generated(), q);
    CHECK(page.at("totalSize").as_int64() == 60);
    const auto& recs = page.at("records").as_array();
    REQUIRE(recs.size() == 60);
    int with_opps = 0, with_files = 0, null_files = 0;
    for (const auto& r : recs) {
        const auto& o = r.as_object();
        CHECK(str(o.at("Id")).substr(0, 3) == "001");
        CHECK(str(o.at("LastModifiedDate")).size() == 28);
        CHECK(str(o.at("Owner").at("attributes").at("type")) == "User");
        if (!o.at("Opportunities").is_null()) {
            ++with_opps;
            CHECK(o.at("Opportunities").at("records").as_array().size() == 1);
        }
        if (o.at("ContentDocumentLinks").is_null()) {
            ++null_files;
        } else {
            ++with_files;
            const auto& link = o.at("ContentDocumentLinks").at("records").at(0);
            const auto& doc = link.at("ContentDocument");
            CHECK(str(doc.at("Id")).substr(0, 3) == "069");
            CHECK(str(doc.at("LatestPublishedVersion").at("Id")).substr(0, 3) == "068");
            CHECK(doc.at("ContentSize").is_int64());
        }
    }
    CHECK(with_opps > 0);
    CHECK(with_opps < 60);
    CHECK(with_files > 0);
    CHECK(null_files > 0);
}

TEST_CASE("connector queries of the other standard objects evaluate", "[mock_sf][connector]") {
    const auto& o = generated();
    const std::vector<std::string> meta = {"Id", "CreatedDate", "LastModifiedDate"};
    auto em = build(cat({{"Id", "ParentId", "MessageDate", "LastModifiedById", "TextBody",
                          "Subject", "FromName", "FromAddress", "ToAddress", "CcAddress",
                          "BccAddress", "Status", "IsDeleted", "FirstOpenedDate"},
                         created_by}),
                    "EmailMessages", {}, {}, "500");
    auto cc = build(cat({meta, {"ParentId", "CommentBody", "LastModifiedById"}, created_by}),
                    "CaseComments", {}, {}, "500");
    const std::vector<std::string> queries = {
        build(cat({meta, {"Name", "Description", "StageName"}, owner, {sub(cdl)}}), "Opportunity"),
        build(cat({meta,
                   {"Name", "Description", "Email", "Phone", "Title", "PhotoUrl", "LeadSource",
                    "AccountId", "OwnerId", sub(cdl)}}),
              "Contact"),
        build(cat({meta,
                   {"Company", "ConvertedAccountId", "ConvertedContactId", "ConvertedDate",
                    "ConvertedOpportunityId", "Description", "Email", "LeadSource", "Name",
                    "OwnerId", "Phone", "PhotoUrl", "Rating", "Status", "Title", sub(cdl)}}),
              "Lead"),
        build(cat({meta,
                   {"Name", "IsActive", "Type", "Description", "Status", "StartDate", "EndDate"},
                   owner,
                   {"Parent.Id", "Parent.Name", sub(cdl)}}),
              "Campaign"),
        build(cat({meta,
                   {"Subject", "Description", "CaseNumber", "Status", "AccountId", "ParentId",
                    "IsClosed", "IsDeleted"},
                   owner,
                   created_by,
                   {sub(em), sub(cc), sub(cdl)}}),
              "Case"),
        build(cat({meta, {"Name", "Email", "UserType"}}), "User"),
        "SELECT Id, Name FROM Account",
        "SELECT Id, Name, Email FROM Contact",
        "SELECT Id, Name FROM Opportunity",
        "SELECT Id, Name, Email FROM User",
        // Custom object: lower-case describe names, no explicit metafields.
        build({"id", "isdeleted", "ownerid", "createddate", "lastmodifieddate", "name",
               "account__c", "status__c", "budget__c", "start_date__c", "description__c", sub(cdl)},
              "Project__c"),
    };
    for (const auto& q : queries) {
        INFO(q);
        auto page = query_page(o, q);
        CHECK(page.at("totalSize").as_int64() > 0);
        CHECK(page.at("records").as_array().size() ==
              static_cast<std::size_t>(page.at("totalSize").as_int64()));
    }
    auto cases = records(o, queries[4]);
    bool emails = false, comments = false;
    for (const auto& c : cases) {
        emails |= !c.at("EmailMessages").is_null();
        comments |= !c.at("CaseComments").is_null();
        CHECK(c.at("IsClosed").is_bool());
    }
    CHECK(emails);
    CHECK(comments);
    // Custom records come back with canonical names.
    auto projects = records(o, queries.back());
    CHECK(projects.at(0).as_object().contains("Account__c"));
    CHECK(str(projects.at(0).at("attributes").at("type")) == "Project__c");
}

TEST_CASE("connector CaseFeed query with its FeedComments join", "[mock_sf][connector]") {
    const auto& o = generated();
    auto cases = records(o, "SELECT Id FROM Case LIMIT 6");
    std::string ids;
    for (const auto& c : cases) {
        ids += (ids.empty() ? "'" : ",'") + str(c.at("Id")) + "'";
    }
    auto fc = build(cat({{"Id", "ParentId", "CreatedDate", "LastEditById", "LastEditDate",
                          "CommentBody", "IsDeleted"},
                         created_by}),
                    "FeedComments", {}, {}, "500");
    auto q = build(cat({{"Id", "CreatedDate", "LastModifiedDate", "ParentId", "Type", "IsDeleted",
                         "CommentCount", "Title", "Body", "LinkUrl"},
                        created_by,
                        {sub(fc)}}),
                   "CaseFeed", "ParentId IN (" + ids + ")");
    auto feeds = records(o, q);
    REQUIRE_FALSE(feeds.empty());
    for (const auto& f : feeds) {
        bool parent_listed = ids.find(str(f.at("ParentId"))) != std::string::npos;
        CHECK(parent_listed);
        const auto count = f.at("CommentCount").as_int64();
        if (count == 0) {
            CHECK(f.at("FeedComments").is_null());
        } else {
            CHECK(f.at("FeedComments").at("totalSize").as_int64() == count);
        }
    }
}

TEST_CASE("connector DLS and file-access queries", "[mock_sf][connector]") {
    const auto& o = generated();
    auto assignees = records(
        o,
        "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN (SELECT ParentId "
        "FROM ObjectPermissions WHERE PermissionsRead = true AND SObjectType = 'Case')");
    REQUIRE_FALSE(assignees.empty());
    std::string ids;
    for (const auto& a : assignees) {
        ids += (ids.empty() ? "'" : ", '") + str(a.at("AssigneeId")) + "'";
    }
    auto users = records(o, "SELECT Name, Email FROM User WHERE Id IN (" + ids + ")");
    CHECK_FALSE(users.empty());
    CHECK(users.size() <= assignees.size());
    // FILE_ACCESS for a document linked from several records.
    auto doc = records(o, "SELECT Id FROM ContentDocument LIMIT 1").at(0).at("Id");
    auto links = records(
        o,
        "SELECT ContentDocumentId, LinkedEntityId, LinkedEntity.Name FROM ContentDocumentLink "
        "WHERE ContentDocumentId = '" +
            str(doc) + "'");
    REQUIRE(links.size() >= 2);
    for (const auto& l : links) {
        CHECK(str(l.at("ContentDocumentId")) == str(doc));
        CHECK(l.at("LinkedEntity").at("Name").is_string());
    }
}
