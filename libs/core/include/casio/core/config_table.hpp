#pragma once
// Typed reading of the configuration tree. A library declares its section as a config_table:
// a list of entries (key, member or setter, reader) next to its own settings struct, and the
// service reads the tree with those tables. Errors name the key path and the value (never the
// value of a secret); keys that no table has are warned about, or recorded when they are on the
// service's list of keys accepted but not used.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <casio/core/config.hpp>
#include <casio/core/log.hpp>
#include <casio/core/text.hpp>

namespace casio::core {

// A scalar from the file, typed as YAML 1.1 reads it (quoted text is always a string).
using config_scalar = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

// Throws "config: <path>: expected <expected>, got <value>"; a secret is described by its shape.
[[noreturn]] void config_fail(const std::string& path, std::string_view expected,
                              const config_node& n, bool secret = false);

// `text` in double quotes, with quotes and backslashes escaped, control characters as
// escape_control writes them.
std::string config_quote(std::string_view text);

// Whether a header name or connector configuration field holds a credential (its name has
// auth, key, token, secret, password or cookie in it).
bool looks_secret(std::string_view name);

// `parent.key`, or `key` at the top level; the control characters of `key` as escape_control
// writes them, so that a message naming the path is one line.
std::string config_path(const std::string& parent, std::string_view key);

// The readers: each turns a node into a typed value or throws config_fail naming `path`.
namespace config_read {

struct boolean {
    bool operator()(const config_node& n, const std::string& path) const;
};
struct integer {
    std::int64_t min = 0;  // 0: "a non-negative integer", 1: "a positive integer"
    std::int64_t max = std::numeric_limits<std::int64_t>::max();  // else "an integer from .. to"
    std::int64_t operator()(const config_node& n, const std::string& path) const;
};
struct number {
    double min = 0;
    double max = 1e9;
    std::string_view expected = "a number";
    double operator()(const config_node& n, const std::string& path) const;
};
// A number of seconds, kept in milliseconds.
struct seconds {
    bool positive = true;
    seconds_ms operator()(const config_node& n, const std::string& path) const;
};
// A number of MiB, kept in bytes.
struct mebibytes {
    double max = 1e6;
    std::size_t operator()(const config_node& n, const std::string& path) const;
};
struct string {
    bool secret = false;
    std::string operator()(const config_node& n, const std::string& path) const;
};
// Null reads as nullopt.
struct optional_string {
    bool secret = false;
    std::optional<std::string> operator()(const config_node& n, const std::string& path) const;
};
// A YAML list, or a comma-separated string (what an environment variable can carry).
struct string_list {
    std::vector<std::string> operator()(const config_node& n, const std::string& path) const;
};
struct string_map {
    bool secret_values = false;
    std::map<std::string, std::string> operator()(const config_node& n,
                                                  const std::string& path) const;
};
// Any scalar, typed as YAML reads it; a mapping or list is refused without showing it.
struct scalar {
    config_scalar operator()(const config_node& n, const std::string& path) const;
};
struct log_level {
    log::level operator()(const config_node& n, const std::string& path) const;
};

// One of a fixed set of names (compared case-insensitively).
template <class E>
struct one_of {
    std::vector<std::pair<std::string_view, E>> names;
    std::string_view expected;  // e.g. "one of json, text"
    E operator()(const config_node& n, const std::string& path) const {
        if (n.k == config_node::kind::scalar) {
            for (const auto& [name, value] : names) {
                if (iequals(name, n.text)) {
                    return value;
                }
            }
        }
        config_fail(path, expected, n);
    }
};

// A reader whose value must also pass `ok`; else the error says `expected`.
template <class Reader, class Pred>
struct checked {
    Reader read;
    Pred ok;
    std::string_view expected;
    auto operator()(const config_node& n, const std::string& path) const {
        auto v = read(n, path);
        if (!ok(v)) {
            config_fail(path, expected, n);
        }
        return v;
    }
};

template <class Reader, class Pred>
checked(Reader, Pred, std::string_view) -> checked<Reader, Pred>;

}  // namespace config_read

class config_reader;

// One key of a section and what reading it does to the settings struct (built by field(),
// setter(), subsection() or checked_only() below).
template <class T>
struct config_entry {
    std::string key;
    std::function<void(T&, const config_node&, const std::string& path, config_reader&)> read;
};

// How one section (a map of the file) is read into a T.
template <class T>
struct config_table {
    std::vector<config_entry<T>> entries;
    // Runs after the keys, with the whole section: rules across keys, fallbacks.
    std::function<void(T&, const config_node& section, config_reader&)> finish;
};

// Reads sections with their tables and collects what is not an error.
class config_reader {
  public:
    // Dotted key paths accepted but not acted on; "a.*" accepts `a` and everything under it.
    explicit config_reader(std::vector<std::string> accepted_unused = {});

