// connectors-asio end to end on real processes, beyond the happy path: records changed and
// deleted in Salesforce between syncs, two service instances sharing one Elasticsearch, a wrong
// Elasticsearch API key, Salesforce failing mid-sync (5xx, dropped connections) and per-item
// bulk 429s. Ports are 0, everything on 127.0.0.1, every wait polls with a deadline.
#include <catch2/catch.hpp>

#include "support/service_test.hpp"

#ifdef CASIO_SERVICE_TESTS

#include <map>
#include <regex>
#include <set>
#include <vector>

namespace {

std::int64_t count_of(const json::object& job, const char* field) {
    return job.at(field).to_number<std::int64_t>();
}

// The single job of a connector's one-shot runs, newest first by created_at.
json::object latest_job(const std::string& es_url, const std::string& connector_id) {
    auto jobs = jobs_of(es_url, connector_id);
    REQUIRE_FALSE(jobs.empty());
    auto newest = std::max_element(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
        return a.source.at("created_at").as_string() < b.source.at("created_at").as_string();
    });
    return newest->source;
}

void sf_admin(const environment& env, const std::string& verb, const std::string& path,
              const std::string& body, unsigned expected_status) {
    auto res = http_call(verb, env.sf.port(), path, body);
    INFO(path << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == expected_status);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size())) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE(
    "the next full sync by the service updates changed records, deletes deleted ones and adds new "
    "ones",
    "[integration][service][changes]") {
    environment env;
    const std::string es_url = env.es.base_url();
    const std::string index = "search-sf-oneshot";
    env.require_sync("sf-oneshot");
    const auto before = index_docs(es_url, index);
    REQUIRE(before.size() == expected_ids(env.sf.base_url()).size());

    // Records of the generated org (seed 11): the first Account and Case change, the third
    // Account (no files, so no file document depends on it) and the second Contact go away, an
    // Account is added.
    const std::string renamed = "001B00000000001IAA";
    const std::string recased = "500B00000000001IAA";
    const std::vector<std::string> deleted{"001B00000000002IAA", "003B00000000001IAA"};
    for (const auto& id : {renamed, recased, deleted[0], deleted[1]}) {
        REQUIRE(before.count(id) == 1);
    }
    sf_admin(env, "PATCH", "/__admin/records/" + renamed, R"({"Name":"Renamed Account"})", 204);
    sf_admin(env, "PATCH", "/__admin/records/" + recased, R"({"Subject":"Changed subject"})", 204);
    for (const auto& id : deleted) {
        sf_admin(env, "DELETE", "/__admin/records/" + id, "", 204);
    }
    auto added_res = http_call("POST", env.sf.port(), "/__admin/records/Account",
                               R"({"Name":"Brand New Account"})");
    REQUIRE(added_res.status == 201);
    const std::string added(json::parse(added_res.body).at("id").as_string());

    // The next full sync is run by the service, as Kibana's "Sync" button asks for it.
    auto svc = env.start_service();
    const auto job_id = create_job(es_url, "sf-oneshot");
    REQUIRE(eventually([&] {
        const auto status = job_status(es_url, job_id);
        return status == "completed" || status == "error";
    }));
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    const auto job = latest_job(es_url, "sf-oneshot");
    CHECK(job.at("status") == "completed");
    CHECK(count_of(job, "deleted_document_count") == 2);
    CHECK(count_of(job, "indexed_document_count") ==
          static_cast<std::int64_t>(before.size() - 2 + 1));

    const auto after = index_docs(es_url, index);
    std::set<std::string> want;
    for (const auto& [id, doc] : before) {
        want.insert(id);
    }
    for (const auto& id : deleted) {
        want.erase(id);
    }
    want.insert(added);
    std::set<std::string> have;
    for (const auto& [id, doc] : after) {
        have.insert(id);
    }
    CHECK(have == want);
    CHECK(have == expected_ids(env.sf.base_url()));  // what the source yields now

    CHECK(after.at(renamed).at("Name") == "Renamed Account");
    CHECK(after.at(recased).at("Subject") == "Changed subject");
    CHECK(after.at(added).at("Name") == "Brand New Account");
    CHECK(after.at(renamed).at("_timestamp") != before.at(renamed).at("_timestamp"));

    // Every other document is as it was, except where it embeds the renamed Account (a
    // Contact's `Account` relationship carries its Name). File documents have no source
    // timestamp: their _timestamp is the sync's time (as the reference's), so it is left out.
    std::size_t embedded = 0;
    for (const auto& [id, old_doc] : before) {
        if (id == renamed || id == recased || !after.count(id)) {
            continue;
        }
        const auto& new_doc = after.at(id);
        std::set<std::string> fields;
        for (const auto& kv : old_doc) {
            fields.insert(std::string(kv.key()));
        }
        for (const auto& kv : new_doc) {
            fields.insert(std::string(kv.key()));
        }
        for (const auto& f : fields) {
            if (f == "_timestamp" && id.starts_with("069")) {
                continue;
            }
            const auto* o = old_doc.if_contains(f);
            const auto* n = new_doc.if_contains(f);
            if (o && n && *o == *n) {
                continue;
            }
            INFO(id << "." << f << ": " << (o ? json::serialize(*o) : "<none>") << " -> "
                    << (n ? json::serialize(*n) : "<none>"));
            const bool embeds_renamed = n && n->is_object() && n->as_object().contains("Id") &&
                                        n->as_object().at("Id") == renamed.c_str();
            CHECK(embeds_renamed);
            if (embeds_renamed) {
                CHECK(n->as_object().at("Name") == "Renamed Account");
                ++embedded;
            }
        }
    }
    CHECK(embedded >= 1);  // the renamed Account's Contacts
}

