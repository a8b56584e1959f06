#pragma once
// The preamble of an integration test that runs connectors-asio between the mock binaries.
// When all three binaries were built it defines CASIO_SERVICE_TESTS, includes the environment
// (service_env.hpp) and what these tests all use, and brings in the names they read unqualified.
// Only a test's .cpp includes it, first, as its one preamble:
//   #include "support/service_test.hpp"
//   #ifdef CASIO_SERVICE_TESTS ... #endif

#include "support/service_env.hpp"

#if defined(CASIO_BIN_CONNECTORS_ASIO) && defined(CASIO_BIN_MOCK_ELASTICSEARCH) && \
    defined(CASIO_BIN_MOCK_SALESFORCE)

#define CASIO_SERVICE_TESTS 1

#include <csignal>
#include <fstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace casio;
using namespace casio::test;
namespace asio = boost::asio;
namespace json = boost::json;

#endif
