#include "connector_api.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "es_error.hpp"
#include "support.hpp"

namespace json = boost::json;
using namespace casio::mock_es;

namespace {

constexpr const char* t0 = "2025-03-01T10:00:00.000Z";
constexpr const char* t1 = "2025-03-01T10:05:00.123456789Z";

json::object obj(const char* text) {
    return json::parse(text).get_object();
}

template <class F>
es_error error_of(F&& f) {
    try {
        f();
    } catch (const es_error& e) {
        return e;
    }
    FAIL("expected an es_error");
    return es_error(0, "", "");
}

json::object sf_connector() {
    return new_connector(
        "c1", obj(R"({"index_name":"search-sf","name":"SF","service_type":"salesforce"})"), t0);
}

}  // namespace

TEST_CASE("new connector has ES's default shape", "[mock_es][connector]") {
    json::object c = new_connector(
        "c1",
        obj(R"({"index_name":"search-sf","name":"SF","service_type":"salesforce","language":"en","description":"d"})"),
        t0);
    CHECK(c.at("status") == "created");
    CHECK(c.at("is_native") == false);
    CHECK(c.at("deleted") == false);
    CHECK(c.at("name") == "SF");
    CHECK(c.at("index_name") == "search-sf");
    CHECK(c.at("service_type") == "salesforce");
    CHECK(c.at("language") == "en");
    CHECK(c.at("description") == "d");
    CHECK(c.at("configuration") == json::object{});
    CHECK(c.at("custom_scheduling") == json::object{});
    for (const char* f :
         {"api_key_id", "api_key_secret_id", "error", "features", "last_seen", "last_sync_status",
          "last_synced", "last_sync_error", "last_access_control_sync_status",
          "last_access_control_sync_error", "last_sync_scheduled_at",
          "last_incremental_sync_scheduled_at", "last_access_control_sync_scheduled_at",
          "last_indexed_document_count", "last_deleted_document_count", "sync_cursor"}) {
        INFO(f);
        CHECK(c.at(f).is_null());
    }
    CHECK(c.at("pipeline") == json::value(obj(R"({"extract_binary_content":true,
        "name":"search-default-ingestion","reduce_whitespace":true,"run_ml_inference":true})")));
    CHECK(c.at("scheduling") == json::value(obj(R"({
        "access_control":{"enabled":false,"interval":"0 0 0 * * ?"},
        "full":{"enabled":false,"interval":"0 0 0 * * ?"},
        "incremental":{"enabled":false,"interval":"0 0 0 * * ?"}})")));

    const json::array& filtering = c.at("filtering").as_array();
    REQUIRE(filtering.size() == 1);
    const json::object& entry = filtering[0].as_object();
    CHECK(entry.at("domain") == "DEFAULT");
    for (const char* which : {"active", "draft"}) {
        const json::object& rules = entry.at(which).as_object();
        CHECK(rules.at("validation") == json::value(obj(R"({"errors":[],"state":"valid"})")));
        CHECK(rules.at("advanced_snippet") ==
              json::value(
                  json::object{{"created_at", t0}, {"updated_at", t0}, {"value", json::object{}}}));
        const json::array& r = rules.at("rules").as_array();
        REQUIRE(r.size() == 1);
        CHECK(r[0] == json::value(json::object{{"created_at", t0},
                                               {"field", "_"},
                                               {"id", "DEFAULT"},
                                               {"order", 0},
                                               {"policy", "include"},
                                               {"rule", "regex"},
                                               {"updated_at", t0},
                                               {"value", ".*"}}));
    }
}

TEST_CASE("new connector: defaults, native status and validation errors", "[mock_es][connector]") {
    json::object empty = new_connector("x", json::object{}, t0);
    CHECK(empty.at("name") == "");
    CHECK(empty.at("index_name").is_null());
    CHECK(empty.at("service_type").is_null());

    json::object native = new_connector(
        "n", obj(R"({"index_name":"content-sf","is_native":true,"service_type":"salesforce"})"),
        t0);
    CHECK(native.at("status") == "needs_configuration");
    CHECK(native.at("is_native") == true);

    auto e = error_of([] { new_connector("x", obj(R"({"nme":"typo"})"), t0); });
    CHECK(e.status() == 400);
    CHECK(e.type() == "x_content_parse_exception");
    CHECK(e.reason().find("[nme]") != std::string::npos);

    e = error_of([] { new_connector("x", obj(R"({"name":5})"), t0); });
    CHECK(e.type() == "x_content_parse_exception");
    CHECK(e.reason() ==
          "[1:9] [connector_put_request] name doesn't support values of type: VALUE_NUMBER");

    // ES checks an index name as an index-or-alias name: the case is not checked.
    CHECK(new_connector("x", obj(R"({"index_name":"Search-SF"})"), t0).at("index_name") ==
          "Search-SF");
    e = error_of([] { new_connector("x", obj(R"({"index_name":"a*b"})"), t0); });
    CHECK(e.type() == "action_request_validation_exception");
    CHECK(e.reason().find("Invalid index name [a*b], must not contain the following characters") !=
          std::string::npos);

    e = error_of([] { new_connector("x", obj(R"({"index_name":"_bad"})"), t0); });
    CHECK(e.reason().find("must not start with") != std::string::npos);

    e = error_of(
        [] { new_connector("x", obj(R"({"index_name":"search-sf","is_native":true})"), t0); });
    CHECK(e.type() == "action_request_validation_exception");
    CHECK(e.reason().find("must start with the prefix: [content-]") != std::string::npos);
}

TEST_CASE("index names in use and soft-deleted connectors", "[mock_es][connector]") {
    json::object a = sf_connector();
    json::object gone = sf_connector();
    apply_soft_delete(gone);
    std::vector<stored_doc> all{{"a", &a}, {"gone", &gone}};
    CHECK_NOTHROW(check_index_name_free("search-sf", "a", all));  // itself
    CHECK_NOTHROW(check_index_name_free("search-other", "b", all));
    auto e = error_of([&] { check_index_name_free("search-sf", "b", all); });
    CHECK(e.status() == 400);
    CHECK(e.reason() == "Index name [search-sf] is used by another connector.");
    std::vector<stored_doc> only_deleted{{"gone", &gone}};
    CHECK_NOTHROW(check_index_name_free("search-sf", "b", only_deleted));

    CHECK(connector_view("a", a).at("id") == "a");
    CHECK(connector_view("a", a).at("index_name") == "search-sf");
    e = error_of([&] { connector_view("gone", gone); });
    CHECK(e.status() == 404);
    CHECK(e.type() == "resource_not_found_exception");
    CHECK(e.reason() == "connector [gone] not found");
    CHECK(connector_view("gone", gone, true).at("deleted") == true);
    CHECK(sync_job_not_found("j").reason() == "connector sync job [j] not found");
}

TEST_CASE("check-in, error and status updates", "[mock_es][connector]") {
    json::object c = sf_connector();
    apply_check_in(c, t1);
    CHECK(c.at("last_seen") == t1);

    apply_error(c, obj(R"({"error":"boom"})"));
    CHECK(c.at("error") == "boom");
    CHECK(c.at("status") == "error");
    apply_error(c, obj(R"({"error":null})"));
    CHECK(c.at("error").is_null());
    CHECK(c.at("status") == "connected");
    CHECK(error_of([&] { apply_error(c, json::object{}); }).status() == 400);

    json::object d = sf_connector();  // created
    auto e = error_of([&] { apply_status(d, obj(R"({"status":"connected"})")); });
    CHECK(e.status() == 400);
    CHECK(e.reason() ==
          "Invalid transition attempt from [created] to [connected]. Such a status transition "
          "is not supported by the Connector Protocol.");
    apply_status(d, obj(R"({"status":"needs_configuration"})"));
    CHECK(d.at("status") == "needs_configuration");
    CHECK(error_of([&] { apply_status(d, obj(R"({"status":"sleeping"})")); }).status() == 400);
}

TEST_CASE("configuration replace and values merge", "[mock_es][connector]") {
    json::object c = sf_connector();
    apply_configuration(c, obj(R"({"configuration":{"domain":{"label":"Domain","value":""},
                                                     "client_id":{"label":"Id","value":""}}})"));
    CHECK(c.at("status") == "configured");
    CHECK(c.at("configuration").at("domain").at("label") == "Domain");

    apply_configuration(c, obj(R"({"values":{"domain":"acme"}})"));
    CHECK(c.at("configuration").at("domain").at("value") == "acme");
    CHECK(c.at("configuration").at("domain").at("label") == "Domain");
    CHECK(c.at("configuration").at("client_id").at("value") == "");

    auto e = error_of([&] { apply_configuration(c, obj(R"({"values":{"nope":"x"}})")); });
    CHECK(e.status() == 400);
    CHECK(e.reason().find("Unknown [configuration] fields in the request payload: [nope]") !=
          std::string::npos);
    CHECK(c.at("configuration").at("domain").at("value") == "acme");  // untouched

    e = error_of([&] { apply_configuration(c, json::object{}); });
    CHECK(e.type() == "action_request_validation_exception");
    CHECK(e.reason() == "Validation Failed: 1: [configuration] and [values] cannot both be null.;");
    CHECK(error_of([&] { apply_configuration(c, obj(R"({"configuration":{"a":1}})")); }).status() ==
          400);
}

TEST_CASE("scheduling, name, pipeline, index name, service type, features",
          "[mock_es][connector]") {
    json::object c = sf_connector();
    apply_scheduling(c,
                     obj(R"({"scheduling":{"full":{"enabled":true,"interval":"1 * * * * ?"}}})"));
    CHECK(c.at("scheduling").at("full") ==
          json::value(obj(R"({"enabled":true,"interval":"1 * * * * ?"})")));
    CHECK(c.at("scheduling").at("incremental").at("enabled") == false);
    CHECK(error_of([&] {
              apply_scheduling(
                  c, obj(R"({"scheduling":{"full":{"enabled":true,"interval":"daily"}}})"));
          }).status() == 400);
    CHECK(error_of([&] { apply_scheduling(c, obj(R"({"scheduling":{"weekly":{}}})")); }).status() ==
          400);

    apply_name(c, obj(R"({"name":"New","description":"about"})"));
    CHECK(c.at("name") == "New");
    CHECK(c.at("description") == "about");
    CHECK(error_of([&] { apply_name(c, json::object{}); }).status() == 400);

    apply_pipeline(c, obj(R"({"pipeline":{"name":"p","extract_binary_content":false,
                                          "reduce_whitespace":true,"run_ml_inference":false}})"));
    CHECK(c.at("pipeline").at("name") == "p");
    auto e = error_of([&] { apply_pipeline(c, obj(R"({"pipeline":{"name":"p"}})")); });
    CHECK(e.type() == "x_content_parse_exception");
    CHECK(e.reason() ==
          "[1:24] [connector_update_pipeline_request] failed to parse field [pipeline]");
    CHECK(e.caused_by().at("type") == "illegal_argument_exception");
    CHECK(e.caused_by().at("reason") ==
          "Required [extract_binary_content, reduce_whitespace, run_ml_inference]");

    apply_index_name(c, obj(R"({"index_name":"search-new"})"));
    CHECK(c.at("index_name") == "search-new");
    apply_index_name(c, obj(R"({"index_name":null})"));
    CHECK(c.at("index_name").is_null());
    CHECK(error_of([&] { apply_index_name(c, obj(R"({"index_name":"a|b"})")); }).type() ==
          "action_request_validation_exception");

    json::object native = new_connector("n", obj(R"({"is_native":true})"), t0);
    CHECK(error_of([&] {
              apply_index_name(native, obj(R"({"index_name":"search-x"})"));
          }).status() == 400);
    apply_index_name(native, obj(R"({"index_name":"content-x"})"));
    CHECK(native.at("index_name") == "content-x");

    json::object created = sf_connector();
    apply_service_type(created, obj(R"({"service_type":"jira"})"));
    CHECK(created.at("service_type") == "jira");
    CHECK(created.at("status") == "created");
    apply_configuration(created, obj(R"({"configuration":{}})"));
    apply_service_type(created, obj(R"({"service_type":"salesforce"})"));
    CHECK(created.at("status") == "needs_configuration");

    apply_features(c, obj(R"({"features":{"document_level_security":{"enabled":true}}})"));
    apply_features(c, obj(R"({"features":{"sync_rules":{"basic":{"enabled":true}}}})"));
    CHECK(c.at("features").at("document_level_security").at("enabled") == true);
    CHECK(c.at("features").at("sync_rules").at("basic").at("enabled") == true);
    // ConnectorFeatures' parser is lenient: an unknown feature is dropped.
    json::object before = c;
    apply_features(c, obj(R"({"features":{"magic":{"enabled":true}}})"));
    CHECK(c == before);
    auto bad = error_of([&] { apply_features(c, obj(R"({"features":{"incremental_sync":1}})")); });
    CHECK(bad.reason() ==
          "[1:33] [connector_update_features_request] failed to parse field [features]");
    CHECK(bad.caused_by().at("reason") ==
          "[1:33] [connector_features] incremental_sync doesn't support values of type: "
          "VALUE_NUMBER");
}

