#include "query_string.hpp"

#include <optional>

#include <boost/json/object.hpp>

namespace casio::mock_es::qs {

syntax_error::syntax_error(std::string_view query, const std::string& detail)
    : es_error(
          400, "query_shard_exception", "Failed to parse query [" + std::string(query) + "]",
          boost::json::object{
              {"caused_by", boost::json::object{{"type", "parse_exception"},
                                                {"reason", "Cannot parse '" + std::string(query) +
                                                               "': " + detail}}}}) {}

namespace {

enum class tok {
    eof,
    and_,
    or_,
    not_,
    plus,
    minus,
    lparen,
    rparen,
    colon,
    star,      // a lone `*`
    carat,     // `^` and its number
    tilde,     // `~` and its optional number (slop / fuzziness)
    quoted,    // text: unescaped
    term,      // text: unescaped
    wildterm,  // text: pattern, literal `*`/`?` kept escaped
    regexp,    // text: the expression between the slashes
    range,     // lower/upper/inclusive
    bareoper   // `+`, `-` or `!` followed by white space: a term the analyser drops
};

struct token {
    tok t = tok::eof;
    std::string text;
    std::size_t column = 0;  // 1-based, as javacc reports
    std::string lower, upper;
    bool include_lower = true, include_upper = true;
    int number = 0;
};

bool is_space(std::string_view s, std::size_t i, std::size_t* len = nullptr) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (len)
            *len = 1;
        return true;
    }
    // U+3000 IDEOGRAPHIC SPACE, which Lucene's grammar counts as white space.
    if (s.substr(i, 3) == "\xE3\x80\x80") {
        if (len)
            *len = 3;
        return true;
    }
    return false;
}

bool special(char c) {
    switch (c) {
        case '+':
        case '-':
        case '!':
        case '(':
        case ')':
        case ':':
        case '^':
        case '[':
        case ']':
        case '"':
        case '{':
        case '}':
        case '~':
        case '*':
        case '?':
        case '\\':
        case '/':
            return true;
        default:
            return false;
    }
}

class lexer {
  public:
    explicit lexer(std::string_view q) : q_(q) {}

    token next() {
        skip_space();
        token t;
        t.column = pos_ + 1;
        if (pos_ >= q_.size()) {
            t.column = q_.size();
            return t;
        }
        const char c = q_[pos_];
        const auto followed_by_space = [&] {
            return pos_ + 1 < q_.size() && is_space(q_, pos_ + 1);
        };
        switch (c) {
            case '+':
            case '-':
            case '!':
                if (followed_by_space()) {
                    t.t = tok::bareoper;
                    t.text = std::string(1, c);
                } else {
                    t.t = c == '+' ? tok::plus : c == '-' ? tok::minus : tok::not_;
                }
                ++pos_;
                return t;
            case '(':
                ++pos_;
                t.t = tok::lparen;
                return t;
            case ')':
                ++pos_;
                t.t = tok::rparen;
                return t;
            case ':':
                ++pos_;
                t.t = tok::colon;
                return t;
            case '^':
                ++pos_;
                t.t = tok::carat;
                if (!read_number(t.number))
                    lexical_error("after : \"^\"");
                return t;
            case '~':
                ++pos_;
                t.t = tok::tilde;
                read_number(t.number);
                return t;
            case '"':
                return quoted(t);
            case '[':
            case '{':
                return range(t);
            case '/':
                return regexp(t);
            case ']':
            case '}':
                throw syntax_error(q_, "Encountered \" \"" + std::string(1, c) + "\" \"" +
                                           std::string(1, c) + " \"\" at line 1, column " +
                                           std::to_string(t.column) + ".");
            default:
                return term(t);
        }
    }

    std::string_view query() const { return q_; }

  private:
    void skip_space() {
        std::size_t len = 0;
        while (pos_ < q_.size() && is_space(q_, pos_, &len))
            pos_ += len;
    }

    [[noreturn]] void lexical_error(const std::string& after) const {
        throw syntax_error(q_, "Lexical error at line 1, column " + std::to_string(pos_ + 1) +
                                   ".  Encountered: " +
                                   (pos_ >= q_.size() ? std::string("<EOF>")
                                                      : "\"" + std::string(1, q_[pos_]) + "\"") +
                                   " " + after);
    }

    bool read_number(int& out) {
        std::size_t start = pos_;
        long long n = 0;
        while (pos_ < q_.size() && q_[pos_] >= '0' && q_[pos_] <= '9') {
            n = std::min<long long>(n * 10 + (q_[pos_] - '0'), 1'000'000);
            ++pos_;
        }
        if (pos_ < q_.size() && q_[pos_] == '.' && pos_ > start) {
            ++pos_;
            while (pos_ < q_.size() && q_[pos_] >= '0' && q_[pos_] <= '9')
                ++pos_;
        }
        out = static_cast<int>(n);
        return pos_ > start;
    }

