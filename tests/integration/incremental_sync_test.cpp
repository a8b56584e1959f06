// Incremental sync through the binaries (docs/incremental-sync.md): a full sync, then records
// changed, deleted and added in mock-salesforce, then an incremental sync that reads only the
// changes. The index must then equal a fresh full sync of the same org into another index,
// document for document, and the incremental job must have downloaded only the changed file.
#include <algorithm>
#include <catch2/catch.hpp>

#include "support/run.hpp"
#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

namespace {

const std::vector<std::string> record_objects = {"Account", "Opportunity", "Contact",
                                                 "Lead",    "Campaign",    "Case"};

std::string type_of(const json::object& doc) {
    if (const auto* a = doc.if_contains("attributes"); a && a->is_object()) {
        if (const auto* t = a->get_object().if_contains("type"); t && t->is_string()) {
            return std::string(t->get_string());
        }
    }
    if (const auto* t = doc.if_contains("type"); t && t->is_string()) {
        return std::string(t->get_string());
    }
    return {};
}

std::uint64_t stat(std::uint16_t sf_port, std::string_view key) {
    auto r = http_call("GET", sf_port, "/__admin/stats");
    REQUIRE(r.status == 200);
    return json::parse(r.body).at(key).to_number<std::uint64_t>();
}

void reset_stats(std::uint16_t sf_port) {
    REQUIRE(http_call("POST", sf_port, "/__admin/reset-limits").status == 204);
}

child_process::result run_sync(const environment& env, const std::string& connector,
                               const std::string& type) {
    return child_process::run(
        CASIO_BIN_CONNECTORS_ASIO,
        {"sync", "--config", env.config.string(), "--connector-id", connector, "--job-type", type},
        std::chrono::seconds(120));
}

// What the org's changes between two syncs were: ids of documents per kind.
struct changes {
    std::set<std::string> changed, deleted, added;
};

// The org's clock moves an hour on (past the cursor's overlap), then 1% of the records of each
// object are changed, 0.1% deleted and 0.1% added (children such as CaseComment included), and
// a file gets a new version.
changes change_org(std::uint16_t sf, const std::map<std::string, json::object>& docs) {
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":3600})").status == 200);
    auto r = http_call("POST", sf, "/__admin/mutate",
                       R"({"change_share":0.01,"delete_share":0.001,"add_share":0.001,"seed":7})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto body = json::parse(r.body);
    changes out;
    auto ids = [&](std::string_view kind, std::set<std::string>& into) {
        for (const auto& [object, list] : body.at(kind).as_object()) {
            if (std::find(record_objects.begin(), record_objects.end(), object) ==
                record_objects.end()) {
                continue;  // a child: its parent's document changes
            }
            for (const auto& id : list.as_array()) {
                into.insert(std::string(id.as_string()));
            }
        }
    };
    ids("changed", out.changed);
    ids("deleted", out.deleted);
    ids("added", out.added);
    std::string a_file;
    for (const auto& [id, doc] : docs) {
        if (type_of(doc) == "content_document" && doc.contains("_timestamp")) {
            a_file = id;
            break;
        }
    }
    REQUIRE_FALSE(a_file.empty());
    REQUIRE(http_call("POST", sf, "/__admin/files/" + a_file + "/versions", "{}").status == 201);
    out.changed.insert(a_file);
    // Another file gets a new link, to a record that did not change: both documents change.
    std::string other_file, a_record;
    for (const auto& [id, doc] : docs) {
        if (other_file.empty() && id != a_file && type_of(doc) == "content_document") {
            other_file = id;
        }
        if (a_record.empty() && type_of(doc) == "Opportunity" && !out.changed.contains(id) &&
            !out.deleted.contains(id)) {
            a_record = id;
        }
    }
    auto link = http_call("POST", sf, "/__admin/records/ContentDocumentLink",
                          R"({"ContentDocumentId":")" + other_file + R"(","LinkedEntityId":")" +
                              a_record + R"(","ShareType":"V","Visibility":"AllUsers"})");
    INFO(link.body);
    REQUIRE(link.status == 201);
    out.changed.insert(other_file);
    out.changed.insert(a_record);
    return out;
}

