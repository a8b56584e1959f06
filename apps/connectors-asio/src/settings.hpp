#pragma once
// The whole config.yml of connectors-asio: the sync service's sections (elasticsearch, service,
// connectors, sources), the `salesforce:` section, and the one list of keys accepted but not
// acted on.

#include <string>
#include <string_view>
#include <vector>

#include <casio/core/config.hpp>
#include <casio/salesforce/factory.hpp>
#include <casio/sync/extraction_service.hpp>
#include <casio/sync/local_extraction.hpp>
#include <casio/sync/settings.hpp>

namespace casio::app {

struct settings : sync::config {
    salesforce::service_settings salesforce;
    sync::extraction_service_settings extraction_service;
    sync::extraction_settings extraction;
};

// Keys the Python service reads, so they may be in a config.yml written for it, that this
// service accepts without acting on them. "a.*" stands for `a` and every key under it.
const std::vector<std::string>& accepted_but_unused();

struct loaded_settings {
    settings cfg;
    std::vector<std::string> warnings;  // unknown keys (by dotted path), skipped connectors...
    std::vector<std::string> unused;    // the keys of the file on the accepted_but_unused list
};

loaded_settings read_settings(const core::config_node& root);
loaded_settings load_settings_string(std::string_view yaml, std::string_view source_name,
                                     const core::env_lookup& env = core::process_env);
loaded_settings load_settings_file(const std::string& path,
                                   const core::env_lookup& env = core::process_env);

// "accepted but not used: <keys>", logged once at start; empty when the file has none.
std::string unused_keys_line(const loaded_settings& loaded);

}  // namespace casio::app