TEST_CASE("two service instances on one Elasticsearch run every job exactly once",
          "[integration][service][instances]") {
    environment_options opts;
    opts.records = "6";  // many short jobs
    opts.extra_connectors = {"sf-third"};
    // Both instances poll every 50 ms, so they often see the same pending job at once.
    opts.extra_config = "service.idling: 0.05\n";
    environment env(opts);
    const std::vector<std::string> connectors{"sf-service", "sf-oneshot", "sf-third"};
    const std::string es_url = env.es.base_url();
    const auto expected = expected_ids(env.sf.base_url());

    auto a = env.start_service(true);
    output_tail a_log{a};
    REQUIRE(a_log.wait_for([&] {
        for (const auto& c : connectors) {
            if (!connector_configured(es_url, c)) {
                return false;
            }
        }
        return true;
    }));
    auto b = env.start_service(true);
    output_tail b_log{b};
    REQUIRE(b_log.wait_for([&] {
        a_log.drain();
        return b_log.text.find("service started") != std::string::npos;
    }));

    // Kibana's "Sync" button, pressed 24 times over three connectors while both services run.
    std::map<std::string, std::string> jobs;  // id -> connector
    for (int i = 0; i < 8; ++i) {
        for (const auto& connector : connectors) {
            jobs.emplace(create_job(es_url, connector), connector);
        }
        a_log.drain();
        b_log.drain();
    }
    REQUIRE(jobs.size() == 24);  // 24 distinct ids

    auto terminal = [](const std::string& s) {
        return s == "completed" || s == "error" || s == "canceled" || s == "suspended";
    };
    REQUIRE(eventually(
        [&] {
            a_log.drain();
            b_log.drain();
            std::size_t done = 0;
            for (const auto& connector : connectors) {
                for (const auto& j : jobs_of(es_url, connector)) {
                    done += terminal(std::string(j.source.at("status").as_string())) ? 1 : 0;
                }
            }
            return done == jobs.size();
        },
        std::chrono::seconds(120)));

    a.signal(SIGTERM);
    b.signal(SIGTERM);
    CHECK(a.wait(std::chrono::seconds(10)) == 0);
    CHECK(b.wait(std::chrono::seconds(10)) == 0);
    const std::string& a_text = a_log.drain();
    const std::string& b_text = b_log.drain();

    // Each process logs "job <id> (full) of connector <c> started into <index>" once it owns a
    // job: every job appears in exactly one log, exactly once.
    std::size_t by_a = 0;
    std::size_t by_b = 0;
    for (const auto& [id, connector] : jobs) {
        INFO("job " << id << " of " << connector);
        const auto job = job_doc(es_url, id);
        REQUIRE(job);
        CHECK(job->at("status") == "completed");
        CHECK(count_of(*job, "indexed_document_count") ==
              static_cast<std::int64_t>(expected.size()));
        const std::string started = "job " + id + " (full) of connector ";
        const auto in_a = occurrences(a_text, started);
        const auto in_b = occurrences(b_text, started);
        CHECK(in_a + in_b == 1);
        by_a += in_a;
        by_b += in_b;
        CHECK(occurrences(a_text + b_text,
                          "job " + id + " of connector " + connector + " ended completed") == 1);
    }
    // Seen by -s: how the jobs spread and how often an instance lost a job to the other.
    INFO("jobs run by the first instance: "
         << by_a << ", by the second: " << by_b
         << "; starts refused (connector busy): " << occurrences(a_text + b_text, " stays pending")
         << ", (job already run): " << occurrences(a_text + b_text, " already; not started"));
    CHECK(by_a + by_b == jobs.size());
    for (const auto& connector : connectors) {
        CHECK(index_ids(es_url, "search-" + connector) == expected);
    }
}

