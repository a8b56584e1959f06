// _search, scroll, _count and _refresh. Hits are assembled as text around the stored source
// bytes; a source is parsed only when a query, a sort or a complex `_source` filter needs it.

#include <algorithm>
#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/json_text.hpp>

#include "json_util.hpp"
#include "query.hpp"
#include "query_string.hpp"
#include "service.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

namespace {

constexpr std::size_t max_result_window = 10'000;
constexpr std::size_t max_open_scrolls = 500;
const std::string shards_json = R"({"total":1,"successful":1,"skipped":0,"failed":0})";

constexpr std::string_view known_search_keys[] = {"query",
                                                  "from",
                                                  "size",
                                                  "sort",
                                                  "_source",
                                                  "seq_no_primary_term",
                                                  "version",
                                                  "track_total_hits",
                                                  "timeout",
                                                  "aggs",
                                                  "aggregations",
                                                  "search_after",
                                                  "post_filter",
                                                  "highlight",
                                                  "stored_fields",
                                                  "fields",
                                                  "docvalue_fields",
                                                  "min_score",
                                                  "terminate_after",
                                                  "explain",
                                                  "track_scores",
                                                  "collapse",
                                                  "pit",
                                                  "runtime_mappings",
                                                  "indices_boost",
                                                  "knn",
                                                  "rescore",
                                                  "suggest",
                                                  "profile",
                                                  "stats",
                                                  "ext",
                                                  "slice",
                                                  "script_fields",
                                                  "scroll",
                                                  "scroll_id"};

json::object parse_body(const server_request& req) {
    if (blank_body(req.body))
        return {};
    json::value v = parse_json_or_throw(req.body, "x_content_parse_exception");
    if (!v.is_object()) {
        throw es_error(400, "parsing_exception", "Expected [START_OBJECT] but found [VALUE]");
    }
    return std::move(v.as_object());
}

std::size_t to_size(const json::value& v, std::string_view name) {
    if (v.is_int64() && v.as_int64() >= 0)
        return static_cast<std::size_t>(v.as_int64());
    if (v.is_uint64())
        return static_cast<std::size_t>(v.as_uint64());
    if (v.is_string()) {
        std::size_t out = 0;
        auto s = std::string_view(v.as_string());
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc{} && p == s.data() + s.size())
            return out;
    }
    throw es_error(400, "x_content_parse_exception",
                   "[1:1] [" + std::string(name) + "] must be a non-negative integer");
}

std::size_t param_size(const server_request& req, std::string_view name, std::size_t dflt) {
    auto v = req.query(name);
    if (!v)
        return dflt;
    return to_size(json::value(json::string_view(v->data(), v->size())), name);
}

// Parses "5m", "30s", "100ms", "1h", "1d" -> milliseconds.
std::chrono::milliseconds parse_keep_alive(std::string_view s) {
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
    std::int64_t mult = 0;
    if (unit == "ms")
        mult = 1;
    if (unit == "s")
        mult = 1000;
    if (unit == "m")
        mult = 60'000;
    if (unit == "h")
        mult = 3'600'000;
    if (unit == "d")
        mult = 86'400'000;
    if (ec != std::errc{} || mult == 0) {
        throw es_error(400, "illegal_argument_exception",
                       "failed to parse setting [scroll] with value [" + std::string(s) +
                           "] as a time value: unit is missing or unrecognized");
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(n) * mult);
}

// A `_source` spec naming only plain top-level fields can be served by a byte scan.
bool simple_top_level_spec(const json::value& spec, std::vector<std::string>& keys) {
    auto plain = [](std::string_view s) {
        return !s.empty() && s.find('*') == std::string_view::npos &&
               s.find('.') == std::string_view::npos;
    };
    if (spec.is_string()) {
        if (!plain(spec.as_string()))
            return false;
        keys.emplace_back(spec.as_string());
        return true;
    }
    if (!spec.is_array())
        return false;
    for (const auto& e : spec.as_array()) {
        if (!e.is_string() || !plain(e.as_string()))
            return false;
        keys.emplace_back(e.as_string());
    }
    return true;
}

}  // namespace