    // A null section keeps every default; anything but a mapping is an error.
    template <class T>
    void read(const config_node& n, const std::string& path, const config_table<T>& table, T& out) {
        if (!is_section(n, path)) {
            return;
        }
        for (const auto& entry : n.entries) {
            std::string p = config_path(path, entry.key);
            auto it = std::find_if(table.entries.begin(), table.entries.end(),
                                   [&](const config_entry<T>& e) { return e.key == entry.key; });
            if (it == table.entries.end()) {
                not_in_table(p);
            } else {
                it->read(out, entry.value, p, *this);
            }
        }
        if (table.finish) {
            table.finish(out, n, *this);
        }
    }

    void warn(std::string warning) { warnings_.push_back(std::move(warning)); }

    // Unknown keys ("config: unknown key <path> (ignored)") and other non-fatal findings.
    const std::vector<std::string>& warnings() const { return warnings_; }
    // The keys of the file that are on the accepted-but-unused list, in file order.
    const std::vector<std::string>& unused_present() const { return unused_present_; }

  private:
    bool is_section(const config_node& n, const std::string& path) const;
    void not_in_table(const std::string& path);

    std::vector<std::string> accepted_unused_;
    std::vector<std::string> warnings_;
    std::vector<std::string> unused_present_;
};

// Entry builders.

// `key` read by `read` into `out.*member`.
template <class T, class M, class Reader>
config_entry<T> field(std::string key, M T::*member, Reader read) {
    return {std::move(key),
            [member, read](T& out, const config_node& n, const std::string& p, config_reader&) {
                out.*member = static_cast<M>(read(n, p));
            }};
}

// `key` read by `read` and handed to `set(out, value)`.
template <class T, class Reader, class Set>
config_entry<T> setter(std::string key, Reader read, Set set) {
    return {std::move(key), [read, set](T& out, const config_node& n, const std::string& p,
                                        config_reader&) { set(out, read(n, p)); }};
}

// `key` is a nested section read with `table` into `out.*member`.
template <class T, class S>
config_entry<T> subsection(std::string key, S T::*member, const config_table<S>& table) {
    return {std::move(key),
            [member, &table](T& out, const config_node& n, const std::string& p, config_reader& r) {
                r.read(n, p, table, out.*member);
            }};
}

// `key` is checked by `read` and left to the table's finish step.
template <class T, class Reader>
config_entry<T> checked_only(std::string key, Reader read) {
    return {std::move(key), [read](T&, const config_node& n, const std::string& p, config_reader&) {
                (void)read(n, p);
            }};
}

// The entries of `base` for a struct that derives from Base and adds its own sections.
template <class Derived, class Base>
config_table<Derived> derived_table(const config_table<Base>& base) {
    config_table<Derived> out;
    for (const auto& e : base.entries) {
        out.entries.push_back(
            {e.key, [read = e.read](Derived& d, const config_node& n, const std::string& p,
                                    config_reader& r) { read(static_cast<Base&>(d), n, p, r); }});
    }
    if (base.finish) {
        out.finish = [finish = base.finish](Derived& d, const config_node& n, config_reader& r) {
            finish(static_cast<Base&>(d), n, r);
        };
    }
    return out;
}

}  // namespace casio::core
