// The connector secrets API (/_connector/_secret), as ES's ent-search plugin serves it: the
// secret is a document {"value": ...} in the hidden system index .connector-secrets (an alias of
// .connector-secrets-1), so it goes through the store and its write-ahead log like any other
// document.

#include <boost/json/serialize.hpp>

#include "json_util.hpp"
#include "rest_params.hpp"
#include "service.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

namespace {

constexpr std::string_view secrets_index = ".connector-secrets";

es_error no_secret(std::string_view id) {
    return es_error(404, "resource_not_found_exception",
                    "No secret with id [" + std::string(id) + "]");
}

// The body's "value" as ES's request parsers read it: only a string is a value (null or a number
// is refused by the parser), other fields are unknown. Absent -> nullopt.
std::optional<std::string> secret_value(const server_request& req, std::string_view parser) {
    json::value v = parse_json_or_throw(req.body, "x_content_parse_exception");
    if (!v.is_object()) {
        throw es_error(400, "x_content_parse_exception",
                       "[" + std::string(parser) +
                           "] Expected START_OBJECT but was: " + std::string(token_name(v)));
    }
    std::optional<std::string> value;
    for (const auto& [k, field] : v.as_object()) {
        if (k != "value") {
            throw es_error(400, "x_content_parse_exception",
                           "[" + std::string(parser) + "] unknown field [" + std::string(k) + "]");
        }
        if (!field.is_string()) {
            throw es_error(400, "x_content_parse_exception",
                           "[" + std::string(parser) + "] value doesn't support values of type: " +
                               std::string(token_name(field)));
        }
        value = std::string(field.as_string());
    }
    return value;
}

std::string secret_source(std::string_view value) {
    return "{\"value\":" + json_quote(value) + "}";
}

}  // namespace

server_response service::connector_secret_api(server_request& req) {
    const auto& s = req.segments;  // s[0] == "_connector", s[1] == "_secret"
    const std::string& m = req.method;
    if (s.size() == 2) {
        if (m != "POST")
            return bad_method(req, "POST");
        check_parameters(req, rest_api::connector_secret_post);
        if (blank_body(req.body))
            throw es_error(400, "parse_exception", "request body is required");
        // PostConnectorSecretRequest: an optional constructor argument, checked by validate().
        auto value = secret_value(req, "post_secret_request");
        if (!value || value->empty()) {
            throw es_error(400, "action_request_validation_exception",
                           "Validation Failed: 1: [value] of the connector secret cannot be "
                           "[null] or [\"\"];");
        }
        index_data& idx = store_.index_for_write(secrets_index);
        std::string id = store_.new_id();
        store_.put(idx, id, secret_source(*value), true);
        return json_response(200, "{\"id\":" + json_quote(id) + "}");
    }
    if (s.size() != 3)
        return no_handler(req);
    const std::string& id = s[2];
    if (m == "PUT") {
        check_parameters(req, rest_api::connector_secret_put);
        // PutConnectorSecretRequest: a required constructor argument, then validate().
        auto value = secret_value(req, "connector_secret_put_request");
        if (!value)
            throw es_error(400, "illegal_argument_exception", "Required [value]");
        if (value->empty()) {
            throw es_error(400, "action_request_validation_exception",
                           "Validation Failed: 1: [value] cannot be [null] or [\"\"];");
        }
        index_data& idx = store_.index_for_write(secrets_index);
        auto o = store_.put(idx, id, secret_source(*value), false);
        const bool created = o.result == write_result::created;
        return json_response(created ? 201 : 200, std::string("{\"result\":\"") +
                                                      (created ? "created" : "updated") + "\"}");
    }
    if (m == "GET" || m == "DELETE") {
        check_parameters(
            req, m == "GET" ? rest_api::connector_secret_get : rest_api::connector_secret_delete);
        index_data* idx = store_.find(secrets_index);
        if (!idx)
            throw index_not_found(secrets_index);
        doc_ptr d = store_.get(*idx, id);
        if (!d)
            throw no_secret(id);
        if (m == "DELETE") {
            store_.remove(*idx, id);
            return json_response(200, R"({"deleted":true})");
        }
        const json::value* v = d->object().if_contains("value");
        std::string value = v && v->is_string() ? std::string(v->as_string()) : std::string();
        return json_response(200,
                             "{\"id\":" + json_quote(id) + ",\"value\":" + json_quote(value) + "}");
    }
    return bad_method(req, "GET, PUT, DELETE");
}

}  // namespace casio::mock_es
