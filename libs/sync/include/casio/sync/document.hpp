#pragma once
// What a source hands to the sink: one document already serialised (DESIGN.md: documents travel
// through the channel as bytes), plus the few facts the sink needs without parsing it again.
// The sink finishes every document in one place (finish_document): the id rule, the `id`
// member and the pipeline flags; a source writes none of them.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace casio::sync {

struct document {
    std::string id;                        // the source's id (finish_document applies the rule)
    std::optional<std::string> timestamp;  // the `_timestamp` value inside `json`, if any
    std::string json;                      // one serialised JSON object, without an `id` member
    bool has_attachment = false;           // `_attachment` present: exempt from the text cap
    // What the source holds for this document (e.g. its share of a budget of file bytes held
    // at once), released when the sink has the document's bytes in a bulk request being built
    // (from there on the sink's own byte bounds apply), or when it drops the document.
    std::shared_ptr<void> lease;
    // Incremental sync (docs/incremental-sync.md): the source's record is gone, the document
    // with this id is deleted (`json` is empty and ignored).
    bool deleted = false;
    // Incremental sync: `json` holds only the members that change (an `update` of the stored
    // document, whose other members stay: a file's extracted content). No pipeline flags.
    bool partial = false;
};

// A deletion for an incremental sync: the document `source_id` goes.
document make_deletion(std::string_view source_id);

// The job's ingest pipeline (protocol.md §3.1 defaults): its name goes on ?pipeline=, the three
// flags into every content document (protocol.md §4.1).
struct pipeline_settings {
    std::string name = "search-default-ingestion";
    bool extract_binary_content = true;
    bool reduce_whitespace = true;
    bool run_ml_inference = true;
};

// Ids are limited to 512 bytes by Elasticsearch; longer ones become their MD5 hex digest
// (protocol.md §4.1), so the same source id always lands on the same document.
inline constexpr std::size_t max_id_bytes = 512;
std::string document_id(std::string_view source_id);

// Lower-case hex MD5 of `data` (32 characters).
std::string md5_hex(std::string_view data);

// Appends `"key":<raw_value>` to the serialised object `object_json` ("{...}"), where
// `raw_value` is already JSON (a quoted string, a number, true/false). The caller makes sure
// the key is not present yet. Throws core::error(bad_request) when `object_json` does not end
// with '}'.
void append_json_field(std::string& object_json, std::string_view key, std::string_view raw_value);
// Same for a string value, escaped here.
void append_json_string_field(std::string& object_json, std::string_view key,
                              std::string_view value);

// A document from a serialised object that has neither `id` nor `_timestamp`: `_timestamp` is
// appended when given. (A convenience for sources and tests; the sink finishes it.)
document make_document(std::string_view source_id, std::string object_json,
                       std::optional<std::string> timestamp = std::nullopt,
                       bool has_attachment = false);

// What every document gets before it is queued (protocol.md §4.1), done by the sink and nowhere
// else: the id rule above (d.id becomes the final _id), then `"id":<final id>` appended, then, for
// content documents (`pipeline` given), `_extract_binary_content`, `_reduce_whitespace` and
// `_run_ml_inference`. Access-control documents pass no pipeline. Throws like
// append_json_field when `d.json` is not an object.
void finish_document(document& d, const pipeline_settings* pipeline);

}  // namespace casio::sync
