// Routing, authentication, faults and the simple calls (root, indices, documents, license,
// ingest pipelines). Bulk, search and the connector APIs live in their own files.

#include "service.hpp"

#include <charconv>
#include <cstdio>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/base64.hpp>

#include "connector_api.hpp"
#include "json_util.hpp"
#include "pipeline.hpp"
#include "rest_params.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

server_response json_response(unsigned status, std::string body) {
    server_response res;
    res.status = status;
    res.body = std::move(body);
    return res;
}

server_response error_response(const es_error& e) {
    return json_response(e.status(), json::serialize(e.body()));
}

server_response transport_error(unsigned status, std::string_view reason) {
    std::string r(reason);
    while (!r.empty() && r.back() == '\n')
        r.pop_back();
    auto res = error_response(es_error(
        status, status == 413 ? "content_too_long_exception" : "illegal_argument_exception", r));
    res.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
    res.fields.push_back({"Content-Type", "application/json"});
    return res;
}

namespace {

const std::string shards_ok = R"({"total":2,"successful":1,"failed":0})";

bool param_true(const server_request& req, std::string_view name) {
    auto v = req.query(name);
    return v && (*v == "true" || v->empty());
}

std::int64_t param_int(const server_request& req, std::string_view name, std::int64_t dflt) {
    auto v = req.query(name);
    return v ? int_parameter(name, *v) : dflt;
}

occ occ_from(const server_request& req) {
    occ c;
    c.if_seq_no = param_int(req, "if_seq_no", -1);
    c.if_primary_term = param_int(req, "if_primary_term", 0);
    if (req.query("if_seq_no") && c.if_primary_term <= 0) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: ifSeqNo is set, but primary term is [0];");
    }
    if (!req.query("if_seq_no") && req.query("if_primary_term")) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [" +
                           std::to_string(c.if_primary_term) + "];");
    }
    return c;
}

std::string write_body(const std::string& index, std::string_view id, const write_outcome& o) {
    std::string b = "{\"_index\":";
    append_json_string(b, index);
    b += ",\"_id\":";
    append_json_string(b, id);
    b += ",\"_version\":" + std::to_string(o.version) + ",\"result\":\"";
    b += to_string(o.result);
    b += "\",\"_shards\":";
    b += o.result == write_result::noop ? R"({"total":0,"successful":0,"failed":0})" : shards_ok;
    b += ",\"_seq_no\":" + std::to_string(o.seq_no) + ",\"_primary_term\":1}";
    return b;
}

bool media_type_ok(std::string_view ct) {
    // "application/json", "application/x-ndjson", and the versioned vendor types.
    auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ')
        base.remove_suffix(1);
    std::string lower(base);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "application/json" || lower == "application/x-ndjson")
        return true;
    if (lower == "application/vnd.elasticsearch+json" ||
        lower == "application/vnd.elasticsearch+x-ndjson") {
        auto cw = ct.find("compatible-with=");
        if (cw == std::string_view::npos)
            return false;
        char v = ct.size() > cw + 16 ? ct[cw + 16] : '0';
        return v == '7' || v == '8' || v == '9';
    }
    return false;
}

}  // namespace

service::service(service_options opts)
    : opts_(std::move(opts)), started_(std::chrono::steady_clock::now()) {
    cluster_uuid_ = store_.new_id().substr(0, 22);
    if (opts_.reserve_memory > 0)
        store_.reserve_source_memory(opts_.reserve_memory);
    if (opts_.unavailable_for.count() > 0) {
        unavailable_since_ = started_ + opts_.unavailable_from;
        unavailable_until_ = unavailable_since_ + opts_.unavailable_for;
    }
}

service::~service() = default;

void service::open_data_dir(const std::string& dir, const wal::warn_fn& warn, bool compact,
                            bool salvage) {
    wal_options opts;
    opts.compact = compact;
    opts.salvage = salvage;
    open_data_dir(dir, warn, opts);
}

void service::open_data_dir(const std::string& dir, const wal::warn_fn& warn,
                            const wal_options& opts) {
    wal_ = wal::open(dir, store_, warn, opts);
}

http::handler service::async_handler() {
    return [this](server_request& req) -> boost::asio::awaitable<server_response> {
        const auto start = std::chrono::steady_clock::now();
        server_response res = co_await answer(req);
        if (log_which_ != request_log::off && log_sink_)
            log_request(req, res, start);
        co_return res;
    };
}

