#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/log.hpp>
#include <casio/core/time.hpp>
#include <casio/es/version.hpp>
#include <casio/sync/service.hpp>
#include <casio/sync/status_endpoint.hpp>

namespace casio::sync {

namespace asio = boost::asio;
namespace json = boost::json;
namespace log = core::log;
using asio::awaitable;

namespace {

struct version3 {
    long major = 0, minor = 0, patch = 0;
};

std::optional<version3> parse_version(std::string_view v) {
    if (auto cut = v.find_first_of("-+"); cut != std::string_view::npos) {
        v = v.substr(0, cut);
    }
    version3 out;
    long* parts[3] = {&out.major, &out.minor, &out.patch};
    std::size_t i = 0;
    std::string text(v);
    char* p = text.data();
    for (; i < 3 && *p != '\0'; ++i) {
        char* end = nullptr;
        *parts[i] = std::strtol(p, &end, 10);
        if (end == p) {
            return std::nullopt;
        }
        p = end;
        if (*p == '.') {
            ++p;
        } else {
            ++i;
            break;
        }
    }
    if (i == 0 || *p != '\0') {
        return std::nullopt;
    }
    return out;
}

std::vector<std::string> ids_of(const std::vector<es::doc_hit>& hits) {
    std::vector<std::string> ids;
    ids.reserve(hits.size());
    for (const auto& h : hits) {
        ids.push_back(h.id);
    }
    return ids;
}

json::value scalar_json(const core::config_scalar& v) {
    return std::visit(
        [](const auto& x) -> json::value {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return nullptr;
            } else if constexpr (std::is_same_v<T, std::string>) {
                return json::string(x);
            } else {
                return json::value(x);
            }
        },
        v);
}

}  // namespace

std::optional<std::string> check_es_version(std::string_view es_version, std::string* warning) {
    auto es = parse_version(es_version);
    if (!es) {
        return "cannot read the Elasticsearch version \"" + std::string(es_version) +
               "\"; set ALLOW_ES_VERSION_MISMATCH=true to skip this check";
    }
    auto older = [&](std::string_view since) {
        auto s = parse_version(since);
        return std::tie(es->major, es->minor, es->patch) < std::tie(s->major, s->minor, s->patch);
    };
    std::string missing;
    for (const auto& api : es::connector_apis) {
        if (older(api.since)) {
            missing += (missing.empty() ? "" : ", ") + std::string(api.call) + " (added in " +
                       std::string(api.since) + ")";
        }
    }
    if (!missing.empty()) {
        return "Elasticsearch " + std::string(es_version) +
               " lacks connector APIs that connectors-asio calls: " + missing +
               "; use Elasticsearch " + std::string(es::minimum_es_version) +
               " or later (ALLOW_ES_VERSION_MISMATCH=true skips this check)";
    }
    if (es->major > es::known_major && warning != nullptr) {
        *warning = "Elasticsearch " + std::string(es_version) +
                   " is a newer major version than connectors-asio knows (" +
                   std::to_string(es::known_major) +
                   ".x); continuing, but its connector APIs may have changed";
    }
    return std::nullopt;
}

std::optional<std::string> check_local_config(const config& cfg) {
    if (cfg.service.worker_mode && cfg.service.service_types.empty()) {
        return "service.worker_mode is true but service.service_types is empty";
    }
    if (cfg.connectors.empty() && cfg.service.service_types.empty()) {
        return "no connector configured: add a `connectors:` entry (connector_id, service_type) "
               "or service.service_types";
    }
    for (const auto& c : cfg.connectors) {
        if (c.connector_id == "changeme" || c.service_type.value_or("") == "changeme") {
            return "connectors: connector_id and service_type must be set (found \"changeme\")";
        }
    }
    for (const auto& c : cfg.connectors) {
        if (c.service_type && *c.service_type != served_service_type) {
            return "connectors: connector " + c.connector_id + " has service_type \"" +
                   *c.service_type + "\", which connectors-asio does not serve (only " +
                   std::string(served_service_type) + ")";
        }
    }
    for (const auto& t : cfg.service.service_types) {
        if (t != served_service_type) {
            return "service.service_types: \"" + t + "\" is not served by connectors-asio (only " +
                   std::string(served_service_type) + ")";
        }
    }
    return std::nullopt;
}

