#include "query_engine.hpp"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "sf_error.hpp"
#include "soql.hpp"

namespace casio::mock_sf {

namespace {

constexpr std::string_view no_such_column_tail =
    ". If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names.";
constexpr std::string_view relationship_tail =
    ". If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names.";

// Fields a polymorphic relationship (Owner of Lead and Case, LinkedEntity, What, Who) exposes, as
// the "Name" object does.
constexpr std::string_view polymorphic_fields[] = {
    "Id",    "Name", "Email",    "FirstName", "LastName",    "Title",
    "Phone", "Type", "Username", "IsActive",  "CreatedDate", "LastModifiedDate"};

// A field path bound to the schema: reference hops then the leaf field.
struct bound_path {
    std::vector<int> hops;  // reference field index at each hop
    int leaf_object = -1;   // -1 when reached through a polymorphic reference
    int leaf = -1;          // field index in leaf_object
    std::string leaf_name;  // canonical name (used when polymorphic)
    field_type type = field_type::string;
    std::string text;  // canonical dotted path, for messages
};

struct out_node;

struct out_item {
    enum class kind { field, relationship, subquery };
    kind k = kind::field;
    std::string key;
    int field = -1;  // field (or reference field for a relationship) in the node's object
    field_type type = field_type::string;
    std::unique_ptr<out_node> child;
    std::shared_ptr<bound_query> sub;
};

struct out_node {
    int object = -1;  // -1 = polymorphic: fields resolved by name on the actual record
    std::vector<out_item> items;
};

struct bound_cond {
    soql::condition::kind k = soql::condition::kind::compare;
    std::vector<bound_cond> children;
    bound_path path;
    std::string op;
    std::vector<value> values;
    std::string like;
    std::shared_ptr<bound_query> semi;
    std::unordered_set<std::string> semi_ids;  // 15-character ids selected by the semi-join
};

struct bound_order {
    bound_path path;
    bool ascending = true;
    bool nulls_first = true;
};

}  // namespace

struct bound_query {
    int object = -1;
    out_node select;
    bool count_only = false;
    std::optional<bound_cond> where;
    std::vector<bound_order> order;
    std::optional<std::int64_t> limit;
    std::int64_t offset = 0;
    // Subqueries: the foreign key on the child object that points at the parent.
    int parent_field = -1;
    // Semi-join subqueries: the single selected path.
    std::optional<bound_path> semi_select;
};

namespace {

std::string id15(std::string_view id) {
    return std::string(id.substr(0, 15));
}

class binder {
  public:
    binder(const org& o, std::string_view text) : schema_(o.schema()), text_(text) {}

    [[noreturn]] void fail(std::size_t pos, std::string code, std::string_view message) const {
        throw sf_error(400, std::move(code), soql::positioned_message(text_, pos, message));
    }

    int object(std::string_view name, std::size_t pos) const {
        int o = schema_.find(name);
        if (o < 0 || !schema_.object(static_cast<std::size_t>(o)).queryable) {
            fail(pos, "INVALID_TYPE",
                 "sObject type '" + std::string(name) +
                     "' is not supported. If you are attempting to use a custom object, be sure "
                     "to append the '__c' after the entity name. Please reference your WSDL or "
                     "the describe call for the appropriate names.");
        }
        return o;
    }

    bound_path path(int base, const soql::field_ref& ref) const {
        std::vector<std::string_view> parts;
        std::string_view rest = ref.path;
        for (;;) {
            auto dot = rest.find('.');
            parts.push_back(rest.substr(0, dot));
            if (dot == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(dot + 1);
        }
        const auto* obj = &schema_.object(static_cast<std::size_t>(base));
        // `SELECT Account.Name FROM Account` qualifies a field with its own object name.
        if (parts.size() > 1 && iequals(parts[0], obj->name) &&
            obj->relationship_index(parts[0]) < 0) {
            parts.erase(parts.begin());
        }
        bound_path p;
        int current = base;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            if (current < 0) {
                fail(ref.pos, "INVALID_FIELD",
                     "Didn't understand relationship '" + std::string(parts[i]) +
                         "' in field path" + std::string(relationship_tail));
            }
            obj = &schema_.object(static_cast<std::size_t>(current));
            int f = obj->relationship_index(parts[i]);
            if (f < 0) {
                fail(ref.pos, "INVALID_FIELD",
                     "Didn't understand relationship '" + std::string(parts[i]) +
                         "' in field path" + std::string(relationship_tail));
            }
            const auto& fd = obj->fields[static_cast<std::size_t>(f)];
            p.hops.push_back(f);
            p.text += fd.relationship_name + ".";
            current = fd.reference_to.size() == 1 ? schema_.find(fd.reference_to.front()) : -1;
        }
        const auto leaf = parts.back();
        if (current < 0) {
            for (auto name : polymorphic_fields) {
                if (iequals(name, leaf)) {
                    p.leaf_name = std::string(name);
                    p.type = name == "Id"         ? field_type::id
                             : name == "IsActive" ? field_type::boolean
                             : (name == "CreatedDate" || name == "LastModifiedDate")
                                 ? field_type::datetime
                                 : field_type::string;
                    p.text += p.leaf_name;
                    return p;
                }
            }
            fail(ref.pos, "INVALID_FIELD",
                 "No such column '" + std::string(leaf) + "' on entity 'Name'" +
                     std::string(no_such_column_tail));
        }
        obj = &schema_.object(static_cast<std::size_t>(current));
        int f = obj->field_index(leaf);
        if (f < 0) {
            fail(ref.pos, "INVALID_FIELD",
                 "No such column '" + std::string(leaf) + "' on entity '" + obj->name + "'" +
                     std::string(no_such_column_tail));
        }
        p.leaf_object = current;
        p.leaf = f;
        p.leaf_name = obj->fields[static_cast<std::size_t>(f)].name;
        p.type = obj->fields[static_cast<std::size_t>(f)].type;
        p.text += p.leaf_name;
        return p;
    }

