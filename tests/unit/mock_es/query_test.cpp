#include "query.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/time.hpp>

#include "es_error.hpp"
#include "query_string.hpp"

namespace json = boost::json;
using casio::mock_es::es_error;
using casio::mock_es::filter_source;
using casio::mock_es::query;
using casio::mock_es::sort_spec;

namespace {

std::chrono::system_clock::time_point instant(const char* iso) {
    const auto t = casio::core::parse_iso8601_ns(iso);
    if (!t) {
        throw std::invalid_argument(iso);
    }
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(*t);
}

const auto default_now = instant("2025-03-01T12:00:00Z");

bool matches(const char* q, const char* doc, const char* id = "doc-1",
             std::chrono::system_clock::time_point now = default_now) {
    json::value qv = json::parse(q);
    json::value dv = json::parse(doc);
    return query::parse(&qv).matches(id, dv.get_object(), now);
}

es_error parse_error(const char* q) {
    json::value qv = json::parse(q);
    try {
        query::parse(&qv);
    } catch (const es_error& e) {
        return e;
    }
    FAIL("query parsed but should have been rejected: " << q);
    return es_error(0, "", "");
}

}  // namespace

TEST_CASE("missing query and match_all match every document, match_none none", "[mock_es][query]") {
    json::value doc = json::parse(R"({"a":1})");
    CHECK(query::parse(nullptr).matches("x", doc.get_object(), default_now));
    CHECK(query::parse(nullptr).is_match_all());
    CHECK(matches(R"({"match_all":{}})", R"({})"));
    CHECK(matches(R"({"match_all":{"boost":1.2}})", R"({"a":1})"));
    CHECK_FALSE(matches(R"({"match_none":{}})", R"({"a":1})"));
}

TEST_CASE("term compares strings exactly and coerces numbers and booleans", "[mock_es][query]") {
    CHECK(matches(R"({"term":{"status":"pending"}})", R"({"status":"pending"})"));
    CHECK_FALSE(matches(R"({"term":{"status":"pending"}})", R"({"status":"Pending"})"));
    CHECK_FALSE(matches(R"({"term":{"status":"pending"}})", R"({"other":"pending"})"));
    CHECK(matches(R"({"term":{"status":{"value":"pending"}}})", R"({"status":"pending"})"));
    CHECK(matches(R"({"term":{"status":{"value":"PENDING","case_insensitive":true}}})",
                  R"({"status":"pending"})"));
    CHECK(matches(R"({"term":{"deleted":true}})", R"({"deleted":true})"));
    CHECK_FALSE(matches(R"({"term":{"deleted":true}})", R"({"deleted":false})"));
    CHECK_FALSE(matches(R"({"term":{"deleted":true}})", R"({})"));
    CHECK(matches(R"({"term":{"deleted":"true"}})", R"({"deleted":true})"));
    CHECK(matches(R"({"term":{"n":5}})", R"({"n":5.0})"));
    CHECK(matches(R"({"term":{"n":"5"}})", R"({"n":5})"));
    CHECK(matches(R"({"term":{"n":5}})", R"({"n":"5"})"));
    CHECK_FALSE(matches(R"({"term":{"n":5}})", R"({"n":6})"));
    CHECK_FALSE(matches(R"({"term":{"n":5}})", R"({"n":null})"));
}

TEST_CASE("term walks dotted paths, arrays, dotted keys, .keyword and _id", "[mock_es][query]") {
    CHECK(matches(R"({"term":{"connector.id":"c1"}})", R"({"connector":{"id":"c1"}})"));
    CHECK_FALSE(matches(R"({"term":{"connector.id":"c1"}})", R"({"connector":{"id":"c2"}})"));
    CHECK(matches(R"({"term":{"tags":"b"}})", R"({"tags":["a","b"]})"));
    CHECK(matches(R"({"term":{"items.name":"y"}})", R"({"items":[{"name":"x"},{"name":"y"}]})"));
    CHECK(matches(R"({"term":{"connector.sync_cursor":"c"}})", R"({"connector.sync_cursor":"c"})"));
    CHECK(matches(R"({"term":{"a.b.c":1}})", R"({"a":{"b.c":1}})"));
    CHECK(matches(R"({"term":{"name.keyword":"My Name"}})", R"({"name":"My Name"})"));
    CHECK(matches(R"({"term":{"_id":"doc-1"}})", R"({})"));
    CHECK_FALSE(matches(R"({"term":{"_id":"doc-2"}})", R"({})"));
}

TEST_CASE("terms matches any listed value, including _id", "[mock_es][query]") {
    CHECK(matches(R"({"terms":{"status":["pending","suspended"]}})", R"({"status":"suspended"})"));
    CHECK_FALSE(
        matches(R"({"terms":{"status":["pending","suspended"]}})", R"({"status":"error"})"));
    CHECK(matches(R"({"terms":{"_id":["a","doc-1"]}})", R"({})"));
    CHECK_FALSE(matches(R"({"terms":{"_id":["a","b"]}})", R"({})"));
    CHECK_FALSE(matches(R"({"terms":{"status":[]}})", R"({"status":"x"})"));
    CHECK(matches(R"({"terms":{"n":[1,2,3],"boost":2}})", R"({"n":[9,3]})"));
}

