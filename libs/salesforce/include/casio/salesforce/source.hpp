#pragma once
// The Salesforce source: the sync library's source interface (sync/source.hpp) over one org.
// Configuration checks, the stream of content documents (records, then their files), the
// stream of access-control documents, and the advanced-rules validator. Documents leave
// already serialised (sync::document); the sink finishes them (id, pipeline flags).
//
// Several objects, several pages of one object and several files are in flight at once, within
// the bounds of `concurrency` and of the client's cap on requests to the org; documents then
// reach the handler in any order, from several coroutines.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <casio/core/concurrency.hpp>
#include <casio/salesforce/client.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/incremental.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/sync/source.hpp>

namespace casio::salesforce {

// How much of one sync runs at once, besides the requests in flight to the org (capped by the
// client) and the files in flight (sync::source_options::concurrent_downloads). These bound
// memory too: a query page is 1-10 MB of JSON, a file up to the download cap (4/3 of it in
// base64).
struct concurrency {
    std::size_t objects = 4;  // objects queried at once
    std::size_t pages = 6;    // query pages held at once, all objects together
    // file content held at once (base64 counted), until the sink has it in a bulk request
    std::size_t file_bytes = std::size_t{24} * 1024 * 1024;
};

class source final : public sync::source {
  public:
    // `c` must outlive the source.
    source(client& c, config cfg, const sync::source_options& opts = {}, concurrency conc = {},
           warning_sink warn = {});
    // The same, owning its client.
    source(std::unique_ptr<client> c, config cfg, const sync::source_options& opts,
           concurrency conc, warning_sink warn);

    bool dls_enabled() const noexcept;

    // HEAD <base>; transport failures throw.
    boost::asio::awaitable<void> ping() override;
    // Ping, then custom objects: `*` is resolved to the org's custom objects; a configured
    // object the org lacks -> core::error(bad_request, "Custom objects ['X'] are not available.").
    boost::asio::awaitable<void> validate_config() override;
    // Schema check, then each query is tried (first page only).
    boost::asio::awaitable<sync::rules_verdict> validate_advanced_rules(
        const boost::json::value& snippet) override;

    // Every record document, then every file document. With advanced rules in `snippet` (the
    // connector's filtering.advanced_snippet.value): only the rules' results, then their files.
    // Invalid rules -> core::error(bad_request) naming each problem.
    boost::asio::awaitable<void> get_docs(const boost::json::value& snippet,
                                          sync::document_handler on_doc) override;
    // One document per user (DLS enabled only).
    boost::asio::awaitable<void> get_access_control(sync::document_handler on_doc) override;

    // Incremental sync (incremental.hpp, docs/incremental-sync.md).
    boost::asio::awaitable<std::optional<std::string>> prepare_incremental(
        const boost::json::value& cursor, const boost::json::value& snippet,
        std::string_view job_inputs) override;
    // Deletions, then the records changed since the cursor (theirs or an embedded parent's or
    // child's SystemModstamp), then the changed files.
    boost::asio::awaitable<void> get_docs_incrementally(const boost::json::value& snippet,
                                                        sync::document_handler on_doc) override;
    boost::json::value next_cursor(std::string_view job_inputs) const override;
    // Access-control jobs: only the users changed since the cursor's `access_control` mark
    // (their User record, an assignment, or a permission set they hold).
    boost::asio::awaitable<std::optional<std::string>> prepare_access_control(
        const boost::json::value& cursor) override;
    boost::asio::awaitable<void> get_access_control_changes(sync::document_handler on_doc) override;
    boost::json::value access_control_mark() const override;
    // md5 of what decides the synced content: objects, DLS, text extraction, `job_inputs`.
    std::string fingerprint(std::string_view job_inputs) const;

    // Custom objects the sync reads (after validate_config resolved `*`).
    const std::vector<std::string>& custom_objects() const noexcept { return custom_objects_; }