    // Adds a selected path to the output tree, rejecting duplicates as Salesforce does.
    void add_output(out_node& root, const bound_path& p, std::size_t pos) const {
        out_node* node = &root;
        for (int hop : p.hops) {
            const auto& fd = schema_.object(static_cast<std::size_t>(node->object))
                                 .fields[static_cast<std::size_t>(hop)];
            out_item* found = nullptr;
            for (auto& item : node->items) {
                if (item.k == out_item::kind::relationship && item.field == hop) {
                    found = &item;
                }
            }
            if (!found) {
                out_item item;
                item.k = out_item::kind::relationship;
                item.key = fd.relationship_name;
                item.field = hop;
                item.child = std::make_unique<out_node>();
                item.child->object =
                    fd.reference_to.size() == 1 ? schema_.find(fd.reference_to.front()) : -1;
                node->items.push_back(std::move(item));
                found = &node->items.back();
            }
            node = found->child.get();
        }
        for (const auto& item : node->items) {
            if (item.k == out_item::kind::field && iequals(item.key, p.leaf_name)) {
                fail(pos, "MALFORMED_QUERY", "duplicate field selected: " + p.leaf_name);
            }
        }
        out_item item;
        item.k = out_item::kind::field;
        item.key = p.leaf_name;
        item.field = p.leaf;
        item.type = p.type;
        node->items.push_back(std::move(item));
    }

    value literal_value(const bound_path& p, const soql::literal& l, std::string_view field_name,
                        bool for_like) const {
        using lk = soql::literal::kind;
        if (l.k == lk::null) {
            return {};
        }
        auto mismatch = [&](std::string_view type, bool quoted) {
            fail(l.pos, "INVALID_QUERY_FILTER_OPERATOR",
                 "value of filter criterion for field '" + std::string(field_name) +
                     "' must be of type " + std::string(type) + " and should " +
                     (quoted ? "" : "not ") + "be enclosed in quotes");
        };
        switch (p.type) {
            case field_type::id:
            case field_type::reference:
                if (l.k != lk::string) {
                    mismatch("id", true);
                }
                if (!for_like && l.text.size() != 15 && l.text.size() != 18) {
                    fail(l.pos, "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: " + l.text);
                }
                return l.text;
            case field_type::boolean:
                if (l.k != lk::boolean) {
                    mismatch("boolean", false);
                }
                return l.boolean;
            case field_type::integer:
            case field_type::double_:
            case field_type::currency:
            case field_type::percent:
                if (l.k != lk::number) {
                    mismatch(p.type == field_type::integer ? "integer" : "double", false);
                }
                return l.number;
            case field_type::date:
                if (l.k != lk::date) {
                    mismatch("date", false);
                }
                return l.text;
            case field_type::datetime:
                if (l.k != lk::datetime) {
                    mismatch("dateTime", false);
                }
                return l.text;
            case field_type::address:
                fail(l.pos, "INVALID_FIELD",
                     "field '" + std::string(field_name) + "' can not be filtered in a query call");
            default:
                if (l.k != lk::string) {
                    mismatch("string", true);
                }
                return l.text;
        }
    }