namespace {

// Names the setting to fix; never its value.
std::string credentials_refused(const std::string& url, const es::elasticsearch_config& ec,
                                const core::error& e) {
    const std::string setting =
        ec.api_key ? "elasticsearch.api_key" : "elasticsearch.username and elasticsearch.password";
    const std::string problem = e.status() == 401 ? "authentication failed"
                                                  : "the credentials lack the required privileges";
    return "Elasticsearch at " + url + " refused the credentials (" + problem + ": " + e.what() +
           "); check " + setting;
}

}  // namespace

awaitable<bool> preflight(es::client& es, const config& cfg, core::sleeper& sleep,
                          bool allow_version_mismatch) {
    const auto& ec = cfg.elasticsearch;
    auto delay = ec.initial_backoff_duration;
    std::chrono::milliseconds waited{0};
    es::cluster_info info;
    for (int attempt = 1;; ++attempt) {
        log::info("waiting for Elasticsearch at ", es.base_url(), " (attempt ", attempt, ")");
        std::string why;
        try {
            info = co_await es.info();
            break;
        } catch (const core::error& e) {
            // 401/403 is a definite answer from a running Elasticsearch: waiting does not
            // change the credentials, so fail now instead of after max_wait_duration.
            if (e.status() == 401 || e.status() == 403) {
                auto message = credentials_refused(es.base_url(), ec, e);
                log::critical(message);
                throw preflight_error(message);
            }
            why = e.what();
        }
        if (waited + delay > ec.max_wait_duration) {
            log::critical("Elasticsearch at ", es.base_url(), " did not answer: ", why);
            throw preflight_error("Elasticsearch at " + es.base_url() + " is not reachable after " +
                                  std::to_string(attempt) + " attempts (" +
                                  std::to_string(waited.count() / 1000) + " s): " + why);
        }
        log::warning("Elasticsearch at ", es.base_url(), " not ready (", why, "); next attempt in ",
                     delay.count(), " ms");
        co_await sleep.sleep_for(delay);
        waited += delay;
        delay = std::chrono::milliseconds(
            static_cast<std::int64_t>(std::llround(delay.count() * ec.backoff_multiplier)));
    }
    const bool serverless = info.serverless();
    if (!serverless && !allow_version_mismatch) {
        std::string warning;
        if (auto bad = check_es_version(info.version_number, &warning)) {
            log::critical(*bad);
            throw preflight_error(*bad);
        }
        if (!warning.empty()) {
            log::warning(warning);
        }
    }
    if (auto bad = check_local_config(cfg)) {
        log::critical(*bad);
        throw preflight_error(*bad);
    }
    const std::array<std::string_view, 2> system_indices{es::connectors_concrete_index,
                                                         es::jobs_concrete_index};
    for (int attempt = 1;; ++attempt) {
        std::string why;
        try {
            for (auto index : system_indices) {
                if (!co_await es.index_exists(index)) {
                    co_await es.create_index(index);
                }
            }
            break;
        } catch (const core::error& e) {
            why = e.what();
        }
        if (attempt >= cfg.service.preflight_max_attempts) {
            throw preflight_error("could not create the system indices: " + why);
        }
        log::warning("system indices not ready (", why, "); retrying");
        co_await sleep.sleep_for(cfg.service.preflight_idle);
    }
    co_return serverless;
}

