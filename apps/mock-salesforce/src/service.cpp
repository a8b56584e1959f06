#include "service.hpp"

#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/text.hpp>

#include "describe.hpp"
#include "sf_error.hpp"

namespace casio::mock_sf {

namespace {

constexpr std::string_view json_type = "application/json;charset=UTF-8";
constexpr std::size_t max_cursors = 1024;

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t fnv(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
    for (char c : s) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return h;
}

service_response json(unsigned status, std::string body) {
    service_response r;
    r.status = status;
    r.fields.push_back({"Content-Type", std::string(json_type)});
    r.body = std::move(body);
    return r;
}

service_response error(unsigned status, std::string code, const std::string& message) {
    return json(status, sf_error(status, std::move(code), message).to_json());
}

service_response not_found() {
    return error(404, "NOT_FOUND", "The requested resource does not exist");
}

bool valid_version(std::string_view v) {
    // vNN.N
    if (v.size() < 4 || v[0] != 'v') {
        return false;
    }
    auto dot = v.find('.');
    if (dot == std::string_view::npos || dot == 1 || dot + 1 == v.size()) {
        return false;
    }
    return core::parse_number<std::size_t>(v.substr(1, dot - 1)) &&
           core::parse_number<std::size_t>(v.substr(dot + 1));
}

// The fields of an application/x-www-form-urlencoded body, decoded (first value wins).
std::map<std::string, std::string> parse_form(std::string_view s) {
    std::map<std::string, std::string> out;
    while (!s.empty()) {
        auto amp = s.find('&');
        auto part = s.substr(0, amp);
        auto eq = part.find('=');
        auto key = core::percent_decode(part.substr(0, eq), true);
        auto val = eq == std::string_view::npos ? std::string()
                                                : core::percent_decode(part.substr(eq + 1), true);
        out.emplace(std::move(key), std::move(val));
        if (amp == std::string_view::npos) {
            break;
        }
        s.remove_prefix(amp + 1);
    }
    return out;
}

// The admin API's refusal of a request: 400 {"error": message}.
service_response admin_refusal(const std::string& message) {
    boost::json::object o;
    o["error"] = message;
    return json(400, boost::json::serialize(o));
}

}  // namespace

service::service(org& o, service_options opts)
    : org_(&o),
      engine_(o),
      opts_(std::move(opts)),
      in_flight_(std::make_shared<in_flight_counter>(opts_.faults.max_in_flight)) {}

bool service::counts_in_flight(const http::server_request& req) {
    return !req.path.starts_with("/__admin/");
}

service_response service::too_many_in_flight(const http::server_request& req) const {
    auto res = error(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.");
    finish(res);
    res.delay = std::chrono::milliseconds(0);
    restyle(req, res);
    return res;
}

void service::restyle(const http::server_request& req, service_response& res) const {
    auto style = opts_.json;
    if (auto pp = req.header("X-PrettyPrint"); pp && (*pp == "1" || iequals(*pp, "true"))) {
        style = style == json_style::escaped || style == json_style::pretty_escaped
                    ? json_style::pretty_escaped
                    : json_style::pretty;
    }
    if (style == json_style::compact || res.file || res.body.empty()) {
        return;
    }
    if (auto type = res.header("Content-Type"); type && type->starts_with("application/json")) {
        res.body = restyle_json(res.body, style);
    }
}

void service::finish(service_response& res) const {
    const std::size_t limit =
        opts_.faults.request_limit ? opts_.faults.request_limit : opts_.daily_limit;
    res.fields.push_back({"Sforce-Limit-Info", "api-usage=" + std::to_string(stats_.api_requests) +
                                                   "/" + std::to_string(limit)});
    // The org's clock (see /__admin/clock): a client may take the server's time from it.
    res.fields.push_back({"Date", format_http_date(org_->now_ms() / 1000)});
    res.delay = opts_.faults.latency;
}

service_response service::handle(const http::server_request& req) {
    service_response res;
    if (req.target.size() > opts_.max_uri) {
        res.status = 414;
        res.fields.push_back({"Content-Type", "text/html;charset=UTF-8"});
        res.body =
            "<html><head><title>414 URI Too Long</title></head><body><h1>URI Too Long</h1><p>The "
            "requested URL's length exceeds the capacity limit for this server.</p></body></html>";
        finish(res);
        return res;
    }
    const std::string& path = req.path;
    try {
        if (path == "/" || path.empty()) {
            res.status = 200;
            res.fields.push_back({"Content-Type", "text/html;charset=UTF-8"});
        } else if (path == "/services/oauth2/token") {
            res = req.method == "POST"
                      ? token(req)
                      : error(405, "METHOD_NOT_ALLOWED",
                              "HTTP Method '" + req.method + "' not allowed. Allowed are POST");
        } else if (path.starts_with("/__admin/")) {
            res = admin(req, path);
        } else if (path.starts_with("/services/data/")) {
            res = api(req, path);
        } else {
            res = not_found();
        }
    } catch (const sf_error& e) {
        res = json(e.status(), e.to_json());
    }
    finish(res);
    restyle(req, res);
    return res;
}

service_response service::token(const http::server_request& req) {
    ++stats_.token_requests;
    auto form = parse_form(req.body);
    auto oauth_error = [](const std::string& err, const std::string& description) {
        boost::json::object o;
        o["error"] = err;
        o["error_description"] = description;
        return json(400, boost::json::serialize(o));
    };
    if (form["grant_type"] != "client_credentials") {
        return oauth_error("unsupported_grant_type", "grant type not supported");
    }
    if (form["client_id"] != opts_.client_id || form["client_secret"] != opts_.client_secret ||
        opts_.client_id.empty()) {
        return oauth_error("invalid_client", "invalid client credentials");
    }
    ++issued_;
    const std::string org_id = "00D" + org_->make_id(0, 0).substr(3, 12);
    const std::string token_text = org_id + "!AR" +
                                   std::to_string(mix(org_->seed() + issued_) % 1000000007ULL) +
                                   "." + std::to_string(issued_);
    tokens_[token_text] = 0;
    boost::json::object o;
    o["access_token"] = token_text;
    o["signature"] = "bW9jay1zYWxlc2ZvcmNlLXNpZ25hdHVyZQ==";
    o["scope"] = "api";
    o["instance_url"] = opts_.instance_url;
    o["id"] = "https://login.salesforce.com/id/" + org_id + "AAA/" + org_->make_id(0, 0);
    o["token_type"] = "Bearer";
    o["issued_at"] = std::to_string(1700000000000ULL + issued_);
    o["api_instance_url"] = "https://api.salesforce.com";
    return json(200, boost::json::serialize(o));
}

service_response service::api(const http::server_request& req, std::string_view path) {
    path.remove_prefix(std::string_view("/services/data/").size());
    const auto slash = path.find('/');
    const std::string version(path.substr(0, slash));
    const std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash);
    if (!valid_version(version)) {
        return not_found();
    }
    auto auth = req.header("Authorization");
    std::string token_text;
    if (auth && auth->size() > 7 && iequals(auth->substr(0, 7), "Bearer ")) {
        token_text = std::string(auth->substr(7));
    }
    auto tok = tokens_.find(token_text);
    const auto& f = opts_.faults;
    if (tok == tokens_.end() || (f.token_expires_after && tok->second >= f.token_expires_after)) {
        if (tok != tokens_.end()) {
            tokens_.erase(tok);
        }
        return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    ++tok->second;
    ++stats_.api_requests;
    if (f.request_limit && stats_.api_requests > f.request_limit) {
        return error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    }
    bool fault_applies = fault_.has_value();
    if (fault_ && !fault_->matching.empty()) {
        const auto q = req.query("q");
        fault_applies = req.path.find(fault_->matching) != std::string::npos ||
                        (q && q->find(fault_->matching) != std::string_view::npos);
    }
    if (fault_applies) {
        if (fault_->after_requests > 0) {
            --fault_->after_requests;
        } else {
            ++stats_.faulted_requests;
            if (fault_->drop) {
                service_response r;
                r.drop = true;
                return r;
            }
            if (!fault_->error_code.empty()) {
                return error(fault_->status, fault_->error_code,
                             "Refused by an injected fault matching '" + fault_->matching + "'");
            }
            return fault_->status == 503
                       ? error(503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable")
                       : error(fault_->status, "UNKNOWN_EXCEPTION",
                               "An unexpected error occurred (injected fault)");
        }
    }
    if (f.error_rate > 0) {
        const double draw = static_cast<double>(mix(f.seed * 0x9E37 + fault_draws_++) >> 11) /
                            static_cast<double>(1ULL << 53);
        if (draw < f.error_rate) {
            return error(500, "UNKNOWN_EXCEPTION",
                         "An unexpected error occurred. Please include this ErrorId if you "
                         "contact support: " +
                             std::to_string(fault_draws_) + "-mock (-1)");
        }
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return error(405, "METHOD_NOT_ALLOWED",
                     "HTTP Method '" + req.method + "' not allowed. Allowed are GET,HEAD");
    }
    const auto& s = org_->schema();
    if (rest == "/sobjects" || rest == "/sobjects/") {
        ++stats_.describe_requests;
        return json(200, describe_global(s, version));
    }
    if (rest.starts_with("/sobjects/")) {
        std::string_view tail = rest.substr(10);
        if (tail.ends_with('/')) {
            tail.remove_suffix(1);
        }
        const auto cut = tail.find('/');
        if (cut != std::string_view::npos && tail.find('/', cut + 1) == std::string_view::npos &&
            (tail.substr(cut) == "/deleted" || tail.substr(cut) == "/updated")) {
            return replication(req, tail.substr(0, cut), tail.substr(cut) == "/deleted");
        }
    }
    if (rest.starts_with("/sobjects/") && rest.ends_with("/describe")) {
        ++stats_.describe_requests;
        auto name = rest.substr(10, rest.size() - 10 - 9);
        int obj = s.find(name);
        if (obj < 0 || name.find('/') != std::string_view::npos) {
            return not_found();
        }
        return json(200, describe_object(s, s.object(static_cast<std::size_t>(obj)), version));
    }
    if (rest.starts_with("/sobjects/ContentVersion/") && rest.ends_with("/VersionData")) {
        auto id = rest.substr(25, rest.size() - 25 - 12);
        ++stats_.download_requests;
        auto file = org_->file(id);
        if (!file) {
            return not_found();
        }
        service_response r;
        r.status = 200;
        r.fields.push_back({"Content-Type", file->content_type});
        stats_.download_bytes += file->size;
        r.file = std::move(*file);
        return r;
    }
    if (rest == "/query" || rest == "/queryAll") {
        const auto q = req.query("q");
        if (!q || q->empty()) {
            return error(400, "MALFORMED_QUERY", "A query string has to be specified");
        }
        return run_query(req, version, std::string(*q), rest == "/queryAll");
    }
    if (rest.starts_with("/query/") || rest.starts_with("/queryAll/")) {
        return page(version, std::string(rest.substr(rest.find('/', 1) + 1)));
    }
    if (rest == "/search") {
        const auto q = req.query("q");
        if (!q || q->empty()) {
            return error(400, "MALFORMED_SEARCH", "No search term found.");
        }
        ++stats_.query_requests;
        ++stats_.search_requests;
        return json(200, engine_.search(*q, version));
    }
    return not_found();
}

std::string service::locator_id(const std::string& soql, bool all, std::size_t batch) const {
    static constexpr std::string_view b62 =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::uint64_t h = fnv(soql, fnv(all ? "all" : "query", batch));
    std::string id = "01g";
    for (int i = 0; i < 15; ++i) {
        if (i % 8 == 0) {
            h = mix(h);
        }
        id += b62[h % 62];
        h /= 62;
    }
    return id;
}

std::shared_ptr<query_result> service::result_of(cursor& c) {
    // Edits through the admin endpoint re-list the rows; pages stay addressable by offset.
    if (!c.result || c.generation != org_->generation()) {
        c.result = engine_.query(c.soql, c.all);
        c.generation = org_->generation();
    }
    return c.result;
}

service_response service::run_query(const http::server_request& req, std::string_view version,
                                    const std::string& soql, bool all) {
    ++stats_.query_requests;
    std::size_t batch = 2000;
    if (auto opt = req.header("Sforce-Query-Options")) {
        auto pos = opt->find("batchSize=");
        if (pos != std::string_view::npos) {
            auto digits = opt->substr(pos + 10);
            digits = digits.substr(0, digits.find_first_not_of("0123456789"));
            if (auto n = core::parse_number<std::size_t>(digits)) {
                batch = std::clamp<std::size_t>(*n, 200, 2000);
            }
        }
    }
    const std::string id = locator_id(soql, all, batch);
    auto it = cursors_.find(id);
    if (it == cursors_.end()) {
        cursor c;
        c.soql = soql;
        c.all = all;
        c.batch = batch;
        result_of(c);  // throws sf_error before anything is registered
        if (cursors_.size() >= max_cursors) {
            // The cursor used least recently goes (not the oldest: a long listing paged while
            // many short queries come and go keeps its cursor).
            cursors_.erase(cursor_order_.front());
            cursor_order_.pop_front();
        }
        c.order = cursor_order_.insert(cursor_order_.end(), id);
        c.opened = ++cursors_opened_;
        it = cursors_.emplace(id, std::move(c)).first;
    } else {
        cursor_order_.splice(cursor_order_.end(), cursor_order_, it->second.order);
    }
    auto result = result_of(it->second);
    it->second.next_offset = result->next_offset(0, batch);
    served(it->second, 0);
    // A query answered in one page leaves no cursor open; one that stays open may release
    // the oldest.
    if (it->second.open)
        release_open_cursors(id);
    return json(200, result->page(0, batch, version,
                                  "/services/data/" + std::string(version) + "/query/" + id));
}

void service::served(cursor& c, std::size_t offset) {
    if (!c.open)
        return;
    c.served.insert(offset);
    const std::size_t rows = c.result ? c.result->total_size() : 0;
    const std::size_t pages = std::max<std::size_t>(1, (rows + c.batch - 1) / c.batch);
    if (c.served.size() >= pages) {
        c.open = false;
        std::set<std::size_t>().swap(c.served);
    }
}

void service::release_open_cursors(const std::string& keep) {
    while (true) {
        std::size_t open = 0;
        auto oldest = cursors_.end();
        for (auto it = cursors_.begin(); it != cursors_.end(); ++it) {
            if (!it->second.open)
                continue;
            ++open;
            if (it->first != keep &&
                (oldest == cursors_.end() || it->second.opened < oldest->second.opened))
                oldest = it;
        }
        stats_.max_open_cursors = std::max(stats_.max_open_cursors, open);
        if (opts_.max_open_cursors == 0 || open <= opts_.max_open_cursors ||
            oldest == cursors_.end())
            return;
        ++stats_.released_cursors;
        cursor_order_.erase(oldest->second.order);
        cursors_.erase(oldest);
    }
}

service_response service::page(std::string_view version, const std::string& locator) {
    ++stats_.query_requests;
    const auto dash = locator.rfind('-');
    auto it = dash == std::string::npos ? cursors_.end() : cursors_.find(locator.substr(0, dash));
    auto offset = dash == std::string::npos
                      ? std::nullopt
                      : core::parse_number<std::size_t>(std::string_view(locator).substr(dash + 1));
    if (it == cursors_.end() || !offset ||
        (opts_.locators == locator_order::sequential && it->second.next_offset != offset)) {
        return error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    cursor_order_.splice(cursor_order_.end(), cursor_order_, it->second.order);
    auto result = result_of(it->second);
    it->second.next_offset = result->next_offset(*offset, it->second.batch);
    served(it->second, *offset);
    return json(200,
                result->page(*offset, it->second.batch, version,
                             "/services/data/" + std::string(version) + "/query/" + it->first));
}

service_response service::admin(const http::server_request& req, std::string_view path) {
    auto fail = [](unsigned status, const std::string& message) {
        boost::json::object o;
        o["error"] = message;
        return json(status, boost::json::serialize(o));
    };
    if (path == "/__admin/stats" && req.method == "GET") {
        boost::json::object o;
        o["api_requests"] = stats_.api_requests;
        o["token_requests"] = stats_.token_requests;
        o["query_requests"] = stats_.query_requests;
        o["download_requests"] = stats_.download_requests;
        o["download_bytes"] = stats_.download_bytes;
        o["faulted_requests"] = stats_.faulted_requests;
        o["describe_requests"] = stats_.describe_requests;
        o["deleted_requests"] = stats_.deleted_requests;
        o["updated_requests"] = stats_.updated_requests;
        o["search_requests"] = stats_.search_requests;
        o["max_open_cursors"] = stats_.max_open_cursors;
        o["released_cursors"] = stats_.released_cursors;
        const auto& f = in_flight_->stats();
        o["in_flight"] = f.in_flight;
        o["max_in_flight"] = f.max_in_flight;
        o["downloads_in_flight"] = f.downloads_in_flight;
        o["max_downloads_in_flight"] = f.max_downloads_in_flight;
        o["limited_requests"] = f.limited_requests;
        return json(200, boost::json::serialize(o));
    }
    if (path == "/__admin/reset-limits" && req.method == "POST") {
        stats_ = {};
        in_flight_->reset();
        for (auto& [t, n] : tokens_) {
            n = 0;
        }
        service_response r;
        r.status = 204;
        return r;
    }
    if (path == "/__admin/clock" && (req.method == "POST" || req.method == "GET")) {
        return clock(req);
    }
    if (path == "/__admin/mutate" && req.method == "POST") {
        return mutate(req);
    }
    if (path == "/__admin/faults" && req.method == "POST") {
        return set_fault(req);
    }
    if (path == "/__admin/faults" && req.method == "DELETE") {
        fault_.reset();
        service_response r;
        r.status = 204;
        return r;
    }
    constexpr std::string_view files = "/__admin/files/";
    if (path.starts_with(files) && path.ends_with("/versions") && req.method == "POST") {
        return add_version(req, path.substr(files.size(), path.size() - files.size() - 9));
    }
    if (path.starts_with(files) && path.ends_with("/text") && req.method == "GET") {
        // The text an extractor finds in a ContentVersion's file (tests check against it).
        const auto id = path.substr(files.size(), path.size() - files.size() - 5);
        const auto file = org_->file(id);
        if (!file) {
            return fail(404, "no ContentVersion " + std::string(id));
        }
        service_response r;
        r.status = 200;
        r.fields.push_back({"Content-Type", "text/plain; charset=utf-8"});
        r.fields.push_back({"X-Well-Formed", file->body->well_formed() ? "true" : "false"});
        r.body = file->body->text();
        return r;
    }
    constexpr std::string_view prefix = "/__admin/records/";
    if (!path.starts_with(prefix)) {
        return fail(404, "unknown admin endpoint " + std::string(path));
    }
    const std::string arg(path.substr(prefix.size()));
    try {
        if (req.method == "DELETE") {
            org_->remove(arg);
            service_response r;
            r.status = 204;
            return r;
        }
        boost::system::error_code ec;
        auto body = boost::json::parse(req.body, ec);
        if (ec || !body.is_object()) {
            return fail(400, "request body must be a JSON object of fields");
        }
        if (req.method == "POST") {
            boost::json::object o;
            o["id"] = org_->insert(arg, body.as_object());
            return json(201, boost::json::serialize(o));
        }
        if (req.method == "PATCH") {
            org_->update(arg, body.as_object());
            service_response r;
            r.status = 204;
            return r;
        }
        return fail(405, "method " + req.method + " not allowed on " + std::string(path));
    } catch (const std::out_of_range& e) {
        return fail(404, e.what());
    } catch (const std::invalid_argument& e) {
        return fail(400, e.what());
    }
}

service_response service::clock(const http::server_request& req) {
    auto answer = [&] {
        boost::json::object o;
        o["now"] = format_datetime_ms(org_->now_ms());
        o["start"] = format_datetime_ms(org_->start_ms());
        return json(200, boost::json::serialize(o));
    };
    if (req.method == "GET") {
        return answer();
    }
    auto fail = admin_refusal;
    boost::system::error_code ec;
    auto body = boost::json::parse(req.body, ec);
    if (ec || !body.is_object() || body.as_object().empty()) {
        return fail(
            "clock: the body must be a JSON object such as {\"advance_seconds\":86400} "
            "or {\"now\":\"2026-12-20T10:00:00Z\"}");
    }
    std::int64_t advance = 0;
    for (const auto& [key, value] : body.as_object()) {
        if (key == "advance_seconds") {
            if (!value.is_number() || value.to_number<double>() < 0) {
                return fail("clock: advance_seconds must be a non-negative number, got " +
                            boost::json::serialize(value));
            }
            advance += static_cast<std::int64_t>(value.to_number<double>() * 1000);
        } else if (key == "now") {
            const auto at = value.is_string() ? parse_datetime_ms(value.as_string()) : std::nullopt;
            if (!at) {
                return fail("clock: now must be an ISO-8601 datetime, got " +
                            boost::json::serialize(value));
            }
            if (*at < org_->now_ms()) {
                return fail("clock: now " + boost::json::serialize(value) +
                            " is before the server's now " + format_datetime_ms(org_->now_ms()) +
                            " (the clock only moves forward)");
            }
            advance += *at - org_->now_ms();
        } else {
            return fail("clock: unknown field \"" + std::string(key) + "\" (advance_seconds, now)");
        }
    }
    org_->advance_clock(advance);
    return answer();
}

service_response service::replication(const http::server_request& req, std::string_view type,
                                      bool deleted) {
    ++(deleted ? stats_.deleted_requests : stats_.updated_requests);
    const auto& s = org_->schema();
    const int obj = s.find(type);
    if (obj < 0) {
        return not_found();
    }
    const auto object = static_cast<std::size_t>(obj);
    const auto& def = s.object(object);
    auto replication_error = [](const std::string& message) {
        return error(400, "INVALID_REPLICATION_DATE", message);
    };
    if (!def.replicateable) {
        return error(400, "INVALID_TYPE", "sObject type '" + def.name + "' is not replicateable");
    }
    // Salesforce ignores the seconds of both ends.
    constexpr std::int64_t minute = 60 * 1000;
    auto bound = [&](const char* name) -> std::optional<std::int64_t> {
        const auto text = req.query(name);
        const auto at = text ? parse_datetime_ms(*text) : std::nullopt;
        if (!at) {
            return std::nullopt;
        }
        return *at - ((*at % minute) + minute) % minute;
    };
    const auto start = bound("start");
    const auto end = bound("end");
    for (const auto& [name, at] : {std::pair{"start", start}, std::pair{"end", end}}) {
        if (!at) {
            const auto given = req.query(name);
            return replication_error(
                std::string(name) +
                (given ? " is not a valid ISO-8601 dateTime: '" + std::string(*given) + "'"
                       : " is missing: give start and end as ISO-8601 "
                         "dateTimes (URL-encoded, e.g. "
                         "2026-12-05T10%3A00%3A00%2B00%3A00)"));
        }
    }
    const std::int64_t now = org_->now_ms();
    if (*start >= *end) {
        return replication_error(
            "startDate must chronologically precede endDate by more than one minute");
    }
    if (*start < now - 30 * 24 * 3600 * std::int64_t{1000}) {
        return replication_error("startDate cannot be more than 30 days ago");
    }
    const std::int64_t now_minute = now - now % minute;
    const std::int64_t covered = std::min(*end, now_minute);
    std::string out;
    if (deleted) {
        std::int64_t earliest = org_->start_ms() - org_->start_ms() % minute;
        std::vector<const org::deletion*> hits;
        for (const auto& d : org_->deletions(object)) {
            if (d.at_ms + org::recycle_bin_ms <= now) {
                earliest = std::max(earliest, d.at_ms - d.at_ms % minute + minute);
                continue;  // purged from the recycle bin
            }
            if (d.at_ms >= *start && d.at_ms < covered) {
                hits.push_back(&d);
            }
        }
        if (*start < earliest && earliest > org_->start_ms()) {
            return replication_error("startDate is before the earliest date available " +
                                     format_datetime_ms(earliest) +
                                     ": deleted records were purged since; replicate the whole "
                                     "object again");
        }
        out = "{\"deletedRecords\":[";
        for (std::size_t i = 0; i < hits.size(); ++i) {
            out += i ? ",{\"id\":" : "{\"id\":";
            append_json_string(out, hits[i]->id);
            out += ",\"deletedDate\":";
            append_json_string(out, format_datetime_ms(hits[i]->at_ms));
            out += '}';
        }
        out += "],\"earliestDateAvailable\":";
        append_json_string(out, format_datetime_ms(earliest));
    } else {
        const int modstamp = def.field_index("SystemModstamp");
        std::vector<std::uint32_t> candidates;
        if (org_->generated() && *start >= org::generated_ceiling_ms) {
            candidates = org_->overlay_indices(object);
        } else {
            for (std::size_t i = 0; i < org_->index_space(object); ++i) {
                candidates.push_back(static_cast<std::uint32_t>(i));
            }
        }
        out = "{\"ids\":[";
        bool first = true;
        for (auto idx : candidates) {
            auto r = org_->get(object, idx);
            if (!r || modstamp < 0) {
                continue;
            }
            const auto v = r->get(modstamp);
            const auto at = std::holds_alternative<std::string>(v)
                                ? parse_datetime_ms(std::get<std::string>(v))
                                : std::nullopt;
            if (!at || *at < *start || *at >= covered) {
                continue;
            }
            out += first ? "" : ",";
            first = false;
            append_json_string(out, r->id());
        }
        out += ']';
    }
    out += ",\"latestDateCovered\":";
    append_json_string(out, format_datetime_ms(covered));
    out += '}';
    return json(200, std::move(out));
}

service_response service::mutate(const http::server_request& req) {
    auto fail = [](const std::string& message) { return admin_refusal("mutate: " + message); };
    boost::system::error_code ec;
    auto body = boost::json::parse(req.body.empty() ? std::string_view("{}") : req.body, ec);
    if (ec || !body.is_object()) {
        return fail(
            "the body must be a JSON object such as {\"objects\":[\"Account\"],"
            "\"change_share\":0.01,\"delete_share\":0.001,\"add_share\":0.001,"
            "\"seed\":7}");
    }
    org::mutation m;
    for (const auto& [key, value] : body.as_object()) {
        if (key == "objects") {
            if (!value.is_array()) {
                return fail("objects must be an array of object names, got " +
                            boost::json::serialize(value));
            }
            for (const auto& name : value.as_array()) {
                if (!name.is_string()) {
                    return fail("objects must be an array of object names, got " +
                                boost::json::serialize(value));
                }
                m.objects.emplace_back(name.as_string());
            }
        } else if (key == "change_share" || key == "delete_share" || key == "add_share") {
            if (!value.is_number()) {
                return fail(std::string(key) + " must be a number, got " +
                            boost::json::serialize(value));
            }
            (key == "change_share"   ? m.change_share
             : key == "delete_share" ? m.delete_share
                                     : m.add_share) = value.to_number<double>();
        } else if (key == "seed") {
            if (!value.is_int64() && !value.is_uint64()) {
                return fail("seed must be an integer, got " + boost::json::serialize(value));
            }
            m.seed = value.to_number<std::uint64_t>();
        } else {
            return fail("unknown field \"" + std::string(key) +
                        "\" (objects, change_share, delete_share, add_share, seed)");
        }
    }
    org::mutation_result result;
    try {
        result = org_->mutate(m);
    } catch (const std::invalid_argument& e) {
        return fail(e.what());
    }
    boost::json::object o;
    for (const auto& [name, lists] :
         {std::pair{"changed", &result.changed}, std::pair{"deleted", &result.deleted},
          std::pair{"added", &result.added}}) {
        boost::json::object per;
        for (const auto& [object, ids] : *lists) {
            boost::json::array a;
            for (const auto& id : ids) {
                a.emplace_back(id);
            }
            per[object] = std::move(a);
        }
        o[name] = std::move(per);
    }
    return json(200, boost::json::serialize(o));
}

service_response service::add_version(const http::server_request& req,
                                      std::string_view document_id) {
    auto fail = [](unsigned status, const std::string& message) {
        boost::json::object o;
        o["error"] = "versions: " + message;
        return json(status, boost::json::serialize(o));
    };
    boost::system::error_code ec;
    auto body = boost::json::parse(req.body.empty() ? std::string_view("{}") : req.body, ec);
    if (ec || !body.is_object()) {
        return fail(400,
                    "the body must be a JSON object such as {\"size\":4096,"
                    "\"extension\":\"pdf\",\"title\":\"Q3 report\"} (every field "
                    "optional)");
    }
    org::version_options opts;
    for (const auto& [key, value] : body.as_object()) {
        if (key == "size" && (value.is_int64() || value.is_uint64())) {
            opts.size = value.to_number<std::int64_t>();
        } else if ((key == "extension" || key == "title") && value.is_string()) {
            (key == "title" ? opts.title : opts.extension) = std::string(value.as_string());
        } else {
            return fail(400, "unknown field or wrong type: \"" + std::string(key) +
                                 "\": " + boost::json::serialize(value) +
                                 " (size: integer, extension and title: strings)");
        }
    }
    try {
        boost::json::object o;
        o["id"] = org_->add_version(document_id, opts);
        return json(201, boost::json::serialize(o));
    } catch (const std::out_of_range& e) {
        return fail(404, e.what());
    } catch (const std::invalid_argument& e) {
        return fail(400, e.what());
    }
}

service_response service::set_fault(const http::server_request& req) {
    auto fail = admin_refusal;
    boost::system::error_code ec;
    auto body = boost::json::parse(req.body, ec);
    if (ec || !body.is_object()) {
        return fail(
            "faults: the body must be a JSON object such as {\"after_requests\":5,"
            "\"status\":503} or {\"after_requests\":5,\"drop\":true}");
    }
    runtime_fault f;
    for (const auto& [key, value] : body.as_object()) {
        if (key == "after_requests") {
            if (!value.is_int64() || value.as_int64() < 0) {
                return fail("faults: after_requests must be a non-negative integer, got " +
                            boost::json::serialize(value));
            }
            f.after_requests = static_cast<std::size_t>(value.as_int64());
        } else if (key == "status") {
            if (!value.is_int64() || value.as_int64() < 400 || value.as_int64() > 599) {
                return fail("faults: status must be an HTTP error status (400..599), got " +
                            boost::json::serialize(value));
            }
            f.status = static_cast<unsigned>(value.as_int64());
        } else if (key == "drop") {
            if (!value.is_bool()) {
                return fail("faults: drop must be true or false, got " +
                            boost::json::serialize(value));
            }
            f.drop = value.as_bool();
        } else if (key == "matching" || key == "error_code") {
            if (!value.is_string() || value.as_string().empty()) {
                return fail("faults: " + std::string(key) + " must be a non-empty string, got " +
                            boost::json::serialize(value));
            }
            (key == "matching" ? f.matching : f.error_code) = std::string(value.as_string());
        } else {
            return fail("faults: unknown field \"" + std::string(key) +
                        "\" (after_requests, status, drop, matching, error_code)");
        }
    }
    if (f.drop && body.as_object().contains("status")) {
        return fail("faults: give either status or drop, not both");
    }
    if (f.drop && !f.error_code.empty()) {
        return fail("faults: give either error_code or drop, not both");
    }
    if (!f.error_code.empty() && !body.as_object().contains("status")) {
        f.status = 400;  // Salesforce answers its query errors with 400
    }
    fault_ = f;
    service_response r;
    r.status = 204;
    return r;
}

}  // namespace casio::mock_sf
