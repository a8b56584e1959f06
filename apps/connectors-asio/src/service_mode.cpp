#include "service_mode.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/core/config.hpp>
#include <casio/core/log.hpp>
#include <casio/es/client.hpp>
#include <casio/http/client.hpp>
#include <casio/sync/service.hpp>
#include <casio/sync/status_endpoint.hpp>
#include <casio/sync/worker.hpp>

namespace casio::app {

namespace asio = boost::asio;
namespace log = core::log;
using asio::awaitable;

namespace {

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) {
        return "localhost";
    }
    return buf;
}

bool allow_version_mismatch() {
    const char* v = std::getenv("ALLOW_ES_VERSION_MISMATCH");
    if (v == nullptr) {
        return false;
    }
    std::string s(v);
    for (auto& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s == "true" || s == "1" || s == "yes";
}

// service.fips_mode: true is kept only when this build's OpenSSL can do it.
void apply_fips_mode(const settings& c) {
    if (!c.service.fips_mode) {
        return;
    }
    if (auto why = http::enable_fips_mode()) {
        throw core::config_error("config: service.fips_mode: true needs a FIPS-capable build: " +
                                 *why + "; set it to false or use an OpenSSL with a FIPS provider");
    }
    log::info("FIPS mode: TLS uses OpenSSL's FIPS provider");
}

// Everything one process needs to talk to ES and Salesforce, on one io_context.
struct wiring {
    explicit wiring(asio::io_context& ctx, const settings& c)
        : cfg(c),
          opts(es::options_from_config(c.elasticsearch)),
          http(ctx.get_executor(), es::http_options(opts)),
          transport(http),
          es(transport, opts),
          factory(ctx.get_executor(), c.salesforce, salesforce::emulator_base_url()),
          extraction_http(ctx.get_executor(), extraction_http_options(c.extraction_service)),
          extraction_transport(extraction_http) {
        std::shared_ptr<sync::text_extractor> service;
        if (c.extraction_service.host) {
            service = std::make_shared<sync::extraction_service_client>(extraction_transport,
                                                                        c.extraction_service);
        }
        std::shared_ptr<sync::text_extractor> local;
        if (c.extraction.mode == sync::extraction_mode::local) {
            local = std::make_shared<sync::local_extractor>(c.extraction);
        }
        remove_stale_spool_files(service ? service->spool_dir() : std::filesystem::path());
        factory.set_extractors(std::move(local), std::move(service));
        for (const auto& entry : c.connectors) {
            if (entry.api_key && !entry.api_key->empty()) {
                content[entry.connector_id] =
                    std::make_unique<es::client>(transport, es::with_api_key(opts, *entry.api_key));
            }
        }
        if (c.service.http.port) {
            endpoint = std::make_unique<sync::status_endpoint>(ctx.get_executor());
            endpoint->start(c.service.http.host, *c.service.http.port);
        }
    }
    es::client* content_for(const std::string& id) {
        auto it = content.find(id);
        return it == content.end() ? nullptr : it->second.get();
    }
    void close() {
        if (endpoint) {
            endpoint->stop();
        }
        factory.close();
        http.close();
        extraction_http.close();
    }
    // Downloads a killed process left in the spool directories (and $TMPDIR) would otherwise
    // stay there for good.
    static void remove_stale_spool_files(const std::filesystem::path& service_dir) {
        std::vector<std::filesystem::path> dirs{std::filesystem::path()};
        if (!service_dir.empty()) {
            dirs.push_back(service_dir);
        }
        for (const auto& dir : dirs) {
            if (auto n = sync::remove_stale_spool_files(dir); n > 0) {
                log::info("removed " + std::to_string(n) + " spooled download" +
                          (n == 1 ? "" : "s") + " left in " +
                          (dir.empty() ? std::string("the temporary directory") : dir.string()) +
                          " by a process that stopped");
            }
        }
    }
    static http::client_options extraction_http_options(
        const sync::extraction_service_settings& s) {
        http::client_options o;
        o.request_timeout = s.timeout;
        o.accept_compressed = false;
        return o;
    }

    settings cfg;
    es::client_options opts;
    http::client http;
    http::client_transport transport;
    es::client es;
    salesforce::factory factory;
    http::client extraction_http;
    http::client_transport extraction_transport;
    std::map<std::string, std::unique_ptr<es::client>> content;
    core::steady_sleeper sleeper;
    std::unique_ptr<sync::status_endpoint> endpoint;  // service.http, when configured
};

std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& ex) {
        return log::redact(ex.what());
    } catch (...) {
        return "unknown error";
    }
}

}  // namespace

int run_service(const settings& cfg, sync::loop_selection loops) {
    apply_fips_mode(cfg);
    asio::io_context ctx(1);
    wiring w(ctx, cfg);
    sync::service svc(w.cfg, w.es, w.factory, hostname(),
                      [&](const std::string& id) { return w.content_for(id); });
    svc.set_loops(loops);
    svc.set_worker(sync::this_process(hostname()));
    int exit_code = 0;
    bool in_service = false;
    bool stop_requested = false;
    asio::cancellation_signal main_cancel;

    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) {
                return;
            }
            log::warning("received signal ", sig, ", stopping");
            stop_requested = true;
            if (in_service) {
                svc.stop();
            } else {
                main_cancel.emit(asio::cancellation_type::terminal);
            }
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    auto main = [&]() -> awaitable<void> {
        w.cfg.elasticsearch.serverless =
            co_await sync::preflight(w.es, w.cfg, w.sleeper, allow_version_mismatch());
        co_await sync::bootstrap_connectors(w.es, w.cfg, w.factory);
        if (stop_requested) {
            co_return;
        }
        in_service = true;
        log::info("connectors-asio service started (", w.cfg.connectors.size(),
                  " configured connector(s))");
        co_await svc.run();
    };
    asio::co_spawn(ctx, main(),
                   asio::bind_cancellation_slot(main_cancel.slot(), [&](std::exception_ptr e) {
                       // an exhausted error budget while stopping still fails the process
                       if (e && (!stop_requested || in_service)) {
                           std::cerr << "connectors-asio: " << describe(std::move(e)) << '\n';
                           exit_code = 1;
                       }
                       signals.cancel();
                       w.close();
                   }));
    ctx.run();
    return exit_code;
}

