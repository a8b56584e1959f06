#include "support/mock_es_transport.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace casio::test {

http::response es_response(unsigned status, std::string body, bool product) {
    http::response r;
    r.status = status;
    r.body = std::move(body);
    r.fields.push_back({"content-type", "application/vnd.elasticsearch+json;compatible-with=8"});
    if (product) {
        r.fields.push_back({"X-Elastic-Product", "Elasticsearch"});
    }
    return r;
}

es::client_options es_test_options() {
    es::client_options o;
    o.host = "http://es.test:9200";
    o.retries.retry_interval = std::chrono::seconds(10);
    o.bulk_retries.retry_interval = std::chrono::seconds(2);
    return o;
}

std::optional<std::string> field(const http::request& r, std::string_view name) {
    for (const auto& h : r.fields) {
        if (h.name.size() == name.size() &&
            std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return h.value;
        }
    }
    return std::nullopt;
}

namespace {

// "/path?query" of an absolute URL.
std::string target_of(const http::request& r) {
    const auto scheme = r.url.find("://");
    const auto slash = r.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return slash == std::string::npos ? std::string("/") : r.url.substr(slash);
}

}  // namespace

std::string method_of(const http::request& r) {
    return std::string(http::to_string(r.verb));
}

std::string path_of(const http::request& r) {
    auto t = target_of(r);
    return t.substr(0, t.find('?'));
}

std::string query_of(const http::request& r) {
    auto t = target_of(r);
    auto q = t.find('?');
    return q == std::string::npos ? std::string() : t.substr(q + 1);
}

bool request_match::matches(const http::request& r) const {
    if (verb && *verb != r.verb) {
        return false;
    }
    return path_of(r).starts_with(path_prefix);
}

mock_es_transport::mock_es_transport(mock_es::service_options opts)
    : service_(std::make_unique<mock_es::service>(std::move(opts))) {}

void mock_es_transport::restart(mock_es::service_options opts) {
    service_ = std::make_unique<mock_es::service>(std::move(opts));
}

std::optional<boost::json::object> mock_es_transport::doc(std::string_view index,
                                                          std::string_view id) const {
    const auto* idx = store().find(index);
    if (idx == nullptr) {
        return std::nullopt;
    }
    auto d = store().get(*idx, id);
    if (!d) {
        return std::nullopt;
    }
    return d->object();
}

void mock_es_transport::put_doc(std::string_view index, std::string_view id,
                                const boost::json::object& source) {
    store().put(store().index_for_write(index), id, boost::json::serialize(source), false);
}

boost::json::object mock_es_transport::bulk_source(std::string_view id) const {
    boost::json::object out;
    for (const auto* r : sent(http::method::put, "/_bulk")) {
        std::string_view rest = r->body;
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            auto action = boost::json::parse(rest.substr(0, nl)).as_object();
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
            const auto& [op, meta] = *action.begin();
            if (op == "delete") {
                continue;
            }
            nl = rest.find('\n');
            auto source = boost::json::parse(rest.substr(0, nl)).as_object();
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
            if (meta.at("_id").as_string() == id) {
                out = op == "update" ? source.at("doc").as_object() : source;
            }
        }
    }
    return out;
}

std::vector<const http::request*> mock_es_transport::sent(http::method verb,
                                                          std::string_view path_prefix) const {
    std::vector<const http::request*> out;
    for (const auto& r : requests_) {
        if (r.verb == verb && path_of(r).starts_with(path_prefix)) {
            out.push_back(&r);
        }
    }
    return out;
}

std::size_t mock_es_transport::in_flight(const std::string& path) const {
    auto it = in_flight_.find(path);
    return it == in_flight_.end() ? 0 : it->second;
}

std::size_t mock_es_transport::max_in_flight(const std::string& path) const {
    auto it = max_in_flight_.find(path);
    return it == max_in_flight_.end() ? 0 : it->second;
}

void mock_es_transport::reply(unsigned status, std::string body) {
    reply(es_response(status, std::move(body)));
}

void mock_es_transport::reply(http::response r) {
    script({}, std::move(r));
}

void mock_es_transport::fail(core::error e) {
    script({}, std::move(e));
}

void mock_es_transport::script(request_match m, fault_action action, std::size_t nth, bool every) {
    script_.push_back({std::move(m), nth == 0 ? 0 : nth - 1, std::move(action), every});
}

std::optional<fault_action> mock_es_transport::scripted_for(const http::request& r) {
    for (auto it = script_.begin(); it != script_.end(); ++it) {
        if (!it->match.matches(r)) {
            continue;
        }
        if (it->skip > 0) {
            --it->skip;
            continue;
        }
        if (it->every) {
            return it->action;
        }
        auto action = std::move(it->action);
        script_.erase(it);
        return action;
    }
    return std::nullopt;
}

http::response mock_es_transport::dispatch(const http::request& r) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& h : r.fields) {
        headers.emplace_back(h.name, h.value);
    }
    auto sreq = http::server_request::make(method_of(r), target_of(r), r.body, std::move(headers));
    auto sres = service_->handle(sreq);
    http::response res;
    res.status = sres.status;
    res.fields = std::move(sres.fields);
    res.body = std::move(sres.body);
    return res;
}

boost::asio::awaitable<http::response> mock_es_transport::send(http::request req) {
    req.own_body();  // kept after the call
    if (!req.body_chunks.empty()) {
        for (const auto& c : req.body_chunks) {
            req.body += c;
        }
        req.body_chunks.clear();
    }
    requests_.push_back(req);
    const std::string path = path_of(req);
    auto& now = ++in_flight_[path];
    max_in_flight_[path] = std::max(max_in_flight_[path], now);
    struct leave {
        std::size_t& n;
        ~leave() { --n; }
    } guard{now};

    auto action = scripted_for(req);
    // Yield once, as a network would, so that concurrent requests overlap; a held request
    // waits until it is cancelled (the wait throws then).
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
    if (action && std::holds_alternative<hold>(*action)) {
        ++held_;
        t.expires_at(std::chrono::steady_clock::time_point::max());
    } else {
        t.expires_after(std::chrono::milliseconds(0));
    }
    co_await t.async_wait(boost::asio::use_awaitable);
    if (!action) {
        co_return dispatch(req);
    }
    if (auto* e = std::get_if<core::error>(&*action)) {
        throw *e;
    }
    co_return std::get<http::response>(std::move(*action));
}

}  // namespace casio::test