std::vector<std::string> configuration_drift(const connector_entry& entry,
                                             const json::object& connector) {
    // Compared as text: Kibana stores "10" where config.yml may say 10.
    auto text = [](const json::value& v) -> std::string {
        return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    };
    std::vector<std::string> out;
    const json::value* stored = connector.if_contains("configuration");
    for (const auto& [key, value] : entry.configuration) {
        const json::value* field = stored != nullptr && stored->is_object()
                                       ? stored->get_object().if_contains(key)
                                       : nullptr;
        const json::value* have = field != nullptr && field->is_object()
                                      ? field->get_object().if_contains("value")
                                      : nullptr;
        const json::value want = scalar_json(value);
        if (have == nullptr || text(*have) != text(want)) {
            out.push_back(key);
        }
    }
    return out;
}

json::object configuration_values(const connector_entry& entry) {
    json::object values;
    for (const auto& [k, v] : entry.configuration) {
        values[k] = scalar_json(v);
    }
    return values;
}

awaitable<std::vector<std::string>> bootstrap_connectors(es::client& es, const config& cfg,
                                                         source_factory& factory) {
    std::vector<std::string> created;
    for (const auto& entry : cfg.connectors) {
        if (!entry.index_name && entry.configuration.empty()) {
            continue;
        }
        if (auto existing = co_await es.get_connector(entry.connector_id)) {
            if (auto drift = configuration_drift(entry, *existing); !drift.empty()) {
                std::string keys;
                for (const auto& k : drift) {
                    keys += (keys.empty() ? "" : ", ") + k;
                }
                log::warning("connector ", entry.connector_id, ": config.yml gives configuration ",
                             keys,
                             " other values than the connector stored in Elasticsearch, "
                             "whose values are used; config.yml only configures a connector it "
                             "creates (change the values in Kibana)");
            }
            continue;
        }
        if (!entry.index_name) {
            continue;
        }
        const auto known = factory.configuration_schema();
        for (const auto& [key, value] : entry.configuration) {
            (void)value;
            if (!known.contains(key)) {
                throw core::error(core::error_kind::bad_request,
                                  "connectors[" + entry.connector_id + "].configuration." + key +
                                      ": unknown " + std::string(factory.service_type()) +
                                      " configuration field");
            }
        }
        json::object body{
            {"service_type", entry.service_type.value_or(std::string(factory.service_type()))},
            {"name", entry.name.value_or(entry.connector_id)},
            {"index_name", *entry.index_name},
            {"is_native", false}};
        co_await es.put_connector(entry.connector_id, body);
        json::object schema;
        for (const auto& [k, v] : factory.configuration_schema()) {
            schema[k] = v.is_object() ? complete_field(k, v.get_object()) : v;
        }
        json::object configuration{{"configuration", std::move(schema)}};
        co_await es.update_configuration(entry.connector_id, configuration);
        auto values = configuration_values(entry);
        if (!values.empty()) {
            json::object update{{"values", std::move(values)}};
            co_await es.update_configuration(entry.connector_id, update);
        }
        log::info("created connector ", entry.connector_id, " (index ", *entry.index_name, ")");
        created.push_back(entry.connector_id);
    }
    co_return created;
}

awaitable<std::optional<es::doc_hit>> prepare_connector(es::client& es, std::string_view id,
                                                        source_factory& factory) {
    co_return co_await es::with_occ_retry([&]() -> awaitable<std::optional<es::doc_hit>> {
        auto hit = co_await es.get_doc(es::connectors_index, id);
        if (!hit) {
            co_return hit;
        }
        const json::value* st = hit->source.if_contains("service_type");
        if (st != nullptr && st->is_string() && st->get_string() != factory.service_type()) {
            co_return hit;  // another source type: not ours to prepare
        }
        auto patch = prepare_patch(hit->source, factory.service_type(),
                                   factory.configuration_schema(), factory.features());
        if (patch.empty()) {
            co_return hit;
        }
        co_await es.update_doc(es::connectors_index, id, std::move(patch), es::guard_of(*hit));
        co_return co_await es.get_doc(es::connectors_index, id);
    });
}

