#pragma once
// An error answered the way Elasticsearch answers it:
// {"error":{"root_cause":[{"type","reason",...}],"type","reason",...},"status":N}

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/text.hpp>

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

    // The exception this one wraps, as ES renders it: {"type", "reason", "caused_by"?}. It
    // appears under "error" only (root causes skip it, as in ES).
    es_error& caused_by(boost::json::object cause) {
        caused_by_ = std::move(cause);
        return *this;
    }
    const boost::json::object& caused_by() const noexcept { return caused_by_; }
    // This error as a cause of another: {"type", "reason", <extra>, "caused_by"?}.
    boost::json::object as_cause() const {
        boost::json::object c = extra_;
        c["type"] = type_;
        c["reason"] = reason_;
        if (!caused_by_.empty())
            c["caused_by"] = caused_by_;
        return c;
    }

    // The full response body. `extra` fields (e.g. "index", "index_uuid") appear both in the
    // root cause and at the top of "error", as Elasticsearch does.
    boost::json::value body() const {
        boost::json::object cause = extra_;
        cause["type"] = type_;
        cause["reason"] = reason_;
        boost::json::object err = cause;
        err["root_cause"] = boost::json::array{cause};
        if (!caused_by_.empty())
            err["caused_by"] = caused_by_;
        return boost::json::object{{"error", std::move(err)}, {"status", status_}};
    }

  private:
    unsigned status_;
    std::string type_;
    std::string reason_;
    boost::json::object extra_;
    boost::json::object caused_by_;
};

// An integer query parameter's value (`size=10`), or the 400 RestRequest's paramAsInt/Long
// answers for one that is not.
inline std::int64_t int_parameter(std::string_view name, std::string_view text) {
    if (const auto n = core::parse_number<std::int64_t>(text)) {
        return *n;
    }
    throw es_error(400, "illegal_argument_exception",
                   "Failed to parse int parameter [" + std::string(name) + "] with value [" +
                       std::string(text) + "]");
}

// Lucene's LevenshteinDistance.getDistance: 1 - edits / max(length), what ES ranks its
// "did you mean" suggestions by.
inline float similarity(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty())
        return a.size() == b.size() ? 1.0F : 0.0F;
    std::vector<std::size_t> prev(a.size() + 1), cur(a.size() + 1);
    for (std::size_t i = 0; i <= a.size(); ++i)
        prev[i] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
        cur[0] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[i] = std::min({cur[i - 1] + 1, prev[i] + 1, prev[i - 1] + cost});
        }
        std::swap(prev, cur);
    }
    return 1.0F -
           static_cast<float>(prev[a.size()]) / static_cast<float>(std::max(a.size(), b.size()));
}

// ES's suggestion list for an unknown name: candidates more than half similar, most similar
// first (then by name); "" when none, else " did you mean [x]?" / " did you mean any of [x, y]?".
inline std::string did_you_mean(std::string_view unknown,
                                const std::vector<std::string>& candidates) {
    std::vector<std::pair<float, std::string>> scored;
    for (const auto& c : candidates) {
        float d = similarity(unknown, c);
        if (d > 0.5F)
            scored.emplace_back(d, c);
    }
    if (scored.empty())
        return {};
    std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
        return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    std::string out = " did you mean ";
    if (scored.size() > 1)
        out += "any of ";
    out += "[";
    for (std::size_t i = 0; i < scored.size(); ++i)
        out += (i ? ", " : "") + scored[i].second;
    return out + "]?";
}

// BaseRestHandler's answer to query parameters a handler did not consume: 400
// illegal_argument_exception "request [<path>] contains unrecognized parameter(s): [a] -> did you
// mean [b]?, [c]". `unknown` in ES's order (sorted); `consumed` are the parameters the handler
// (and RestController: error_trace, format, filter_path, pretty, human) read.
inline es_error unrecognized_parameters(std::string_view path, const std::set<std::string>& unknown,
                                        const std::vector<std::string>& consumed) {
    std::string reason = "request [" + std::string(path) + "] contains unrecognized parameter" +
                         (unknown.size() > 1 ? "s" : "") + ": ";
    bool first = true;
    for (const auto& u : unknown) {
        if (!first)
            reason += ", ";
        first = false;
        reason += "[" + u + "]";
        std::string hint = did_you_mean(u, consumed);
        if (!hint.empty())
            reason += " ->" + hint;
    }
    return es_error(400, "illegal_argument_exception", std::move(reason));
}

}  // namespace casio::mock_es
