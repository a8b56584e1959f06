#include "manage.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/core/log.hpp>
#include <casio/core/text.hpp>
#include <casio/es/client.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/sync/connector_doc.hpp>

namespace casio::app {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;

namespace {

constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr std::string_view served_type = "salesforce";

// A usage problem found while preparing a request (exit 2).
struct bad_input : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void pretty(const json::value& v, std::string& out, int depth) {
    auto indent = [&](int d) {
        out += '\n';
        out.append(static_cast<std::size_t>(d) * 2, ' ');
    };
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& [k, x] : o) {
            out += first ? "" : ",";
            first = false;
            indent(depth + 1);
            out += json::serialize(json::string(k));
            out += ": ";
            pretty(x, out, depth + 1);
        }
        indent(depth);
        out += '}';
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const auto& x : a) {
            out += first ? "" : ",";
            first = false;
            indent(depth + 1);
            pretty(x, out, depth + 1);
        }
        indent(depth);
        out += ']';
    } else {
        out += json::serialize(v);
    }
}

// A field as table text: strings as they are, numbers and booleans written, null and absent
// empty.
std::string text_of(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
        return {};
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    return json::serialize(*v);
}

json::value field_of(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v == nullptr ? json::value(nullptr) : *v;
}

std::string connector_id_of_job(const json::object& job) {
    const json::value* c = job.if_contains("connector");
    return c != nullptr && c->is_object() ? text_of(c->get_object(), "id") : std::string();
}

std::string index_of_job(const json::object& job) {
    const json::value* c = job.if_contains("connector");
    return c != nullptr && c->is_object() ? text_of(c->get_object(), "index_name") : std::string();
}

// Columns padded to their widest cell, two spaces apart; a header line above.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        width[c] = header[c].size();
        for (const auto& r : rows) {
            width[c] = std::max(width[c], r[c].size());
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            out += cells[c];
            if (c + 1 < cells.size()) {
                out.append(width[c] - cells[c].size() + 2, ' ');
            }
        }
        out.erase(out.find_last_not_of(' ') + 1);
        std::cout << out << '\n';
    };
    line(header);
    for (const auto& r : rows) {
        line(r);
    }
}

// The summary of a connector the list prints: no configuration (it holds secrets).
json::object connector_summary(const json::object& c) {
    return json::object{{"id", field_of(c, "id")},
                        {"name", field_of(c, "name")},
                        {"index_name", field_of(c, "index_name")},
                        {"service_type", field_of(c, "service_type")},
                        {"status", field_of(c, "status")},
                        {"last_sync_status", field_of(c, "last_sync_status")},
                        {"last_synced", field_of(c, "last_synced")},
                        {"error", field_of(c, "error")}};
}

json::object job_summary(const json::object& j) {
    return json::object{{"id", field_of(j, "id")},
                        {"connector_id", json::string(connector_id_of_job(j))},
                        {"index_name", json::string(index_of_job(j))},
                        {"status", field_of(j, "status")},
                        {"job_type", field_of(j, "job_type")},
                        {"trigger_method", field_of(j, "trigger_method")},
                        {"indexed_document_count", field_of(j, "indexed_document_count")},
                        {"indexed_document_volume", field_of(j, "indexed_document_volume")},
                        {"deleted_document_count", field_of(j, "deleted_document_count")},
                        {"total_document_count", field_of(j, "total_document_count")},
                        {"created_at", field_of(j, "created_at")},
                        {"started_at", field_of(j, "started_at")},
                        {"completed_at", field_of(j, "completed_at")},
                        {"worker_hostname", field_of(j, "worker_hostname")},
                        {"error", field_of(j, "error")}};
}

// A value of a configuration field given as KEY=VALUE, typed as the schema's field says.
json::value typed_value(const std::string& key, const std::string& text,
                        const json::object& field) {
    const std::string type = text_of(field, "type");
    if (type == "int") {
        const auto n = core::parse_number<std::int64_t>(text);
        if (!n) {
            throw bad_input(key + ": expected an integer");
        }
        return *n;
    }
    if (type == "bool") {
        if (text == "true" || text == "false") {
            return text == "true";
        }
        throw bad_input(key + ": expected true or false");
    }
    return json::string(text);
}

// The values of --from-file (a JSON object) and of KEY=VALUE words, every key checked against
// `schema` (the connector's configuration or the service type's schema).
json::object values_from(const cli_options& cli, std::size_t first_word, const json::object& schema,
                         const std::string& owner) {
    json::object values;
    auto check = [&](const std::string& key) -> const json::object& {
        const json::value* f = schema.if_contains(key);
        if (f == nullptr || !f->is_object()) {
            std::string known;
            for (const auto& [k, v] : schema) {
                (void)v;
                known += (known.empty() ? "" : ", ") + std::string(k);
            }
            throw bad_input("unknown configuration field \"" + key + "\" of " + owner +
                            " (known: " + known + ")");
        }
        return f->get_object();
    };
    if (cli.from_file) {
        std::ifstream in(*cli.from_file);
        if (!in) {
            throw bad_input("cannot read " + *cli.from_file);
        }
        std::stringstream text;
        text << in.rdbuf();
        boost::system::error_code ec;
        json::value v = json::parse(text.str(), ec);
        if (ec || !v.is_object()) {
            throw bad_input(*cli.from_file + ": expected a JSON object of configuration values");
        }
        for (const auto& [k, x] : v.get_object()) {
            check(std::string(k));
            values[k] = x;
        }
    }
    for (std::size_t i = first_word; i < cli.args.size(); ++i) {
        const auto& word = cli.args[i];
        const auto eq = word.find('=');
        const std::string key = word.substr(0, eq);
        values[key] = typed_value(key, word.substr(eq + 1), check(key));
    }
    return values;
}

