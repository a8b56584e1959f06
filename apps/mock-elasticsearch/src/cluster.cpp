// The cluster-level read calls clients make when they start: cluster health and state, nodes
// info, and the x-pack info and usage. The mock is a single node holding every shard; the
// answers have ES's shape with the parts clients read (names, ids, versions, roles, addresses).

#include <boost/json/serialize.hpp>

#include "json_util.hpp"
#include "rest_params.hpp"
#include "service.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

namespace {

std::vector<std::string> split_list(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        auto c = list.find(',');
        out.emplace_back(list.substr(0, c));
        list = c == std::string_view::npos ? std::string_view{} : list.substr(c + 1);
    }
    return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

const json::array node_roles{
    "data",   "data_cold", "data_content", "data_frozen",           "data_hot", "data_warm",
    "ingest", "master",    "ml",           "remote_cluster_client", "transform"};

constexpr std::string_view node_metrics[] = {
    "settings",    "os",        "process",      "jvm",
    "thread_pool", "transport", "http",         "remote_cluster_server",
    "plugins",     "ingest",    "aggregations", "indices"};

template <std::size_t N>
bool all_in(const std::vector<std::string>& items, const std::string_view (&set)[N]) {
    for (const auto& i : items) {
        if (i != "_all" && std::find(std::begin(set), std::end(set), i) == std::end(set))
            return false;
    }
    return !items.empty();
}

}  // namespace