TEST_CASE("ids and exists", "[mock_es][query]") {
    CHECK(matches(R"({"ids":{"values":["doc-1","doc-2"]}})", R"({})"));
    CHECK_FALSE(matches(R"({"ids":{"values":["doc-3"]}})", R"({})"));
    CHECK(matches(R"({"exists":{"field":"error"}})", R"({"error":"boom"})"));
    CHECK_FALSE(matches(R"({"exists":{"field":"error"}})", R"({"error":null})"));
    CHECK_FALSE(matches(R"({"exists":{"field":"error"}})", R"({})"));
    CHECK_FALSE(matches(R"({"exists":{"field":"tags"}})", R"({"tags":[]})"));
    CHECK(matches(R"({"exists":{"field":"connector.id"}})", R"({"connector":{"id":"x"}})"));
    CHECK(matches(R"({"exists":{"field":"connector"}})", R"({"connector":{"id":"x"}})"));
}

TEST_CASE("range on numbers and strings", "[mock_es][query]") {
    CHECK(matches(R"({"range":{"n":{"gt":1,"lte":5}}})", R"({"n":5})"));
    CHECK_FALSE(matches(R"({"range":{"n":{"gt":1,"lt":5}}})", R"({"n":5})"));
    CHECK_FALSE(matches(R"({"range":{"n":{"gt":1}}})", R"({"n":1})"));
    CHECK(matches(R"({"range":{"n":{"gte":1}}})", R"({"n":1})"));
    CHECK(matches(R"({"range":{"n":{"gte":"1.5"}}})", R"({"n":2})"));
    CHECK_FALSE(matches(R"({"range":{"n":{"gte":1}}})", R"({})"));
    CHECK(matches(R"({"range":{"name":{"gte":"b","lt":"c"}}})", R"({"name":"bob"})"));
    CHECK_FALSE(matches(R"({"range":{"name":{"gte":"b","lt":"c"}}})", R"({"name":"carl"})"));
    CHECK(matches(R"({"range":{"n":{"from":1,"to":3,"include_upper":false}}})", R"({"n":2})"));
    CHECK_FALSE(
        matches(R"({"range":{"n":{"from":1,"to":3,"include_upper":false}}})", R"({"n":3})"));
    CHECK(matches(R"({"range":{"n":{"gte":null,"lte":3}}})", R"({"n":-100})"));
}

TEST_CASE("range on dates compares instants across offsets and precisions", "[mock_es][query]") {
    CHECK(matches(R"({"range":{"t":{"gte":"2025-03-01T10:00:00Z"}}})",
                  R"({"t":"2025-03-01T11:30:00+01:00"})"));  // 10:30Z
    CHECK_FALSE(matches(R"({"range":{"t":{"gte":"2025-03-01T10:00:00Z"}}})",
                        R"({"t":"2025-03-01T10:30:00+02:00"})"));  // 08:30Z
    // date fields hold milliseconds: sub-millisecond differences do not count
    CHECK_FALSE(matches(R"({"range":{"t":{"gt":"2025-03-01T10:15:02.123Z"}}})",
                        R"({"t":"2025-03-01T10:15:02.123999Z"})"));
    CHECK(matches(R"({"range":{"t":{"gt":"2025-03-01T10:15:02.123Z"}}})",
                  R"({"t":"2025-03-01T10:15:02.124Z"})"));
    CHECK(matches(R"({"range":{"t":{"lt":"2025-03-02"}}})", R"({"t":"2025-03-01T23:59:59"})"));
    // lte/gt fill what a date leaves out with its maximum; gte/lt with its minimum
    CHECK(
        matches(R"({"range":{"t":{"lte":"2025-03-01"}}})", R"({"t":"2025-03-01T23:59:59.999Z"})"));
    CHECK_FALSE(
        matches(R"({"range":{"t":{"lte":"2025-03-01"}}})", R"({"t":"2025-03-02T00:00:00Z"})"));
    CHECK_FALSE(
        matches(R"({"range":{"t":{"gt":"2025-03-01"}}})", R"({"t":"2025-03-01T12:00:00Z"})"));
    CHECK(matches(R"({"range":{"t":{"gte":"2025-03-01"}}})", R"({"t":"2025-03-01T00:00:00Z"})"));
    CHECK(matches(R"({"range":{"t":{"lte":"2025-03-01T10:00"}}})",
                  R"({"t":"2025-03-01T10:00:59Z"})"));
    CHECK_FALSE(matches(R"({"range":{"t":{"lte":"2025-03-01T10:00:00"}}})",
                        R"({"t":"2025-03-01T10:00:01Z"})"));
    CHECK(matches(R"({"range":{"t":{"lte":"2025-03-01T10:00:00+01:00"}}})",
                  R"({"t":"2025-03-01T09:00:00.999Z"})"));
    // epoch millis bound against an ISO document value
    CHECK(matches(R"({"range":{"t":{"gte":1740830400000}}})", R"({"t":"2025-03-01T12:00:00Z"})"));
    CHECK_FALSE(
        matches(R"({"range":{"t":{"gt":1740830400000}}})", R"({"t":"2025-03-01T12:00:00Z"})"));
}

