#pragma once
// Parsing JSON with numbers read exactly. Boost.JSON 1.81 reads about one double in eight a unit
// in the last place off (5.033955334015045e+214 comes back as ...046e+214), so a document written
// again from its tree would not carry the value Salesforce sent, and the same value copied from
// the text and written from the tree would differ. This parser is Boost.JSON's, with each double
// read again from its text by std::from_chars (correctly rounded, as Python's json.loads).

#include <memory>
#include <string_view>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

namespace casio::core {

// A reusable parser (its stacks stay allocated between documents), like boost::json::parser.
class json_parser {
  public:
    json_parser();
    ~json_parser();
    json_parser(const json_parser&) = delete;
    json_parser& operator=(const json_parser&) = delete;

    // Starts a document whose value will be allocated from `sp`.
    void reset(boost::json::storage_ptr sp = {}) noexcept;
    // Parses `text`, one complete document; extra characters after it are an error.
    void write(std::string_view text, boost::system::error_code& ec);
    void write(std::string_view text);  // throws boost::system::system_error
    // The document (throws when write failed or the document is incomplete).
    boost::json::value release();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// One document, parsed exactly; throws boost::system::system_error when `text` is not JSON.
boost::json::value parse_json(std::string_view text, boost::json::storage_ptr sp = {});
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr sp = {});

}  // namespace casio::core
