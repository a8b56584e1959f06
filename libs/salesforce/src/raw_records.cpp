#include <algorithm>
#include <cstring>
#include <optional>

#include <casio/salesforce/raw_records.hpp>

namespace casio::salesforce {

namespace {

// Walks JSON text that is already known to be valid; still never reads past its end, and gives
// up (nullopt / false) on anything unexpected.
struct scanner {
    std::string_view s;
    std::size_t i = 0;

    static bool space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

    void skip_space() {
        while (i < s.size() && space(s[i])) {
            ++i;
        }
    }
    bool eat(char c) {
        skip_space();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool at(char c) {
        skip_space();
        return i < s.size() && s[i] == c;
    }
    // At `"`: the characters between the quotes (escapes left as written). Most of a page is
    // inside strings: the closing quote is found with memchr, then checked for an escape.
    std::optional<std::string_view> string() {
        if (i >= s.size() || s[i] != '"') {
            return std::nullopt;
        }
        const std::size_t begin = ++i;
        const char* const first = s.data() + begin;
        const char* const end = s.data() + s.size();
        for (const char* p = first; p < end;) {
            const auto* q = static_cast<const char*>(std::memchr(p, '"', end - p));
            if (q == nullptr) {
                break;
            }
            std::size_t backslashes = 0;
            for (const char* r = q; r > first && r[-1] == '\\'; --r) {
                ++backslashes;
            }
            if (backslashes % 2 == 0) {
                i = static_cast<std::size_t>(q - s.data()) + 1;
                return s.substr(begin, static_cast<std::size_t>(q - first));
            }
            p = q + 1;
        }
        i = s.size();
        return std::nullopt;
    }
    // One value of any kind: its text.
    std::optional<std::string_view> value() {
        skip_space();
        const std::size_t begin = i;
        if (i >= s.size()) {
            return std::nullopt;
        }
        if (s[i] == '"') {
            if (!string()) {
                return std::nullopt;
            }
        } else if (s[i] == '{' || s[i] == '[') {
            int depth = 0;
            while (i < s.size()) {
                const char c = s[i];
                if (c == '"') {
                    if (!string()) {
                        return std::nullopt;
                    }
                    continue;
                }
                ++i;
                if (c == '{' || c == '[') {
                    ++depth;
                } else if ((c == '}' || c == ']') && --depth == 0) {
                    break;
                }
            }
            if (depth != 0) {
                return std::nullopt;
            }
        } else {
            while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !space(s[i])) {
                ++i;
            }
            if (i == begin) {
                return std::nullopt;
            }
        }
        return s.substr(begin, i - begin);
    }
};

}  // namespace

raw_records::raw_records(std::string_view body) {
    scan(body);
}

void raw_records::scan(std::string_view body) {
    auto fail = [&] {
        members_.clear();
        starts_.clear();
        usable_.clear();
        texts_.clear();
        page_.clear();
        records_key_ = {};
    };
    fail();
    scanner sc{body};
    // One record (an element of the array): its members when it is an object.
    auto record = [&]() -> bool {
        starts_.push_back(static_cast<std::uint32_t>(members_.size()));
        if (!sc.at('{')) {
            usable_.push_back(false);
            auto v = sc.value();
            texts_.push_back(v.value_or(std::string_view()));
            return v.has_value();
        }
        const std::size_t begin = sc.i;
        ++sc.i;
        bool usable = true;
        if (!sc.eat('}')) {
            for (;;) {
                sc.skip_space();
                auto key = sc.string();
                if (!key || !sc.eat(':')) {
                    return false;
                }
                auto value = sc.value();
                if (!value) {
                    return false;
                }
                usable = usable && std::memchr(key->data(), '\\', key->size()) == nullptr;
                members_.push_back({*key, *value});
                if (sc.eat(',')) {
                    continue;
                }
                if (sc.eat('}')) {
                    break;
                }
                return false;
            }
        }
        const auto text = body.substr(begin, sc.i - begin);
        // Outside strings (which cannot hold one), a line break is whitespace that would end
        // an NDJSON line if copied: such a record is written again from its tree instead.
        usable = usable && std::memchr(text.data(), '\n', text.size()) == nullptr &&
                 std::memchr(text.data(), '\r', text.size()) == nullptr;
        usable_.push_back(usable);
        texts_.push_back(text);
        return true;
    };
    auto array = [&]() -> bool {
        ++sc.i;  // [
        if (sc.eat(']')) {
            starts_.push_back(0);
            return true;
        }
        for (;;) {
            if (!record()) {
                return false;
            }
            if (sc.eat(',')) {
                continue;
            }
            if (sc.eat(']')) {
                starts_.push_back(static_cast<std::uint32_t>(members_.size()));
                return true;
            }
            return false;
        }
    };

    if (!sc.eat('{') || sc.eat('}')) {
        return;
    }
    // (The members of the page itself are few: reserve for the records.)
    members_.reserve(body.size() / 48);
    bool found = false;
    for (;;) {
        sc.skip_space();
        auto key = sc.string();
        if (!key || !sc.eat(':')) {
            fail();
            return;
        }
        if (!found && (*key == "records" || *key == "searchRecords") && sc.at('[')) {
            if (!array()) {
                fail();
                return;
            }
            found = true;
            records_key_ = *key;
        } else if (auto v = sc.value()) {
            page_.push_back({*key, *v});
        } else {
            fail();
            return;
        }
        if (sc.eat(',')) {
            continue;
        }
        if (sc.eat('}')) {
            return;
        }
        fail();
        return;
    }
}

std::optional<std::span<const raw_member>> raw_records::record(std::size_t i) const {
    if (i >= size() || !usable_[i]) {
        return std::nullopt;
    }
    return std::span<const raw_member>(members_.data() + starts_[i], starts_[i + 1] - starts_[i]);
}

}  // namespace casio::salesforce

