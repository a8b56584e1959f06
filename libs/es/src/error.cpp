// Mapping of non-2xx Elasticsearch answers to es_error.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <casio/es/error.hpp>

namespace casio::es {

namespace {

constexpr std::size_t excerpt_size = 200;

std::string string_at(const boost::json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) {
        return std::string(v->get_string());
    }
    return {};
}

}  // namespace

es_error::es_error(core::error_kind kind, const std::string& message, unsigned status,
                   std::string type, std::string reason, std::string body_excerpt)
    : core::error(kind, message, int(status), std::move(body_excerpt)),
      type_(std::move(type)),
      reason_(std::move(reason)) {}

es_error make_error(http::method verb, std::string_view path, const http::response& res) {
    std::string type;
    std::string reason;
    if (!res.body.empty()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(res.body, ec);
        if (!ec && v.is_object()) {
            const auto& o = v.get_object();
            if (auto* err = o.if_contains("error")) {
                if (err->is_object()) {
                    type = string_at(err->get_object(), "type");
                    reason = string_at(err->get_object(), "reason");
                } else if (err->is_string()) {
                    reason = std::string(err->get_string());
                }
            } else if (auto* found = o.if_contains("found"); found && found->is_bool()) {
                reason = "document not found";  // GET _doc of a missing document
            } else if (o.empty() && res.status == 404) {
                reason = "not found";
            }
        }
    }
    std::string excerpt = res.body.substr(0, excerpt_size);
    std::string message(http::to_string(verb));
    message += ' ';
    message += path;
    message += ": ";
    message += std::to_string(res.status);
    if (!type.empty()) {
        message += ' ';
        message += type;
        if (!reason.empty()) {
            message += ": ";
            message += reason;
        }
    } else if (!reason.empty()) {
        message += ' ';
        message += reason;
    } else if (!excerpt.empty()) {
        message += ' ';
        message += excerpt;
    }
    es_error e(http::classify_status(res.status), message, res.status, std::move(type),
               std::move(reason), std::move(excerpt));
    if (res.status == 429 || res.status == 503) {
        e.with_retry_after(res.retry_after());  // the app retrier waits at least that long
    }
    return e;
}

}  // namespace casio::es
