// The regime of a real org: bodies paced to a link's bandwidth, requests in flight counted and
// capped (--bandwidth-mbps, --max-in-flight, /__admin/stats).
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/client.hpp>

#include "helpers.hpp"
#include "http_helpers.hpp"
#include "http_server.hpp"
#include "in_flight.hpp"
#include "pacing.hpp"
#include "service.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;
namespace http = casio::http;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

service_options options(fault_options faults = {}) {
    service_options opts;
    opts.client_id = "id";
    opts.client_secret = "secret";
    opts.faults = faults;
    return opts;
}

// Runs `body` against a mock on 127.0.0.1:0; the service stays readable afterwards.
struct live_mock {
    live_mock(org& o, service_options opts) : svc(o, std::move(opts)) {}

    void run(std::function<asio::awaitable<void>(http::client&, std::string)> body) {
        serve(svc, std::move(body));
    }

    // A token straight from the service: no latency, no request counted in flight.
    std::string token() {
        const auto r = http::server_request::make(
            "POST", "/services/oauth2/token",
            "grant_type=client_credentials&client_id=id&client_secret=secret");
        return str(boost::json::parse(svc.handle(r).body).at("access_token"));
    }

    const in_flight_stats& counts() { return svc.in_flight().stats(); }

    service svc;
};

http::request get(const std::string& url, const std::string& token = {}) {
    http::request req;
    req.url = url;
    if (!token.empty()) {
        req.fields.push_back({"Authorization", "Bearer " + token});
    }
    return req;
}

// Waits on a timer, without blocking the io_context, until `ready()` holds.
asio::awaitable<void> until(std::function<bool()> ready) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (!ready()) {
        t.expires_after(1ms);
        co_await t.async_wait(asio::use_awaitable);
    }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("in-flight counter: tickets, limit, downloads, reset", "[mock_sf][in_flight]") {
    auto c = std::make_shared<in_flight_counter>(2);
    auto a = c->enter();
    auto b = c->enter();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(c->enter() == nullptr);
    CHECK(c->stats().in_flight == 2);
    CHECK(c->stats().max_in_flight == 2);
    CHECK(c->stats().limited_requests == 1);
    a->mark_download();
    a->mark_download();  // once per request
    CHECK(c->stats().downloads_in_flight == 1);
    a.reset();
    CHECK(c->stats().in_flight == 1);
    CHECK(c->stats().downloads_in_flight == 0);
    CHECK(c->stats().max_in_flight == 2);
    CHECK(c->stats().max_downloads_in_flight == 1);
    auto d = c->enter();  // room again
    REQUIRE(d);
    d.reset();
    c->reset();  // maxima from what is in flight now
    CHECK(c->stats().max_in_flight == 1);
    CHECK(c->stats().max_downloads_in_flight == 0);
    CHECK(c->stats().limited_requests == 0);
    // A ticket may outlive everyone else's hold on the counter.
    std::weak_ptr<in_flight_counter> weak = c;
    c.reset();
    CHECK_FALSE(weak.expired());
    b.reset();
    CHECK(weak.expired());

    auto unlimited = std::make_shared<in_flight_counter>(0);
    std::vector<std::shared_ptr<in_flight_counter::ticket>> many;
    for (int i = 0; i < 1000; ++i) {
        many.push_back(unlimited->enter());
    }
    CHECK(std::count(many.begin(), many.end(), nullptr) == 0);
    CHECK(unlimited->stats().max_in_flight == 1000);
}