boost::asio::awaitable<server_response> service::answer(server_request& req) {
    if (opts_.latency.count() > 0) {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        t.expires_after(opts_.latency);
        co_await t.async_wait(boost::asio::use_awaitable);
    }
    if (!wal_)
        co_return handle(req);
    // The request's log records are written here, then fdatasync'ed on the log's thread
    // while this one serves the next requests; the answer waits for the fdatasync.
    wal_->defer_sync(true);
    server_response res = handle(req);
    wal_->defer_sync(false);
    if (std::exception_ptr failed = co_await wal_->commit()) {
        try {
            std::rethrow_exception(failed);
        } catch (const std::exception& e) {
            res = error_response(es_error(500, "exception", e.what()));
            res.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
            res.fields.push_back({"Content-Type", "application/json"});
        }
    }
    co_return res;
}

void service::log_request(const server_request& req, const server_response& res,
                          std::chrono::steady_clock::time_point start) const {
    if (log_which_ == request_log::errors && res.status < 400)
        return;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    char ms[32];
    std::snprintf(ms, sizeof ms, " %.1f ms", static_cast<double>(us) / 1000.0);
    std::string line = std::to_string(res.status) + " " + req.method + " " + req.target + ms;
    if (res.status >= 400 && !res.body.empty()) {
        boost::system::error_code ec;
        const json::value body = json::parse(res.body, ec);
        const json::object* err = nullptr;
        if (!ec && body.is_object()) {
            if (const auto* e = body.as_object().if_contains("error"); e && e->is_object())
                err = &e->as_object();
        }
        if (err) {
            const auto* type = err->if_contains("type");
            const auto* reason = err->if_contains("reason");
            line += ": ";
            line += type && type->is_string() ? std::string(type->as_string()) : "error";
            if (reason && reason->is_string())
                line += ": " + std::string(reason->as_string());
        }
    }
    log_sink_(line);
}

std::optional<server_response> service::check_auth(const server_request& req) const {
    if (opts_.api_keys.empty() && opts_.users.empty())
        return std::nullopt;
    auto auth = req.header("Authorization");
    bool ok = false;
    if (auth) {
        std::string_view a = *auth;
        if (a.starts_with("ApiKey ")) {
            std::string_view given = a.substr(7);
            const std::string decoded = core::base64_decode(given).value_or("");
            for (const auto& k : opts_.api_keys) {
                if (given == k || decoded == k || given == core::base64_encode(k))
                    ok = true;
            }
        } else if (a.starts_with("Basic ")) {
            const std::string decoded = core::base64_decode(a.substr(6)).value_or("");
            for (const auto& u : opts_.users) {
                if (decoded == u)
                    ok = true;
            }
        }
    }
    if (ok)
        return std::nullopt;
    std::string reason =
        auth ? "unable to authenticate with provided credentials and anonymous "
               "access is not allowed for this request"
             : "missing authentication credentials for REST request [" + req.target + "]";
    json::object header{
        {"WWW-Authenticate", json::array{"Basic realm=\"security\", charset=\"UTF-8\"",
                                         "Bearer realm=\"security\"", "ApiKey"}}};
    es_error e(401, "security_exception", reason, json::object{{"header", header}});
    auto res = error_response(e);
    res.fields.push_back({"WWW-Authenticate", "Basic realm=\"security\", charset=\"UTF-8\""});
    res.fields.push_back({"WWW-Authenticate", "Bearer realm=\"security\""});
    res.fields.push_back({"WWW-Authenticate", "ApiKey"});
    return res;
}

