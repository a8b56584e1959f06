#pragma once
// An error answered the way Elasticsearch answers it:
// {"error":{"root_cause":[{"type","reason",...}],"type","reason",...},"status":N}

#include <stdexcept>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace casio::mock_es {

class es_error : public std::runtime_error {
  public:
    es_error(unsigned status, std::string type, std::string reason, boost::json::object extra = {})
        : std::runtime_error(reason),
          status_(status),
          type_(std::move(type)),
          reason_(std::move(reason)),
          extra_(std::move(extra)) {}

    unsigned status() const noexcept { return status_; }
    const std::string& type() const noexcept { return type_; }
    const std::string& reason() const noexcept { return reason_; }

    // The full response body. `extra` fields (e.g. "index", "index_uuid") appear both in the
    // root cause and at the top of "error", as Elasticsearch does.
    boost::json::value body() const {
        boost::json::object cause = extra_;
        cause["type"] = type_;
        cause["reason"] = reason_;
        boost::json::object err = cause;
        err["root_cause"] = boost::json::array{cause};
        return boost::json::object{{"error", std::move(err)}, {"status", status_}};
    }

  private:
    unsigned status_;
    std::string type_;
    std::string reason_;
    boost::json::object extra_;
};

}  // namespace casio::mock_es
