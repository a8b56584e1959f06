// The job runner and the service rounds against an in-memory Elasticsearch and a scripted
// source: claim races, terminal writes, no deletion after a failed listing, cancellation,
// suspension, schedule de-duplication, concurrency limits, cleanup and the error budget.
#include <algorithm>
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/sync/job_runner.hpp>
#include <casio/sync/service.hpp>

#include "support/manual_clock.hpp"
#include "support/mock_es_transport.hpp"
#include "support/run.hpp"

using namespace casio;
namespace asio = boost::asio;
namespace json = boost::json;
using http::method;

namespace {

// A source that yields `ids`, then fails when `fail_after` is set, or blocks until cancelled
// when `block` is set.
struct script {
    std::vector<std::string> ids{"a", "b"};
    bool fail_after = false;
    bool block = false;
    bool validate_fails = false;
    int created = 0;
    // Incremental sync: the source reads changes from a cursor {"mark":N}: `changed` comes
    // again, `deleted` goes; the next cursor is {"mark":N+1}.
    bool tracks_changes = false;
    std::vector<std::string> changed, deleted;
    std::int64_t mark = 0;
};

class scripted_source final : public sync::source {
  public:
    explicit scripted_source(script& s) : s_(s) {}
    asio::awaitable<void> validate_config() override {
        if (s_.validate_fails) {
            throw core::error(core::error_kind::auth, "invalid client credentials");
        }
        co_return;
    }
    asio::awaitable<void> ping() override { co_return; }
    asio::awaitable<sync::rules_verdict> validate_advanced_rules(const json::value&) override {
        co_return sync::rules_verdict{};
    }
    asio::awaitable<void> get_docs(const json::value&, sync::document_handler on_doc) override {
        for (const auto& id : s_.ids) {
            sync::document d;
            d.id = id;
            d.timestamp = "2026-01-01T00:00:00Z";
            d.json = R"({"_timestamp":"2026-01-01T00:00:00Z"})";  // the sink adds id
            co_await on_doc(std::move(d));
        }
        if (s_.fail_after) {
            throw core::error(core::error_kind::transient, "Salesforce went away");
        }
        if (s_.block) {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
            co_await t.async_wait(asio::use_awaitable);  // ends only by cancellation
        }
    }
    asio::awaitable<std::optional<std::string>> prepare_incremental(const json::value& cursor,
                                                                    const json::value&,
                                                                    std::string_view) override {
        if (!s_.tracks_changes || !cursor.is_object()) {
            co_return std::string("no cursor");
        }
        s_.mark = cursor.at("mark").as_int64();
        co_return std::nullopt;
    }
    asio::awaitable<void> get_docs_incrementally(const json::value&,
                                                 sync::document_handler on_doc) override {
        for (const auto& id : s_.changed) {
            auto d = sync::make_document(id, R"({"title":"changed"})", "2026-02-01T00:00:00Z");
            co_await on_doc(std::move(d));
        }
        for (const auto& id : s_.deleted) {
            auto d = sync::make_deletion(id);
            co_await on_doc(std::move(d));
        }
        if (s_.fail_after) {
            throw core::error(core::error_kind::transient, "Salesforce went away");
        }
    }
    json::value next_cursor(std::string_view) const override {
        return s_.tracks_changes ? json::value(json::object{{"mark", s_.mark + 1}}) : nullptr;
    }
    asio::awaitable<std::optional<std::string>> prepare_access_control(
        const json::value& cursor) override {
        if (!s_.tracks_changes || !cursor.is_object() ||
            !cursor.get_object().contains("access_control")) {
            co_return std::string("no access-control mark");
        }
        co_return std::nullopt;
    }
    asio::awaitable<void> get_access_control_changes(sync::document_handler on_doc) override {
        for (const auto& id : s_.changed) {
            auto d =
                sync::make_document("user-" + id, R"({"identity":{}})", "2026-02-01T00:00:00Z");
            co_await on_doc(std::move(d));
        }
        for (const auto& id : s_.deleted) {
            auto d = sync::make_deletion("user-" + id);
            co_await on_doc(std::move(d));
        }
    }
    json::value access_control_mark() const override {
        return s_.tracks_changes ? json::value(7) : nullptr;
    }
    asio::awaitable<void> get_access_control(sync::document_handler on_doc) override {
        for (const auto& id : s_.ids) {
            sync::document d;
            d.id = "user-" + id;
            d.timestamp = "2026-01-01T00:00:00Z";
            d.json = R"({"_timestamp":"2026-01-01T00:00:00Z"})";
            co_await on_doc(std::move(d));
        }
    }

