// Who ran a job (worker.hpp): the identity recorded in a job's metadata, read back, and the
// judgement of whether its process is gone; configuration values that differ from a stored
// connector (service.hpp). Pure: the process table is a fake.
#include <catch2/catch.hpp>
#include <map>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <casio/sync/service.hpp>
#include <casio/sync/worker.hpp>

using namespace casio;
namespace json = boost::json;

namespace {

sync::worker_identity me() {
    return {"host-a", 100, "boot-1", "pid:[4026531836]", 5000};
}

sync::process_probe table(std::map<std::int64_t, std::int64_t> running) {
    return [running](std::int64_t pid) -> std::optional<std::int64_t> {
        auto it = running.find(pid);
        if (it == running.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

}  // namespace

TEST_CASE("a worker identity survives the job metadata round trip", "[sync][worker]") {
    const auto w = me();
    json::object job{{"status", "in_progress"}, {"metadata", sync::worker_metadata(w)}};
    auto back = sync::worker_of(job);
    REQUIRE(back);
    CHECK(*back == w);
    CHECK_FALSE(sync::worker_of(json::object{{"metadata", json::object{}}}));
    CHECK_FALSE(sync::worker_of(json::object{}));
}

TEST_CASE("a job's process is gone only when this host can tell", "[sync][worker]") {
    const auto self = me();
    auto other = self;
    other.pid = 42;
    other.start_ticks = 4000;
    using st = sync::worker_state;
    // No process 42 any more, or one started later (the pid was reused): gone.
    CHECK(sync::judge_worker(other, self, table({})) == st::gone);
    CHECK(sync::judge_worker(other, self, table({{42, 4500}})) == st::gone);
    // Process 42 still the one that ran it: alive.
    CHECK(sync::judge_worker(other, self, table({{42, 4000}})) == st::alive);
    CHECK(sync::judge_worker(self, self, table({})) == st::alive);
    // Another host, another boot, another pid namespace: cannot tell.
    auto far = other;
    far.hostname = "host-b";
    CHECK(sync::judge_worker(far, self, table({})) == st::unknown);
    far = other;
    far.boot_id = "boot-0";
    CHECK(sync::judge_worker(far, self, table({})) == st::unknown);
    far = other;
    far.pid_namespace = "pid:[1]";
    CHECK(sync::judge_worker(far, self, table({})) == st::unknown);
}

TEST_CASE("this process reads itself from /proc", "[sync][worker]") {
    const auto w = sync::this_process("h");
    CHECK(w.pid == ::getpid());
    CHECK_FALSE(w.boot_id.empty());
    CHECK_FALSE(w.pid_namespace.empty());
    CHECK(sync::proc_start_ticks(w.pid) == w.start_ticks);
    CHECK(sync::judge_worker(w, w, sync::proc_start_ticks) == sync::worker_state::alive);
}

TEST_CASE("configuration values that differ from the stored connector are named",
          "[sync][bootstrap]") {
    sync::connector_entry entry;
    entry.connector_id = "c1";
    entry.configuration = {{"domain", std::string("acme")},
                           {"client_id", std::string("id")},
                           {"page_size", std::int64_t{10}},
                           {"use_document_level_security", true}};
    auto stored = json::parse(R"({"configuration":{
        "domain":{"value":"acme"},"client_id":{"value":"other"},
        "page_size":{"value":"10"},"use_document_level_security":{"value":false}}})")
                      .as_object();
    CHECK(sync::configuration_drift(entry, stored) ==
          std::vector<std::string>{"client_id", "use_document_level_security"});
    entry.configuration.emplace("missing_here", std::string("x"));
    CHECK(sync::configuration_drift(entry, stored) ==
          std::vector<std::string>{"client_id", "missing_here", "use_document_level_security"});
}