// The index after incremental syncs against a fresh full sync of the same org.
void check_same_documents(const std::map<std::string, json::object>& after,
                          const std::map<std::string, json::object>& fresh) {
    CHECK(after.size() == fresh.size());
    std::size_t differing = 0;
    for (const auto& [id, doc] : fresh) {
        auto it = after.find(id);
        if (it == after.end()) {
            FAIL_CHECK("missing after the incremental sync: " << id);
            continue;
        }
        if (it->second != doc) {
            if (++differing <= 5) {
                FAIL_CHECK("differs: " << id << "\nincremental: " << json::serialize(it->second)
                                       << "\nfull:        " << json::serialize(doc));
            }
        }
    }
    CHECK(differing == 0);
    for (const auto& [id, doc] : after) {
        if (!fresh.contains(id)) {
            FAIL_CHECK("left after the incremental sync, not in a full sync: " << id);
        }
    }
}

// The records a SOQL query of the mock answers (test set-up: ids the admin API needs).
json::array sf_records(const std::string& sf_url, const std::string& soql) {
    boost::asio::io_context ctx;
    http::client hc(ctx.get_executor());
    http::client_transport tr(hc);
    core::steady_sleeper sleeper;
    salesforce::client c(tr, sleeper, salesforce::client_settings{sf_url, "id", "secret"});
    json::array out;
    casio::test::run(
        ctx,
        [&]() -> boost::asio::awaitable<void> {
            co_await c.query(soql, "test query",
                             [&](const json::array& records) -> boost::asio::awaitable<void> {
                                 for (const auto& r : records) {
                                     out.push_back(r);
                                 }
                                 co_return;
                             });
        }(),
        [&] { hc.close(); });
    return out;
}

}  // namespace

TEST_CASE("an incremental sync reads only the changes and leaves the index a full sync would",
          "[integration][service][incremental]") {
    // 30 ms per Salesforce call: the job's look-ups overlap as they do against a real org.
    environment env(environment_options{
        .sf_latency_ms = "30", .records = "1000", .extra_connectors = {"sf-inc", "sf-fresh"}});
    const std::string es_url = env.es.base_url();
    const auto sf = env.sf.port();

    // A first incremental job has no cursor: it lists everything, and says why.
    reset_stats(sf);
    auto first = run_sync(env, "sf-inc", "incremental");
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.output, Catch::Contains("incremental sync lists everything: the connector "
                                             "has no sync cursor"));
    const auto full_calls = stat(sf, "api_requests");
    const auto full_downloads = stat(sf, "download_requests");
    const auto cursor = connector_doc(es_url, "sf-inc")->at("sync_cursor");
    REQUIRE(cursor.is_object());
    CHECK(cursor.at("version") == 1);
    CHECK(cursor.at("objects").as_object().size() == record_objects.size());

    const auto before = index_docs(es_url, "search-sf-inc");
    const auto diff = change_org(sf, before);

    reset_stats(sf);
    auto inc = run_sync(env, "sf-inc", "incremental");
    INFO(inc.output);
    REQUIRE(inc.exit_code == 0);
    CHECK_THAT(inc.output, Catch::Contains("incremental sync reads the changes since the sync "
                                           "cursor"));
    const auto inc_calls = stat(sf, "api_requests");
    const auto inc_downloads = stat(sf, "download_requests");
    CHECK(inc_downloads == 1);  // the changed file only
    CHECK(full_downloads > 10 * inc_downloads);
    CHECK(inc_calls * 2 < full_calls);
    WARN("full listing: " << full_calls << " API calls, " << full_downloads
                          << " downloads; incremental: " << inc_calls << " calls, " << inc_downloads
                          << " downloads");

    // The incremental job's counts: every deletion found, every change and addition written.
    auto jobs = jobs_of(es_url, "sf-inc");
    REQUIRE(jobs.size() == 2);
    std::set<std::string> reads;
    for (const auto& j : jobs) {
        CHECK(j.source.at("status") == "completed");
        const auto& read = j.source.at("metadata").at("connectors_asio_sync").as_object();
        reads.insert(std::string(read.at("read").as_string()));
        if (read.at("read") == "listing") {
            CHECK_THAT(std::string(read.at("full_listing_reason").as_string()),
                       Catch::Contains("no sync cursor"));
        }
    }
    CHECK(reads == std::set<std::string>{"changes", "listing"});

    const auto after = index_docs(es_url, "search-sf-inc");
    for (const auto& id : diff.deleted) {
        CHECK_FALSE(after.contains(id));
    }
    for (const auto& id : diff.added) {
        CHECK(after.contains(id));
    }
    for (const auto& id : diff.changed) {
        if (diff.deleted.contains(id)) {
            continue;
        }
        REQUIRE(after.contains(id));
        CHECK(after.at(id) != before.at(id));
    }
    CHECK(diff.changed.size() >= record_objects.size() * 10);
    CHECK(diff.deleted.size() >= record_objects.size());
    CHECK(diff.added.size() >= record_objects.size());

    // A fresh full sync of the same org into another index: the same documents.
    REQUIRE(run_sync(env, "sf-fresh", "full").exit_code == 0);
    check_same_documents(after, index_docs(es_url, "search-sf-fresh"));
}

