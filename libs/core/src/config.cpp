#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include <casio/core/config.hpp>
#include <casio/core/text.hpp>

namespace casio::core {

namespace {

// ---------------------------------------------------------------------------------------------
// Environment substitution

bool is_name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Ends a default written without braces: `$VAR|default`.
bool ends_bare_default(char c) {
    return is_blank(c) || c == '\n' || c == '"' || c == '\'' || c == '{' || c == '}';
}

// A quote opens a quoted scalar only where a value may start, so that an apostrophe inside a
// plain scalar ("Bob's") does not hide the comment that follows.
bool value_may_start_after(std::string_view line, std::size_t i) {
    while (i > 0 && is_blank(line[i - 1])) {
        --i;
    }
    if (i == 0) {
        return true;
    }
    char c = line[i - 1];
    return c == ':' || c == '-' || c == '[' || c == '{' || c == ',';
}

std::string source_prefix(std::string_view source) {
    return "config: " + std::string(source);
}

// A `$NAME`, `${NAME}`, `$NAME|default` or `${NAME|default}` starting at line[at] (the `$`).
struct reference {
    std::string name;
    std::optional<std::string> fallback;
    std::size_t end = 0;  // one past the reference
};

std::optional<reference> braced_reference(std::string_view line, std::size_t at) {
    std::size_t close = line.find('}', at + 1);
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view inner = line.substr(at + 2, close - at - 2);
    std::size_t bar = inner.find('|');
    reference r{std::string(inner.substr(0, bar)), std::nullopt, close + 1};
    if (bar != std::string_view::npos) {
        r.fallback = std::string(inner.substr(bar + 1));
    }
    if (r.name.empty() || !is_name_start(r.name[0]) ||
        !std::all_of(r.name.begin(), r.name.end(), is_name_char)) {
        return std::nullopt;
    }
    return r;
}

std::optional<reference> parse_reference(std::string_view line, std::size_t at) {
    std::size_t end = at + 1;
    if (end < line.size() && line[end] == '{') {
        return braced_reference(line, at);
    }
    if (end >= line.size() || !is_name_start(line[end])) {
        return std::nullopt;
    }
    reference r;
    while (end < line.size() && is_name_char(line[end])) {
        r.name += line[end++];
    }
    if (end < line.size() && line[end] == '|') {
        std::size_t d = end + 1;
        while (d < line.size() && !ends_bare_default(line[d])) {
            ++d;
        }
        r.fallback = std::string(line.substr(end + 1, d - end - 1));
        end = d;
    }
    r.end = end;
    return r;
}

struct substitution {
    std::string_view source;
    const env_lookup& env;
    bool strict;
    std::string out;

    // Appends the value of the reference at line[i]; returns where to continue.
    std::size_t expand(std::string_view line, std::size_t i, std::size_t line_no) {
        if (i + 1 < line.size() && line[i + 1] == '$') {
            out += '$';
            return i + 2;
        }
        auto ref = parse_reference(line, i);
        if (!ref) {
            out += '$';
            return i + 1;
        }
        if (auto value = env(ref->name)) {
            out += *value;
        } else if (ref->fallback) {
            out += *ref->fallback;
        } else if (strict) {
            throw config_error(source_prefix(source) + ":" + std::to_string(line_no) +
                               ": environment variable " + ref->name +
                               " is not set and has no default (set it, write $" + ref->name +
                               "|default, or set ENVYAML_STRICT_DISABLE)");
        } else {
            out.append(line.substr(i, ref->end - i));
        }
        return ref->end;
    }