TEST_CASE("last sync, native flag, api key ids", "[mock_es][connector]") {
    json::object c = sf_connector();
    apply_last_sync(c, obj(R"({"last_sync_status":"completed","last_indexed_document_count":7,
                               "last_synced":"2025-03-01T10:00:00Z","sync_cursor":{"a":1}})"));
    CHECK(c.at("last_sync_status") == "completed");
    CHECK(c.at("last_indexed_document_count") == 7);
    CHECK(c.at("sync_cursor").at("a") == 1);
    CHECK(error_of([&] { apply_last_sync(c, obj(R"({"last_sync_status":"great"})")); }).status() ==
          400);
    CHECK(error_of([&] { apply_last_sync(c, obj(R"({"unknown":1})")); }).status() == 400);

    c["status"] = "connected";
    CHECK(error_of([&] { apply_native(c, obj(R"({"is_native":true})")); }).status() == 400);
    apply_native(c, obj(R"({"is_native":false})"));
    CHECK(c.at("status") == "configured");

    apply_api_key_id(c, obj(R"({"api_key_id":"k1"})"));
    CHECK(c.at("api_key_id") == "k1");
    CHECK(c.at("api_key_secret_id").is_null());
    CHECK(error_of([&] { apply_api_key_id(c, json::object{}); }).status() == 400);
}

