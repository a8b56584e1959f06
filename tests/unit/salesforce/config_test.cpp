#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/salesforce/config.hpp>

#include "sf_test_util.hpp"

using namespace casio::salesforce;
using casio::salesforce::test::parse;

namespace {

boost::json::object configuration(std::string_view values_json) {
    // values_json: {"key": value, ...} -> {"key": {"value": value}, ...}
    boost::json::object out;
    const auto values = parse(values_json);
    for (const auto& m : values.as_object()) {
        out[m.key()] = boost::json::object{{"value", m.value()}};
    }
    return out;
}

std::string error_message(const boost::json::object& conf) {
    try {
        parse_config(conf);
    } catch (const casio::core::error& e) {
        CHECK(e.kind() == casio::core::error_kind::bad_request);
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("schema lists every field with every Kibana property", "[salesforce][config]") {
    const auto schema = configuration_schema();
    REQUIRE(schema.size() == 8);
    const std::vector<std::string> props = {
        "default_value",   "depends_on",  "display",   "label",   "options",
        "order",           "required",    "sensitive", "tooltip", "type",
        "ui_restrictions", "validations", "value"};
    for (const auto& field : schema) {
        const auto& entry = field.value().as_object();
        CHECK(entry.size() == props.size());
        for (const auto& p : props) {
            INFO(field.key() << "." << p);
            CHECK(entry.contains(p));
        }
    }
    const auto& domain = schema.at("domain").as_object();
    CHECK(domain.at("label") == "Domain");
    CHECK(domain.at("order") == 1);
    CHECK(domain.at("display") == "text");
    CHECK(domain.at("required") == true);
    CHECK(domain.at("sensitive") == false);
    CHECK(domain.at("value") == "");
    CHECK(domain.at("default_value").is_null());

    CHECK(schema.at("client_id").at("sensitive") == true);
    CHECK(schema.at("client_secret").at("sensitive") == true);
    CHECK(schema.at("client_secret").at("order") == 3);

    const auto& standard = schema.at("standard_objects_to_sync").as_object();
    CHECK(standard.at("value") == "Account, Opportunity, Contact, Lead, Campaign, Case");
    CHECK(standard.at("required") == false);
    CHECK(standard.at("display") == "textarea");
    CHECK(standard.at("type") == "list");

    const auto& custom = schema.at("custom_objects_to_sync").as_object();
    CHECK(boost::json::serialize(custom.at("depends_on")) ==
          R"([{"field":"sync_custom_objects","value":true}])");
    CHECK(custom.at("order") == 6);

    const auto& tes = schema.at("use_text_extraction_service").as_object();
    CHECK(boost::json::serialize(tes.at("ui_restrictions")) == R"(["advanced"])");
    CHECK(tes.at("value") == false);
    CHECK(tes.at("display") == "toggle");
    CHECK(tes.at("type") == "bool");
    CHECK(schema.at("use_document_level_security").at("label") == "Enable document level security");
    CHECK(schema.at("use_document_level_security").at("order") == 8);
}

TEST_CASE("a full configuration parses into typed values", "[salesforce][config]") {
    const auto c = parse_config(configuration(R"({
        "domain": "acme.sandbox", "client_id": "id", "client_secret": "secret",
        "standard_objects_to_sync": "Account,  Case ,,", "sync_custom_objects": true,
        "custom_objects_to_sync": "Connector, Other__c", "use_text_extraction_service": false,
        "use_document_level_security": "true"})"));
    CHECK(c.domain == "acme.sandbox");
    CHECK(c.standard_objects == std::vector<std::string>{"Account", "Case"});
    CHECK(c.sync_custom_objects);
    CHECK(c.custom_objects == std::vector<std::string>{"Connector__c", "Other__c"});
    CHECK(c.use_document_level_security);
    CHECK_FALSE(c.use_text_extraction_service);
    CHECK(base_url(c.domain) == "https://acme.sandbox.my.salesforce.com");
    CHECK(base_url(c.domain, "http://127.0.0.1:9999") == "http://127.0.0.1:9999");
}

TEST_CASE("missing required fields name their labels", "[salesforce][config]") {
    const auto msg = error_message(configuration(R"({
        "domain": "", "client_id": "", "client_secret": "x",
        "sync_custom_objects": false, "custom_objects_to_sync": "",
        "use_text_extraction_service": false, "use_document_level_security": false})"));
    CHECK(msg ==
          "Field validation errors: 'Domain' cannot be empty.; 'Client ID' cannot be empty.");
}

TEST_CASE("custom objects are required only when syncing custom objects", "[salesforce][config]") {
    const auto base = R"("domain": "d", "client_id": "i", "client_secret": "s")";
    CHECK_NOTHROW(parse_config(
        configuration(std::string("{") + base + R"(, "sync_custom_objects": false})")));
    CHECK(error_message(configuration(std::string("{") + base +
                                      R"(, "sync_custom_objects": true,
                                         "custom_objects_to_sync": " , "})")) ==
          "Field validation errors: 'Custom Objects to Sync' cannot be empty.");
}

TEST_CASE("wildcards are kept and expanded where the sync reads them", "[salesforce][config]") {
    const auto c = parse_config(configuration(R"({"domain": "d", "client_id": "i",
        "client_secret": "s", "standard_objects_to_sync": "*", "sync_custom_objects": true,
        "custom_objects_to_sync": "*"})"));
    CHECK(c.standard_objects_to_sync() == std::vector<std::string>{"Account", "Opportunity",
                                                                   "Contact", "Lead", "Campaign",
                                                                   "Case"});
    CHECK(c.all_custom_objects());
}

TEST_CASE("BUG emptied standard_objects_to_sync: empty means no standard object, no crash",
          "[salesforce][config][bug]") {
    const auto c = parse_config(configuration(R"({"domain": "d", "client_id": "i",
        "client_secret": "s", "standard_objects_to_sync": ""})"));
    CHECK(c.standard_objects_to_sync().empty());
    const auto n = parse_config(configuration(R"({"domain": "d", "client_id": "i",
        "client_secret": "s", "standard_objects_to_sync": null})"));
    CHECK(n.standard_objects_to_sync().empty());
    // A connector created before the field existed syncs the default six.
    const auto old = parse_config(configuration(R"({"domain": "d", "client_id": "i",
        "client_secret": "s"})"));
    CHECK(old.standard_objects_to_sync().size() == 6);
    CHECK_FALSE(old.use_document_level_security);  // absent toggle: off, not malformed
}

TEST_CASE("list parsing trims and drops empty items", "[salesforce][config]") {
    CHECK(parse_list(" a, b ,, c ,") == std::vector<std::string>{"a", "b", "c"});
    CHECK(parse_list("").empty());
    CHECK(normalise_custom_object("Connector") == "Connector__c");
    CHECK(normalise_custom_object("Connector__c") == "Connector__c");
    CHECK(normalise_custom_object("*") == "*");
}

TEST_CASE("a configuration error never repeats the client secret", "[salesforce][config]") {
    const auto msg = error_message(configuration(R"({"domain": "", "client_id": "i",
        "client_secret": "SUPERSECRET"})"));
    CHECK(msg.find("SUPERSECRET") == std::string::npos);
    CHECK_FALSE(msg.empty());
}

TEST_CASE("a full URL in domain is used as the base URL", "[salesforce][config]") {
    CHECK(base_url("http://127.0.0.1:8443") == "http://127.0.0.1:8443");
    CHECK(base_url("https://proxy.example.com/") == "https://proxy.example.com");
    CHECK(base_url("acme") == "https://acme.my.salesforce.com");
}