TEST_CASE("range date math resolves against the injected now", "[mock_es][query]") {
    const auto now = instant("2025-03-01T12:00:00Z");
    const char* stale = R"({"range":{"last_seen":{"lte":"now-300s"}}})";
    CHECK(matches(stale, R"({"last_seen":"2025-03-01T11:55:00Z"})", "j", now));
    CHECK(matches(stale, R"({"last_seen":"2025-03-01T11:00:00.123456+00:00"})", "j", now));
    CHECK_FALSE(matches(stale, R"({"last_seen":"2025-03-01T11:55:00.001Z"})", "j", now));
    CHECK_FALSE(matches(stale, R"({"last_seen":"2025-03-01T11:59:00Z"})", "j", now));
    CHECK_FALSE(matches(stale, R"({"last_seen":null})", "j", now));
    CHECK_FALSE(matches(stale, R"({})", "j", now));
    // a later `now` makes the same document stale
    CHECK(matches(stale, R"({"last_seen":"2025-03-01T11:59:00Z"})", "j",
                  instant("2025-03-01T12:10:00Z")));

    CHECK(
        matches(R"({"range":{"t":{"gt":"now"}}})", R"({"t":"2025-03-01T12:00:00.5Z"})", "j", now));
    CHECK(
        matches(R"({"range":{"t":{"lt":"now+5m"}}})", R"({"t":"2025-03-01T12:04:59Z"})", "j", now));
    CHECK_FALSE(
        matches(R"({"range":{"t":{"lt":"now+5m"}}})", R"({"t":"2025-03-01T12:05:00Z"})", "j", now));
    CHECK(matches(R"({"range":{"t":{"gte":"now-1h"}}})", R"({"t":"2025-03-01T11:00:00Z"})", "j",
                  now));
    CHECK(matches(R"({"range":{"t":{"gte":"now-2H"}}})", R"({"t":"2025-03-01T10:00:00Z"})", "j",
                  now));
    CHECK(matches(R"({"range":{"t":{"gte":"now-1w"}}})", R"({"t":"2025-02-22T12:00:00Z"})", "j",
                  now));
    CHECK_FALSE(matches(R"({"range":{"t":{"gte":"now-1w"}}})", R"({"t":"2025-02-22T11:59:59Z"})",
                        "j", now));
    // months and years are calendar arithmetic
    CHECK(matches(R"({"range":{"t":{"gte":"now-1M"}}})", R"({"t":"2025-02-01T12:00:00Z"})", "j",
                  now));
    CHECK_FALSE(matches(R"({"range":{"t":{"gte":"now-1M"}}})", R"({"t":"2025-01-31T12:00:00Z"})",
                        "j", now));
    CHECK(matches(R"({"range":{"t":{"gte":"now-1y"}}})", R"({"t":"2024-03-01T12:00:00Z"})", "j",
                  now));
    // epoch-millis document values work with date math
    CHECK(matches(R"({"range":{"t":{"lte":"now-1s"}}})", R"({"t":1740830398000})", "j", now));
}

TEST_CASE("range date math rounding follows ES (gte/lt down, gt/lte up)", "[mock_es][query]") {
    const auto now = instant("2025-03-05T15:30:00Z");
    // now-1d/d = 2025-03-04T00:00:00 (gte) or 2025-03-04T23:59:59.999 (lte)
    CHECK(matches(R"({"range":{"t":{"gte":"now-1d/d"}}})", R"({"t":"2025-03-04T00:00:00Z"})", "j",
                  now));
    CHECK_FALSE(matches(R"({"range":{"t":{"gte":"now-1d/d"}}})", R"({"t":"2025-03-03T23:59:59Z"})",
                        "j", now));
    CHECK(matches(R"({"range":{"t":{"lte":"now-1d/d"}}})", R"({"t":"2025-03-04T23:59:59.999Z"})",
                  "j", now));
    CHECK_FALSE(matches(R"({"range":{"t":{"lte":"now-1d/d"}}})", R"({"t":"2025-03-05T00:00:00Z"})",
                        "j", now));
    CHECK_FALSE(
        matches(R"({"range":{"t":{"gt":"now/d"}}})", R"({"t":"2025-03-05T23:00:00Z"})", "j", now));
    CHECK(
        matches(R"({"range":{"t":{"gt":"now/d"}}})", R"({"t":"2025-03-06T00:00:00Z"})", "j", now));
    CHECK(
        matches(R"({"range":{"t":{"lt":"now/d"}}})", R"({"t":"2025-03-04T23:59:59Z"})", "j", now));
    CHECK(
        matches(R"({"range":{"t":{"gte":"now/M"}}})", R"({"t":"2025-03-01T00:00:00Z"})", "j", now));
    CHECK(matches(R"({"range":{"t":{"gte":"now/w"}}})", R"({"t":"2025-03-03T00:00:00Z"})", "j",
                  now));  // Monday
    CHECK_FALSE(
        matches(R"({"range":{"t":{"gte":"now/w"}}})", R"({"t":"2025-03-02T23:59:59Z"})", "j", now));
    CHECK(matches(R"({"range":{"t":{"gte":"2025-01-31||+1M"}}})", R"({"t":"2025-02-28T00:00:00Z"})",
                  "j", now));
    CHECK_FALSE(matches(R"({"range":{"t":{"gte":"2025-01-31||+1M"}}})",
                        R"({"t":"2025-02-27T23:59:59Z"})", "j", now));
}

TEST_CASE("bool combines must, filter, should and must_not", "[mock_es][query]") {
    const char* q = R"({"bool":{"must":{"term":{"a":1}},"filter":[{"term":{"b":2}}],
                                "must_not":[{"term":{"c":3}}]}})";
    CHECK(matches(q, R"({"a":1,"b":2})"));
    CHECK_FALSE(matches(q, R"({"a":1,"b":2,"c":3})"));
    CHECK_FALSE(matches(q, R"({"a":1})"));

    const char* should_only = R"({"bool":{"should":[{"term":{"a":1}},{"term":{"b":2}}]}})";
    CHECK(matches(should_only, R"({"b":2})"));
    CHECK_FALSE(matches(should_only, R"({"c":3})"));

    // next to a filter, should clauses are optional
    const char* with_filter = R"({"bool":{"filter":{"term":{"a":1}},"should":[{"term":{"b":2}}]}})";
    CHECK(matches(with_filter, R"({"a":1})"));

    const char* msm = R"({"bool":{"should":[{"term":{"a":1}},{"term":{"b":2}},{"term":{"c":3}}],
                                  "minimum_should_match":2}})";
    CHECK(matches(msm, R"({"a":1,"c":3})"));
    CHECK_FALSE(matches(msm, R"({"a":1})"));
    const char* msm_pct = R"({"bool":{"should":[{"term":{"a":1}},{"term":{"b":2}}],
                                      "minimum_should_match":"100%"}})";
    CHECK_FALSE(matches(msm_pct, R"({"a":1})"));
    CHECK(matches(msm_pct, R"({"a":1,"b":2})"));
    const char* msm_neg = R"({"bool":{"should":[{"term":{"a":1}},{"term":{"b":2}}],
                                      "minimum_should_match":-1}})";
    CHECK(matches(msm_neg, R"({"b":2})"));

    CHECK(matches(R"({"bool":{}})", R"({"x":1})"));
    CHECK(matches(R"({"bool":{"must_not":{"term":{"deleted":true}}}})", R"({"x":1})"));
    CHECK(matches(R"({"bool":{"must":[{"bool":{"should":[{"term":{"a":1}}]}}]}})", R"({"a":1})"));
}