    bound_cond condition(int base, const soql::condition& c) const {
        using ck = soql::condition::kind;
        bound_cond b;
        b.k = c.k;
        if (c.k == ck::and_ || c.k == ck::or_ || c.k == ck::not_) {
            for (const auto& child : c.children) {
                b.children.push_back(condition(base, child));
            }
            return b;
        }
        b.path = path(base, c.field);
        b.op = c.op;
        if (b.path.type == field_type::address) {
            fail(c.field.pos, "INVALID_FIELD",
                 "field '" + b.path.leaf_name + "' can not be filtered in a query call");
        }
        if (c.k == ck::includes || c.k == ck::excludes) {
            fail(c.field.pos, "INVALID_QUERY_FILTER_OPERATOR",
                 "includes or excludes operator only valid on multipicklist field");
        }
        if (c.k == ck::like) {
            if (!is_text(b.path.type) && b.path.type != field_type::id &&
                b.path.type != field_type::reference) {
                fail(c.field.pos, "INVALID_QUERY_FILTER_OPERATOR",
                     "invalid operator on " + std::string(to_string(b.path.type)) +
                         " field: " + b.path.leaf_name);
            }
            b.like = c.values.front().text;
            return b;
        }
        if (c.subquery) {
            auto sub = std::make_shared<bound_query>(query(*c.subquery, nullptr, true));
            if (!sub->semi_select || (sub->semi_select->type != field_type::id &&
                                      sub->semi_select->type != field_type::reference)) {
                fail(c.field.pos, "MALFORMED_QUERY",
                     "The selected field in a semi-join or anti-join subquery must be an Id or "
                     "reference field");
            }
            if (b.path.type != field_type::id && b.path.type != field_type::reference) {
                fail(c.field.pos, "INVALID_FIELD",
                     "Invalid field in semi-join or anti-join: " + b.path.leaf_name);
            }
            b.semi = std::move(sub);
            return b;
        }
        for (const auto& l : c.values) {
            if (c.k == ck::compare && l.k == soql::literal::kind::null && c.op != "=" &&
                c.op != "!=") {
                fail(l.pos, "MALFORMED_QUERY", "unexpected token: null");
            }
            b.values.push_back(literal_value(b.path, l, b.path.leaf_name, false));
        }
        return b;
    }

    bound_query query(const soql::select_query& q, const object_def* parent, bool semi) const {
        bound_query b;
        if (parent) {
            const auto* rel = parent->child(q.from);
            if (!rel) {
                fail(q.from_pos, "INVALID_TYPE",
                     "Didn't understand relationship '" + q.from + "' in FROM part of query call" +
                         std::string(relationship_tail));
            }
            b.object = schema_.find(rel->child_object);
            b.parent_field =
                schema_.object(static_cast<std::size_t>(b.object)).field_index(rel->field);
        } else {
            b.object = object(q.from, q.from_pos);
        }
        const auto& obj = schema_.object(static_cast<std::size_t>(b.object));
        b.select.object = b.object;
        bool has_fields_fn = false;
        for (const auto& item : q.items) {
            switch (item.k) {
                case soql::select_item::kind::field: {
                    auto p = path(b.object, item.field);
                    if (semi) {
                        if (q.items.size() != 1) {
                            fail(item.pos, "MALFORMED_QUERY",
                                 "semi join sub selects can only select one field");
                        }
                        b.semi_select = p;
                    }
                    add_output(b.select, p, item.pos);
                    break;
                }
                case soql::select_item::kind::subquery: {
                    if (parent || semi) {
                        fail(item.pos, "MALFORMED_QUERY",
                             "nested subqueries are not supported in this context");
                    }
                    out_item out;
                    out.k = out_item::kind::subquery;
                    out.sub = std::make_shared<bound_query>(query(*item.subquery, &obj, false));
                    out.key = obj.child(item.subquery->from)->relationship_name;
                    for (const auto& existing : b.select.items) {
                        if (existing.k == out_item::kind::subquery && existing.key == out.key) {
                            fail(item.pos, "MALFORMED_QUERY",
                                 "duplicate field selected: " + out.key);
                        }
                    }
                    b.select.items.push_back(std::move(out));
                    break;
                }
                case soql::select_item::kind::fields_fn: {
                    has_fields_fn = true;
                    for (std::size_t f = 0; f < obj.fields.size(); ++f) {
                        const auto& fd = obj.fields[f];
                        if ((item.fields_arg == "CUSTOM" && !fd.custom) ||
                            (item.fields_arg == "STANDARD" && fd.custom)) {
                            continue;
                        }
                        bound_path p;
                        p.leaf_object = b.object;
                        p.leaf = static_cast<int>(f);
                        p.leaf_name = fd.name;
                        p.type = fd.type;
                        add_output(b.select, p, item.pos);
                    }
                    if (item.fields_arg != "STANDARD" && (!q.limit || *q.limit > 200)) {
                        fail(item.pos, "MALFORMED_QUERY",
                             "The SOQL FIELDS function must have a LIMIT of at most 200");
                    }
                    break;
                }
                case soql::select_item::kind::count:
                    if (q.items.size() != 1 || parent) {
                        fail(item.pos, "MALFORMED_QUERY",
                             "COUNT() cannot be combined with other fields");
                    }
                    b.count_only = true;
                    break;
            }
        }
        (void)has_fields_fn;
        if (q.where) {
            b.where = condition(b.object, *q.where);
        }
        for (const auto& o : q.order_by) {
            bound_order bo;
            bo.path = path(b.object, o.field);
            bo.ascending = o.ascending;
            bo.nulls_first = o.nulls_first.value_or(true);
            if (bo.path.type == field_type::address) {
                fail(o.field.pos, "INVALID_FIELD",
                     "field '" + bo.path.leaf_name + "' can not be sorted in a query call");
            }
            b.order.push_back(std::move(bo));
        }
        b.limit = q.limit;
        if (q.offset) {
            if (*q.offset > 2000) {
                fail(q.offset_pos, "NUMBER_OUTSIDE_VALID_RANGE",
                     "Maximum SOQL offset allowed is 2000");
            }
            if (parent) {
                fail(q.offset_pos, "MALFORMED_QUERY",
                     "OFFSET is not allowed in a relationship subquery");
            }
            b.offset = *q.offset;
        }
        return b;
    }