TEST_CASE("filtering draft, validation and activation", "[mock_es][connector][filtering]") {
    json::object c = sf_connector();
    apply_filtering(c, obj(R"({"rules":[
        {"id":"DEFAULT","policy":"include","field":"_","rule":"regex","value":".*","order":0},
        {"id":"r1","policy":"exclude","field":"Name","rule":"equals","value":"x","order":1}]})"),
                    t1);
    json::object& entry = c.at("filtering").as_array()[0].as_object();
    const json::array& draft_rules = entry.at("draft").at("rules").as_array();
    REQUIRE(draft_rules.size() == 2);
    CHECK(draft_rules[0].at("id") == "r1");  // DEFAULT sorts last
    CHECK(draft_rules[0].at("created_at") == t1);
    CHECK(entry.at("draft").at("validation").at("state") == "edited");
    CHECK(entry.at("active").at("rules").as_array().size() == 1);

    // an edited draft cannot be activated
    auto e = error_of([&] { apply_filtering_activate(c); });
    CHECK(e.status() == 400);
    CHECK(e.reason().find("Current filtering draft validation state [edited]") !=
          std::string::npos);

    apply_filtering_validation(
        c,
        obj(R"({"validation":{"state":"invalid","errors":[{"ids":["r1"],"messages":["bad"]}]}})"));
    CHECK(entry.at("draft").at("validation").at("state") == "invalid");
    CHECK(entry.at("draft").at("validation").at("errors").as_array().size() == 1);
    CHECK(error_of([&] { apply_filtering_activate(c); }).status() == 400);

    apply_filtering_validation(c, obj(R"({"validation":{"state":"valid","errors":[]}})"));
    apply_filtering_activate(c);
    CHECK(entry.at("active") == entry.at("draft"));
    CHECK(entry.at("active").at("rules").as_array().size() == 2);

    CHECK(error_of([&] {
              apply_filtering_validation(c, obj(R"({"validation":{"state":"great","errors":[]}})"));
          }).status() == 400);
    CHECK(error_of([&] {
              apply_filtering_validation(c, obj(R"({"validation":{"state":"valid"}})"));
          }).status() == 400);
    CHECK(
        error_of([&] {
            apply_filtering(
                c,
                obj(R"({"rules":[{"id":"r","policy":"maybe","field":"f","rule":"regex","value":"v","order":1}]})"),
                t1);
        }).status() == 400);

    apply_filtering(
        c,
        obj(R"({"advanced_snippet":{"value":[{"query":"SELECT Id FROM Account","language":"SOQL"}]}})"),
        t1);
    CHECK(entry.at("draft").at("advanced_snippet").at("value").as_array().size() == 1);
    CHECK(entry.at("draft").at("advanced_snippet").at("updated_at") == t1);
    CHECK(entry.at("draft").at("validation").at("state") == "edited");
}