TEST_CASE("prefix, wildcard and match", "[mock_es][query]") {
    CHECK(matches(R"({"prefix":{"index_name":"search-"}})", R"({"index_name":"search-sf"})"));
    CHECK_FALSE(
        matches(R"({"prefix":{"index_name":"search-"}})", R"({"index_name":"content-sf"})"));
    CHECK(matches(R"({"prefix":{"index_name":{"value":"SEARCH","case_insensitive":true}}})",
                  R"({"index_name":"search-sf"})"));
    CHECK(matches(R"({"wildcard":{"name":"*sales*"}})", R"({"name":"my salesforce"})"));
    CHECK(matches(R"({"wildcard":{"name":{"value":"a?c"}}})", R"({"name":"abc"})"));
    CHECK_FALSE(matches(R"({"wildcard":{"name":"a?c"}})", R"({"name":"abbc"})"));
    CHECK(matches(R"({"wildcard":{"_id":"doc-*"}})", R"({})"));
    CHECK(matches(R"({"match":{"title":"quick fox"}})", R"({"title":"The Quick brown fox"})"));
    CHECK(matches(R"({"match":{"title":"slow fox"}})", R"({"title":"The Quick brown fox"})"));
    CHECK_FALSE(matches(R"({"match":{"title":{"query":"slow fox","operator":"and"}}})",
                        R"({"title":"The Quick brown fox"})"));
    CHECK_FALSE(matches(R"({"match":{"title":"slow"}})", R"({"title":"The Quick brown fox"})"));
    CHECK(matches(R"({"match":{"n":3}})", R"({"n":3})"));
    CHECK(matches(R"({"constant_score":{"filter":{"term":{"a":1}}}})", R"({"a":1})"));
}

TEST_CASE("protocol 2.1 discovery queries", "[mock_es][query][protocol]") {
    const char* by_ids =
        R"({"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"_id":["c1","c2"]}}]}})";
    CHECK(matches(by_ids, R"({"deleted":false,"service_type":"salesforce"})", "c1"));
    CHECK(matches(by_ids, R"({"service_type":"salesforce"})", "c2"));
    CHECK_FALSE(matches(by_ids, R"({"deleted":true})", "c1"));
    CHECK_FALSE(matches(by_ids, R"({"deleted":false})", "c3"));

    const char* by_types =
        R"({"bool":{"must_not":[{"term":{"deleted":true}}],"filter":[{"terms":{"service_type":["salesforce"]}},{"term":{"is_native":false}}]}})";
    CHECK(matches(by_types, R"({"deleted":false,"service_type":"salesforce","is_native":false})",
                  "x"));
    CHECK_FALSE(matches(by_types, R"({"service_type":"salesforce","is_native":true})", "x"));
    CHECK_FALSE(matches(by_types, R"({"service_type":"jira","is_native":false})", "x"));

    std::string both = std::string(R"({"bool":{"should":[)") + by_types + "," + by_ids + "]}}";
    CHECK(matches(both.c_str(), R"({"service_type":"jira","is_native":true})", "c1"));
    CHECK(matches(both.c_str(), R"({"service_type":"salesforce","is_native":false})", "zz"));
    CHECK_FALSE(matches(both.c_str(), R"({"service_type":"jira","is_native":false})", "zz"));
    CHECK_FALSE(matches(both.c_str(),
                        R"({"service_type":"salesforce","is_native":false,"deleted":true})", "c1"));
}

TEST_CASE("protocol 2.3 pending-jobs query", "[mock_es][query][protocol]") {
    const char* q = R"({"bool":{"must":[
        {"terms":{"status":["pending","suspended"]}},
        {"terms":{"connector.id":["c1"]}},
        {"terms":{"job_type":["full","incremental"]}}]}})";
    CHECK(matches(q, R"({"status":"pending","job_type":"full","connector":{"id":"c1"}})"));
    CHECK(matches(q, R"({"status":"suspended","job_type":"incremental","connector":{"id":"c1"}})"));
    CHECK_FALSE(
        matches(q, R"({"status":"in_progress","job_type":"full","connector":{"id":"c1"}})"));
    CHECK_FALSE(
        matches(q, R"({"status":"pending","job_type":"access_control","connector":{"id":"c1"}})"));
    CHECK_FALSE(matches(q, R"({"status":"pending","job_type":"full","connector":{"id":"c2"}})"));
}

