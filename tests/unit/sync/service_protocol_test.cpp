// The pure decisions of the service loops: scheduling with an injected clock, queries, the
// prepare patch, terminal job and connector sync-done bodies, version and config checks.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/time.hpp>
#include <casio/es/error.hpp>
#include <casio/es/version.hpp>
#include <casio/sync/connector_doc.hpp>
#include <casio/sync/service.hpp>

using namespace casio;
namespace json = boost::json;
using sync::job_type;

namespace {

core::sys_us at(const char* iso) {
    return *core::parse_iso8601(iso);
}

json::object connector_with(const char* json_text) {
    return json::parse(json_text).as_object();
}

}  // namespace

TEST_CASE("a cron schedule is due at second resolution", "[sync][service][schedule]") {
    auto c =
        connector_with(R"({"scheduling":{"full":{"enabled":true,"interval":"*/2 * * * * ?"}}})");
    const auto woke = at("2026-01-01T10:00:00.500Z");
    using v = sync::schedule_decision::verdict;

    auto before = sync::decide_schedule(c, job_type::full, woke, at("2026-01-01T10:00:01.900Z"));
    CHECK(before.what == v::not_due);

    auto due = sync::decide_schedule(c, job_type::full, woke, at("2026-01-01T10:00:02.000Z"));
    REQUIRE(due.what == v::due);
    CHECK(core::format_iso8601(*due.occurrence) == "2026-01-01T10:00:02.000000+00:00");

    // The occurrence was already written by another instance after this wake-up.
    c["last_sync_scheduled_at"] = "2026-01-01T10:00:02.000000+00:00";
    CHECK(sync::decide_schedule(c, job_type::full, woke, at("2026-01-01T10:00:03Z")).what ==
          v::already_scheduled);
    // An older one does not block.
    c["last_sync_scheduled_at"] = "2026-01-01T09:00:00Z";
    CHECK(sync::decide_schedule(c, job_type::full, woke, at("2026-01-01T10:00:03Z")).what ==
          v::due);
}

TEST_CASE("disabled or absent schedules and bad intervals", "[sync][service][schedule]") {
    using v = sync::schedule_decision::verdict;
    const auto t = at("2026-01-01T10:00:00Z");
    auto off =
        connector_with(R"({"scheduling":{"full":{"enabled":false,"interval":"* * * * * ?"}}})");
    CHECK(sync::decide_schedule(off, job_type::full, t, t + std::chrono::hours(1)).what ==
          v::disabled);
    CHECK(sync::decide_schedule(off, job_type::incremental, t, t + std::chrono::hours(1)).what ==
          v::disabled);
    auto bad = connector_with(
        R"({"scheduling":{"access_control":{"enabled":true,"interval":"61 * * * * ?"}}})");
    auto d = sync::decide_schedule(bad, job_type::access_control, t, t);
    CHECK(d.what == v::bad_interval);
    CHECK_THAT(d.error, Catch::Contains("61"));
}

TEST_CASE("discovery query by ids, by types and by both", "[sync][service][queries]") {
    CHECK_FALSE(sync::discovery_query({}, {}));
    auto ids = sync::discovery_query({"a", "b"}, {});
    CHECK(
        json::serialize(*ids) ==
        R"({"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"_id":["a","b"]}}]}})");
    auto types = sync::discovery_query({}, {"salesforce"});
    CHECK(
        json::serialize(*types) ==
        R"({"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"service_type":["salesforce"]}},{"term":{"is_native":false}}]}})");
    auto both = sync::discovery_query({"a", "b"}, {"salesforce"});
    CHECK(json::serialize(*both) ==
          R"({"bool":{"should":[)" + json::serialize(*types) + "," + json::serialize(*ids) + "]}}");
}

