#pragma once
// An error answered the way Elasticsearch answers it:
// {"error":{"root_cause":[{"type","reason",...}],"type","reason",...},"status":N}

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Lucene's LevenshteinDistance.getDistance(): 1 - edits / max(length), computed in float as
// Lucene does (ES suggests names scoring above 0.5).
inline float levenshtein_similarity(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty())
        return a == b ? 1.0f : 0.0f;
    std::vector<std::size_t> prev(a.size() + 1), cur(a.size() + 1);
    for (std::size_t i = 0; i <= a.size(); ++i)
        prev[i] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
        cur[0] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[i] = std::min({cur[i - 1] + 1, prev[i] + 1, prev[i - 1] + cost});
        }
        std::swap(prev, cur);
    }
    return 1.0f -
           static_cast<float>(prev[a.size()]) / static_cast<float>(std::max(a.size(), b.size()));
}

// What ES's BaseRestHandler answers for query parameters a handler did not consume:
// 400 illegal_argument_exception "request [/path] contains unrecognized parameter: [x]" (plural
// "parameters" for several, listed sorted), each followed by "-> did you mean [y]?" or
// "-> did you mean any of [y, z]?" naming the known parameters closer than 0.5.
// `path` is the decoded request path without its query.
inline es_error unrecognized_parameters(std::string_view path, std::vector<std::string> unknown,
                                        std::vector<std::string> candidates) {
    std::sort(unknown.begin(), unknown.end());
    unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::string msg = "request [" + std::string(path) + "] contains unrecognized parameter" +
                      (unknown.size() > 1 ? "s" : "") + ": ";
    for (std::size_t i = 0; i < unknown.size(); ++i) {
        std::vector<std::pair<float, std::string>> close;
        for (const auto& c : candidates) {
            const float d = levenshtein_similarity(unknown[i], c);
            if (d > 0.5f)
                close.emplace_back(d, c);
        }
        std::stable_sort(close.begin(), close.end(),
                         [](const auto& x, const auto& y) { return x.first > y.first; });
        msg += "[" + unknown[i] + "]";
        if (!close.empty()) {
            msg += " -> did you mean ";
            if (close.size() > 1)
                msg += "any of ";
            msg += "[";
            for (std::size_t k = 0; k < close.size(); ++k)
                msg += (k ? ", " : "") + close[k].second;
            msg += "]?";
        }
        if (i + 1 < unknown.size())
            msg += ", ";
    }
    return es_error(400, "illegal_argument_exception", std::move(msg));
}

}  // namespace casio::mock_es
