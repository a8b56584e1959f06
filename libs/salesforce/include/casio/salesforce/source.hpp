#pragma once
// The Salesforce source as the sync layer sees it: configuration checks, the stream of content
// documents (records, then their files), the stream of access-control documents, and the
// advanced-rules validator. Documents leave already serialised (mapped_document).

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <casio/salesforce/client.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/dls.hpp>
#include <casio/salesforce/mapping.hpp>

namespace casio::salesforce {

// Receives each document; awaiting it is the back-pressure (a bounded channel downstream).
using document_handler = std::function<boost::asio::awaitable<void>(mapped_document)>;

// Turns a downloaded file into text when the extraction service is used; nullopt: no text.
using text_extractor = std::function<boost::asio::awaitable<std::optional<std::string>>(
    const content_document&, std::string bytes)>;

struct source_options {
    bool dls_feature_enabled = true;  // the framework's document_level_security feature
    std::size_t max_file_size = default_max_file_size;
    text_extractor extractor;  // used only with use_text_extraction_service
    // Objects queried at the same time (each with its own page walk). 1 keeps the reference
    // order (Account, Opportunity, ..., custom objects); documents of different objects
    // interleave otherwise, and the document handler is then entered concurrently.
    std::size_t parallel_objects = 1;
    // Files fetched at the same time (sharing query and download each).
    std::size_t parallel_files = 1;
};

struct rules_validation {
    bool valid = true;
    std::string message;  // empty when valid
};

class source {
  public:
    source(client& c, config cfg, source_options opts = {}, warning_sink warn = {});

    bool dls_enabled() const noexcept;

    // HEAD <base>; transport failures throw.
    boost::asio::awaitable<void> ping();
    // Ping, then custom objects: `*` is resolved to the org's custom objects; a configured
    // object the org lacks -> core::error(bad_request, "Custom objects ['X'] are not available.").
    boost::asio::awaitable<void> validate_config();
    // Schema check, then each query is tried (first page only).
    boost::asio::awaitable<rules_validation> validate_advanced_rules(
        const boost::json::value& snippet);

    // Every record document, then every file document. With rules: only the rules' results.
    boost::asio::awaitable<void> get_docs(const std::vector<advanced_rule>& rules,
                                          document_handler on_doc);
    // One document per user (DLS enabled only).
    boost::asio::awaitable<void> get_access_control(document_handler on_doc);

    // Custom objects the sync reads (after validate_config resolved `*`).
    const std::vector<std::string>& custom_objects() const noexcept { return custom_objects_; }

  private:
    boost::asio::awaitable<void> resolve_custom_objects();
    boost::asio::awaitable<const std::vector<std::string>*> permissions_for(
        const std::string& sobject);
    boost::asio::awaitable<void> sync_standard_object(const std::string& sobject,
                                                      document_handler& on_doc);
    boost::asio::awaitable<void> sync_custom_object(const std::string& sobject,
                                                    document_handler& on_doc);
    boost::asio::awaitable<void> sync_objects(document_handler& on_doc);
    boost::asio::awaitable<void> sync_files(document_handler& on_doc);
    boost::asio::awaitable<void> sync_file(const content_document& d, document_handler& on_doc);
    // Files of a record: from its text when given, else from its (whole) tree.
    void collect_files(const boost::json::object& record,
                       std::optional<std::span<const raw_member>> raw);
    boost::asio::awaitable<void> emit_record(
        const boost::json::object& record, record_context& ctx, document_handler& on_doc,
        std::optional<std::span<const raw_member>> raw = std::nullopt);
    void warn(std::string_view message) const;

    client& client_;
    config cfg_;
    source_options opts_;
    warning_sink warn_;
    std::vector<std::string> custom_objects_;
    bool custom_objects_resolved_ = false;
    permission_cache permissions_;
    content_document_collector files_;
};

}  // namespace casio::salesforce