TEST_CASE("a failed incremental job leaves the cursor, and the next one catches every change",
          "[integration][service][incremental]") {
    environment env(
        environment_options{.records = "1000", .extra_connectors = {"sf-inc", "sf-fresh"}});
    const std::string es_url = env.es.base_url();
    const auto sf = env.sf.port();
    REQUIRE(run_sync(env, "sf-inc", "full").exit_code == 0);
    const auto cursor = connector_doc(es_url, "sf-inc")->at("sync_cursor");
    REQUIRE(cursor.is_object());

    // Changes, then a job that fails at its 45th request (the deletions and some changes are
    // written by then).
    change_org(sf, index_docs(es_url, "search-sf-inc"));
    REQUIRE(
        http_call("POST", sf, "/__admin/faults", R"({"after_requests":45,"status":400})").status ==
        204);
    auto failed = run_sync(env, "sf-inc", "incremental");
    INFO(failed.output);
    CHECK(failed.exit_code == 1);
    CHECK_THAT(failed.output, Catch::Contains("(injected fault)"));
    CHECK_THAT(failed.output, !Catch::Contains("indexed 0 "));  // it failed mid-way
    CHECK_THAT(failed.output, Catch::Contains("reads the changes since the sync cursor"));
    auto connector = connector_doc(es_url, "sf-inc");
    CHECK(connector->at("last_sync_status") == "error");
    CHECK(connector->at("sync_cursor") == cursor);  // not moved

    // More changes; the next job reads every change since the last completed one.
    REQUIRE(http_call("DELETE", sf, "/__admin/faults").status == 204);
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":3600})").status == 200);
    REQUIRE(http_call("POST", sf, "/__admin/mutate",
                      R"({"change_share":0.01,"delete_share":0.001,"add_share":0.001,"seed":8})")
                .status == 200);
    auto next = run_sync(env, "sf-inc", "incremental");
    INFO(next.output);
    REQUIRE(next.exit_code == 0);
    CHECK_THAT(next.output, Catch::Contains("reads the changes since the sync cursor"));
    CHECK(connector_doc(es_url, "sf-inc")->at("sync_cursor") != cursor);
    REQUIRE(run_sync(env, "sf-fresh", "full").exit_code == 0);
    check_same_documents(index_docs(es_url, "search-sf-inc"),
                         index_docs(es_url, "search-sf-fresh"));
}

TEST_CASE(
    "an object whose queryAll of deleted records is refused has its deletions read with "
    "getDeleted",
    "[integration][service][incremental]") {
    environment env(
        environment_options{.records = "1000", .extra_connectors = {"sf-inc", "sf-fresh"}});
    const std::string es_url = env.es.base_url();
    const auto sf = env.sf.port();
    REQUIRE(run_sync(env, "sf-inc", "full").exit_code == 0);
    const auto diff = change_org(sf, index_docs(es_url, "search-sf-inc"));
    // getDeleted covers whole minutes up to the current one (the next job's overlap reads the
    // rest): the deletions are two minutes old when the job runs.
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":120})").status == 200);

    // Salesforce refuses `SELECT Id FROM Lead WHERE IsDeleted = true ...` (as it does for objects
    // that queryAll cannot filter on IsDeleted); every other request is answered.
    REQUIRE(http_call("POST", sf, "/__admin/faults",
                      R"({"matching":"FROM Lead WHERE IsDeleted","error_code":"INVALID_FIELD"})")
                .status == 204);
    reset_stats(sf);
    auto inc = run_sync(env, "sf-inc", "incremental");
    INFO(inc.output);
    REQUIRE(inc.exit_code == 0);
    CHECK_THAT(inc.output, Catch::Contains("reads the changes since the sync cursor"));
    CHECK_THAT(inc.output, Catch::Contains("queryAll of the deleted Lead records was refused"));
    CHECK_THAT(inc.output, Catch::Contains("reading its deletions with getDeleted"));
    CHECK(stat(sf, "faulted_requests") == 1);
    CHECK(stat(sf, "deleted_requests") == 1);  // Lead's only
    REQUIRE(http_call("DELETE", sf, "/__admin/faults").status == 204);

    const auto after = index_docs(es_url, "search-sf-inc");
    std::size_t leads_deleted = 0;
    for (const auto& id : diff.deleted) {
        CHECK_FALSE(after.contains(id));
        leads_deleted += id.starts_with("00Q") ? 1 : 0;
    }
    CHECK(leads_deleted > 0);
    REQUIRE(run_sync(env, "sf-fresh", "full").exit_code == 0);
    check_same_documents(after, index_docs(es_url, "search-sf-fresh"));
}