  private:
    script& s_;
};

class scripted_factory final : public sync::source_factory {
  public:
    explicit scripted_factory(script& s) : s_(s) {}
    std::string_view service_type() const override { return "salesforce"; }
    json::object configuration_schema() const override {
        return json::object{{"domain", json::object{{"label", "Domain"}}}};
    }
    json::object features() const override {
        return json::parse(R"({"incremental_sync":{"enabled":true}})").as_object();
    }
    std::unique_ptr<sync::source> create(const json::object&,
                                         const sync::source_options&) override {
        ++s_.created;
        return std::make_unique<scripted_source>(s_);
    }

  private:
    script& s_;
};

json::object ready_connector(const char* cron = nullptr) {
    auto c =
        json::parse(R"({"service_type":"salesforce","index_name":"search-x","status":"connected",
        "error":null,"last_sync_status":null,"configuration":{"domain":{"label":"Domain","value":"acme"}},
        "features":{"incremental_sync":{"enabled":true}}})")
            .as_object();
    for (auto& [k, v] : c.at("configuration").as_object()) {
        v = sync::complete_field(k, v.as_object());
        v.as_object()["value"] = "acme";
    }
    if (cron) {
        c["scheduling"] =
            json::object{{"full", json::object{{"enabled", true}, {"interval", cron}}}};
    }
    return c;
}

core::error connection_refused() {
    return core::error(core::error_kind::transient, "connection refused");
}

constexpr std::string_view connectors_index = ".elastic-connectors-v1";
constexpr std::string_view jobs_index = ".elastic-connectors-sync-jobs-v1";

// A sync service's world: Elasticsearch (casio::mock_es in process, behind the transport
// double), a scripted source and the configuration naming connector c1.
struct fixture {
    // One io_context for the whole test, declared first so it outlives everything bound to it
    // (the service keeps a timer of the context it first ran on).
    asio::io_context ctx;
    test::mock_es_transport es_t;
    casio::test::manual_sleeper sleeps;
    es::client es{es_t,
                  [] {
                      es::client_options o;
                      o.host = "http://es.test:9200";
                      o.retries.max_retries = 1;
                      o.transport_retries = 0;
                      return o;
                  }(),
                  &sleeps};
    script src;
    scripted_factory factory{src};
    sync::config cfg;
    int jobs_created = 0;

    fixture() {
        // The system indices exist, as after the service's first preflight.
        es_t.store().create_index(jobs_index);
        es_t.put_doc(connectors_index, "c1", ready_connector());
        cfg.connectors.push_back({"c1", std::string("salesforce"), {}, {}, {}, {}});
    }

    // A job as Kibana creates it (through the _sync_job API), created one second after the
    // one before so that "oldest first" is well defined.
    std::string add_job(const char* type = "full") {
        auto id = test::run(es.create_sync_job("c1", type, "on_demand"));
        ++jobs_created;
        patch_job(id,
                  {{"created_at", "2026-01-01T00:00:0" + std::to_string(jobs_created) + ".000Z"}});
        es_t.clear_requests();
        return id;
    }

    // Writes over a stored document as another writer (Kibana, another worker) would.
    void patch(std::string_view index, std::string_view id, const json::object& fields) {
        auto source = es_t.doc(index, id).value_or(json::object{});
        for (const auto& [k, v] : fields) {
            source[k] = v;
        }
        es_t.put_doc(index, id, source);
    }
    void patch_connector(const json::object& fields, std::string_view id = "c1") {
        patch(connectors_index, id, fields);
    }
    void patch_job(std::string_view id, const json::object& fields) {
        patch(jobs_index, id, fields);
    }

    bool reads_changes = true;  // runner_settings::incremental_reads_changes

    sync::runner_settings settings() const {
        sync::runner_settings s;
        s.incremental_reads_changes = reads_changes;
        s.hostname = "worker-1";
        s.check_interval = std::chrono::milliseconds(5);
        s.stats_interval = std::chrono::milliseconds(5);
        return s;
    }

    es::doc_hit job_hit(const std::string& id) {
        const auto* idx = es_t.store().find(jobs_index);
        auto d = es_t.store().get(*idx, id);
        return es::doc_hit{id, d->seq_no, 1, d->object()};
    }

    template <typename F>
    void run(F f) {
        ctx.restart();
        std::exception_ptr failure;
        asio::co_spawn(ctx, f(), [&](std::exception_ptr e) { failure = e; });
        ctx.run();
        if (failure)
            std::rethrow_exception(failure);
    }

