#pragma once
// A miniature in-memory Elasticsearch behind http::transport for the service and runner unit
// tests: connector and job documents with seq_no (409 on stale OCC writes, or injected), the
// connector/job APIs the service calls, a content index with bulk/scroll/count, and a small
// evaluator for the bool/term/terms queries the service sends. Every request is recorded.

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/time.hpp>
#include <casio/es/client.hpp>
#include <casio/sync/connector_doc.hpp>

namespace casio::sync::test {

namespace json = boost::json;

struct stored {
    json::object source;
    std::int64_t seq_no = 1;
};

class fake_es final : public http::transport {
  public:
    std::map<std::string, stored> connectors;
    std::map<std::string, stored> jobs;
    std::map<std::string, std::map<std::string, std::string>> indices;  // index -> id -> json
    std::vector<http::request> requests;
    int conflicts_to_inject = 0;  // next OCC connector writes answered 409
    int job_counter = 0;
    bool fail_everything = false;
    int fail_first = 0;        // the first N requests fail as connection errors
    unsigned refuse_with = 0;  // when set, every request is answered with this status (401/403)
    std::string version = "9.6.0";
    std::string build_flavor = "default";

    // The requests whose "METHOD path" starts with `prefix`.
    std::vector<const http::request*> sent(std::string_view verb,
                                           std::string_view path_prefix) const {
        std::vector<const http::request*> out;
        for (const auto& r : requests) {
            if (verb_of(r) == verb && path_of(r).rfind(path_prefix, 0) == 0) {
                out.push_back(&r);
            }
        }
        return out;
    }

    boost::asio::awaitable<http::response> send(http::request req) override {
        req.own_body();  // kept after the call
        requests.push_back(req);
        if (fail_everything) {
            throw core::error(core::error_kind::bad_request, "fake_es: failing on purpose");
        }
        if (fail_first > 0) {
            --fail_first;
            throw core::error(core::error_kind::transient, "connection refused");
        }
        if (refuse_with != 0) {
            co_return answer(refuse_with, R"({"error":{"type":"security_exception","reason":)"
                                          R"("unable to authenticate"},"status":401})");
        }
        co_return handle(req);
    }

    static std::string verb_of(const http::request& r) {
        switch (r.verb) {
            case http::method::get:
                return "GET";
            case http::method::put:
                return "PUT";
            case http::method::post:
                return "POST";
            case http::method::delete_:
                return "DELETE";
            case http::method::head:
                return "HEAD";
            default:
                return "OTHER";
        }
    }
    static std::string path_of(const http::request& r) {
        auto p = r.url.find('/', r.url.find("://") + 3);
        auto q = r.url.find('?', p);
        return r.url.substr(p, q == std::string::npos ? std::string::npos : q - p);
    }
    static std::string query_of(const http::request& r) {
        auto q = r.url.find('?');
        return q == std::string::npos ? std::string() : r.url.substr(q + 1);
    }

    static bool matches(const json::object& doc, const json::value& q) {
        const auto& o = q.as_object();
        if (auto* b = o.if_contains("bool")) {
            const auto& bo = b->as_object();
            auto all = [&](std::string_view k, bool want) {
                if (auto* v = bo.if_contains(k)) {
                    if (v->is_array()) {
                        for (const auto& c : v->as_array()) {
                            if (matches(doc, c) != want)
                                return false;
                        }
                    } else if (matches(doc, *v) != want) {
                        return false;
                    }
                }
                return true;
            };
            if (!all("must", true) || !all("filter", true) || !all("must_not", false)) {
                return false;
            }
            if (auto* s = bo.if_contains("should")) {
                for (const auto& c : s->as_array()) {
                    if (matches(doc, c))
                        return true;
                }
                return false;
            }
            return true;
        }
        if (o.contains("match_all") || o.contains("range")) {
            return true;
        }
        auto field_value = [&](std::string_view f) -> json::value {
            if (const auto* v = find_path(doc, f))
                return *v;
            return nullptr;
        };
        if (auto* t = o.if_contains("term")) {
            const auto& [f, v] = *t->as_object().begin();
            return field_value(f) == v;
        }
        if (auto* t = o.if_contains("terms")) {
            const auto& [f, v] = *t->as_object().begin();
            auto have = field_value(f);
            for (const auto& x : v.as_array()) {
                if (have == x)
                    return true;
            }
            return false;
        }
        return false;
    }

  private:
    static http::response answer(unsigned status, std::string body) {
        http::response r;
        r.status = status;
        r.body = std::move(body);
        r.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
        r.fields.push_back({"content-type", "application/json"});
        return r;
    }
    static http::response ok() {
        return answer(200, R"({"acknowledged":true,"result":"updated"})");
    }