TEST_CASE("job queries: pending, active, orphaned, idle", "[sync][service][queries]") {
    CHECK(
        json::serialize(sync::pending_jobs_body({"c1"}, {job_type::full, job_type::incremental})) ==
        R"({"query":{"bool":{"must":[{"terms":{"status":["pending","suspended"]}},{"terms":{"connector.id":["c1"]}},{"terms":{"job_type":["full","incremental"]}}]}},"sort":[{"created_at":"asc"}]})");
    CHECK(
        json::serialize(sync::active_jobs_body("c1", job_type::full)) ==
        R"({"query":{"bool":{"filter":[{"term":{"connector.id":"c1"}},{"term":{"job_type":"full"}},{"terms":{"status":["pending","suspended","in_progress","canceling"]}}]}}})");
    CHECK(
        json::serialize(sync::orphaned_jobs_body({"c1", "c2"})) ==
        R"({"query":{"bool":{"must_not":{"terms":{"connector.id":["c1","c2"]}},"filter":[{"terms":{"status":["in_progress","canceling"]}}]}}})");
    CHECK(
        json::serialize(sync::idle_jobs_body({"c1"})) ==
        R"({"query":{"bool":{"filter":[{"terms":{"connector.id":["c1"]}},{"terms":{"status":["in_progress","canceling"]}},{"range":{"last_seen":{"lte":"now-300s"}}}]}}})");
}

TEST_CASE("prepare writes the schema with the 13 properties and the features",
          "[sync][service][prepare]") {
    json::object schema{{"domain", json::object{{"label", "Domain"}, {"order", 1}}},
                        {"flag", json::object{{"type", "bool"}, {"value", false}}}};
    json::object features{{"incremental_sync", json::object{{"enabled", true}}}};
    auto fresh = connector_with(R"({"status":"created","configuration":{},"service_type":null})");
    auto patch = sync::prepare_patch(fresh, "salesforce", schema, features);
    CHECK(patch.at("status") == "needs_configuration");
    CHECK(patch.at("service_type") == "salesforce");
    CHECK(patch.at("features") == json::value(features));
    const auto& domain = patch.at("configuration").at("domain").as_object();
    CHECK(domain.size() == 13);
    CHECK(domain.at("label") == "Domain");
    CHECK(domain.at("display") == "text");
    CHECK(domain.at("value") == "");
    CHECK(patch.at("configuration").at("flag").at("label") == "FLAG");  // upper-cased key
    CHECK(patch.at("configuration").at("flag").at("value") == false);

    // A prepared connector needs nothing.
    json::object prepared{{"status", "connected"},
                          {"service_type", "salesforce"},
                          {"features", features},
                          {"configuration", patch.at("configuration")}};
    CHECK(sync::prepare_patch(prepared, "salesforce", schema, features).empty());

    // A missing field is added, an existing value is kept.
    auto partial = prepared;
    partial["configuration"].as_object().erase("flag");
    partial["configuration"].as_object()["domain"].as_object()["value"] = "acme";
    auto p2 = sync::prepare_patch(partial, "salesforce", schema, features);
    REQUIRE(p2.size() == 1);
    CHECK(p2.at("configuration").as_object().size() == 1);
    CHECK(p2.at("configuration").as_object().contains("flag"));
}

TEST_CASE("sync_starts guards on the connector's last status", "[sync][service][claim]") {
    auto busy = connector_with(
        R"({"last_sync_status":"in_progress","last_access_control_sync_status":"completed"})");
    CHECK(sync::sync_in_progress(busy, job_type::full));
    CHECK(sync::sync_in_progress(busy, job_type::incremental));
    CHECK_FALSE(sync::sync_in_progress(busy, job_type::access_control));
    CHECK(
        json::serialize(sync::sync_starts_patch(job_type::full)) ==
        R"({"status":"connected","error":null,"last_sync_status":"in_progress","last_sync_error":null})");
    CHECK(
        json::serialize(sync::sync_starts_patch(job_type::access_control)) ==
        R"({"status":"connected","error":null,"last_access_control_sync_status":"in_progress","last_access_control_sync_error":null})");
}

TEST_CASE("terminal job write bodies", "[sync][service][terminal]") {
    const std::string now = "2026-01-01T10:00:00.000000+00:00";
    sync::job_counts counts{10, 2, 3};
    auto done = sync::terminal_job_doc(sync::job_status::completed, std::nullopt, now, counts, 7);
    CHECK(
        json::serialize(done) ==
        R"({"last_seen":")" + now + R"(","status":"completed","error":null,"completed_at":")" +
            now +
            R"(","indexed_document_count":10,"indexed_document_volume":2,"deleted_document_count":3,"total_document_count":7})");
    auto canceled =
        sync::terminal_job_doc(sync::job_status::canceled, std::nullopt, now, counts, std::nullopt);
    CHECK(canceled.at("canceled_at") == json::value(now));
    CHECK_FALSE(canceled.contains("total_document_count"));
    auto suspended =
        sync::terminal_job_doc(sync::job_status::suspended, std::nullopt, now, counts, 1);
    CHECK_FALSE(suspended.contains("completed_at"));
    CHECK(suspended.at("status") == "suspended");
    // The cleanup write: error with the reference's text, no counters.
    auto stuck =
        sync::terminal_job_doc(sync::job_status::error, std::string(sync::stuck_job_message), now,
                               std::nullopt, std::nullopt);
    CHECK(
        json::serialize(stuck) ==
        R"({"last_seen":")" + now +
            R"(","status":"error","error":"The job has not seen any update for some time.","completed_at":")" +
            now + R"("})");
}

