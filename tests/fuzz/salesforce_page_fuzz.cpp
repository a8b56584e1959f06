// Fuzz target: a Salesforce query page as any peer could send it. The scanner must never
// crash on valid JSON, and a record's document must be the same whether the mapper copies
// members from the page's text (the fast path) or writes them from the parsed tree: the
// document cannot depend on how the page was formatted or which path produced it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <casio/core/error.hpp>
#include <casio/core/json_parse.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/raw_records.hpp>

namespace json = boost::json;
using namespace casio;

namespace {

std::optional<std::string> document_of(const json::object& record,
                                       const salesforce::record_context& ctx,
                                       std::optional<std::span<const salesforce::raw_member>> raw) {
    try {
        auto d = salesforce::map_record(record, ctx, {}, raw);
        if (!d) {
            return std::nullopt;
        }
        return d->json;
    } catch (const core::error&) {
        return std::string("<error>");
    }
}

// Whether a JSON text (valid) has an object with a key written twice, at any depth: JSON gives
// such a text no meaning, Salesforce never sends one, and the two paths may read it apart.
bool has_repeated_key(std::string_view text) {
    bool repeated = false;
    if (!text.empty() && text.front() == '{') {
        std::set<std::string> keys;
        salesforce::for_each_raw_member(text, [&](std::string_view key, std::string_view value) {
            repeated =
                repeated ||
                !keys.insert(salesforce::raw_string(std::string("\"") + std::string(key) + "\"")
                                 .value_or(std::string(key)))
                     .second ||
                has_repeated_key(value);
        });
    } else if (!text.empty() && text.front() == '[') {
        salesforce::for_each_raw_element(text, [&](std::string_view element) {
            repeated = repeated || has_repeated_key(element);
        });
    }
    return repeated;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    // Read as the client reads every answer: doubles exactly (core::json_parser).
    const json::value page = core::parse_json(text, ec);
    if (ec || !page.is_object()) {
        return 0;  // the client rejects what is not JSON before scanning
    }
    // As the client reads a page: scanned, then a sparse tree (or the whole parse).
    salesforce::raw_records raw(text);
    core::json_parser parser;
    json::monotonic_resource arena;
    static constexpr std::string_view fields[] = {"Id", "LastModifiedDate"};
    const auto sparse = raw.sparse_tree(fields, parser, json::storage_ptr(&arena));
    const json::value& body = sparse ? *sparse : page;
    const auto* records = body.as_object().if_contains("records");
    const auto* full = page.as_object().if_contains("records");
    if (records == nullptr || !records->is_array() || full == nullptr || !full->is_array()) {
        return 0;
    }
    if (has_repeated_key(text)) {
        return 0;  // which of two members counts is not a question Salesforce asks
    }
    const auto& list = records->as_array();
    const auto& whole = full->as_array();
    if (list.size() != whole.size() || (sparse && raw.size() != list.size())) {
        __builtin_trap();  // the scanner lost or invented records
    }
    salesforce::record_context ctx{"https://fuzz.my.salesforce.com", "Account"};
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_object() || !whole[i].is_object()) {
            continue;
        }
        // Salesforce field names start with a letter and are written in their API case: a member
        // such as `_timestamp`, `id` or `url` cannot come from it, and would collide with the
        // fields the connector adds.
        const auto& fields = whole[i].as_object();
        if (std::any_of(fields.begin(), fields.end(), [](const auto& m) {
                return m.key().empty() || m.key()[0] == '_' || m.key() == "id" || m.key() == "url";
            })) {
            continue;
        }
        const auto from_tree = document_of(whole[i].as_object(), ctx, std::nullopt);
        const auto members = sparse ? raw.record(i) : std::nullopt;
        const auto from_text = document_of(list[i].as_object(), ctx, members);
        if (from_tree != from_text) {
            __builtin_trap();  // the two paths disagree on a record's document
        }
        if (from_tree && *from_tree != "<error>") {
            json::parse(*from_tree, ec);
            if (ec) {
                __builtin_trap();  // a document that is not JSON
            }
        }
    }
    return 0;
}