service::service(const config& cfg, es::client& es, source_factory& factory, std::string hostname,
                 content_client_for content)
    : cfg_(cfg),
      es_(es),
      factory_(factory),
      hostname_(std::move(hostname)),
      content_(std::move(content)),
      clock_(core::now_utc),
      last_wake_up_(core::now_utc()),
      schedule_state_{"schedule", {cfg.service.max_errors, cfg.service.max_errors_span}, {}},
      content_state_{"sync_content", {cfg.service.max_errors, cfg.service.max_errors_span}, {}},
      acl_state_{"sync_access_control", {cfg.service.max_errors, cfg.service.max_errors_span}, {}},
      cleanup_state_{"cleanup", {cfg.service.max_errors, cfg.service.max_errors_span}, {}} {}

const loop_counters& service::counters(std::string_view loop) const {
    if (loop == "schedule")
        return schedule_state_.counters;
    if (loop == "sync_content")
        return content_state_.counters;
    if (loop == "sync_access_control")
        return acl_state_.counters;
    return cleanup_state_.counters;
}

std::size_t service::running_jobs(bool access_control) const noexcept {
    return static_cast<std::size_t>(std::count_if(
        runners_.begin(), runners_.end(),
        [&](const auto& r) { return (r->type() == job_type::access_control) == access_control; }));
}

void service::notify() {
    if (changed_) {
        changed_->cancel();
    }
}

void service::stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    log::info("stopping: no new job is taken, running jobs are suspended");
    for (auto* t : sleeping_) {
        t->cancel();
    }
    for (auto& r : runners_) {
        r->suspend();
    }
    notify();
}

awaitable<void> service::idle(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    sleeping_.insert(&t);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    sleeping_.erase(&t);
}

awaitable<void> service::loop(loop_state& state, std::chrono::milliseconds period,
                              std::function<awaitable<void>()> round) {
    while (!stopping_) {
        std::string failure;
        try {
            co_await round();
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown error";
        }
        ++state.counters.rounds;
        if (!failure.empty()) {
            ++state.counters.errors;
            log::error(state.name, " loop: ", failure);
            if (state.budget.record(std::chrono::steady_clock::now())) {
                log::critical(state.name, " loop: more than ", cfg_.service.max_errors,
                              " errors within ", cfg_.service.max_errors_span.count() / 1000,
                              " s; stopping the service");
                if (!fatal_) {
                    fatal_ = std::make_exception_ptr(core::error(
                        core::error_kind::fatal,
                        state.name + " loop exhausted its error budget; last error: " + failure));
                }
                stop();
                break;
            }
        }
        if (stopping_) {
            break;
        }
        co_await idle(period);
    }
}

