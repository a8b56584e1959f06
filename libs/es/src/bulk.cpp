// NDJSON bulk body building and _bulk response parsing.
#include <boost/json/basic_parser_impl.hpp>

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

namespace {

// Reads a _bulk answer as it is parsed (Boost.JSON's SAX parser), keeping only what a
// bulk_item holds: no tree of thousands of small objects is built and thrown away.
// Depths: 1 the answer, 2 `items`, 3 an item, 4 its operation, 5 the operation's `error`.
class bulk_reader {
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

  public:
    static constexpr std::size_t max_array_size = -1;
    static constexpr std::size_t max_object_size = -1;
    static constexpr std::size_t max_string_size = -1;
    static constexpr std::size_t max_key_size = -1;

    explicit bulk_reader(bulk_response& out) : out_(out) {}

    // The first problem seen; empty when the answer is a bulk response.
    std::string problem;
    bool saw_items = false;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) {
        ++depth_;
        if (depth_ == 3 && in_items_) {
            item_ = bulk_item{};
            item_keys_ = 0;
            op_is_object_ = false;
        } else if (depth_ == 4 && in_items_) {
            op_is_object_ = true;
        }
        return true;
    }
    bool on_object_end(std::size_t, error_code& ec) {
        if (depth_ == 3 && in_items_) {
            if (item_keys_ != 1) {
                return fail(ec, "item is not an object with one operation key");
            }
            if (!op_is_object_) {
                return fail(ec, "operation '" + op_name_ + "' is not an object");
            }
            out_.items.push_back(std::move(item_));
        }
        --depth_;
        return true;
    }
    bool on_array_begin(error_code& ec) {
        if (depth_ == 0) {
            return fail(ec, "not a JSON object");
        }
        ++depth_;
        if (depth_ == 2 && key1_ == "items") {
            in_items_ = true;
            saw_items = true;
        } else if (depth_ == 3 && in_items_) {
            return fail(ec, "item is not an object with one operation key");
        }
        return true;
    }
    bool on_array_end(std::size_t, error_code&) {
        if (depth_ == 2) {
            in_items_ = false;
        }
        --depth_;
        return true;
    }
    bool on_key_part(string_view s, std::size_t, error_code&) {
        part_.append(s.data(), s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code& ec) {
        const std::string_view key = whole(s);
        if (depth_ == 1) {
            key1_.assign(key);
        } else if (depth_ == 3 && in_items_) {
            ++item_keys_;
            op_name_.assign(key);
            if (key == "index" || key == "create") {
                item_.op = bulk_op::index;
            } else if (key == "update") {
                item_.op = bulk_op::update;
            } else if (key == "delete") {
                item_.op = bulk_op::delete_;
            } else {
                part_.clear();
                return fail(ec, "unknown operation '" + op_name_ + "'");
            }
        } else if (depth_ == 4) {
            key4_.assign(key);
        } else if (depth_ == 5) {
            key5_.assign(key);
        }
        part_.clear();
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        part_.append(s.data(), s.size());
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code& ec) {
        const std::string_view v = whole(s);
        if (!scalar(ec)) {
            return false;
        }
        if (in_items_ && depth_ == 4) {
            if (key4_ == "_id") {
                item_.id.assign(v);
            } else if (key4_ == "result") {
                item_.result.assign(v);
            } else if (key4_ == "error") {
                item_.error_reason.assign(v);
            }
        } else if (in_items_ && depth_ == 5 && key4_ == "error") {
            if (key5_ == "type") {
                item_.error_type.assign(v);
            } else if (key5_ == "reason") {
                item_.error_reason.assign(v);
            }
        }
        part_.clear();
        return true;
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t v, string_view, error_code& ec) {
        status(static_cast<double>(v));
        return scalar(ec);
    }
    bool on_uint64(std::uint64_t v, string_view, error_code& ec) {
        status(static_cast<double>(v));
        return scalar(ec);
    }
    bool on_double(double v, string_view, error_code& ec) {
        status(v);
        return scalar(ec);
    }
    bool on_bool(bool v, error_code& ec) {
        if (depth_ == 1 && key1_ == "errors") {
            out_.errors = v;
        }
        return scalar(ec);
    }
    bool on_null(error_code& ec) { return scalar(ec); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

  private:
    std::string_view whole(string_view last) {
        if (part_.empty()) {
            return {last.data(), last.size()};
        }
        part_.append(last.data(), last.size());
        return part_;
    }
    void status(double v) {
        if (in_items_ && depth_ == 4 && key4_ == "status") {
            // An HTTP status; anything else (negative, huge, inf) reads as no status.
            item_.status = v >= 0 && v < 1000 ? static_cast<unsigned>(v) : 0;
        }
    }
    // A scalar as the whole answer, or as an element of `items`.
    bool scalar(error_code& ec) {
        if (depth_ == 0) {
            return fail(ec, "not a JSON object");
        }
        if (in_items_ && depth_ == 2) {
            return fail(ec, "item is not an object with one operation key");
        }
        return true;
    }
    bool fail(error_code& ec, std::string what) {
        problem = std::move(what);
        ec = boost::json::error::syntax;  // stops the parser; `problem` says why
        return false;
    }

    bulk_response& out_;
    int depth_ = 0;
    bool in_items_ = false;
    bool op_is_object_ = false;
    std::size_t item_keys_ = 0;
    bulk_item item_;
    std::string key1_, key4_, key5_, op_name_, part_;
};

}  // namespace

bulk_response parse_bulk_response(std::string_view body) {
    bulk_response out;
    boost::json::basic_parser<bulk_reader> p(boost::json::parse_options{}, out);
    out.items.reserve(512);
    boost::system::error_code ec;
    const auto n = p.write_some(false, body.data(), body.size(), ec);
    if (!ec && n < body.size()) {
        ec = boost::json::error::extra_data;
    }
    auto& reader = p.handler();
    if (!reader.problem.empty()) {
        bad_response(reader.problem);
    }
    if (ec) {
        bad_response("not JSON (" + ec.message() + ")");
    }
    if (!reader.saw_items) {
        bad_response("no items array");
    }
    return out;
}

}  // namespace casio::es
