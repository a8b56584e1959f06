#include "soql.hpp"

#include <charconv>

#include "sf_error.hpp"
#include "value.hpp"

namespace casio::mock_sf::soql {

std::string positioned_message(std::string_view text, std::size_t pos, std::string_view message) {
    pos = std::min(pos, text.size());
    std::size_t row = 1, line_start = 0;
    for (std::size_t i = 0; i < pos; ++i) {
        if (text[i] == '\n') {
            ++row;
            line_start = i + 1;
        }
    }
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) {
        line_end = text.size();
    }
    const std::size_t col = pos - line_start + 1;
    std::string out = "\n";
    out += text.substr(line_start, line_end - line_start);
    out += "\n";
    out += std::string(col - 1, ' ');
    out += "^\nERROR at Row:" + std::to_string(row) + ":Column:" + std::to_string(col) + "\n";
    out += message;
    return out;
}

namespace {

enum class tk { ident, string, number, date, datetime, lparen, rparen, comma, op, end };

struct token {
    tk kind;
    std::string text;
    std::size_t pos;
};

bool ident_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool ident_char(char c) {
    return ident_start(c) || (c >= '0' && c <= '9');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

class lexer {
  public:
    lexer(std::string_view text, std::size_t start) : text_(text), i_(start) {}

    std::vector<token> run() {
        std::vector<token> out;
        for (;;) {
            while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\n' ||
                                         text_[i_] == '\t' || text_[i_] == '\r')) {
                ++i_;
            }
            if (i_ >= text_.size()) {
                out.push_back({tk::end, "<EOF>", text_.size()});
                return out;
            }
            out.push_back(next());
        }
    }

  private:
    [[noreturn]] void fail(std::size_t pos, std::string_view msg) const {
        throw malformed_query(positioned_message(text_, pos, msg));
    }

    token next() {
        const std::size_t start = i_;
        const char c = text_[i_];
        if (ident_start(c)) {
            while (i_ < text_.size() &&
                   (ident_char(text_[i_]) ||
                    (text_[i_] == '.' && i_ + 1 < text_.size() && ident_start(text_[i_ + 1])))) {
                ++i_;
            }
            return {tk::ident, std::string(text_.substr(start, i_ - start)), start};
        }
        if (c == '\'' || c == '"') {
            return string_literal(c);
        }
        if (digit(c) || ((c == '-' || c == '+') && i_ + 1 < text_.size() && digit(text_[i_ + 1]))) {
            return number_or_date();
        }
        ++i_;
        switch (c) {
            case '(':
                return {tk::lparen, "(", start};
            case ')':
                return {tk::rparen, ")", start};
            case ',':
                return {tk::comma, ",", start};
            case '=':
                return {tk::op, "=", start};
            case '!':
                if (i_ < text_.size() && text_[i_] == '=') {
                    ++i_;
                    return {tk::op, "!=", start};
                }
                break;
            case '<':
                if (i_ < text_.size() && (text_[i_] == '=' || text_[i_] == '>')) {
                    ++i_;
                    return {tk::op, text_[i_ - 1] == '=' ? "<=" : "!=", start};
                }
                return {tk::op, "<", start};
            case '>':
                if (i_ < text_.size() && text_[i_] == '=') {
                    ++i_;
                    return {tk::op, ">=", start};
                }
                return {tk::op, ">", start};
            default:
                break;
        }
        fail(start, "line 1:" + std::to_string(start) + " no viable alternative at character '" +
                        std::string(1, c) + "'");
    }

