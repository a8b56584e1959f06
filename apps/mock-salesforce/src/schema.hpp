#pragma once
// The objects and fields of the emulated org: what describe returns and what SOQL binds to.
// Names are matched case-insensitively and always printed in their canonical spelling.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "value.hpp"

namespace casio::mock_sf {

// How the generated org derives a field's value from (seed, object, index).
enum class gen {
    none,          // always null
    id,            // the record id
    false_,        // always false (IsDeleted)
    created,       // datetime in [2021, 2024)
    modified,      // created + up to a year
    modstamp,      // modified, or for one record in four up to two days later (a system touch)
    user,          // some User id
    owner,         // some User id, or a queue (Group) for every 7th record: see org.cpp
    parent_block,  // parent index from the fan-out pattern (see org.cpp)
    parent_prev,   // previous record of the same object for every 10th record
    first_name,
    last_name,
    full_name,  // first + last
    company,
    email,
    phone,
    website,
    title,
    department,
    picklist,   // one of field_def::picklist
    sentence,   // short text, sometimes null
    paragraph,  // longer text, sometimes null
    boolean,
    number,  // integer or currency in a range
    date,    // date in [2021, 2025)
    address,
    case_number,
    photo_url,
    special,  // computed by object-specific code in org.cpp
};

struct field_def {
    std::string name;
    field_type type = field_type::string;
    gen generator = gen::none;
    std::vector<std::string> reference_to;  // referenced objects (several = polymorphic)
    std::string relationship_name;          // Owner for OwnerId; empty when not a reference
    std::string child_name;                 // name of the inverse relationship on the parent
    std::vector<std::string> picklist;
    bool custom = false;
    bool nillable = true;
    int length = 0;
    bool filterable() const noexcept { return type != field_type::address; }
};

struct child_relationship {
    std::string child_object;
    std::string field;
    std::string relationship_name;
};

struct object_def {
    std::string name;
    std::string key_prefix;
    std::string label;
    std::string label_plural;
    bool custom = false;
    bool queryable = true;
    bool replicateable = true;  // getUpdated / getDeleted allowed (describe's replicateable)
    std::vector<field_def> fields;
    std::vector<child_relationship> children;

    // Index of a field by case-insensitive name; -1 when absent.
    int field_index(std::string_view name) const;
    // Index of the reference field whose relationship name matches (Owner -> OwnerId); -1.
    int relationship_index(std::string_view name) const;
    const child_relationship* child(std::string_view relationship_name) const;

    std::unordered_map<std::string, int> by_lower_name_;
    std::unordered_map<std::string, int> by_lower_relationship_;
};

class schema {
  public:
    // The org every mock-salesforce serves: the connector's standard objects, their support
    // objects (files, feeds, permissions) and two custom objects (Project__c, Ticket__c).
    static schema standard();

    const std::vector<object_def>& objects() const noexcept { return objects_; }
    const object_def& object(std::size_t i) const { return objects_[i]; }
    // Index by case-insensitive name; -1 when absent.
    int find(std::string_view name) const;
    // Index by 3-character key prefix; -1 when absent.
    int find_prefix(std::string_view prefix) const;

    void add(object_def obj);
    // Computes child relationships and the lookup maps; call after the last add().
    void finish();

  private:
    std::vector<object_def> objects_;
    std::unordered_map<std::string, int> by_lower_name_;
    std::unordered_map<std::string, int> by_prefix_;
};

}  // namespace casio::mock_sf
