#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/queries.hpp>
#include <casio/salesforce/soql.hpp>

namespace casio::salesforce {

namespace {

using field_list = std::vector<std::string_view>;

soql_builder& with_owner(soql_builder& b) {
    return b.with_field("Owner.Id").with_field("Owner.Name").with_field("Owner.Email");
}

soql_builder& with_created_by(soql_builder& b) {
    return b.with_field("CreatedBy.Id").with_field("CreatedBy.Name").with_field("CreatedBy.Email");
}

soql_builder& with_parent(soql_builder& b) {
    return b.with_field("Parent.Id").with_field("Parent.Name");
}

std::string extension_list() {
    std::string out = "(";
    bool first = true;
    for (auto ext : tika_extensions) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += quote_soql(ext);
    }
    out += ')';
    return out;
}

std::string opportunities_join(const describe_cache& d) {
    if (!d.usable("Opportunity")) {
        return {};
    }
    soql_builder b("Opportunities");
    b.with_id().with_fields(d.select_fields("Opportunity", {"Name", "StageName"}));
    return b.with_order_by("CreatedDate DESC").with_limit(1).build();
}

std::string email_messages_join(const describe_cache& d) {
    if (!d.usable("EmailMessage")) {
        return {};
    }
    soql_builder b("EmailMessages");
    b.with_id().with_fields(d.select_fields(
        "EmailMessage", {"ParentId", "MessageDate", "LastModifiedById", "TextBody", "Subject",
                         "FromName", "FromAddress", "ToAddress", "CcAddress", "BccAddress",
                         "Status", "IsDeleted", "FirstOpenedDate"}));
    with_created_by(b);
    return b.with_limit(nested_limit).build();
}

std::string case_comments_join(const describe_cache& d) {
    if (!d.usable("CaseComment")) {
        return {};
    }
    soql_builder b("CaseComments");
    b.with_id().with_default_metafields().with_fields(
        d.select_fields("CaseComment", {"ParentId", "CommentBody", "LastModifiedById"}));
    with_created_by(b);
    return b.with_limit(nested_limit).build();
}

std::string feed_comments_join(const describe_cache& d) {
    if (!d.usable("FeedComment")) {
        return {};
    }
    soql_builder b("FeedComments");
    b.with_id().with_fields(
        d.select_fields("FeedComment", {"ParentId", "CreatedDate", "LastEditById", "LastEditDate",
                                        "CommentBody", "IsDeleted", "StatusParentId"}));
    with_created_by(b);
    return b.with_limit(nested_limit).build();
}

soql_builder record_query(std::string_view sobject, const describe_cache& d,
                          const field_list& fields) {
    soql_builder b(sobject);
    b.with_id().with_default_metafields().with_fields(d.select_fields(sobject, fields));
    return b;
}

// The parent records of Contact and Lead enrichment, read through their relationships in the
// same query (instead of whole Id -> Name tables of the org): only when the reference field
// exists and the parent object can be queried, else the enrichment is `{}` as for a parent
// that cannot be read.
void with_enrichment(soql_builder& b, std::string_view sobject, const describe_cache& d) {
    for (const auto& r : enrichment_relationships(sobject)) {
        if (!d.usable(r.parent) || d.select_fields(sobject, {r.id_field}).empty()) {
            continue;
        }
        const std::string prefix = std::string(r.key) + ".";
        b.with_field(prefix + "Id").with_field(prefix + "Name");
        if (r.with_email) {
            b.with_field(prefix + "Email");
        }
    }
}

}  // namespace

std::string content_document_links_join(const describe_cache& d) {
    if (!d.usable("ContentDocumentLink") || !d.usable("ContentDocument") ||
        !d.usable("ContentVersion")) {
        return {};
    }
    soql_builder b("ContentDocumentLinks");
    b.with_fields(d.select_fields("ContentDocument",
                                  {"Title", "FileExtension", "ContentSize", "Description"}),
                  "ContentDocument.");
    b.with_fields(d.select_fields("ContentVersion", {"VersionDataUrl", "VersionNumber"}),
                  "ContentDocument.LatestPublishedVersion.");
    for (auto f : {"ContentDocument.Id", "ContentDocument.LatestPublishedVersion.Id",
                   "ContentDocument.CreatedDate", "ContentDocument.LastModifiedDate",
                   "ContentDocument.LatestPublishedVersion.CreatedDate", "ContentDocument.Owner.Id",
                   "ContentDocument.Owner.Name", "ContentDocument.Owner.Email",
                   "ContentDocument.CreatedBy.Id", "ContentDocument.CreatedBy.Name",
                   "ContentDocument.CreatedBy.Email"}) {
        b.with_field(f);
    }
    b.with_where("ContentDocument.FileExtension IN " + extension_list());
    return b.build();
}