  private:
    using handler = sync::document_handler;
    boost::asio::awaitable<void> resolve_custom_objects();
    boost::asio::awaitable<const std::vector<std::string>*> permissions_for(
        const std::string& sobject);
    boost::asio::awaitable<void> sync_standard_object(const std::string& sobject,
                                                      const handler& on_doc);
    // One query of records of `sobject` (its Case feeds and enrichment); with `emitted`, a
    // record whose id is in it is skipped, and the others are added.
    boost::asio::awaitable<void> run_object_query(const std::string& sobject, std::string soql,
                                                  const handler& on_doc,
                                                  std::unordered_set<std::string>* emitted);
    // Incremental steps.
    struct object_task {
        std::string name;
        bool custom;
    };
    boost::asio::awaitable<std::vector<object_task>> object_tasks();
    // Step 1 of a changes-only job, run by prepare_incremental: the ids of each object's records
    // deleted since the plan's `since` (queryAll; getDeleted when queryAll is refused) into
    // deleted_. A reason to list everything when Salesforce no longer reports them.
    boost::asio::awaitable<std::optional<std::string>> read_deletions();
    boost::asio::awaitable<std::vector<std::string>> ids_of(std::string soql, std::string what,
                                                            std::string_view field, bool all);
    boost::asio::awaitable<void> sync_object_changes(
        const object_task& t, const std::vector<std::string>& extra_ids,
        const std::map<std::string, std::vector<std::string>>& deleted,
        const std::vector<std::string>& edited_users, const std::vector<std::string>& edited_owners,
        const handler& on_doc);
    boost::asio::awaitable<void> sync_custom_object(const std::string& sobject,
                                                    const handler& on_doc);
    boost::asio::awaitable<void> sync_objects(const handler& on_doc);
    boost::asio::awaitable<void> sync_rules(const std::vector<advanced_rule>& rules,
                                            const handler& on_doc);
    boost::asio::awaitable<void> sync_files(const handler& on_doc);
    boost::asio::awaitable<void> sync_file(const content_document& d, const handler& on_doc);
    // The steps of sync_file: who may read the file (DLS), whether its content is read, and
    // reading it into the document.
    boost::asio::awaitable<std::vector<std::string>> file_sharing(const std::string& file_id);
    bool reads_content(const content_document& d, const std::string& title) const;
    boost::asio::awaitable<void> attach_content(const content_document& d, const std::string& title,
                                                sync::document& doc);
    boost::asio::awaitable<void> attach_text(const content_document& d, const std::string& title,
                                             sync::document& doc);
    // `body`: the text, cut (with a warning) where the document would outgrow
    // max_document_size.
    void append_body(const content_document& d, const std::string& title, std::string_view text,
                     sync::document& doc) const;
    boost::asio::awaitable<std::optional<std::string>> download_into(
        const std::string& version_id, std::size_t limit, const std::string& too_large,
        const std::function<void(std::string_view)>& keep, const std::function<void()>& restart);
    // Files of a record: from its text when given, else from its (whole) tree.
    void collect_files(const boost::json::object& record,
                       std::optional<std::span<const raw_member>> raw);
    boost::asio::awaitable<void> emit_record(
        const boost::json::object& record, record_context& ctx, const handler& on_doc,
        std::optional<std::span<const raw_member>> raw = std::nullopt);
    void warn(std::string_view message) const;

    std::unique_ptr<client> owned_client_;
    client& client_;
    config cfg_;
    sync::source_options opts_;
    concurrency concurrency_;
    warning_sink warn_;
    std::vector<std::string> custom_objects_;
    bool custom_objects_resolved_ = false;
    permission_cache permissions_;
    content_document_collector files_;
    core::async_semaphore pages_;  // query pages held at once
    // File content held at once, from the start of a download until the sink has the document
    // in a bulk request (document::lease); shared so that it outlives every lease.
    std::shared_ptr<core::async_semaphore> file_bytes_;
    // Turns files into `body` text; null: `_attachment` (see choose_extractor).
    std::shared_ptr<sync::text_extractor> extractor_;
    // Incremental sync: the org's time when the job started reading (the cursor's next mark),
    // the plan, and the files to emit (nullopt: all of them, as a listing does).
    std::optional<core::sys_us> job_start_;
    std::vector<std::string> synced_objects_;
    incremental_plan plan_;
    // The org's time when prepare_incremental read the deletions (the next mark), and those.
    std::optional<core::sys_us> changes_start_;
    std::map<std::string, std::vector<std::string>> deleted_;
    // Access-control jobs: the org's time when the job started reading users, and the plan.
    std::optional<core::sys_us> acl_start_;
    access_control_plan acl_plan_;
    std::optional<std::unordered_set<std::string>> changed_files_;
    // ... files whose links changed (a linking record deleted): their metadata is written
    // again, their content is not read; and the files a job emitted.
    std::unordered_set<std::string> relinked_files_;
    std::unordered_set<std::string> files_emitted_;
};

}  // namespace casio::salesforce