  private:
    const schema& schema_;
    std::string_view text_;
};

// ---------------------------------------------------------------------------- evaluation

class evaluator {
  public:
    evaluator(const org& o, bool include_deleted) : org_(o), include_deleted_(include_deleted) {}

    std::optional<record_ref> follow(const record_ref& start, const std::vector<int>& hops) const {
        std::optional<record_ref> r = start;
        for (int hop : hops) {
            auto v = r->get(hop);
            if (!std::holds_alternative<std::string>(v)) {
                return std::nullopt;
            }
            r = org_.find(std::get<std::string>(v));
            if (!r) {
                return std::nullopt;
            }
        }
        return r;
    }

    value leaf(const record_ref& r, const bound_path& p) const {
        if (p.leaf_object >= 0) {
            return r.get(p.leaf);
        }
        int f = r.object().field_index(p.leaf_name);
        if (f < 0 && p.leaf_name == "Name") {
            // The polymorphic "Name" of a record without one: a case shows its number.
            f = r.object().field_index("CaseNumber");
        }
        if (f < 0) {
            return p.leaf_name == "Type" ? value{r.object().name} : value{};
        }
        return r.get(f);
    }

    value get(const record_ref& r, const bound_path& p) const {
        if (p.hops.empty()) {
            return leaf(r, p);
        }
        auto target = follow(r, p.hops);
        return target ? leaf(*target, p) : value{};
    }

