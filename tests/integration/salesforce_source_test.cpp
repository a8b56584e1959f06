// libs/salesforce against the real mock-salesforce over HTTP: configuration check, the document
// stream (records, case feeds, files) and the access-control stream, with an expiring token.
#include <catch2/catch.hpp>

#ifdef CASIO_BIN_MOCK_SALESFORCE

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/retry.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/source.hpp>

#include "support/child_process.hpp"
#include "support/run.hpp"

using namespace casio;
namespace asio = boost::asio;
namespace json = boost::json;
namespace sf = casio::salesforce;

namespace {

struct run_result {
    std::vector<casio::sync::document> docs;
    std::vector<casio::sync::document> acl_docs;
    std::vector<std::string> warnings;
    std::size_t token_requests = 0;
};

run_result sync_against(const std::string& base_url, sf::config cfg,
                        std::size_t parallel_objects = 1,
                        std::optional<std::size_t> max_file_size = std::nullopt) {
    run_result out;
    asio::io_context ctx;
    http::client hc(ctx.get_executor());
    http::client_transport tr(hc);
    core::steady_sleeper sleeper;
    sf::warning_sink warn = [&](std::string_view w) { out.warnings.emplace_back(w); };
    sf::client c(tr, sleeper, sf::client_settings{base_url, cfg.client_id, cfg.client_secret},
                 warn);
    casio::sync::source_options opts;
    opts.concurrent_downloads = parallel_objects;
    if (max_file_size) {
        opts.max_file_size = *max_file_size;
    }
    sf::concurrency conc;
    conc.objects = parallel_objects;
    conc.pages = parallel_objects;
    sf::source src(c, cfg, opts, conc, warn);
    auto body = [&]() -> asio::awaitable<void> {
        co_await src.validate_config();
        co_await src.get_docs({}, [&](casio::sync::document d) -> asio::awaitable<void> {
            d.lease.reset();  // as a sink does once the document is in a bulk request
            out.docs.push_back(std::move(d));
            co_return;
        });
        co_await src.get_access_control([&](casio::sync::document d) -> asio::awaitable<void> {
            out.acl_docs.push_back(std::move(d));
            co_return;
        });
    };
    casio::test::run(ctx, body(), [&] { hc.close(); });
    out.token_requests = c.token_requests();
    return out;
}

sf::config make_config() {
    sf::config cfg;
    cfg.domain = "mock";
    cfg.client_id = "id";
    cfg.client_secret = "secret";
    cfg.standard_objects = {"*"};
    cfg.use_document_level_security = true;
    return cfg;
}

}  // namespace