TEST_CASE("connector list filters, orders by index name and pages", "[mock_es][connector][list]") {
    json::object a = new_connector(
        "a", obj(R"({"index_name":"search-b","name":"Beta","service_type":"salesforce"})"), t0);
    json::object b = new_connector(
        "b", obj(R"({"index_name":"search-a","name":"Alpha","service_type":"jira"})"), t0);
    json::object c =
        new_connector("c", obj(R"({"name":"NoIndex","service_type":"salesforce"})"), t0);
    json::object d =
        new_connector("d", obj(R"({"index_name":"search-c","service_type":"salesforce"})"), t0);
    apply_soft_delete(d);
    std::vector<stored_doc> all{{"a", &a}, {"b", &b}, {"c", &c}, {"d", &d}};
    auto ids = [](const json::object& r) {
        std::string out;
        for (const auto& h : r.at("results").as_array()) {
            out += std::string(h.at("id").as_string());
        }
        return out;
    };
    json::object r = list_connectors(all, {});
    CHECK(r.at("count") == 3);
    CHECK(ids(r) == "bac");
    CHECK(ids(list_connectors(all, {{"include_deleted", "true"}})) == "badc");
    CHECK(ids(list_connectors(all, {{"service_type", "salesforce"}})) == "ac");
    CHECK(ids(list_connectors(all, {{"index_name", "search-a,search-b"}})) == "ba");
    CHECK(ids(list_connectors(all, {{"connector_name", "NoIndex"}})) == "c");
    CHECK(ids(list_connectors(all, {{"query", "lph"}})) == "b");
    json::object paged = list_connectors(all, {{"from", "1"}, {"size", "1"}});
    CHECK(paged.at("count") == 3);
    CHECK(ids(paged) == "a");
    CHECK(error_of([&] { list_connectors(all, {{"from", "-1"}}); }).status() == 400);
    CHECK(error_of([&] { list_connectors(all, {{"size", "ten"}}); }).status() == 400);
}

