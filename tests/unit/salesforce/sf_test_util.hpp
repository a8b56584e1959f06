#pragma once
// Helpers shared by the Salesforce unit tests.

#include <set>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/describe.hpp>

namespace casio::salesforce::test {

inline boost::json::value parse(std::string_view text) {
    return boost::json::parse(text);
}

// The top-level columns of a SELECT built by soql_builder (",\n"-separated, subqueries kept
// whole), as a set: column order is not part of the contract.
inline std::set<std::string> columns_of(const std::string& soql) {
    std::set<std::string> cols;
    const auto from = soql.rfind("\nFROM ");
    std::string_view list(soql);
    list = list.substr(7, from - 7);  // after "SELECT "
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i < list.size() && list[i] == '(') {
            ++depth;
        } else if (i < list.size() && list[i] == ')') {
            --depth;
        }
        if (i == list.size() || (depth == 0 && list.compare(i, 2, ",\n") == 0)) {
            cols.emplace(list.substr(start, i - start));
            start = i + 2;
            ++i;
        }
    }
    return cols;
}

// The FROM clause and anything after it.
inline std::string tail_of(const std::string& soql) {
    return soql.substr(soql.rfind("\nFROM "));
}

// A describe cache where every relevant object is queryable and has every relevant field.
inline describe_cache full_describe() {
    describe_cache d;
    std::string global = R"({"sobjects":[)";
    bool first = true;
    for (auto name : relevant_sobjects) {
        if (!first) {
            global += ',';
        }
        first = false;
        global += R"({"name":")" + std::string(name) + R"(","queryable":true,"custom":false})";
    }
    global += R"(,{"name":"Connector__c","queryable":true,"custom":true}]})";
    d.set_global(parse(global).as_object());
    std::string fields = R"({"fields":[)";
    first = true;
    for (auto f : relevant_sobject_fields) {
        if (!first) {
            fields += ',';
        }
        first = false;
        fields += R"({"name":")" + std::string(f) + R"("})";
    }
    fields += R"(,{"name":"Id"},{"name":"CreatedDate"},{"name":"NotRelevant__c"}]})";
    const auto body = parse(fields).as_object();
    for (auto name : relevant_sobjects) {
        d.set_object(name, body);
    }
    return d;
}

}  // namespace casio::salesforce::test
