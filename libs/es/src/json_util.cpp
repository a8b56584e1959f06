#include "json_util.hpp"

#include <boost/json/parse.hpp>

#include <casio/core/error.hpp>

namespace casio::es::detail {

boost::json::object parse_object(std::string_view body, std::string_view what) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
        throw core::error(core::error_kind::fatal,
                          std::string(what) + ": response is not a JSON object");
    }
    return std::move(v.get_object());
}

std::string string_or(const boost::json::object& o, std::string_view key,
                      std::string_view fallback) {
    if (auto* v = o.if_contains(key); v && v->is_string()) {
        return std::string(v->get_string());
    }
    return std::string(fallback);
}

std::int64_t int_or(const boost::json::object& o, std::string_view key, std::int64_t fallback) {
    if (auto* v = o.if_contains(key)) {
        if (v->is_int64()) {
            return v->get_int64();
        }
        if (v->is_uint64()) {
            return static_cast<std::int64_t>(v->get_uint64());
        }
        if (v->is_double()) {
            return static_cast<std::int64_t>(v->get_double());
        }
    }
    return fallback;
}

const boost::json::object* object_at(const boost::json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key)) {
        return v->if_object();
    }
    return nullptr;
}

}  // namespace casio::es::detail
