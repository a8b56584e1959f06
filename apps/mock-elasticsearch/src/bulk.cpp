// _bulk: the hot path of ingestion. Action lines are parsed (they are small); document lines
// of index/create are only validated and stored as received, never turned into a json::value
// (unless the ingest emulation has control fields to act on).

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_util.hpp"
#include "service.hpp"

namespace casio::mock_es {

namespace json = boost::json;
using http::server_request;
using http::server_response;

namespace {

enum class op_kind { index, create, update, remove };

constexpr std::string_view op_name(op_kind k) {
    switch (k) {
        case op_kind::index:
            return "index";
        case op_kind::create:
            return "create";
        case op_kind::update:
            return "update";
        case op_kind::remove:
            return "delete";
    }
    return "index";
}

struct bulk_op {
    op_kind kind = op_kind::index;
    std::string index;
    std::string id;
    bool has_id = false;
    occ cond;
    std::string pipeline;
    bool has_pipeline = false;
    std::string_view source;  // index/create
    json::value update_body;  // update
};

constexpr std::string_view known_meta[] = {
    "_index",
    "_id",
    "routing",
    "if_seq_no",
    "if_primary_term",
    "pipeline",
    "require_alias",
    "retry_on_conflict",
    "version",
    "version_type",
    "dynamic_templates",
    "_source",
    "list_executed_pipelines",
    "require_data_stream",
    "op_type",
};

[[noreturn]] void newline_error() {
    throw es_error(400, "illegal_argument_exception",
                   "The bulk request must be terminated by a newline [\\n]");
}

std::string_view trim_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

bool blank(std::string_view s) {
    for (char c : s) {
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

std::vector<bulk_op> parse_bulk(std::string_view body, const std::string* default_index,
                                std::string_view default_pipeline) {
    if (body.empty() || blank(body)) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: no requests added;");
    }
    if (body.back() != '\n')
        newline_error();
    std::vector<bulk_op> ops;
    ops.reserve(body.size() / 512 + 1);
    json::monotonic_resource mr;
    std::size_t pos = 0;
    std::size_t line_no = 0;
    std::string missing;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        std::string_view line = trim_cr(body.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (blank(line))
            continue;
        json::error_code ec;
        json::value action = json::parse(line, ec, &mr);
        if (ec) {
            // Not JSON at all: the JSON parser's complaint, positioned on the line.
            throw es_error(400, "x_content_parse_exception",
                           "[" + std::to_string(line_no) +
                               ":1] Unexpected character in "
                               "action/metadata line: " +
                               ec.message());
        }
        if (!action.is_object()) {
            throw es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [" + std::to_string(line_no) +
                               "], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]");
        }
        auto& obj = action.as_object();
        if (obj.size() != 1) {
            throw es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [" + std::to_string(line_no) +
                               "], expected a simple value for field [" +
                               (obj.empty() ? std::string() : std::string(obj.begin()->key())) +
                               "] but found [START_OBJECT]");
        }
        bulk_op op;
        auto key = obj.begin()->key();
        if (key == "index") {
            op.kind = op_kind::index;
        } else if (key == "create") {
            op.kind = op_kind::create;
        } else if (key == "update") {
            op.kind = op_kind::update;
        } else if (key == "delete") {
            op.kind = op_kind::remove;
        } else {
            throw es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [" + std::to_string(line_no) +
                               "], expected field [create], [delete], [index] or [update] but "
                               "found [" +
                               std::string(key) + "]");
        }
        const json::value& meta_v = obj.begin()->value();
        if (!meta_v.is_object()) {
            throw es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [" + std::to_string(line_no) +
                               "], expected START_OBJECT but found [VALUE]");
        }
        for (const auto& [k, v] : meta_v.as_object()) {
            bool known = false;
            for (auto n : known_meta)
                known = known || k == n;
            if (!known) {
                throw es_error(400, "illegal_argument_exception",
                               "Action/metadata line [" + std::to_string(line_no) +
                                   "] contains an unknown parameter [" + std::string(k) + "]");
            }
            if (k == "_index" && v.is_string())
                op.index = v.as_string();
            if (k == "_id") {
                if (v.is_string()) {
                    op.id = v.as_string();
                } else if (v.is_number()) {
                    op.id = json::serialize(v);
                }
                op.has_id = !v.is_null();
            }
            if (k == "pipeline" && v.is_string()) {
                op.pipeline = v.as_string();
                op.has_pipeline = true;
            }
            if (k == "if_seq_no" && v.is_int64())
                op.cond.if_seq_no = v.as_int64();
            if (k == "if_primary_term" && v.is_int64())
                op.cond.if_primary_term = v.as_int64();
        }
        if (op.index.empty()) {
            if (default_index) {
                op.index = *default_index;
            } else {
                missing += std::to_string(ops.size() + 1) + ": index is missing;";
            }
        }
        if (!op.has_pipeline && !default_pipeline.empty()) {
            op.pipeline = std::string(default_pipeline);
            op.has_pipeline = true;
        }
        if (op.has_id && op.id.empty()) {
            missing +=
                std::to_string(ops.size() + 1) + ": if _id is specified it must not be empty;";
        }
        if ((op.kind == op_kind::update || op.kind == op_kind::remove) && !op.has_id) {
            missing += std::to_string(ops.size() + 1) + ": id is missing;";
        }
        if (op.kind != op_kind::remove) {
            if (pos >= body.size())
                newline_error();
            std::size_t nl2 = body.find('\n', pos);
            std::string_view src = trim_cr(body.substr(pos, nl2 - pos));
            pos = nl2 + 1;
            ++line_no;
            if (op.kind == op_kind::update) {
                op.update_body = parse_json_or_throw(src, "x_content_parse_exception");
                if (!op.update_body.is_object()) {
                    throw es_error(400, "x_content_parse_exception",
                                   "[1:1] Unknown key for a VALUE in the update request");
                }
            } else {
                op.source = src;
            }
        }
        ops.push_back(std::move(op));
    }
    if (ops.empty()) {  // only blank lines
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: no requests added;");
    }
    if (!missing.empty()) {
        throw es_error(400, "action_request_validation_exception", "Validation Failed: " + missing);
    }
    return ops;
}

void append_item_head(std::string& out, op_kind kind, std::string_view index, std::string_view id) {
    out += "{\"";
    out += op_name(kind);
    out += "\":{\"_index\":";
    append_json_string(out, index);
    out += ",\"_id\":";
    append_json_string(out, id);
}

void append_item_error(std::string& out, op_kind kind, std::string_view index, std::string_view id,
                       const es_error& e) {
    append_item_head(out, kind, index, id);
    out += ",\"status\":" + std::to_string(e.status()) + ",\"error\":";
    json::value body = e.body();
    json::object err = body.as_object()["error"].as_object();
    err.erase("root_cause");
    out += json::serialize(err);
    out += "}}";
}

}  // namespace

server_response service::bulk(server_request& req, const std::string* default_index) {
    auto start = std::chrono::steady_clock::now();
    std::string_view url_pipeline = req.query("pipeline").value_or("");
    auto ops = parse_bulk(req.body, default_index, url_pipeline);

    std::string items;
    items.reserve(ops.size() * 180 + 64);
    bool errors = false;
    bool first = true;
    for (auto& op : ops) {
        if (!first)
            items.push_back(',');
        first = false;
        std::string id = op.has_id ? op.id : store_.new_id();
        ++bulk_items_seen_;
        if (opts_.bulk_429_every != 0 && bulk_items_seen_ % opts_.bulk_429_every == 0) {
            errors = true;
            append_item_error(items, op.kind, store_.concrete_name(op.index), id,
                              es_error(429, "es_rejected_execution_exception",
                                       "rejected execution of coordinating operation "
                                       "[mock-elasticsearch fault injection: every " +
                                           std::to_string(opts_.bulk_429_every) + "th bulk item]"));
            continue;
        }
        if (bulk_item_fault_) {
            const std::string index = store_.concrete_name(op.index);
            if (auto e = bulk_item_fault_(index, id)) {
                errors = true;
                append_item_error(items, op.kind, index, id, *e);
                continue;
            }
        }
        try {
            write_outcome o;
            std::string index_name;
            switch (op.kind) {
                case op_kind::index:
                case op_kind::create: {
                    std::string err;
                    if (!validate_json_object(op.source, err)) {
                        throw es_error(400, "document_parsing_exception", err);
                    }
                    std::string source(op.source);
                    if (op.has_pipeline && op.pipeline != "_none") {
                        source = run_pipeline(op.pipeline, std::move(source));
                    }
                    index_data& idx = store_.index_for_write(op.index);
                    index_name = idx.name;
                    o = store_.put(idx, id, std::move(source), op.kind == op_kind::create, op.cond);
                    break;
                }
                case op_kind::update: {
                    index_data& idx = store_.index_for_write(op.index);
                    index_name = idx.name;
                    o = store_.update(idx, id, op.update_body.as_object(), op.cond);
                    break;
                }
                case op_kind::remove: {
                    index_data* idx = store_.find(op.index);
                    if (!idx)
                        throw index_not_found(op.index);
                    index_name = idx->name;
                    o = store_.remove(*idx, id, op.cond);
                    break;
                }
            }
            append_item_head(items, op.kind, index_name, id);
            items += ",\"_version\":" + std::to_string(o.version) + ",\"result\":\"";
            items += to_string(o.result);
            items += o.result == write_result::noop
                         ? "\",\"_shards\":{\"total\":0,\"successful\":0,\"failed\":0}"
                         : "\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0}";
            items +=
                ",\"_seq_no\":" + std::to_string(o.seq_no) + ",\"_primary_term\":1,\"status\":";
            unsigned status = o.result == write_result::created     ? 201
                              : o.result == write_result::not_found ? 404
                                                                    : 200;
            items += std::to_string(status);
            items += "}}";
        } catch (const es_error& e) {
            errors = true;
            append_item_error(items, op.kind, store_.concrete_name(op.index), id, e);
        }
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    std::string out;
    out.reserve(items.size() + 64);
    out += "{\"errors\":";
    out += errors ? "true" : "false";
    out += ",\"took\":" + std::to_string(took) + ",\"items\":[";
    out += items;
    out += "]}";
    return json_response(200, std::move(out));
}

}  // namespace casio::mock_es
