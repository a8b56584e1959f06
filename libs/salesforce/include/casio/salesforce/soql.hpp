#pragma once
// SOQL text building: literal escaping, a SELECT builder, request URLs and `IN (...)` lists that
// are split so that every request URL stays under Salesforce's URI limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <casio/core/text.hpp>
#include <casio/salesforce/constants.hpp>

namespace casio::salesforce {

// Escapes a value for use inside a single-quoted SOQL literal (`\` and `'`).
std::string escape_soql(std::string_view value);

// `'value'` with the value escaped.
std::string quote_soql(std::string_view value);

// Percent-encodes a query parameter value: every byte except A-Z a-z 0-9 - _ . ~.
using core::percent_encode;

// <base><query_path>?q=<percent-encoded soql>
// <base><query_all_path>?q=<percent-encoded soql> (deleted records too)
std::string query_all_url(std::string_view base_url, std::string_view soql);
std::string query_url(std::string_view base_url, std::string_view soql);
// <base><search_path>?q=<percent-encoded sosl>
std::string search_url(std::string_view base_url, std::string_view sosl);

// Builds `SELECT ... FROM ... [WHERE] [ORDER BY] [LIMIT]`. Columns are de-duplicated (first
// occurrence kept) and joined with ",\n"; a join subquery becomes the column "(\n<sub>)\n".
class soql_builder {
  public:
    explicit soql_builder(std::string_view table);

    soql_builder& with_id();
    soql_builder& with_default_metafields();  // CreatedDate, LastModifiedDate
    soql_builder& with_fields(const std::vector<std::string>& fields, std::string_view prefix = {});
    soql_builder& with_field(std::string_view field);
    soql_builder& with_join(std::string_view subquery);  // ignored when empty
    soql_builder& with_where(std::string_view condition);
    soql_builder& with_order_by(std::string_view order);
    soql_builder& with_limit(int limit);

    std::string build() const;

  private:
    std::string table_;
    std::vector<std::string> columns_;
    std::string where_;
    std::string order_by_;
    int limit_ = -1;
};

// Splits `ids` into `IN (...)` lists for `<prefix>(<'id1'><sep><'id2'>...)<suffix>` so that the
// query URL (base + query path + "?q=" + percent-encoded SOQL) stays strictly under `max_url`
// bytes and each list holds at most `max_ids` ids. Every id is quoted and escaped. Returns the
// complete SOQL texts. An id too long to fit even alone is still emitted alone (the server will
// answer 414; that failure then names the query instead of hanging the split).
std::vector<std::string> split_in_queries(std::string_view base_url, std::string_view prefix,
                                          const std::vector<std::string>& ids,
                                          std::string_view separator, std::string_view suffix,
                                          std::size_t max_url = max_url_bytes,
                                          std::size_t max_ids = max_ids_per_query);

}  // namespace casio::salesforce