    static std::optional<int> compare(const value& a, const value& b, field_type t) {
        if (is_null(a) || is_null(b)) {
            return std::nullopt;
        }
        if (t == field_type::id || t == field_type::reference) {
            auto x = std::string_view(std::get<std::string>(a)).substr(0, 15);
            auto y = std::string_view(std::get<std::string>(b)).substr(0, 15);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        auto num = [](const value& v) -> std::optional<double> {
            if (std::holds_alternative<double>(v))
                return std::get<double>(v);
            if (std::holds_alternative<std::int64_t>(v))
                return static_cast<double>(std::get<std::int64_t>(v));
            return std::nullopt;
        };
        if (auto x = num(a), y = num(b); x && y) {
            return *x < *y ? -1 : (*x > *y ? 1 : 0);
        }
        if (std::holds_alternative<bool>(a) && std::holds_alternative<bool>(b)) {
            return static_cast<int>(std::get<bool>(a)) - static_cast<int>(std::get<bool>(b));
        }
        if (std::holds_alternative<std::string>(a) && std::holds_alternative<std::string>(b)) {
            const auto& x = std::get<std::string>(a);
            const auto& y = std::get<std::string>(b);
            if (t == field_type::date || t == field_type::datetime) {
                return x < y ? -1 : (x > y ? 1 : 0);
            }
            return icompare(x, y);
        }
        return std::nullopt;
    }

    static bool like(std::string_view s, std::string_view p) {
        // Iterative wildcard match with backtracking on the last '%'.
        std::size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        while (si < s.size()) {
            if (pi < p.size() && p[pi] == '%') {
                star = ++pi;
                mark = si;
                continue;
            }
            if (pi < p.size()) {
                char pc = p[pi];
                std::size_t step = 1;
                bool any = pc == '_';
                if (pc == '\\' && pi + 1 < p.size()) {
                    pc = p[pi + 1];
                    step = 2;
                    any = false;
                }
                if (any || lower(pc) == lower(s[si])) {
                    pi += step;
                    ++si;
                    continue;
                }
            }
            if (star == std::string_view::npos) {
                return false;
            }
            pi = star;
            si = ++mark;
        }
        while (pi < p.size() && p[pi] == '%') {
            ++pi;
        }
        return pi == p.size();
    }

    bool matches(const record_ref& r, const bound_cond& c) const {
        using ck = soql::condition::kind;
        switch (c.k) {
            case ck::and_:
                return std::all_of(c.children.begin(), c.children.end(),
                                   [&](const bound_cond& x) { return matches(r, x); });
            case ck::or_:
                return std::any_of(c.children.begin(), c.children.end(),
                                   [&](const bound_cond& x) { return matches(r, x); });
            case ck::not_:
                return !matches(r, c.children.front());
            default:
                break;
        }
        const value v = get(r, c.path);
        if (c.k == ck::like) {
            return std::holds_alternative<std::string>(v) && like(std::get<std::string>(v), c.like);
        }
        if (c.semi) {
            const bool in = std::holds_alternative<std::string>(v) &&
                            c.semi_ids.count(id15(std::get<std::string>(v)));
            return c.k == ck::in ? in : !in;
        }
        auto equal = [&](const value& lit) {
            if (is_null(lit)) {
                return is_null(v);
            }
            auto cmp = compare(v, lit, c.path.type);
            return cmp && *cmp == 0;
        };
        if (c.k == ck::in || c.k == ck::not_in) {
            const bool in = std::any_of(c.values.begin(), c.values.end(), equal);
            return c.k == ck::in ? in : !in;
        }
        const auto& lit = c.values.front();
        if (c.op == "=")
            return equal(lit);
        if (c.op == "!=")
            return !equal(lit);
        auto cmp = compare(v, lit, c.path.type);
        if (!cmp) {
            return false;
        }
        if (c.op == "<")
            return *cmp < 0;
        if (c.op == ">")
            return *cmp > 0;
        if (c.op == "<=")
            return *cmp <= 0;
        return *cmp >= 0;
    }

    // Resolves semi-joins once, before rows are scanned.
    void prepare(bound_cond& c) const {
        for (auto& child : c.children) {
            prepare(child);
        }
        if (!c.semi) {
            return;
        }
        auto rows = select_rows(*c.semi, nullptr);
        for (auto idx : rows) {
            auto r = org_.get(static_cast<std::size_t>(c.semi->object), idx, include_deleted_);
            auto v = get(*r, *c.semi->semi_select);
            if (std::holds_alternative<std::string>(v)) {
                c.semi_ids.insert(id15(std::get<std::string>(v)));
            }
        }
    }

    // `SystemModstamp > X` (or >=, or on LastModifiedDate / CreatedDate) with X after every
    // generated record: only records the overlay holds can match, so an incremental sync's
    // query costs the edits, not the org.
    std::optional<std::vector<std::uint32_t>> changed_since(const bound_query& q,
                                                            const bound_cond& c) const {
        using ck = soql::condition::kind;
        if (!org_.generated() || c.k != ck::compare || (c.op != ">" && c.op != ">=") ||
            !c.path.hops.empty() || c.path.leaf_object != q.object ||
            c.path.type != field_type::datetime || c.values.size() != 1 ||
            !std::holds_alternative<std::string>(c.values.front())) {
            return std::nullopt;
        }
        const auto& name = c.path.leaf_name;
        if (name != "SystemModstamp" && name != "LastModifiedDate" && name != "CreatedDate") {
            return std::nullopt;
        }
        const auto at = parse_datetime_ms(std::get<std::string>(c.values.front()));
        if (!at || *at < org::generated_ceiling_ms) {
            return std::nullopt;
        }
        return org_.overlay_indices(static_cast<std::size_t>(q.object));
    }

    // Candidate rows from an equality/IN filter on a reference or the Id (nullopt = scan all).
    std::optional<std::vector<std::uint32_t>> candidates(const bound_query& q,
                                                         const bound_cond& c) const {
        using ck = soql::condition::kind;
        if (c.k == ck::and_) {
            for (const auto& child : c.children) {
                if (auto r = candidates(q, child)) {
                    return r;
                }
            }
            return std::nullopt;
        }
        if (auto recent = changed_since(q, c)) {
            return recent;
        }
        if (!(c.k == ck::in || (c.k == ck::compare && c.op == "=")) || !c.path.hops.empty() ||
            c.semi || c.path.leaf_object != q.object) {
            return std::nullopt;
        }
        const auto& fd = org_.schema()
                             .object(static_cast<std::size_t>(q.object))
                             .fields[static_cast<std::size_t>(c.path.leaf)];
        if (fd.type != field_type::id && fd.type != field_type::reference) {
            return std::nullopt;
        }
        std::vector<std::uint32_t> out;
        for (const auto& v : c.values) {
            if (!std::holds_alternative<std::string>(v)) {
                continue;
            }
            const auto& id = std::get<std::string>(v);
            if (fd.type == field_type::id) {
                auto r = org_.find(id, true);
                if (r && static_cast<int>(r->object_index()) == q.object) {
                    out.push_back(r->index());
                }
                continue;
            }
            if (fd.type != field_type::reference) {
                return std::nullopt;
            }
            auto more =
                org_.children_candidates(static_cast<std::size_t>(q.object), c.path.leaf, id);
            if (!more) {
                return std::nullopt;
            }
            out.insert(out.end(), more->begin(), more->end());
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    // Matching, ordered, offset and limited rows of `q`; `parent` set for child subqueries.
    std::vector<std::uint32_t> select_rows(const bound_query& q, const record_ref* parent) const {
        const auto obj = static_cast<std::size_t>(q.object);
        std::optional<std::vector<std::uint32_t>> cand;
        std::string parent_id;
        if (parent) {
            parent_id = parent->id();
            cand = org_.children_candidates(obj, q.parent_field, parent_id);
        } else if (q.where) {
            cand = candidates(q, *q.where);
        }
        std::vector<std::uint32_t> rows;
        auto consider = [&](std::uint32_t idx) {
            auto r = org_.get(obj, idx, include_deleted_);
            if (!r) {
                return;
            }
            if (parent) {
                auto fk = r->get(q.parent_field);
                if (!std::holds_alternative<std::string>(fk) ||
                    id15(std::get<std::string>(fk)) != id15(parent_id)) {
                    return;
                }
            }
            if (q.where && !matches(*r, *q.where)) {
                return;
            }
            rows.push_back(idx);
        };
        if (cand) {
            for (auto idx : *cand) {
                consider(idx);
            }
        } else {
            const auto n = org_.index_space(obj);
            for (std::size_t i = 0; i < n; ++i) {
                consider(static_cast<std::uint32_t>(i));
            }
        }
        if (!q.order.empty()) {
            sort(q, rows);
        }
        const auto off = static_cast<std::size_t>(q.offset);
        if (off >= rows.size()) {
            rows.clear();
        } else if (off) {
            rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(off));
        }
        if (q.limit && rows.size() > static_cast<std::size_t>(*q.limit)) {
            rows.resize(static_cast<std::size_t>(*q.limit));
        }
        return rows;
    }

    void sort(const bound_query& q, std::vector<std::uint32_t>& rows) const {
        const auto obj = static_cast<std::size_t>(q.object);
        std::vector<std::pair<std::vector<value>, std::uint32_t>> keyed;
        keyed.reserve(rows.size());
        for (auto idx : rows) {
            auto r = org_.get(obj, idx, include_deleted_);
            std::vector<value> keys;
            for (const auto& o : q.order) {
                keys.push_back(get(*r, o.path));
            }
            keyed.emplace_back(std::move(keys), idx);
        }
        std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
            for (std::size_t k = 0; k < q.order.size(); ++k) {
                const auto& o = q.order[k];
                const bool an = is_null(a.first[k]), bn = is_null(b.first[k]);
                if (an || bn) {
                    if (an == bn)
                        continue;
                    return an == o.nulls_first;
                }
                auto c = compare(a.first[k], b.first[k], o.path.type).value_or(0);
                if (c != 0) {
                    return o.ascending ? c < 0 : c > 0;
                }
            }
            return false;
        });
        for (std::size_t i = 0; i < rows.size(); ++i) {
            rows[i] = keyed[i].second;
        }
    }