    token& quoted(token& t) {
        ++pos_;
        while (true) {
            if (pos_ >= q_.size())
                lexical_error("after : \"\\\"" + t.text + "\"");
            char c = q_[pos_];
            if (c == '"')
                break;
            if (c == '\\') {
                if (pos_ + 1 >= q_.size()) {
                    ++pos_;
                    lexical_error("after : \"\\\"" + t.text + "\\\\\"");
                }
                t.text += q_[pos_ + 1];
                pos_ += 2;
                continue;
            }
            t.text += c;
            ++pos_;
        }
        ++pos_;
        t.t = tok::quoted;
        return t;
    }

    token& regexp(token& t) {
        ++pos_;
        while (true) {
            if (pos_ >= q_.size())
                lexical_error("after : \"/" + t.text + "\"");
            char c = q_[pos_];
            if (c == '/')
                break;
            if (c == '\\' && pos_ + 1 < q_.size() && q_[pos_ + 1] == '/') {
                t.text += '/';
                pos_ += 2;
                continue;
            }
            t.text += c;
            ++pos_;
        }
        ++pos_;
        t.t = tok::regexp;
        return t;
    }

    // One bound of a range: a quoted string or a run of anything but space, `]` and `}`.
    struct bound_token {
        enum { word, quoted, end_in, end_ex, eof } kind = eof;
        std::string text;
        std::size_t column = 0;
    };

    bound_token range_token() {
        skip_space();
        bound_token b;
        b.column = pos_ + 1;
        if (pos_ >= q_.size()) {
            b.column = q_.size();
            return b;
        }
        char c = q_[pos_];
        if (c == ']' || c == '}') {
            ++pos_;
            b.kind = c == ']' ? bound_token::end_in : bound_token::end_ex;
            return b;
        }
        if (c == '"') {
            std::size_t start = pos_++;
            while (pos_ < q_.size() && q_[pos_] != '"') {
                if (q_[pos_] == '\\' && pos_ + 1 < q_.size() && q_[pos_ + 1] == '"') {
                    b.text += '"';
                    pos_ += 2;
                    continue;
                }
                b.text += q_[pos_++];
            }
            if (pos_ >= q_.size() || b.text.empty()) {
                pos_ = start;
                lexical_error("after : \"\\\"\"");
            }
            ++pos_;
            b.kind = bound_token::quoted;
            return b;
        }
        while (pos_ < q_.size() && !is_space(q_, pos_) && q_[pos_] != ']' && q_[pos_] != '}')
            b.text += q_[pos_++];
        b.kind = bound_token::word;
        return b;
    }

    [[noreturn]] void range_error(const bound_token& b) const {
        std::string what = b.kind == bound_token::eof      ? "\"<EOF>\""
                           : b.kind == bound_token::end_in ? "\"]\""
                           : b.kind == bound_token::end_ex ? "\"}\""
                                                           : "\"" + b.text + "\"";
        throw syntax_error(
            q_, "Encountered " + what + " at line 1, column " + std::to_string(b.column) + ".");
    }

    token& range(token& t) {
        t.include_lower = q_[pos_] == '[';
        ++pos_;
        auto value = [&](const bound_token& b) {
            if (b.kind != bound_token::word && b.kind != bound_token::quoted)
                range_error(b);
            return b.kind == bound_token::word && b.text == "*" ? std::string() : b.text;
        };
        bound_token first = range_token();
        t.lower = value(first);
        bound_token b = range_token();
        if (b.kind == bound_token::word && b.text == "TO")
            b = range_token();  // optional, and taken greedily as Lucene's grammar does
        t.upper = value(b);
        bound_token end = range_token();
        if (end.kind != bound_token::end_in && end.kind != bound_token::end_ex)
            range_error(end);
        t.include_upper = end.kind == bound_token::end_in;
        t.t = tok::range;
        return t;
    }

