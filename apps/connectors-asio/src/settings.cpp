#include "settings.hpp"

namespace casio::app {

const std::vector<std::string>& accepted_but_unused() {
    static const std::vector<std::string> keys{
        "elasticsearch.log_level",                    // service.log_level sets the level
        "elasticsearch.feature_use_connectors_api",   // the connector indices are always used
        "elasticsearch.bulk.queue_refresh_interval",  // the queue wakes its reader directly
        "service.fips_mode",  // TLS comes from the system OpenSSL configuration
    };
    return keys;
}

namespace {

const core::config_table<settings>& settings_table() {
    static const core::config_table<settings> table = [] {
        auto t = core::derived_table<settings>(sync::config_table());
        t.entries.push_back(
            core::subsection("salesforce", &settings::salesforce, salesforce::settings_table()));
        t.entries.push_back(core::subsection("extraction_service", &settings::extraction_service,
                                             sync::extraction_service_table()));
        t.entries.push_back(
            core::subsection("extraction", &settings::extraction, sync::extraction_table()));
        return t;
    }();
    return table;
}

}  // namespace

loaded_settings read_settings(const core::config_node& root) {
    core::config_reader reader(accepted_but_unused());
    loaded_settings out;
    reader.read(root, "", settings_table(), out.cfg);
    out.warnings = reader.warnings();
    out.unused = reader.unused_present();
    return out;
}

loaded_settings load_settings_string(std::string_view yaml, std::string_view source_name,
                                     const core::env_lookup& env) {
    return read_settings(core::parse_config_string(yaml, source_name, env));
}

loaded_settings load_settings_file(const std::string& path, const core::env_lookup& env) {
    return read_settings(core::parse_config_file(path, env));
}

std::string unused_keys_line(const loaded_settings& loaded) {
    if (loaded.unused.empty()) {
        return {};
    }
    std::string line = "accepted but not used:";
    for (std::size_t i = 0; i < loaded.unused.size(); ++i) {
        line += (i == 0 ? " " : ", ") + loaded.unused[i];
    }
    return line;
}

}  // namespace casio::app