    void line(std::string_view text, std::size_t line_no) {
        bool in_single = false;
        bool in_double = false;
        std::size_t i = 0;
        while (i < text.size()) {
            char c = text[i];
            if (!in_single && !in_double && c == '#' && (i == 0 || is_blank(text[i - 1]))) {
                out.append(text.substr(i));  // comments are copied as they are
                return;
            }
            if (c == '\'' && !in_double && (in_single || value_may_start_after(text, i))) {
                in_single = !in_single;
            } else if (c == '"' && !in_single &&
                       (in_double ? text[i - 1] != '\\' : value_may_start_after(text, i))) {
                in_double = !in_double;
            }
            if (c == '$') {
                i = expand(text, i, line_no);
            } else {
                out += c;
                ++i;
            }
        }
    }
};

// ---------------------------------------------------------------------------------------------
// The tree, so that dotted keys can be nested and merged before typing.

// What a configuration can hold: far more than any real one, far less than a YAML alias bomb
// ("billion laughs") expands to.
constexpr std::size_t max_config_values = 100000;
constexpr int max_config_depth = 64;
constexpr std::uintmax_t max_config_file_bytes = 1024 * 1024;

struct convert_budget {
    std::size_t values_left = max_config_values;
    std::ptrdiff_t depth = 0;
};

config_node convert(const YAML::Node& y, std::string_view source, convert_budget& budget) {
    if (budget.values_left == 0) {
        throw config_error(source_prefix(source) + ": more than " +
                           std::to_string(max_config_values) +
                           " values (YAML aliases expanding without end?)");
    }
    --budget.values_left;
    if (budget.depth >= max_config_depth) {
        throw config_error(source_prefix(source) + ": nested more than " +
                           std::to_string(max_config_depth) + " levels deep");
    }
    ++budget.depth;
    config_node n;
    switch (y.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            break;
        case YAML::NodeType::Scalar:
            n.k = config_node::kind::scalar;
            n.text = y.Scalar();
            n.quoted = y.Tag() == "!";
            break;
        case YAML::NodeType::Sequence:
            n.k = config_node::kind::sequence;
            for (const auto& item : y) {
                n.items.push_back(convert(item, source, budget));
            }
            break;
        case YAML::NodeType::Map:
            n.k = config_node::kind::map;
            for (const auto& kv : y) {
                if (!kv.first.IsScalar()) {
                    auto m = kv.first.Mark();
                    throw config_error(source_prefix(source) + ":" + std::to_string(m.line + 1) +
                                       ":" + std::to_string(m.column + 1) +
                                       ": keys must be plain scalars");
                }
                // A dotted top-level key nests its value one level a dot (nest_top_level).
                const std::string& key = kv.first.Scalar();
                const auto dots = budget.depth == 1 ? std::min<std::ptrdiff_t>(
                                                          std::count(key.begin(), key.end(), '.'),
                                                          max_config_depth)
                                                    : 0;
                budget.depth += dots;
                n.entries.push_back({key, convert(kv.second, source, budget)});
                budget.depth -= dots;
            }
            break;
    }
    --budget.depth;
    return n;
}

// Maps merge key by key; anything else replaces.
void merge_into(config_node& dst, config_node src) {
    if (dst.k == config_node::kind::map && src.k == config_node::kind::map) {
        for (auto& [key, value] : src.entries) {
            if (config_node* existing = dst.find(key)) {
                merge_into(*existing, std::move(value));
            } else {
                dst.entries.push_back({key, std::move(value)});
            }
        }
    } else {
        dst = std::move(src);
    }
}

// Only top-level keys are split at dots, as in the Python service.
config_node nest_top_level(config_node&& root) {
    config_node out;
    out.k = config_node::kind::map;
    for (auto& [key, value] : root.entries) {
        config_node* at = &out;
        std::size_t start = 0;
        while (true) {
            std::size_t dot = key.find('.', start);
            std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
            config_node* child = at->find(part);
            if (!child) {
                at->entries.push_back({part, config_node{}});
                child = &at->entries.back().value;
            }
            if (dot == std::string::npos) {
                merge_into(*child, std::move(value));
                break;
            }
            if (child->k != config_node::kind::map) {
                *child = config_node{};
                child->k = config_node::kind::map;
            }
            at = child;
            start = dot + 1;
        }
    }
    return out;
}

std::string trim(const std::string& v) {
    auto b = v.find_first_not_of(" \t\r");
    auto e = v.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
}

}  // namespace

config_node* config_node::find(std::string_view key) {
    for (auto& [k2, v] : entries) {
        if (k2 == key) {
            return &v;
        }
    }
    return nullptr;
}

const config_node* config_node::find(std::string_view key) const {
    return const_cast<config_node*>(this)->find(key);
}

std::optional<std::string> process_env(std::string_view name) {
    std::string n(name);
    if (const char* v = std::getenv(n.c_str())) {
        return std::string(v);
    }
    return std::nullopt;
}

std::string substitute_env(std::string_view text, std::string_view source_name,
                           const env_lookup& env) {
    substitution s{source_name, env, !env("ENVYAML_STRICT_DISABLE").has_value(), {}};
    s.out.reserve(text.size());
    std::size_t line_no = 1;
    for (std::size_t start = 0; start < text.size(); ++line_no) {
        std::size_t end = text.find('\n', start);
        std::size_t stop = end == std::string_view::npos ? text.size() : end + 1;
        s.line(text.substr(start, stop - start), line_no);
        start = stop;
    }
    return std::move(s.out);
}

config_node parse_config_string(std::string_view yaml, std::string_view source_name,
                                const env_lookup& env) {
    std::string text = substitute_env(yaml, source_name, env);
    YAML::Node doc;
    try {
        doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        // The parser's message can quote the character it stopped at, a line break among them.
        throw config_error(source_prefix(source_name) + ":" + std::to_string(e.mark.line + 1) +
                           ":" + std::to_string(e.mark.column + 1) +
                           ": YAML syntax error: " + escape_control(e.msg));
    }
    convert_budget budget;
    config_node root = convert(doc, source_name, budget);
    if (root.k == config_node::kind::null) {
        root.k = config_node::kind::map;
    }
    if (root.k != config_node::kind::map) {
        throw config_error(source_prefix(source_name) +
                           ": the top level must be a mapping of keys to values");
    }
    return nest_top_level(std::move(root));
}

env_lookup with_dotenv(env_lookup base, const std::string& dotenv_path) {
    std::ifstream in(dotenv_path);
    if (!in) {
        return base;
    }
    auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.rfind("export ", 0) == 0) {
            line = trim(line.substr(7));
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) {
            continue;
        }
        std::string value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        (*vars)[trim(line.substr(0, eq))] = value;
    }
    return [base = std::move(base), vars](std::string_view name) -> std::optional<std::string> {
        if (auto v = base(name)) {
            return v;
        }
        if (auto it = vars->find(name); it != vars->end()) {
            return it->second;
        }
        return std::nullopt;
    };
}

config_node parse_config_file(const std::string& path, const env_lookup& env) {
    // A regular file of sane size: a directory, a FIFO or /dev/zero would read as empty, block
    // or never end.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec) {
        throw config_error("config: cannot read " + path + ": " + ec.message());
    }
    if (!std::filesystem::is_regular_file(status)) {
        throw config_error("config: " + path + " is not a regular file");
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_config_file_bytes) {
        throw config_error("config: " + path + " is " + std::to_string(size) +
                           " bytes, more than a configuration file can be (1 MiB)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error("config: cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_config_string(buf.str(), path, with_dotenv(env, ".env"));
}

}  // namespace casio::core
