// id_stream: the existing-documents scroll of protocol.md §4.7.
#include <exception>

#include <boost/json/serialize.hpp>

#include <casio/es/client.hpp>

#include "json_util.hpp"

namespace casio::es {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view keep_alive = "5m";

}  // namespace

id_stream client::scan_ids(std::string_view index, std::size_t page_size) {
    return id_stream(*this, std::string(index), page_size);
}

id_stream::id_stream(client& c, std::string index, std::size_t page_size)
    : client_(&c), index_(std::move(index)), page_size_(page_size) {}

asio::awaitable<std::optional<std::vector<id_timestamp>>> id_stream::next_page() {
    if (done_) {
        co_return std::nullopt;
    }
    std::optional<std::vector<id_timestamp>> page;
    std::exception_ptr failure;
    try {
        page = co_await fetch();
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure || !page) {
        done_ = true;
        co_await close();
        if (failure) {
            std::rethrow_exception(failure);
        }
    }
    co_return page;
}

asio::awaitable<void> id_stream::close() {
    done_ = true;
    if (scroll_id_.empty()) {
        co_return;
    }
    json::object body;
    body["scroll_id"] = scroll_id_;
    scroll_id_.clear();
    client::call c{.verb = http::method::delete_,
                   .path = "/_search/scroll",
                   .body = json::serialize(body),
                   .type = client::body_type::json,
                   .retry = client::retry_mode::none,
                   .not_found_ok = true};
    try {
        co_await client_->execute(c);
    } catch (const std::exception&) {
        // Best effort: ES drops the scroll context after the 5 minute keep-alive anyway, and a
        // failed clean-up must not hide the listing's own outcome.
    }
}

asio::awaitable<std::optional<std::vector<id_timestamp>>> id_stream::fetch() {
    client::call c{.verb = http::method::post,
                   .type = client::body_type::json,
                   .retry = client::retry_mode::none};
    json::object body;
    if (!started_) {
        started_ = true;
        c.path = "/" + detail::percent_encode(index_) + "/_search";
        c.query = "scroll=" + std::string(keep_alive);
        c.not_found_ok = true;  // the index vanished since HEAD: nothing exists
        body["sort"] = "_doc";
        body["size"] = page_size_;
        body["_source"] = json::array{"id", "_timestamp"};
    } else {
        c.path = "/_search/scroll";
        body["scroll"] = keep_alive;
        body["scroll_id"] = scroll_id_;
    }
    c.body = json::serialize(body);
    auto res = co_await client_->execute(c);
    if (res.status == 404) {
        co_return std::nullopt;
    }
    auto o = detail::parse_object(res.body, "POST " + c.path);
    if (auto id = detail::string_or(o, "_scroll_id"); !id.empty()) {
        scroll_id_ = std::move(id);
    }
    if (auto* shards = detail::object_at(o, "_shards")) {
        auto total = detail::int_or(*shards, "total", 0);
        auto ok = detail::int_or(*shards, "successful", 0) + detail::int_or(*shards, "skipped", 0);
        if (ok < total) {
            throw core::error(core::error_kind::transient,
                              "scan of index '" + index_ + "' failed: " + std::to_string(ok) +
                                  " of " + std::to_string(total) + " shards answered");
        }
    }
    auto* hits = detail::object_at(o, "hits");
    auto* list = hits ? hits->if_contains("hits") : nullptr;
    if (!list || !list->is_array() || list->get_array().empty()) {
        co_return std::nullopt;
    }
    std::vector<id_timestamp> page;
    page.reserve(list->get_array().size());
    for (auto& h : list->get_array()) {
        auto* ho = h.if_object();
        if (!ho) {
            continue;
        }
        id_timestamp entry;
        const json::object* src = detail::object_at(*ho, "_source");
        const json::value* id = src ? src->if_contains("id") : nullptr;
        if (id && id->is_string()) {
            entry.id = id->get_string();
        } else if (id && !id->is_null()) {
            entry.id = json::serialize(*id);
        } else {
            entry.id = detail::string_or(*ho, "_id");
        }
        if (src) {
            if (auto* ts = src->if_contains("_timestamp"); ts && ts->is_string()) {
                entry.timestamp = std::string(ts->get_string());
            }
        }
        page.push_back(std::move(entry));
    }
    co_return page;
}

}  // namespace casio::es