TEST_CASE("protocol 2.5 cleanup queries", "[mock_es][query][protocol]") {
    const char* orphaned = R"({"bool":{"must_not":{"terms":{"connector.id":["c1","c2"]}},
        "filter":[{"terms":{"status":["in_progress","canceling"]}}]}})";
    CHECK(matches(orphaned, R"({"status":"in_progress","connector":{"id":"gone"}})"));
    CHECK_FALSE(matches(orphaned, R"({"status":"in_progress","connector":{"id":"c1"}})"));
    CHECK_FALSE(matches(orphaned, R"({"status":"completed","connector":{"id":"gone"}})"));

    const auto now = instant("2025-03-01T12:00:00Z");
    const char* idle = R"({"bool":{"filter":[{"terms":{"connector.id":["c1"]}},
        {"terms":{"status":["in_progress","canceling"]}},{"range":{"last_seen":{"lte":"now-300s"}}}]}})";
    CHECK(matches(
        idle,
        R"({"status":"canceling","connector":{"id":"c1"},"last_seen":"2025-03-01T11:50:00.000Z"})",
        "j", now));
    CHECK_FALSE(matches(
        idle,
        R"({"status":"in_progress","connector":{"id":"c1"},"last_seen":"2025-03-01T11:58:00.000Z"})",
        "j", now));
    CHECK_FALSE(matches(
        idle, R"({"status":"error","connector":{"id":"c1"},"last_seen":"2025-03-01T11:00:00Z"})",
        "j", now));
}

TEST_CASE("malformed and unsupported queries are 400 with ES wording", "[mock_es][query][errors]") {
    auto e = parse_error(R"({"fuzzy":{"a":"b"}})");
    CHECK(e.status() == 400);
    CHECK(e.type() == "parsing_exception");
    CHECK(e.reason() == "unknown query [fuzzy]");

    CHECK(parse_error(R"({"term":{"a":1,"b":2}})").reason() ==
          "[term] query doesn't support multiple fields, found [a] and [b]");
    CHECK(parse_error(R"({"bool":{"musts":[]}})").reason() ==
          "[bool] query does not support [musts]");
    CHECK(parse_error(R"({"range":{"a":{"gtx":1}}})").reason() ==
          "[range] query does not support [gtx]");
    CHECK(parse_error(R"({"term":{"a":1},"match_all":{}})").type() == "parsing_exception");
    CHECK(parse_error(R"({"terms":{"a":"x"}})").status() == 400);
    CHECK(parse_error(R"({"exists":{}})").reason() == "[exists] must be provided with a [field]");
    CHECK(parse_error(R"({"match_all":{"all":true}})").reason() ==
          "[match_all] query does not support [all]");
    CHECK(parse_error(R"("match_all")").status() == 400);
    CHECK(parse_error(R"({"term":{"a":null}})").status() == 400);
    CHECK(parse_error(R"({"bool":{"must":[{"nope":{}}]}})").reason() == "unknown query [nope]");

    auto d = parse_error(R"({"range":{"t":{"gte":"now-5x"}}})");
    CHECK(d.status() == 400);
    CHECK(d.type() == "parse_exception");
    CHECK(d.reason().find("now-5x") != std::string::npos);
}

TEST_CASE("sort orders by fields with missing values last", "[mock_es][sort]") {
    struct doc {
        std::string id;
        json::object src;
    };
    std::vector<doc> docs{
        {"a", json::parse(R"({"created_at":"2025-03-01T10:00:00.500Z","n":3})").get_object()},
        {"b", json::parse(R"({"created_at":"2025-03-01T09:00:00+00:00","n":1})").get_object()},
        {"c", json::parse(R"({"n":2})").get_object()},
        {"d", json::parse(R"({"created_at":"2025-03-01T11:30:00+02:00","n":2})").get_object()},
    };
    auto order = [&](const char* spec) {
        json::value s = json::parse(spec);
        sort_spec ss = sort_spec::parse(&s);
        auto copy = docs;
        std::stable_sort(copy.begin(), copy.end(), [&](const doc& x, const doc& y) {
            return ss.compare(x.src, x.id, y.src, y.id) < 0;
        });
        std::string ids;
        for (const auto& d : copy) {
            ids += d.id;
        }
        return ids;
    };
    // d is 09:30Z: instants, not strings, are compared
    CHECK(order(R"([{"created_at":"asc"}])") == "bdac");
    CHECK(order(R"([{"created_at":{"order":"desc"}}])") == "adbc");
    CHECK(order(R"([{"created_at":{"order":"asc","missing":"_first"}}])") == "cbda");
    CHECK(order(R"(["n"])") == "bcda");
    CHECK(order(R"([{"n":"desc"},{"created_at":"asc"}])") == "adcb");
    CHECK(order(R"({"n":"asc"})") == "bcda");
    CHECK(order(R"("_doc")") == "abcd");

    CHECK(sort_spec::parse(nullptr).is_doc_order());
    json::value doc_sort = json::parse(R"("_doc")");
    CHECK(sort_spec::parse(&doc_sort).is_doc_order());
    json::value bad = json::parse(R"([{"n":"sideways"}])");
    CHECK_THROWS_AS(sort_spec::parse(&bad), es_error);
}

TEST_CASE("sort on arrays uses min ascending and max descending, precomputed values agree",
          "[mock_es][sort]") {
    json::value s_asc = json::parse(R"([{"v":"asc"}])");
    json::value s_desc = json::parse(R"([{"v":"desc"}])");
    auto asc = sort_spec::parse(&s_asc);
    auto desc = sort_spec::parse(&s_desc);
    json::object x = json::parse(R"({"v":[5,1]})").get_object();
    json::object y = json::parse(R"({"v":[3]})").get_object();
    CHECK(asc.compare(x, "x", y, "y") < 0);   // 1 < 3
    CHECK(desc.compare(x, "x", y, "y") < 0);  // 5 > 3
    CHECK(asc.compare_sort_values(asc.sort_values(x, "x"), asc.sort_values(y, "y")) < 0);

    json::value s_date = json::parse(R"([{"created_at":"asc"},"_doc"])");
    auto by_date = sort_spec::parse(&s_date);
    json::object d = json::parse(R"({"created_at":"2025-03-01T00:00:00.000Z"})").get_object();
    auto vals = by_date.sort_values(d, "d");
    REQUIRE(vals.size() == 1);
    CHECK(vals[0].as_int64() == 1740787200000);
    CHECK(by_date.sort_values(json::object{}, "e")[0].is_null());
}

