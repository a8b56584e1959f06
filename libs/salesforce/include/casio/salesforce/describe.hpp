#pragma once
// What the org says about its objects: which relevant objects are queryable (global describe),
// and which fields each described object has. Filled lazily by the client, one object at a time,
// only for the objects a query needs; an object whose describe failed is remembered as such and
// its fields are left out of every query instead of failing the sync.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

namespace casio::salesforce {

class describe_cache {
  public:
    // Feeds the body of GET /sobjects. Throws core::error(bad_request) when it has no
    // `sobjects` array.
    void set_global(const boost::json::object& body);
    bool has_global() const noexcept { return has_global_; }

    // A relevant object marked queryable by the global describe (case-insensitive name).
    bool is_queryable(std::string_view sobject) const;
    // Custom objects of the org: `custom == true` and a name ending in `__c`, in describe order.
    const std::vector<std::string>& custom_objects() const noexcept { return custom_objects_; }

    // Feeds the body of GET /sobjects/<name>/describe. Relevant objects keep only the fields in
    // relevant_sobject_fields; other (custom) objects keep every field.
    void set_object(std::string_view sobject, const boost::json::object& body);
    // The describe of `sobject` failed (404, no access): it has no usable fields.
    void mark_failed(std::string_view sobject);
    bool is_described(std::string_view sobject) const;  // described or failed
    bool has_failed(std::string_view sobject) const;
    // Queryable and not failed: a query may select from it.
    bool usable(std::string_view sobject) const;

    // `wanted` entries (original order and case) that the object's describe lists. Empty when
    // the object was not described or failed.
    std::vector<std::string> select_fields(std::string_view sobject,
                                           const std::vector<std::string_view>& wanted) const;
    // Every field of a described object, in describe order.
    std::vector<std::string> all_fields(std::string_view sobject) const;

  private:
    struct entry {
        bool failed = false;
        std::vector<std::string> fields;
    };
    const entry* find(std::string_view sobject) const;

    bool has_global_ = false;
    std::vector<std::string> queryable_;  // lowercase names of relevant, queryable objects
    std::vector<std::string> custom_objects_;
    std::unordered_map<std::string, entry> objects_;  // keyed by lowercase name
};

// Objects whose describe a query of `sobject` reads (the object itself, join targets, files).
std::vector<std::string_view> describes_needed_for(std::string_view sobject);

bool is_relevant_sobject(std::string_view sobject);

}  // namespace casio::salesforce