server_response service::handle(server_request& req) {
    server_response res;
    bool wrote = false;
    try {
        auto now = std::chrono::steady_clock::now();
        if (auto denied = check_auth(req)) {
            res = std::move(*denied);
        } else if (!req.segments.empty() && req.segments[0] == "_mock") {
            res = mock_admin(req);
        } else if (now >= unavailable_since_ && now < unavailable_until_) {
            res = error_response(
                es_error(503, "cluster_block_exception",
                         "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"));
        } else if (auto ct = req.header("Content-Type");
                   ct && !req.body.empty() && !media_type_ok(*ct)) {
            res = json_response(406, "{\"error\":" +
                                         json_quote("Content-Type header [" + std::string(*ct) +
                                                    "] is not supported") +
                                         ",\"status\":406}");
        } else {
            res = dispatch(req);
            wrote = true;
        }
    } catch (const es_error& e) {
        res = error_response(e);
        wrote = true;
    } catch (const std::exception& e) {
        res = error_response(es_error(500, "exception", e.what()));
        wrote = true;
    }
    if (wrote && wal_) {
        try {
            wal_->sync();  // nothing is acknowledged before it is on disk
        } catch (const std::exception& e) {
            res = error_response(es_error(500, "exception", e.what()));
        }
    }
    bool vendor = false;
    if (auto accept = req.header("Accept");
        accept && accept->find("vnd.elasticsearch") != std::string_view::npos) {
        vendor = true;
    }
    res.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
    if (auto opaque = req.header("X-Opaque-Id"))
        res.fields.push_back({"X-Opaque-Id", std::string(*opaque)});
    if (!res.header("Content-Type")) {
        res.fields.push_back(
            {"Content-Type",
             vendor ? "application/vnd.elasticsearch+json;compatible-with=8" : "application/json"});
    }
    if (req.method == "HEAD")
        res.body.clear();
    return res;
}

server_response no_handler(const server_request& req) {
    return json_response(400, "{\"error\":" +
                                  json_quote("no handler found for uri [" + req.target +
                                             "] and method [" + req.method + "]") +
                                  ",\"status\":400}");
}

server_response bad_method(const server_request& req, std::string_view allowed) {
    return json_response(
        405, "{\"error\":" +
                 json_quote("Incorrect HTTP method for uri [" + req.target + "] and method [" +
                            req.method + "], allowed: [" + std::string(allowed) + "]") +
                 ",\"status\":405}");
}