    std::optional<sync::job_outcome> run_job(const std::string& id,
                                             std::function<void(sync::job_runner&)> during = {}) {
        sync::job_runner runner(es, es, factory, settings(), job_hit(id));
        std::optional<sync::job_outcome> out;
        run([&]() -> asio::awaitable<void> {
            if (during) {
                asio::co_spawn(
                    co_await asio::this_coro::executor,
                    [&]() -> asio::awaitable<void> {
                        // Acts once the job runs and has reported progress (observable state).
                        asio::steady_timer t(co_await asio::this_coro::executor);
                        while (es_t.sent(method::put, "/_connector/_sync_job/" + id + "/_stats")
                                   .empty()) {
                            t.expires_after(std::chrono::milliseconds(1));
                            co_await t.async_wait(asio::use_awaitable);
                        }
                        during(runner);
                    },
                    [](std::exception_ptr) {});
            }
            out = co_await runner.run();
        });
        return out;
    }

    json::object job(const std::string& id) const { return *es_t.doc(jobs_index, id); }
    json::object connector(std::string_view id = "c1") const {
        return *es_t.doc(connectors_index, id);
    }
    // The job ids, oldest first.
    std::vector<std::string> job_ids() const {
        std::vector<std::pair<std::string, std::string>> by_time;
        if (const auto* idx = es_t.store().find(jobs_index)) {
            for (const auto& [id, d] : idx->docs) {
                by_time.emplace_back(std::string(d->object().at("created_at").as_string()), id);
            }
        }
        std::sort(by_time.begin(), by_time.end());
        std::vector<std::string> out;
        for (auto& [t, id] : by_time) {
            out.push_back(id);
        }
        return out;
    }
    // A content document as stored, the bytes Elasticsearch received.
    std::optional<std::string> stored(std::string_view index, std::string_view id) const {
        const auto* idx = es_t.store().find(index);
        auto d = idx ? es_t.store().get(*idx, id) : nullptr;
        return d ? std::optional<std::string>(d->source) : std::nullopt;
    }
    std::size_t doc_count(std::string_view index) const {
        const auto* idx = es_t.store().find(index);
        return idx ? idx->docs.size() : 0;
    }
    // The next `n` OCC writes of connector c1 are answered 409, as when another worker wrote
    // it between our read and our write.
    void inject_conflicts(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            es_t.script(
                {method::post, "/.elastic-connectors/_update/c1"},
                test::es_response(
                    409,
                    R"({"error":{"type":"version_conflict_engine_exception","reason":"conflict"}})"));
        }
    }
    void seed(std::string_view index, std::string_view id, std::string source) {
        es_t.store().put(es_t.store().index_for_write(index), id, std::move(source), false);
    }
};

}  // namespace

TEST_CASE("a full job runs to completed with counts and the connector sync-done write",
          "[sync][runner]") {
    fixture f;
    f.seed("search-x", "stale", R"({"id":"stale"})");
    const auto id = f.add_job();
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->totals.indexed == 2);
    CHECK(out->totals.deleted == 1);  // the complete listing did not produce "stale"

    const auto& j = f.job(id);
    CHECK(j.at("status") == "completed");
    CHECK(j.at("worker_hostname") == "worker-1");
    CHECK(j.at("indexed_document_count") == 2);
    CHECK(j.at("deleted_document_count") == 1);
    CHECK(j.at("total_document_count") == 2);
    CHECK(j.at("error").is_null());
    CHECK(j.contains("completed_at"));
    CHECK(f.doc_count("search-x") == 2);
    // Content documents carry the pipeline flags.
    CHECK(f.es_t.bulk_source("a").at("_extract_binary_content") == true);

    const auto& c = f.connector();
    CHECK(c.at("last_sync_status") == "completed");
    CHECK(c.at("status") == "connected");
    CHECK(c.at("last_indexed_document_count") == 2);
    CHECK(c.at("last_deleted_document_count") == 1);
    CHECK(c.at("sync_cursor").is_null());

    // sync_starts is an OCC write, before the claim.
    auto starts = f.es_t.sent(method::post, "/.elastic-connectors/_update/c1");
    REQUIRE_FALSE(starts.empty());
    CHECK(test::query_of(*starts.front()).find("if_seq_no=") == 0);
    CHECK(f.es_t.sent(method::put, "/_connector/_sync_job/" + id + "/_claim").size() == 1);
}

TEST_CASE("a busy connector leaves the job pending and untouched", "[sync][runner][claim]") {
    fixture f;
    f.patch_connector({{"last_sync_status", "in_progress"}});
    const auto id = f.add_job();
    CHECK_FALSE(f.run_job(id));
    CHECK(f.job(id).at("status") == "pending");
    CHECK(f.es_t.sent(method::put, "/_connector/_sync_job").empty());
    CHECK(f.es_t.sent(method::post, "/.elastic-connectors").size() == 0);
}

