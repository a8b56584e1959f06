#pragma once
// Drives mock-elasticsearch's dispatcher in-process (no sockets) for the unit tests.

#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "service.hpp"

namespace casio::mock_es::test {

// A directory of its own under the system's temporary directory (not created: a data dir is
// made by the service), removed with everything in it when the test ends.
struct temp_dir {
    temp_dir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               ("mock-es-test-" + std::to_string(rd()) + std::to_string(rd()));
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::filesystem::path path;
};

struct reply {
    unsigned status = 0;
    boost::json::value json;  // null when the body is empty or not JSON
    std::string body;
    http::server_response raw;

    const boost::json::value& at(std::initializer_list<std::string_view> path) const {
        const boost::json::value* v = &json;
        for (auto p : path) {
            // A number indexes an array; in an object it is a key like any other (node ids,
            // document ids and uuids may start with a digit).
            if (v->is_array() && !p.empty() && p[0] >= '0' && p[0] <= '9') {
                v = &v->as_array().at(static_cast<std::size_t>(std::stoul(std::string(p))));
            } else {
                v = &v->as_object().at(p);
            }
        }
        return *v;
    }
    std::string str(std::initializer_list<std::string_view> path) const {
        return std::string(at(path).as_string());
    }
};

inline reply call(service& svc, std::string method, std::string target, std::string body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!body.empty()) {
        bool has_ct = false;
        for (auto& h : headers)
            has_ct = has_ct || h.first == "Content-Type";
        if (!has_ct)
            headers.emplace_back("Content-Type", "application/json");
    }
    auto req = http::server_request::make(std::move(method), std::move(target), std::move(body),
                                          std::move(headers));
    reply r;
    r.raw = svc.handle(req);
    r.status = r.raw.status;
    r.body = r.raw.body;
    boost::json::error_code ec;
    if (!r.body.empty()) {
        r.json = boost::json::parse(r.body, ec);
        if (ec)
            r.json = nullptr;
    }
    return r;
}

inline std::string ndjson(std::initializer_list<std::string_view> lines) {
    std::string out;
    for (auto l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

}  // namespace casio::mock_es::test