std::string service::page_body(scroll_context& ctx, std::size_t from, std::size_t size,
                               const std::string* scroll_id, bool rest_total_as_int,
                               std::int64_t track_limit) {
    std::string out;
    out.reserve(256 + std::min(size, ctx.hits.size()) * 256);
    if (scroll_id) {
        out += "{\"_scroll_id\":";
        append_json_string(out, *scroll_id);
        out += ",";
    } else {
        out += "{";
    }
    out += "\"took\":1,\"timed_out\":false,\"_shards\":" + shards_json + ",\"hits\":{";
    if (track_limit != 0) {
        std::size_t value = ctx.total;
        const char* relation = "eq";
        if (track_limit > 0 && value > static_cast<std::size_t>(track_limit)) {
            value = static_cast<std::size_t>(track_limit);
            relation = "gte";
        }
        if (rest_total_as_int) {
            out += "\"total\":" + std::to_string(value) + ",";
        } else {
            out += "\"total\":{\"value\":" + std::to_string(value) + ",\"relation\":\"" + relation +
                   "\"},";
        }
    }
    out += "\"max_score\":";
    out += ctx.sort || ctx.hits.empty() || from >= ctx.hits.size() ? "null" : "1.0";
    out += ",\"hits\":[";
    std::vector<std::string> keys;
    bool simple = ctx.has_source_spec && simple_top_level_spec(ctx.source_spec, keys);
    bool no_source = ctx.has_source_spec && ctx.source_spec.is_bool() && !ctx.source_spec.as_bool();
    bool full = !ctx.has_source_spec || (ctx.source_spec.is_bool() && ctx.source_spec.as_bool());
    std::size_t end = std::min(ctx.hits.size(), from + size);
    for (std::size_t i = from; i < end; ++i) {
        const auto& h = ctx.hits[i];
        if (i != from)
            out.push_back(',');
        out += "{\"_index\":";
        append_json_string(out, ctx.index_names[h.index_no]);
        out += ",\"_id\":";
        append_json_string(out, h.doc->id);
        if (ctx.version)
            out += ",\"_version\":" + std::to_string(h.doc->version);
        if (ctx.seq_no_primary_term) {
            out += ",\"_seq_no\":" + std::to_string(h.doc->seq_no) + ",\"_primary_term\":1";
        }
        out += ctx.sort ? ",\"_score\":null" : ",\"_score\":1.0";
        if (full) {
            out += ",\"_source\":";
            out += h.doc->source;
        } else if (simple) {
            out += ",\"_source\":";
            out += project_top_level(h.doc->source, keys);
        } else if (!no_source) {
            // Content documents are parsed for the moment only; caching their parsed form
            // would grow memory with every hit served.
            const auto& name = ctx.index_names[h.index_no];
            json::value parsed;
            if (name.empty() || name.front() != '.')
                parsed = json::parse(h.doc->source);
            const json::object& src = parsed.is_object() ? parsed.as_object() : h.doc->object();
            json::value filtered = filter_source(src, &ctx.source_spec);
            if (!filtered.is_null()) {
                out += ",\"_source\":";
                casio::core::append_json_value(out, filtered);  // 35.6762, not 3.56762E1, as ES
            }
        }
        if (ctx.sort) {
            out += ",\"sort\":";
            if (ctx.sort->is_doc_order()) {
                out += "[" + std::to_string(h.doc->order) + "]";
            } else {
                out += json::serialize(ctx.sort->sort_values(h.doc->object(), h.doc->id));
            }
        }
        out += "}";
    }
    out += "]}}";
    return out;
}

