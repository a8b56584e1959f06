#include <algorithm>

#include <casio/salesforce/soql.hpp>

namespace casio::salesforce {

std::string escape_soql(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 2);
    for (char c : value) {
        if (c == '\\' || c == '\'') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string quote_soql(std::string_view value) {
    std::string out = "'";
    out += escape_soql(value);
    out += '\'';
    return out;
}

namespace {

std::string with_query(std::string_view base_url, std::string_view path, std::string_view q) {
    std::string url(base_url);
    url += path;
    url += "?q=";
    url += percent_encode(q);
    return url;
}

}  // namespace

std::string query_url(std::string_view base_url, std::string_view soql) {
    return with_query(base_url, query_path, soql);
}

std::string query_all_url(std::string_view base_url, std::string_view soql) {
    return with_query(base_url, query_all_path, soql);
}

std::string search_url(std::string_view base_url, std::string_view sosl) {
    return with_query(base_url, search_path, sosl);
}

soql_builder::soql_builder(std::string_view table) : table_(table) {}

soql_builder& soql_builder::with_id() {
    return with_field("Id");
}

soql_builder& soql_builder::with_default_metafields() {
    with_field("CreatedDate");
    return with_field("LastModifiedDate");
}

soql_builder& soql_builder::with_fields(const std::vector<std::string>& fields,
                                        std::string_view prefix) {
    for (const auto& f : fields) {
        std::string column(prefix);
        column += f;
        with_field(column);
    }
    return *this;
}

soql_builder& soql_builder::with_field(std::string_view field) {
    if (std::find(columns_.begin(), columns_.end(), field) == columns_.end()) {
        columns_.emplace_back(field);
    }
    return *this;
}

soql_builder& soql_builder::with_join(std::string_view subquery) {
    if (!subquery.empty()) {
        std::string column = "(\n";
        column += subquery;
        column += ")\n";
        with_field(column);
    }
    return *this;
}

soql_builder& soql_builder::with_where(std::string_view condition) {
    where_ = condition;
    return *this;
}

soql_builder& soql_builder::with_order_by(std::string_view order) {
    order_by_ = order;
    return *this;
}

soql_builder& soql_builder::with_limit(int limit) {
    limit_ = limit;
    return *this;
}

std::string soql_builder::build() const {
    std::string q = "SELECT ";
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        if (i != 0) {
            q += ",\n";
        }
        q += columns_[i];
    }
    q += "\nFROM ";
    q += table_;
    if (!where_.empty()) {
        q += "\nWHERE ";
        q += where_;
    }
    if (!order_by_.empty()) {
        q += "\nORDER BY ";
        q += order_by_;
    }
    if (limit_ >= 0) {
        q += "\nLIMIT ";
        q += std::to_string(limit_);
    }
    return q;
}

std::vector<std::string> split_in_queries(std::string_view base_url, std::string_view prefix,
                                          const std::vector<std::string>& ids,
                                          std::string_view separator, std::string_view suffix,
                                          std::size_t max_url, std::size_t max_ids) {
    std::vector<std::string> out;
    if (ids.empty()) {
        return out;
    }
    const std::size_t fixed = base_url.size() + query_path.size() + 3 +
                              core::percent_encoded_size(prefix) + core::percent_encoded_size("(") +
                              core::percent_encoded_size(")") + core::percent_encoded_size(suffix);
    const std::size_t sep_size = core::percent_encoded_size(separator);

    std::string current;
    std::size_t current_url = fixed;
    std::size_t current_count = 0;
    auto flush = [&] {
        std::string q(prefix);
        q += '(';
        q += current;
        q += ')';
        q += suffix;
        out.push_back(std::move(q));
        current.clear();
        current_url = fixed;
        current_count = 0;
    };
    for (const auto& id : ids) {
        const std::string quoted = quote_soql(id);
        const std::size_t add =
            core::percent_encoded_size(quoted) + (current_count == 0 ? 0 : sep_size);
        if (current_count != 0 && (current_count >= max_ids || current_url + add >= max_url)) {
            flush();
        }
        if (current_count != 0) {
            current += separator;
            current_url += sep_size;
        }
        current += quoted;
        current_url += core::percent_encoded_size(quoted);
        ++current_count;
    }
    flush();
    return out;
}

}  // namespace casio::salesforce
