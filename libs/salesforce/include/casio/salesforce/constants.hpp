#pragma once
// Fixed facts of the Salesforce source: API version, the objects and fields it reads, the file
// types it extracts and the limits Salesforce imposes. Data only, no behaviour.

#include <array>
#include <cstddef>
#include <string_view>

namespace casio::salesforce {

inline constexpr std::string_view api_version = "v59.0";
inline constexpr std::string_view token_path = "/services/oauth2/token";
inline constexpr std::string_view query_path = "/services/data/v59.0/query";
inline constexpr std::string_view query_all_path = "/services/data/v59.0/queryAll";
inline constexpr std::string_view search_path = "/services/data/v59.0/search";
inline constexpr std::string_view sobjects_path = "/services/data/v59.0/sobjects";

// Salesforce rejects a request whose URI (with headers) exceeds this many bytes with 414/431.
inline constexpr std::size_t max_url_bytes = 16'384;
// At most this many ids in one `IN (...)` list, even when the URL would allow more.
inline constexpr std::size_t max_ids_per_query = 800;
// The FIELDS() path pages with LIMIT/OFFSET: OFFSET may not exceed 2000 on Salesforce.
inline constexpr int fields_page_size = 200;
inline constexpr int fields_max_offset = 2000;
// Nested collections are capped by the queries themselves.
inline constexpr int nested_limit = 500;
inline constexpr std::size_t default_max_file_size = std::size_t{10} * 1024 * 1024;

// Default order of the standard objects (the configuration default and the sync order).
inline constexpr std::array<std::string_view, 6> standard_sobjects = {
    "Account", "Opportunity", "Contact", "Lead", "Campaign", "Case"};

// Objects whose fields are filtered through RELEVANT_SOBJECT_FIELDS (describe order).
inline constexpr std::array<std::string_view, 14> relevant_sobjects = {"Account",
                                                                       "Campaign",
                                                                       "Case",
                                                                       "CaseComment",
                                                                       "CaseFeed",
                                                                       "Contact",
                                                                       "ContentDocument",
                                                                       "ContentDocumentLink",
                                                                       "ContentVersion",
                                                                       "EmailMessage",
                                                                       "FeedComment",
                                                                       "Lead",
                                                                       "Opportunity",
                                                                       "User"};

// Fields of the relevant objects that may be selected (case-sensitive API names).
inline constexpr std::array<std::string_view, 51> relevant_sobject_fields = {
    "AccountId",
    "BccAddress",
    "BillingAddress",
    "Body",
    "CaseNumber",
    "CcAddress",
    "CommentBody",
    "CommentCount",
    "Company",
    "ContentSize",
    "ConvertedAccountId",
    "ConvertedContactId",
    "ConvertedDate",
    "ConvertedOpportunityId",
    "Department",
    "Description",
    "Email",
    "EndDate",
    "FileExtension",
    "FirstOpenedDate",
    "FromAddress",
    "FromName",
    "IsActive",
    "IsClosed",
    "IsDeleted",
    "LastEditById",
    "LastEditDate",
    "LastModifiedById",
    "LatestPublishedVersionId",
    "LeadSource",
    "LinkUrl",
    "MessageDate",
    "Name",
    "OwnerId",
    "ParentId",
    "Phone",
    "PhotoUrl",
    "Rating",
    "StageName",
    "StartDate",
    "Status",
    "StatusParentId",
    "Subject",
    "TextBody",
    "Title",
    "ToAddress",
    "Type",
    "VersionDataUrl",
    "VersionNumber",
    "Website",
    "UserType"};

// File types the extraction pipeline understands (without the dot, lowercase).
inline constexpr std::array<std::string_view, 31> tika_extensions = {
    "txt",  "py",   "rst", "html", "markdown", "json",  "xml", "csv",  "md",  "ppt", "rtf",
    "docx", "odt",  "xls", "xlsx", "rb",       "paper", "sh",  "pptx", "pdf", "doc", "aspx",
    "xlsb", "xlsm", "tsv", "svg",  "msg",      "potx",  "vsd", "vsdx", "vsdm"};

// Users that exist for Salesforce's own automation; they get no access-control document.
inline constexpr std::array<std::string_view, 2> skipped_user_types = {"CloudIntegrationUser",
                                                                       "AutomatedProcess"};

}  // namespace casio::salesforce