server_response service::search(server_request& req, const std::string& expression) {
    json::object body = parse_body(req);
    for (const auto& [k, v] : body) {
        bool known = false;
        for (auto n : known_search_keys)
            known = known || k == n;
        if (!known) {
            throw es_error(
                400, "parsing_exception",
                "Unknown key for a " + std::string(token_name(v)) + " in [" + std::string(k) + "].",
                json::object{{"line", 1}, {"col", 1}});
        }
    }
    auto indices = store_.resolve(expression, req.query("expand_wildcards").value_or(""),
                                  req.query("ignore_unavailable").value_or("false") == "true",
                                  req.query("allow_no_indices").value_or("true") != "false");
    server_response failure;
    auto parsed = request_query(req, body, true, indices, failure);
    if (!parsed)
        return failure;
    query q = std::move(*parsed);
    sort_spec sort = sort_spec::parse(body.if_contains("sort"));

    std::size_t from =
        param_size(req, "from", body.contains("from") ? to_size(body.at("from"), "from") : 0);
    std::size_t size =
        param_size(req, "size", body.contains("size") ? to_size(body.at("size"), "size") : 10);
    auto scroll_param = req.query("scroll");
    if (!scroll_param) {
        if (auto* sv = body.if_contains("scroll"); sv && sv->is_string())
            scroll_param = std::string_view(sv->as_string());
    }
    if (scroll_param && from != 0) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: using [from] is not allowed in a scroll context;");
    }
    if (!scroll_param && from + size > max_result_window) {
        throw es_error(
            400, "illegal_argument_exception",
            "Result window is too large, from + size must be less than or equal to: [10000] "
            "but was [" +
                std::to_string(from + size) +
                "]. See the scroll api for a more "
                "efficient way to request large data sets.");
    }

    scroll_context ctx;
    ctx.size = size;
    if (auto* s = body.if_contains("_source")) {
        ctx.source_spec = *s;
        ctx.has_source_spec = true;
    }
    auto split = [](std::string_view list) {
        json::array a;
        while (!list.empty()) {
            auto c = list.find(',');
            auto part = list.substr(0, c);
            a.emplace_back(json::string_view(part.data(), part.size()));
            list = c == std::string_view::npos ? std::string_view{} : list.substr(c + 1);
        }
        return a;
    };
    auto inc = req.query("_source_includes");
    auto exc = req.query("_source_excludes");
    if (exc) {
        json::object spec{{"excludes", split(*exc)}};
        if (inc)
            spec["includes"] = split(*inc);
        ctx.source_spec = std::move(spec);
        ctx.has_source_spec = true;
    } else if (inc) {
        ctx.source_spec = split(*inc);
        ctx.has_source_spec = true;
    }
    if (auto s = req.query("_source"); s && (*s == "false" || *s == "true")) {
        ctx.source_spec = (*s == "true");
        ctx.has_source_spec = true;
    }
    if (ctx.has_source_spec)
        (void)filter_source(json::object{}, &ctx.source_spec);  // validates
    auto flag = [&](std::string_view name) {
        if (auto v = req.query(name))
            return *v == "true" || v->empty();
        auto* b = body.if_contains(name);
        return b && b->is_bool() && b->as_bool();
    };
    ctx.seq_no_primary_term = flag("seq_no_primary_term");
    ctx.version = flag("version");

    auto now = std::chrono::system_clock::now();
    bool match_all = q.is_match_all();
    for (auto* idx : indices) {
        auto no = static_cast<std::uint32_t>(ctx.index_names.size());
        ctx.index_names.push_back(idx->name);
        bool cache = idx->hidden();
        for (const auto& [id, d] : idx->docs) {
            if (!match_all) {
                bool ok;
                if (cache) {
                    ok = q.matches(id, d->object(), now);
                } else {
                    json::value v = json::parse(d->source);
                    ok = q.matches(id, v.as_object(), now);
                }
                if (!ok)
                    continue;
            }
            ctx.hits.push_back({no, d});
        }
    }
    if (sort.is_doc_order()) {
        std::sort(ctx.hits.begin(), ctx.hits.end(), [](const search_hit& a, const search_hit& b) {
            return a.index_no != b.index_no ? a.index_no < b.index_no : a.doc->order < b.doc->order;
        });
    } else {
        std::sort(ctx.hits.begin(), ctx.hits.end(), [](const search_hit& a, const search_hit& b) {
            return a.index_no != b.index_no ? a.index_no < b.index_no : a.doc->order < b.doc->order;
        });
        std::stable_sort(
            ctx.hits.begin(), ctx.hits.end(), [&](const search_hit& a, const search_hit& b) {
                return sort.compare(a.doc->object(), a.doc->id, b.doc->object(), b.doc->id) < 0;
            });
    }
    ctx.total = ctx.hits.size();
    if (body.contains("sort"))
        ctx.sort = std::make_shared<const sort_spec>(sort);

    bool as_int = req.query("rest_total_hits_as_int").value_or("false") == "true";
    std::int64_t track = 10'000;
    if (auto* t = body.if_contains("track_total_hits")) {
        if (t->is_bool())
            track = t->as_bool() ? -1 : 0;
        if (t->is_int64())
            track = t->as_int64();
    }
    if (auto t = req.query("track_total_hits")) {
        if (*t == "true")
            track = -1;
        else if (*t == "false")
            track = 0;
    }
    if (scroll_param) {
        track = -1;  // scrolls always count exactly
        auto keep = parse_keep_alive(*scroll_param);
        purge_scrolls();
        if (scrolls_.size() >= max_open_scrolls) {
            throw es_error(
                429, "es_rejected_execution_exception",
                "Trying to create too many scroll contexts. Must be less than or equal to: [500].");
        }
        ctx.expires = std::chrono::steady_clock::now() + keep;
        std::string id = "mockscroll" + store_.new_id();
        std::string out = page_body(ctx, 0, size, &id, as_int, track);
        ctx.position = std::min(size, ctx.hits.size());
        scrolls_.emplace(id, std::move(ctx));
        return json_response(200, std::move(out));
    }
    return json_response(200, page_body(ctx, from, size, nullptr, as_int, track));
}