TEST_CASE("a renamed user or queue reaches every document that embeds it",
          "[integration][service][incremental]") {
    environment env(
        environment_options{.records = "300", .extra_connectors = {"sf-inc", "sf-fresh"}});
    const std::string es_url = env.es.base_url();
    const auto sf = env.sf.port();
    REQUIRE(run_sync(env, "sf-inc", "full").exit_code == 0);
    const auto before = index_docs(es_url, "search-sf-inc");

    // A user who wrote a case comment and owns a file (and owns records and created cases of
    // this org too) and a queue that owns cases are renamed; no record that embeds them changes.
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":3600})").status == 200);
    std::set<std::string> authors;
    for (const auto& r : sf_records(env.sf.base_url(), "SELECT CreatedById FROM CaseComment")) {
        authors.insert(std::string(r.at("CreatedById").as_string()));
    }
    std::string user;
    for (const auto& r : sf_records(env.sf.base_url(), "SELECT OwnerId FROM ContentDocument")) {
        if (authors.contains(std::string(r.at("OwnerId").as_string()))) {
            user = r.at("OwnerId").as_string();
            break;
        }
    }
    REQUIRE_FALSE(user.empty());
    const auto queues =
        sf_records(env.sf.base_url(), "SELECT OwnerId FROM Case WHERE Owner.Type = 'Queue'");
    REQUIRE_FALSE(queues.empty());
    const std::string queue(queues[0].at("OwnerId").as_string());
    REQUIRE(http_call("PATCH", sf, "/__admin/records/" + user,
                      R"({"Name":"Renamed Person","Email":"renamed.person@example.com"})")
                .status == 204);
    REQUIRE(
        http_call("PATCH", sf, "/__admin/records/" + queue, R"({"Name":"Renamed Queue"})").status ==
        204);

    reset_stats(sf);
    auto inc = run_sync(env, "sf-inc", "incremental");
    INFO(inc.output);
    REQUIRE(inc.exit_code == 0);
    CHECK_THAT(inc.output, Catch::Contains("reads the changes since the sync cursor"));
    CHECK(stat(sf, "download_requests") == 0);  // file contents did not change

    // Every kind of document that embeds the user or the queue now carries the new names.
    const auto after = index_docs(es_url, "search-sf-inc");
    std::set<std::string> renamed_in;
    for (const auto& [id, doc] : after) {
        const auto text = json::serialize(doc);
        if (text.find("Renamed Person") != std::string::npos ||
            text.find("Renamed Queue") != std::string::npos) {
            CHECK(before.at(id) != doc);
            renamed_in.insert(type_of(doc));
        }
    }
    std::string types;
    for (const auto& t : renamed_in) {
        types += t + " ";
    }
    INFO("document types with a new name: " << types);
    CHECK(renamed_in.size() >= 4);
    for (const auto* type : {"Case", "content_document"}) {
        CHECK(renamed_in.contains(type));
    }
    REQUIRE(run_sync(env, "sf-fresh", "full").exit_code == 0);
    check_same_documents(after, index_docs(es_url, "search-sf-fresh"));

    // An org that refuses the query of edited queues: the job says so and completes; the
    // queue's new name waits for the next full sync, the user's still comes through.
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":3600})").status == 200);
    REQUIRE(
        http_call("PATCH", sf, "/__admin/records/" + queue, R"({"Name":"Queue Again"})").status ==
        204);
    REQUIRE(
        http_call("PATCH", sf, "/__admin/records/" + user, R"({"Name":"Person Again"})").status ==
        204);
    REQUIRE(
        http_call("POST", sf, "/__admin/faults",
                  R"({"matching":"FROM Group WHERE LastModifiedDate","error_code":"INVALID_TYPE"})")
            .status == 204);
    auto refused = run_sync(env, "sf-inc", "incremental");
    INFO(refused.output);
    REQUIRE(refused.exit_code == 0);
    CHECK_THAT(refused.output, Catch::Contains("the query of edited Group records was refused") &&
                                   Catch::Contains("at the next full sync"));
    REQUIRE(http_call("DELETE", sf, "/__admin/faults").status == 204);
    std::string later;
    for (const auto& [id, doc] : index_docs(es_url, "search-sf-inc")) {
        later += json::serialize(doc);
    }
    CHECK_THAT(later, Catch::Contains("Person Again") && !Catch::Contains("Queue Again"));
}