TEST_CASE("a wrong Elasticsearch API key stops the service at once with a clear error",
          "[integration][service][preflight][auth]") {
    environment_options opts;
    opts.es_args = {"--api-key", "the-right-key"};
    // A 401 must not be waited out like an Elasticsearch that is still starting.
    opts.extra_config =
        "elasticsearch.api_key: wrong-key-4f2a9\n"
        "elasticsearch.max_wait_duration: 120\n";
    environment env(opts);
    auto r = child_process::run(CASIO_BIN_CONNECTORS_ASIO, {"--config", env.config.string()},
                                std::chrono::seconds(30));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("authentication failed"));
    CHECK_THAT(r.output, Catch::Contains("401"));
    CHECK_THAT(r.output, Catch::Contains("check elasticsearch.api_key"));
    CHECK_THAT(r.output, !Catch::Contains("not reachable"));
    CHECK_THAT(r.output, !Catch::Contains("wrong-key-4f2a9"));
    CHECK_THAT(r.output, !Catch::Contains("the-right-key"));
    CHECK_THAT(r.output, !Catch::Contains("attempt 2"));

    // The one-shot command says the same.
    auto oneshot = env.sync("sf-oneshot", std::chrono::seconds(30));
    INFO(oneshot.output);
    CHECK(oneshot.exit_code == 1);
    CHECK_THAT(oneshot.output, Catch::Contains("check elasticsearch.api_key"));
    CHECK_THAT(oneshot.output, !Catch::Contains("wrong-key-4f2a9"));
}