    token string_literal(char quote) {
        const std::size_t start = i_++;
        std::string value;
        while (i_ < text_.size() && text_[i_] != quote) {
            char c = text_[i_++];
            if (c == '\\' && i_ < text_.size()) {
                char e = text_[i_++];
                switch (e) {
                    case 'n':
                        value += '\n';
                        break;
                    case 't':
                        value += '\t';
                        break;
                    case 'r':
                        value += '\r';
                        break;
                    case 'b':
                        value += '\b';
                        break;
                    case 'f':
                        value += '\f';
                        break;
                    case '%':
                    case '_':
                        // Kept escaped: only LIKE gives them meaning.
                        value += '\\';
                        value += e;
                        break;
                    case '\'':
                    case '"':
                    case '\\':
                        value += e;
                        break;
                    default:
                        fail(i_ - 2, "Invalid string literal '" + std::string(1, e) +
                                         "'. Illegal character sequence '\\" + std::string(1, e) +
                                         "' in string literal.");
                }
                continue;
            }
            value += c;
        }
        if (i_ >= text_.size()) {
            fail(start,
                 "line 1:" + std::to_string(start) + " mismatched character '<EOF>' expecting '''");
        }
        ++i_;
        return {tk::string, std::move(value), start};
    }

    token number_or_date() {
        const std::size_t start = i_;
        if (i_ + 10 <= text_.size() && digit(text_[i_]) && text_[i_ + 4] == '-' &&
            digit(text_[i_ + 1]) && digit(text_[i_ + 2]) && digit(text_[i_ + 3])) {
            while (i_ < text_.size() &&
                   (digit(text_[i_]) || text_[i_] == '-' || text_[i_] == ':' || text_[i_] == '.' ||
                    text_[i_] == '+' || text_[i_] == 'T' || text_[i_] == 'Z' || text_[i_] == 't' ||
                    text_[i_] == 'z')) {
                ++i_;
            }
            auto raw = text_.substr(start, i_ - start);
            if (auto d = canonical_date(raw)) {
                return {tk::date, *d, start};
            }
            if (auto d = canonical_datetime(raw)) {
                return {tk::datetime, *d, start};
            }
            fail(start, "line 1:" + std::to_string(start) +
                            " no viable alternative at character '" + std::string(raw) + "'");
        }
        ++i_;
        while (i_ < text_.size() && (digit(text_[i_]) || text_[i_] == '.')) {
            ++i_;
        }
        return {tk::number, std::string(text_.substr(start, i_ - start)), start};
    }

    std::string_view text_;
    std::size_t i_;
};

class parser {
  public:
    parser(std::string_view text, std::size_t start)
        : text_(text), toks_(lexer(text, start).run()) {}

    select_query select_statement(bool nested) {
        depth_guard guard(*this);
        expect_keyword("SELECT");
        select_query q;
        for (;;) {
            q.items.push_back(select_item_());
            if (peek().kind == tk::comma) {
                ++i_;
                continue;
            }
            break;
        }
        if (!is_keyword(peek(), "FROM")) {
            unexpected(peek());
        }
        ++i_;
        const auto& from = peek();
        if (!object_name(from)) {
            unexpected(from);
        }
        q.from = from.text;
        q.from_pos = from.pos;
        ++i_;
        if (is_keyword(peek(), "WHERE")) {
            ++i_;
            q.where = expression();
        }
        if (is_keyword(peek(), "ORDER")) {
            ++i_;
            expect_keyword("BY");
            q.order_by = order_list();
        }
        if (is_keyword(peek(), "LIMIT")) {
            ++i_;
            q.limit = integer();
        }
        if (is_keyword(peek(), "OFFSET")) {
            q.offset_pos = peek().pos;
            ++i_;
            q.offset = integer();
        }
        if (nested) {
            if (peek().kind != tk::rparen) {
                unexpected(peek());
            }
        } else if (peek().kind != tk::end) {
            unexpected(peek());
        }
        return q;
    }