TEST_CASE("an access-control job upserts only the users changed since the last one",
          "[integration][service][incremental][dls]") {
    environment env;
    const std::string es_url = env.es.base_url();
    const auto sf = env.sf.port();
    const std::string acl_index = ".search-acl-filter-search-sf-dls";
    auto sync = [&](const char* type) {
        return child_process::run(CASIO_BIN_CONNECTORS_ASIO,
                                  {"sync", "--config", env.config.string(), "--connector-id",
                                   "sf-dls", "--job-type", type},
                                  std::chrono::seconds(120));
    };

    // No mark yet: every user is listed, and the mark is written.
    auto first = sync("access_control");
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.output, Catch::Contains("access-control sync lists every user: the sync "
                                             "cursor has no access-control mark"));
    auto cursor = connector_doc(es_url, "sf-dls")->at("sync_cursor");
    REQUIRE(cursor.is_object());
    CHECK(cursor.at("access_control").is_string());
    // A content job keeps the access-control mark; the access-control job then keeps its marks.
    REQUIRE(sync("full").exit_code == 0);
    cursor = connector_doc(es_url, "sf-dls")->at("sync_cursor");
    CHECK(cursor.at("access_control").is_string());
    const auto content_marks = cursor.at("objects");
    const auto before = index_docs(es_url, acl_index);
    REQUIRE(before.size() > 5);

    // An hour later, one user's e-mail changes and another user gets a permission set.
    REQUIRE(http_call("POST", sf, "/__admin/clock", R"({"advance_seconds":3600})").status == 200);
    // Two users with an access-control document (ids of the index, sorted).
    const std::string renamed = before.begin()->first;
    const std::string assigned = std::next(before.begin())->first;
    REQUIRE(
        http_call("PATCH", sf, "/__admin/records/" + renamed, R"({"Email":"renamed@example.com"})")
            .status == 204);
    auto sets = sf_records(env.sf.base_url(), "SELECT Id FROM PermissionSet");
    REQUIRE_FALSE(sets.empty());
    auto psa = http_call("POST", sf, "/__admin/records/PermissionSetAssignment",
                         R"({"AssigneeId":")" + assigned + R"(","PermissionSetId":")" +
                             std::string(sets[0].at("Id").as_string()) + R"("})");
    INFO(psa.body);
    REQUIRE(psa.status == 201);

    auto changes = sync("access_control");
    INFO(changes.output);
    REQUIRE(changes.exit_code == 0);
    CHECK_THAT(
        changes.output,
        Catch::Contains("access-control sync reads the users changed since the sync cursor"));
    CHECK_THAT(changes.output, Catch::Contains("indexed 2, deleted 0"));
    const auto after = index_docs(es_url, acl_index);
    CHECK(after.size() == before.size());
    CHECK_THAT(json::serialize(after.at(renamed)), Catch::Contains("email:renamed@example.com"));
    for (const auto& [id, doc] : before) {
        if (id != renamed) {
            CHECK(after.at(id) == doc);
        }
    }
    cursor = connector_doc(es_url, "sf-dls")->at("sync_cursor");
    CHECK(cursor.at("objects") == content_marks);  // the content marks are kept
    std::set<std::string> reads;
    for (const auto& j : jobs_of(es_url, "sf-dls")) {
        if (j.source.at("job_type") == "access_control") {
            reads.insert(std::string(
                j.source.at("metadata").at("connectors_asio_sync").at("read").as_string()));
        }
    }
    CHECK(reads == std::set<std::string>{"changes", "listing"});

    // A full listing of every user finds nothing to write: the index is what it would make.
    std::ofstream(env.config, std::ios::app) << "service.incremental_sync_reads_changes: false\n";
    auto full = sync("access_control");
    INFO(full.output);
    REQUIRE(full.exit_code == 0);
    CHECK_THAT(full.output, Catch::Contains("access-control sync lists every user: "
                                            "service.incremental_sync_reads_changes is false"));
    CHECK_THAT(full.output, Catch::Contains("indexed 0, deleted 0"));
    CHECK(index_docs(es_url, acl_index) == after);
}

#endif
