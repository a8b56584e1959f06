#include <regex>

#include <boost/json/serialize.hpp>

#include <casio/core/error.hpp>
#include <casio/core/text.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/paging.hpp>

namespace casio::salesforce {

namespace json = boost::json;

namespace {

bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Arguments of every FIELDS( ... ) call, lowercased and trimmed.
std::vector<std::string> fields_arguments(std::string_view soql) {
    std::vector<std::string> args;
    const std::string l = core::to_lower(soql);
    std::size_t pos = 0;
    while ((pos = l.find("fields", pos)) != std::string::npos) {
        const bool word_start = pos == 0 || !is_word(l[pos - 1]);
        std::size_t i = pos + 6;
        pos = i;
        if (!word_start) {
            continue;
        }
        while (i < l.size() && is_space(l[i])) {
            ++i;
        }
        if (i >= l.size() || l[i] != '(') {
            continue;
        }
        const auto close = l.find(')', i);
        std::string arg =
            l.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
        std::size_t b = 0;
        while (b < arg.size() && is_space(arg[b])) {
            ++b;
        }
        std::size_t e = arg.size();
        while (e > b && is_space(arg[e - 1])) {
            --e;
        }
        args.push_back(arg.substr(b, e - b));
    }
    return args;
}

bool selects_all_or_standard(std::string_view soql) {
    for (const auto& a : fields_arguments(soql)) {
        if (a == "all" || a == "standard") {
            return true;
        }
    }
    return false;
}

// Inserts `, <column>` at the end of the outer select list: before the first FROM that is
// outside parentheses and string literals (a subquery's FROM does not count).
std::string add_column(std::string_view soql, std::string_view column) {
    const std::string l = core::to_lower(soql);
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < l.size(); ++i) {
        const char c = l[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '\'') {
                in_string = false;
            }
            continue;
        }
        if (c == '\'') {
            in_string = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (depth == 0 && l.compare(i, 4, "from") == 0 && i > 0 && is_space(l[i - 1]) &&
                   (i + 4 == l.size() || !is_word(l[i + 4]))) {
            std::size_t end = i;
            while (end > 0 && is_space(l[end - 1])) {
                --end;
            }
            std::string out(soql.substr(0, end));
            out += ", ";
            out += column;
            out += soql.substr(end);
            return out;
        }
    }
    return std::string(soql);
}

// The LIMIT of the query (last one written), if any.
std::optional<int> limit_of(std::string_view soql) {
    static const std::regex limit(R"(\blimit\s+(\d+))", std::regex::icase);
    std::optional<int> found;
    const std::string s(soql);
    for (std::sregex_iterator it(s.begin(), s.end(), limit), end; it != end; ++it) {
        const auto& digits = (*it)[1];
        if (digits.length() <= 6) {
            found = std::stoi(digits.str());
        }
    }
    return found;
}

}  // namespace

query_page read_query_page(const json::value& body) {
    if (!body.is_object()) {
        throw core::error(core::error_kind::transient,
                          "Salesforce query answer is not a JSON object");
    }
    const auto& o = body.get_object();
    query_page page;
    if (const auto* r = o.if_contains("records"); r != nullptr && r->is_array()) {
        page.records = &r->get_array();
    }
    if (const auto* n = o.if_contains("nextRecordsUrl"); n != nullptr && n->is_string()) {
        page.next_records_url = n->get_string();
    }
    if (const auto* t = o.if_contains("totalSize"); t != nullptr && t->is_int64()) {
        page.total_size = t->get_int64();
    }
    return page;
}

std::optional<query_locator> parse_locator(std::string_view url) {
    const auto dash = url.rfind('-');
    const auto slash = url.rfind('/');
    if (dash == std::string_view::npos || slash == std::string_view::npos || dash < slash ||
        dash + 1 == url.size() || url.find('?') != std::string_view::npos ||
        url.substr(slash + 1, 3) != "01g") {
        return std::nullopt;
    }
    const auto digits = url.substr(dash + 1);
    std::size_t offset = 0;
    for (char c : digits) {
        if (c < '0' || c > '9' || offset > 1'000'000'000'000) {
            return std::nullopt;
        }
        offset = offset * 10 + static_cast<std::size_t>(c - '0');
    }
    return query_locator{std::string(url.substr(0, dash)), offset};
}

void offset_coverage::add(std::size_t begin, std::size_t end) {
    if (begin >= end) {
        return;
    }
    std::vector<std::pair<std::size_t, std::size_t>> out;
    out.reserve(ranges_.size() + 1);
    bool placed = false;
    for (const auto& r : ranges_) {
        if (r.second < begin) {
            out.push_back(r);
        } else if (end < r.first) {
            if (!placed) {
                out.emplace_back(begin, end);
                placed = true;
            }
            out.push_back(r);
        } else {  // overlapping or adjacent: merged into the new range
            begin = std::min(begin, r.first);
            end = std::max(end, r.second);
        }
    }
    if (!placed) {
        out.emplace_back(begin, end);
    }
    ranges_ = std::move(out);
}

bool offset_coverage::covers(std::size_t begin, std::size_t end) const {
    if (begin >= end) {
        return true;
    }
    for (const auto& r : ranges_) {
        if (r.first <= begin && end <= r.second) {
            return true;
        }
    }
    return false;
}