    sosl_query sosl_rest(sosl_query q) {
        if (is_keyword(peek(), "IN")) {
            ++i_;
            const auto& scope = peek();
            if (scope.kind != tk::ident) {
                unexpected(scope);
            }
            auto s = upper(scope.text);
            if (s != "ALL" && s != "NAME" && s != "EMAIL" && s != "PHONE" && s != "SIDEBAR") {
                unexpected(scope);
            }
            q.scope = s;
            ++i_;
            expect_keyword("FIELDS");
        }
        if (is_keyword(peek(), "RETURNING")) {
            ++i_;
            for (;;) {
                q.returning.push_back(returning());
                if (peek().kind == tk::comma) {
                    ++i_;
                    continue;
                }
                break;
            }
        }
        if (is_keyword(peek(), "LIMIT")) {
            ++i_;
            q.limit = integer();
        }
        if (peek().kind != tk::end) {
            unexpected(peek());
        }
        return q;
    }

  private:
    static std::string upper(std::string_view s) {
        std::string u(s);
        for (auto& c : u) {
            if (c >= 'a' && c <= 'z') {
                c = static_cast<char>(c - 32);
            }
        }
        return u;
    }

    static bool is_keyword(const token& t, std::string_view kw) {
        return t.kind == tk::ident && iequals(t.text, kw);
    }

    static bool reserved(const token& t) {
        static constexpr std::string_view words[] = {
            "SELECT", "FROM",   "WHERE", "ORDER", "BY",    "LIMIT",    "OFFSET",  "AND",  "OR",
            "NOT",    "IN",     "LIKE",  "NULL",  "TRUE",  "FALSE",    "ASC",     "DESC", "NULLS",
            "GROUP",  "HAVING", "WITH",  "FOR",   "USING", "INCLUDES", "EXCLUDES"};
        for (auto w : words) {
            if (is_keyword(t, w)) {
                return true;
            }
        }
        return false;
    }

    // Where an object name is expected, GROUP is the Group object (`SELECT Id FROM Group`), as
    // Salesforce reads it there; elsewhere it stays reserved.
    static bool object_name(const token& t) {
        return t.kind == tk::ident && (!reserved(t) || is_keyword(t, "GROUP"));
    }

    const token& peek(std::size_t ahead = 0) const {
        return toks_[std::min(i_ + ahead, toks_.size() - 1)];
    }

    [[noreturn]] void unexpected(const token& t) const {
        throw malformed_query(positioned_message(text_, t.pos, "unexpected token: " + t.text));
    }

    void expect_keyword(std::string_view kw) {
        if (!is_keyword(peek(), kw)) {
            unexpected(peek());
        }
        ++i_;
    }

    void expect(tk kind) {
        if (peek().kind != kind) {
            unexpected(peek());
        }
        ++i_;
    }

    std::int64_t integer() {
        const auto& t = peek();
        std::int64_t v = 0;
        if (t.kind != tk::number ||
            std::from_chars(t.text.data(), t.text.data() + t.text.size(), v).ptr !=
                t.text.data() + t.text.size() ||
            v < 0) {
            unexpected(t);
        }
        ++i_;
        return v;
    }

    field_ref field() {
        const auto& t = peek();
        if (t.kind != tk::ident || reserved(t)) {
            unexpected(t);
        }
        ++i_;
        return {t.text, t.pos};
    }

    select_item select_item_() {
        const auto& t = peek();
        select_item item;
        item.pos = t.pos;
        if (t.kind == tk::lparen) {
            ++i_;
            item.k = select_item::kind::subquery;
            item.subquery = std::make_shared<select_query>(select_statement(true));
            expect(tk::rparen);
            return item;
        }
        if (t.kind == tk::ident && peek(1).kind == tk::lparen) {
            if (iequals(t.text, "FIELDS")) {
                i_ += 2;
                const auto& arg = peek();
                auto a = upper(arg.text);
                if (arg.kind != tk::ident || (a != "ALL" && a != "STANDARD" && a != "CUSTOM")) {
                    unexpected(arg);
                }
                ++i_;
                expect(tk::rparen);
                item.k = select_item::kind::fields_fn;
                item.fields_arg = a;
                return item;
            }
            if (iequals(t.text, "COUNT") && peek(2).kind == tk::rparen) {
                i_ += 3;
                item.k = select_item::kind::count;
                return item;
            }
            unexpected(peek(1));
        }
        item.field = field();
        return item;
    }