    token& term(token& t) {
        bool wild = false;
        std::string pattern;  // the text with literal wildcards escaped
        while (pos_ < q_.size() && !is_space(q_, pos_)) {
            char c = q_[pos_];
            if (c == '\\') {
                if (pos_ + 1 >= q_.size()) {
                    ++pos_;
                    lexical_error("after : \"" + t.text + "\\\\\"");
                }
                char e = q_[pos_ + 1];
                t.text += e;
                if (e == '*' || e == '?' || e == '\\')
                    pattern += '\\';
                pattern += e;
                pos_ += 2;
                continue;
            }
            if (c == '*' || c == '?') {
                wild = true;
                t.text += c;
                pattern += c;
                ++pos_;
                continue;
            }
            // `+` and `-` continue a term but cannot start one.
            if (special(c) && !((c == '+' || c == '-') && !t.text.empty()))
                break;
            t.text += c;
            pattern += c;
            ++pos_;
        }
        if (wild) {
            t.t = t.text == "*" ? tok::star : tok::wildterm;
            t.text = pattern;
            return t;
        }
        t.t = tok::term;
        if (t.text == "AND" || t.text == "&&")
            t.t = tok::and_;
        else if (t.text == "OR" || t.text == "||")
            t.t = tok::or_;
        else if (t.text == "NOT")
            t.t = tok::not_;
        return t;
    }

    std::string_view q_;
    std::size_t pos_ = 0;
};

std::string_view token_image(const token& t) {
    switch (t.t) {
        case tok::eof:
            return "<EOF>";
        case tok::and_:
            return "AND";
        case tok::or_:
            return "OR";
        case tok::not_:
            return "NOT";
        case tok::plus:
            return "+";
        case tok::minus:
            return "-";
        case tok::lparen:
            return "(";
        case tok::rparen:
            return ")";
        case tok::colon:
            return ":";
        case tok::star:
            return "*";
        case tok::carat:
            return "^";
        case tok::tilde:
            return "~";
        default:
            return t.text;
    }
}

enum class conj { none, and_, or_ };
enum class mod { none, req, not_ };

class parser {
  public:
    parser(std::string_view q, const options& o) : lex_(q), opts_(o) { advance(); }

    node top() {
        node n = query(opts_.default_field);
        if (cur_.t != tok::eof)
            unexpected();
        return n;
    }

  private:
    void advance() { cur_ = lex_.next(); }

    [[noreturn]] void unexpected() const {
        std::string what =
            cur_.t == tok::eof ? "\"<EOF>\"" : "\"" + std::string(token_image(cur_)) + "\"";
        throw syntax_error(lex_.query(), "Encountered " + what + " at line 1, column " +
                                             std::to_string(cur_.column) + ".");
    }

    // Lucene's QueryParserBase.addClause.
    void add_clause(std::vector<qs::clause>& clauses, conj c, mod m, node q) const {
        if (!clauses.empty() && c == conj::and_ && clauses.back().first != occur::must_not)
            clauses.back().first = occur::must;
        if (!clauses.empty() && opts_.default_and && c == conj::or_ &&
            clauses.back().first != occur::must_not)
            clauses.back().first = occur::should;
        bool required = false;
        const bool prohibited = m == mod::not_;
        if (!opts_.default_and) {
            required = m == mod::req || (c == conj::and_ && !prohibited);
        } else {
            required = !prohibited && c != conj::or_;
        }
        clauses.emplace_back(prohibited ? occur::must_not
                             : required ? occur::must
                                        : occur::should,
                             std::move(q));
    }

    mod modifiers() {
        switch (cur_.t) {
            case tok::plus:
                advance();
                return mod::req;
            case tok::minus:
            case tok::not_:
                advance();
                return mod::not_;
            default:
                return mod::none;
        }
    }

    node query(const std::string& field) {
        std::vector<qs::clause> clauses;
        mod m = modifiers();
        add_clause(clauses, conj::none, m, clause(field));
        while (true) {
            conj c = conj::none;
            if (cur_.t == tok::and_) {
                c = conj::and_;
                advance();
            } else if (cur_.t == tok::or_) {
                c = conj::or_;
                advance();
            } else if (cur_.t == tok::eof || cur_.t == tok::rparen) {
                break;
            }
            m = modifiers();
            add_clause(clauses, c, m, clause(field));
        }
        if (clauses.size() == 1 && clauses.front().first != occur::must_not)
            return std::move(clauses.front().second);
        node g;
        g.k = node::kind::group;
        g.clauses = std::move(clauses);
        return g;
    }

    void skip_boost() {
        if (cur_.t == tok::carat)
            advance();
    }

    node clause(std::string field) {
        if (cur_.t == tok::term || cur_.t == tok::star) {
            // `field:` needs one token of look-ahead past the term.
            lexer saved = lex_;
            token t = cur_;
            advance();
            if (cur_.t == tok::colon) {
                field = t.t == tok::star ? std::string("*") : t.text;
                advance();
            } else {
                lex_ = saved;
                cur_ = t;
            }
        }
        if (cur_.t == tok::lparen) {
            advance();
            node n = query(field);
            if (cur_.t != tok::rparen)
                unexpected();
            advance();
            skip_boost();
            return n;
        }
        return term(field);
    }