void service::purge_scrolls() {
    auto now = std::chrono::steady_clock::now();
    for (auto it = scrolls_.begin(); it != scrolls_.end();) {
        it = it->second.expires < now ? scrolls_.erase(it) : std::next(it);
    }
}

server_response service::scroll(server_request& req) {
    json::object body = parse_body(req);
    std::string id;
    std::string keep;
    if (req.segments.size() == 3)
        id = req.segments[2];
    if (auto q = req.query("scroll_id"))
        id = *q;
    if (auto q = req.query("scroll"))
        keep = *q;
    if (auto* v = body.if_contains("scroll_id"); v && v->is_string())
        id = v->as_string();
    if (auto* v = body.if_contains("scroll"); v && v->is_string())
        keep = v->as_string();
    if (id.empty()) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: scrollId is missing;");
    }
    purge_scrolls();
    auto it = scrolls_.find(id);
    if (it == scrolls_.end()) {
        throw es_error(
            404, "search_phase_execution_exception", "all shards failed",
            json::object{{"phase", "query"},
                         {"grouped", true},
                         {"caused_by", json::object{{"type", "search_context_missing_exception"},
                                                    {"reason", "No search context found for id [" +
                                                                   id + "]"}}}});
    }
    auto& ctx = it->second;
    if (!keep.empty())
        ctx.expires = std::chrono::steady_clock::now() + parse_keep_alive(keep);
    bool as_int = req.query("rest_total_hits_as_int").value_or("false") == "true";
    std::string out = page_body(ctx, ctx.position, ctx.size, &it->first, as_int, -1);
    ctx.position = std::min(ctx.position + ctx.size, ctx.hits.size());
    return json_response(200, std::move(out));
}