TEST_CASE("_source filtering", "[mock_es][source]") {
    json::object src = json::parse(R"({"id":"1","_timestamp":"t","title":"x",
        "connector":{"id":"c","filtering":{"rules":[]},"index_name":"i"},
        "items":[{"a":1,"b":2},{"a":3}]})")
                           .get_object();
    auto filtered = [&](const char* spec) {
        json::value s = json::parse(spec);
        return json::serialize(filter_source(src, &s));
    };
    CHECK(filter_source(src, nullptr) == json::value(src));
    CHECK(filtered("true") == json::serialize(src));
    CHECK(filtered("false") == "null");
    CHECK(filtered(R"(["id","_timestamp"])") == R"({"id":"1","_timestamp":"t"})");
    CHECK(filtered(R"("title")") == R"({"title":"x"})");
    CHECK(filtered(R"(["connector.id"])") == R"({"connector":{"id":"c"}})");
    CHECK(filtered(R"(["connector"])") ==
          json::serialize(json::object{{"connector", src["connector"]}}));
    CHECK(filtered(R"(["conn*.i*"])") == R"({"connector":{"id":"c","index_name":"i"}})");
    CHECK(filtered(R"(["items.a"])") == R"({"items":[{"a":1},{"a":3}]})");
    CHECK(filtered(R"({"includes":["connector"],"excludes":["connector.filtering"]})") ==
          R"({"connector":{"id":"c","index_name":"i"}})");
    CHECK(filtered(R"({"excludes":["connector","items","title"]})") ==
          R"({"id":"1","_timestamp":"t"})");
    CHECK(filtered(R"(["nothing"])") == "{}");
    // many stars against long paths must not explode (this would take ages with backtracking)
    json::object deep{{std::string(60, 'a'), json::object{{std::string(60, 'a'), 1}}}};
    json::value stars = json::parse(R"(["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"])");
    CHECK(json::serialize(filter_source(deep, &stars)) == "{}");
    json::value bad = json::parse("42");
    CHECK_THROWS_AS(filter_source(src, &bad), es_error);
}

TEST_CASE("ISO instants parse with any offset and format like ES", "[mock_es][time]") {
    CHECK(instant("2025-03-01T10:15:02.123456+00:00") ==
          instant("2025-03-01T11:15:02.123456+0100"));
    CHECK(instant("2025-03-01T10:15:02.123456+00:00") ==
          instant("2025-03-01T10:15:02.123456"));  // naive = UTC
    CHECK_THROWS(instant("2025-02-30"));
    CHECK_THROWS(instant("hello"));
    CHECK_THROWS(instant("2025-03-01T25:00"));

    CHECK(casio::mock_es::format_instant(instant("2025-03-01T10:15:02Z")) ==
          "2025-03-01T10:15:02.000Z");
    CHECK(casio::mock_es::format_instant(instant("2025-03-01T10:15:02.1204Z")) ==
          "2025-03-01T10:15:02.1204Z");
    CHECK(casio::mock_es::format_instant(instant("1969-12-31T23:59:59.5-00:00")) ==
          "1969-12-31T23:59:59.500Z");
}

// ---------------------------------------------------------------------------------------------
// Query strings (?q= and the query_string query)

namespace {

namespace qs = casio::mock_es::qs;

std::string qs_tree(std::string_view q, bool default_and = false) {
    qs::options o;
    o.default_and = default_and;
    return qs::to_string(qs::parse(q, o));
}

bool q_matches(std::string_view q, const char* doc, std::string_view df = "",
               std::string_view op = "") {
    json::value dv = json::parse(doc);
    return query::parse_query_string(q, df, op).matches("doc-1", dv.get_object(), default_now);
}

// A random boolean expression over a few words, its query-string spelling (random white space,
// operator spellings and quoting of single words) and a reference evaluation.
struct expr {
    enum { word, and_, or_, not_ } k = word;
    std::string w;
    std::vector<expr> kids;