namespace {

// A completed first sync, then Salesforce fails from its third query on (a few objects into
// the listing, after the describes) and stays failed: the client's retries give up, the job
// errors, the connector shows the error and every document of the first sync is still there.
void check_failing_sync(const std::string& fault_kind, const std::string& expected_error) {
    environment env;
    const std::string es_url = env.es.base_url();
    const std::string index = "search-sf-oneshot";
    env.require_sync("sf-oneshot");
    const auto before = index_ids(es_url, index);
    REQUIRE(before == expected_ids(env.sf.base_url()));

    // A sync asks for the describes first, all at once, then queries the objects: counted on
    // a sync like the one to fail (the first also created and checked the connectors).
    sf_admin(env, "POST", "/__admin/reset-limits", "", 204);
    REQUIRE(env.sync("sf-oneshot").exit_code == 0);
    const auto counts = json::parse(http_call("GET", env.sf.port(), "/__admin/stats").body);
    const auto before_queries = counts.at("api_requests").as_int64() -
                                counts.at("query_requests").as_int64() -
                                counts.at("download_requests").as_int64();
    const std::string fault =
        R"({"after_requests":)" + std::to_string(before_queries + 2) + "," + fault_kind + "}";
    sf_admin(env, "POST", "/__admin/faults", fault, 204);
    auto failed = env.sync("sf-oneshot");
    INFO(failed.output);
    CHECK(failed.exit_code == 1);
    CHECK_THAT(failed.output, Catch::Contains(expected_error));

    const auto job = latest_job(es_url, "sf-oneshot");
    CHECK(job.at("status") == "error");
    REQUIRE(job.at("error").is_string());
    CHECK_THAT(std::string(job.at("error").as_string()), Catch::Contains(expected_error));
    CHECK(count_of(job, "deleted_document_count") == 0);
    CHECK(count_of(job, "indexed_document_count") > 0);  // it failed mid-sync, not at the start
    CHECK(count_of(job, "indexed_document_count") < static_cast<std::int64_t>(before.size()));
    auto connector = connector_doc(es_url, "sf-oneshot");
    CHECK(connector->at("last_sync_status") == "error");
    CHECK(connector->at("status") == "error");
    CHECK(connector->at("last_sync_error") == job.at("error"));
    CHECK(index_ids(es_url, index) == before);
    auto stats = json::parse(http_call("GET", env.sf.port(), "/__admin/stats").body);
    CHECK(stats.at("faulted_requests").as_int64() >= 3);  // the client retried before giving up

    // Salesforce back: the next sync completes and deletes nothing.
    sf_admin(env, "DELETE", "/__admin/faults", "", 204);
    auto again = env.sync("sf-oneshot");
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(latest_job(es_url, "sf-oneshot").at("status") == "completed");
    CHECK(index_ids(es_url, index) == before);
}

}  // namespace

TEST_CASE("Salesforce answering 503 mid-sync errors the job and deletes nothing",
          "[integration][service][sf-faults]") {
    check_failing_sync(R"("status":503)", "503 SERVER_UNAVAILABLE");
}

TEST_CASE("Salesforce dropping connections mid-sync errors the job and deletes nothing",
          "[integration][service][sf-faults]") {
    check_failing_sync(R"("drop":true)", "reading the response header failed");
}

TEST_CASE("per-item bulk 429s during a service sync are retried and lose no document",
          "[integration][service][bulk429]") {
    environment_options opts;
    opts.es_args = {"--bulk-429-every", "7"};
    opts.extra_config = "elasticsearch.bulk.retry_interval: 0.05\n";  // not the default 10 s
    environment env(opts);
    const std::string es_url = env.es.base_url();
    const auto expected = expected_ids(env.sf.base_url());
    auto svc = env.start_service(true);
    output_tail log{svc};
    REQUIRE(log.wait_for([&] { return connector_configured(es_url, "sf-service"); }));
    const auto job_id = create_job(es_url, "sf-service");
    REQUIRE(log.wait_for([&] {
        const auto s = job_status(es_url, job_id);
        return s == "completed" || s == "error";
    }));
    const auto job = job_doc(es_url, job_id);
    INFO(json::serialize(*job));
    CHECK(job->at("status") == "completed");
    CHECK(job->at("error").is_null());
    CHECK(count_of(*job, "indexed_document_count") == static_cast<std::int64_t>(expected.size()));
    CHECK(index_ids(es_url, "search-sf-service") == expected);
    svc.signal(SIGTERM);
    CHECK(svc.wait(std::chrono::seconds(10)) == 0);
    // The 429s did happen (every 7th item): the job's end line counts the re-sent items.
    const std::regex resent("job " + job_id +
                            " of connector sf-service ended completed: .*, ([0-9]+) item re-send");
    std::smatch m;
    const std::string& text = log.drain();
    INFO(text);
    REQUIRE(std::regex_search(text, m, resent));
    CHECK(std::stoul(m[1].str()) >= expected.size() / 7);
}

#endif