std::string keys_of(const json::object& o) {
    std::string out;
    for (const auto& [k, v] : o) {
        (void)v;
        out += (out.empty() ? "" : ", ") + std::string(k);
    }
    return out;
}

// --------------------------------------------------------------------------------------------

awaitable<int> connector_list(es::client& es, const cli_options& cli) {
    auto connectors = co_await es.list_connectors();
    if (cli.json) {
        json::array out;
        for (const auto& c : connectors) {
            out.push_back(connector_summary(c));
        }
        std::cout << pretty_json(out) << '\n';
        co_return 0;
    }
    if (connectors.empty()) {
        std::cout << "no connector in Elasticsearch\n";
        co_return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : connectors) {
        rows.push_back({text_of(c, "id"), text_of(c, "name"), text_of(c, "index_name"),
                        text_of(c, "service_type"), text_of(c, "status"),
                        text_of(c, "last_sync_status")});
    }
    print_table({"ID", "NAME", "INDEX", "SERVICE TYPE", "STATUS", "LAST SYNC"}, rows);
    co_return 0;
}

awaitable<int> connector_create(es::client& es, const cli_options& cli) {
    const std::string type = cli.service_type.value_or(std::string(served_type));
    if (type != served_type) {
        throw bad_input("service type \"" + type + "\" is not served by connectors-asio (" +
                        std::string(served_type) + ")");
    }
    const json::object schema = salesforce::configuration_schema();
    json::object values = values_from(cli, 0, schema, "service type " + type);
    const std::string index = *cli.index_name;
    json::object body{{"index_name", index},
                      {"name", cli.name.value_or(index)},
                      {"service_type", type},
                      {"is_native", false}};
    std::string id;
    if (cli.id) {
        id = *cli.id;
        if (co_await es.get_connector(id)) {
            throw bad_input("connector " + id + " already exists");
        }
        co_await es.put_connector(id, body);
    } else {
        id = co_await es.post_connector(body);
    }
    json::object full;
    for (const auto& [k, v] : schema) {
        full[k] = v.is_object() ? sync::complete_field(k, v.get_object()) : v;
    }
    json::object configuration{{"configuration", std::move(full)}};
    co_await es.update_configuration(id, configuration);
    if (!values.empty()) {
        json::object update{{"values", std::move(values)}};
        co_await es.update_configuration(id, update);
    }
    if (cli.json) {
        json::object out{{"id", id}, {"index_name", index}, {"service_type", type}};
        std::cout << pretty_json(out) << '\n';
        co_return 0;
    }
    std::cout << "created connector " << id << " (index " << index << ", service type " << type
              << ")\n"
              << "to serve it, add to config.yml:\n"
              << "connectors:\n"
              << "  - connector_id: " << id << "\n"
              << "    service_type: " << type << "\n";
    co_return 0;
}

awaitable<int> connector_update_config(es::client& es, const cli_options& cli) {
    const std::string id = cli.args[0];
    auto connector = co_await es.get_connector(id);
    if (!connector) {
        throw core::error(core::error_kind::not_found, "connector " + id + " does not exist");
    }
    const json::value* configuration = connector->if_contains("configuration");
    json::object schema;
    if (configuration != nullptr && configuration->is_object()) {
        schema = configuration->get_object();
    }
    json::object values = values_from(cli, 1, schema, "connector " + id);
    const std::string keys = keys_of(values);
    json::object update{{"values", std::move(values)}};
    co_await es.update_configuration(id, update);
    if (cli.json) {
        json::array names;
        for (const auto& [k, v] : update.at("values").get_object()) {
            (void)v;
            names.push_back(json::string(k));
        }
        json::object out{{"id", id}, {"updated", std::move(names)}};
        std::cout << pretty_json(out) << '\n';
        co_return 0;
    }
    std::cout << "updated the configuration of connector " << id << ": " << keys << '\n';
    co_return 0;
}

awaitable<int> job_start(es::client& es, const cli_options& cli) {
    if (!co_await es.get_connector(cli.connector_id)) {
        throw core::error(core::error_kind::not_found,
                          "connector " + cli.connector_id + " does not exist");
    }
    auto id = co_await es.create_sync_job(cli.connector_id, cli.job_type, "on_demand");
    if (cli.json) {
        json::object out{{"id", id}};
        std::cout << pretty_json(out) << '\n';
        co_return 0;
    }
    std::cout << "created job " << id << " (" << cli.job_type << ", connector " << cli.connector_id
              << "): pending until a connectors service takes it\n";
    co_return 0;
}