TEST_CASE("link pacer: a body crosses the link at its rate, back to back, without bursts",
          "[mock_sf][pacing]") {
    using clock = link_pacer::clock;
    const auto t0 = clock::time_point{} + 1h;
    CHECK(link_pacer(0).unlimited());
    CHECK(link_pacer(0).transfer_time(1 << 30) == clock::duration::zero());
    CHECK(link_pacer(0.5).transfer_time(62'500) == 1s);  // fractional megabits

    // 5 MB at 100 Mbit/s in 64 KiB chunks, each sent when the previous one has crossed: 0.4 s.
    link_pacer link(100);
    auto now = t0;
    std::uint64_t left = 5'000'000;
    while (left > 0) {
        const auto n = std::min<std::uint64_t>(left, 65536);
        now = link.schedule(n, now);
        left -= n;
    }
    CHECK(std::chrono::abs(now - (t0 + 400ms)) < 1us);

    const auto chunk = link_pacer(100).transfer_time(65536);  // 5.24288 ms
    link_pacer l(100);
    const auto first = l.schedule(65536, t0);
    CHECK(first == t0 + chunk);
    // A timer that fires a little late does not push the next chunk back.
    CHECK(l.schedule(65536, first + 1ms) == t0 + 2 * chunk);
    // A reader that stalled for long gets no burst: the link starts over from now.
    const auto later = t0 + 10s;
    CHECK(l.schedule(65536, later) == later + chunk);
    // A deliberate pause (the chunk delay fault) is idle time, not time the link owes.
    const auto after_pause = later + chunk + 2ms;
    l.idle(after_pause);
    CHECK(l.schedule(65536, after_pause) == after_pause + chunk);
}

TEST_CASE("stats report requests in flight, and admin requests are not counted",
          "[mock_sf][in_flight][admin]") {
    org o(org_options{1, 10});
    live_mock m(o, options());
    CHECK(service::counts_in_flight(
        http::server_request::make("GET", "/services/data/v59.0/sobjects")));
    CHECK(service::counts_in_flight(http::server_request::make("POST", "/services/oauth2/token")));
    CHECK_FALSE(service::counts_in_flight(http::server_request::make("GET", "/__admin/stats")));
    const auto token = m.token();
    boost::json::object during, after, reset;
    m.run([&](http::client& c, std::string base) -> asio::awaitable<void> {
        auto stats = [&]() -> asio::awaitable<boost::json::object> {
            auto r = co_await c.send(get(base + "/__admin/stats"));
            co_return boost::json::parse(r.body).as_object();
        };
        during = co_await stats();
        auto r = co_await c.send(get(base + "/services/data/v59.0/sobjects", token));
        CHECK(r.status == 200);
        co_await until([&] { return m.counts().in_flight == 0; });
        after = co_await stats();
        http::request post;
        post.verb = http::method::post;
        post.url = base + "/__admin/reset-limits";
        auto done = co_await c.send(std::move(post));
        CHECK(done.status == 204);
        reset = co_await stats();
    });
    CHECK(during.at("in_flight").as_int64() == 0);  // the stats request itself is not counted
    CHECK(during.at("max_in_flight").as_int64() == 0);
    CHECK(after.at("in_flight").as_int64() == 0);
    CHECK(after.at("max_in_flight").as_int64() == 1);
    CHECK(after.at("downloads_in_flight").as_int64() == 0);
    CHECK(after.at("max_downloads_in_flight").as_int64() == 0);
    CHECK(after.at("limited_requests").as_int64() == 0);
    CHECK(after.at("api_requests").as_int64() == 1);  // the existing members stay
    CHECK(reset.at("max_in_flight").as_int64() == 0);
}

TEST_CASE(
    "with --max-in-flight, the request over the limit is refused at once with Salesforce's 403",
    "[mock_sf][in_flight][http]") {
    org o(org_options{1, 10});
    fault_options f;
    f.latency = 2000ms;  // holds the first two requests while the third arrives
    f.max_in_flight = 2;
    live_mock m(o, options(f));
    const auto token = m.token();
    const auto url = "/services/data/v59.0/sobjects";
    int held_ok = 0;
    unsigned third_status = 0;
    std::string third_body;
    std::size_t in_flight_at_refusal = 0;
    m.run([&](http::client& c, std::string base) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        for (int i = 0; i < 2; ++i) {
            asio::co_spawn(
                ex,
                [&]() -> asio::awaitable<void> {
                    auto r = co_await c.send(get(base + url, token));
                    held_ok += r.status == 200;
                },
                asio::detached);
        }
        co_await until([&] { return m.counts().in_flight == 2; });
        auto r = co_await c.send(get(base + url, token));
        third_status = r.status;
        third_body = r.body;
        in_flight_at_refusal = m.counts().in_flight;
        co_await until([&] { return held_ok == 2 && m.counts().in_flight == 0; });
    });
    CHECK(third_status == 403);
    CHECK(
        third_body ==
        R"([{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])");
    CHECK(in_flight_at_refusal == 2);  // answered while the others were still being delayed
    CHECK(held_ok == 2);
    CHECK(m.counts().max_in_flight == 2);
    CHECK(m.counts().limited_requests == 1);
    const auto stats = http::server_request::make("GET", "/__admin/stats");
    auto s = boost::json::parse(m.svc.handle(stats).body);
    CHECK(s.at("limited_requests").as_int64() == 1);
    CHECK(s.at("max_in_flight").as_int64() == 2);
}

TEST_CASE("with --bandwidth-mbps, downloads are paced and stay in flight to their last byte",
          "[mock_sf][pacing][in_flight][http][files]") {
    // 250 records -> 50 files; the 50th (index 49) is exactly 10 MiB.
    org o(org_options{5, 250});
    auto v = records(o, "SELECT Id FROM ContentVersion WHERE ContentSize = 10485760");
    REQUIRE(v.size() == 1);
    const auto id = str(v.at(0).at("Id"));
    const auto file = o.file(id);
    std::string expected;
    file->read(0, file->size, expected);
    fault_options f;
    f.bandwidth_mbps = 100;  // 10 MiB take 0.84 s
    live_mock m(o, options(f));
    const auto token = m.token();
    std::string got[2];
    std::size_t downloads_seen = 0;
    int finished = 0;
    double elapsed = 0;
    m.run([&](http::client& c, std::string base) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 2; ++i) {
            asio::co_spawn(
                ex,
                [&, i]() -> asio::awaitable<void> {
                    auto req = get(base + "/services/data/v59.0/sobjects/ContentVersion/" + id +
                                       "/VersionData",
                                   token);
                    auto r = co_await c.send_streaming(
                        std::move(req), [&](std::string_view chunk) -> asio::awaitable<void> {
                            downloads_seen =
                                std::max(downloads_seen, m.counts().downloads_in_flight);
                            got[i] += chunk;
                            co_return;
                        });
                    CHECK(r.status == 200);
                    ++finished;
                },
                asio::detached);
        }
        co_await until([&] { return finished == 2; });
        elapsed = seconds_since(t0);
        co_await until([&] { return m.counts().in_flight == 0; });
    });
    CHECK(got[0] == expected);
    CHECK(got[1] == expected);
    CHECK(downloads_seen == 2);  // both streaming at once, each counted until it ended
    CHECK(m.counts().max_downloads_in_flight == 2);
    CHECK(m.counts().downloads_in_flight == 0);
    // A lower bound only: pacing cannot make a body arrive sooner than size / rate.
    CHECK(elapsed >= 10485760 * 8 / 100e6 * 0.99);
}

