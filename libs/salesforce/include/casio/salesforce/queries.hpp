#pragma once
// The SOQL of every object the connector reads. Field lists pass through the describe cache:
// a field the org does not have, or an object that is not queryable or could not be described,
// is left out instead of producing an INVALID_FIELD error.

#include <string>
#include <string_view>
#include <vector>

#include <casio/salesforce/describe.hpp>

namespace casio::salesforce {

// The ContentDocumentLinks subquery shared by every record query; empty when files are not
// queryable in the org.
std::string content_document_links_join(const describe_cache& d);

std::string account_query(const describe_cache& d);
std::string opportunity_query(const describe_cache& d);
std::string contact_query(const describe_cache& d);
std::string lead_query(const describe_cache& d);
std::string campaign_query(const describe_cache& d);
std::string case_query(const describe_cache& d);
// One of the six standard objects by name; empty for any other name.
std::string standard_object_query(std::string_view sobject, const describe_cache& d);

// The same restricted by `where` (a SOQL condition, or a prefix such as "Id IN " that
// split_in_queries completes); empty for an object it does not know.
std::string standard_object_query(std::string_view sobject, const describe_cache& d,
                                  std::string_view where);

// CaseFeed queries for the case ids of one page, split so every request URL stays under the
// URI limit (and at most 800 ids per query).
std::vector<std::string> case_feed_queries(const describe_cache& d, std::string_view base_url,
                                           const std::vector<std::string>& case_ids);

// Every field of the described custom object plus its files. Empty when it has no fields.
std::string custom_object_query(std::string_view sobject, const describe_cache& d);
std::string custom_object_query(std::string_view sobject, const describe_cache& d,
                                std::string_view where);

// Users for the access-control sync.
std::string user_query(const describe_cache& d);
// The same restricted by `where` (a condition, or a prefix such as "Id IN ").
std::string user_query(const describe_cache& d, std::string_view where);

// DLS: users holding Read on the object type (through profiles / permission sets).
std::string users_with_read_access_query(std::string_view sobject);
// DLS: names and e-mails of users, in URL-bounded chunks. A single id renders `('005A')`.
std::vector<std::string> users_by_id_queries(std::string_view base_url,
                                             const std::vector<std::string>& user_ids);
// Who a file is shared with.
std::string file_access_query(std::string_view content_document_id);

// The path of a file's binary content (append to the base URL).
std::string version_data_path(std::string_view content_version_id);
// The path of an object's describe.
std::string describe_path(std::string_view sobject);

}  // namespace casio::salesforce