std::optional<server_response> service::cluster_api(const server_request& req) {
    const auto& s = req.segments;
    const std::string& m = req.method;
    if (m != "GET" && m != "HEAD")
        return std::nullopt;
    const std::string node_id = this->node_id();
    const std::string address = "127.0.0.1:9300";
    const std::size_t shards = store_.indices().size();  // one primary each

    if (s[0] == "_cluster" && s.size() >= 2 && s[1] == "health" && s.size() <= 3) {
        check_parameters(req, rest_api::cluster_health);
        json::object o{{"cluster_name", opts_.cluster_name},
                       {"status", "green"},
                       {"timed_out", false},
                       {"number_of_nodes", 1},
                       {"number_of_data_nodes", 1},
                       {"active_primary_shards", shards},
                       {"active_shards", shards},
                       {"relocating_shards", 0},
                       {"initializing_shards", 0},
                       {"unassigned_shards", 0},
                       {"unassigned_primary_shards", 0},
                       {"delayed_unassigned_shards", 0},
                       {"number_of_pending_tasks", 0},
                       {"number_of_in_flight_fetch", 0},
                       {"task_max_waiting_in_queue_millis", 0},
                       {"active_shards_percent_as_number", 100.0}};
        return json_response(200, json::serialize(o));
    }
    if (s[0] == "_cluster" && s.size() >= 2 && s[1] == "state" && s.size() <= 4) {
        check_parameters(req, rest_api::cluster_state);
        std::vector<std::string> metrics =
            s.size() >= 3 ? split_list(s[2]) : std::vector<std::string>{"_all"};
        // Unknown metrics are ignored (ClusterState.Metric.parseString(..., ignoreUnknown=true)).
        auto want = [&](std::string_view metric) {
            return contains(metrics, "_all") || contains(metrics, metric);
        };
        json::object o{{"cluster_name", opts_.cluster_name}, {"cluster_uuid", cluster_uuid_}};
        if (want("version")) {
            o["version"] = 1;
            o["state_uuid"] = cluster_uuid_;
        }
        if (want("master_node"))
            o["master_node"] = node_id;
        if (want("blocks"))
            o["blocks"] = json::object{};
        if (want("nodes")) {
            o["nodes"] = json::object{{node_id, json::object{{"name", opts_.node_name},
                                                             {"ephemeral_id", node_id},
                                                             {"transport_address", address},
                                                             {"external_id", opts_.node_name},
                                                             {"attributes", json::object{}},
                                                             {"roles", node_roles},
                                                             {"version", opts_.version},
                                                             {"min_index_version", 8000099},
                                                             {"max_index_version", 9009000}}}};
        }
        if (want("metadata")) {
            json::object indices;
            for (const auto& [name, idx] : store_.indices()) {
                json::object aliases;
                json::array alias_list;
                for (const auto& a : store_.aliases_of(idx))
                    alias_list.emplace_back(a);
                json::object settings = idx.settings;
                settings["uuid"] = idx.uuid;
                settings["provided_name"] = idx.name;
                settings["creation_date"] = std::to_string(idx.creation_ms);
                indices[name] =
                    json::object{{"version", 1},
                                 {"state", "open"},
                                 {"settings", json::object{{"index", std::move(settings)}}},
                                 {"mappings", json::object{{"_doc", idx.mappings}}},
                                 {"aliases", std::move(alias_list)},
                                 {"system", !name.empty() && name.front() == '.'}};
            }
            o["metadata"] = json::object{{"cluster_uuid", cluster_uuid_},
                                         {"cluster_uuid_committed", true},
                                         {"templates", json::object{}},
                                         {"indices", std::move(indices)}};
        }
        if (want("routing_table"))
            o["routing_table"] = json::object{{"indices", json::object{}}};
        if (want("routing_nodes")) {
            o["routing_nodes"] = json::object{{"unassigned", json::array{}},
                                              {"nodes", json::object{{node_id, json::array{}}}}};
        }
        return json_response(200, json::serialize(o));
    }
    if (s[0] == "_nodes" && s.size() <= 3) {
        // /_nodes/{node_id}/{metric}; a single part is metrics when every item is one.
        std::vector<std::string> nodes{"_all"}, metrics{"_all"};
        if (s.size() == 2) {
            auto items = split_list(s[1]);
            if (all_in(items, node_metrics))
                metrics = std::move(items);
            else
                nodes = std::move(items);
        } else if (s.size() == 3) {
            nodes = split_list(s[1]);
            metrics = split_list(s[2]);
            if (s[2] == "stats" || s[2] == "usage" || s[2] == "hot_threads")
                return std::nullopt;
        }
        if (s.size() >= 2 && (s[1] == "stats" || s[1] == "usage" || s[1] == "hot_threads"))
            return std::nullopt;
        check_parameters(req, rest_api::nodes_info);
        bool selected = false;
        for (const auto& n : nodes) {
            selected = selected || n == "_all" || n == "_local" || n == "_master" || n == node_id ||
                       n == opts_.node_name || n == "*";
        }
        auto want = [&](std::string_view metric) {
            return contains(metrics, "_all") || contains(metrics, metric);
        };
        json::object nodes_out;
        if (selected) {
            json::object n{{"name", opts_.node_name},
                           {"transport_address", address},
                           {"host", "127.0.0.1"},
                           {"ip", "127.0.0.1"},
                           {"version", opts_.version},
                           {"build_flavor", opts_.build_flavor},
                           {"build_type", "docker"},
                           {"build_hash", "0000000000000000000000000000000000000000"},
                           {"roles", node_roles},
                           {"attributes", json::object{}}};
            if (want("http")) {
                n["http"] = json::object{{"bound_address", json::array{"127.0.0.1:9200"}},
                                         {"publish_address", "127.0.0.1:9200"},
                                         {"max_content_length_in_bytes", 104857600}};
            }
            if (want("transport")) {
                n["transport"] = json::object{{"bound_address", json::array{address}},
                                              {"publish_address", address},
                                              {"profiles", json::object{}}};
            }
            if (want("plugins"))
                n["plugins"] = json::array{};
            if (want("settings")) {
                n["settings"] =
                    json::object{{"cluster", json::object{{"name", opts_.cluster_name}}},
                                 {"node", json::object{{"name", opts_.node_name}}}};
            }
            nodes_out[node_id] = std::move(n);
        }
        const std::size_t count = nodes_out.size();
        json::object o{
            {"_nodes", json::object{{"total", count}, {"successful", count}, {"failed", 0}}},
            {"cluster_name", opts_.cluster_name},
            {"nodes", std::move(nodes_out)}};
        return json_response(200, json::serialize(o));
    }
    if (s[0] == "_xpack" && s.size() == 1) {
        check_parameters(req, rest_api::xpack_info);
        json::object features;
        for (std::string_view f : {"aggregate_metric",
                                   "analytics",
                                   "ccr",
                                   "data_streams",
                                   "data_tiers",
                                   "enrich",
                                   "enterprise_search",
                                   "eql",
                                   "esql",
                                   "graph",
                                   "ilm",
                                   "logstash",
                                   "ml",
                                   "monitoring",
                                   "rollup",
                                   "searchable_snapshots",
                                   "security",
                                   "slm",
                                   "spatial",
                                   "sql",
                                   "transform",
                                   "voting_only",
                                   "watcher"}) {
            features[f] = json::object{{"available", true}, {"enabled", true}};
        }
        json::object o{{"build", json::object{{"hash", "0000000000000000000000000000000000000000"},
                                              {"date", "2025-07-01T00:00:00.000Z"}}},
                       {"license", json::object{{"uid", "893361dc-9749-4997-93cb-802e3d7fa4xx"},
                                                {"type", opts_.license_type},
                                                {"mode", opts_.license_type},
                                                {"status", "active"},
                                                {"expiry_date_in_millis", 4102444799999}}},
                       {"features", std::move(features)},
                       {"tagline", "You know, for X"}};
        return json_response(200, json::serialize(o));
    }
    if (s[0] == "_xpack" && s.size() == 2 && s[1] == "usage") {
        check_parameters(req, rest_api::xpack_usage);
        json::object o;
        for (std::string_view f : {"security",  "monitoring",
                                   "watcher",   "graph",
                                   "ml",        "logstash",
                                   "eql",       "esql",
                                   "sql",       "rollup",
                                   "ilm",       "slm",
                                   "ccr",       "enterprise_search",
                                   "transform", "spatial",
                                   "analytics", "data_streams",
                                   "enrich",    "searchable_snapshots"}) {
            o[f] = json::object{{"available", true}, {"enabled", true}};
        }
        return json_response(200, json::serialize(o));
    }
    return std::nullopt;
}

}  // namespace casio::mock_es