    bool eval(const std::vector<std::string>& tokens) const {
        switch (k) {
            case word:
                return std::find(tokens.begin(), tokens.end(), w) != tokens.end();
            case and_:
                return kids[0].eval(tokens) && kids[1].eval(tokens);
            case or_:
                return kids[0].eval(tokens) || kids[1].eval(tokens);
            case not_:
                return !kids[0].eval(tokens);
        }
        return false;
    }
};

std::string core_upper(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
}

const char* const vocabulary[] = {"red", "green", "blue", "salesforce", "case42"};

expr random_expr(std::mt19937& rng, int depth) {
    expr e;
    const int pick = depth <= 0 ? 0 : static_cast<int>(rng() % 4);
    if (pick == 0) {
        e.w = vocabulary[rng() % std::size(vocabulary)];
        return e;
    }
    e.k = pick == 1 ? expr::and_ : pick == 2 ? expr::or_ : expr::not_;
    e.kids.push_back(random_expr(rng, depth - 1));
    if (e.k != expr::not_) {
        e.kids.push_back(random_expr(rng, depth - 1));
    }
    return e;
}

std::string random_space(std::mt19937& rng, bool required) {
    static const char* const spaces[] = {" ", "  ", "\t", "\n", "\r\n", "\xE3\x80\x80"};
    std::string out;
    const int n = static_cast<int>(rng() % 3) + (required ? 1 : 0);
    for (int i = 0; i < n; ++i) {
        out += spaces[rng() % std::size(spaces)];
    }
    return out;
}

// Every operator is fully parenthesised and NOT stands alone in its group, so Lucene's
// clause-by-clause combination equals the boolean reading.
std::string render(const expr& e, std::mt19937& rng) {
    auto sp = [&](bool required) { return random_space(rng, required); };
    switch (e.k) {
        case expr::word:
            return rng() % 3 == 0 ? "\"" + e.w + "\"" : e.w;
        case expr::and_:
            return "(" + sp(false) + render(e.kids[0], rng) + sp(true) +
                   (rng() % 2 ? "AND" : "&&") + sp(true) + render(e.kids[1], rng) + sp(false) + ")";
        case expr::or_:
            return "(" + sp(false) + render(e.kids[0], rng) + sp(true) + (rng() % 2 ? "OR" : "||") +
                   sp(true) + render(e.kids[1], rng) + sp(false) + ")";
        case expr::not_:
            switch (rng() % 3) {
                case 0:
                    return "(" + sp(false) + "NOT" + sp(true) + render(e.kids[0], rng) + sp(false) +
                           ")";
                case 1:
                    return "(" + sp(false) + "-" + render(e.kids[0], rng) + sp(false) + ")";
                default:
                    return "(" + sp(false) + "!" + render(e.kids[0], rng) + sp(false) + ")";
            }
    }
    return {};
}

}  // namespace