    void write_record(std::string& out, const record_ref& r, const out_node& node,
                      std::string_view version) const {
        const auto& obj = r.object();
        const auto id = r.id();
        out += "{\"attributes\":{\"type\":";
        // Salesforce types a record reached through a polymorphic relationship (Owner of a Lead
        // or Case, LinkedEntity) as its "Name" object, whatever it is; only the url names the
        // actual object (.../sobjects/Group/00G...).
        append_json_string(out, node.object < 0 ? std::string_view("Name") : obj.name);
        out += ",\"url\":\"/services/data/";
        out += version;
        out += "/sobjects/";
        out += obj.name;
        out += '/';
        out += id;
        out += "\"}";
        for (const auto& item : node.items) {
            out += ",\"";
            out += item.key;
            out += "\":";
            switch (item.k) {
                case out_item::kind::field: {
                    if (node.object >= 0) {
                        append_json_value(out, item.field == 0 ? value{id} : r.get(item.field),
                                          item.type);
                    } else {
                        bound_path p;
                        p.leaf_name = item.key;
                        append_json_value(out, leaf(r, p), item.type);
                    }
                    break;
                }
                case out_item::kind::relationship: {
                    int f = item.field;
                    if (node.object < 0) {
                        out += "null";
                        break;
                    }
                    auto v = r.get(f);
                    std::optional<record_ref> target;
                    if (std::holds_alternative<std::string>(v)) {
                        target = org_.find(std::get<std::string>(v));
                    }
                    if (target) {
                        write_record(out, *target, *item.child, version);
                    } else {
                        out += "null";
                    }
                    break;
                }
                case out_item::kind::subquery:
                    write_children(out, r, *item.sub, version);
                    break;
            }
        }
        out += '}';
    }

    void write_children(std::string& out, const record_ref& parent, const bound_query& q,
                        std::string_view version) const {
        auto rows = select_rows(q, &parent);
        if (rows.empty()) {
            out += "null";
            return;
        }
        out += "{\"totalSize\":";
        out += std::to_string(rows.size());
        out += ",\"done\":true,\"records\":[";
        bool first = true;
        for (auto idx : rows) {
            auto r = org_.get(static_cast<std::size_t>(q.object), idx, include_deleted_);
            if (!first) {
                out += ',';
            }
            first = false;
            write_record(out, *r, q.select, version);
        }
        out += "]}";
    }