TEST_CASE("a full sync against mock-salesforce", "[integration][salesforce]") {
    const std::size_t parallel = GENERATE(1, 4);
    INFO("parallel objects: " << parallel);
    auto mock = test::child_process::start_server(
        CASIO_BIN_MOCK_SALESFORCE,
        {"--port", "0", "--records", "250", "--seed", "7", "--client-id", "id", "--client-secret",
         "secret", "--token-expires-after", "25"});
    const auto r = sync_against(mock.base_url(), make_config(), parallel);
    for (const auto& w : r.warnings) {
        WARN(w);
    }
    REQUIRE_FALSE(r.docs.empty());
    std::map<std::string, std::size_t> by_type;
    std::set<std::string> ids;
    // What the record documents say about files: ContentDocument id -> ids of the records
    // that link it. Every file document must carry exactly that set, sorted.
    std::map<std::string, std::set<std::string>> links;
    std::map<std::string, json::object> files;
    for (const auto& d : r.docs) {
        const auto o = json::parse(d.json).as_object();  // every document is valid JSON
        CHECK_FALSE(o.contains("id"));                   // written by the sink, once, from d.id
        CHECK(ids.insert(d.id).second);                  // no duplicate document
        CHECK(o.contains("_allow_access_control"));
        if (o.contains("type") && o.at("type") == "content_document") {
            ++by_type["file"];
            files.emplace(d.id, o);
            continue;
        }
        ++by_type[std::string(o.at("attributes").at("type").as_string())];
        REQUIRE(d.timestamp);
        CHECK(d.timestamp->size() == 20);  // YYYY-MM-DDTHH:MM:SSZ
        CHECK(d.timestamp->back() == 'Z');
        CHECK(o.at("url").as_string() == mock.base_url() + "/" + d.id);
        CHECK(o.at("Id").as_string() == d.id);
        if (const auto* cdl = o.if_contains("ContentDocumentLinks"); cdl && cdl->is_object()) {
            for (const auto& link : cdl->at("records").as_array()) {
                const auto& doc = link.at("ContentDocument");
                if (doc.is_object()) {
                    links[std::string(doc.at("Id").as_string())].insert(d.id);
                }
            }
        }
    }
    // The generated org holds exactly --records rows of each standard object.
    for (const char* type : {"Account", "Opportunity", "Contact", "Lead", "Campaign", "Case"}) {
        INFO(type);
        CHECK(by_type[type] == 250);
    }
    // Every linked file appears once, with all its linked ids, and nothing else is a file.
    REQUIRE_FALSE(links.empty());
    CHECK(files.size() == links.size());
    std::size_t with_content = 0;
    std::set<std::int64_t> sizes;
    for (const auto& [id, linked] : links) {
        INFO("file " << id);
        auto it = files.find(id);
        REQUIRE(it != files.end());
        std::vector<std::string> got;
        for (const auto& v : it->second.at("linked_ids").as_array()) {
            got.emplace_back(v.as_string());
        }
        CHECK(got == std::vector<std::string>(linked.begin(), linked.end()));
        // Files the gate accepts (supported type, at most 10 MiB) carry their content.
        const auto size = it->second.at("content_size").to_number<std::int64_t>();
        sizes.insert(size);
        const bool small = size <= static_cast<std::int64_t>(sf::default_max_file_size);
        const auto* attachment = it->second.if_contains("_attachment");
        CHECK((attachment != nullptr) == small);
        if (attachment != nullptr) {
            // base64 of exactly content_size bytes
            CHECK(attachment->as_string().size() == static_cast<std::size_t>((size + 2) / 3 * 4));
            ++with_content;
        }
    }
    CHECK(with_content > 0);
    // 250 records -> 50 files, among them one of 64 KiB (one download chunk), one of exactly
    // 10 MiB (the largest the gate accepts, so with content) and two over 10 MiB.
    CHECK(sizes.count(65536) == 1);
    CHECK(sizes.count(10485760) == 1);
    CHECK(std::count_if(sizes.begin(), sizes.end(), [](std::int64_t s) { return s > 10485760; }) ==
          2);
    CHECK_FALSE(r.acl_docs.empty());
    CHECK(r.token_requests >= 2);  // the token expired mid-sync and was fetched again
}

TEST_CASE("documents do not depend on how Salesforce formats its JSON",
          "[integration][salesforce]") {
    // Whitespace, escapes (\u00e9, \/, surrogate pairs) and indentation, as a pretty-printing
    // gateway or X-PrettyPrint returns pages: the same documents, byte for byte, files included.
    // (File content is left out, max_file_size 1: the pages are what is compared.)
    auto documents = [](std::string_view style) {
        auto mock = test::child_process::start_server(
            CASIO_BIN_MOCK_SALESFORCE,
            {"--port", "0", "--records", "40", "--seed", "11", "--client-id", "id",
             "--client-secret", "secret", "--json-style", std::string(style)});
        const auto r = sync_against(mock.base_url(), make_config(), 1, 1);
        std::map<std::string, std::string> by_id;
        for (const auto& d : r.docs) {
            // The url names the mock's port: the rest must be equal.
            std::string json = d.json;
            for (auto at = json.find(mock.base_url()); at != std::string::npos;
                 at = json.find(mock.base_url(), at)) {
                json.replace(at, mock.base_url().size(), "<mock>");
            }
            by_id.emplace(d.id, std::move(json));
        }
        return by_id;
    };
    const auto compact = documents("compact");
    const auto files = std::count_if(compact.begin(), compact.end(), [](const auto& d) {
        return d.second.find(R"("type":"content_document")") != std::string::npos;
    });
    CHECK(files > 0);
    for (const char* style : {"pretty", "escaped", "pretty-escaped"}) {
        INFO(style);
        const auto other = documents(style);
        CHECK(other.size() == compact.size());
        for (const auto& [id, json] : compact) {
            INFO(id);
            const auto it = other.find(id);
            REQUIRE(it != other.end());
            CHECK(it->second == json);
        }
    }
}

#endif
