// Job labels on log lines: a scope on the current thread, and an executor that opens the scope
// around every handler of a job's coroutines, across suspensions.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/labelled_executor.hpp>
#include <casio/core/log.hpp>

namespace lg = casio::core::log;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct captured_json_log {
    std::vector<json::object> lines;
    captured_json_log() {
        lg::set_format(lg::format::ecs_json);
        lg::set_level(lg::level::debug);
        lg::set_sink(
            [this](std::string_view line) { lines.push_back(json::parse(line).as_object()); });
    }
    ~captured_json_log() {
        lg::set_sink({});
        lg::set_format(lg::format::text);
        lg::set_level(lg::level::info);
    }
    // labels.sync_job_id of the line whose message is `message`, "" when the line has no labels.
    std::string job_of(const std::string& message) const {
        for (const auto& l : lines) {
            if (l.at("message").as_string() == message) {
                const auto* labels = l.if_contains("labels");
                return labels ? std::string(labels->at("sync_job_id").as_string()) : "";
            }
        }
        FAIL("no line " << message);
        return "";
    }
};

asio::awaitable<void> job_lines(std::string name) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 3; ++i) {
        lg::info(name, " ", i);
        t.expires_after(std::chrono::milliseconds(1));
        co_await t.async_wait(asio::use_awaitable);
    }
}

}  // namespace

TEST_CASE("a line written inside a label scope carries labels.* in ECS JSON", "[log][labels]") {
    captured_json_log cap;
    const lg::labels job{.connector_id = "c-1", .sync_job_id = "j-1", .index_name = "search-x"};
    {
        lg::scoped_labels scope(&job);
        lg::info("inside");
    }
    lg::info("outside");
    REQUIRE(cap.lines.size() == 2);
    const auto& labels = cap.lines[0].at("labels").as_object();
    CHECK(labels.at("connector_id") == "c-1");
    CHECK(labels.at("sync_job_id") == "j-1");
    CHECK(labels.at("index_name") == "search-x");
    CHECK(cap.lines[1].if_contains("labels") == nullptr);
}

TEST_CASE("two jobs interleaved on one io_context each log with their own labels",
          "[log][labels]") {
    captured_json_log cap;
    asio::io_context ctx;
    // Over the type-erased executor and over the io_context's own one.
    auto spawn = [&](const std::string& id, bool erased) {
        auto labels = std::make_shared<const lg::labels>(
            lg::labels{.connector_id = "c", .sync_job_id = id, .index_name = "i"});
        asio::any_io_executor ex;
        if (erased) {
            ex = casio::core::labelled_executor<asio::any_io_executor>(ctx.get_executor(), labels);
        } else {
            ex = casio::core::labelled_executor<asio::io_context::executor_type>(ctx.get_executor(),
                                                                                 labels);
        }
        asio::co_spawn(ex, job_lines(id), asio::detached);
    };
    spawn("job-a", true);
    spawn("job-b", false);
    asio::co_spawn(ctx, job_lines("plain"), asio::detached);
    ctx.run();
    REQUIRE(cap.lines.size() == 9);
    for (int i = 0; i < 3; ++i) {
        const auto n = std::to_string(i);
        CHECK(cap.job_of("job-a " + n) == "job-a");
        CHECK(cap.job_of("job-b " + n) == "job-b");
        CHECK(cap.job_of("plain " + n).empty());
    }
}
