#pragma once
// Wiring: the `elasticsearch.*` section of config.yml as Elasticsearch client options.

#include <casio/core/config.hpp>
#include <casio/es/options.hpp>

namespace casio::app {

inline es::client_options es_options_from(const core::elasticsearch_config& c) {
    return es::options_from_config(c);
}

}  // namespace casio::app
