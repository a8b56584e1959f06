// The Elasticsearch test double itself (tests/support/mock_es_transport): unscripted requests
// are answered by casio::mock_es, the recorder keeps what was sent, and a scripted fault
// replaces exactly the answer it names.
#include "support/mock_es_transport.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "support/run.hpp"

using namespace casio;
using test::mock_es_transport;
using test::run;
namespace json = boost::json;

namespace {

http::request get(std::string target) {
    http::request r;
    r.url = "http://es.test:9200" + target;
    return r;
}

}  // namespace

TEST_CASE("mock_es_transport: unscripted calls are answered by mock_es and recorded",
          "[es][mock_es_transport]") {
    mock_es_transport t;
    es::client c(t, test::es_test_options());
    CHECK(run(c.info()).version_number == "9.6.0");
    CHECK_FALSE(run(c.index_exists("search-a")));
    run(c.create_index("search-a"));
    CHECK(run(c.index_exists("search-a")));
    CHECK(t.store().find("search-a") != nullptr);
    REQUIRE(t.requests().size() == 4);
    CHECK(t.requests()[2].verb == http::method::put);
    CHECK(test::path_of(t.requests()[2]) == "/search-a");
    CHECK(test::field(t.requests()[2], "x-elastic-product-origin") == "connectors");
    CHECK(t.sent(http::method::head, "/search-a").size() == 2);
}

TEST_CASE("mock_es_transport: a scripted fault takes the nth matching request only",
          "[es][mock_es_transport]") {
    mock_es_transport t;
    t.script({http::method::get, "/_license"}, test::es_response(429, "{}"), 2);
    t.fail(core::error(core::error_kind::transient, "connection refused"));
    CHECK_THROWS_WITH(run(t.send(get("/"))), "connection refused");  // the unmatched queue first
    CHECK(run(t.send(get("/_license"))).status == 200);
    CHECK(run(t.send(get("/"))).status == 200);  // not a match: does not count
    CHECK(run(t.send(get("/_license"))).status == 429);
    CHECK(run(t.send(get("/_license"))).status == 200);
    CHECK(t.pending() == 0);
}

TEST_CASE("mock_es_transport: mock_es's bulk item fault rejects the items it names",
          "[es][mock_es_transport]") {
    mock_es_transport t;
    t.es().set_bulk_item_fault(
        [](std::string_view, std::string_view id) -> std::optional<mock_es::es_error> {
            if (id != "bad") {
                return std::nullopt;
            }
            return mock_es::es_error(400, "mapper_parsing_exception", "failed to parse");
        });
    es::client c(t, test::es_test_options());
    es::bulk_builder b;
    b.add_index("i", "good", "{}");
    b.add_index("i", "bad", "{}");
    auto r = run(c.bulk(b));
    REQUIRE(r.items.size() == 2);
    CHECK(r.items[0].succeeded());
    CHECK_FALSE(r.items[1].succeeded());
    CHECK(t.doc("i", "good"));
    CHECK_FALSE(t.doc("i", "bad"));
}
