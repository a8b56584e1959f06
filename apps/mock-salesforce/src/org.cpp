#include "org.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace casio::mock_sf {

namespace {

constexpr std::string_view base62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Salts for values shared by several fields of one record (a person's name feeds Name and Email).
enum salt : std::uint64_t {
    salt_created = 1001,
    salt_modified,
    salt_first,
    salt_last,
    salt_address,
    salt_company,
    salt_file,
    salt_modstamp,
};

constexpr std::int64_t epoch_2021 = 1609459200;  // 2021-01-01T00:00:00Z
constexpr std::int64_t day = 86400;
constexpr std::int64_t year = 365 * day;

constexpr std::array first_names = {"James", "Mary",   "Robert", "Patricia", "John",  "Jennifer",
                                    "Aiko",  "Omar",   "Linda",  "David",    "Priya", "Elena",
                                    "Jose",  "Fatima", "Wei",    "Sarah",    "Noah",  "Chloé"};
constexpr std::array last_names = {"Smith",    "Johnson", "Williams", "Brown",  "Jones", "Garcia",
                                   "Miller",   "Davis",   "Nakamura", "Haddad", "Patel", "Rossi",
                                   "Kowalski", "Nguyen",  "O'Brien",  "Müller"};
constexpr std::array adjectives = {"Blue",   "Northern", "Bright",  "Global", "Silver", "Prime",
                                   "Summit", "Harbor",   "Quantum", "Green",  "United", "Pioneer"};
constexpr std::array nouns = {"Widgets", "Logistics", "Dynamics", "Foods",    "Energy", "Systems",
                              "Media",   "Partners",  "Labs",     "Textiles", "Health", "Robotics"};
constexpr std::array suffixes = {"Inc", "LLC", "Ltd", "GmbH", "Corp", "Group"};
constexpr std::array titles = {"CEO",          "VP Sales", "Account Manager",
                               "Engineer",     "Buyer",    "Director of Operations",
                               "Support Lead", "CFO"};
constexpr std::array departments = {"Sales",   "Finance",   "Engineering",
                                    "Support", "Marketing", "Operations"};
constexpr const auto& words = mock_words;
constexpr std::array streets = {"Main St", "Oak Ave",     "Market St",
                                "Elm Rd",  "Harbor Blvd", "King's Way"};
struct city_row {
    const char* city;
    const char* state;
    const char* country;
    double lat, lon;
};
constexpr std::array cities = {
    city_row{"San Francisco", "CA", "USA", 37.7749, -122.4194},
    city_row{"New York", "NY", "USA", 40.7128, -74.006},
    city_row{"Austin", "TX", "USA", 30.2672, -97.7431},
    city_row{"London", nullptr, "United Kingdom", 51.5072, -0.1276},
    city_row{"Berlin", "BE", "Germany", 52.52, 13.405},
    city_row{"Tokyo", "13", "Japan", 35.6762, 139.6503},
};
struct file_kind {
    const char* ext;
    const char* file_type;
    const char* mime;
};
constexpr std::array file_kinds = {
    file_kind{"txt", "TEXT", "text/plain"},
    file_kind{"pdf", "PDF", "application/pdf"},
    file_kind{"docx", "WORD_X",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    file_kind{"csv", "CSV", "text/csv"},
    file_kind{"html", "HTML", "text/html"},
    file_kind{"json", "JSON", "application/json"},
    file_kind{"md", "MARKDOWN", "text/markdown"},
    file_kind{"xml", "XML", "application/xml"},
    file_kind{"png", "PNG", "image/png"},
    file_kind{"xlsx", "EXCEL_X",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    file_kind{"pptx", "POWER_POINT_X",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    file_kind{"rtf", "RTF", "application/rtf"},
    file_kind{"txt", "TEXT", "text/plain"},
};
// File sizes at which a connector changes behaviour, on both sides of each: its 64 KiB download
// chunk (and two chunks), the 3 MiB cap on a text document whose base64 attachment is 4/3 of the
// file (2,359,296 bytes encode to exactly 3 MiB; 2,359,293 to 4 bytes less, 2,359,297 to 4
// more), 3 MiB itself, and max_file_download_size (10 MiB). Ordered so that the first few files
// of a small org already meet different thresholds.
constexpr std::array<std::int64_t, 13> threshold_file_sizes = {
    65536,   10485760, 2359296,  3145728, 65537,   10485761, 2359297,
    3145729, 65535,    10485759, 2359293, 3145727, 131072};
const std::vector<std::string> linkable_names = {
    "Account", "Opportunity", "Contact", "Lead", "Campaign", "Case", "Project__c", "Ticket__c"};
// Damaged files are linked from the first six (the standard objects), in turn.
constexpr std::uint64_t damaged_linkers = 6;

const file_kind& kind_of(std::string_view ext) {
    for (const auto& k : file_kinds) {
        if (ext == k.ext) {
            return k;
        }
    }
    return file_kinds[0];
}

// The kind of generated file `index`: `kinds` (extensions) in turn, else the default mix.
const file_kind& kind_at(const std::vector<std::string>& kinds, std::uint64_t index) {
    if (kinds.empty()) {
        return file_kinds[index % file_kinds.size()];
    }
    return kind_of(kinds[index % kinds.size()]);
}

}  // namespace

bool is_file_kind(std::string_view extension) {
    return std::any_of(file_kinds.begin(), file_kinds.end(),
                       [&](const file_kind& k) { return extension == k.ext; });
}

namespace {
constexpr std::array permission_sets = {"Sales_Admin", "Sales_Rep", "Support_Agent",
                                        "Marketing_Viewer"};
struct group_row {
    const char* name;
    const char* developer_name;
    const char* type;
    const char* email;  // null: many real queues have no email
};
// Queues first: record owners are drawn from the first `queue_count` rows.
constexpr std::array groups = {
    group_row{"Support Queue", "Support_Queue", "Queue", "support-queue@example.com"},
    group_row{"Sales Leads Queue", "Sales_Leads_Queue", "Queue", "leads-queue@example.com"},
    group_row{"Escalations Queue", "Escalations_Queue", "Queue", nullptr},
    group_row{"All Sales Reps", "All_Sales_Reps", "Regular", nullptr},
};
constexpr std::uint64_t queue_count = 3;

template <class A>
const typename A::value_type& pick_from(const A& a, std::uint64_t h) {
    return a[h % a.size()];
}

std::string sentence(std::uint64_t h, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        h = mix(h);
        if (i) {
            s += ' ';
        }
        s += pick_from(words, h);
    }
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

std::string email_local(std::string_view first, std::string_view last) {
    std::string out;
    for (char c : std::string(first) + "." + std::string(last)) {
        auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '.') {
            out += static_cast<char>(u >= 'A' && u <= 'Z' ? u + 32 : u);
        }
    }
    return out;
}

std::int64_t real_now_ms() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

// Parent index of child j in the fan-out pattern: in each block of three, the first parent has
// two children, the second one, the third none (so some subqueries return null).
std::uint64_t block_parent(std::uint64_t j) {
    return 3 * (j / 3) + (j % 3 == 2 ? 1 : 0);
}

std::vector<std::uint64_t> block_children(std::uint64_t p) {
    std::uint64_t q = p / 3;
    switch (p % 3) {
        case 0:
            return {3 * q, 3 * q + 1};
        case 1:
            return {3 * q + 2};
        default:
            return {};
    }
}

}  // namespace

// ---------------------------------------------------------------------------- record_ref

const object_def& record_ref::object() const {
    return org_->schema().object(object_);
}

value record_ref::get(int field) const {
    if (field == 1 && deleted_) {
        return true;  // IsDeleted, as queryAll shows deleted rows
    }
    if (stored_) {
        return stored_->fields[static_cast<std::size_t>(field)];
    }
    return org_->generate(object_, index_, field);
}

std::string record_ref::id() const {
    if (stored_) {
        const auto& v = stored_->fields[0];
        return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : std::string();
    }
    return org_->make_id(object_, index_);
}

// ---------------------------------------------------------------------------- org

org::org(org_options opts) : schema_(std::make_shared<mock_sf::schema>(schema::standard())) {
    start_ms_ = real_now_ms();
    seed_ = opts.seed;
    n_ = opts.records;
    const auto& s = *schema_;
    user_ = s.find("User");
    group_ = s.find("Group");
    content_document_ = s.find("ContentDocument");
    content_version_ = s.find("ContentVersion");
    cdl_ = s.find("ContentDocumentLink");
    permission_set_ = s.find("PermissionSet");
    assignment_ = s.find("PermissionSetAssignment");
    object_permissions_ = s.find("ObjectPermissions");
    for (const auto& name : linkable_names) {
        linkable_.push_back(s.find(name));
    }
    const std::size_t users = std::max<std::size_t>(5, std::min<std::size_t>(n_, 100));
    const std::size_t slots = (n_ + 4) / 5;
    const std::size_t docs = std::max<std::size_t>(1, slots);
    counts_.assign(s.objects().size(), n_);
    counts_[static_cast<std::size_t>(user_)] = users;
    counts_[static_cast<std::size_t>(group_)] = groups.size();
    counts_[static_cast<std::size_t>(permission_set_)] = permission_sets.size();
    counts_[static_cast<std::size_t>(assignment_)] = 2 * users;
    counts_[static_cast<std::size_t>(object_permissions_)] =
        permission_sets.size() * linkable_.size();
    counts_[static_cast<std::size_t>(content_document_)] = n_ ? docs : 0;
    counts_[static_cast<std::size_t>(content_version_)] = n_ ? docs : 0;
    counts_[static_cast<std::size_t>(cdl_)] = linkable_.size() * slots * 2;
    generated_docs_ = counts_[static_cast<std::size_t>(content_document_)];
    generated_links_ = counts_[static_cast<std::size_t>(cdl_)];
    for (const auto& k : opts.file_kinds) {
        if (!is_file_kind(k)) {
            throw std::invalid_argument("unknown file kind '" + k + "'");
        }
    }
    kinds_ = opts.file_kinds;
    media_share_ = opts.file_media_share;
    if (opts.damaged_files && n_ > 0) {
        for (std::size_t i = 0; i < damaged_files.size(); ++i) {
            damaged_.push_back(std::make_shared<const file_body>(
                damaged_files[i].which,
                hash(static_cast<std::size_t>(content_document_), generated_docs_ + i, salt_file)));
        }
        counts_[static_cast<std::size_t>(content_document_)] += damaged_.size();
        counts_[static_cast<std::size_t>(content_version_)] += damaged_.size();
        counts_[static_cast<std::size_t>(cdl_)] += damaged_.size();
    }
    added_.resize(counts_.size());
    touched_.resize(counts_.size());
    deleted_count_.assign(counts_.size(), 0);
    deletions_.resize(counts_.size());
}

std::int64_t org::now_ms() const {
    return real_now_ms() + clock_offset_ms_;
}

void org::advance_clock(std::int64_t ms) {
    if (ms < 0) {
        throw std::invalid_argument("the clock only moves forward: cannot go back " +
                                    std::to_string(-ms) + " ms");
    }
    clock_offset_ms_ += ms;
    ++generation_;  // the recycle bin may have purged rows: cached listings are stale
}

std::string org::now_text() const {
    return format_datetime_ms(now_ms());
}

std::vector<std::uint32_t> org::overlay_indices(std::size_t object) const {
    std::vector<std::uint32_t> out(touched_[object].begin(), touched_[object].end());
    for (std::size_t k = 0; k < added_[object].size(); ++k) {
        out.push_back(static_cast<std::uint32_t>(base_count(object) + k));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void org::stamp(std::size_t object, stored_record& rec, std::initializer_list<const char*> fields,
                const boost::json::object& given) const {
    const auto& o = schema_->object(object);
    const auto now = now_text();
    for (const char* name : fields) {
        const int fi = o.field_index(name);
        // SystemModstamp is the system's own: always now. The audit dates may be given.
        const bool is_given = std::any_of(given.begin(), given.end(), [&](const auto& kv) {
            return iequals(kv.key(), name);  // field names are case-insensitive, as in apply()
        });
        if (fi < 0 || (std::string_view(name) != "SystemModstamp" && is_given)) {
            continue;
        }
        rec.fields[static_cast<std::size_t>(fi)] = now;
    }
}

org org::from_fixture(std::string_view json_text) {
    org o(org_options{1, 0});
    boost::system::error_code ec;
    auto doc = boost::json::parse(json_text, ec);
    if (ec || !doc.is_object()) {
        throw std::invalid_argument("fixture: not a JSON object" +
                                    (ec ? ": " + ec.message() : std::string()));
    }
    const auto* recs = doc.as_object().if_contains("records");
    if (!recs || !recs->is_object()) {
        throw std::invalid_argument("fixture: missing object \"records\"");
    }
    o.fixture_.resize(o.counts_.size());
    // An empty placeholder keeps generated() false even for objects without records.
    for (const auto& [name, list] : recs->as_object()) {
        int obj = o.schema_->find(name);
        if (obj < 0) {
            throw std::invalid_argument("fixture: unknown object '" + std::string(name) + "'");
        }
        if (!list.is_array()) {
            throw std::invalid_argument("fixture: records of '" + std::string(name) +
                                        "' must be an array");
        }
        auto& target = o.fixture_[static_cast<std::size_t>(obj)];
        for (const auto& item : list.as_array()) {
            if (!item.is_object()) {
                throw std::invalid_argument("fixture: a record of '" + std::string(name) +
                                            "' is not an object");
            }
            stored_record rec;
            rec.fields.resize(o.schema_->object(static_cast<std::size_t>(obj)).fields.size());
            rec.fields[1] = false;
            o.apply(static_cast<std::size_t>(obj), rec, item.as_object());
            const auto& def = o.schema_->object(static_cast<std::size_t>(obj));
            if (is_null(rec.fields[0])) {
                rec.fields[0] = o.make_id(static_cast<std::size_t>(obj), target.size());
            }
            auto id = std::get<std::string>(rec.fields[0]);
            // Salesforce reads an object's type from its id's prefix (a User's is 005), and so
            // do relationship lookups here: an id of another prefix would be another object.
            if (!id.starts_with(def.key_prefix)) {
                throw std::invalid_argument("fixture: " + def.name + " Id '" + id +
                                            "' must start with " + def.key_prefix);
            }
            if (!o.fixture_ids_
                     .emplace(id.substr(0, 15),
                              std::pair{static_cast<std::size_t>(obj),
                                        static_cast<std::uint32_t>(target.size())})
                     .second) {
                throw std::invalid_argument("fixture: duplicate Id '" + id + "'");
            }
            target.push_back(std::move(rec));
        }
    }
    for (std::size_t i = 0; i < o.counts_.size(); ++i) {
        o.counts_[i] = o.fixture_[i].size();
    }
    return o;
}

std::size_t org::base_count(std::size_t object) const {
    return counts_[object];
}

std::size_t org::index_space(std::size_t object) const {
    return counts_[object] + added_[object].size();
}

bool org::dense(std::size_t object, bool include_deleted) const {
    if (generated() && static_cast<int>(object) == cdl_) {
        return false;
    }
    (void)include_deleted;  // purged rows leave holes for queryAll too
    return deleted_count_[object] == 0;
}

std::string org::make_id(std::size_t object, std::uint64_t index) const {
    // Built in place: ids are minted for every relationship hop of every record served.
    char id[18];
    const auto& prefix = schema_->object(object).key_prefix;
    id[0] = prefix[0];
    id[1] = prefix[1];
    id[2] = prefix[2];
    id[3] = base62[seed_ % 62];
    id[4] = base62[(seed_ / 62) % 62];
    id[5] = '0';
    for (int i = 14; i >= 6; --i) {
        id[i] = base62[index % 62];
        index /= 62;
    }
    // The 3-character suffix encodes which of the 15 characters are upper case, as Salesforce's
    // case-insensitive 18-character ids do.
    static constexpr std::string_view suffix_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    for (int chunk = 0; chunk < 3; ++chunk) {
        int bits = 0;
        for (int i = 0; i < 5; ++i) {
            char c = id[chunk * 5 + i];
            if (c >= 'A' && c <= 'Z') {
                bits |= 1 << i;
            }
        }
        id[15 + chunk] = suffix_chars[static_cast<std::size_t>(bits)];
    }
    return std::string(id, 18);
}

std::optional<std::pair<std::size_t, std::uint64_t>> org::parse_id(std::string_view id) const {
    if (id.size() != 15 && id.size() != 18) {
        return std::nullopt;
    }
    int obj = schema_->find_prefix(id.substr(0, 3));
    if (obj < 0 || id[3] != base62[seed_ % 62] || id[4] != base62[(seed_ / 62) % 62] ||
        id[5] != '0') {
        return std::nullopt;
    }
    std::uint64_t index = 0;
    for (std::size_t i = 6; i < 15; ++i) {
        auto pos = base62.find(id[i]);
        if (pos == std::string_view::npos) {
            return std::nullopt;
        }
        index = index * 62 + pos;
    }
    if (id.size() == 18 && make_id(static_cast<std::size_t>(obj), index) != id) {
        return std::nullopt;
    }
    return std::pair{static_cast<std::size_t>(obj), index};
}

std::optional<record_ref> org::base_or_added(std::size_t object, std::uint32_t index) const {
    const std::size_t base = base_count(object);
    if (index < base) {
        if (!generated()) {
            return record_ref(this, object, index, &fixture_[object][index], false);
        }
        if (static_cast<int>(object) == cdl_ && index < generated_links_) {
            // Slots with which == 1 exist only for even slot numbers (see generate()).
            const std::size_t slots = (n_ + 4) / 5;
            if (index % 2 == 1 && (index / 2 % slots) % 2 == 1) {
                return std::nullopt;
            }
        }
        return record_ref(this, object, index, nullptr, false);
    }
    if (index - base < added_[object].size()) {
        return record_ref(this, object, index, added_[object][index - base].get(), false);
    }
    return std::nullopt;
}

std::optional<record_ref> org::get(std::size_t object, std::uint32_t index,
                                   bool include_deleted) const {
    auto r = base_or_added(object, index);
    if (!r || overlay_.empty() || !touched_[object].count(index)) {
        return r;
    }
    auto it = overlay_.find(r->id().substr(0, 15));
    if (it == overlay_.end()) {
        return r;
    }
    if (it->second.deleted &&
        (!include_deleted || now_ms() >= it->second.deleted_at_ms + recycle_bin_ms)) {
        return std::nullopt;  // purged from the recycle bin after 15 days: gone for queryAll too
    }
    const stored_record* stored = it->second.record ? it->second.record.get() : nullptr;
    if (!stored && index >= base_count(object)) {
        stored = added_[object][index - base_count(object)].get();
    }
    if (!stored && !generated()) {
        stored = &fixture_[object][index];
    }
    return record_ref(this, object, index, stored, it->second.deleted);
}

std::optional<record_ref> org::find(std::string_view id, bool include_deleted) const {
    if (!generated()) {
        auto it = fixture_ids_.find(std::string(id.substr(0, 15)));
        if (it != fixture_ids_.end()) {
            auto r = get(it->second.first, it->second.second, include_deleted);
            return r && r->id().substr(0, 15) == id.substr(0, 15) ? r : std::nullopt;
        }
    }
    auto parsed = parse_id(id);
    if (!parsed || parsed->second >= index_space(parsed->first)) {
        return std::nullopt;
    }
    if (!generated() && parsed->second < base_count(parsed->first)) {
        return std::nullopt;  // fixture base ids come from the map above
    }
    return get(parsed->first, static_cast<std::uint32_t>(parsed->second), include_deleted);
}

std::optional<std::vector<std::uint32_t>> org::generated_children(
    std::size_t child_object, int field, std::string_view parent_id) const {
    const auto& f = schema_->object(child_object).fields[static_cast<std::size_t>(field)];
    auto parent = parse_id(parent_id);
    std::vector<std::uint32_t> out;
    if (!parent || parent->second >= base_count(parent->first)) {
        return out;
    }
    const std::uint64_t p = parent->second;
    const std::uint64_t limit = base_count(child_object);
    auto add = [&](std::uint64_t j) {
        if (j < limit) {
            out.push_back(static_cast<std::uint32_t>(j));
        }
    };
    if (f.generator == gen::parent_block) {
        for (auto j : block_children(p)) {
            add(j);
        }
        return out;
    }
    if (f.generator == gen::parent_prev) {
        if ((p + 1) % 10 == 9) {
            add(p + 1);
        }
        return out;
    }
    if (static_cast<int>(child_object) == cdl_) {
        const std::uint64_t slots = (n_ + 4) / 5;
        const std::uint64_t docs = std::max<std::uint64_t>(1, slots);
        if (f.name == "LinkedEntityId") {
            auto pos =
                std::find(linkable_.begin(), linkable_.end(), static_cast<int>(parent->first));
            if (pos == linkable_.end() || p % 5 != 0) {
                return out;
            }
            const auto o = static_cast<std::uint64_t>(pos - linkable_.begin());
            for (std::uint64_t j = 0; p == 0 && j < damaged_.size(); ++j) {
                if (j % damaged_linkers == o) {
                    add(generated_links_ + j);
                }
            }
            const std::uint64_t slot = p / 5;
            add((o * slots + slot) * 2);
            if (slot % 2 == 0) {
                add((o * slots + slot) * 2 + 1);
            }
            return out;
        }
        if (f.name == "ContentDocumentId") {
            if (p >= generated_docs_) {
                add(generated_links_ + (p - generated_docs_));
                return out;
            }
            for (std::uint64_t o = 0; o < linkable_.size(); ++o) {
                for (std::uint64_t which = 0; which < 2; ++which) {
                    std::uint64_t shift = (3 * o + which) % docs;
                    std::uint64_t s0 = (p % docs + docs - shift) % docs;
                    for (std::uint64_t slot = s0; slot < slots; slot += docs) {
                        if (which == 0 || slot % 2 == 0) {
                            add((o * slots + slot) * 2 + which);
                        }
                    }
                }
            }
            std::sort(out.begin(), out.end());
            return out;
        }
    }
    if (static_cast<int>(child_object) == content_version_ && f.name == "ContentDocumentId") {
        add(p);
        return out;
    }
    if (static_cast<int>(child_object) == object_permissions_ && f.name == "ParentId") {
        for (std::uint64_t k = 0; k < linkable_.size(); ++k) {
            add(p * linkable_.size() + k);
        }
        return out;
    }
    return std::nullopt;
}

std::optional<std::vector<std::uint32_t>> org::children_candidates(
    std::size_t child_object, int field, std::string_view parent_id) const {
    if (!generated()) {
        return std::nullopt;
    }
    auto base = generated_children(child_object, field, parent_id);
    if (!base) {
        return std::nullopt;
    }
    // Overlay edits may have moved or added children: they are candidates too.
    for (std::size_t k = 0; k < added_[child_object].size(); ++k) {
        base->push_back(static_cast<std::uint32_t>(base_count(child_object) + k));
    }
    for (auto idx : touched_[child_object]) {
        base->push_back(idx);
    }
    std::sort(base->begin(), base->end());
    base->erase(std::unique(base->begin(), base->end()), base->end());
    return base;
}

std::uint64_t org::hash(std::size_t object, std::uint64_t index, std::uint64_t salt) const {
    return mix(mix(mix(seed_ ^ 0x51afd7ed558ccd00ULL) ^ object) ^ index * 0x2545f4914f6cdd1dULL ^
               salt);
}

value org::generate(std::size_t object, std::uint32_t index, int field) const {
    const auto& o = schema_->object(object);
    const auto& f = o.fields[static_cast<std::size_t>(field)];
    const std::uint64_t h = hash(object, index, static_cast<std::uint64_t>(field) + 1);
    auto created = [&] {
        return epoch_2021 + static_cast<std::int64_t>(hash(object, index, salt_created) %
                                                      static_cast<std::uint64_t>(3 * year));
    };
    auto first = [&] {
        return std::string(pick_from(first_names, hash(object, index, salt_first)));
    };
    auto last = [&] { return std::string(pick_from(last_names, hash(object, index, salt_last))); };
    auto company = [&] {
        std::uint64_t c = hash(object, index, salt_company);
        return std::string(pick_from(adjectives, c)) + " " + pick_from(nouns, mix(c)) + " " +
               pick_from(suffixes, mix(mix(c)));
    };
    auto field_value = [&](std::string_view name) {
        return generate(object, index, o.field_index(name));
    };
    auto ref_to = [&](int target, std::uint64_t idx) -> value {
        if (target < 0 || idx >= base_count(static_cast<std::size_t>(target))) {
            return {};
        }
        return make_id(static_cast<std::size_t>(target), idx);
    };
    auto ref_target = [&] { return schema_->find(f.reference_to.front()); };
    const bool sometimes_null = f.nillable && h % 9 == 0;

    switch (f.generator) {
        case gen::none:
            return {};
        case gen::id:
            return make_id(object, index);
        case gen::false_:
            return false;
        case gen::created:
            return format_datetime(created());
        case gen::modified:
        case gen::modstamp: {
            const auto modified =
                created() + static_cast<std::int64_t>(hash(object, index, salt_modified) %
                                                      static_cast<std::uint64_t>(year));
            // SystemModstamp also moves when the system touches a record (a recalculation, a
            // cascade), so for some records it is later than LastModifiedDate: never earlier.
            const std::uint64_t touch = hash(object, index, salt_modstamp);
            return format_datetime(f.generator == gen::modstamp && touch % 4 == 0
                                       ? modified + static_cast<std::int64_t>(touch / 4 % (2 * day))
                                       : modified);
        }
        case gen::user:
            return ref_to(user_, h % base_count(static_cast<std::size_t>(user_)));
        case gen::owner:
            // Every 7th record from the 4th is owned by a queue, so even a 4-record org has one
            // and a sync meets queue owners among user owners.
            if (index % 7 == 3) {
                return ref_to(group_, h % queue_count);
            }
            return ref_to(user_, h % base_count(static_cast<std::size_t>(user_)));
        case gen::parent_block:
            return ref_to(ref_target(), block_parent(index));
        case gen::parent_prev:
            if (index % 10 != 9) {
                return {};
            }
            return ref_to(ref_target(), index - 1);
        case gen::first_name:
            return first();
        case gen::last_name:
            return last();
        case gen::full_name:
            return first() + " " + last();
        case gen::company:
            return company();
        case gen::email:
            if (static_cast<int>(object) != user_ && index % 13 == 5) {
                return {};
            }
            return email_local(first(), last()) + std::to_string(index) + "@example.com";
        case gen::phone: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "(555) %03u-%04u", static_cast<unsigned>(h % 1000),
                          static_cast<unsigned>(mix(h) % 10000));
            return std::string(buf);
        }
        case gen::website:
            if (sometimes_null) {
                return {};
            }
            return "https://www." + to_lower(pick_from(nouns, hash(object, index, salt_company))) +
                   std::to_string(index) + ".example.com";
        case gen::title:
            return std::string(pick_from(titles, h));
        case gen::department:
            return std::string(pick_from(departments, h));
        case gen::picklist:
            if (f.nillable && h % 11 == 0) {
                return {};
            }
            return f.picklist[h % f.picklist.size()];
        case gen::sentence:
            if (sometimes_null) {
                return {};
            }
            return sentence(h, 3 + static_cast<int>(h % 5));
        case gen::paragraph: {
            if (f.nillable && h % 7 == 0) {
                return {};
            }
            std::string p;
            const int n = 1 + static_cast<int>(h % 4);
            for (int i = 0; i < n; ++i) {
                p += sentence(mix(h + static_cast<std::uint64_t>(i)), 6 + i) + ". ";
            }
            p.pop_back();
            return p;
        }
        case gen::boolean:
            return h % 2 == 0;
        case gen::number:
            switch (f.type) {
                case field_type::integer:
                    return static_cast<std::int64_t>(h % 5000);
                case field_type::percent:
                    return static_cast<double>(h % 11 * 10);
                default:
                    if (sometimes_null) {
                        return {};
                    }
                    return static_cast<double>(h % 2000000) / 2.0;
            }
        case gen::date:
            return format_date(epoch_2021 +
                               static_cast<std::int64_t>(h % static_cast<std::uint64_t>(4 * year)));
        case gen::address: {
            std::uint64_t a = hash(object, index, salt_address);
            if (a % 11 == 3) {
                return {};
            }
            const auto& c = pick_from(cities, a);
            address ad;
            ad.street = std::to_string(1 + a % 999) + " " + pick_from(streets, mix(a));
            ad.city = c.city;
            ad.state = c.state ? c.state : "";
            ad.country = c.country;
            ad.postal_code = std::to_string(10000 + mix(a) % 89999);
            ad.latitude = c.lat;
            ad.longitude = c.lon;
            return ad;
        }
        case gen::case_number: {
            char buf[16];
            std::snprintf(buf, sizeof buf, "%08u", 1000u + index);
            return std::string(buf);
        }
        case gen::photo_url:
            return "/services/images/photo/" + make_id(object, index);
        case gen::special:
            break;
    }

    // Object-specific values.
    const std::string& name = f.name;
    if (name.starts_with("Billing")) {
        auto v = field_value("BillingAddress");
        if (is_null(v)) {
            return {};
        }
        const auto& a = std::get<address>(v);
        if (name == "BillingStreet")
            return a.street;
        if (name == "BillingCity")
            return a.city;
        if (name == "BillingState")
            return a.state.empty() ? value{} : value{a.state};
        if (name == "BillingPostalCode")
            return a.postal_code;
        if (name == "BillingCountry")
            return a.country;
    }
    if (static_cast<int>(object) == user_) {
        if (name == "Username") {
            return email_local(first(), last()) + std::to_string(index) + "@example.com.org";
        }
        if (name == "UserType") {
            if (index % 17 == 16)
                return std::string("AutomatedProcess");
            if (index % 13 == 12)
                return std::string("CloudIntegrationUser");
            return std::string("Standard");
        }
    }
    if (static_cast<int>(object) == group_) {
        const auto& g = groups[index % groups.size()];
        if (name == "Name")
            return std::string(g.name);
        if (name == "DeveloperName")
            return std::string(g.developer_name);
        if (name == "Type")
            return std::string(g.type);
        if (name == "Email")
            return g.email ? value{std::string(g.email)} : value{};
    }
    if (o.name == "Opportunity" && name == "Name") {
        return company() + " - " + sentence(h, 2);
    }
    if ((o.name == "Campaign" || o.custom) && name == "Name") {
        return sentence(h, 2) + " " + std::to_string(index);
    }
    if (o.name == "Campaign" && name == "EndDate") {
        auto start = field_value("StartDate");
        int y = 0, m = 0, d = 0;
        std::sscanf(std::get<std::string>(start).c_str(), "%d-%d-%d", &y, &m, &d);
        return format_date(unix_from_civil(y, m, d, 0, 0, 0) +
                           static_cast<std::int64_t>(7 + h % 60) * day);
    }
    if (o.name == "Lead") {
        const bool converted = index % 4 == 0;
        if (name == "IsConverted")
            return converted;
        if (!converted)
            return {};
        if (name == "ConvertedDate")
            return format_date(created() + 30 * day);
        if (name == "ConvertedAccountId")
            return ref_to(schema_->find("Account"), index);
        if (name == "ConvertedContactId")
            return ref_to(schema_->find("Contact"), index);
        if (name == "ConvertedOpportunityId")
            return ref_to(schema_->find("Opportunity"), index);
    }
    if (o.name == "Case" && name == "IsClosed") {
        auto status = field_value("Status");
        return !is_null(status) && std::get<std::string>(status) == "Closed";
    }
    if (o.name == "EmailMessage") {
        if (name == "ToAddress") {
            return "support" + std::to_string(h % 7) + "@example.com";
        }
        if (name == "CcAddress") {
            return h % 3 == 0 ? value{"manager@example.com"} : value{};
        }
        return {};
    }
    if (o.name == "CaseFeed" && name == "CommentCount") {
        std::int64_t n = 0;
        for (auto j : block_children(index)) {
            n += j < base_count(static_cast<std::size_t>(schema_->find("FeedComment"))) ? 1 : 0;
        }
        return n;
    }
    if (o.name == "FeedComment" && name == "ParentId") {
        return ref_to(schema_->find("Case"), block_parent(block_parent(index)));
    }
    if (static_cast<int>(object) == content_document_ ||
        static_cast<int>(object) == content_version_) {
        const int damaged = damaged_index(index);
        const auto& kind =
            damaged < 0 ? kind_at(kinds_, index)
                        : kind_of(damaged_files[static_cast<std::size_t>(damaged)].extension);
        const std::uint64_t fh =
            hash(static_cast<std::size_t>(content_document_), index, salt_file);
        auto title = [&] {
            if (damaged >= 0) {
                return std::string(damaged_files[static_cast<std::size_t>(damaged)].title);
            }
            return std::string(pick_from(words, fh)) + " " + pick_from(words, mix(fh)) + " " +
                   std::to_string(index);
        };
        if (name == "Title")
            return title();
        if (name == "FileExtension")
            return std::string(kind.ext);
        if (name == "FileType")
            return std::string(kind.file_type);
        if (name == "ContentSize" && damaged >= 0) {
            return static_cast<std::int64_t>(damaged_[static_cast<std::size_t>(damaged)]->size());
        }
        if (name == "ContentSize") {
            // Every 23rd file is over 10 MiB, the connector's default size limit.
            if (index % 23 == 7) {
                return static_cast<std::int64_t>(10 * 1024 * 1024 + 512 * 1024 + fh % 65536);
            }
            // Another 1 in 23 is mid-sized, so a sync meets every size at which a connector
            // changes behaviour and the range between them: threshold sizes in turn with
            // uniform sizes of 1-10 MiB. The 4th file (index 3) is the first, so even a
            // small test org has one.
            if (index % 23 == 3) {
                const std::uint64_t k = index / 23;
                if (k % 2 == 0) {
                    return threshold_file_sizes[k / 2 % threshold_file_sizes.size()];
                }
                constexpr std::uint64_t mib = std::uint64_t{1024} * 1024;
                return static_cast<std::int64_t>(mib + fh % (9 * mib + 1));
            }
            return static_cast<std::int64_t>(64 + fh % 150000);
        }
        if (name == "LatestPublishedVersionId")
            return ref_to(content_version_, index);
        if (name == "ContentDocumentId")
            return ref_to(content_document_, index);
        if (name == "PathOnClient")
            return title() + "." + kind.ext;
        if (name == "VersionNumber")
            return std::string("1");
        if (name == "VersionDataUrl") {
            return "/sfc/servlet.shepherd/version/download/" + make_id(object, index);
        }
        if (name == "IsLatest")
            return true;
    }
    if (static_cast<int>(object) == cdl_) {
        const std::uint64_t slots = (n_ + 4) / 5;
        const std::uint64_t docs = std::max<std::uint64_t>(1, slots);
        if (index >= generated_links_) {  // a damaged file's link
            const std::uint64_t j = index - generated_links_;
            if (name == "LinkedEntityId") {
                return ref_to(linkable_[j % damaged_linkers], 0);
            }
            if (name == "ContentDocumentId") {
                return ref_to(content_document_, generated_docs_ + j);
            }
            return {};
        }
        const std::uint64_t which = index % 2;
        const std::uint64_t slot = index / 2 % slots;
        const std::uint64_t o_pos = index / 2 / slots;
        if (name == "LinkedEntityId") {
            return ref_to(linkable_[o_pos], slot * 5);
        }
        if (name == "ContentDocumentId") {
            return ref_to(content_document_, (slot + 3 * o_pos + which) % docs);
        }
    }
    if (static_cast<int>(object) == permission_set_) {
        if (name == "Name")
            return std::string(permission_sets[index % permission_sets.size()]);
        if (name == "Label") {
            std::string l = permission_sets[index % permission_sets.size()];
            std::replace(l.begin(), l.end(), '_', ' ');
            return l;
        }
    }
    if (static_cast<int>(object) == assignment_) {
        const std::uint64_t u = index / 2;
        if (name == "AssigneeId")
            return ref_to(user_, u);
        if (name == "PermissionSetId") {
            return ref_to(permission_set_, index % 2 == 0 ? u % 2 : 2 + u % 2);
        }
    }
    if (static_cast<int>(object) == object_permissions_) {
        const std::uint64_t ps = index / linkable_.size();
        const std::size_t target = index % linkable_.size();
        const std::string& type = linkable_names[target];
        if (name == "ParentId")
            return ref_to(permission_set_, ps);
        if (name == "SobjectType")
            return type;
        // Sales_Admin reads everything; Sales_Rep the sales objects; Support_Agent cases and
        // accounts; Marketing_Viewer campaigns and leads.
        bool read = false;
        switch (ps) {
            case 0:
                read = true;
                break;
            case 1:
                read = type == "Account" || type == "Opportunity" || type == "Contact" ||
                       type == "Lead";
                break;
            case 2:
                read = type == "Case" || type == "Account" || type == "Ticket__c";
                break;
            default:
                read = type == "Campaign" || type == "Lead";
                break;
        }
        if (name == "PermissionsRead")
            return read;
        return read && ps == 0;
    }
    return {};
}

// ---------------------------------------------------------------------------- overlay

stored_record org::materialise(const record_ref& r) const {
    stored_record rec;
    const auto& fields = r.object().fields;
    rec.fields.reserve(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        rec.fields.push_back(r.get(static_cast<int>(i)));
    }
    return rec;
}

void org::check_reference(const object_def& o, const field_def& f, std::string_view id) const {
    const int target = schema_->find_prefix(id.substr(0, 3));
    if (target < 0) {
        return;  // no object of the schema: a dangling reference, which resolves to null
    }
    const auto& target_name = schema_->object(static_cast<std::size_t>(target)).name;
    if (std::find(f.reference_to.begin(), f.reference_to.end(), target_name) !=
        f.reference_to.end()) {
        return;
    }
    std::string allowed;
    for (const auto& r : f.reference_to) {
        allowed += (allowed.empty() ? "" : " or ") + r;
    }
    throw std::invalid_argument("field '" + o.name + "." + f.name + "' references " + allowed +
                                ", got '" + std::string(id) + "' (an id of " + target_name + ")");
}

void org::apply(std::size_t object, stored_record& rec, const boost::json::object& fields) const {
    const auto& o = schema_->object(object);
    for (const auto& [key, jv] : fields) {
        if (key == "attributes") {
            continue;
        }
        int fi = o.field_index(key);
        if (fi < 0) {
            throw std::invalid_argument("No such column '" + std::string(key) + "' on entity '" +
                                        o.name + "'");
        }
        const auto& f = o.fields[static_cast<std::size_t>(fi)];
        auto bad = [&, &given = jv](std::string_view expected) {
            return std::invalid_argument("field '" + o.name + "." + f.name + "' expects " +
                                         std::string(expected) + ", got " +
                                         boost::json::serialize(given));
        };
        value v;
        if (jv.is_null()) {
            v = {};
        } else if (f.type == field_type::boolean) {
            if (!jv.is_bool())
                throw bad("true or false");
            v = jv.as_bool();
        } else if (f.type == field_type::integer) {
            if (!jv.is_int64() && !jv.is_uint64())
                throw bad("an integer");
            v = jv.to_number<std::int64_t>();
        } else if (is_numeric(f.type)) {
            if (!jv.is_number())
                throw bad("a number");
            v = jv.to_number<double>();
        } else if (f.type == field_type::address) {
            if (!jv.is_object())
                throw bad("an address object");
            const auto& a = jv.as_object();
            address ad;
            auto str = [&](const char* k) -> std::string {
                const auto* p = a.if_contains(k);
                return p && p->is_string() ? std::string(p->as_string()) : std::string();
            };
            ad.street = str("street");
            ad.city = str("city");
            ad.state = str("state");
            ad.postal_code = str("postalCode");
            ad.country = str("country");
            if (const auto* p = a.if_contains("latitude"); p && p->is_number()) {
                ad.latitude = p->to_number<double>();
            }
            if (const auto* p = a.if_contains("longitude"); p && p->is_number()) {
                ad.longitude = p->to_number<double>();
            }
            v = ad;
        } else {
            if (!jv.is_string())
                throw bad("a string");
            std::string s(jv.as_string());
            if (f.type == field_type::date) {
                auto d = canonical_date(s);
                if (!d)
                    throw bad("a date YYYY-MM-DD");
                s = *d;
            } else if (f.type == field_type::datetime) {
                auto d = canonical_datetime(s);
                if (!d)
                    throw bad("a datetime");
                s = *d;
            }
            if (f.type == field_type::reference) {
                check_reference(o, f, s);
            }
            v = std::move(s);
        }
        rec.fields[static_cast<std::size_t>(fi)] = std::move(v);
    }
}

std::string org::insert(std::string_view object, const boost::json::object& fields) {
    int obj = schema_->find(object);
    if (obj < 0) {
        throw std::invalid_argument("sObject type '" + std::string(object) + "' is not supported.");
    }
    const auto o = static_cast<std::size_t>(obj);
    auto rec = std::make_shared<stored_record>();
    rec->fields.resize(schema_->object(o).fields.size());
    const auto index = index_space(o);
    auto id = make_id(o, index);
    rec->fields[0] = id;
    rec->fields[1] = false;
    boost::json::object patch = fields;
    patch.erase("Id");
    apply(o, *rec, patch);
    stamp(o, *rec, {"CreatedDate", "LastModifiedDate", "SystemModstamp"}, patch);
    added_[o].push_back(std::move(rec));
    ++generation_;
    return id;
}

void org::update(std::string_view id, const boost::json::object& fields) {
    auto r = find(id);
    if (!r) {
        throw std::out_of_range("The requested resource does not exist: " + std::string(id));
    }
    auto rec = std::make_shared<stored_record>(materialise(*r));
    boost::json::object patch = fields;
    patch.erase("Id");
    apply(r->object_index(), *rec, patch);
    stamp(r->object_index(), *rec, {"LastModifiedDate", "SystemModstamp"}, patch);
    auto key = r->id().substr(0, 15);
    overlay_[key] = overlay_entry{std::move(rec), false};
    touched_[r->object_index()].insert(r->index());
    ++generation_;
}

void org::remove(std::string_view id) {
    auto r = find(id);
    if (!r) {
        throw std::out_of_range("The requested resource does not exist: " + std::string(id));
    }
    // `r` may read an overlay record that the new one below replaces (and frees): what is
    // needed of it is taken first.
    const std::string record_id = r->id();
    const std::size_t object = r->object_index();
    const std::uint32_t index = r->index();
    auto& entry = overlay_[record_id.substr(0, 15)];
    if (entry.deleted) {
        return;
    }
    // Deleting stamps SystemModstamp, as Salesforce does; queryAll shows the stamped row.
    auto rec = std::make_shared<stored_record>(materialise(*r));
    stamp(object, *rec, {"SystemModstamp"}, {});
    entry.record = std::move(rec);
    entry.deleted = true;
    entry.deleted_at_ms = now_ms();
    deletions_[object].push_back({entry.deleted_at_ms, record_id});
    touched_[object].insert(index);
    ++deleted_count_[object];
    ++generation_;
}

// ---------------------------------------------------------------------------- mutate

const std::vector<std::string>& org::main_objects() {
    static const std::vector<std::string> names = {
        "Account",      "Contact",     "Opportunity", "Lead",        "Campaign",   "Case",
        "EmailMessage", "CaseComment", "CaseFeed",    "FeedComment", "Project__c", "Ticket__c"};
    return names;
}

org::mutation_result org::mutate(const mutation& m) {
    for (const auto& [name, share] :
         {std::pair{"change_share", m.change_share}, std::pair{"delete_share", m.delete_share},
          std::pair{"add_share", m.add_share}}) {
        if (!(share >= 0 && share <= 1)) {
            throw std::invalid_argument(std::string(name) + " must be between 0 and 1, got " +
                                        std::to_string(share));
        }
    }
    if (m.change_share + m.delete_share > 1) {
        throw std::invalid_argument("change_share + delete_share must not exceed 1");
    }
    std::vector<std::size_t> objects;
    for (const auto& name : m.objects.empty() ? main_objects() : m.objects) {
        const int o = schema_->find(name);
        if (o < 0) {
            throw std::invalid_argument("unknown object '" + name + "'");
        }
        objects.push_back(static_cast<std::size_t>(o));
    }
    mutation_result out;
    for (const auto object : objects) {
        const auto& def = schema_->object(object);
        int text = -1;
        for (const char* name :
             {"Description", "Subject", "CommentBody", "Body", "TextBody", "Notes__c", "Name"}) {
            if (const int f = def.field_index(name);
                f >= 0 && is_text(def.fields[static_cast<std::size_t>(f)].type)) {
                text = f;
                break;
            }
        }
        // Live records, then a seeded partial shuffle picks the changed and deleted ones.
        std::vector<std::uint32_t> live;
        const auto n = index_space(object);
        live.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (get(object, static_cast<std::uint32_t>(i))) {
                live.push_back(static_cast<std::uint32_t>(i));
            }
        }
        auto count = [&](double share) {
            return static_cast<std::size_t>(static_cast<double>(live.size()) * share + 0.5);
        };
        const std::size_t changes = std::min(count(m.change_share), live.size());
        const std::size_t deletes = std::min(count(m.delete_share), live.size() - changes);
        const std::size_t adds = count(m.add_share);
        for (std::size_t i = 0; i < changes + deletes; ++i) {
            const auto j = i + mix(m.seed ^ mix(object * 0x9e37 + i)) % (live.size() - i);
            std::swap(live[i], live[j]);
        }
        const auto field_name =
            text >= 0 ? def.fields[static_cast<std::size_t>(text)].name : std::string();
        auto& changed = out.changed.emplace_back(def.name, std::vector<std::string>{}).second;
        for (std::size_t i = 0; i < changes; ++i) {
            auto r = get(object, live[i]);
            boost::json::object fields;
            if (!field_name.empty()) {
                fields[field_name] = "Edited by mutation " + std::to_string(++mutations_) +
                                     " (seed " + std::to_string(m.seed) + ")";
            }
            const auto id = r->id();
            update(id, fields);
            changed.push_back(id);
        }
        auto& deleted = out.deleted.emplace_back(def.name, std::vector<std::string>{}).second;
        for (std::size_t i = changes; i < changes + deletes; ++i) {
            const auto id = get(object, live[i])->id();
            remove(id);
            deleted.push_back(id);
        }
        auto& added = out.added.emplace_back(def.name, std::vector<std::string>{}).second;
        for (std::size_t i = 0; i < adds; ++i) {
            boost::json::object fields;
            const auto label = "Added by mutation " + std::to_string(++mutations_) + " (seed " +
                               std::to_string(m.seed) + ")";
            if (!field_name.empty()) {
                fields[field_name] = label;
            }
            for (const char* name : {"Name", "LastName", "Subject"}) {
                const int f = def.field_index(name);
                if (f >= 0 && name != field_name &&
                    def.fields[static_cast<std::size_t>(f)].generator != gen::full_name) {
                    fields[name] = label;
                }
            }
            added.push_back(insert(def.name, fields));
        }
    }
    return out;
}

// ---------------------------------------------------------------------------- files

std::string org::add_version(std::string_view document_id, const version_options& opts) {
    auto doc = find(document_id);
    if (!doc || static_cast<int>(doc->object_index()) != content_document_) {
        throw std::out_of_range("no ContentDocument " + std::string(document_id));
    }
    const auto& d = doc->object();
    const auto& v = schema_->object(static_cast<std::size_t>(content_version_));
    auto text = [](const value& x) {
        return std::holds_alternative<std::string>(x) ? std::get<std::string>(x) : std::string();
    };
    const auto ext =
        to_lower(opts.extension.value_or(text(doc->get(d.field_index("FileExtension")))));
    if (!is_file_kind(ext)) {
        throw std::invalid_argument(
            "extension must be one of txt pdf docx csv html json md xml "
            "png xlsx pptx rtf, got '" +
            ext + "'");
    }
    if (opts.size && *opts.size < 0) {
        throw std::invalid_argument("size must not be negative, got " + std::to_string(*opts.size));
    }
    const auto title = opts.title.value_or(text(doc->get(d.field_index("Title"))));
    const auto previous_id = text(doc->get(d.field_index("LatestPublishedVersionId")));
    std::int64_t number = 1;
    if (auto previous = find(previous_id)) {
        number = std::atoll(text(previous->get(v.field_index("VersionNumber"))).c_str()) + 1;
        boost::json::object latest;
        latest["IsLatest"] = false;
        update(previous_id, latest);
    }
    const auto index = index_space(static_cast<std::size_t>(content_version_));
    const auto size = opts.size.value_or(static_cast<std::int64_t>(
        64 + hash(static_cast<std::size_t>(content_version_), index, salt_file) % 150000));
    const auto& kind = kind_of(ext);
    boost::json::object fields;
    fields["ContentDocumentId"] = doc->id();
    fields["Title"] = title;
    fields["FileExtension"] = ext;
    fields["FileType"] = kind.file_type;
    fields["ContentSize"] = size;
    fields["PathOnClient"] = title + "." + ext;
    fields["VersionNumber"] = std::to_string(number);
    fields["IsLatest"] = true;
    const auto id = insert("ContentVersion", fields);
    boost::json::object url;
    url["VersionDataUrl"] = "/sfc/servlet.shepherd/version/download/" + id;
    update(id, url);
    boost::json::object changed;
    changed["LatestPublishedVersionId"] = id;
    changed["Title"] = title;
    changed["FileExtension"] = ext;
    changed["FileType"] = kind.file_type;
    changed["ContentSize"] = size;
    update(doc->id(), changed);
    return id;
}

int org::damaged_index(std::uint64_t index) const {
    if (index < generated_docs_ || index - generated_docs_ >= damaged_.size()) {
        return -1;
    }
    return static_cast<int>(index - generated_docs_);
}

std::optional<file_info> org::file(std::string_view version_id) const {
    auto r = find(version_id);
    if (!r || static_cast<int>(r->object_index()) != content_version_) {
        return std::nullopt;
    }
    const auto& o = r->object();
    file_info fi;
    fi.version_id = r->id();
    auto ext = r->get(o.field_index("FileExtension"));
    fi.extension = is_null(ext) ? "bin" : to_lower(std::get<std::string>(ext));
    auto size = r->get(o.field_index("ContentSize"));
    if (std::holds_alternative<std::int64_t>(size)) {
        fi.size =
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::get<std::int64_t>(size)));
    } else if (std::holds_alternative<double>(size)) {
        fi.size = static_cast<std::uint64_t>(std::max(0.0, std::get<double>(size)));
    }
    fi.content_type = "application/octet-stream";
    for (const auto& k : file_kinds) {
        if (fi.extension == k.ext) {
            fi.content_type = k.mime;
        }
    }
    if (const int damaged = generated() ? damaged_index(r->index()) : -1; damaged >= 0) {
        fi.body = damaged_[static_cast<std::size_t>(damaged)];
        fi.size = fi.body->size();
        return fi;
    }
    fi.body = std::make_shared<const file_body>(fi.extension, fi.size,
                                                hash(r->object_index(), r->index(), salt_file),
                                                fi.version_id, media_share_);
    return fi;
}

}  // namespace casio::mock_sf