namespace casio::salesforce {

namespace {

boost::json::value parse_into(boost::json::parser& p, std::string_view text,
                              const boost::json::storage_ptr& sp) {
    // Most members read are ids and dates: a string without escapes, or null.
    if (text.size() >= 2 && text.front() == '"' &&
        std::memchr(text.data() + 1, '\\', text.size() - 2) == nullptr) {
        return boost::json::value(boost::json::string_view(text.data() + 1, text.size() - 2), sp);
    }
    if (text == "null") {
        return boost::json::value(nullptr, sp);
    }
    p.reset(sp);
    p.write(text);  // valid (checked before): throws only if it was not
    return p.release();
}

}  // namespace

std::optional<boost::json::value> raw_records::sparse_tree(std::span<const std::string_view> fields,
                                                           boost::json::parser& parser,
                                                           boost::json::storage_ptr sp) const {
    if (records_key_.empty()) {
        return std::nullopt;
    }
    boost::json::object page(sp);
    for (const auto& m : page_) {
        page.insert_or_assign(m.key, parse_into(parser, m.value, sp));
    }
    std::uint64_t lengths = 0;
    for (auto f : fields) {
        lengths |= std::uint64_t{1} << (f.size() & 63);
    }
    boost::json::array records(sp);
    records.reserve(size());
    for (std::size_t i = 0; i < size(); ++i) {
        const auto members = record(i);
        if (!members) {
            records.push_back(parse_into(parser, texts_[i], sp));
            continue;
        }
        boost::json::object r(sp);
        for (const auto& m : *members) {
            // Most members are not wanted: a key whose length no field has is skipped at once.
            if ((lengths >> (m.key.size() & 63) & 1) == 0) {
                continue;
            }
            if (std::find(fields.begin(), fields.end(), m.key) != fields.end()) {
                r.insert_or_assign(m.key, parse_into(parser, m.value, sp));
            }
        }
        records.push_back(std::move(r));
    }
    page.insert_or_assign(records_key_, std::move(records));
    return boost::json::value(std::move(page));
}

bool for_each_raw_member(std::string_view object_text,
                         const std::function<void(std::string_view, std::string_view)>& f) {
    scanner sc{object_text};
    if (!sc.eat('{')) {
        return false;
    }
    if (sc.eat('}')) {
        return true;
    }
    for (;;) {
        sc.skip_space();
        const auto key = sc.string();
        if (!key || !sc.eat(':')) {
            return false;
        }
        const auto value = sc.value();
        if (!value) {
            return false;
        }
        f(*key, *value);
        if (sc.eat(',')) {
            continue;
        }
        return sc.eat('}');
    }
}

}  // namespace casio::salesforce