TEST_CASE("a claim race (409) re-reads the connector and retries", "[sync][runner][claim]") {
    fixture f;
    const auto id = f.add_job();
    SECTION("two conflicts: the third attempt wins") {
        f.inject_conflicts(2);
        auto out = f.run_job(id);
        REQUIRE(out);
        CHECK(out->status == sync::job_status::completed);
        CHECK(f.es_t.sent(method::get, "/.elastic-connectors/_doc/c1").size() >= 3);
    }
    SECTION("three conflicts: give up, the job stays pending") {
        f.inject_conflicts(3);
        CHECK_FALSE(f.run_job(id));
        CHECK(f.job(id).at("status") == "pending");
        CHECK(f.es_t.sent(method::put, "/_connector/_sync_job").empty());
    }
}

TEST_CASE("a failed listing deletes nothing and writes the error", "[sync][runner][error]") {
    fixture f;
    f.seed("search-x", "stale", R"({"id":"stale"})");
    f.src.fail_after = true;
    const auto id = f.add_job();
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::error);
    CHECK(f.stored("search-x", "stale"));
    CHECK(f.job(id).at("status") == "error");
    CHECK(f.job(id).at("error") == "Salesforce went away");
    CHECK(f.connector().at("status") == "error");
    CHECK(f.connector().at("error") == "Salesforce went away");
    CHECK(f.connector().at("last_sync_status") == "error");
    CHECK(f.connector().at("last_sync_error") == "Salesforce went away");
}

TEST_CASE("incremental without the feature fails as the reference words it",
          "[sync][runner][error]") {
    fixture f;
    f.patch_connector({{"features", json::object{}}});
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(f.job(id).at("error") ==
          "UnsupportedJobType: Connector c1 does not support incremental sync.");
}

TEST_CASE("a cancel request stops the job, which ends canceled", "[sync][runner][cancel]") {
    fixture f;
    f.seed("search-x", "stale", R"({"id":"stale"})");
    f.src.block = true;
    const auto id = f.add_job();
    auto out = f.run_job(id, [&](sync::job_runner&) {
        f.patch_job(id, {{"status", "canceling"}});  // Kibana's _cancel
    });
    REQUIRE(out);
    CHECK(out->status == sync::job_status::canceled);
    CHECK(f.job(id).at("status") == "canceled");
    CHECK(f.job(id).contains("canceled_at"));
    CHECK(f.connector().at("last_sync_status") == "canceled");
    CHECK(f.connector().at("status") == "connected");
    CHECK(f.stored("search-x", "stale"));  // nothing deleted
}

TEST_CASE("shutdown suspends the running job", "[sync][runner][suspend]") {
    fixture f;
    f.src.block = true;
    const auto id = f.add_job();
    auto out = f.run_job(id, [](sync::job_runner& r) { r.suspend(); });
    REQUIRE(out);
    CHECK(out->status == sync::job_status::suspended);
    CHECK(f.job(id).at("status") == "suspended");
    CHECK(f.job(id).at("completed_at").is_null());  // created null, never written
    CHECK(f.connector().at("last_sync_status") == "suspended");
    CHECK(f.connector().at("status") == "connected");
    // The stats reporter ran while the job was blocked, with the protocol.md §3.4 body.
    auto stats = f.es_t.sent(method::put, "/_connector/_sync_job/" + id + "/_stats");
    REQUIRE_FALSE(stats.empty());
    auto body = json::parse(stats.back()->body).as_object();
    CHECK(body.size() == 4);
    CHECK(body.at("indexed_document_count").is_int64());
    CHECK(body.at("indexed_document_volume").is_int64());
    CHECK(body.at("deleted_document_count").is_int64());
    CHECK(body.at("metadata") == json::object{});
}

TEST_CASE("an access-control job writes identities into the ACL index", "[sync][runner][acl]") {
    fixture f;
    f.patch_connector(
        {{"features", json::parse(R"({"document_level_security":{"enabled":true}})")}});
    f.seed(".search-acl-filter-search-x", "user-gone", R"({"id":"user-gone"})");
    const auto id = f.add_job("access_control");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    const std::string acl = ".search-acl-filter-search-x";
    CHECK(f.doc_count(acl) == 2);
    CHECK(f.stored(acl, "user-a"));
    CHECK_FALSE(f.stored(acl, "user-gone"));  // unseen identity deleted after the full listing
    CHECK(f.stored(acl, "user-a").value_or("").find("_extract_binary_content") ==
          std::string::npos);
    CHECK_FALSE(f.es_t.bulk_source("user-a").contains("_extract_binary_content"));
    CHECK(f.connector().at("last_access_control_sync_status") == "completed");
    CHECK(f.connector().at("last_sync_status").is_null());  // the content status is untouched
    CHECK(f.es_t.sent(method::get, "/_license").size() == 1);
}

