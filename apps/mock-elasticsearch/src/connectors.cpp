// Routing of the connector APIs onto the system indices: the document logic is in
// connector_api.cpp; here documents are loaded from and stored into `.elastic-connectors-v1`
// and `.elastic-connectors-sync-jobs-v1`, so raw _doc/_search/_update by alias see them.

#include <boost/json/serialize.hpp>

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

json::object body_object(const server_request& req) {
    if (blank_body(req.body))
        return {};
    json::value v = parse_json_or_throw(req.body, "x_content_parse_exception");
    if (!v.is_object()) {
        throw es_error(400, "x_content_parse_exception", "[1:1] request body must be an object");
    }
    return std::move(v.as_object());
}

url_params params_of(const server_request& req) {
    url_params p;
    for (const auto& [k, v] : req.params)
        p.emplace(k, v);
    return p;
}

server_response result(std::string_view r, unsigned status = 200) {
    return json_response(status, "{\"result\":\"" + std::string(r) + "\"}");
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

bool is_deleted(const json::object& connector) {
    auto* d = connector.if_contains("deleted");
    return d && d->is_bool() && d->as_bool();
}

}  // namespace

server_response service::route_connector(server_request& req) {
    const auto& s = req.segments;  // s[0] == "_connector"
    const std::string& m = req.method;
    std::string now = format_instant(std::chrono::system_clock::now());

    // ---- sync jobs ---------------------------------------------------------------------
    if (s.size() >= 2 && s[1] == "_sync_job") {
        if (s.size() == 2) {
            if (m == "POST") {
                json::object body = body_object(req);
                std::string cid = sync_job_connector_id(body);
                index_data* cidx = store_.find(connectors_alias);
                doc_ptr c = cidx ? store_.get(*cidx, cid) : nullptr;
                const json::object* cobj = c && !is_deleted(c->object()) ? &c->object() : nullptr;
                json::object job = new_sync_job(cobj, cid, body, now);
                std::string id = store_.new_id();
                index_data& jidx = store_.index_for_write(jobs_alias);
                store_.put(jidx, id, json::serialize(job), true);
                return json_response(200, "{\"id\":" + json_quote(id) + "}");
            }
            if (m == "GET") {
                auto jobs = all_docs(store_, jobs_alias);
                return json_response(200,
                                     json::serialize(list_sync_jobs(jobs.docs, params_of(req))));
            }
            return json_response(405, R"({"error":"method not allowed","status":405})");
        }
        const std::string& job_id = s[2];
        index_data* jidx = store_.find(jobs_alias);
        doc_ptr j = jidx ? store_.get(*jidx, job_id) : nullptr;
        if (!j)
            throw sync_job_not_found(job_id);
        if (s.size() == 3) {
            if (m == "GET")
                return json_response(200, json::serialize(sync_job_view(job_id, j->object())));
            if (m == "DELETE") {
                store_.remove(*jidx, job_id);
                return json_response(200, R"({"acknowledged":true})");
            }
            return json_response(405, R"({"error":"method not allowed","status":405})");
        }
        if (s.size() != 4 || (m != "PUT" && m != "POST")) {
            return json_response(400, "{\"error\":" +
                                          json_quote("no handler found for uri [" + req.target +
                                                     "] and method [" + m + "]") +
                                          ",\"status\":400}");
        }
        json::object job = j->object();
        const std::string& action = s[3];
        json::object body = body_object(req);
        if (action == "_claim") {
            apply_claim(job, body, now);
        } else if (action == "_stats") {
            apply_stats(job, body, now);
        } else if (action == "_cancel") {
            apply_cancel(job, now);
        } else if (action == "_check_in") {
            apply_job_check_in(job, now);
        } else if (action == "_error") {
            apply_job_error(job, body);
        } else {
            return json_response(400, "{\"error\":" +
                                          json_quote("no handler found for uri [" + req.target +
                                                     "] and method [" + m + "]") +
                                          ",\"status\":400}");
        }
        store_.put(*jidx, job_id, json::serialize(job), false);
        return result("updated");
    }

    // ---- connectors ----------------------------------------------------------------------
    if (s.size() == 1) {
        if (m == "GET") {
            auto conns = all_docs(store_, connectors_alias);
            return json_response(200, json::serialize(list_connectors(conns.docs, params_of(req))));
        }
        if (m == "POST") {
            json::object body = body_object(req);
            std::string id = store_.new_id();
            json::object c = new_connector(id, body, now);
            if (auto* n = c.if_contains("index_name"); n && n->is_string()) {
                auto conns = all_docs(store_, connectors_alias);
                check_index_name_free(n->as_string(), id, conns.docs);
            }
            index_data& idx = store_.index_for_write(connectors_alias);
            store_.put(idx, id, json::serialize(c), false);
            return json_response(200, "{\"result\":\"created\",\"id\":" + json_quote(id) + "}");
        }
        return json_response(405, R"({"error":"method not allowed","status":405})");
    }
    const std::string& id = s[1];
    if (s.size() == 2 && m == "PUT") {
        json::object body = body_object(req);
        json::object c = new_connector(id, body, now);
        if (auto* n = c.if_contains("index_name"); n && n->is_string()) {
            auto conns = all_docs(store_, connectors_alias);
            check_index_name_free(n->as_string(), id, conns.docs);
        }
        index_data& idx = store_.index_for_write(connectors_alias);
        auto o = store_.put(idx, id, json::serialize(c), false);
        bool created = o.result == write_result::created;
        return json_response(created ? 201 : 200, "{\"result\":\"" +
                                                      std::string(created ? "created" : "updated") +
                                                      "\",\"id\":" + json_quote(id) + "}");
    }
    index_data* idx = store_.find(connectors_alias);
    doc_ptr d = idx ? store_.get(*idx, id) : nullptr;
    if (!d)
        throw connector_not_found(id);
    if (s.size() == 2) {
        if (m == "GET") {
            bool include_deleted = req.query("include_deleted").value_or("false") == "true";
            return json_response(200,
                                 json::serialize(connector_view(id, d->object(), include_deleted)));
        }
        if (m == "DELETE") {
            if (is_deleted(d->object()))
                throw connector_not_found(id);
            if (req.query("delete_sync_jobs").value_or("false") == "true") {
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
            if (req.query("hard").value_or("false") == "true") {
                store_.remove(*idx, id);
            } else {
                json::object c = d->object();
                apply_soft_delete(c);
                store_.put(*idx, id, json::serialize(c), false);
            }
            return json_response(200, R"({"acknowledged":true})");
        }
        return json_response(405, R"({"error":"method not allowed","status":405})");
    }
    if (m != "PUT" && m != "POST") {
        return json_response(405, R"({"error":"method not allowed","status":405})");
    }
    if (is_deleted(d->object()))
        throw connector_not_found(id);
    json::object c = d->object();
    json::object body = body_object(req);
    const std::string& action = s[2];
    bool known = true;
    if (s.size() == 4 && action == "_filtering" && s[3] == "_validation") {
        apply_filtering_validation(c, body);
    } else if (s.size() == 4 && action == "_filtering" && s[3] == "_activate") {
        apply_filtering_activate(c);
    } else if (s.size() != 3) {  // NOLINT(bugprone-branch-clone): must precede the actions below
        known = false;
    } else if (action == "_check_in") {
        apply_check_in(c, now);
    } else if (action == "_configuration") {
        apply_configuration(c, body);
    } else if (action == "_scheduling") {
        apply_scheduling(c, body);
    } else if (action == "_status") {
        apply_status(c, body);
    } else if (action == "_error") {
        apply_error(c, body);
    } else if (action == "_filtering") {
        apply_filtering(c, body, now);
    } else if (action == "_name") {
        apply_name(c, body);
    } else if (action == "_pipeline") {
        apply_pipeline(c, body);
    } else if (action == "_index_name") {
        apply_index_name(c, body);
        if (auto* n = c.if_contains("index_name"); n && n->is_string()) {
            auto conns = all_docs(store_, connectors_alias);
            check_index_name_free(n->as_string(), id, conns.docs);
        }
    } else if (action == "_service_type") {
        apply_service_type(c, body);
    } else if (action == "_features") {
        apply_features(c, body);
    } else if (action == "_last_sync") {
        apply_last_sync(c, body);
    } else if (action == "_native") {
        apply_native(c, body);
    } else if (action == "_api_key_id") {
        apply_api_key_id(c, body);
    } else {
        known = false;
    }
    if (!known) {
        return json_response(400, "{\"error\":" +
                                      json_quote("no handler found for uri [" + req.target +
                                                 "] and method [" + m + "]") +
                                      ",\"status\":400}");
    }
    store_.put(*idx, id, json::serialize(c), false);
    return result("updated");
}

}  // namespace casio::mock_es