std::string account_query(const describe_cache& d) {
    auto b = record_query(
        "Account", d,
        {"Name", "Description", "BillingAddress", "Type", "Website", "Rating", "Department"});
    with_owner(b);
    with_parent(b);
    b.with_join(opportunities_join(d));
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string opportunity_query(const describe_cache& d) {
    auto b = record_query("Opportunity", d, {"Name", "Description", "StageName"});
    with_owner(b);
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string contact_query(const describe_cache& d) {
    auto b = record_query("Contact", d,
                          {"Name", "Description", "Email", "Phone", "Title", "PhotoUrl",
                           "LeadSource", "AccountId", "OwnerId"});
    with_enrichment(b, "Contact", d);
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string lead_query(const describe_cache& d) {
    auto b = record_query("Lead", d,
                          {"Company", "ConvertedAccountId", "ConvertedContactId", "ConvertedDate",
                           "ConvertedOpportunityId", "Description", "Email", "LeadSource", "Name",
                           "OwnerId", "Phone", "PhotoUrl", "Rating", "Status", "Title"});
    with_enrichment(b, "Lead", d);
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string campaign_query(const describe_cache& d) {
    auto b =
        record_query("Campaign", d,
                     {"Name", "IsActive", "Type", "Description", "Status", "StartDate", "EndDate"});
    with_owner(b);
    with_parent(b);
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string case_query(const describe_cache& d) {
    auto b = record_query("Case", d,
                          {"Subject", "Description", "CaseNumber", "Status", "AccountId",
                           "ParentId", "IsClosed", "IsDeleted"});
    with_owner(b);
    with_created_by(b);
    b.with_join(email_messages_join(d));
    b.with_join(case_comments_join(d));
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string standard_object_query(std::string_view sobject, const describe_cache& d,
                                  std::string_view where) {
    auto q = standard_object_query(sobject, d);
    if (!q.empty() && !where.empty()) {
        // The main query has neither WHERE, ORDER BY nor LIMIT of its own (only subqueries do).
        q += "\nWHERE ";
        q += where;
    }
    return q;
}

std::string custom_object_query(std::string_view sobject, const describe_cache& d,
                                std::string_view where) {
    auto q = custom_object_query(sobject, d);
    if (!q.empty() && !where.empty()) {
        q += "\nWHERE ";
        q += where;
    }
    return q;
}

std::string standard_object_query(std::string_view sobject, const describe_cache& d) {
    if (sobject == "Account")
        return account_query(d);
    if (sobject == "Opportunity")
        return opportunity_query(d);
    if (sobject == "Contact")
        return contact_query(d);
    if (sobject == "Lead")
        return lead_query(d);
    if (sobject == "Campaign")
        return campaign_query(d);
    if (sobject == "Case")
        return case_query(d);
    return {};
}

std::vector<std::string> case_feed_queries(const describe_cache& d, std::string_view base_url,
                                           const std::vector<std::string>& case_ids) {
    auto b =
        record_query("CaseFeed", d,
                     {"ParentId", "Type", "IsDeleted", "CommentCount", "Title", "Body", "LinkUrl"});
    with_created_by(b);
    b.with_join(feed_comments_join(d));
    // The builder renders "...\nWHERE <cond>"; the id list is appended after the prefix.
    b.with_where("ParentId IN ");
    return split_in_queries(base_url, b.build(), case_ids, ",", "");
}

std::string custom_object_query(std::string_view sobject, const describe_cache& d) {
    auto fields = d.all_fields(sobject);
    if (fields.empty()) {
        return {};
    }
    soql_builder b(sobject);
    b.with_fields(fields);
    b.with_join(content_document_links_join(d));
    return b.build();
}

std::string user_query(const describe_cache& d) {
    return record_query("User", d, {"Name", "Email", "UserType"}).build();
}

std::string user_query(const describe_cache& d, std::string_view where) {
    return record_query("User", d, {"Name", "Email", "UserType"}).with_where(where).build();
}

std::string users_with_read_access_query(std::string_view sobject) {
    return "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN (SELECT "
           "ParentId FROM ObjectPermissions WHERE PermissionsRead = true AND SObjectType = " +
           quote_soql(sobject) + ")";
}

std::vector<std::string> users_by_id_queries(std::string_view base_url,
                                             const std::vector<std::string>& user_ids) {
    return split_in_queries(base_url, "SELECT Name, Email FROM User WHERE Id IN ", user_ids, ", ",
                            "");
}

std::string file_access_query(std::string_view content_document_id) {
    return "SELECT ContentDocumentId, LinkedEntityId, LinkedEntity.Name FROM ContentDocumentLink "
           "WHERE ContentDocumentId = " +
           quote_soql(content_document_id);
}

std::string version_data_path(std::string_view content_version_id) {
    std::string p(sobjects_path);
    p += "/ContentVersion/";
    p += percent_encode(content_version_id);
    p += "/VersionData";
    return p;
}

std::string describe_path(std::string_view sobject) {
    std::string p(sobjects_path);
    p += '/';
    p += percent_encode(sobject);
    p += "/describe";
    return p;
}

}  // namespace casio::salesforce