    std::vector<order_item> order_list() {
        std::vector<order_item> out;
        for (;;) {
            order_item o;
            o.field = field();
            if (is_keyword(peek(), "ASC")) {
                ++i_;
            } else if (is_keyword(peek(), "DESC")) {
                o.ascending = false;
                ++i_;
            }
            if (is_keyword(peek(), "NULLS")) {
                ++i_;
                if (is_keyword(peek(), "FIRST")) {
                    o.nulls_first = true;
                } else if (is_keyword(peek(), "LAST")) {
                    o.nulls_first = false;
                } else {
                    unexpected(peek());
                }
                ++i_;
            }
            out.push_back(std::move(o));
            if (peek().kind != tk::comma) {
                return out;
            }
            ++i_;
        }
    }

    // SOQL does not allow AND and OR side by side without parentheses.
    condition expression() {
        condition first = factor();
        if (!is_keyword(peek(), "AND") && !is_keyword(peek(), "OR")) {
            return first;
        }
        const bool is_and = is_keyword(peek(), "AND");
        condition group;
        group.k = is_and ? condition::kind::and_ : condition::kind::or_;
        group.children.push_back(std::move(first));
        while (is_keyword(peek(), "AND") || is_keyword(peek(), "OR")) {
            if (is_keyword(peek(), "AND") != is_and) {
                unexpected(peek());
            }
            ++i_;
            group.children.push_back(factor());
        }
        return group;
    }

    condition factor() {
        depth_guard guard(*this);
        if (is_keyword(peek(), "NOT")) {
            ++i_;
            condition c;
            c.k = condition::kind::not_;
            c.children.push_back(factor());
            return c;
        }
        if (peek().kind == tk::lparen) {
            ++i_;
            condition c = expression();
            expect(tk::rparen);
            return c;
        }
        condition c;
        c.field = field();
        const auto& t = peek();
        if (t.kind == tk::op) {
            c.k = condition::kind::compare;
            c.op = t.text;
            ++i_;
            c.values.push_back(literal_());
            return c;
        }
        if (is_keyword(t, "NOT") && is_keyword(peek(1), "IN")) {
            i_ += 2;
            c.k = condition::kind::not_in;
            list(c);
            return c;
        }
        if (is_keyword(t, "IN") || is_keyword(t, "INCLUDES") || is_keyword(t, "EXCLUDES")) {
            c.k = is_keyword(t, "IN")         ? condition::kind::in
                  : is_keyword(t, "INCLUDES") ? condition::kind::includes
                                              : condition::kind::excludes;
            ++i_;
            list(c);
            return c;
        }
        if (is_keyword(t, "LIKE")) {
            ++i_;
            c.k = condition::kind::like;
            c.values.push_back(literal_());
            if (c.values.back().k != literal::kind::string) {
                unexpected(toks_[i_ - 1]);
            }
            return c;
        }
        unexpected(t);
    }

    void list(condition& c) {
        expect(tk::lparen);
        if (is_keyword(peek(), "SELECT")) {
            if (c.k != condition::kind::in && c.k != condition::kind::not_in) {
                unexpected(peek());
            }
            c.subquery = std::make_shared<select_query>(select_statement(true));
            expect(tk::rparen);
            return;
        }
        for (;;) {
            c.values.push_back(literal_());
            if (peek().kind == tk::comma) {
                ++i_;
                continue;
            }
            expect(tk::rparen);
            return;
        }
    }