server_response service::dispatch(server_request& req) {
    const auto& s = req.segments;
    const std::string& m = req.method;
    bool get = m == "GET" || m == "HEAD";
    bool write = m == "PUT" || m == "POST";
    // Unknown query parameters are refused before the call runs, as ES's BaseRestHandler does
    // (after routing: a wrong method or path answers first).
    auto checked = [&](rest_api api) {
        check_parameters(req, api);
        return true;
    };

    if (s.empty())
        return get ? (checked(rest_api::info), root(req)) : bad_method(req, "HEAD, GET");
    const std::string& first = s[0];
    if (first == "_bulk" && s.size() == 1)
        return write ? (checked(rest_api::bulk), bulk(req, nullptr)) : bad_method(req, "POST, PUT");
    if (first == "_search") {
        if (s.size() == 1) {
            return (get || m == "POST") ? (checked(rest_api::search), search(req, "_all"))
                                        : bad_method(req, "GET, POST");
        }
        if (s[1] == "scroll" && s.size() <= 3) {
            if (m == "DELETE")
                return checked(rest_api::clear_scroll), clear_scroll(req);
            return (get || m == "POST") ? (checked(rest_api::scroll), scroll(req))
                                        : bad_method(req, "GET, POST, DELETE");
        }
        return no_handler(req);
    }
    if (first == "_count" && s.size() == 1)
        return checked(rest_api::count), count(req, "_all");
    if (first == "_refresh" && s.size() == 1)
        return checked(rest_api::indices_refresh), refresh(req, "_all");
    if (first == "_license" && s.size() == 1)
        return get ? (checked(rest_api::license_get), license(req)) : bad_method(req, "GET");
    if (first == "_ingest" && s.size() >= 2 && s[1] == "pipeline" && s.size() <= 3) {
        checked(m == "PUT"      ? rest_api::ingest_put_pipeline
                : m == "DELETE" ? rest_api::ingest_delete_pipeline
                                : rest_api::ingest_get_pipeline);
        return pipeline_api(req, s.size() == 3 ? &s[2] : nullptr);
    }
    if (first == "_connector" && s.size() >= 2 && s[1] == "_secret")
        return connector_secret_api(req);
    if (first == "_connector")
        return route_connector(req);
    if (first == "_cluster" || first == "_nodes" || first == "_xpack") {
        if (auto res = cluster_api(req))
            return std::move(*res);
        return no_handler(req);
    }
    if (!first.empty() && first[0] == '_')
        return no_handler(req);

    // /{index}...
    if (s.size() == 1) {
        if (m == "HEAD" || m == "GET" || m == "PUT" || m == "DELETE") {
            checked(m == "HEAD"  ? rest_api::indices_exists
                    : m == "GET" ? rest_api::indices_get
                    : m == "PUT" ? rest_api::indices_create
                                 : rest_api::indices_delete);
        }
        return index_api(req, first);
    }
    const std::string& api = s[1];
    if (api == "_doc") {
        if (s.size() == 2) {
            return m == "POST" ? (checked(rest_api::doc_index), doc_api(req, first, nullptr, true))
                               : bad_method(req, "POST");
        }
        if (s.size() == 3) {
            if (m == "HEAD" || m == "GET" || m == "DELETE" || write) {
                checked(m == "HEAD"     ? rest_api::doc_exists
                        : m == "GET"    ? rest_api::doc_get
                        : m == "DELETE" ? rest_api::doc_delete
                                        : rest_api::doc_index);
            }
            return doc_api(req, first, &s[2], false);
        }
    }
    if (api == "_source" && s.size() == 3 && get) {
        checked(rest_api::get_source);
        index_data* idx = store_.find(first);
        if (!idx)
            throw index_not_found(first);
        doc_ptr d = store_.get(*idx, s[2]);
        if (!d) {
            throw es_error(404, "resource_not_found_exception",
                           "Document not found [" + idx->name + "]/[" + s[2] + "].");
        }
        return json_response(200, std::string(d->source));
    }
    if (api == "_create" && s.size() == 3) {
        return write ? (checked(rest_api::doc_create), doc_api(req, first, &s[2], true))
                     : bad_method(req, "PUT, POST");
    }
    if (api == "_update" && s.size() == 3) {
        return m == "POST" ? (checked(rest_api::doc_update), update_api(req, first, s[2]))
                           : bad_method(req, "POST");
    }
    if (api == "_bulk" && s.size() == 2)
        return write ? (checked(rest_api::bulk), bulk(req, &first)) : bad_method(req, "POST, PUT");
    if (api == "_search" && s.size() == 2) {
        return (get || m == "POST") ? (checked(rest_api::search), search(req, first))
                                    : bad_method(req, "GET, POST");
    }
    if (api == "_count" && s.size() == 2)
        return checked(rest_api::count), count(req, first);
    if (api == "_refresh" && s.size() == 2)
        return checked(rest_api::indices_refresh), refresh(req, first);
    if (api == "_mapping" && s.size() == 2) {
        checked(m == "PUT" || m == "POST" ? rest_api::indices_put_mapping
                                          : rest_api::indices_get_mapping);
        auto indices = store_.resolve(first, req.query("expand_wildcards").value_or(""),
                                      param_true(req, "ignore_unavailable"));
        if (m == "PUT" || m == "POST") {
            json::value body = parse_json_or_throw(req.body, "x_content_parse_exception");
            for (auto* idx : indices) {
                if (body.is_object())
                    deep_merge(idx->mappings, body.as_object());
            }
            return json_response(200, R"({"acknowledged":true})");
        }
        json::object out;
        for (auto* idx : indices)
            out[idx->name] = json::object{{"mappings", idx->mappings}};
        return json_response(200, json::serialize(out));
    }
    return no_handler(req);
}

server_response service::root(const server_request&) {
    json::object v{{"number", opts_.version},
                   {"build_flavor", opts_.build_flavor},
                   {"build_type", "docker"},
                   {"build_hash", "0000000000000000000000000000000000000000"},
                   {"build_date", "2025-07-01T00:00:00.000Z"},
                   {"build_snapshot", false},
                   {"lucene_version", "10.2.2"},
                   {"minimum_wire_compatibility_version", "8.19.0"},
                   {"minimum_index_compatibility_version", "8.0.0"}};
    json::object o{{"name", opts_.node_name},
                   {"cluster_name", opts_.cluster_name},
                   {"cluster_uuid", cluster_uuid_},
                   {"version", std::move(v)},
                   {"tagline", "You Know, for Search"}};
    return json_response(200, json::serialize(o));
}