TEST_CASE("sync job creation snapshots the connector", "[mock_es][sync_job]") {
    json::object c = sf_connector();
    c["configuration"] = obj(R"({"domain":{"value":"acme"}})");
    json::object& entry = c.at("filtering").as_array()[0].as_object();
    entry["active"].as_object()["rules"].as_array().insert(
        entry["active"].as_object()["rules"].as_array().begin(),
        obj(R"({"id":"r1","policy":"exclude","field":"a","rule":"equals","value":"b","order":1})"));

    json::object job = new_sync_job(&c, "c1", obj(R"({"id":"c1"})"), t1);
    CHECK(job.at("job_type") == "full");
    CHECK(job.at("trigger_method") == "on_demand");
    CHECK(job.at("status") == "pending");
    CHECK(job.at("created_at") == t1);
    CHECK(job.at("last_seen") == t1);
    for (const char* n : {"total_document_count", "indexed_document_count",
                          "indexed_document_volume", "deleted_document_count"}) {
        CHECK(job.at(n) == 0);
    }
    CHECK(job.at("metadata") == json::object{});
    for (const char* n : {"started_at", "completed_at", "canceled_at", "cancelation_requested_at",
                          "worker_hostname", "error"}) {
        CHECK(job.at(n).is_null());
    }
    const json::object& snap = job.at("connector").as_object();
    CHECK(snap.at("id") == "c1");
    CHECK(snap.at("index_name") == "search-sf");
    CHECK(snap.at("service_type") == "salesforce");
    CHECK(snap.at("language").is_null());
    CHECK(snap.at("pipeline") == c.at("pipeline"));
    CHECK(snap.at("configuration").at("domain").at("value") == "acme");
    CHECK(snap.at("filtering") == entry.at("active"));  // active, not a filtering list
    CHECK(snap.at("filtering").at("rules").as_array().size() == 2);

    json::object acl = new_sync_job(
        &c, "c1", obj(R"({"id":"c1","job_type":"access_control","trigger_method":"scheduled"})"),
        t1);
    CHECK(acl.at("connector").at("index_name") == ".search-acl-filter-search-sf");
    CHECK(acl.at("job_type") == "access_control");
    CHECK(acl.at("trigger_method") == "scheduled");
    CHECK(new_sync_job(&c, "c1", obj(R"({"id":"c1","job_type":"incremental"})"), t1)
              .at("connector")
              .at("index_name") == "search-sf");
}