server_response service::clear_scroll(server_request& req) {
    json::object body = parse_body(req);
    std::vector<std::string> ids;
    if (req.segments.size() == 3)
        ids.push_back(req.segments[2]);
    if (auto q = req.query("scroll_id"))
        ids.emplace_back(*q);
    if (auto* v = body.if_contains("scroll_id")) {
        if (v->is_string())
            ids.emplace_back(v->as_string());
        if (v->is_array()) {
            for (const auto& e : v->as_array()) {
                if (e.is_string())
                    ids.emplace_back(e.as_string());
            }
        }
    }
    std::size_t freed = 0;
    if (ids.size() == 1 && ids[0] == "_all") {
        freed = scrolls_.size();
        scrolls_.clear();
    } else {
        for (const auto& id : ids)
            freed += scrolls_.erase(id);
    }
    return json_response(freed > 0 || ids.empty() ? 200 : 404,
                         "{\"succeeded\":true,\"num_freed\":" + std::to_string(freed) + "}");
}

server_response service::count(server_request& req, const std::string& expression) {
    json::object body = parse_body(req);
    // RestCountAction reads the query-string parameters only when there is no body.
    const bool has_body = !blank_body(req.body);
    auto indices = store_.resolve(expression, req.query("expand_wildcards").value_or(""),
                                  req.query("ignore_unavailable").value_or("false") == "true");
    server_response failure;
    auto parsed = request_query(req, body, !has_body, indices, failure);
    if (!parsed)
        return failure;
    query q = std::move(*parsed);
    auto now = std::chrono::system_clock::now();
    std::size_t n = 0;
    for (auto* idx : indices) {
        if (q.is_match_all()) {
            n += idx->docs.size();
            continue;
        }
        for (const auto& [id, d] : idx->docs) {
            if (idx->hidden()) {
                n += q.matches(id, d->object(), now);
            } else {
                json::value v = json::parse(d->source);
                n += q.matches(id, v.as_object(), now);
            }
        }
    }
    return json_response(200,
                         "{\"count\":" + std::to_string(n) + ",\"_shards\":" + shards_json + "}");
}

std::optional<query> service::request_query(const server_request& req, const json::object& body,
                                            bool use_q, const std::vector<index_data*>& indices,
                                            server_response& failure) const {
    try {
        query q = query::parse(body.if_contains("query"));
        if (auto text = req.query("q"); text && use_q) {
            q = query::parse_query_string(*text, req.query("df").value_or(""),
                                          req.query("default_operator").value_or(""));
        }
        return q;
    } catch (const qs::syntax_error& e) {
        if (indices.empty())
            return query::parse_query_string("", "", "");  // no shard ever parses it
        // Each shard fails the same way; ES groups the failures by index.
        const json::value error_body = e.body();
        const json::object& cause = error_body.as_object().at("error").as_object();
        json::array root_causes, failed;
        for (auto* idx : indices) {
            json::object shard_cause{{"type", e.type()},
                                     {"reason", e.reason()},
                                     {"index_uuid", idx->uuid},
                                     {"index", idx->name}};
            root_causes.push_back(shard_cause);
            shard_cause["caused_by"] = cause.at("caused_by");
            failed.push_back(json::object{{"shard", 0},
                                          {"index", idx->name},
                                          {"node", node_id()},
                                          {"reason", std::move(shard_cause)}});
        }
        json::object err{{"root_cause", std::move(root_causes)},
                         {"type", "search_phase_execution_exception"},
                         {"reason", "all shards failed"},
                         {"phase", "query"},
                         {"grouped", true},
                         {"failed_shards", std::move(failed)}};
        failure = json_response(
            400, json::serialize(json::object{{"error", std::move(err)}, {"status", 400}}));
        return std::nullopt;
    }
}

server_response service::refresh(server_request& req, const std::string& expression) {
    auto indices = store_.resolve(expression, req.query("expand_wildcards").value_or(""),
                                  req.query("ignore_unavailable").value_or("false") == "true");
    auto n = std::to_string(indices.size());
    return json_response(200, "{\"_shards\":{\"total\":" + std::to_string(indices.size() * 2) +
                                  ",\"successful\":" + n + ",\"failed\":0}}");
}

}  // namespace casio::mock_es