awaitable<int> job_list(es::client& es, const cli_options& cli) {
    auto jobs = co_await es.list_sync_jobs(cli.connector_id);
    if (cli.json) {
        json::array out;
        for (const auto& j : jobs) {
            out.push_back(job_summary(j));
        }
        std::cout << pretty_json(out) << '\n';
        co_return 0;
    }
    if (jobs.empty()) {
        std::cout << "no job of connector " << cli.connector_id << '\n';
        co_return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& j : jobs) {
        rows.push_back({text_of(j, "id"), text_of(j, "job_type"), text_of(j, "status"),
                        text_of(j, "trigger_method"), text_of(j, "indexed_document_count"),
                        text_of(j, "deleted_document_count"), text_of(j, "indexed_document_volume"),
                        text_of(j, "created_at")});
    }
    print_table(
        {"ID", "TYPE", "STATUS", "TRIGGER", "INDEXED", "DELETED", "VOLUME (MiB)", "CREATED"}, rows);
    co_return 0;
}

awaitable<json::object> existing_job(es::client& es, const std::string& id) {
    auto job = co_await es.get_sync_job(id);
    if (!job) {
        throw core::error(core::error_kind::not_found, "job " + id + " does not exist");
    }
    co_return std::move(*job);
}

void print_job(const json::object& job, bool as_json) {
    auto summary = job_summary(job);
    if (as_json) {
        std::cout << pretty_json(summary) << '\n';
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : summary) {
        (void)v;
        rows.push_back({std::string(k), text_of(summary, k)});
    }
    print_table({"FIELD", "VALUE"}, rows);
}

awaitable<int> job_view(es::client& es, const cli_options& cli) {
    auto job = co_await existing_job(es, cli.args[0]);
    print_job(job, cli.json);
    co_return 0;
}

awaitable<int> job_cancel(es::client& es, const cli_options& cli) {
    const std::string id = cli.args[0];
    co_await existing_job(es, id);
    co_await es.cancel_sync_job(id);
    auto job = co_await existing_job(es, id);
    if (cli.json) {
        print_job(job, true);
        co_return 0;
    }
    std::cout << "job " << id << ": " << text_of(job, "status") << '\n';
    co_return 0;
}

awaitable<int> dispatch(es::client& es, const cli_options& cli) {
    if (cli.cmd == cli_options::command::connector) {
        if (cli.subcommand == "list") {
            co_return co_await connector_list(es, cli);
        }
        if (cli.subcommand == "create") {
            co_return co_await connector_create(es, cli);
        }
        co_return co_await connector_update_config(es, cli);
    }
    if (cli.subcommand == "start") {
        co_return co_await job_start(es, cli);
    }
    if (cli.subcommand == "list") {
        co_return co_await job_list(es, cli);
    }
    if (cli.subcommand == "view") {
        co_return co_await job_view(es, cli);
    }
    co_return co_await job_cancel(es, cli);
}

}  // namespace

std::string pretty_json(const json::value& v) {
    std::string out;
    pretty(v, out, 0);
    return out;
}

int print_service_types() {
    std::cout << served_type << '\n';
    return 0;
}

int print_config_schema(const std::string& service_type) {
    if (service_type != served_type) {
        std::cerr << "connectors-asio: no connector for service type \"" << service_type
                  << "\"; connectors-asio serves " << served_type << '\n';
        return exit_usage;
    }
    json::object schema;
    for (const auto& [k, v] : salesforce::configuration_schema()) {
        schema[k] = v.is_object() ? sync::complete_field(k, v.get_object()) : v;
    }
    std::cout << pretty_json(schema) << '\n';
    return 0;
}

int run_manage(const settings& cfg, const cli_options& cli) {
    asio::io_context ctx(1);
    // Someone waits at the terminal: two attempts at most, not the service's patience.
    auto opts = es::options_from_config(cfg.elasticsearch);
    opts.retries.max_retries = std::min(opts.retries.max_retries, 2);
    opts.retries.retry_interval =
        std::min(opts.retries.retry_interval, std::chrono::milliseconds(2000));
    http::client http(ctx.get_executor(), es::http_options(opts));
    http::client_transport transport(http);
    es::client es(transport, opts);
    int exit_code = exit_failed;
    const std::string what =
        "connectors-asio " +
        std::string(cli.cmd == cli_options::command::connector ? "connector " : "job ") +
        cli.subcommand;
    asio::co_spawn(ctx, dispatch(es, cli), [&](std::exception_ptr e, int code) {
        http.close();
        if (!e) {
            exit_code = code;
            return;
        }
        try {
            std::rethrow_exception(std::move(e));
        } catch (const bad_input& b) {
            std::cerr << what << ": " << core::log::redact(b.what()) << '\n';
            exit_code = exit_usage;
        } catch (const std::exception& x) {
            std::cerr << what << ": " << core::log::redact(x.what()) << '\n';
            exit_code = exit_failed;
        }
    });
    ctx.run();
    return exit_code;
}

}  // namespace casio::app