TEST_CASE("sync job creation errors", "[mock_es][sync_job]") {
    json::object c = sf_connector();
    auto e = error_of([&] { new_sync_job(nullptr, "zz", obj(R"({"id":"zz"})"), t1); });
    CHECK(e.status() == 404);
    CHECK(e.type() == "resource_not_found_exception");
    CHECK(e.reason().find("zz") != std::string::npos);

    json::object no_index = new_connector("n", obj(R"({"service_type":"salesforce"})"), t0);
    e = error_of([&] { new_sync_job(&no_index, "n", obj(R"({"id":"n"})"), t1); });
    CHECK(e.status() == 400);
    CHECK(e.reason().find("with no index attached") != std::string::npos);

    json::object no_type = new_connector("n", obj(R"({"index_name":"search-x"})"), t0);
    e = error_of([&] { new_sync_job(&no_type, "n", obj(R"({"id":"n"})"), t1); });
    CHECK(e.status() == 400);
    CHECK(e.reason().find("[service_type] not defined") != std::string::npos);

    e = error_of([&] { sync_job_connector_id(json::object{}); });
    CHECK(e.type() == "illegal_argument_exception");
    CHECK(e.reason() == "Required [id]");
    e = error_of([&] { sync_job_connector_id(obj(R"({"id":""})")); });
    CHECK(e.type() == "action_request_validation_exception");
    CHECK(e.reason() == "Validation Failed: 1: [id] of the connector cannot be null or empty.;");
    CHECK(sync_job_connector_id(obj(R"({"id":"c1","job_type":"full"})")) == "c1");
    e = error_of([&] { new_sync_job(&c, "c1", obj(R"({"id":"c1","job_type":"partial"})"), t1); });
    CHECK(e.status() == 400);
    CHECK(e.reason() ==
          "Failed to build [connector_sync_job_post_request] after last required field arrived");
    CHECK(e.caused_by().at("reason") == "Unknown ConnectorSyncJobType [partial].");
    CHECK(error_of([&] {
              new_sync_job(&c, "c1", obj(R"({"id":"c1","trigger_method":"cron"})"), t1);
          }).status() == 400);
    CHECK(error_of([&] { new_sync_job(&c, "c1", obj(R"({"id":"c1","extra":1})"), t1); }).type() ==
          "x_content_parse_exception");
}

TEST_CASE("claim, stats, check-in and error on a job", "[mock_es][sync_job]") {
    json::object c = sf_connector();
    json::object job = new_sync_job(&c, "c1", obj(R"({"id":"c1","job_type":"incremental"})"), t0);

    auto e = error_of([&] { apply_claim(job, json::object{}, t1); });
    CHECK(e.type() == "illegal_argument_exception");
    CHECK(e.reason() == "Required [worker_hostname]");
    CHECK(job.at("status") == "pending");

    apply_claim(job, obj(R"({"worker_hostname":"host-1","sync_cursor":{"ts":"x"}})"), t1);
    CHECK(job.at("status") == "in_progress");
    CHECK(job.at("worker_hostname") == "host-1");
    CHECK(job.at("started_at") == t1);
    CHECK(job.at("last_seen") == t1);
    CHECK(job.at("connector").at("sync_cursor").at("ts") == "x");
    CHECK(job.at("connector").at("id") == "c1");  // the snapshot is kept

    const char* t2 = "2025-03-01T10:06:00.5Z";
    apply_stats(job, obj(R"({"indexed_document_count":10,"indexed_document_volume":2,
                             "deleted_document_count":1,"metadata":{}})"),
                t2);
    CHECK(job.at("indexed_document_count") == 10);
    CHECK(job.at("indexed_document_volume") == 2);
    CHECK(job.at("deleted_document_count") == 1);
    CHECK(job.at("total_document_count") == 0);
    CHECK(job.at("last_seen") == t2);
    apply_stats(job, obj(R"({"indexed_document_count":11,"indexed_document_volume":2,
        "deleted_document_count":1,"total_document_count":50,"last_seen":"2025-03-01T11:00:00Z",
        "metadata":{"k":"v"}})"),
                t2);
    CHECK(job.at("total_document_count") == 50);
    CHECK(job.at("last_seen") == "2025-03-01T11:00:00Z");
    CHECK(job.at("metadata").at("k") == "v");
    e = error_of([&] { apply_stats(job, obj(R"({"indexed_document_count":1})"), t2); });
    CHECK(e.type() == "illegal_argument_exception");
    CHECK(e.reason() == "Required [deleted_document_count, indexed_document_volume]");
    e = error_of([&] {
        apply_stats(
            job,
            obj(R"({"indexed_document_count":-1,"indexed_document_volume":0,"deleted_document_count":0})"),
            t2);
    });
    CHECK(e.reason() == "Validation Failed: 1: [indexed_document_count] cannot be negative.;");
    CHECK(job.at("indexed_document_count") == 11);  // failed updates leave the job alone

    apply_job_check_in(job, "2025-03-01T12:00:00Z");
    CHECK(job.at("last_seen") == "2025-03-01T12:00:00Z");

    CHECK(error_of([&] { apply_job_error(job, json::object{}); }).status() == 400);
    apply_job_error(job, obj(R"({"error":"it broke"})"));
    CHECK(job.at("status") == "error");
    CHECK(job.at("error") == "it broke");
    e = error_of([&] { apply_job_error(job, obj(R"({"error":"again"})")); });
    CHECK(e.type() == "status_exception");
    CHECK(e.reason().find("from [error] to [error]") != std::string::npos);
}

