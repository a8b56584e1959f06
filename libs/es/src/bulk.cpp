// NDJSON bulk body building and _bulk response parsing.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <casio/core/error.hpp>
#include <casio/es/bulk.hpp>

namespace casio::es {

namespace {

constexpr std::string_view update_doc_prefix = "{\"doc\":";
constexpr std::string_view update_doc_suffix = ",\"doc_as_upsert\":true}\n";

std::size_t escaped_size(std::string_view s) noexcept {
    std::size_t n = s.size();
    for (unsigned char c : s) {
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
            c == '\t') {
            n += 1;
        } else if (c < 0x20) {
            n += 5;
        }
    }
    return n;
}

// {"<op>":{"_index":"","_id":""}}\n without the op name, index and id.
constexpr std::size_t action_overhead =
    std::string_view("{\"\":{\"_index\":\"\",\"_id\":\"\"}}\n").size();

[[noreturn]] void bad_response(std::string what) {
    throw core::error(core::error_kind::fatal, "_bulk response: " + std::move(what));
}

}  // namespace

std::string_view to_string(bulk_op op) noexcept {
    switch (op) {
        case bulk_op::index:
            return "index";
        case bulk_op::update:
            return "update";
        case bulk_op::delete_:
            return "delete";
    }
    return "index";
}

std::size_t bulk_builder::bytes_of(bulk_op op, std::string_view index, std::string_view id,
                                   std::size_t doc_size) noexcept {
    std::size_t n = action_overhead + to_string(op).size() + escaped_size(index) + escaped_size(id);
    switch (op) {
        case bulk_op::index:
            return n + doc_size + 1;
        case bulk_op::update:
            return n + update_doc_prefix.size() + doc_size + update_doc_suffix.size();
        case bulk_op::delete_:
            return n;
    }
    return n;
}

void bulk_builder::append_action(bulk_op op, std::string_view index, std::string_view id) {
    entry e{};
    e.begin = body_.size();
    e.op = op;
    body_ += "{\"";
    body_ += to_string(op);
    body_ += "\":{\"_index\":\"";
    append_json_escaped(body_, index);
    body_ += "\",\"_id\":\"";
    e.id_pos = body_.size();
    append_json_escaped(body_, id);
    e.id_len = static_cast<std::uint32_t>(body_.size() - e.id_pos);
    body_ += "\"}}\n";
    ops_.push_back(e);
}

void bulk_builder::add_index(std::string_view index, std::string_view id,
                             std::string_view source_json) {
    append_action(bulk_op::index, index, id);
    body_ += source_json;
    body_ += '\n';
    ops_.back().end = body_.size();
    lines_ += 2;
}

void bulk_builder::add_update(std::string_view index, std::string_view id,
                              std::string_view doc_json) {
    append_action(bulk_op::update, index, id);
    body_ += update_doc_prefix;
    body_ += doc_json;
    body_ += update_doc_suffix;
    ops_.back().end = body_.size();
    lines_ += 2;
}

void bulk_builder::add_delete(std::string_view index, std::string_view id) {
    append_action(bulk_op::delete_, index, id);
    ops_.back().end = body_.size();
    lines_ += 1;
}

std::string_view bulk_builder::id(std::size_t i) const noexcept {
    // The escaped form; ids needing escapes are rare and only used for messages.
    return std::string_view(body_).substr(ops_[i].id_pos, ops_[i].id_len);
}

std::string_view bulk_builder::text(std::size_t i) const noexcept {
    return std::string_view(body_).substr(ops_[i].begin, ops_[i].end - ops_[i].begin);
}

bulk_builder bulk_builder::subset(std::span<const std::size_t> indices) const {
    bulk_builder out;
    std::size_t size = 0;
    for (auto i : indices) {
        size += ops_[i].end - ops_[i].begin;
    }
    out.body_.reserve(size);
    out.ops_.reserve(indices.size());
    for (auto i : indices) {
        entry e = ops_[i];
        std::size_t shift = out.body_.size();
        out.body_ += text(i);
        e.id_pos = e.id_pos - e.begin + shift;
        e.begin = shift;
        e.end = out.body_.size();
        out.ops_.push_back(e);
        out.lines_ += lines_of(e.op);
    }
    return out;
}

void bulk_builder::clear() noexcept {
    body_.clear();
    ops_.clear();
    lines_ = 0;
}

bool bulk_item::succeeded() const noexcept {
    return result == "created" || result == "updated" || result == "deleted" || result == "noop";
}

bulk_response parse_bulk_response(std::string_view body) {
    // One arena for the whole parse: the tree is read once and dropped.
    unsigned char initial[16384];
    boost::json::monotonic_resource mr(initial, sizeof(initial));
    boost::json::parse_options popts;
    boost::json::parser p(boost::json::storage_ptr(), popts);
    p.reset(&mr);
    boost::system::error_code ec;
    p.write(body.data(), body.size(), ec);  // the whole body: write() also finishes
    if (ec) {
        bad_response("not JSON (" + ec.message() + ")");
    }
    boost::json::value root = p.release();
    auto* obj = root.if_object();
    if (!obj) {
        bad_response("not a JSON object");
    }
    bulk_response out;
    if (auto* e = obj->if_contains("errors"); e && e->is_bool()) {
        out.errors = e->get_bool();
    }
    auto* items_v = obj->if_contains("items");
    if (!items_v || !items_v->is_array()) {
        bad_response("no items array");
    }
    const auto& items = items_v->get_array();
    out.items.reserve(items.size());
    for (const auto& item_v : items) {
        auto* item = item_v.if_object();
        if (!item || item->size() != 1) {
            bad_response("item is not an object with one operation key");
        }
        const auto& kv = *item->begin();
        bulk_item bi;
        std::string_view key = kv.key();
        if (key == "index" || key == "create") {
            bi.op = bulk_op::index;
        } else if (key == "update") {
            bi.op = bulk_op::update;
        } else if (key == "delete") {
            bi.op = bulk_op::delete_;
        } else {
            bad_response("unknown operation '" + std::string(key) + "'");
        }
        auto* fields = kv.value().if_object();
        if (!fields) {
            bad_response("operation '" + std::string(key) + "' is not an object");
        }
        if (auto* v = fields->if_contains("_id"); v && v->is_string()) {
            bi.id = v->get_string();
        }
        if (auto* v = fields->if_contains("status"); v && v->is_number()) {
            bi.status = static_cast<unsigned>(v->to_number<std::int64_t>());
        }
        if (auto* v = fields->if_contains("result"); v && v->is_string()) {
            bi.result = v->get_string();
        }
        if (auto* v = fields->if_contains("error")) {
            if (auto* eo = v->if_object()) {
                if (auto* t = eo->if_contains("type"); t && t->is_string()) {
                    bi.error_type = t->get_string();
                }
                if (auto* r = eo->if_contains("reason"); r && r->is_string()) {
                    bi.error_reason = r->get_string();
                }
            } else if (v->is_string()) {
                bi.error_reason = v->get_string();
            }
        }
        out.items.push_back(std::move(bi));
    }
    return out;
}

}  // namespace casio::es