TEST_CASE("a due schedule creates one job, not another while it is pending",
          "[sync][service][schedule]") {
    fixture f;
    f.es_t.put_doc(connectors_index, "c1", ready_connector("*/2 * * * * ?"));
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    auto now = *core::parse_iso8601("2026-01-01T10:00:00.500Z");
    svc.set_clock([&] { return now; });
    // The service starts (last wake-up = now); the next occurrence is 10:00:02.
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.job_ids().empty());
    now = *core::parse_iso8601("2026-01-01T10:00:02.100Z");
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    REQUIRE(f.job_ids().size() == 1);
    CHECK(f.job(f.job_ids().front()).at("trigger_method") == "scheduled");
    CHECK(f.connector().at("last_sync_scheduled_at") == "2026-01-01T10:00:02.000000+00:00");
    // Later occurrences while that job is still pending create nothing.
    now = *core::parse_iso8601("2026-01-01T10:00:06.100Z");
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.job_ids().size() == 1);
    // Once it completed, the next occurrence schedules again.
    f.patch_job(f.job_ids().front(), {{"status", "completed"}});
    now = *core::parse_iso8601("2026-01-01T10:00:08.100Z");
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.job_ids().size() == 2);
}

TEST_CASE("the schedule round checks in, checks the source and writes the status",
          "[sync][service][schedule]") {
    fixture f;
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    f.src.validate_fails = true;
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.es_t.sent(method::put, "/_connector/c1/_check_in").size() ==
          1);  // forced first heartbeat
    CHECK(f.connector().at("status") == "error");
    CHECK(f.connector().at("error") == "invalid client credentials");
    f.src.validate_fails = false;
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.connector().at("status") == "connected");
    CHECK(f.connector().at("error").is_null());
    CHECK(f.es_t.sent(method::put, "/_connector/c1/_check_in").size() ==
          1);  // seen recently enough
}

TEST_CASE("a new connector is prepared and not checked until configured",
          "[sync][service][prepare]") {
    fixture f;
    f.es_t.put_doc(
        connectors_index, "c1",
        json::parse(
            R"({"service_type":"salesforce","index_name":"search-x","status":"created","configuration":{}})")
            .as_object());
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    CHECK(f.connector().at("status") == "needs_configuration");
    CHECK(f.connector().at("configuration").at("domain").as_object().size() == 13);
    CHECK(f.connector().at("features").at("incremental_sync").at("enabled") == true);
    CHECK(f.src.created == 0);  // no source check before configuration
}

TEST_CASE("jobs over the concurrency limit wait, oldest first", "[sync][service][limits]") {
    fixture f;
    const auto first = f.add_job();
    const auto second = f.add_job();
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    svc.set_runner_intervals(std::chrono::milliseconds(5), std::chrono::milliseconds(5));
    f.run([&]() -> asio::awaitable<void> { co_await svc.execute_round(false); });
    CHECK(f.job(first).at("status") == "completed");
    CHECK(f.job(second).at("status") == "pending");  // stays pending, taken next round
    f.run([&]() -> asio::awaitable<void> { co_await svc.execute_round(false); });
    CHECK(f.job(second).at("status") == "completed");
    // The access-control loop does not take content jobs.
    const auto third = f.add_job();
    f.run([&]() -> asio::awaitable<void> { co_await svc.execute_round(true); });
    CHECK(f.job(third).at("status") == "pending");
}

TEST_CASE("cleanup fails orphaned and idle jobs", "[sync][service][cleanup]") {
    fixture f;
    f.seed(jobs_index, "orphan",
           R"({"connector":{"id":"gone"},"job_type":"full","status":"in_progress"})");
    f.seed(
        jobs_index, "idle",
        R"({"connector":{"id":"c1"},"job_type":"full","status":"canceling","last_seen":"2026-01-01T00:00:00Z","indexed_document_count":4,"deleted_document_count":0})");
    f.seed(jobs_index, "fine",
           R"({"connector":{"id":"c1"},"job_type":"full","status":"completed"})");
    f.patch_connector({{"last_sync_status", "in_progress"}});
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    f.run([&]() -> asio::awaitable<void> { co_await svc.cleanup_round(); });
    for (const char* id : {"orphan", "idle"}) {
        INFO(id);
        CHECK(f.job(id).at("status") == "error");
        CHECK(f.job(id).at("error") == "The job has not seen any update for some time.");
    }
    CHECK(f.job("fine").at("status") == "completed");
    // The idle job's connector is unstuck.
    CHECK(f.connector().at("last_sync_status") == "error");
    CHECK(f.connector().at("status") == "error");
    CHECK(f.connector().at("last_sync_error") == "The job has not seen any update for some time.");
    CHECK(f.connector().at("last_indexed_document_count") == 4);
}