    literal literal_() {
        const auto& t = peek();
        literal l;
        l.pos = t.pos;
        switch (t.kind) {
            case tk::string:
                l.k = literal::kind::string;
                l.text = t.text;
                break;
            case tk::number: {
                l.k = literal::kind::number;
                l.text = t.text;
                const char* b = t.text.data();
                if (*b == '+') {
                    ++b;
                }
                auto [ptr, ec] = std::from_chars(b, t.text.data() + t.text.size(), l.number);
                if (ec != std::errc() || ptr != t.text.data() + t.text.size()) {
                    unexpected(t);
                }
                break;
            }
            case tk::date:
                l.k = literal::kind::date;
                l.text = t.text;
                break;
            case tk::datetime:
                l.k = literal::kind::datetime;
                l.text = t.text;
                break;
            case tk::ident:
                if (is_keyword(t, "NULL")) {
                    l.k = literal::kind::null;
                } else if (is_keyword(t, "TRUE") || is_keyword(t, "FALSE")) {
                    l.k = literal::kind::boolean;
                    l.boolean = is_keyword(t, "TRUE");
                } else {
                    unexpected(t);
                }
                break;
            default:
                unexpected(t);
        }
        ++i_;
        return l;
    }

    sosl_returning returning() {
        sosl_returning r;
        const auto& t = peek();
        if (!object_name(t)) {
            unexpected(t);
        }
        r.object = t.text;
        r.pos = t.pos;
        ++i_;
        if (peek().kind != tk::lparen) {
            return r;
        }
        ++i_;
        for (;;) {
            r.fields.push_back(field());
            if (peek().kind != tk::comma) {
                break;
            }
            ++i_;
        }
        if (is_keyword(peek(), "WHERE")) {
            ++i_;
            r.where = expression();
        }
        if (is_keyword(peek(), "ORDER")) {
            ++i_;
            expect_keyword("BY");
            r.order_by = order_list();
        }
        if (is_keyword(peek(), "LIMIT")) {
            ++i_;
            r.limit = integer();
        }
        if (is_keyword(peek(), "OFFSET")) {
            ++i_;
            r.offset = integer();
        }
        expect(tk::rparen);
        return r;
    }

    // Nesting is bounded so that hostile input cannot exhaust the stack.
    struct depth_guard {
        explicit depth_guard(parser& p) : p_(p) {
            if (++p_.depth_ > max_depth) {
                p_.unexpected(p_.peek());
            }
        }
        ~depth_guard() { --p_.depth_; }
        parser& p_;
    };
    static constexpr int max_depth = 64;

    std::string_view text_;
    std::vector<token> toks_;
    std::size_t i_ = 0;
    int depth_ = 0;
};

}  // namespace

select_query parse_soql(std::string_view text) {
    return parser(text, 0).select_statement(false);
}

sosl_query parse_sosl(std::string_view text) {
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < text.size() &&
               (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) {
            ++i;
        }
    };
    skip_ws();
    if (i + 4 > text.size() || !iequals(text.substr(i, 4), "FIND")) {
        throw malformed_query(positioned_message(
            text, i, "unexpected token: " + std::string(text.substr(i, text.find(' ', i) - i))));
    }
    i += 4;
    skip_ws();
    sosl_query q;
    if (i < text.size() && (text[i] == '{' || text[i] == '\'')) {
        const char close = text[i] == '{' ? '}' : '\'';
        const std::size_t start = i++;
        while (i < text.size() && text[i] != close) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                ++i;
            }
            q.term += text[i++];
        }
        if (i >= text.size()) {
            throw malformed_query(positioned_message(text, start, "mismatched character '<EOF>'"));
        }
        ++i;
    } else {
        throw malformed_query(
            positioned_message(text, i, "unexpected token: " + std::string(text.substr(i, 1))));
    }
    if (q.term.find_first_not_of(" *?") == std::string::npos) {
        throw sf_error(400, "MALFORMED_SEARCH",
                       "No search term found. The search term must be enclosed in braces.");
    }
    return parser(text, i).sosl_rest(std::move(q));
}

}  // namespace casio::mock_sf::soql