  private:
    const org& org_;
    bool include_deleted_;
};

}  // namespace

// ---------------------------------------------------------------------------- query_result

query_result::query_result(const org& o, std::shared_ptr<const bound_query> q, bool include_deleted)
    : org_(&o), query_(std::move(q)), include_deleted_(include_deleted) {
    const auto& b = *query_;
    const auto obj = static_cast<std::size_t>(b.object);
    const bool by_index = b.order.empty() || (b.order.size() == 1 && b.order[0].ascending &&
                                              b.order[0].path.hops.empty() &&
                                              b.order[0].path.leaf == 0 && o.generated());
    if (!b.where && by_index && o.dense(obj, include_deleted)) {
        // Every index is a row, in id order: no listing needed, pages come from offsets.
        const std::size_t n = o.index_space(obj);
        first_ = std::min<std::size_t>(static_cast<std::size_t>(b.offset), n);
        total_ = n - first_;
        if (b.limit) {
            total_ = std::min<std::size_t>(total_, static_cast<std::size_t>(*b.limit));
        }
        range_ = true;
        return;
    }
    evaluator ev(o, include_deleted);
    rows_ = ev.select_rows(b, nullptr);
    total_ = rows_.size();
}

void query_result::write_records(std::string& out, std::size_t offset, std::size_t count,
                                 std::string_view api_version) const {
    if (query_->count_only) {
        return;
    }
    evaluator ev(*org_, include_deleted_);
    const auto obj = static_cast<std::size_t>(query_->object);
    const std::size_t end = std::min(total_, offset + count);
    bool first = true;
    for (std::size_t i = offset; i < end; ++i) {
        auto r = org_->get(obj, row(i), include_deleted_);
        if (!r) {
            continue;  // deleted after listing
        }
        if (!first) {
            out += ',';
        }
        first = false;
        ev.write_record(out, *r, query_->select, api_version);
    }
}

std::optional<std::size_t> query_result::next_offset(std::size_t offset, std::size_t batch) const {
    if (query_->count_only || offset + batch >= total_) {
        return std::nullopt;
    }
    return offset + batch;
}

std::string query_result::page(std::size_t offset, std::size_t batch, std::string_view api_version,
                               std::string_view next_url_prefix) const {
    std::string out;
    // Pages are large; growing the string step by step costs more than the records themselves.
    out.reserve(std::min(batch, total_ > offset ? total_ - offset : 0) * 1600 + 256);
    const bool done = !next_offset(offset, batch);
    out += "{\"totalSize\":";
    out += std::to_string(total_);
    out += ",\"done\":";
    out += done ? "true" : "false";
    if (!done) {
        out += ",\"nextRecordsUrl\":\"";
        out += next_url_prefix;
        out += '-';
        out += std::to_string(offset + batch);
        out += '"';
    }
    out += ",\"records\":[";
    write_records(out, offset, batch, api_version);
    out += "]}";
    return out;
}

// ---------------------------------------------------------------------------- query_engine

namespace {

// Salesforce accepts a semi- or anti-join only as the whole WHERE or as a direct conjunct of
// the top-level AND. Next to OR at the top level it answers "not allowed with the 'OR'
// operator"; anywhere deeper (inside parentheses, under NOT) "only allowed at the top level".
void check_semi_join_placement(const soql::condition& where) {
    using ck = soql::condition::kind;
    std::function<void(const soql::condition&, int, ck)> visit = [&](const soql::condition& c,
                                                                     int depth, ck parent) {
        if (c.subquery) {
            if (depth == 1 && parent == ck::or_) {
                throw malformed_query(
                    "Semi join sub-selects are not allowed with the 'OR' operator");
            }
            if (depth > 1 || (depth == 1 && parent != ck::and_)) {
                throw malformed_query(
                    "Semi join sub-selects are only allowed at the top level WHERE expressions and "
                    "not in nested WHERE expressions.");
            }
        }
        for (const auto& child : c.children) {
            visit(child, depth + 1, c.k);
        }
    };
    visit(where, 0, ck::and_);
}

}  // namespace

std::shared_ptr<query_result> query_engine::query(std::string_view soql,
                                                  bool include_deleted) const {
    auto parsed = soql::parse_soql(soql);
    if (parsed.where) {
        check_semi_join_placement(*parsed.where);
    }
    binder b(*org_, soql);
    auto bound = std::make_shared<bound_query>(b.query(parsed, nullptr, false));
    if (bound->object == org_->schema().find("ContentDocumentLink")) {
        // Salesforce refuses to list links without a filter on one side of the link.
        bool filtered = false;
        std::function<void(const bound_cond&)> visit = [&](const bound_cond& c) {
            using ck = soql::condition::kind;
            if (c.k == ck::and_) {
                for (const auto& child : c.children)
                    visit(child);
                return;
            }
            if ((c.k == ck::in || (c.k == ck::compare && c.op == "=")) && c.path.hops.empty() &&
                (c.path.leaf_name == "ContentDocumentId" || c.path.leaf_name == "LinkedEntityId" ||
                 c.path.leaf_name == "Id")) {
                filtered = true;
            }
        };
        if (bound->where) {
            visit(*bound->where);
        }
        if (!filtered) {
            throw sf_error(400, "MALFORMED_QUERY",
                           "Implementation restriction: ContentDocumentLink requires a filter by a "
                           "single Id on ContentDocumentId or LinkedEntityId using the equals "
                           "operator or multiple Id's using the IN operator.");
        }
    }
    if (bound->where) {
        evaluator(*org_, include_deleted).prepare(*bound->where);
    }
    return std::make_shared<query_result>(*org_, std::move(bound), include_deleted);
}

std::string query_engine::search(std::string_view sosl, std::string_view api_version) const {
    auto parsed = soql::parse_sosl(sosl);
    const auto& s = org_->schema();
    // Search words: SOSL operators dropped, '*' and '?' wildcards reduced to a substring match.
    std::vector<std::string> terms;
    {
        std::string word;
        auto flush = [&] {
            if (!word.empty() && !iequals(word, "AND") && !iequals(word, "OR") &&
                !iequals(word, "NOT")) {
                terms.push_back(word);
            }
            word.clear();
        };
        for (char c : parsed.term) {
            if (c == ' ' || c == '"' || c == '(' || c == ')') {
                flush();
            } else if (c != '*' && c != '?') {
                word += c;
            }
        }
        flush();
    }
    std::vector<soql::sosl_returning> targets = parsed.returning;
    if (targets.empty()) {
        for (const char* name : {"Account", "Contact", "Lead", "Opportunity", "Campaign", "Case"}) {
            soql::sosl_returning r;
            r.object = name;
            targets.push_back(r);
        }
    }
    const std::size_t overall = static_cast<std::size_t>(parsed.limit.value_or(2000));
    std::string out = "{\"searchRecords\":[";
    std::size_t emitted = 0;
    binder b(*org_, sosl);
    evaluator ev(*org_, false);
    for (const auto& t : targets) {
        soql::select_query q;
        q.from = t.object;
        q.from_pos = t.pos;
        for (const auto& f : t.fields) {
            q.items.push_back({soql::select_item::kind::field, f, nullptr, {}, f.pos});
        }
        if (q.items.empty()) {
            q.items.push_back({soql::select_item::kind::field, {"Id", t.pos}, nullptr, {}, t.pos});
        }
        q.where = t.where;
        q.order_by = t.order_by;
        bound_query bq = b.query(q, nullptr, false);
        if (bq.where) {
            ev.prepare(*bq.where);
        }
        const auto& obj = s.object(static_cast<std::size_t>(bq.object));
        std::vector<int> searched;
        for (std::size_t f = 0; f < obj.fields.size(); ++f) {
            const auto& fd = obj.fields[f];
            const bool take =
                parsed.scope == "EMAIL"   ? fd.type == field_type::email
                : parsed.scope == "PHONE" ? fd.type == field_type::phone
                : parsed.scope == "NAME"
                    ? (fd.name == "Name" || fd.name == "FirstName" || fd.name == "LastName" ||
                       fd.name == "Company" || fd.name == "Subject" || fd.name == "Title")
                    : is_text(fd.type);
            if (take) {
                searched.push_back(static_cast<int>(f));
            }
        }
        auto hit = [&](const record_ref& r) {
            for (const auto& term : terms) {
                bool found = false;
                for (int f : searched) {
                    auto v = r.get(f);
                    if (std::holds_alternative<std::string>(v) &&
                        icontains(std::get<std::string>(v), term)) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    return false;
                }
            }
            return true;
        };
        std::vector<std::uint32_t> rows;
        const auto n = org_->index_space(static_cast<std::size_t>(bq.object));
        for (std::size_t i = 0; i < n; ++i) {
            auto r = org_->get(static_cast<std::size_t>(bq.object), static_cast<std::uint32_t>(i));
            if (r && hit(*r) && (!bq.where || ev.matches(*r, *bq.where))) {
                rows.push_back(static_cast<std::uint32_t>(i));
            }
        }
        if (!bq.order.empty()) {
            ev.sort(bq, rows);
        }
        const auto off = static_cast<std::size_t>(t.offset.value_or(0));
        std::size_t limit = t.limit ? static_cast<std::size_t>(*t.limit) : overall;
        for (std::size_t i = off; i < rows.size() && limit > 0 && emitted < overall; ++i, --limit) {
            auto r = org_->get(static_cast<std::size_t>(bq.object), rows[i]);
            if (emitted++) {
                out += ',';
            }
            ev.write_record(out, *r, bq.select, api_version);
        }
    }
    out += "]}";
    return out;
}

}  // namespace casio::mock_sf