TEST_CASE("an exhausted error budget stops the service, errors below it do not",
          "[sync][service][budget]") {
    fixture f;
    f.cfg.service.max_errors = 3;
    f.cfg.service.idling = std::chrono::milliseconds(1);
    f.cfg.service.job_cleanup_interval = std::chrono::hours(1);
    f.es_t.script({}, core::error(core::error_kind::bad_request, "failing on purpose"), 1, true);
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    CHECK_THROWS_WITH(f.run([&]() -> asio::awaitable<void> { co_await svc.run(); }),
                      Catch::Contains("exhausted its error budget"));
    // The loop that gave up recorded more than max_errors; the cleanup loop, failing once,
    // kept going until the service stopped.
    std::uint64_t most = 0;
    for (const char* loop : {"schedule", "sync_content", "sync_access_control"}) {
        most = std::max(most, svc.counters(loop).errors);
    }
    CHECK(most == 4);
    CHECK(svc.counters("cleanup").errors == 1);
}

TEST_CASE("preflight waits for Elasticsearch with backoff, then gives up",
          "[sync][service][preflight]") {
    fixture f;
    f.cfg.elasticsearch.max_wait_duration = std::chrono::seconds(10);
    f.cfg.elasticsearch.initial_backoff_duration = std::chrono::seconds(1);
    f.cfg.elasticsearch.backoff_multiplier = 2;
    SECTION("never answers: waits of 1, 2 and 4 s, then fails") {
        f.es_t.script({}, connection_refused(), 1, true);
        CHECK_THROWS_AS(f.run([&]() -> asio::awaitable<void> {
            co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        }),
                        sync::preflight_error);
        CHECK(f.sleeps.requested() ==
              std::vector<std::chrono::milliseconds>{
                  std::chrono::seconds(1), std::chrono::seconds(2), std::chrono::seconds(4)});
    }
    SECTION("answers on the third attempt; the system indices are created") {
        f.es_t.restart();  // a new cluster: no system index yet
        f.es_t.fail(connection_refused());
        f.es_t.fail(connection_refused());
        bool serverless = true;
        f.run([&]() -> asio::awaitable<void> {
            serverless = co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        });
        CHECK_FALSE(serverless);
        CHECK(f.sleeps.requested().size() == 2);
        CHECK(f.es_t.sent(method::put, "/.elastic-connectors-v1").size() == 1);
        CHECK(f.es_t.sent(method::put, "/.elastic-connectors-sync-jobs-v1").size() == 1);
    }
    SECTION("an older Elasticsearch is refused unless the mismatch is allowed") {
        f.es_t.restart({.version = "8.14.0"});  // before the _claim API (8.15.0)
        CHECK_THROWS_WITH(
            f.run([&]() -> asio::awaitable<void> {
                co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
            }),
            Catch::Contains("_claim") && Catch::Contains("ALLOW_ES_VERSION_MISMATCH"));
        f.run([&]() -> asio::awaitable<void> {
            co_await sync::preflight(f.es, f.cfg, f.sleeps, true);
        });
    }
    SECTION("serverless skips the version check") {
        f.es_t.restart({.version = "1.0.0", .build_flavor = "serverless"});
        bool serverless = false;
        f.run([&]() -> asio::awaitable<void> {
            serverless = co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        });
        CHECK(serverless);
    }
}

TEST_CASE("a job another worker ran since the pending-jobs search is not run again",
          "[sync][runner][claim]") {
    fixture f;
    const auto id = f.add_job();
    auto seen_pending = f.job_hit(id);  // this worker's search result
    // Meanwhile another worker claimed it and ran it to the end; the connector is free again.
    f.patch_job(id, {{"status", "completed"}, {"worker_hostname", "worker-2"}});
    f.patch_connector({{"last_sync_status", "completed"}});
    sync::job_runner runner(f.es, f.es, f.factory, f.settings(), std::move(seen_pending));
    std::optional<sync::job_outcome> out;
    f.run([&]() -> asio::awaitable<void> { out = co_await runner.run(); });
    CHECK_FALSE(out);
    CHECK(f.es_t.sent(method::put, "/_connector/_sync_job/" + id + "/_claim").empty());
    CHECK(f.es_t.sent(method::post, "/.elastic-connectors/_update/c1").empty());
    CHECK(f.job(id).at("status") == "completed");
    CHECK(f.job(id).at("worker_hostname") == "worker-2");
    CHECK(f.src.created == 0);

    SECTION("a suspended job is taken again") {
        const auto suspended = f.add_job();
        f.patch_job(suspended, {{"status", "suspended"}});
        auto result = f.run_job(suspended);
        REQUIRE(result);
        CHECK(result->status == sync::job_status::completed);
    }
}

