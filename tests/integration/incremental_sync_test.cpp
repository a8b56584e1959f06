// Incremental sync through the binaries (docs/incremental-sync.md): a full sync, then records
// changed, deleted and added in mock-salesforce, then an incremental sync that reads only the
// changes. The index must then equal a fresh full sync of the same org into another index,
// document for document, and the incremental job must have downloaded only the changed file.
#include <catch2/catch.hpp>

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

// What the org's changes between two syncs were: ids per kind.
struct changes {
    std::set<std::string> changed, deleted, added;
};

// 1% of each object's records changed, 0.1% deleted (at least one), as many added; a comment
// added to a case (a child its document embeds); a file changed.
changes change_org(std::uint16_t sf, const std::map<std::string, json::object>& docs) {
    changes out;
    std::map<std::string, std::vector<std::string>> by_type;
    std::string a_case, a_file;
    for (const auto& [id, doc] : docs) {
        by_type[type_of(doc)].push_back(id);
    }
    for (const auto& object : record_objects) {
        const auto& ids = by_type[object];
        REQUIRE(ids.size() >= 100);
        const std::size_t n_change = ids.size() / 100;
        const std::size_t n_delete = std::max<std::size_t>(1, ids.size() / 1000);
        // Spread over the object: every k-th record.
        const std::size_t step = ids.size() / (n_change + n_delete + 1);
        for (std::size_t i = 0; i < n_change + n_delete; ++i) {
            const auto& id = ids[(i + 1) * step];
            if (i < n_change) {
                auto r = http_call("PATCH", sf, "/__admin/records/" + id,
                                   R"({"Description":"changed between two syncs"})");
                REQUIRE(r.status == 204);
                out.changed.insert(id);
            } else {
                REQUIRE(http_call("DELETE", sf, "/__admin/records/" + id).status == 204);
                out.deleted.insert(id);
            }
        }
        for (std::size_t i = 0; i < n_delete; ++i) {
            auto r = http_call("POST", sf, "/__admin/records/" + object,
                               R"({"Description":"added between two syncs"})");
            REQUIRE(r.status == 201);
            out.added.insert(std::string(json::parse(r.body).at("id").as_string()));
        }
    }
    for (const auto& id : by_type["Case"]) {
        if (!out.deleted.contains(id) && !out.changed.contains(id)) {
            a_case = id;
            break;
        }
    }
    auto comment = http_call("POST", sf, "/__admin/records/CaseComment",
                             R"({"ParentId":")" + a_case + R"(","CommentBody":"a new comment"})");
    REQUIRE(comment.status == 201);
    out.changed.insert(a_case);
    REQUIRE_FALSE(by_type["content_document"].empty());
    a_file = by_type["content_document"].front();
    auto file = http_call("PATCH", sf, "/__admin/records/" + a_file,
                          R"({"Description":"a file changed between two syncs"})");
    REQUIRE(file.status == 204);
    out.changed.insert(a_file);
    return out;
}

}  // namespace

TEST_CASE("an incremental sync reads only the changes and leaves the index a full sync would",
          "[integration][service][incremental]") {
    environment env(
        environment_options{.records = "1000", .extra_connectors = {"sf-inc", "sf-fresh"}});
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
    for (const auto& j : jobs) {
        CHECK(j.source.at("status") == "completed");
    }

    const auto after = index_docs(es_url, "search-sf-inc");
    for (const auto& id : diff.deleted) {
        CHECK_FALSE(after.contains(id));
    }
    for (const auto& id : diff.added) {
        CHECK(after.contains(id));
    }
    for (const auto& id : diff.changed) {
        REQUIRE(after.contains(id));
        CHECK(after.at(id) != before.at(id));
    }

    // A fresh full sync of the same org into another index: the same documents.
    REQUIRE(run_sync(env, "sf-fresh", "full").exit_code == 0);
    const auto fresh = index_docs(es_url, "search-sf-fresh");
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

#endif
