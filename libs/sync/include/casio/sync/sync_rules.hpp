#pragma once
// Basic sync rules applied to each document at sync time (protocol.md §7.1). Pure: the caller gives
// a parsed view of the document; the sink parses a document only when rules exist.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace casio::sync {

enum class rule_policy { include, exclude };
enum class rule_kind { equals, starts_with, ends_with, contains, regex, greater_than, less_than };

struct sync_rule {
    std::string id;
    rule_policy policy = rule_policy::include;
    std::string field;
    rule_kind kind = rule_kind::equals;
    std::string value;
    std::int64_t order = 0;
};

class rule_set {
  public:
    rule_set() = default;
    // From the job snapshot's `filtering.rules` array: the DEFAULT rule dropped, the rest
    // sorted by `order`. Throws core::error(bad_request) naming the rule for an unknown
    // policy/rule or an invalid regex.
    static rule_set from_json(const boost::json::value& rules);
    explicit rule_set(std::vector<sync_rule> rules);

    bool empty() const noexcept { return rules_.empty(); }
    std::size_t size() const noexcept { return rules_.size(); }

    // The first rule whose field is a top-level key of `doc` and whose condition holds
    // decides; none → accepted. Throws core::error(bad_request) naming the rule and field for a
    // `<`/`>` between a number or boolean and a value that cannot be compared with it.
    bool accepts(const boost::json::object& doc) const;

  private:
    struct compiled;
    std::vector<sync_rule> rules_;
    std::shared_ptr<const std::vector<compiled>> compiled_;
};

// Python's str() of a JSON value as the reference sees it: strings verbatim, True/False, None,
// integers in decimal, floats with a ".0" when integral.
std::string python_str(const boost::json::value& v);

}  // namespace casio::sync
