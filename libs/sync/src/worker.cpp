#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <casio/core/log.hpp>
#include <casio/core/time.hpp>
#include <casio/sync/connector_doc.hpp>
#include <casio/sync/worker.hpp>

namespace casio::sync {

namespace asio = boost::asio;
namespace json = boost::json;
namespace log = core::log;
using asio::awaitable;

namespace {

constexpr std::string_view metadata_key = "connectors_asio_worker";

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses,
// so the fields are counted after its last ')'.
std::optional<std::int64_t> start_ticks_in(const std::string& stat) {
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream rest(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22; ++i) {
        if (!(rest >> field)) {
            return std::nullopt;
        }
    }
    char* end = nullptr;
    const long long v = std::strtoll(field.c_str(), &end, 10);
    if (end == field.c_str()) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
}

std::int64_t int_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace

std::optional<std::int64_t> proc_start_ticks(std::int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in) {
        return std::nullopt;
    }
    std::string stat;
    std::getline(in, stat);
    return start_ticks_in(stat);
}

worker_identity this_process(std::string hostname) {
    worker_identity w;
    w.hostname = std::move(hostname);
    w.pid = ::getpid();
    w.boot_id = first_line("/proc/sys/kernel/random/boot_id");
    char ns[128] = {};
    if (const auto n = ::readlink("/proc/self/ns/pid", ns, sizeof ns - 1); n > 0) {
        w.pid_namespace.assign(ns, static_cast<std::size_t>(n));
    }
    w.start_ticks = proc_start_ticks(w.pid).value_or(0);
    return w;
}

json::object worker_metadata(const worker_identity& w) {
    return json::object{{metadata_key, json::object{{"hostname", w.hostname},
                                                    {"pid", w.pid},
                                                    {"boot_id", w.boot_id},
                                                    {"pid_namespace", w.pid_namespace},
                                                    {"start_ticks", w.start_ticks}}}};
}

std::optional<worker_identity> worker_of(const json::object& job) {
    const json::value* meta = job.if_contains("metadata");
    if (meta == nullptr || !meta->is_object()) {
        return std::nullopt;
    }
    const json::value* w = meta->get_object().if_contains(metadata_key);
    if (w == nullptr || !w->is_object()) {
        return std::nullopt;
    }
    const json::object& o = w->get_object();
    worker_identity out;
    out.hostname = string_at(o, "hostname");
    out.pid = int_at(o, "pid");
    out.boot_id = string_at(o, "boot_id");
    out.pid_namespace = string_at(o, "pid_namespace");
    out.start_ticks = int_at(o, "start_ticks");
    if (out.hostname.empty() || out.pid <= 0) {
        return std::nullopt;
    }
    return out;
}

worker_state judge_worker(const worker_identity& recorded, const worker_identity& self,
                          const process_probe& probe) {
    if (recorded.hostname != self.hostname || recorded.boot_id.empty() ||
        recorded.boot_id != self.boot_id || recorded.pid_namespace.empty() ||
        recorded.pid_namespace != self.pid_namespace) {
        return worker_state::unknown;
    }
    if (recorded == self) {
        return worker_state::alive;
    }
    const auto started = probe(recorded.pid);
    if (!started) {
        return worker_state::gone;
    }
    // The pid was given to another process since: the recorded one is gone.
    return *started == recorded.start_ticks ? worker_state::alive : worker_state::gone;
}

awaitable<std::vector<std::string>> end_jobs_of_gone_workers(es::client& es, const config& cfg,
                                                             const worker_identity& self,
                                                             process_probe probe) {
    std::vector<std::string> ended;
    json::array filter{
        json::object{{"terms", json::object{{"status", json::array{"in_progress", "canceling"}}}}}};
    json::array ids;
    for (const auto& c : cfg.connectors) {
        ids.emplace_back(c.connector_id);
    }
    if (!ids.empty()) {
        filter.emplace_back(
            json::object{{"terms", json::object{{"connector.id", std::move(ids)}}}});
    }
    json::object body{
        {"query", json::object{{"bool", json::object{{"filter", std::move(filter)}}}}}};
    auto running = co_await es.search_all(es::jobs_index, std::move(body));
    for (const auto& job : running) {
        const auto worker = worker_of(job.source);
        if (!worker || judge_worker(*worker, self, probe) != worker_state::gone) {
            continue;
        }
        const std::string cid = string_at(job.source, "connector.id");
        const bool canceling = string_at(job.source, "status") == "canceling";
        const auto status = canceling ? job_status::canceled : job_status::error;
        const std::string message = "the connectors-asio process that ran this job (pid " +
                                    std::to_string(worker->pid) + " on " + worker->hostname +
                                    ") stopped without ending it";
        log::warning("job ", job.id, " of connector ", cid, " was left ",
                     string_at(job.source, "status"), " by pid ", worker->pid,
                     " of this host, which is gone; marked as ", to_string(status));
        const auto now = core::now_iso8601();
        auto doc = terminal_job_doc(status, canceling ? std::nullopt : std::optional(message), now,
                                    std::nullopt, std::nullopt);
        co_await es.update_doc(es::jobs_index, job.id, std::move(doc));
        ended.push_back(job.id);
        if (!co_await es.get_doc(es::connectors_index, cid)) {
            continue;
        }
        auto again = co_await es.get_doc(es::jobs_index, job.id);
        std::optional<json::object> source;
        if (again) {
            source = std::move(again->source);
        }
        auto patch = sync_done_doc(source, now, nullptr);
        co_await es.update_doc(es::connectors_index, cid, std::move(patch));
    }
    co_return ended;
}

}  // namespace casio::sync