TEST_CASE("connector sync-done bodies", "[sync][service][terminal]") {
    const std::string now = "2026-01-01T10:00:00.000000+00:00";
    auto completed = sync::sync_done_doc(
        json::parse(
            R"({"status":"completed","job_type":"full","error":null,"indexed_document_count":5,"deleted_document_count":1})")
            .as_object(),
        now, nullptr);
    CHECK(
        json::serialize(completed) ==
        R"({"last_synced":")" + now +
            R"(","status":"connected","error":null,"last_sync_status":"completed","last_sync_error":null,"sync_cursor":null,"last_indexed_document_count":5,"last_deleted_document_count":1})");

    auto failed = sync::sync_done_doc(
        json::parse(
            R"({"status":"error","job_type":"access_control","indexed_document_count":2,"deleted_document_count":0})")
            .as_object(),
        now, nullptr);
    CHECK(failed.at("status") == "error");
    CHECK(failed.at("error") == "unknown error");
    CHECK(failed.at("last_access_control_sync_status") == "error");
    CHECK(failed.at("last_access_control_sync_error") == "unknown error");
    CHECK_FALSE(failed.contains("last_sync_status"));
    CHECK_FALSE(failed.contains("sync_cursor"));

    auto suspended = sync::sync_done_doc(
        json::parse(R"({"status":"suspended","job_type":"incremental"})").as_object(), now,
        nullptr);
    CHECK(suspended.at("status") == "connected");
    CHECK(suspended.at("last_sync_status") == "suspended");
    CHECK_FALSE(suspended.contains("last_indexed_document_count"));
    CHECK_FALSE(suspended.contains("sync_cursor"));

    auto unknown = sync::sync_done_doc(std::nullopt, now, nullptr);
    CHECK(
        json::serialize(unknown) ==
        R"({"last_synced":")" + now +
            R"(","status":"error","error":"Couldn't find the job","last_sync_status":"error","last_sync_error":"Couldn't find the job","last_access_control_sync_status":"error","last_access_control_sync_error":"Couldn't find the job"})");
}

TEST_CASE("job error messages", "[sync][service][terminal]") {
    http::response res;
    res.status = 403;
    res.body = R"({"error":{"type":"security_exception","reason":"no"}})";
    auto forbidden = es::make_error(http::method::put, "/_bulk", res);
    CHECK(sync::job_error_message(forbidden, "search-x") ==
          "Connector is not authorized to access index [search-x]. API key may need to be "
          "regenerated. Status code: [403].");
    core::error other(core::error_kind::auth, "invalid client credentials");
    CHECK(sync::job_error_message(other, "search-x") == "invalid client credentials");
}

TEST_CASE("Elasticsearch versions with every connector API are accepted",
          "[sync][service][preflight]") {
    std::string warning;
    for (const char* v : {"8.15.0", "8.15.5", "8.18.2", "8.19.0", "9.0.0", "9.1.0", "9.5.9",
                          "9.6.0", "9.7.1-SNAPSHOT", "9.6.3+build1"}) {
        INFO(v);
        CHECK_FALSE(sync::check_es_version(v, &warning));
        CHECK(warning.empty());
    }
}

TEST_CASE("an Elasticsearch version without a connector API is refused naming the API",
          "[sync][service][preflight]") {
    auto bad = sync::check_es_version("8.14.3");
    REQUIRE(bad);
    CHECK_THAT(*bad, Catch::Contains("PUT /_connector/_sync_job/{id}/_claim (added in 8.15.0)"));
    CHECK_THAT(*bad, Catch::Contains("8.15.0 or later"));
    CHECK_THAT(*bad, !Catch::Contains("_check_in"));  // 8.14 has it
    auto older = sync::check_es_version("8.11.4");
    REQUIRE(older);
    CHECK_THAT(*older, Catch::Contains("PUT /_connector/{id}/_check_in (added in 8.12.0)"));
    CHECK(sync::check_es_version("7.17.25"));
    auto unreadable = sync::check_es_version("ten");
    REQUIRE(unreadable);
    CHECK_THAT(*unreadable, Catch::Contains("\"ten\""));
}