TEST_CASE("query strings combine clauses the way Lucene's classic parser does",
          "[mock_es][query][query_string]") {
    CHECK(qs_tree("a b") == "a b");
    CHECK(qs_tree("a b", true) == "+a +b");
    CHECK(qs_tree("a AND b") == "+a +b");
    CHECK(qs_tree("a && b || c") == "+a +b c");
    CHECK(qs_tree("a OR b AND c") == "a +b +c");
    CHECK(qs_tree("a OR b", true) == "a b");
    CHECK(qs_tree("+a -b c") == "+a -b c");
    CHECK(qs_tree("a NOT b") == "a -b");
    CHECK(qs_tree("NOT a") == "-a");
    CHECK(qs_tree("!a") == "-a");
    CHECK(qs_tree("a and b") == "a and b");  // operators are upper case only
    CHECK(qs_tree("a or not b") == "a or not b");
    CHECK(qs_tree("title:(x y) z") == "(title:x title:y) z");
    CHECK(qs_tree("title:\"a b\"~2") == "title:\"a b\"~2");
    CHECK(qs_tree("n:[1 TO 5} m:{* TO 9]") == "n:[1 TO 5} m:{* TO 9]");
    CHECK(qs_tree("n:[1 5]") == "n:[1 TO 5]");
    CHECK(qs_tree("n:>=5 n:<2") == "n:[5 TO *] n:[* TO 2}");
    CHECK(qs_tree("f:* *:* _exists_:g") == "_exists_:f *:* _exists_:g");
    CHECK(qs_tree("sales* f:c?se") == "sales* f:c?se");
    CHECK(qs_tree(R"(a\:b f\ g:"x \"y\"")") == R"(a:b f g:"x "y"")");
    CHECK(qs_tree("foo-bar +baz") == "foo-bar +baz");  // '-' only prefixes at a term start
    CHECK(qs_tree("a - b") == "a - b");                // a lone '-' is a term of its own
    CHECK(qs_tree("a^2 b~ \"c d\"^3 (e f)^1.5") == "a b \"c d\" (e f)");
    CHECK(qs_tree("/ab+c/ f:/x\\/y/") == "/ab+c/ f:/x/y/");
}

TEST_CASE("malformed query strings are refused with Lucene's parse failure",
          "[mock_es][query][query_string]") {
    for (const char* bad : {"a AND",     "AND a", "(a",  "a)",     "\"abc", "a:",        "n:[1 TO",
                            "n:[1 TO 5", "a^",    "a^x", "a\\",    "()",    "a OR OR b", ":a",
                            "a:b:c",     "+",     "a -", "n:[TO]", "]",     "f:(a",      "/abc"}) {
        INFO(bad);
        try {
            (void)qs::parse(bad);
            FAIL("parsed");
        } catch (const qs::syntax_error& e) {
            CHECK(e.status() == 400);
            CHECK(e.type() == "query_shard_exception");
            CHECK(e.reason() == "Failed to parse query [" + std::string(bad) + "]");
            const json::value body = e.body();
            const auto& cause = body.at("error").at("caused_by");
            CHECK(cause.at("type").as_string() == "parse_exception");
            CHECK(std::string(cause.at("reason").as_string())
                      .starts_with("Cannot parse '" + std::string(bad) + "': "));
        }
    }
}

TEST_CASE("query strings match analysed terms, phrases, wildcards, ranges and fields",
          "[mock_es][query][query_string]") {
    const char* doc =
        R"({"title":"Salesforce Case Sync","body":{"text":"red fox jumps"},"n":7,"tags":["a-1","b"],"ok":true,"name":"Big Co"})";
    CHECK(q_matches("salesforce", doc));  // every field, lower-cased tokens
    CHECK(q_matches("FOX", doc));
    CHECK_FALSE(q_matches("dog", doc));
    CHECK(q_matches("title:sync", doc));
    CHECK_FALSE(q_matches("title:fox", doc));
    CHECK(q_matches("body.text:fox", doc));
    CHECK(q_matches("title:\"case sync\"", doc));
    CHECK_FALSE(q_matches("title:\"sync case\"", doc));
    CHECK(q_matches("title:\"sync case\"~2", doc));
    CHECK(q_matches("title:sales*", doc));  // on the tokens
    CHECK(q_matches("title:c?se", doc));
    CHECK_FALSE(q_matches("title:x*", doc));
    CHECK(q_matches("n:7 AND ok:true", doc));
    CHECK(q_matches("n:[5 TO 7]", doc));
    CHECK_FALSE(q_matches("n:[5 TO 7}", doc));
    CHECK(q_matches("n:>6", doc));
    CHECK_FALSE(q_matches("n:<7", doc));
    CHECK(q_matches("n:<=7", doc));
    CHECK(q_matches("_exists_:title AND NOT _exists_:missing", doc));
    CHECK(q_matches("missing:* OR title:*", doc));
    CHECK_FALSE(q_matches("missing:*", doc));
    CHECK(q_matches("*:*", doc));
    CHECK(q_matches("name.keyword:\"Big Co\"", doc));  // keyword: the exact value
    CHECK_FALSE(q_matches("name.keyword:big", doc));
    CHECK(q_matches("tags:a", doc));  // "a-1" analyses into a, 1
    CHECK(q_matches("title:/sales.*/", doc));
    CHECK(q_matches("-dog", doc));  // a purely negative query matches everything else
    CHECK_FALSE(q_matches("-fox", doc));
    CHECK(q_matches("fox dog", doc));
    CHECK_FALSE(q_matches("fox dog", doc, "", "AND"));
    CHECK(q_matches("fox dog", doc, "", "or"));
    CHECK(q_matches("sync", doc, "title"));  // df
    CHECK_FALSE(q_matches("fox", doc, "title"));
    CHECK_FALSE(q_matches("", doc));  // no terms: no documents
    CHECK_FALSE(q_matches(" \t ", doc));
    CHECK_FALSE(q_matches("&", doc));  // the analyser keeps nothing
    CHECK_THROWS_AS(query::parse_query_string("a", "", "xor"), es_error);

    // The query_string query compiles the same way.
    CHECK(matches(R"({"query_string":{"query":"title:sync AND fox"}})", doc));
    CHECK_FALSE(matches(
        R"({"query_string":{"query":"sync fox","default_field":"title","default_operator":"AND"}})",
        doc));
    CHECK(parse_error(R"({"query_string":{}})").reason() ==
          "[query_string] must be provided with a [query]");
    CHECK(parse_error(R"({"query_string":{"query":"a","nope":1}})").reason() ==
          "[query_string] query does not support [nope]");
}

TEST_CASE("random query strings evaluate like the boolean expression they spell",
          "[mock_es][query][query_string][property]") {
    std::mt19937 rng(20261204);
    for (int round = 0; round < 400; ++round) {
        const expr e = random_expr(rng, 3);
        const std::string text =
            random_space(rng, false) + render(e, rng) + random_space(rng, false);
        INFO(text);
        const bool default_and = rng() % 2 == 0;
        const query q = query::parse_query_string(text, "", default_and ? "and" : "OR");
        // The same expression spelt again with other white space and spellings parses to the
        // same tree.
        std::mt19937 other(static_cast<unsigned>(round));
        CHECK_NOTHROW(qs::parse(render(e, other)));
        for (int d = 0; d < 12; ++d) {
            std::vector<std::string> tokens;
            json::object doc;
            std::string title, body;
            for (const char* w : vocabulary) {
                if (rng() % 2) {
                    tokens.emplace_back(w);
                    (rng() % 2 ? title : body) += std::string(rng() % 2 ? "" : " ") +
                                                  (rng() % 2 ? core_upper(w) : std::string(w)) +
                                                  " ";
                }
            }
            doc["title"] = title;
            doc["body"] = json::object{{"text", body}};
            INFO(json::serialize(doc));
            CHECK(q.matches("d", doc, default_now) == e.eval(tokens));
        }
    }
}

TEST_CASE("lower-case operators are plain terms", "[mock_es][query][query_string][property]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 100; ++round) {
        const char* a = vocabulary[rng() % std::size(vocabulary)];
        const char* b = vocabulary[rng() % std::size(vocabulary)];
        if (std::string_view(a) == b) {
            continue;
        }
        const bool has_a = rng() % 2, has_b = rng() % 2, has_and = rng() % 2;
        std::string text =
            std::string(has_a ? a : "x") + " " + (has_b ? b : "y") + (has_and ? " and" : "");
        json::object doc{{"t", text}};
        INFO(text << " / " << a << " " << b);
        const bool upper = query::parse_query_string(std::string(a) + " AND " + b, "", "")
                               .matches("d", doc, default_now);
        const bool lower = query::parse_query_string(std::string(a) + " and " + b, "", "")
                               .matches("d", doc, default_now);
        CHECK(upper == (has_a && has_b));
        CHECK(lower == (has_a || has_b || has_and));
    }
}

TEST_CASE("unbalanced random query strings are always refused",
          "[mock_es][query][query_string][property]") {
    std::mt19937 rng(99);
    for (int round = 0; round < 200; ++round) {
        expr e = random_expr(rng, 3);
        if (e.k == expr::word) {
            continue;
        }
        std::string text = render(e, rng);
        // Drop one closing parenthesis or one quote: the text no longer parses.
        const bool quote = text.find('"') != std::string::npos && rng() % 2;
        const auto at = quote ? text.rfind('"') : text.rfind(')');
        text.erase(at, 1);
        INFO(text);
        CHECK_THROWS_AS(qs::parse(text), qs::syntax_error);
    }
}