TEST_CASE("preflight fails at once when Elasticsearch refuses the credentials",
          "[sync][service][preflight]") {
    fixture f;
    f.cfg.elasticsearch.max_wait_duration = std::chrono::seconds(240);
    // Elasticsearch accepts other credentials than the service's.
    f.es_t.restart({.api_keys = {"another-key"}, .users = {"someone:else"}});
    SECTION("an API key names elasticsearch.api_key, not its value") {
        f.cfg.elasticsearch.api_key = "wrong-key-value";
        CHECK_THROWS_WITH(f.run([&]() -> asio::awaitable<void> {
            co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        }),
                          Catch::Contains("authentication failed") && Catch::Contains("401") &&
                              Catch::Contains("check elasticsearch.api_key") &&
                              !Catch::Contains("wrong-key-value"));
    }
    SECTION("basic auth names the user and password settings") {
        CHECK_THROWS_WITH(f.run([&]() -> asio::awaitable<void> {
            co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        }),
                          Catch::Contains("elasticsearch.username and elasticsearch.password"));
    }
    SECTION("403: the credentials lack privileges") {
        f.es_t.script(
            {},
            test::es_response(
                403,
                R"({"error":{"type":"security_exception","reason":"action [cluster:monitor/main] is unauthorized"},"status":403})"),
            1, true);
        CHECK_THROWS_WITH(f.run([&]() -> asio::awaitable<void> {
            co_await sync::preflight(f.es, f.cfg, f.sleeps, false);
        }),
                          Catch::Contains("lack the required privileges"));
    }
    // No backoff: a definite answer is not an Elasticsearch that is still starting.
    CHECK(f.sleeps.requested().empty());
    CHECK(f.es_t.sent(method::get, "/").size() == 1);
}

TEST_CASE("bootstrap creates a missing connector with its configuration values",
          "[sync][service][bootstrap]") {
    fixture f;
    f.cfg.connectors.front().connector_id = "new";
    f.cfg.connectors.front().index_name = "search-new";
    f.cfg.connectors.front().configuration["domain"] = std::string("acme");
    std::vector<std::string> created;
    f.run([&]() -> asio::awaitable<void> {
        created = co_await sync::bootstrap_connectors(f.es, f.cfg, f.factory);
    });
    CHECK(created == std::vector<std::string>{"new"});
    auto put = f.es_t.sent(method::put, "/_connector/new");
    REQUIRE(put.size() == 3);  // create, schema, values
    CHECK(
        json::parse(put[0]->body) ==
        json::parse(
            R"({"service_type":"salesforce","name":"new","index_name":"search-new","is_native":false})"));
    CHECK(json::parse(put[1]->body).at("configuration").at("domain").as_object().size() == 13);
    CHECK(json::parse(put[2]->body) == json::parse(R"({"values":{"domain":"acme"}})"));

    // An unknown key is refused before anything is created.
    fixture g;
    g.cfg.connectors.front().connector_id = "other";
    g.cfg.connectors.front().index_name = "search-other";
    g.cfg.connectors.front().configuration["domian"] = std::string("typo");
    CHECK_THROWS_WITH(g.run([&]() -> asio::awaitable<void> {
        co_await sync::bootstrap_connectors(g.es, g.cfg, g.factory);
    }),
                      Catch::Contains("configuration.domian"));
    CHECK(g.es_t.sent(method::put, "/_connector/other").empty());
}

TEST_CASE("every connector is scheduled even when the task pool is smaller",
          "[sync][service][schedule]") {
    fixture f;
    f.cfg.service.max_concurrent_scheduling_tasks = 1;
    for (const char* id : {"c2", "c3"}) {
        auto c = ready_connector();
        c["status"] = "configured";
        f.es_t.put_doc(connectors_index, id, c);
        f.cfg.connectors.push_back({id, std::string("salesforce"), {}, {}, {}, {}});
    }
    sync::service svc(f.cfg, f.es, f.factory, "worker-1");
    f.run([&]() -> asio::awaitable<void> { co_await svc.schedule_round(); });
    for (const char* id : {"c1", "c2", "c3"}) {
        INFO(id);
        CHECK(f.es_t.sent(method::put, std::string("/_connector/") + id + "/_check_in").size() ==
              1);
        CHECK(f.connector(id).at("status") == "connected");
    }
}

TEST_CASE("an incremental job skips unchanged documents and still deletes unseen ones",
          "[sync][runner][incremental]") {
    fixture f;
    f.seed("search-x", "a", R"({"id":"a","_timestamp":"2026-01-01T00:00:00Z"})");  // unchanged
    f.seed("search-x", "b", R"({"id":"b","_timestamp":"2025-06-01T00:00:00Z"})");  // changed
    f.seed("search-x", "gone", R"({"id":"gone","_timestamp":"2025-06-01T00:00:00Z"})");
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->totals.docs_skipped == 1);
    CHECK(out->totals.indexed == 1);
    CHECK(out->totals.deleted == 1);
    CHECK_FALSE(f.stored("search-x", "gone"));
    CHECK(f.stored("search-x", "a") ==
          R"({"id":"a","_timestamp":"2026-01-01T00:00:00Z"})");  // not rewritten
    CHECK(f.job(id).at("indexed_document_count") == 1);
    CHECK(f.connector().at("last_sync_status") == "completed");
}

