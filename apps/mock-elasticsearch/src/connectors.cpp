// Routing of the connector APIs onto the system indices: the document logic is in
// connector_api.cpp; here documents are loaded from and stored into `.elastic-connectors-v1`
// and `.elastic-connectors-sync-jobs-v1`, so raw _doc/_search/_update by alias see them.
//
// Each call runs in Elasticsearch's order: the route (400 "no handler found", 405), the body
// parse (RestHandler.prepareRequest), unrecognized query parameters (BaseRestHandler), the
// request's validate() (an empty id included), then the documents (404s, state checks).

#include <set>

#include <boost/json/serialize.hpp>

#include <casio/core/text.hpp>

#include "connector_api.hpp"
#include "json_util.hpp"
#include "query.hpp"
#include "service.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

namespace {

constexpr std::string_view connectors_alias = ".elastic-connectors";
constexpr std::string_view jobs_alias = ".elastic-connectors-sync-jobs";

// The path as ES's PathTrie splits it: on '/', empty segments kept (an empty id matches
// {connector_id}) except trailing ones; each segment percent-decoded.
std::vector<std::string> es_segments(std::string_view target) {
    std::string_view path = target.substr(0, target.find('?'));
    if (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    std::vector<std::string> out;
    while (true) {
        auto slash = path.find('/');
        out.push_back(core::percent_decode(path.substr(0, slash), false));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    while (!out.empty() && out.back().empty())
        out.pop_back();
    return out;
}

std::string raw_path(const server_request& req) {
    return req.target.substr(0, req.target.find('?'));
}

server_response result(std::string_view r) {
    return json_response(200, "{\"result\":\"" + std::string(r) + "\"}");
}

struct loaded_docs {
    std::vector<doc_ptr> keep;  // keeps the cached objects alive
    std::vector<stored_doc> docs;
};

loaded_docs all_docs(store& s, std::string_view alias) {
    loaded_docs out;
    if (index_data* idx = s.find(alias)) {
        out.keep.reserve(idx->docs.size());
        for (const auto& [id, d] : idx->docs)
            out.keep.push_back(d);
        std::sort(out.keep.begin(), out.keep.end(),
                  [](const doc_ptr& a, const doc_ptr& b) { return a->order < b->order; });
        for (const auto& d : out.keep)
            out.docs.push_back({d->id, &d->object()});
    }
    return out;
}

url_params params_of(const server_request& req) {
    url_params p;
    for (const auto& [k, v] : req.params)
        p.emplace(k, v);
    return p;
}

// BaseRestHandler: parameters the handler did not read are refused. `consumed` are the
// handler's; RestController and the channel read these for every call.
void check_params(const server_request& req, std::initializer_list<std::string_view> consumed) {
    std::vector<std::string> known = {"error_trace", "filter_path", "format", "human", "pretty"};
    for (auto c : consumed)
        known.emplace_back(c);
    std::set<std::string> unknown;
    for (const auto& [k, v] : req.params) {
        if (std::find(known.begin(), known.end(), k) == known.end())
            unknown.insert(k);
    }
    if (!unknown.empty())
        throw unrecognized_parameters(raw_path(req), unknown, known);
}

// RestRequest.paramAsBoolean.
bool bool_param(const server_request& req, std::string_view key) {
    auto v = req.query(key);
    if (!v)
        return false;
    if (v->empty() || *v == "true")
        return true;
    if (*v == "false")
        return false;
    throw es_error(
        400, "illegal_argument_exception",
        "Failed to parse value [" + std::string(*v) + "] as only [true] or [false] are allowed.");
}

// RestRequest.contentParser(): a body is required; it must be a JSON object.
json::object required_body(const server_request& req, std::string_view parser) {
    if (blank_body(req.body))
        throw es_error(400, "parse_exception", "request body is required");
    json::value v = parse_json_or_throw(req.body, "x_content_parse_exception");
    if (!v.is_object()) {
        throw es_error(400, "x_content_parse_exception",
                       "[1:1] [" + std::string(parser) +
                           "] Expected START_OBJECT but was: " + std::string(token_name(v)));
    }
    return std::move(v.as_object());
}

json::object optional_body(const server_request& req, std::string_view parser) {
    return blank_body(req.body) ? json::object{} : required_body(req, parser);
}

// BaseRestHandler: a body the handler did not read.
void no_body(const server_request& req) {
    if (!blank_body(req.body)) {
        throw es_error(
            400, "illegal_argument_exception",
            "request [" + req.method + " " + raw_path(req) + "] does not support having a body");
    }
}

// The parser name of each update API, for "Expected START_OBJECT" on a non-object body.
std::string_view parser_of(std::string_view api) {
    if (api == "_configuration")
        return "connector_update_configuration_request";
    if (api == "_filtering")
        return "connector_update_filtering_request";
    if (api == "_filtering/_validation")
        return "connector_update_filtering_validation";
    if (api == "_last_sync")
        return "connector_update_last_sync_stats_request";
    if (api == "_api_key_id")
        return "connector_update_api_key_id_request";
    static const std::set<std::string, std::less<>> plain = {
        "_error",    "_features",   "_index_name",   "_name",  "_native",
        "_pipeline", "_scheduling", "_service_type", "_status"};
    (void)plain;
    return "connector_update_request";
}

bool known_update(std::string_view api) {
    static const std::set<std::string, std::less<>> apis = {"_api_key_id",
                                                            "_check_in",
                                                            "_configuration",
                                                            "_error",
                                                            "_features",
                                                            "_filtering",
                                                            "_filtering/_activate",
                                                            "_filtering/_validation",
                                                            "_index_name",
                                                            "_last_sync",
                                                            "_name",
                                                            "_native",
                                                            "_pipeline",
                                                            "_scheduling",
                                                            "_service_type",
                                                            "_status"};
    return apis.contains(api);
}

constexpr std::string_view empty_connector_id = "[connector_id] cannot be [null] or [\"\"].";
constexpr std::string_view empty_job_id =
    "[connector_sync_job_id] of the connector sync job cannot be null or empty.";

}  // namespace

server_response service::route_connector(server_request& req) {
    const std::vector<std::string> s = es_segments(req.target);  // s[0] == "_connector"
    const std::string& m = req.method;
    const bool get = m == "GET" || m == "HEAD";
    std::string now = format_instant(std::chrono::system_clock::now());

    // ---- sync jobs ---------------------------------------------------------------------
    if (s.size() >= 2 && s[1] == "_sync_job") {
        if (s.size() == 2) {
            if (m == "POST") {
                json::object body = required_body(req, "connector_sync_job_post_request");
                body_text_scope text(req.body);
                auto errors = check_sync_job_body("_sync_job", body);
                check_params(req, {});
                throw_if_invalid(errors);
                std::string cid = sync_job_connector_id(body);
                index_data* cidx = store_.find(connectors_alias);
                doc_ptr c = cidx ? store_.get(*cidx, cid) : nullptr;
                // ES gets the connector document as it is: a soft-deleted one is found too.
                const json::object* cobj = c ? &c->object() : nullptr;
                json::object job = new_sync_job(cobj, cid, body, now);
                std::string id = store_.new_id();
                index_data& jidx = store_.index_for_write(jobs_alias);
                store_.put(jidx, id, json::serialize(job), true);
                return json_response(200, "{\"id\":" + json_quote(id) + "}");
            }
            if (get) {
                check_params(req, {"from", "size", "connector_id", "status", "job_type"});
                no_body(req);
                auto jobs = all_docs(store_, jobs_alias);
                return json_response(200,
                                     json::serialize(list_sync_jobs(jobs.docs, params_of(req))));
            }
            return bad_method(req, "GET, POST");
        }
        const std::string& job_id = s[2];
        index_data* jidx = store_.find(jobs_alias);
        // ConnectorSyncJobIndexService: a missing index (or a partial update of a missing job)
        // is "connector sync job [id] not found"; a get or delete that finds no job answers a
        // ResourceNotFoundException whose reason is the id alone.
        auto load_job = [&](bool reads_first) -> doc_ptr {
            doc_ptr j = jidx ? store_.get(*jidx, job_id) : nullptr;
            if (!j) {
                if (reads_first && jidx)
                    throw es_error(404, "resource_not_found_exception", job_id);
                throw sync_job_not_found(job_id);
            }
            return j;
        };
        if (s.size() == 3) {
            if (!get && m != "DELETE")
                return bad_method(req, "GET, DELETE");
            check_params(req, {"connector_sync_job_id"});
            no_body(req);
            if (job_id.empty())
                throw_if_invalid({std::string(empty_job_id)});
            doc_ptr j = load_job(true);
            if (get)
                return json_response(200, json::serialize(sync_job_view(job_id, j->object())));
            store_.remove(*jidx, job_id);
            return json_response(200, R"({"acknowledged":true})");
        }
        const std::string& action = s[3];
        static const std::set<std::string, std::less<>> job_apis = {"_cancel", "_check_in",
                                                                    "_claim", "_error", "_stats"};
        if (s.size() != 4 || !job_apis.contains(action))
            return no_handler(req);
        if (m != "PUT")
            return bad_method(req, "PUT");
        json::object body;
        std::vector<std::string> errors;
        if (job_id.empty())
            errors.emplace_back(empty_job_id);
        std::optional<body_text_scope> text;
        if (action == "_cancel" || action == "_check_in") {
            check_params(req, {"connector_sync_job_id"});
            no_body(req);
        } else {
            std::string_view parser = action == "_claim" ? "claim_connector_sync_job"
                                      : action == "_stats"
                                          ? "connector_sync_job_update_ingestion_stats"
                                          : "connector_sync_job_error_request";
            body = required_body(req, parser);
            text.emplace(req.body);
            auto body_errors = check_sync_job_body(action, body);
            check_params(req, {"connector_sync_job_id"});
            errors.insert(errors.end(), body_errors.begin(), body_errors.end());
        }
        throw_if_invalid(errors);
        const bool partial_update = action == "_check_in" || action == "_stats";
        const doc_ptr before = load_job(!partial_update);
        json::object job = before->object();
        if (action == "_claim") {
            apply_claim(job, body, now);
        } else if (action == "_stats") {
            apply_stats(job, body, now);
        } else if (action == "_cancel") {
            apply_cancel(job, now);
        } else if (action == "_check_in") {
            apply_job_check_in(job, now);
        } else {
            apply_job_error(job, body);
        }
        if (job == before->object())
            return result("noop");
        store_.put(*jidx, job_id, json::serialize(job), false);
        return result("updated");
    }

    // ---- connectors ----------------------------------------------------------------------
    auto create = [&](const std::string* given_id) {
        json::object body = optional_body(req, "connector_put_request");
        body_text_scope text(req.body);
        auto errors = check_connector_body("", body);
        check_params(req, given_id ? std::initializer_list<std::string_view>{"connector_id"}
                                   : std::initializer_list<std::string_view>{});
        throw_if_invalid(errors);
        std::string id = given_id ? *given_id : store_.new_id();
        json::object c = new_connector(id, body, now);
        if (auto* n = c.if_contains("index_name"); n && n->is_string()) {
            auto conns = all_docs(store_, connectors_alias);
            check_index_name_free(n->as_string(), given_id ? id : std::string_view(), conns.docs);
        }
        index_data& idx = store_.index_for_write(connectors_alias);
        auto o = store_.put(idx, id, json::serialize(c), false);
        const bool created = o.result == write_result::created;
        return json_response(created ? 201 : 200, "{\"id\":" + json_quote(id) + ",\"result\":\"" +
                                                      std::string(created ? "created" : "updated") +
                                                      "\"}");
    };

    if (s.size() == 1) {
        // RestPutConnectorAction reads connector_id from the parameters, which include the
        // query string: PUT /_connector?connector_id=x creates x.
        if (m == "PUT") {
            if (auto q = req.query("connector_id"); q && !q->empty()) {
                const std::string given(*q);
                return create(&given);
            }
        }
        if (get) {
            check_params(req, {"from", "size", "index_name", "connector_name", "service_type",
                               "query", "include_deleted"});
            no_body(req);
            auto conns = all_docs(store_, connectors_alias);
            return json_response(200, json::serialize(list_connectors(conns.docs, params_of(req))));
        }
        if (m == "POST" || m == "PUT")
            return create(nullptr);
        return bad_method(req, "GET, POST, PUT");
    }
    const std::string& id = s[1];
    index_data* idx = store_.find(connectors_alias);
    auto find_doc = [&]() -> doc_ptr { return idx ? store_.get(*idx, id) : nullptr; };
    if (s.size() == 2) {
        if (m == "PUT")
            return create(&id);
        if (get) {
            const bool include_deleted = bool_param(req, "include_deleted");
            check_params(req, {"connector_id", "include_deleted"});
            no_body(req);
            doc_ptr d = find_doc();
            if (!d)
                throw connector_not_found(id);
            return json_response(200,
                                 json::serialize(connector_view(id, d->object(), include_deleted)));
        }
        if (m == "DELETE") {
            const bool delete_jobs = bool_param(req, "delete_sync_jobs");
            const bool hard = bool_param(req, "hard");
            check_params(req, {"connector_id", "delete_sync_jobs", "hard"});
            no_body(req);
            doc_ptr d = find_doc();
            // A hard delete removes the document whatever its state; a soft one needs a live
            // connector.
            if (!d || (!hard && is_soft_deleted(d->object())))
                throw connector_not_found(id);
            if (hard) {
                store_.remove(*idx, id);
            } else {
                json::object c = d->object();
                apply_soft_delete(c);
                store_.put(*idx, id, json::serialize(c), false);
            }
            if (delete_jobs) {
                if (index_data* jidx = store_.find(jobs_alias)) {
                    std::vector<std::string> doomed;
                    for (const auto& [jid, jd] : jidx->docs) {
                        const auto& jo = jd->object();
                        auto* conn = jo.if_contains("connector");
                        auto* cid = conn && conn->is_object() ? conn->as_object().if_contains("id")
                                                              : nullptr;
                        if (cid && cid->is_string() && cid->as_string() == id)
                            doomed.push_back(jid);
                    }
                    for (const auto& jid : doomed)
                        store_.remove(*jidx, jid);
                }
            }
            return json_response(200, R"({"acknowledged":true})");
        }
        return bad_method(req, "GET, PUT, DELETE");
    }

    // ---- updates: PUT /_connector/{id}/_x[/_y] -------------------------------------------
    std::string api = s[2];
    for (std::size_t i = 3; i < s.size(); ++i)
        api += "/" + s[i];
    if (!known_update(api))
        return no_handler(req);
    if (m != "PUT")
        return bad_method(req, "PUT");
    json::object body;
    std::vector<std::string> errors;
    if (id.empty())
        errors.emplace_back(empty_connector_id);
    std::optional<body_text_scope> text;
    if (api == "_check_in" || api == "_filtering/_activate") {
        check_params(req, {"connector_id"});
        no_body(req);
    } else {
        body = required_body(req, parser_of(api));
        text.emplace(req.body);
        auto body_errors = check_connector_body(api, body);
        check_params(req, {"connector_id"});
        errors.insert(errors.end(), body_errors.begin(), body_errors.end());
    }
    throw_if_invalid(errors);

    if (api == "_index_name") {
        if (const json::value* n = body.if_contains("index_name"); n && n->is_string()) {
            auto conns = all_docs(store_, connectors_alias);
            check_index_name_free(n->as_string(), id, conns.docs);
        }
    }
    doc_ptr d = find_doc();
    const bool reads = api == "_check_in" ? false : connector_api_reads_connector(api, body);
    if (!d) {
        if (reads || !idx)
            throw connector_not_found(id);
        throw es_error(
            404, "document_missing_exception", "[" + id + "]: document missing",
            json::object{{"index_uuid", idx->uuid}, {"shard", "0"}, {"index", idx->name}});
    }
    if (reads && is_soft_deleted(d->object()))
        throw connector_not_found(id);
    json::object c = d->object();
    if (api == "_check_in") {
        apply_check_in(c, now);
    } else if (api == "_configuration") {
        apply_configuration(c, body);
    } else if (api == "_scheduling") {
        apply_scheduling(c, body);
    } else if (api == "_status") {
        apply_status(c, body);
    } else if (api == "_error") {
        apply_error(c, body);
    } else if (api == "_filtering") {
        apply_filtering(c, body, now);
    } else if (api == "_filtering/_validation") {
        apply_filtering_validation(c, body);
    } else if (api == "_filtering/_activate") {
        apply_filtering_activate(c);
    } else if (api == "_name") {
        apply_name(c, body);
    } else if (api == "_pipeline") {
        apply_pipeline(c, body);
    } else if (api == "_index_name") {
        apply_index_name(c, body);
    } else if (api == "_service_type") {
        apply_service_type(c, body);
    } else if (api == "_features") {
        apply_features(c, body);
    } else if (api == "_last_sync") {
        apply_last_sync(c, body);
    } else if (api == "_native") {
        apply_native(c, body, id);
    } else {
        apply_api_key_id(c, body);
    }
    // A partial update that changes nothing is a noop; the full configuration is written by a
    // script, which always updates.
    const bool scripted = api == "_configuration" && body.contains("configuration") &&
                          !body.at("configuration").is_null();
    if (!scripted && c == d->object())
        return result("noop");
    store_.put(*idx, id, json::serialize(c), false);
    return result("updated");
}

}  // namespace casio::mock_es
