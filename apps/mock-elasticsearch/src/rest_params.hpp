#pragma once
// The query parameters Elasticsearch accepts on each REST API the mock serves (its
// rest-api-spec, plus the parameters every handler consumes: pretty, human, error_trace,
// filter_path, format), so that an unknown one is refused as ES's BaseRestHandler refuses it.

#include <casio/http/server.hpp>

namespace casio::mock_es {

enum class rest_api {
    info,
    indices_create,
    indices_get,
    indices_exists,
    indices_delete,
    indices_refresh,
    indices_get_mapping,
    indices_put_mapping,
    doc_index,
    doc_create,
    doc_get,
    doc_exists,
    doc_delete,
    doc_update,
    get_source,
    bulk,
    search,
    count,
    scroll,
    clear_scroll,
    license_get,
    ingest_get_pipeline,
    ingest_put_pipeline,
    ingest_delete_pipeline,
    cluster_health,
    cluster_state,
    nodes_info,
    xpack_info,
    xpack_usage,
    connector_secret_post,
    connector_secret_put,
    connector_secret_get,
    connector_secret_delete,
};

// Throws es_error 400 illegal_argument_exception (see unrecognized_parameters in es_error.hpp)
// when the request carries a query parameter `api` does not accept.
void check_parameters(const http::server_request& req, rest_api api);

}  // namespace casio::mock_es
