#pragma once
// Document-level security: identity strings, the per-object-type read permission sets (Salesforce
// DLS is type-level: every user with Read on a type sees every record of it), and the
// access-control documents of the ACL sync.

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <casio/core/time.hpp>
#include <casio/salesforce/mapping.hpp>

namespace casio::salesforce {

// `user:<name>` (nullopt for an empty name), `user_id:<id>` (nullopt for an empty id),
// `email:<email>` (an empty e-mail still gives `email:`).
std::optional<std::string> prefix_user(std::string_view name);
std::optional<std::string> prefix_user_id(std::string_view id);
std::optional<std::string> prefix_email(std::string_view email);

// The mustache query template of every access-control document (byte-exact).
extern const std::string_view dls_query_source;

// Read permission of one object type, built from the PermissionSetAssignment records and then
// the User records of those assignees. Never holds a null or empty identity.
class read_permission {
  public:
    // Adds one page of `SELECT AssigneeId FROM PermissionSetAssignment ...` records.
    void add_assignees(const boost::json::array& records);
    // Assignee ids collected so far (for the user name queries), sorted.
    std::vector<std::string> assignee_ids() const;
    // Adds one page of `SELECT Name, Email FROM User WHERE Id IN (...)` records.
    void add_users(const boost::json::array& records);
    // Identities, sorted and unique.
    std::vector<std::string> identities() const;
    bool empty() const noexcept { return identities_.empty(); }

  private:
    std::vector<std::string> assignees_;
    std::vector<std::string> identities_;
};

// Read permissions of the object types seen in one sync. A type with no assignee is cached as
// empty too, so it is queried once per sync, not once per record.
class permission_cache {
  public:
    // nullptr: not computed yet.
    const std::vector<std::string>* find(std::string_view sobject) const;
    void put(std::string_view sobject, std::vector<std::string> identities);
    std::size_t size() const noexcept { return by_type_.size(); }

  private:
    // A deque: identities handed out by find() stay valid while other types are added.
    std::deque<std::pair<std::string, std::vector<std::string>>> by_type_;
};

// One access-control document per user (nullopt: an automation user type). A user without Id
// throws record_without_id("User"): the identities listed are not complete. `created_at` /
// `_timestamp` are the raw CreatedDate / LastModifiedDate, or `now` (UTC) when absent.
std::optional<sync::document> access_control_document(const boost::json::object& user,
                                                      core::sys_us now);

}  // namespace casio::salesforce