TEST_CASE("cancel follows ES's job state machine", "[mock_es][sync_job]") {
    json::object c = sf_connector();
    auto job_in = [&](const char* status) {
        json::object j = new_sync_job(&c, "c1", obj(R"({"id":"c1"})"), t0);
        j["status"] = status;
        return j;
    };
    for (const char* s : {"pending", "suspended"}) {
        json::object j = job_in(s);
        apply_cancel(j, t1);
        CHECK(j.at("status") == "canceled");
        CHECK(j.at("cancelation_requested_at") == t1);
        CHECK(j.at("canceled_at") == t1);
        CHECK(j.at("completed_at") == t1);
    }
    json::object running = job_in("in_progress");
    apply_cancel(running, t1);
    CHECK(running.at("status") == "canceling");
    CHECK(running.at("cancelation_requested_at") == t1);
    CHECK(running.at("canceled_at").is_null());
    CHECK(running.at("completed_at").is_null());

    for (const char* s : {"canceling", "canceled", "completed", "error"}) {
        json::object j = job_in(s);
        auto e = error_of([&] { apply_cancel(j, t1); });
        CHECK(e.status() == 400);
        CHECK(e.type() == "status_exception");
        CHECK(e.reason() == "Invalid transition attempt from [" + std::string(s) +
                                "] to [canceling]. Such a ConnectorSyncStatus transition is not "
                                "supported by the Connector Protocol.");
        CHECK(j.at("status") == s);
    }
}

TEST_CASE("sync job list filters and orders newest first", "[mock_es][sync_job][list]") {
    json::object c = sf_connector();
    json::object other = sf_connector();
    auto make = [&](json::object& conn, const char* id, const char* type, std::string_view at) {
        return new_sync_job(&conn, id, json::object{{"id", id}, {"job_type", type}}, at);
    };
    json::object j1 = make(c, "c1", "full", "2025-03-01T10:00:00.120Z");
    json::object j2 = make(c, "c1", "access_control", "2025-03-01T10:00:00.1204Z");
    json::object j3 = make(other, "c2", "full", "2025-03-01T09:00:00+00:00");
    j3["status"] = "completed";
    std::vector<stored_doc> all{{"j1", &j1}, {"j2", &j2}, {"j3", &j3}};
    auto ids = [](const json::object& r) {
        std::string out;
        for (const auto& h : r.at("results").as_array()) {
            out += std::string(h.at("id").as_string());
        }
        return out;
    };
    CHECK(ids(list_sync_jobs(all, {})) == "j2j1j3");
    CHECK(list_sync_jobs(all, {}).at("count") == 3);
    CHECK(ids(list_sync_jobs(all, {{"connector_id", "c1"}})) == "j2j1");
    CHECK(ids(list_sync_jobs(all, {{"status", "completed"}})) == "j3");
    CHECK(ids(list_sync_jobs(all, {{"job_type", "full"}})) == "j1j3");
    CHECK(ids(list_sync_jobs(all, {{"job_type", "full,access_control"}, {"size", "2"}})) == "j2j1");
    CHECK(error_of([&] { list_sync_jobs(all, {{"status", "done"}}); }).status() == 400);
    CHECK(error_of([&] { list_sync_jobs(all, {{"job_type", "partial"}}); }).status() == 400);

    json::object v = sync_job_view("j1", j1);
    CHECK(v.at("id") == "j1");
    CHECK(v.at("connector").at("id") == "c1");
}

// ---- Elasticsearch's request parsing and routing order -------------------------------------

TEST_CASE("suggestions and unrecognized parameters are worded as ES words them",
          "[mock_es][connector][parse]") {
    CHECK(similarity("servce_type", "service_type") > 0.9F);
    CHECK(did_you_mean("nme", {"name", "description"}) == " did you mean [name]?");
    CHECK(did_you_mean("type", {"job_type", "trigger_method"}).empty());  // exactly 0.5
    CHECK(did_you_mean("foo", {"fop", "fou", "bar"}) == " did you mean any of [fop, fou]?");
    es_error one = unrecognized_parameters("/_connector/c1", {"connectorid"},
                                           {"connector_id", "pretty", "human"});
    CHECK(one.status() == 400);
    CHECK(one.type() == "illegal_argument_exception");
    CHECK(one.reason() ==
          "request [/_connector/c1] contains unrecognized parameter: [connectorid] -> did you mean "
          "[connector_id]?");
    es_error two = unrecognized_parameters("/_connector", {"zeta", "alpha"}, {"from", "size"});
    CHECK(two.reason() ==
          "request [/_connector] contains unrecognized parameters: [alpha], [zeta]");
}

