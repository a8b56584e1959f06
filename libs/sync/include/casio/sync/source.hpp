#pragma once
// The source interface the service loops and the job runner talk to (DESIGN.md: sync knows
// nothing of Salesforce internals). A source_factory describes one service type (its
// configuration schema and features) and builds a source from a connector's `configuration`;
// a source validates, pings and streams content and access-control documents.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <casio/core/error.hpp>
#include <casio/sync/document.hpp>
#include <casio/sync/extraction.hpp>

namespace casio::sync {

// Receives each document; awaiting it is the back-pressure. A source may call it from several
// coroutines at once (documents then arrive in any order); it must not be called after the
// source's get_docs/get_access_control has returned.
using document_handler = std::function<boost::asio::awaitable<void>(document)>;

struct rules_verdict {
    bool valid = true;
    std::string message;  // empty when valid
};

// What the service tells a source about one job (the connector's configuration aside).
struct source_options {
    bool dls_feature_enabled = true;        // connector features.document_level_security
    std::size_t max_file_size = 10485760;   // service.max_file_download_size
    std::size_t concurrent_downloads = 20;  // elasticsearch.bulk.concurrent_downloads
    // elasticsearch.bulk.max_text_document_size (0: none): a document with extracted text in
    // `body` must fit it, else the sink drops the whole document; the text is cut instead.
    std::size_t max_document_size = 0;
    // Text extraction (extraction.hpp). `local`: in process (extraction.mode: local), null for
    // `_attachment`. `service`: Elastic's extraction service (extraction_service.host), for
    // connectors with use_text_extraction_service; null when none is configured.
    std::shared_ptr<text_extractor> local_extractor;
    std::shared_ptr<text_extractor> service_extractor;
};

class source {
  public:
    virtual ~source() = default;
    // Remote validation of the configuration (credentials, objects); throws core::error.
    virtual boost::asio::awaitable<void> validate_config() = 0;
    virtual boost::asio::awaitable<void> ping() = 0;
    // `snippet` is filtering.advanced_snippet.value.
    virtual boost::asio::awaitable<rules_verdict> validate_advanced_rules(
        const boost::json::value& snippet) = 0;
    // Every content document; with a non-empty advanced `snippet`, only the rules' results.
    virtual boost::asio::awaitable<void> get_docs(const boost::json::value& snippet,
                                                  document_handler on_doc) = 0;
    // Every access-control document (nothing when the source has DLS off).
    virtual boost::asio::awaitable<void> get_access_control(document_handler on_doc) = 0;

    // Incremental sync (docs/incremental-sync.md). `cursor` is the connector's sync_cursor (null
    // when none), `snippet` the advanced rules, `job_inputs` what the job adds to the configuration
    // in deciding what is synced (sync rules, pipeline flags). nullopt: get_docs_incrementally can
    // bring the index up to date from the cursor; else why the job must list everything (get_docs)
    // instead.
    virtual boost::asio::awaitable<std::optional<std::string>> prepare_incremental(
        const boost::json::value& cursor, const boost::json::value& snippet,
        std::string_view job_inputs) {
        (void)cursor;
        (void)snippet;
        (void)job_inputs;
        co_return std::string("the source does not track changes");
    }
    // The documents changed since the cursor given to prepare_incremental, and deletions
    // (document::deleted) of those gone; the sink applies them without listing the index.
    virtual boost::asio::awaitable<void> get_docs_incrementally(const boost::json::value& snippet,
                                                                document_handler on_doc) {
        (void)snippet;
        (void)on_doc;
        throw core::error(core::error_kind::fatal, "the source does not track changes");
        co_return;
    }
    // Access-control jobs (docs/incremental-sync.md, "Document-level security"). `cursor` is
    // the connector's sync_cursor (null when none). nullopt: get_access_control_changes can bring
    // the access-control index up to date from the cursor's `access_control` mark; else why the
    // job lists every user (get_access_control) instead.
    virtual boost::asio::awaitable<std::optional<std::string>> prepare_access_control(
        const boost::json::value& cursor) {
        (void)cursor;
        co_return std::string("the source does not track changes");
    }
    // The access-control documents changed since the mark given to prepare_access_control, and
    // deletions (document::deleted) of those gone; the sink upserts them without a listing.
    virtual boost::asio::awaitable<void> get_access_control_changes(document_handler on_doc) {
        (void)on_doc;
        throw core::error(core::error_kind::fatal, "the source does not track changes");
        co_return;
    }
    // After get_access_control or get_access_control_changes ran to the end: the value of the
    // sync_cursor's `access_control` member (null: none). The job merges it into the cursor.
    virtual boost::json::value access_control_mark() const { return nullptr; }
    // After get_docs or get_docs_incrementally ran to the end: the connector's next
    // sync_cursor (null: none). The job writes it only once every document is flushed.
    virtual boost::json::value next_cursor(std::string_view job_inputs) const {
        (void)job_inputs;
        return nullptr;
    }
};

class source_factory {
  public:
    virtual ~source_factory() = default;
    virtual std::string_view service_type() const = 0;
    // The configuration schema (each field with the 13 standard properties).
    virtual boost::json::object configuration_schema() const = 0;
    // The connector `features` this source supports (written by prepare, protocol.md §2.2 step 1).
    virtual boost::json::object features() const = 0;
    // The class flag of protocol.md §5 (Salesforce: true).
    virtual bool incremental_sync_enabled() const { return true; }
    // Builds a source from a connector `configuration` object; throws core::error(bad_request)
    // naming the field when the local validation fails.
    virtual std::unique_ptr<source> create(const boost::json::object& configuration,
                                           const source_options& opts) = 0;
};

}  // namespace casio::sync