    node term(const std::string& field) {
        node n;
        n.field = field;
        switch (cur_.t) {
            case tok::term:
            case tok::bareoper:
                n.k = node::kind::term;
                n.text = cur_.text;
                advance();
                if (cur_.t == tok::tilde)
                    advance();  // fuzziness: matched as the term itself
                skip_boost();
                if (cur_.t == tok::tilde)
                    advance();
                return field_term(std::move(n));
            case tok::star:
            case tok::wildterm:
                n.k = node::kind::wildcard;
                n.text = cur_.t == tok::star ? std::string("*") : cur_.text;
                advance();
                if (cur_.t == tok::tilde)
                    advance();
                skip_boost();
                return wildcard(std::move(n));
            case tok::regexp:
                n.k = node::kind::regexp;
                n.text = cur_.text;
                advance();
                skip_boost();
                return n;
            case tok::quoted:
                n.k = node::kind::phrase;
                n.text = cur_.text;
                advance();
                if (cur_.t == tok::tilde) {
                    n.slop = cur_.number;
                    advance();
                }
                skip_boost();
                if (field == "_exists_") {
                    n.k = node::kind::exists;
                    n.field = n.text;
                }
                return n;
            case tok::range:
                n.k = node::kind::range;
                n.lower = cur_.lower;
                n.upper = cur_.upper;
                n.include_lower = cur_.include_lower;
                n.include_upper = cur_.include_upper;
                advance();
                skip_boost();
                return n;
            default:
                unexpected();
        }
    }

    // Elasticsearch's additions to a plain term: `_exists_:f`, and `>`, `>=`, `<`, `<=`.
    static node field_term(node n) {
        if (n.field == "_exists_") {
            n.k = node::kind::exists;
            n.field = n.text;
            return n;
        }
        const std::string& t = n.text;
        if (t.size() > 1 && (t[0] == '>' || t[0] == '<')) {
            const bool eq = t.size() > 2 && t[1] == '=';
            std::string bound = t.substr(eq ? 2 : 1);
            n.k = node::kind::range;
            if (t[0] == '>') {
                n.lower = std::move(bound);
                n.include_lower = eq;
            } else {
                n.upper = std::move(bound);
                n.include_upper = eq;
            }
            n.text.clear();
        }
        return n;
    }

    static node wildcard(node n) {
        if (n.text == "*") {
            n.k = n.field == "*" ? node::kind::match_all : node::kind::exists;
            n.text.clear();
        }
        return n;
    }

    lexer lex_;
    const options& opts_;
    token cur_;
};

void render(std::string& out, const node& n, bool top) {
    auto field = [&] {
        if (n.field != "*")
            out += n.field + ":";
    };
    switch (n.k) {
        case node::kind::term:
            field();
            out += n.text;
            break;
        case node::kind::phrase:
            field();
            out += "\"" + n.text + "\"";
            if (n.slop)
                out += "~" + std::to_string(n.slop);
            break;
        case node::kind::wildcard:
            field();
            out += n.text;
            break;
        case node::kind::regexp:
            field();
            out += "/" + n.text + "/";
            break;
        case node::kind::range:
            field();
            out += n.include_lower ? "[" : "{";
            out += (n.lower.empty() ? "*" : n.lower) + " TO " + (n.upper.empty() ? "*" : n.upper);
            out += n.include_upper ? "]" : "}";
            break;
        case node::kind::exists:
            out += "_exists_:" + n.field;
            break;
        case node::kind::match_all:
            out += "*:*";
            break;
        case node::kind::match_none:
            out += "MatchNoDocsQuery";
            break;
        case node::kind::group: {
            if (!top)
                out += "(";
            for (std::size_t i = 0; i < n.clauses.size(); ++i) {
                if (i)
                    out += " ";
                const auto& [o, c] = n.clauses[i];
                out += o == occur::must ? "+" : o == occur::must_not ? "-" : "";
                render(out, c, false);
            }
            if (!top)
                out += ")";
            break;
        }
    }
}

}  // namespace

node parse(std::string_view text, const options& opts) {
    bool blank = true;
    std::size_t len = 1;
    for (std::size_t i = 0; i < text.size() && blank; i += len)
        blank = is_space(text, i, &len);
    if (blank) {
        node n;
        n.k = node::kind::match_none;  // ES: "Matching no documents because no terms present"
        return n;
    }
    parser p(text, opts);
    return p.top();
}

std::string to_string(const node& n) {
    std::string out;
    render(out, n, true);
    return out;
}

}  // namespace casio::mock_es::qs