awaitable<void> service::run() {
    auto ex = co_await asio::this_coro::executor;
    changed_ = std::make_unique<asio::steady_timer>(ex);
    if (worker_) {
        // Not worth stopping the service for: the idle-job cleanup ends them later anyway.
        try {
            co_await end_jobs_of_gone_workers(es_, cfg_, *worker_);
        } catch (const std::exception& e) {
            log::warning("could not look for jobs left running by a stopped process: ", e.what());
        }
    }
    last_wake_up_ = clock_();
    int loops_running = 0;
    auto start = [&](loop_state& st, std::chrono::milliseconds period,
                     std::function<awaitable<void>()> round) {
        ++loops_running;
        asio::co_spawn(ex, loop(st, period, std::move(round)), [&](const std::exception_ptr&) {
            --loops_running;
            set_loops_running(false);  // one loop less: the service is stopping
            notify();
        });
    };
    if (loops_.schedule) {
        start(schedule_state_, cfg_.service.idling, [this] { return schedule_round(); });
    }
    if (loops_.sync_content) {
        start(content_state_, cfg_.service.idling, [this] { return execute_round(false); });
    }
    if (loops_.sync_access_control) {
        start(acl_state_, cfg_.service.idling, [this] { return execute_round(true); });
    }
    if (loops_.cleanup) {
        start(cleanup_state_, cfg_.service.job_cleanup_interval,
              [this] { return cleanup_round(); });
    }
    set_loops_running(true);
    while (loops_running > 0 || !runners_.empty()) {
        changed_->expires_after(std::chrono::hours(1));
        boost::system::error_code ec;
        co_await changed_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    log::info("service stopped");
    if (fatal_) {
        std::rethrow_exception(fatal_);
    }
}

awaitable<std::vector<es::doc_hit>> service::discover() {
    std::vector<std::string> ids;
    for (const auto& c : cfg_.connectors) {
        ids.push_back(c.connector_id);
    }
    auto q = discovery_query(ids, cfg_.service.service_types);
    if (!q) {
        co_return std::vector<es::doc_hit>{};
    }
    json::object body{{"query", std::move(*q)}};
    co_return co_await es_.search_all(es::connectors_index, std::move(body));
}

bool service::report_once(const std::string& what, bool condition) {
    if (!condition) {
        reported_.erase(what);
        return false;
    }
    return reported_.insert(what).second;
}

awaitable<void> service::schedule_round() {
    auto connectors = co_await discover();
    if (connectors.empty()) {
        log::debug("no supported connectors found");
    }
    // A configured id that matches no connector (a typo, a connector deleted in Kibana) would
    // otherwise make the service idle without a word.
    for (const auto& entry : cfg_.connectors) {
        const bool found =
            std::any_of(connectors.begin(), connectors.end(),
                        [&](const es::doc_hit& h) { return h.id == entry.connector_id; });
        if (report_once("missing " + entry.connector_id, !found)) {
            log::error("connector ", entry.connector_id,
                       " (connectors: in config.yml) does not exist in Elasticsearch: check its "
                       "connector_id, create it in Kibana, or give it an index_name so that it "
                       "is created at start");
        }
    }
    // Up to max_concurrent_scheduling_tasks connectors at once; unlike the reference, a full
    // pool makes the next connector wait instead of skipping it for this round.
    auto ex = co_await asio::this_coro::executor;
    const auto limit = static_cast<std::size_t>(
        std::max<std::int64_t>(1, cfg_.service.max_concurrent_scheduling_tasks));
    std::size_t running = 0;
    std::exception_ptr first;
    asio::steady_timer done(ex);
    auto wait_below = [&](std::size_t n) -> awaitable<void> {
        while (running > n) {
            done.expires_after(std::chrono::hours(1));
            boost::system::error_code ec;
            co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    };
    for (const auto& c : connectors) {
        if (stopping_) {
            break;
        }
        co_await wait_below(limit - 1);
        ++running;
        asio::co_spawn(ex, schedule_connector(c, !first_heartbeat_done_),
                       [&](const std::exception_ptr& e) {
                           if (e && !first) {
                               first = e;
                           }
                           --running;
                           done.cancel();
                       });
        first_heartbeat_done_ = true;
    }
    co_await wait_below(0);
    last_wake_up_ = clock_();
    if (first) {
        std::rethrow_exception(first);
    }
}

awaitable<void> service::schedule_connector(const es::doc_hit& hit, bool force_heartbeat) {
    // Checked before prepare_connector, which would write this service type's schema into it.
    const std::string stored_type = string_at(hit.source, "service_type");
    const bool foreign = !stored_type.empty() && stored_type != factory_.service_type();
    if (report_once("type " + hit.id, foreign)) {
        log::error("connector ", hit.id, " has service_type \"", stored_type,
                   "\" in Elasticsearch; connectors-asio serves only ", factory_.service_type(),
                   ": it is not synced");
    }
    if (foreign) {
        co_return;
    }
    auto prepared = co_await prepare_connector(es_, hit.id, factory_);
    if (!prepared) {
        co_return;
    }
    const json::object& c = prepared->source;
    if (string_at(c, "service_type") != factory_.service_type()) {
        co_return;
    }
    const auto now = clock_();
    const json::value* seen = c.if_contains("last_seen");
    std::optional<core::sys_us> last_seen;
    if (seen != nullptr && seen->is_string()) {
        last_seen = core::parse_iso8601(seen->get_string());
    }
    if (force_heartbeat || !last_seen || now - *last_seen > cfg_.service.heartbeat) {
        co_await es_.check_in(hit.id);
    }
    const std::string status = string_at(c, "status");
    const bool unconfigured = status == "created" || status == "needs_configuration";
    if (report_once("unconfigured " + hit.id, unconfigured)) {
        log::warning("connector ", hit.id, " is ", status,
                     ": finish its configuration in Kibana (or PUT _connector/", hit.id,
                     "/_configuration); it is not synced until then");
    }
    if (unconfigured) {
        co_return;
    }
    std::optional<std::string> source_error;
    try {
        const json::value* cfg = c.if_contains("configuration");
        source_options opts;
        opts.dls_feature_enabled = dls_enabled(c);
        opts.max_file_size = cfg_.service.max_file_download_size;
        const json::object empty;
        auto src = factory_.create(cfg && cfg->is_object() ? cfg->get_object() : empty, opts);
        co_await src->validate_config();
        co_await src->ping();
        if (sync_rules_enabled(c)) {
            co_await validate_draft(hit.id, *src);
        }
    } catch (const std::exception& e) {
        source_error = e.what();
    }
    // The same failure every round (empty required fields, a wrong secret) is said once; the
    // connector document carries it meanwhile.
    if (report_once("source " + hit.id + ": " + source_error.value_or(""),
                    source_error.has_value())) {
        log::error("connector ", hit.id, ": source check failed: ", *source_error);
    }
    if (!source_error) {
        std::erase_if(reported_, [&](const std::string& r) {
            return r.rfind("source " + hit.id + ": ", 0) == 0;
        });
    }
    if (source_error) {
        json::object doc{{"status", "error"}, {"error", *source_error}};
        co_await es_.update_doc(es::connectors_index, hit.id, std::move(doc));
        log::debug("connector ", hit.id, ": ", status, " -> error");
        co_return;
    }
    if (status != "connected" || !c.contains("error") || !c.at("error").is_null()) {
        json::object doc{{"status", "connected"}, {"error", nullptr}};
        co_await es_.update_doc(es::connectors_index, hit.id, std::move(doc));
        log::debug("connector ", hit.id, ": ", status, " -> connected");
    }
    if (dls_enabled(c)) {
        co_await try_schedule(hit.id, job_type::access_control);
    }
    if (incremental_enabled(c) && factory_.incremental_sync_enabled()) {
        co_await try_schedule(hit.id, job_type::incremental);
    }
    co_await try_schedule(hit.id, job_type::full);
}

awaitable<void> service::validate_draft(const std::string& id, source& src) {
    auto hit = co_await es_.get_doc(es::connectors_index, id);
    if (!hit) {
        co_return;
    }
    const json::value* filtering = hit->source.if_contains("filtering");
    if (filtering == nullptr || !filtering->is_array()) {
        co_return;
    }
    const json::object* entry = nullptr;
    for (const auto& f : filtering->get_array()) {
        if (f.is_object() && string_at(f.get_object(), "domain", "DEFAULT") == "DEFAULT") {
            entry = &f.get_object();
            break;
        }
    }
    if (entry == nullptr || string_at(*entry, "draft.validation.state") != "edited") {
        co_return;
    }
    const json::value* rules = find_path(*entry, "draft.rules");
    json::array errors = rules ? validate_basic_rules(*rules) : json::array{};
    if (const json::value* snippet = find_path(*entry, "draft.advanced_snippet.value");
        snippet != nullptr && !snippet->is_null() &&
        !(snippet->is_object() && snippet->get_object().empty()) &&
        !(snippet->is_array() && snippet->get_array().empty())) {
        auto verdict = co_await src.validate_advanced_rules(*snippet);
        if (!verdict.valid) {
            errors.push_back(
                json::object{{"ids", json::array{"advanced_snippet"}},
                             {"messages", json::array{json::string(verdict.message)}}});
        }
    }
    const bool valid = errors.empty();
    json::object validation{{"state", valid ? "valid" : "invalid"}, {"errors", std::move(errors)}};
    co_await es_.update_filtering_validation(id, validation);
    if (valid) {
        co_await es_.activate_filtering(id);
    }
    log::info("connector ", id, ": draft sync rules are ", valid ? "valid (activated)" : "invalid");
}

awaitable<void> service::try_schedule(const std::string& id, job_type t) {
    co_await es::with_occ_retry([&]() -> awaitable<void> {
        auto hit = co_await es_.get_doc(es::connectors_index, id);
        if (!hit) {
            co_return;
        }
        auto d = decide_schedule(hit->source, t, last_wake_up_, clock_());
        using v = schedule_decision::verdict;
        if (d.what == v::bad_interval) {
            json::object doc{{"status", "error"}, {"error", d.error}};
            co_await es_.update_doc(es::connectors_index, id, std::move(doc));
            co_return;
        }
        if (d.what != v::due) {
            co_return;
        }
        auto active = co_await es_.search_all(es::jobs_index, active_jobs_body(id, t));
        if (!active.empty()) {
            log::info("connector ", id, ": a ", to_string(t), " sync (job ", active.front().id,
                      ") is still ", string_at(active.front().source, "status"),
                      "; no new scheduled job");
            co_return;
        }
        if (t == job_type::access_control) {
            auto lic = co_await es_.license();
            if (!lic.at_least("platinum")) {
                log::error("connector ", id,
                           ": access control syncs need a platinum license or higher (found ",
                           lic.type, ")");
                co_return;
            }
        }
        json::object doc;
        doc[last_scheduled_field(t)] = core::format_iso8601(*d.occurrence);
        co_await es_.update_doc(es::connectors_index, id, std::move(doc), es::guard_of(*hit));
        auto job_id = co_await es_.create_sync_job(id, to_string(t), "scheduled");
        log::info("connector ", id, ": scheduled ", to_string(t), " sync job ", job_id);
    });
}

void service::launch(es::doc_hit job, job_type t) {
    (void)t;
    runner_settings s;
    s.hostname = hostname_;
    s.bulk = cfg_.elasticsearch.bulk;
    s.max_file_size = cfg_.service.max_file_download_size;
    s.incremental_reads_changes = cfg_.service.incremental_sync_reads_changes;
    s.serverless = cfg_.elasticsearch.serverless;
    s.check_interval = check_interval_;
    s.stats_interval = stats_interval_;
    if (worker_) {
        s.metadata = worker_metadata(*worker_);
    }
    const std::string cid = string_at(job.source, "connector.id");
    es::client* content = content_ ? content_(cid) : nullptr;
    auto runner =
        std::make_shared<job_runner>(es_, content ? *content : es_, factory_, s, std::move(job));
    runners_.push_back(runner);
    auto it = std::prev(runners_.end());
    local_jobs_.insert(runner->job_id());
    asio::co_spawn(
        changed_ ? changed_->get_executor() : asio::any_io_executor{},
        [runner]() -> awaitable<void> { co_await runner->run(); },
        [this, it](const std::exception_ptr& e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log::error("job ", (*it)->job_id(), ": runner failed: ", ex.what());
                }
            }
            local_jobs_.erase((*it)->job_id());
            runners_.erase(it);
            notify();
        });
}

