#pragma once
// The documents Elasticsearch's connector APIs (`/_connector/...`, `/_connector/_sync_job/...`)
// create and update in `.elastic-connectors` and `.elastic-connectors-sync-jobs`, with ES's
// defaults, validation and error statuses. Pure functions: the router loads the stored source,
// calls one of these, and stores the result; `now` is an ES-style instant string (see
// format_instant in query.hpp). Every failure is an es_error shaped like ES's answer.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "es_error.hpp"

namespace casio::mock_es {

// The raw text of the request body being handled (so parse errors carry ES's "[line:col]"),
// for the calls made while it lives. Without one, the functions below use the body
// re-serialised, which is what compact clients send anyway.
class body_text_scope {
  public:
    explicit body_text_scope(std::string_view text);
    ~body_text_scope();
    body_text_scope(const body_text_scope&) = delete;
    body_text_scope& operator=(const body_text_scope&) = delete;

  private:
    std::string_view previous_;
};

// ES's request parsing of an API's body, before it touches any document: throws its parse
// errors (400 x_content_parse_exception "[l:c] [parser] unknown field [x]", "... doesn't support
// values of type: ...", "... failed to parse field [f]" with the cause under "caused_by",
// illegal_argument_exception "Required [f]") and returns the request's validate() messages
// (the router adds its own, e.g. an empty id, then throws them with throw_if_invalid). `api`
// is the path's tail: "" for PUT /_connector/{id} and POST /_connector, "_name",
// "_filtering/_validation", ...; for sync jobs "_sync_job" (POST), "_claim", "_stats", "_error".
std::vector<std::string> check_connector_body(std::string_view api,
                                              const boost::json::object& body);
std::vector<std::string> check_sync_job_body(std::string_view api, const boost::json::object& body);
// An ObjectParser's refusal of the first top-level member of `body` (whose text is
// `body_text`) not in `known`: 400 x_content_parse_exception "[l:c] [parser] unknown field [k]"
// with ES's "did you mean" suggestions.
void check_known_fields(std::string_view body_text, const boost::json::object& body,
                        std::string_view parser, const std::vector<std::string_view>& known);
// 400 action_request_validation_exception "Validation Failed: 1: a;2: b;" unless empty.
void throw_if_invalid(const std::vector<std::string>& errors);

// Whether ES reads the connector before updating it (404 for a missing or soft-deleted one)
// rather than sending a partial update (which updates a soft-deleted connector too).
bool connector_api_reads_connector(std::string_view api, const boost::json::object& body);
bool is_soft_deleted(const boost::json::object& connector);

// 404s, worded as ES words them.
es_error connector_not_found(std::string_view connector_id);
es_error sync_job_not_found(std::string_view job_id);

// ---- connectors --------------------------------------------------------------------------

// PUT /_connector/{id} and POST /_connector: body {description?, index_name?, is_native?,
// language?, name?, service_type?}. A native connector starts in `needs_configuration`, any
// other in `created`. ES indexes the whole document, so a PUT on an existing id replaces it.
boost::json::object new_connector(std::string_view id, const boost::json::object& body,
                                  std::string_view now);

// 400 when another live (not soft-deleted) connector already uses `index_name`. `connectors`
// are (id, source) pairs of the whole connector index; `self_id` is excluded.
struct stored_doc {
    std::string_view id;
    const boost::json::object* source;
};
void check_index_name_free(std::string_view index_name, std::string_view self_id,
                           const std::vector<stored_doc>& connectors);

// GET /_connector/{id}: `{"id": ..., <source>}`; 404 when soft-deleted unless include_deleted.
boost::json::object connector_view(std::string_view id, const boost::json::object& source,
                                   bool include_deleted = false);

// Updates, each validating its body like ES and mutating `connector` in place.
void apply_check_in(boost::json::object& connector, std::string_view now);  // last_seen
// {"configuration": {...}} replaces (each entry as ES stores it: known fields only, with
// default_value, label, required, sensitive and value always present); {"values": {k: v}} sets
// configuration[k].value (every k must exist). Both set status "configured".
void apply_configuration(boost::json::object& connector, const boost::json::object& body);
void apply_scheduling(boost::json::object& connector, const boost::json::object& body);
void apply_status(boost::json::object& connector, const boost::json::object& body);
// {"error": msg|null}: status "error" for a non-empty message, else "connected".
void apply_error(boost::json::object& connector, const boost::json::object& body);
// {"validation": {"state", "errors"}} -> filtering[0].draft.validation.
void apply_filtering_validation(boost::json::object& connector, const boost::json::object& body);
// draft -> active; 400 unless the draft validation state is "valid".
void apply_filtering_activate(boost::json::object& connector);
// PUT /_connector/{id}/_filtering: {"rules"?, "advanced_snippet"?} updates the draft (state
// "edited"); {"filtering": [...]} replaces the whole list.
void apply_filtering(boost::json::object& connector, const boost::json::object& body,
                     std::string_view now);
void apply_name(boost::json::object& connector, const boost::json::object& body);
void apply_pipeline(boost::json::object& connector, const boost::json::object& body);
// The router must also call check_index_name_free for a non-null name.
void apply_index_name(boost::json::object& connector, const boost::json::object& body);
void apply_service_type(boost::json::object& connector, const boost::json::object& body);
void apply_features(boost::json::object& connector, const boost::json::object& body);
void apply_last_sync(boost::json::object& connector, const boost::json::object& body);
void apply_native(boost::json::object& connector, const boost::json::object& body,
                  std::string_view connector_id = {});
void apply_api_key_id(boost::json::object& connector, const boost::json::object& body);
void apply_soft_delete(boost::json::object& connector);

// GET /_connector?from&size&index_name&connector_name&service_type&query&include_deleted
// -> {"count": N, "results": [{"id", ...}]}, ordered by index_name like ES.
using url_params = std::map<std::string, std::string, std::less<>>;
boost::json::object list_connectors(const std::vector<stored_doc>& connectors,
                                    const url_params& params);

// ---- sync jobs -----------------------------------------------------------------------------

// POST /_connector/_sync_job body {"id", "job_type"?, "trigger_method"?}: validates the body
// and returns the connector id the router must load.
std::string sync_job_connector_id(const boost::json::object& body);

// Builds the job document (protocol.md §3.1): a snapshot of the connector (active filtering,
// `.search-acl-filter-` index for access_control jobs), status pending, counters 0.
// `connector` null -> 404; no index_name or service_type -> 400.
boost::json::object new_sync_job(const boost::json::object* connector,
                                 std::string_view connector_id, const boost::json::object& body,
                                 std::string_view now);

// GET /_connector/_sync_job/{id}: `{"id": ..., <source>}`.
boost::json::object sync_job_view(std::string_view id, const boost::json::object& source);

// {"worker_hostname", "sync_cursor"?}: in_progress, started_at, last_seen, connector.sync_cursor.
void apply_claim(boost::json::object& job, const boost::json::object& body, std::string_view now);
// {"deleted_document_count","indexed_document_count","indexed_document_volume" (required),
//  "total_document_count"?, "last_seen"?, "metadata"?}.
void apply_stats(boost::json::object& job, const boost::json::object& body, std::string_view now);
// pending/suspended -> canceled (+cancelation_requested_at, canceled_at, completed_at);
// in_progress -> canceling (+cancelation_requested_at); otherwise 400 like ES.
void apply_cancel(boost::json::object& job, std::string_view now);
void apply_job_check_in(boost::json::object& job, std::string_view now);
// {"error": msg}: status error; 400 when the job cannot move to error (ES state machine).
void apply_job_error(boost::json::object& job, const boost::json::object& body);

// GET /_connector/_sync_job?from&size&connector_id&status&job_type (comma list)
// -> {"count": N, "results": [...]}, newest created_at first like ES.
boost::json::object list_sync_jobs(const std::vector<stored_doc>& jobs, const url_params& params);

}  // namespace casio::mock_es