TEST_CASE("with --bandwidth-mbps, a large query page is streamed and paced, small answers too",
          "[mock_sf][pacing][http]") {
    org o(org_options{1, 4500});
    const std::string target =
        "/services/data/v59.0/query?q=SELECT+Id,Name,Description,BillingAddress+FROM+Account";
    fault_options f;
    f.bandwidth_mbps = 40;  // 5 MB/s
    live_mock m(o, options(f));
    const auto token = m.token();
    const auto direct =
        http::server_request::make("GET", target, {}, {{"Authorization", "Bearer " + token}});
    const auto expected = m.svc.handle(direct).body;
    REQUIRE(expected.size() > 10 * 65536);
    std::string page;
    double page_seconds = 0;
    m.run([&](http::client& c, std::string base) -> asio::awaitable<void> {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = co_await c.send(get(base + target, token));
        page_seconds = seconds_since(t0);
        CHECK(r.status == 200);
        page = r.body;
    });
    CHECK(page == expected);
    // A lower bound only: pacing cannot make a body arrive sooner than size / rate.
    CHECK(page_seconds >= static_cast<double>(expected.size()) * 8 / 40e6 * 0.99);

    // A body under one chunk is written whole, after the time it takes on the link.
    fault_options slow;
    slow.bandwidth_mbps = 0.01;  // 1,250 bytes/s
    live_mock s(o, options(slow));
    std::string unauthorised;
    double small_seconds = 0;
    s.run([&](http::client& c, std::string base) -> asio::awaitable<void> {
        const auto t0 = std::chrono::steady_clock::now();
        auto e = co_await c.send(get(base + target));  // no token: a 401 of ~70 bytes
        small_seconds = seconds_since(t0);
        CHECK(e.status == 401);
        unauthorised = e.body;
    });
    REQUIRE_FALSE(unauthorised.empty());
    CHECK(small_seconds >= static_cast<double>(unauthorised.size()) * 8 / 0.01e6 * 0.99);
}