awaitable<void> service::execute_round(bool access_control) {
    if (stopping_) {
        co_return;
    }
    if (!changed_) {
        changed_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
    }
    auto connectors = co_await discover();
    if (connectors.empty()) {
        co_return;
    }
    std::vector<job_type> types;
    if (access_control) {
        types = {job_type::access_control};
    } else {
        types = {job_type::full, job_type::incremental};
    }
    const auto limit =
        static_cast<std::size_t>(access_control ? cfg_.service.max_concurrent_access_control_syncs
                                                : cfg_.service.max_concurrent_content_syncs);
    auto jobs =
        co_await es_.search_all(es::jobs_index, pending_jobs_body(ids_of(connectors), types));
    for (auto& job : jobs) {
        if (stopping_) {
            break;
        }
        if (local_jobs_.count(job.id)) {
            continue;
        }
        const std::string st = string_at(job.source, "connector.service_type");
        if (st != factory_.service_type() && !cfg_.sources.count(st)) {
            throw core::error(core::error_kind::bad_request,
                              "job " + job.id + ": unknown service type \"" + st + "\"");
        }
        const std::string cid = string_at(job.source, "connector.id");
        auto connector = co_await es_.get_doc(es::connectors_index, cid);
        if (!connector) {
            log::warning("job ", job.id, ": connector ", cid, " not found; skipped");
            continue;
        }
        const auto type =
            parse_job_type(string_at(job.source, "job_type")).value_or(job_type::full);
        if (access_control) {
            if (!dls_enabled(connector->source)) {
                continue;
            }
            auto lic = co_await es_.license();
            if (!lic.at_least("platinum")) {
                log::error("job ", job.id,
                           ": access control syncs need a platinum license or higher");
                continue;
            }
        }
        if (sync_in_progress(connector->source, type)) {
            continue;
        }
        if (running_jobs(access_control) >= limit) {
            log::debug("job ", job.id, " waits: ", limit, " ",
                       access_control ? "access control" : "content", " sync(s) already running");
            break;
        }
        launch(std::move(job), type);
    }
}