TEST_CASE("a newer Elasticsearch major is accepted with a warning", "[sync][service][preflight]") {
    std::string warning;
    CHECK_FALSE(sync::check_es_version("10.0.0", &warning));
    CHECK_THAT(warning, Catch::Contains("10.0.0") && Catch::Contains("newer major"));
}

TEST_CASE("the minimum Elasticsearch version is the newest first release of the calls",
          "[sync][service][preflight]") {
    CHECK_FALSE(sync::check_es_version(es::minimum_es_version));
    bool one_at_minimum = false;
    for (const auto& api : es::connector_apis) {
        INFO(api.call);
        if (api.since == es::minimum_es_version) {
            one_at_minimum = true;
        } else {
            // An older first release: another call still lacks there.
            CHECK(sync::check_es_version(api.since));
        }
    }
    CHECK(one_at_minimum);
    // Just below the minimum, something is missing.
    CHECK(sync::check_es_version("8.14.99"));
}

TEST_CASE("local configuration check", "[sync][service][preflight]") {
    sync::config cfg;
    CHECK(sync::check_local_config(cfg));
    cfg.service.service_types = {"salesforce"};
    CHECK_FALSE(sync::check_local_config(cfg));
    cfg.service.service_types.clear();
    cfg.connectors.push_back({"changeme", std::string("salesforce"), {}, {}, {}, {}});
    CHECK_THAT(*sync::check_local_config(cfg), Catch::Contains("changeme"));
    cfg.connectors.back().connector_id = "real";
    CHECK_FALSE(sync::check_local_config(cfg));
    // A service type this build does not serve would never be synced: refused, named.
    cfg.connectors.back().service_type = "sharepoint_online";
    CHECK_THAT(*sync::check_local_config(cfg),
               Catch::Contains("real") && Catch::Contains("\"sharepoint_online\""));
    cfg.connectors.back().service_type.reset();
    CHECK_FALSE(sync::check_local_config(cfg));
    cfg.service.service_types = {"salesforce", "mongodb"};
    CHECK_THAT(*sync::check_local_config(cfg), Catch::Contains("\"mongodb\""));
    cfg.service.service_types.clear();
    cfg.service.worker_mode = true;
    CHECK(sync::check_local_config(cfg));
}

TEST_CASE("configuration values from a config entry", "[sync][service][bootstrap]") {
    sync::connector_entry e;
    e.configuration["domain"] = std::string("acme");
    e.configuration["sync_custom_objects"] = true;
    e.configuration["n"] = std::int64_t{3};
    e.configuration["none"] = std::monostate{};
    CHECK(json::serialize(sync::configuration_values(e)) ==
          R"({"domain":"acme","n":3,"none":null,"sync_custom_objects":true})");
}

TEST_CASE("draft basic rules are validated per rule", "[sync][service][filtering]") {
    auto rules = json::parse(R"([
        {"id":"r1","policy":"include","field":"Name","rule":"equals","value":"x","order":1},
        {"id":"r2","policy":"exclude","field":"Name","rule":"regex","value":".*","order":2},
        {"id":"r3","policy":"maybe","field":"Name","rule":"equals","value":"y","order":3},
        {"id":"r4","policy":"include","field":"Name","rule":"equals","value":"x","order":4},
        {"id":"DEFAULT","policy":"include","field":"_","rule":"regex","value":".*","order":0}])");
    auto errors = sync::validate_basic_rules(rules);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].at("ids").at(0) == "r2");
    CHECK(errors[1].at("ids").at(0) == "r3");
    CHECK(errors[2].at("ids").at(0) == "r4");
    CHECK_THAT(std::string(errors[2].at("messages").at(0).as_string()),
               Catch::Contains("duplicate"));
    auto ok = json::parse(
        R"([{"id":"a","policy":"INCLUDE","field":"f","rule":"starts_with","value":"v","order":1}])");
    CHECK(sync::validate_basic_rules(ok).empty());
}