server_response service::index_api(server_request& req, const std::string& name) {
    const std::string& m = req.method;
    bool ignore = param_true(req, "ignore_unavailable");
    if (m == "HEAD") {
        bool exists = false;
        if (name.find('*') != std::string::npos || name.find(',') != std::string::npos) {
            exists =
                !store_.resolve(name, req.query("expand_wildcards").value_or(""), true).empty();
        } else {
            exists = store_.find(name) != nullptr;
        }
        return json_response(exists ? 200 : 404, "");
    }
    if (m == "GET") {
        auto indices = store_.resolve(name, req.query("expand_wildcards").value_or(""), ignore);
        json::object out;
        for (auto* idx : indices) {
            json::object aliases;
            for (const auto& a : store_.aliases_of(*idx))
                aliases[a] = json::object{};
            json::object settings = idx->settings;
            settings["creation_date"] = std::to_string(idx->creation_ms);
            if (!settings.contains("number_of_shards"))
                settings["number_of_shards"] = "1";
            if (!settings.contains("number_of_replicas"))
                settings["number_of_replicas"] = "1";
            settings["uuid"] = idx->uuid;
            settings["version"] = json::object{{"created", "9009000"}};
            settings["provided_name"] = idx->name;
            if (idx->hidden() && !settings.contains("hidden"))
                settings["hidden"] = "true";
            out[idx->name] =
                json::object{{"aliases", std::move(aliases)},
                             {"mappings", idx->mappings},
                             {"settings", json::object{{"index", std::move(settings)}}}};
        }
        return json_response(200, json::serialize(out));
    }
    if (m == "PUT") {
        json::object body;
        if (!req.body.empty()) {
            json::value v = parse_json_or_throw(req.body, "x_content_parse_exception");
            if (!v.is_object())
                throw es_error(400, "parse_exception", "request body must be an object");
            body = std::move(v.as_object());
        }
        auto& idx = store_.create_index(name, body);
        return json_response(200, "{\"acknowledged\":true,\"shards_acknowledged\":true,\"index\":" +
                                      json_quote(idx.name) + "}");
    }
    if (m == "DELETE") {
        std::string_view rest = name;
        std::vector<std::string> targets;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            std::string part(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (part.find('*') != std::string::npos || part == "_all") {
                throw es_error(400, "illegal_argument_exception",
                               "Wildcard expressions or all indices are not allowed");
            }
            if (store_.concrete_name(part) != part) {
                throw es_error(400, "illegal_argument_exception",
                               "The provided expression [" + part +
                                   "] matches an alias, specify the corresponding concrete indices "
                                   "instead.");
            }
            if (store_.find(part) == nullptr) {
                if (ignore)
                    continue;
                throw index_not_found(part);
            }
            targets.push_back(part);
        }
        for (const auto& t : targets)
            store_.delete_index(t);
        return json_response(200, R"({"acknowledged":true})");
    }
    if (m == "POST")
        return bad_method(req, "HEAD, DELETE, PUT, GET");
    return json_response(405, R"({"error":"method not allowed","status":405})");
}

server_response service::doc_api(server_request& req, const std::string& index,
                                 const std::string* id_ptr, bool create_only) {
    const std::string& m = req.method;
    if (m == "GET" || m == "HEAD") {
        index_data* idx = store_.find(index);
        if (!idx)
            throw index_not_found(index);
        doc_ptr d = store_.get(*idx, *id_ptr);
        if (!d) {
            return json_response(404, "{\"_index\":" + json_quote(idx->name) +
                                          ",\"_id\":" + json_quote(*id_ptr) + ",\"found\":false}");
        }
        std::string b = "{\"_index\":" + json_quote(idx->name) + ",\"_id\":" + json_quote(d->id) +
                        ",\"_version\":" + std::to_string(d->version) +
                        ",\"_seq_no\":" + std::to_string(d->seq_no) +
                        ",\"_primary_term\":1,\"found\":true";
        auto src = req.query("_source");
        if (!(src && *src == "false")) {
            b += ",\"_source\":";
            b += d->source;
        }
        b += "}";
        return json_response(200, std::move(b));
    }
    if (m == "DELETE") {
        index_data* idx = store_.find(index);
        if (!idx)
            throw index_not_found(index);
        occ cond = occ_from(req);
        auto o = store_.remove(*idx, *id_ptr, cond);
        return json_response(o.result == write_result::deleted ? 200 : 404,
                             write_body(idx->name, *id_ptr, o));
    }
    if (m != "PUT" && m != "POST") {
        return json_response(405, R"({"error":"method not allowed","status":405})");
    }
    if (auto op = req.query("op_type"); op && *op == "create")
        create_only = true;
    std::string id = id_ptr ? *id_ptr : store_.new_id();
    if (id.empty() || id.size() > 512) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: id [" + id +
                           "] is too long, must be no longer than "
                           "512 bytes but was: " +
                           std::to_string(id.size()) + ";");
    }
    occ cond = occ_from(req);
    std::string err;
    if (!validate_json_object(req.body, err)) {
        throw es_error(400, "document_parsing_exception", err);
    }
    std::string source = std::move(req.body);
    if (auto p = req.query("pipeline"); p && !p->empty() && *p != "_none") {
        source = run_pipeline(*p, std::move(source));
    }
    index_data& idx = store_.index_for_write(index);
    auto o = store_.put(idx, id, std::move(source), create_only, cond);
    return json_response(o.result == write_result::created ? 201 : 200,
                         write_body(idx.name, id, o));
}