    std::map<std::string, stored>* system(std::string_view index) {
        if (index == ".elastic-connectors" || index == ".elastic-connectors-v1")
            return &connectors;
        if (index == ".elastic-connectors-sync-jobs" || index == ".elastic-connectors-sync-jobs-v1")
            return &jobs;
        return nullptr;
    }

    static std::vector<std::string> split(const std::string& path) {
        std::vector<std::string> parts;
        std::size_t i = 1;
        while (i <= path.size()) {
            auto j = path.find('/', i);
            if (j == std::string::npos)
                j = path.size();
            parts.push_back(path.substr(i, j - i));
            i = j + 1;
        }
        return parts;
    }

    static json::object hit(const std::string& id, const stored& s) {
        return json::object{{"_id", id},
                            {"_seq_no", s.seq_no},
                            {"_primary_term", 1},
                            {"_source", s.source},
                            {"found", true}};
    }

    static void merge(json::object& into, const json::object& patch) {
        for (const auto& [k, v] : patch) {
            if (v.is_object() && into.contains(k) && into[k].is_object()) {
                merge(into[k].as_object(), v.as_object());
            } else {
                into[k] = v;
            }
        }
    }

    http::response handle(const http::request& r) {
        const auto verb = verb_of(r);
        const auto path = path_of(r);
        const auto query = query_of(r);
        const auto p = split(path);
        json::value body = r.body.empty() || path == "/_bulk" ? json::value() : json::parse(r.body);
        if (verb == "GET" && path == "/") {
            return answer(200, R"({"version":{"number":")" + version + R"(","build_flavor":")" +
                                   build_flavor + R"("}})");
        }
        if (verb == "GET" && path == "/_license") {
            return answer(200, R"({"license":{"status":"active","type":"platinum"}})");
        }
        if (p.size() >= 2 && p[0] == "_connector" && p[1] == "_sync_job") {
            if (p.size() == 2 && verb == "POST") {
                const auto& b = body.as_object();
                const std::string cid(b.at("id").as_string());
                auto& c = connectors.at(cid).source;
                const std::string type(b.at("job_type").as_string());
                std::string index(c.at("index_name").as_string());
                if (type == "access_control")
                    index = ".search-acl-filter-" + index;
                const std::string id = "job-" + std::to_string(++job_counter);
                json::object snapshot{{"id", cid},
                                      {"index_name", index},
                                      {"service_type", c.at("service_type")},
                                      {"configuration", c.at("configuration")}};
                jobs[id].source = json::object{
                    {"connector", snapshot},
                    {"job_type", type},
                    {"trigger_method", b.at("trigger_method")},
                    {"status", "pending"},
                    {"created_at", "2026-01-01T00:00:0" + std::to_string(job_counter) + "Z"}};
                return answer(200, R"({"id":")" + id + R"("})");
            }
            auto& job = jobs.at(p[2]);
            if (p[3] == "_claim") {
                job.source["status"] = "in_progress";
                job.source["worker_hostname"] = body.at("worker_hostname");
            }
            if (p[3] == "_cancel") {
                job.source["status"] = "canceling";
            }
            ++job.seq_no;
            return ok();
        }
        if (p.size() == 2 && p[0] == "_connector") {
            if (verb == "GET") {
                auto it = connectors.find(p[1]);
                if (it == connectors.end())
                    return answer(
                        404,
                        R"({"error":{"type":"resource_not_found_exception","reason":"missing"}})");
                return answer(200, json::serialize(it->second.source));
            }
            auto doc = body.as_object();
            doc["status"] = "created";
            doc["configuration"] = json::object{};
            connectors[p[1]].source = std::move(doc);
            return ok();
        }
        if (p.size() == 3 && p[0] == "_connector" && p[2] == "_configuration") {
            auto& c = connectors.at(p[1]).source;
            if (auto* cfg = body.as_object().if_contains("configuration")) {
                c["configuration"] = *cfg;
            }
            if (auto* values = body.as_object().if_contains("values")) {
                for (const auto& [k, v] : values->as_object()) {
                    c["configuration"].as_object()[k].as_object()["value"] = v;
                }
            }
            c["status"] = "configured";
            return ok();
        }
        if (p.size() == 3 && p[0] == "_connector" && p[2] == "_check_in") {
            connectors.at(p[1]).source["last_seen"] = core::format_iso8601(core::now_utc());
            return ok();
        }
        if (auto* docs = system(p[0])) {
            if (p.size() == 3 && p[1] == "_doc" && verb == "GET") {
                auto it = docs->find(p[2]);
                if (it == docs->end())
                    return answer(404, R"({"found":false})");
                return answer(200, json::serialize(hit(it->first, it->second)));
            }
            if (p.size() == 3 && p[1] == "_update") {
                auto it = docs->find(p[2]);
                if (it == docs->end())
                    return answer(
                        404,
                        R"({"error":{"type":"document_missing_exception","reason":"missing"}})");
                if (query.find("if_seq_no") != std::string::npos) {
                    const bool stale = query.find("if_seq_no=" + std::to_string(it->second.seq_no) +
                                                  "&") == std::string::npos;
                    if (conflicts_to_inject > 0 || stale) {
                        if (conflicts_to_inject > 0)
                            --conflicts_to_inject;
                        ++it->second.seq_no;  // someone else wrote it
                        return answer(
                            409,
                            R"({"error":{"type":"version_conflict_engine_exception","reason":"conflict"}})");
                    }
                }
                merge(it->second.source, body.at("doc").as_object());
                ++it->second.seq_no;
                return ok();
            }
            if (p.size() == 2 && p[1] == "_search") {
                json::array hits;
                for (const auto& [id, s] : *docs) {
                    json::object with_id = s.source;
                    with_id["_id"] = id;
                    if (!body.as_object().contains("query") || matches(with_id, body.at("query"))) {
                        hits.push_back(hit(id, s));
                    }
                }
                const auto from = body.as_object().contains("from")
                                      ? body.at("from").to_number<std::size_t>()
                                      : 0;
                json::array page;
                for (std::size_t i = from; i < hits.size(); ++i)
                    page.push_back(hits[i]);
                json::object res{
                    {"hits", json::object{{"total", json::object{{"value", hits.size()}}},
                                          {"hits", page}}}};
                return answer(200, json::serialize(res));
            }
        }
        if (path == "/_bulk") {
            json::array items;
            std::string line;
            std::size_t pos = 0;
            std::string pending_index, pending_id, pending_op;
            bool expect_source = false;
            while (pos < r.body.size()) {
                auto nl = r.body.find('\n', pos);
                line = r.body.substr(pos, nl - pos);
                pos = nl == std::string::npos ? r.body.size() : nl + 1;
                if (line.empty())
                    continue;
                if (expect_source) {
                    indices[pending_index][pending_id] = line;
                    items.push_back(json::object{{pending_op, json::object{{"_id", pending_id},
                                                                           {"result", "created"},
                                                                           {"status", 201}}}});
                    expect_source = false;
                    continue;
                }
                auto action = json::parse(line).as_object();
                const auto& [op, meta] = *action.begin();
                pending_op = std::string(op);
                pending_index = std::string(meta.at("_index").as_string());
                pending_id = std::string(meta.at("_id").as_string());
                if (op == "delete") {
                    indices[pending_index].erase(pending_id);
                    items.push_back(json::object{{"delete", json::object{{"_id", pending_id},
                                                                         {"result", "deleted"},
                                                                         {"status", 200}}}});
                } else {
                    expect_source = true;
                }
            }
            return answer(200, json::serialize(json::object{{"errors", false}, {"items", items}}));
        }
        if (path == "/_search/scroll") {
            if (verb == "DELETE")
                return ok();
            return answer(
                200,
                R"({"_scroll_id":"s1","_shards":{"total":1,"successful":1,"skipped":0},"hits":{"hits":[]}})");
        }
        // Content indices.
        const std::string index = p[0];
        if (p.size() == 1) {
            if (verb == "HEAD")
                return answer(indices.count(index) ? 200 : 404, "");
            if (verb == "PUT") {
                indices[index];
                return ok();
            }
            if (verb == "GET") {
                return answer(
                    200, indices.count(index) ? R"({")" + index + R"(":{"aliases":{}}})" : "{}");
            }
        }
        if (p.size() == 2 && p[1] == "_search") {
            json::array hits;
            for (const auto& [id, src] : indices[index]) {
                json::object source{{"id", id}};
                boost::system::error_code ec;
                auto stored_doc = json::parse(src, ec);
                if (!ec && stored_doc.is_object()) {
                    if (auto* ts = stored_doc.as_object().if_contains("_timestamp")) {
                        source["_timestamp"] = *ts;
                    }
                }
                hits.push_back(json::object{{"_id", id}, {"_source", std::move(source)}});
            }
            return answer(
                200, json::serialize(json::object{
                         {"_scroll_id", "s1"},
                         {"_shards", json::object{{"total", 1}, {"successful", 1}, {"skipped", 0}}},
                         {"hits", json::object{{"hits", hits}}}}));
        }
        if (p.size() == 2 && p[1] == "_refresh")
            return ok();
        if (p.size() == 2 && p[1] == "_count") {
            return answer(200, R"({"count":)" + std::to_string(indices[index].size()) + "}");
        }
        return answer(
            400, R"({"error":{"type":"fake","reason":"unhandled )" + verb + " " + path + R"("}})");
    }
};

}  // namespace casio::sync::test
