#pragma once
// An error answered the way Salesforce answers it: an HTTP status and a JSON array
// `[{"message":"...","errorCode":"..."}]`. Thrown by the SOQL engine and the org model; the HTTP
// layer turns it into a response unchanged.

#include <stdexcept>
#include <string>

namespace casio::mock_sf {

class sf_error : public std::runtime_error {
  public:
    sf_error(unsigned status, std::string error_code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(error_code)) {}

    unsigned status() const noexcept { return status_; }
    const std::string& error_code() const noexcept { return code_; }
    // The response body: [{"message":"...","errorCode":"..."}]
    std::string to_json() const;

  private:
    unsigned status_;
    std::string code_;
};

inline sf_error malformed_query(const std::string& message) {
    return sf_error(400, "MALFORMED_QUERY", message);
}

}  // namespace casio::mock_sf