std::size_t offset_coverage::prefix_end() const {
    return !ranges_.empty() && ranges_.front().first == 0 ? ranges_.front().second : 0;
}

const json::array* read_search_records(const json::value& body) {
    if (!body.is_object()) {
        return nullptr;
    }
    const auto* r = body.get_object().if_contains("searchRecords");
    return r != nullptr && r->is_array() ? &r->get_array() : nullptr;
}

bool uses_fields_function(std::string_view soql) {
    return !fields_arguments(soql).empty();
}

std::string add_id_column(std::string_view soql) {
    static const std::regex id_word(R"(\bid\b)", std::regex::icase);
    std::string s(soql);
    if (selects_all_or_standard(soql) || std::regex_search(s, id_word)) {
        return s;
    }
    return add_column(soql, "Id");
}

std::string add_last_modified_date_column(std::string_view soql) {
    if (selects_all_or_standard(soql) ||
        core::to_lower(soql).find("lastmodifieddate") != std::string::npos) {
        return std::string(soql);
    }
    return add_column(soql, "LastModifiedDate");
}

std::string add_limit_offset(std::string_view soql) {
    std::string s(soql);
    if (!uses_fields_function(soql)) {
        return s;
    }
    static const std::regex from_limit(R"(\bfrom\b[\s\S]*\blimit\b)", std::regex::icase);
    static const std::regex from_offset(R"(\bfrom\b[\s\S]*\boffset\b)", std::regex::icase);
    if (!std::regex_search(s, from_limit)) {
        s += " LIMIT " + std::to_string(fields_page_size) + " OFFSET 0";
    } else if (!std::regex_search(s, from_offset)) {
        s += " OFFSET 0";
    }
    return s;
}

std::string rewrite_advanced_soql(std::string_view soql) {
    return add_limit_offset(add_last_modified_date_column(add_id_column(soql)));
}

std::string replace_offset(std::string_view soql, int offset) {
    static const std::regex offset_clause(R"(\boffset\s+\d+)", std::regex::icase);
    return std::regex_replace(std::string(soql), offset_clause, "OFFSET " + std::to_string(offset));
}

offset_pager::offset_pager(std::string soql) : soql_(std::move(soql)) {}

bool offset_pager::advance(std::size_t records) {
    // Page by the query's own LIMIT so no row is skipped or read twice.
    int step = limit_of(soql_).value_or(fields_page_size);
    if (step <= 0) {
        step = fields_page_size;
    }
    if (records == 0 || records < static_cast<std::size_t>(step)) {
        return false;
    }
    const int next = offset_ + step;
    if (next > fields_max_offset) {
        return false;
    }
    offset_ = next;
    soql_ = replace_offset(soql_, next);
    return true;
}

rules_check check_advanced_rules(const json::value& snippet) {
    rules_check out;
    if (!snippet.is_array()) {
        out.errors.push_back(
            "Advanced rules must be a list of {\"query\", \"language\"} "
            "objects, got: " +
            json::serialize(snippet).substr(0, 200));
        return out;
    }
    std::size_t n = 0;
    for (const auto& item : snippet.get_array()) {
        ++n;
        const std::string where = "Advanced rule #" + std::to_string(n);
        if (!item.is_object()) {
            out.errors.push_back(
                where + " must be an object, got: " + json::serialize(item).substr(0, 200));
            continue;
        }
        const auto& o = item.get_object();
        const std::size_t errors_before = out.errors.size();
        for (const auto& member : o) {
            if (member.key() != "query" && member.key() != "language") {
                out.errors.push_back(where + ": unknown property '" + std::string(member.key()) +
                                     "' (only 'query' and 'language' are allowed)");
            }
        }
        const auto* q = o.if_contains("query");
        if (q == nullptr) {
            out.errors.push_back(where + ": 'query' is required");
        } else if (!q->is_string() || q->get_string().empty()) {
            out.errors.push_back(where + ": 'query' must be a non-empty string");
        }
        const auto* lang = o.if_contains("language");
        advanced_rule rule{advanced_rule::language::soql, {}};
        if (lang == nullptr) {
            out.errors.push_back(where + ": 'language' is required");
        } else if (lang->is_string() && lang->get_string() == "SOQL") {
            rule.lang = advanced_rule::language::soql;
        } else if (lang->is_string() && lang->get_string() == "SOSL") {
            rule.lang = advanced_rule::language::sosl;
        } else {
            out.errors.push_back(where + ": 'language' must be \"SOQL\" or \"SOSL\", got " +
                                 json::serialize(*lang).substr(0, 100));
        }
        if (out.errors.size() == errors_before) {
            rule.query = q->get_string();
            out.rules.push_back(std::move(rule));
        }
    }
    if (!out.errors.empty()) {
        out.rules.clear();
    }
    return out;
}

std::string invalid_queries_message(const std::vector<std::string>& queries) {
    std::string joined;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        if (i != 0) {
            joined += " & ";
        }
        joined += queries[i];
    }
    return "Found invalid queries: '" + joined + "'. Either object or fields might be invalid.";
}

}  // namespace casio::salesforce