int run_one_shot_sync(const settings& cfg, const cli_options& cli) {
    apply_fips_mode(cfg);
    asio::io_context ctx(1);
    wiring w(ctx, cfg);
    const auto type = sync::parse_job_type(cli.job_type).value_or(sync::job_type::full);
    std::shared_ptr<sync::job_runner> runner;
    std::optional<sync::job_outcome> outcome;
    std::string job_id;
    bool interrupted = false;
    bool finished = false;  // ends the progress line also when the sync failed to start
    asio::cancellation_signal main_cancel;
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    const auto started = std::chrono::steady_clock::now();

    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) {
            return;
        }
        log::warning("received signal ", sig, ", suspending the job");
        interrupted = true;
        if (runner) {
            runner->suspend();
        } else {
            main_cancel.emit(asio::cancellation_type::terminal);
        }
    });

    auto line = [&](const sync::sync_totals& t) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "fetched %llu  indexed %llu  deleted %llu  skipped %llu  sent %.1f MB  "
                      "%.0f docs/s  elapsed %.1f s",
                      static_cast<unsigned long long>(t.docs_received),
                      static_cast<unsigned long long>(t.indexed),
                      static_cast<unsigned long long>(t.deleted),
                      static_cast<unsigned long long>(t.docs_skipped) + t.docs_filtered,
                      static_cast<double>(t.bulk_bytes) / 1e6,
                      secs > 0 ? static_cast<double>(t.docs_received) / secs : 0.0, secs);
        return std::string(buf);
    };

    auto progress = [&]() -> awaitable<void> {
        asio::steady_timer t(ctx);
        while (!outcome && !finished) {
            t.expires_after(std::chrono::milliseconds(250));
            boost::system::error_code ec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (runner && runner->counters() && !outcome) {
                std::cout << '\r' << line(runner->counters()->snapshot()) << "\x1b[K" << std::flush;
            }
        }
    };

    auto main = [&]() -> awaitable<void> {
        w.cfg.elasticsearch.serverless =
            co_await sync::preflight(w.es, w.cfg, w.sleeper, allow_version_mismatch());
        co_await sync::bootstrap_connectors(w.es, w.cfg, w.factory);
        const auto self = sync::this_process(hostname());
        co_await sync::end_jobs_of_gone_workers(w.es, w.cfg, self);
        auto connector = co_await sync::prepare_connector(w.es, cli.connector_id, w.factory);
        if (!connector) {
            throw core::error(core::error_kind::not_found,
                              "connector " + cli.connector_id + " does not exist");
        }
        job_id =
            co_await w.es.create_sync_job(cli.connector_id, sync::to_string(type), "on_demand");
        auto job = co_await w.es.get_doc(es::jobs_index, job_id);
        if (!job) {
            throw core::error(core::error_kind::not_found, "job " + job_id + " vanished");
        }
        sync::runner_settings s;
        s.hostname = hostname();
        s.bulk = w.cfg.elasticsearch.bulk;
        if (tty) {
            s.bulk.display_every = 0;  // the terminal shows the progress line instead
        }
        s.max_file_size = w.cfg.service.max_file_download_size;
        s.incremental_reads_changes = w.cfg.service.incremental_sync_reads_changes;
        s.serverless = w.cfg.elasticsearch.serverless;
        s.metadata = sync::worker_metadata(self);
        es::client* content = w.content_for(cli.connector_id);
        runner = std::make_shared<sync::job_runner>(w.es, content ? *content : w.es, w.factory, s,
                                                    std::move(*job));
        if (interrupted) {
            runner->suspend();
        }
        if (tty) {
            asio::co_spawn(ctx, progress(), asio::detached);
        }
        auto r = co_await runner->run();
        if (!r) {
            throw core::error(core::error_kind::fatal,
                              "connector " + cli.connector_id + " already runs a " +
                                  std::string(sync::to_string(type)) + " sync; job " + job_id +
                                  " stays pending");
        }
        outcome = std::move(*r);
    };

    int exit_code = 1;
    asio::co_spawn(ctx, main(),
                   asio::bind_cancellation_slot(main_cancel.slot(), [&](std::exception_ptr e) {
                       finished = true;
                       if (tty) {
                           std::cout << '\r' << "\x1b[K";
                       }
                       if (e) {
                           std::cerr << "connectors-asio sync: " << describe(std::move(e)) << '\n';
                       } else if (outcome) {
                           std::cout << "job " << job_id << " (" << sync::to_string(type) << ", "
                                     << cli.connector_id << ") " << sync::to_string(outcome->status)
                                     << ": " << line(outcome->totals) << '\n';
                           if (outcome->status == sync::job_status::completed) {
                               exit_code = 0;
                           } else if (outcome->error) {
                               std::cerr << "error: " << log::redact(*outcome->error) << '\n';
                           }
                       }
                       signals.cancel();
                       w.close();
                   }));
    ctx.run();
    return exit_code;
}

}  // namespace casio::app
