#pragma once
// Runs SOQL and SOSL against an org. A query is parsed, bound to the schema (raising the same
// errors as Salesforce: INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY, ...), then its matching
// rows are listed once; any page is then serialised straight to JSON text from its offset, so
// paging needs no per-cursor state beyond the query itself.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "org.hpp"

namespace casio::mock_sf {

struct bound_query;

// The rows of one SOQL query, ready to be paged.
class query_result {
  public:
    query_result(const org& o, std::shared_ptr<const bound_query> q, bool include_deleted);

    std::size_t total_size() const noexcept { return total_; }
    // Appends records [offset, offset + count) as comma-separated JSON objects.
    void write_records(std::string& out, std::size_t offset, std::size_t count,
                       std::string_view api_version) const;
    // A whole query response: {"totalSize","done"[,"nextRecordsUrl"],"records"}.
    // `next_url_prefix` is "/services/data/v59.0/query/01g...", to which "-<offset>" is added.
    std::string page(std::size_t offset, std::size_t batch, std::string_view api_version,
                     std::string_view next_url_prefix) const;
    // The offset the page at `offset` points to as nextRecordsUrl; nullopt when it is the last.
    std::optional<std::size_t> next_offset(std::size_t offset, std::size_t batch) const;

  private:
    std::uint32_t row(std::size_t i) const {
        return range_ ? static_cast<std::uint32_t>(first_ + i) : rows_[i];
    }

    const org* org_;
    std::shared_ptr<const bound_query> query_;
    bool include_deleted_;
    bool range_ = false;  // rows are the indices [first_, first_ + total_)
    std::size_t first_ = 0;
    std::vector<std::uint32_t> rows_;
    std::size_t total_ = 0;
};

class query_engine {
  public:
    explicit query_engine(const org& o) : org_(&o) {}

    // Parses, binds and lists the rows. Throws sf_error. `include_deleted` is queryAll.
    std::shared_ptr<query_result> query(std::string_view soql, bool include_deleted = false) const;
    // {"searchRecords":[...]}. Throws sf_error.
    std::string search(std::string_view sosl, std::string_view api_version = "v59.0") const;

  private:
    const org* org_;
};

}  // namespace casio::mock_sf