awaitable<void> service::fail_job(const std::string& job_id) {
    auto doc = terminal_job_doc(job_status::error, std::string(stuck_job_message),
                                core::now_iso8601(), std::nullopt, std::nullopt);
    co_await es_.update_doc(es::jobs_index, job_id, std::move(doc));
}

awaitable<void> service::cleanup_round() {
    std::exception_ptr first;
    try {
        json::object all{{"query", json::object{{"match_all", json::object{}}}}};
        auto connectors = co_await es_.search_all(es::connectors_index, std::move(all));
        auto orphaned =
            co_await es_.search_all(es::jobs_index, orphaned_jobs_body(ids_of(connectors)));
        for (const auto& job : orphaned) {
            log::warning("job ", job.id, " belongs to no connector; marked as error");
            co_await fail_job(job.id);
        }
    } catch (...) {
        first = std::current_exception();
    }
    try {
        auto connectors = co_await discover();
        if (!connectors.empty()) {
            auto idle_jobs =
                co_await es_.search_all(es::jobs_index, idle_jobs_body(ids_of(connectors)));
            for (const auto& job : idle_jobs) {
                if (local_jobs_.count(job.id)) {
                    continue;
                }
                log::warning("job ", job.id, " has not been seen for 300 s; marked as error");
                co_await fail_job(job.id);
                const std::string cid = string_at(job.source, "connector.id");
                if (!co_await es_.get_doc(es::connectors_index, cid)) {
                    continue;
                }
                auto again = co_await es_.get_doc(es::jobs_index, job.id);
                std::optional<json::object> source;
                if (again) {
                    source = std::move(again->source);
                }
                auto doc = sync_done_doc(source, core::now_iso8601(), nullptr);
                co_await es_.update_doc(es::connectors_index, cid, std::move(doc));
            }
        }
    } catch (...) {
        if (!first) {
            first = std::current_exception();
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
}

}  // namespace casio::sync
