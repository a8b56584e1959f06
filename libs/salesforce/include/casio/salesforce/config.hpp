#pragma once
// The Salesforce connector's configuration: the Kibana-facing schema (what the connector
// registers in its `configuration` field) and the typed view read back from a connector
// document, with the local validation Kibana users see.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace casio::salesforce {

struct config {
    std::string domain;
    std::string client_id;
    std::string client_secret;
    // Empty means "no standard object"; the default is the six standard objects.
    std::vector<std::string> standard_objects;
    bool sync_custom_objects = false;
    // Normalised: every entry except `*` ends in `__c`.
    std::vector<std::string> custom_objects;
    bool use_text_extraction_service = false;
    bool use_document_level_security = false;

    // Standard objects to sync, `*` expanded to the six standard objects.
    std::vector<std::string> standard_objects_to_sync() const;
    // `["*"]`: every custom object of the org (resolved against the global describe).
    bool all_custom_objects() const;
};

// The configuration schema with every property Kibana reads (default_value, depends_on,
// display, label, options, order, required, sensitive, tooltip, type, ui_restrictions,
// validations, value), keyed by field name.
boost::json::object configuration_schema();

// Reads a connector `configuration` object (each field an object with a `value`). Missing
// fields take their schema value. Throws core::error(bad_request,
// "Field validation errors: 'Label' cannot be empty.; ...") when a required field (whose
// depends_on holds) is empty.
config parse_config(const boost::json::object& configuration);

// `https://<domain>.my.salesforce.com`, or `override_url` when not empty (mocks and tests).
std::string base_url(std::string_view domain, std::string_view override_url = {});

// "Connector" -> "Connector__c"; `*` and names already ending in `__c` are kept.
std::string normalise_custom_object(std::string_view name);

// Comma-separated list: items trimmed, empty items dropped.
std::vector<std::string> parse_list(std::string_view text);

}  // namespace casio::salesforce