TEST_CASE("an incremental job with a cursor applies the changes only and moves the cursor",
          "[sync][runner][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.src.changed = {"b", "new"};
    f.src.deleted = {"gone"};
    f.patch_connector({{"sync_cursor", json::object{{"mark", 1}}}});
    f.seed("search-x", "a", R"({"id":"a","_timestamp":"2026-01-01T00:00:00Z"})");
    f.seed("search-x", "b", R"({"id":"b","_timestamp":"2025-06-01T00:00:00Z"})");
    f.seed("search-x", "gone", R"({"id":"gone","_timestamp":"2025-06-01T00:00:00Z"})");
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->read == "changes");
    CHECK(out->totals.existing_ids == 0);  // the index was not listed
    CHECK(f.stored("search-x", "a"));      // unseen, but not deleted: nothing says it went
    CHECK_FALSE(f.stored("search-x", "gone"));
    CHECK(f.stored("search-x", "new"));
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 2}});
    CHECK(f.job(id).at("metadata").at("connectors_asio_sync").at("read") == "changes");
}

TEST_CASE("an incremental job that fails leaves the cursor where it was",
          "[sync][runner][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.src.changed = {"b"};
    f.src.fail_after = true;
    f.patch_connector({{"sync_cursor", json::object{{"mark", 1}}}});
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::error);
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 1}});
}

TEST_CASE("an incremental job without a usable cursor lists everything and says why",
          "[sync][runner][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->read == "listing");
    CHECK(out->full_listing_reason == "no cursor");
    CHECK(f.job(id).at("metadata").at("connectors_asio_sync").at("full_listing_reason") ==
          "no cursor");
    // A listing writes a cursor too, for the next incremental job.
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 1}});
}

TEST_CASE("service.incremental_sync_reads_changes false brings the reference's listing back",
          "[sync][runner][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.patch_connector({{"sync_cursor", json::object{{"mark", 1}}}});
    f.seed("search-x", "gone", R"({"id":"gone","_timestamp":"2025-06-01T00:00:00Z"})");
    f.reads_changes = false;
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->read == "listing");
    CHECK(out->full_listing_reason == "service.incremental_sync_reads_changes is false");
    CHECK_FALSE(f.stored("search-x", "gone"));  // a listing deletes what it did not see
}

TEST_CASE("an access-control job with a mark upserts the changed users only and merges its mark",
          "[sync][runner][acl][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.src.changed = {"b"};
    f.src.deleted = {"gone"};
    f.patch_connector({{"features", json::parse(R"({"document_level_security":{"enabled":true}})")},
                       {"sync_cursor", json::object{{"mark", 1}, {"access_control", 3}}}});
    const std::string acl = ".search-acl-filter-search-x";
    f.seed(acl, "user-a", R"({"id":"user-a"})");
    f.seed(acl, "user-gone", R"({"id":"user-gone"})");
    const auto id = f.add_job("access_control");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->read == "changes");
    CHECK(out->totals.existing_ids == 0);  // the index was not listed
    CHECK(f.stored(acl, "user-a"));        // not listed, not deleted
    CHECK(f.stored(acl, "user-b"));
    CHECK_FALSE(f.stored(acl, "user-gone"));
    // The content mark is kept; the access-control mark moves.
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 1}, {"access_control", 7}});
    CHECK(f.job(id).at("metadata").at("connectors_asio_sync").at("read") == "changes");
}

TEST_CASE("a content job keeps the access-control mark of the cursor",
          "[sync][runner][acl][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.patch_connector({{"sync_cursor", json::object{{"mark", 1}, {"access_control", 3}}}});
    const auto id = f.add_job("incremental");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 2}, {"access_control", 3}});
}

TEST_CASE("an access-control job without a mark lists every user and says why",
          "[sync][runner][acl][incremental]") {
    fixture f;
    f.src.tracks_changes = true;
    f.patch_connector({{"features", json::parse(R"({"document_level_security":{"enabled":true}})")},
                       {"sync_cursor", json::object{{"mark", 1}}}});
    const auto id = f.add_job("access_control");
    auto out = f.run_job(id);
    REQUIRE(out);
    CHECK(out->status == sync::job_status::completed);
    CHECK(out->read == "listing");
    CHECK(out->full_listing_reason == std::optional<std::string>("no access-control mark"));
    CHECK(f.connector().at("sync_cursor") == json::object{{"mark", 1}, {"access_control", 7}});
}
