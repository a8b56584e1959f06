#include "rest_params.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "es_error.hpp"
#include "json_util.hpp"

namespace casio::mock_es {

namespace {

using list = std::vector<std::string_view>;

// Consumed by the REST layer for every handler (the channel reads format, filter_path, pretty
// and human; the controller reads error_trace).
constexpr std::string_view global_params[] = {"error_trace", "filter_path", "format", "human",
                                              "pretty"};

// The spec's parameters and path parts of each API (8.15 to 9.x; a parameter added in any of
// them is accepted).
list params_of(rest_api api) {
    switch (api) {
        case rest_api::info:
            return {};
        case rest_api::indices_create:
            return {"index", "wait_for_active_shards", "timeout", "master_timeout"};
        case rest_api::indices_get:
            return {"index",
                    "local",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards",
                    "flat_settings",
                    "include_defaults",
                    "master_timeout",
                    "features"};
        case rest_api::indices_exists:
            return {"index",
                    "local",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards",
                    "flat_settings",
                    "include_defaults"};
        case rest_api::indices_delete:
            return {"index",
                    "timeout",
                    "master_timeout",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards"};
        case rest_api::indices_refresh:
            return {"index", "ignore_unavailable", "allow_no_indices", "expand_wildcards"};
        case rest_api::indices_get_mapping:
            return {"index",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards",
                    "master_timeout",
                    "local"};
        case rest_api::indices_put_mapping:
            return {"index",
                    "timeout",
                    "master_timeout",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards",
                    "write_index_only"};
        case rest_api::doc_index:
        case rest_api::doc_create:
            return {"index",
                    "id",
                    "wait_for_active_shards",
                    "op_type",
                    "refresh",
                    "routing",
                    "timeout",
                    "version",
                    "version_type",
                    "if_seq_no",
                    "if_primary_term",
                    "pipeline",
                    "require_alias",
                    "require_data_stream",
                    "list_executed_pipelines",
                    "include_source_on_error"};
        case rest_api::doc_get:
        case rest_api::doc_exists:
        case rest_api::get_source:
            return {"index",
                    "id",
                    "stored_fields",
                    "preference",
                    "realtime",
                    "refresh",
                    "routing",
                    "_source",
                    "_source_excludes",
                    "_source_includes",
                    "version",
                    "version_type",
                    "force_synthetic_source"};
        case rest_api::doc_delete:
            return {"index",   "id",        "wait_for_active_shards", "refresh", "routing",
                    "timeout", "if_seq_no", "if_primary_term",        "version", "version_type"};
        case rest_api::doc_update:
            return {"index",
                    "id",
                    "wait_for_active_shards",
                    "_source",
                    "_source_excludes",
                    "_source_includes",
                    "lang",
                    "refresh",
                    "retry_on_conflict",
                    "routing",
                    "timeout",
                    "if_seq_no",
                    "if_primary_term",
                    "require_alias",
                    "include_source_on_error"};
        case rest_api::bulk:
            return {"index",
                    "wait_for_active_shards",
                    "refresh",
                    "routing",
                    "timeout",
                    "_source",
                    "_source_excludes",
                    "_source_includes",
                    "pipeline",
                    "require_alias",
                    "require_data_stream",
                    "list_executed_pipelines",
                    "include_source_on_error"};
        case rest_api::search:
            return {"index",
                    "analyzer",
                    "analyze_wildcard",
                    "ccs_minimize_roundtrips",
                    "default_operator",
                    "df",
                    "explain",
                    "stored_fields",
                    "docvalue_fields",
                    "from",
                    "force_synthetic_source",
                    "ignore_unavailable",
                    "ignore_throttled",
                    "allow_no_indices",
                    "expand_wildcards",
                    "lenient",
                    "preference",
                    "q",
                    "routing",
                    "scroll",
                    "search_type",
                    "size",
                    "sort",
                    "_source",
                    "_source_excludes",
                    "_source_includes",
                    "terminate_after",
                    "stats",
                    "suggest_field",
                    "suggest_mode",
                    "suggest_size",
                    "suggest_text",
                    "timeout",
                    "track_scores",
                    "track_total_hits",
                    "allow_partial_search_results",
                    "typed_keys",
                    "version",
                    "seq_no_primary_term",
                    "request_cache",
                    "batched_reduce_size",
                    "max_concurrent_shard_requests",
                    "pre_filter_shard_size",
                    "rest_total_hits_as_int",
                    "include_named_queries_score"};
        case rest_api::count:
            return {"index",
                    "ignore_unavailable",
                    "ignore_throttled",
                    "allow_no_indices",
                    "expand_wildcards",
                    "min_score",
                    "preference",
                    "routing",
                    "q",
                    "analyzer",
                    "analyze_wildcard",
                    "default_operator",
                    "df",
                    "lenient",
                    "terminate_after"};
        case rest_api::scroll:
            return {"scroll_id", "scroll", "rest_total_hits_as_int"};
        case rest_api::clear_scroll:
            return {"scroll_id"};
        case rest_api::license_get:
            return {"local", "accept_enterprise"};
        case rest_api::ingest_get_pipeline:
            return {"id", "master_timeout", "summary"};
        case rest_api::ingest_put_pipeline:
            return {"id", "master_timeout", "timeout", "if_version"};
        case rest_api::ingest_delete_pipeline:
            return {"id", "master_timeout", "timeout"};
        case rest_api::cluster_health:
            return {"index",
                    "expand_wildcards",
                    "level",
                    "local",
                    "master_timeout",
                    "timeout",
                    "wait_for_active_shards",
                    "wait_for_nodes",
                    "wait_for_events",
                    "wait_for_no_relocating_shards",
                    "wait_for_no_initializing_shards",
                    "wait_for_status"};
        case rest_api::cluster_state:
            return {"metric",
                    "indices",
                    "local",
                    "master_timeout",
                    "flat_settings",
                    "wait_for_metadata_version",
                    "wait_for_timeout",
                    "ignore_unavailable",
                    "allow_no_indices",
                    "expand_wildcards"};
        case rest_api::nodes_info:
            return {"node_id", "metric", "flat_settings", "timeout"};
        case rest_api::xpack_info:
            return {"categories", "accept_enterprise"};
        case rest_api::xpack_usage:
            return {"master_timeout"};
        case rest_api::connector_secret_post:
            return {};
        case rest_api::connector_secret_put:
        case rest_api::connector_secret_get:
        case rest_api::connector_secret_delete:
            return {"id"};
    }
    return {};
}

}  // namespace

void check_parameters(const http::server_request& req, rest_api api) {
    if (req.params.empty())
        return;
    list accepted = params_of(api);
    // The query-string options are read only along with `q` (RestActions.urlParamsToQueryBuilder),
    // and _count reads none of them when it has a body: otherwise they stay unconsumed.
    if (api == rest_api::search || api == rest_api::count) {
        const bool body = api == rest_api::count && !blank_body(req.body);
        if (body || !req.query("q")) {
            std::erase_if(accepted, [&](std::string_view p) {
                return p == "df" || p == "analyzer" || p == "analyze_wildcard" || p == "lenient" ||
                       p == "default_operator" || (body && p == "q");
            });
        }
    }
    auto known = [&](std::string_view name) {
        for (auto g : global_params) {
            if (g == name)
                return true;
        }
        for (auto a : accepted) {
            if (a == name)
                return true;
        }
        return false;
    };
    std::vector<std::string> unknown;
    for (const auto& [name, value] : req.params) {
        if (!known(name))
            unknown.push_back(name);
    }
    if (unknown.empty())
        return;
    std::vector<std::string> candidates(std::begin(global_params), std::end(global_params));
    candidates.insert(candidates.end(), accepted.begin(), accepted.end());
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    throw unrecognized_parameters(req.path, std::set<std::string>(unknown.begin(), unknown.end()),
                                  candidates);
}

}  // namespace casio::mock_es