server_response service::update_api(server_request& req, const std::string& index,
                                    const std::string& id) {
    json::value body = parse_json_or_throw(req.body, "x_content_parse_exception");
    if (!body.is_object()) {
        throw es_error(400, "x_content_parse_exception", "[1:1] request body must be an object");
    }
    check_known_fields(req.body, body.as_object(), "UpdateRequest",
                       {"script", "scripted_upsert", "upsert", "doc", "doc_as_upsert",
                        "detect_noop", "_source", "if_seq_no", "if_primary_term"});
    occ cond = occ_from(req);
    index_data& idx = store_.index_for_write(index);
    auto o = store_.update(idx, id, body.as_object(), cond);
    return json_response(o.result == write_result::created ? 201 : 200,
                         write_body(idx.name, id, o));
}

server_response service::license(const server_request&) {
    json::object l{{"status", "active"},
                   {"uid", "893361dc-9749-4997-93cb-802e3d7fa4xx"},
                   {"type", opts_.license_type},
                   {"issue_date", "2025-01-01T00:00:00.000Z"},
                   {"issue_date_in_millis", 1735689600000},
                   {"expiry_date", "2099-12-31T23:59:59.999Z"},
                   {"expiry_date_in_millis", 4102444799999},
                   {"max_nodes", 1000},
                   {"max_resource_units", nullptr},
                   {"issued_to", "mock-elasticsearch"},
                   {"issuer", "elasticsearch"},
                   {"start_date_in_millis", -1}};
    return json_response(200, json::serialize(json::object{{"license", std::move(l)}}));
}

server_response service::pipeline_api(server_request& req, const std::string* id) {
    const std::string& m = req.method;
    if (m == "GET" || m == "HEAD") {
        json::object out;
        if (id == nullptr) {
            for (const auto& [k, v] : store_.pipelines())
                out[k] = v;
            return json_response(200, json::serialize(out));
        }
        auto it = store_.pipelines().find(*id);
        if (it == store_.pipelines().end())
            return json_response(404, "{}");
        out[*id] = it->second;
        return json_response(200, json::serialize(out));
    }
    if (id == nullptr)
        return json_response(405, R"({"error":"method not allowed","status":405})");
    if (m == "PUT") {
        json::value body = parse_json_or_throw(req.body, "x_content_parse_exception");
        if (!body.is_object())
            throw es_error(400, "parse_exception", "pipeline body must be an object");
        store_.put_pipeline(*id, std::move(body.as_object()));
        return json_response(200, R"({"acknowledged":true})");
    }
    if (m == "DELETE") {
        if (!store_.delete_pipeline(*id)) {
            throw es_error(404, "resource_not_found_exception",
                           "pipeline [" + *id + "] is missing");
        }
        return json_response(200, R"({"acknowledged":true})");
    }
    return json_response(405, R"({"error":"method not allowed","status":405})");
}

server_response service::mock_admin(server_request& req) {
    // POST /_mock/unavailable?for_ms=N  -> 503 for N ms from now
    // POST /_mock/available             -> ends a 503 window
    if (req.segments.size() == 2 && req.segments[1] == "unavailable") {
        auto ms = param_int(req, "for_ms", 60'000);
        unavailable_since_ = std::chrono::steady_clock::now();
        unavailable_until_ = unavailable_since_ + std::chrono::milliseconds(ms);
        return json_response(200, R"({"acknowledged":true})");
    }
    if (req.segments.size() == 2 && req.segments[1] == "available") {
        unavailable_until_ = {};
        return json_response(200, R"({"acknowledged":true})");
    }
    return json_response(400, R"({"error":"unknown mock admin call","status":400})");
}

std::string service::run_pipeline(std::string_view pipeline, std::string source) const {
    if (!store_.pipeline_exists(pipeline)) {
        throw es_error(400, "illegal_argument_exception",
                       "pipeline with id [" + std::string(pipeline) + "] does not exist");
    }
    return apply_ingest_emulation(std::move(source), pipeline);
}

}  // namespace casio::mock_es