TEST_CASE("parse errors carry the line and byte column of the body as sent",
          "[mock_es][connector][parse]") {
    const std::string text = "{\n  \"name\": \"c1\",\n  \"nam\": \"x\"\n}";
    body_text_scope scope(text);
    auto e = error_of([&] { check_connector_body("_name", obj(text.c_str())); });
    CHECK(e.type() == "x_content_parse_exception");
    CHECK(e.reason() ==
          "[3:3] [connector_update_name_request] unknown field [nam] did you mean [name]?");
    // A transposition is two edits: "nmae" is exactly half like "name", no suggestion.
    CHECK(did_you_mean("nmae", {"name"}).empty());

    const std::string cron =
        "{\"scheduling\":{\"full\":{\"interval\":\"0 0 25 * * ?\",\"enabled\":true}}}";
    body_text_scope scope2(cron);
    e = error_of([&] { check_connector_body("_scheduling", obj(cron.c_str())); });
    // The schedule is built when its last field (here "enabled") arrives: ES reports that token.
    CHECK(e.reason() ==
          "[1:60] [connector_update_scheduling_request] failed to parse field [scheduling]");
    const json::object* cause = &e.caused_by();
    std::vector<std::string> chain;
    while (cause) {
        chain.emplace_back(cause->at("reason").as_string());
        const json::value* next = cause->if_contains("caused_by");
        cause = next ? &next->as_object() : nullptr;
    }
    CHECK(chain == std::vector<std::string>{
                       "[1:60] [connector_scheduling] failed to parse field [full]",
                       "[1:60] [schedule_config] failed to parse field [enabled]",
                       "Failed to build [schedule_config] after last required field arrived",
                       "invalid cron expression [0 0 25 * * ?]",
                       "Hour values must be between 0 and 23"});
}

TEST_CASE("validate() messages come back for the router to add its own",
          "[mock_es][connector][parse]") {
    CHECK(check_connector_body("_scheduling", obj(R"({"scheduling":{}})")) ==
          std::vector<std::string>{"[scheduling] object needs to define at least one schedule "
                                   "type: [full | incremental | access_control]"});
    CHECK(check_connector_body("_name", obj(R"({"name":"x"})")).empty());
    CHECK(check_sync_job_body("_error", obj(R"({"error":""})")) ==
          std::vector<std::string>{"[error] of the connector sync job cannot be null or empty"});
    // A null name and description parse, then fail validation.
    CHECK(check_connector_body("_name", obj(R"({"name":null})")).size() == 1);
}

TEST_CASE("router: empty ids, generated ids, noop, claim order and hard deletes",
          "[mock_es][connector][routing]") {
    service svc;
    auto r = test::call(svc, "PUT", "/_connector//_check_in");
    CHECK(r.status == 400);
    CHECK(r.str({"error", "type"}) == "action_request_validation_exception");
    CHECK(r.str({"error", "reason"}) ==
          "Validation Failed: 1: [connector_id] cannot be [null] or [\"\"].;");

    r = test::call(svc, "PUT", "/_connector", R"({"name":"g","index_name":"search-g"})");
    CHECK(r.status == 201);
    CHECK(r.str({"result"}) == "created");
    const std::string id = r.str({"id"});
    CHECK(!id.empty());
    CHECK(test::call(svc, "GET", "/_connector/" + id).str({"name"}) == "g");

    r = test::call(svc, "PUT", "/_connector/" + id + "/_name", R"({"name":"g"})");
    CHECK(r.json == json::value(obj(R"({"result":"noop"})")));

    r = test::call(svc, "PUT", "/_connector/_sync_job/nope/_claim", "{}");
    CHECK(r.status == 400);
    CHECK(r.str({"error", "reason"}) == "Required [worker_hostname]");

    CHECK(test::call(svc, "DELETE", "/_connector/" + id).status == 200);
    CHECK(test::call(svc, "DELETE", "/_connector/" + id).status == 404);
    CHECK(test::call(svc, "DELETE", "/_connector/" + id + "?hard=true").status == 200);
    CHECK(test::call(svc, "GET", "/_connector/" + id + "?include_deleted=true").status == 404);
}
