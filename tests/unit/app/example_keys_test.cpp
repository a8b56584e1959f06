// conf/config.yml.example against the loader, both ways: every key the example shows (the
// commented-out ones too) is one the loader reads or lists as accepted but not used, and every
// key the loader reads is shown in the example. A key added to a section's table without a
// line in the example, or a documented key the binary does not know, fails here.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <settings.hpp>
#include <sstream>
#include <string>
#include <support/config_fixture.hpp>

#include <casio/es/settings.hpp>
#include <casio/salesforce/factory.hpp>
#include <casio/sync/extraction_service.hpp>
#include <casio/sync/local_extraction.hpp>
#include <casio/sync/settings.hpp>

using namespace casio;

namespace {

// Maps whose keys are names chosen by the user, not keys of the loader.
const std::set<std::string> free_form{"elasticsearch.headers", "sources",
                                      "connectors.configuration"};

std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
}

void collect(const core::config_node& n, const std::string& path, std::set<std::string>& out) {
    if (n.k == core::config_node::kind::sequence) {
        for (const auto& item : n.items) {
            collect(item, path, out);
        }
        return;
    }
    if (n.k != core::config_node::kind::map) {
        return;
    }
    for (const auto& e : n.entries) {
        const std::string p = join(path, e.key);
        out.insert(p);
        if (!free_form.count(p)) {
            collect(e.value, p, out);
        }
    }
}

// The example with its commented-out settings switched on: a line whose first `#` is followed by a
// key (not by a space, as prose is) is a setting, and so are the lines right below it whose `#`
// is followed by two spaces (the rest of a commented-out block). Trailing comments stay comments.
std::string uncommented_example() {
    std::ifstream in(CASIO_SOURCE_DIR "/conf/config.yml.example");
    std::stringstream out;
    std::string line;
    bool in_block = false;
    while (std::getline(in, line)) {
        const auto hash = line.find_first_not_of(' ');
        const bool comment = hash != std::string::npos && line[hash] == '#';
        const bool setting =
            comment && hash + 1 < line.size() && line[hash + 1] != ' ' && line[hash + 1] != '#';
        const bool continued = comment && in_block && line.compare(hash, 3, "#  ") == 0;
        in_block = setting || continued;
        if (in_block) {
            line.erase(hash, 1);
        }
        out << line << '\n';
    }
    return out.str();
}

template <class T>
void add_table(const core::config_table<T>& table, const std::string& prefix,
               std::set<std::string>& out) {
    for (const auto& entry : table.entries) {
        out.insert(join(prefix, entry.key));
    }
}

std::set<std::string> loader_keys() {
    std::set<std::string> keys;
    add_table(sync::config_table(), "", keys);
    keys.insert({"salesforce", "extraction_service", "extraction"});  // added by settings.cpp
    add_table(es::elasticsearch_table(), "elasticsearch", keys);
    add_table(es::bulk_table(), "elasticsearch.bulk", keys);
    add_table(es::error_monitor_table(), "elasticsearch.bulk.error_monitor", keys);
    add_table(sync::service_table(), "service", keys);
    add_table(sync::http_endpoint_table(), "service.http", keys);
    add_table(sync::connector_table(), "connectors", keys);
    add_table(salesforce::settings_table(), "salesforce", keys);
    add_table(sync::extraction_service_table(), "extraction_service", keys);
    add_table(sync::extraction_table(), "extraction", keys);
    for (std::string key : app::accepted_but_unused()) {
        if (key.size() > 2 && key.compare(key.size() - 2, 2, ".*") == 0) {
            key.resize(key.size() - 2);
        }
        keys.insert(key);
    }
    return keys;
}

std::string listed(const std::set<std::string>& keys) {
    std::string s;
    for (const auto& k : keys) {
        s += (s.empty() ? "" : ", ") + k;
    }
    return s;
}

}  // namespace

TEST_CASE("conf/config.yml.example shows exactly the keys the loader knows",
          "[config][example][keys]") {
    test::fake_env env;
    for (const char* name :
         {"ES_API_KEY", "CONNECTOR_API_KEY", "SF_CLIENT_ID", "SF_CLIENT_SECRET"}) {
        env.vars[name] = "x";
    }
    const auto root =
        core::parse_config_string(uncommented_example(), "config.yml.example", env.lookup());
    std::set<std::string> documented;
    collect(root, "", documented);
    const auto known = loader_keys();

    std::set<std::string> unknown_to_loader;
    for (const auto& k : documented) {
        if (!known.count(k)) {
            unknown_to_loader.insert(k);
        }
    }
    std::set<std::string> undocumented;
    for (const auto& k : known) {
        if (!documented.count(k)) {
            undocumented.insert(k);
        }
    }
    INFO("in the example but not read by the binary: " << listed(unknown_to_loader));
    INFO("read by the binary but not in the example: " << listed(undocumented));
    CHECK(unknown_to_loader.empty());
    CHECK(undocumented.empty());
}
