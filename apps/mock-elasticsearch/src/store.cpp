#include "store.hpp"

#include <algorithm>
#include <new>
#include <random>
#include <sys/mman.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_util.hpp"
#include "wal.hpp"

namespace casio::mock_es {

namespace json = boost::json;

namespace {
constexpr std::size_t huge_table = std::size_t{4} << 20;
}

void* table_allocate(std::size_t bytes) {
    if (bytes < huge_table)
        return ::operator new(bytes);
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    ::madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

void table_deallocate(void* p, std::size_t bytes) noexcept {
    if (bytes < huge_table) {
        ::operator delete(p);
        return;
    }
    ::munmap(p, bytes);
}

const json::object& doc_data::object() const {
    if (!parsed_) {
        json::value v = json::parse(source);
        parsed_ = std::make_shared<const json::object>(std::move(v.as_object()));
    }
    return *parsed_;
}

bool index_data::hidden() const {
    if (!name.empty() && name.front() == '.')
        return true;
    auto it = settings.find("hidden");
    if (it == settings.end())
        return false;
    const auto& v = it->value();
    return (v.is_bool() && v.as_bool()) || (v.is_string() && v.as_string() == "true");
}

std::string_view to_string(write_result r) noexcept {
    switch (r) {
        case write_result::created:
            return "created";
        case write_result::updated:
            return "updated";
        case write_result::deleted:
            return "deleted";
        case write_result::not_found:
            return "not_found";
        case write_result::noop:
            return "noop";
    }
    return "noop";
}

es_error index_not_found(std::string_view name) {
    json::object extra{{"resource.type", "index_or_alias"},
                       {"resource.id", name},
                       {"index_uuid", "_na_"},
                       {"index", name}};
    return es_error(404, "index_not_found_exception", "no such index [" + std::string(name) + "]",
                    std::move(extra));
}

es_error version_conflict(const index_data& idx, std::string_view id, const occ& cond,
                          const doc_ptr& current) {
    std::string reason = "[" + std::string(id) + "]: version conflict, required seqNo [" +
                         std::to_string(cond.if_seq_no) + "], primary term [" +
                         std::to_string(cond.if_primary_term) + "]. ";
    if (current) {
        reason += "current document has seqNo [" + std::to_string(current->seq_no) +
                  "] and primary term [" + std::to_string(primary_term) + "]";
    } else {
        reason += "but no document was found";
    }
    return es_error(409, "version_conflict_engine_exception", std::move(reason),
                    json::object{{"index_uuid", idx.uuid}, {"shard", "0"}, {"index", idx.name}});
}

void validate_index_name(std::string_view name) {
    auto fail = [&](const std::string& why) {
        throw es_error(400, "invalid_index_name_exception",
                       "Invalid index name [" + std::string(name) + "], " + why,
                       json::object{{"index_uuid", "_na_"}, {"index", name}});
    };
    if (name.empty())
        fail("must not be empty");
    if (name == "." || name == "..")
        fail("must not be '.' or '..'");
    if (name.front() == '_' || name.front() == '-' || name.front() == '+') {
        fail("must not start with '_', '-', or '+'");
    }
    for (char c : name) {
        if (c >= 'A' && c <= 'Z')
            fail("must be lowercase");
    }
    if (name.find_first_of("\\/*?\"<>| ,#:") != std::string_view::npos) {
        fail("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, #, :]");
    }
    if (name.size() > 255)
        fail("index name is too long, (" + std::to_string(name.size()) + " > 255)");
}

store::store() {
    builtin_aliases_[".elastic-connectors"] = ".elastic-connectors-v1";
    builtin_aliases_[".elastic-connectors-sync-jobs"] = ".elastic-connectors-sync-jobs-v1";
    builtin_aliases_[".connector-secrets"] = ".connector-secrets-1";
    std::random_device rd;
    id_salt_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

store::~store() = default;

std::int64_t store::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string store::new_id() {
    // 20 URL-safe characters like ES's time-based ids; unique within the process.
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::uint64_t a = static_cast<std::uint64_t>(now_ms());
    // splitmix64 of a counter: distinct and well spread, so prefixes differ too.
    std::uint64_t b = (++id_counter_ + id_salt_) * 0x9e3779b97f4a7c15ull;
    b = (b ^ (b >> 30)) * 0xbf58476d1ce4e5b9ull;
    b = (b ^ (b >> 27)) * 0x94d049bb133111ebull;
    b ^= b >> 31;
    std::string id;
    id.reserve(20);
    for (int i = 0; i < 10; ++i) {
        id.push_back(alphabet[b & 63]);
        b >>= 6;
    }
    for (int i = 0; i < 7; ++i) {
        id.push_back(alphabet[a & 63]);
        a >>= 6;
    }
    std::uint64_t c = (id_counter_ * 0x2545f4914f6cdd1dull) ^ id_salt_;
    for (int i = 0; i < 3; ++i) {
        id.push_back(alphabet[c & 63]);
        c >>= 6;
    }
    return id;
}

std::string store::concrete_name(std::string_view name_or_alias) const {
    if (auto it = builtin_aliases_.find(name_or_alias); it != builtin_aliases_.end()) {
        return it->second;
    }
    for (const auto& [n, idx] : indices_) {
        for (const auto& a : idx.aliases) {
            if (a == name_or_alias)
                return n;
        }
    }
    return std::string(name_or_alias);
}

index_data* store::find(std::string_view name_or_alias) {
    auto it = indices_.find(concrete_name(name_or_alias));
    return it == indices_.end() ? nullptr : &it->second;
}

const index_data* store::find(std::string_view name_or_alias) const {
    auto it = indices_.find(concrete_name(name_or_alias));
    return it == indices_.end() ? nullptr : &it->second;
}

std::vector<std::string> store::aliases_of(const index_data& idx) const {
    std::vector<std::string> out = idx.aliases;
    for (const auto& [alias, target] : builtin_aliases_) {
        if (target == idx.name)
            out.push_back(alias);
    }
    return out;
}

index_data& store::create_index_unlogged(std::string_view name, const json::object& body,
                                         std::string uuid, std::int64_t creation_ms) {
    index_data idx;
    idx.name = std::string(name);
    idx.uuid = std::move(uuid);
    idx.creation_ms = creation_ms;
    if (auto* m = body.if_contains("mappings"); m && m->is_object())
        idx.mappings = m->as_object();
    if (auto* s = body.if_contains("settings"); s && s->is_object()) {
        // Accept both {"index":{...}} and flat {"number_of_shards":1} / {"index.hidden":true}.
        for (const auto& [k, v] : s->as_object()) {
            if (k == "index" && v.is_object()) {
                for (const auto& [k2, v2] : v.as_object())
                    idx.settings[k2] = v2;
            } else if (k.starts_with("index.")) {
                idx.settings[std::string_view(k).substr(6)] = v;
            } else {
                idx.settings[k] = v;
            }
        }
    }
    if (auto* a = body.if_contains("aliases"); a && a->is_object()) {
        for (const auto& [k, v] : a->as_object())
            idx.aliases.emplace_back(k);
    }
    auto [it, inserted] = indices_.emplace(idx.name, std::move(idx));
    return it->second;
}

index_data& store::create_index(std::string_view name, const json::object& body) {
    validate_index_name(name);
    std::string concrete = concrete_name(name);
    if (concrete != name) {
        throw es_error(400, "invalid_index_name_exception",
                       "Invalid index name [" + std::string(name) + "], already exists as alias",
                       json::object{{"index_uuid", "_na_"}, {"index", name}});
    }
    if (indices_.count(concrete) != 0) {
        const index_data* existing = find(concrete);
        throw es_error(
            400, "resource_already_exists_exception",
            "index [" + concrete + "/" + (existing ? existing->uuid : "") + "] already exists",
            json::object{{"index_uuid", existing ? existing->uuid : ""}, {"index", concrete}});
    }
    std::string uuid = new_id().substr(0, 22);
    std::int64_t created = now_ms();
    auto& idx = create_index_unlogged(name, body, uuid, created);
    if (wal_)
        wal_->log_create_index(name, json::serialize(body), uuid, created);
    return idx;
}

index_data& store::index_for_write(std::string_view name_or_alias) {
    if (index_data* idx = find(name_or_alias))
        return *idx;
    std::string concrete = concrete_name(name_or_alias);
    return create_index(concrete);
}

bool store::delete_index(std::string_view name) {
    auto it = indices_.find(std::string(name));
    if (it == indices_.end())
        return false;
    indices_.erase(it);
    if (wal_)
        wal_->log_delete_index(name);
    return true;
}

namespace {

bool wildcard_match(std::string_view pattern, std::string_view s) {
    // Iterative '*' matcher.
    std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < pattern.size() && pattern[p] == s[i]) {
            ++p;
            ++i;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

}  // namespace

std::vector<index_data*> store::resolve(std::string_view expression,
                                        std::string_view expand_wildcards, bool ignore_unavailable,
                                        bool allow_no_indices) {
    bool open = expand_wildcards.empty() ||
                expand_wildcards.find("open") != std::string_view::npos ||
                expand_wildcards.find("all") != std::string_view::npos;
    bool hidden = expand_wildcards.find("hidden") != std::string_view::npos ||
                  expand_wildcards.find("all") != std::string_view::npos;
    if (expand_wildcards == "none")
        open = hidden = false;

    std::vector<index_data*> out;
    auto add = [&](index_data* idx) {
        if (std::find(out.begin(), out.end(), idx) == out.end())
            out.push_back(idx);
    };
    if (expression.empty() || expression == "_all" || expression == "*") {
        expression = "*";
    }
    std::string_view rest = expression;
    bool any_wildcard = false;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (part.empty())
            continue;
        bool exclude = part.front() == '-' && !out.empty();
        if (exclude)
            part.remove_prefix(1);
        if (part == "_all")
            part = "*";
        if (part.find('*') != std::string_view::npos) {
            any_wildcard = true;
            // A pattern starting with '.' names hidden indices explicitly.
            bool want_hidden = hidden || part.front() == '.';
            for (auto& [n, idx] : indices_) {
                bool matched = wildcard_match(part, n);
                if (!matched) {
                    for (const auto& a : aliases_of(idx))
                        matched = matched || wildcard_match(part, a);
                }
                if (!matched)
                    continue;
                if (idx.hidden() ? !want_hidden : !open)
                    continue;
                if (exclude) {
                    std::erase(out, &idx);
                } else {
                    add(&idx);
                }
            }
            continue;
        }
        index_data* idx = find(part);
        if (idx == nullptr) {
            if (ignore_unavailable)
                continue;
            throw index_not_found(part);
        }
        if (exclude) {
            std::erase(out, idx);
        } else {
            add(idx);
        }
    }
    if (out.empty() && !allow_no_indices && !any_wildcard) {
        throw index_not_found(expression);
    }
    return out;
}

doc_ptr store::get(const index_data& idx, std::string_view id) const {
    auto it = idx.docs.find(id);
    return it == idx.docs.end() ? nullptr : it->second;
}

write_outcome store::store_doc(index_data& idx, std::string_view id, std::string source,
                               const doc_ptr& existing, doc_map::iterator slot) {
    auto d = std::make_shared<doc_data>();
    d->id = std::string(id);
    // With a log, the source moves to the log's mapping once written; in memory it is packed
    // into the arena (its own allocation is freed now, and used again by the next request).
    std::optional<source_arena::placed> placed;
    if (!wal_)
        placed = arena_.place(source);
    if (placed) {
        d->source = placed->bytes;
        d->arena = &arena_;
        d->arena_block = placed->block;
    } else {
        d->owned = std::move(source);
        d->source = d->owned;
    }
    d->seq_no = idx.next_seq_no++;
    d->version = existing ? existing->version + 1 : 1;
    d->order = idx.next_order++;
    if (wal_)
        wal_->log_put(idx.name, id, d->source, d->seq_no, d->version, d);
    write_outcome out;
    out.result = existing ? write_result::updated : write_result::created;
    out.seq_no = d->seq_no;
    out.version = d->version;
    out.doc = d;
    if (slot != idx.docs.end()) {
        slot->second = std::move(d);
    } else {
        idx.docs.emplace(std::string(id), std::move(d));
    }
    return out;
}

namespace {

void check_occ(const index_data& idx, std::string_view id, const occ& cond, const doc_ptr& cur) {
    if (!cond.set())
        return;
    if (!cur || cur->seq_no != cond.if_seq_no || cond.if_primary_term != primary_term) {
        throw version_conflict(idx, id, cond, cur);
    }
}

}  // namespace

write_outcome store::put(index_data& idx, std::string_view id, std::string source, bool create_only,
                         const occ& cond) {
    auto slot = idx.docs.find(id);
    doc_ptr cur = slot == idx.docs.end() ? nullptr : slot->second;
    if (create_only && cur) {
        throw es_error(409, "version_conflict_engine_exception",
                       "[" + std::string(id) +
                           "]: version conflict, document already exists (current version [" +
                           std::to_string(cur->version) + "])",
                       json::object{{"index_uuid", idx.uuid}, {"shard", "0"}, {"index", idx.name}});
    }
    check_occ(idx, id, cond, cur);
    return store_doc(idx, id, std::move(source), cur, slot);
}

write_outcome store::remove(index_data& idx, std::string_view id, const occ& cond) {
    doc_ptr cur = get(idx, id);
    check_occ(idx, id, cond, cur);
    write_outcome out;
    out.seq_no = idx.next_seq_no++;  // ES consumes a sequence number even for not_found
    if (!cur) {
        out.result = write_result::not_found;
        out.version = 1;
        if (wal_)
            wal_->log_delete(idx.name, id, out.seq_no);
        return out;
    }
    out.result = write_result::deleted;
    out.version = cur->version + 1;
    idx.docs.erase(idx.docs.find(id));
    if (wal_)
        wal_->log_delete(idx.name, id, out.seq_no);
    return out;
}

write_outcome store::update(index_data& idx, std::string_view id, const json::object& body,
                            const occ& cond) {
    const json::value* doc = body.if_contains("doc");
    const json::value* upsert = body.if_contains("upsert");
    if (body.contains("script")) {
        throw es_error(400, "illegal_argument_exception",
                       "scripted updates are not supported by mock-elasticsearch");
    }
    if (doc == nullptr) {
        throw es_error(400, "action_request_validation_exception",
                       "Validation Failed: 1: script or doc is missing;");
    }
    if (!doc->is_object()) {
        throw es_error(400, "x_content_parse_exception",
                       "[1:8] [UpdateRequest] doc doesn't support values of type: VALUE_STRING");
    }
    bool doc_as_upsert = false;
    if (auto* v = body.if_contains("doc_as_upsert"); v && v->is_bool())
        doc_as_upsert = v->as_bool();
    bool detect_noop = true;
    if (auto* v = body.if_contains("detect_noop"); v && v->is_bool())
        detect_noop = v->as_bool();

    doc_ptr cur = get(idx, id);
    if (!cur) {
        if (!doc_as_upsert && (upsert == nullptr || !upsert->is_object())) {
            throw es_error(
                404, "document_missing_exception", "[" + std::string(id) + "]: document missing",
                json::object{{"index_uuid", idx.uuid}, {"shard", "0"}, {"index", idx.name}});
        }
        check_occ(idx, id, cond, cur);
        const json::value& initial = doc_as_upsert ? *doc : *upsert;
        return store_doc(idx, id, json::serialize(initial), cur, idx.docs.end());
    }
    check_occ(idx, id, cond, cur);
    json::object merged = cur->object();
    deep_merge(merged, doc->as_object());
    if (detect_noop && merged == cur->object()) {
        write_outcome out;
        out.result = write_result::noop;
        out.seq_no = cur->seq_no;
        out.version = cur->version;
        out.doc = cur;
        return out;
    }
    return store_doc(idx, id, json::serialize(merged), cur, idx.docs.find(id));
}

void store::put_pipeline(std::string_view id, json::object body) {
    if (wal_)
        wal_->log_pipeline_put(id, json::serialize(body));
    pipelines_.insert_or_assign(std::string(id), std::move(body));
}

bool store::delete_pipeline(std::string_view id) {
    auto it = pipelines_.find(id);
    if (it == pipelines_.end())
        return false;
    pipelines_.erase(it);
    if (wal_)
        wal_->log_pipeline_delete(id);
    return true;
}

bool store::pipeline_exists(std::string_view id) const {
    // ES ships these managed pipelines; the connectors use them by default.
    return id == "search-default-ingestion" || id == "ent-search-generic-ingestion" ||
           pipelines_.find(id) != pipelines_.end();
}

void store::replay_create_index(std::string_view name, const json::object& body,
                                std::string_view uuid, std::int64_t creation_ms) {
    indices_.erase(std::string(name));
    create_index_unlogged(name, body, std::string(uuid), creation_ms);
}

void store::replay_delete_index(std::string_view name) {
    indices_.erase(std::string(name));
}

void store::replay_put(std::string_view index, std::string_view id, std::string_view source,
                       bool in_log, std::int64_t seq_no, std::int64_t version) {
    auto it = indices_.find(std::string(index));
    if (it == indices_.end()) {
        it = indices_.emplace(std::string(index), index_data{}).first;
        it->second.name = std::string(index);
        it->second.uuid = new_id().substr(0, 22);
    }
    auto& idx = it->second;
    auto d = std::make_shared<doc_data>();
    d->id = std::string(id);
    if (in_log) {
        d->source = source;
    } else {
        d->owned = std::string(source);
        d->source = d->owned;
    }
    d->seq_no = seq_no;
    d->version = version;
    d->order = idx.next_order++;
    idx.next_seq_no = std::max(idx.next_seq_no, seq_no + 1);
    idx.docs.insert_or_assign(std::string(id), std::move(d));
}

void store::replay_delete(std::string_view index, std::string_view id, std::int64_t seq_no) {
    auto it = indices_.find(std::string(index));
    if (it == indices_.end())
        return;
    if (auto d = it->second.docs.find(id); d != it->second.docs.end())
        it->second.docs.erase(d);
    it->second.next_seq_no = std::max(it->second.next_seq_no, seq_no + 1);
}

}  // namespace casio::mock_es
