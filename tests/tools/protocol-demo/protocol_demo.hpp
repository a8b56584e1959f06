#pragma once
// The protocol demo: the connector protocol end to end against a real (or mock)
// Elasticsearch, without a data source: a test tool (it writes sample documents into the
// first configured connector's index), never part of connectors-asio.

#include <boost/asio/awaitable.hpp>

#include "settings.hpp"

namespace casio::app {

// Returns the process exit code: 0 when the job completed.
boost::asio::awaitable<int> run_protocol_demo(const settings& cfg);

}  // namespace casio::app
