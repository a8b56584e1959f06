#pragma once
// Loading of config.yml, the same file the Python connectors service reads: environment
// substitution, dotted top-level keys nested and merged, giving a tree of nodes. Core knows no
// section: each library declares its own as a table (config_table.hpp) and the service reads
// the tree with them. Every key and its default is documented in conf/config.yml.example.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace casio::core {

// Thrown for anything that stops the service from starting with this configuration. what() is
// one line that names the file or key path and the offending value, never a secret.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

using seconds_ms = std::chrono::milliseconds;  // durations are written in seconds, kept in ms

inline constexpr std::size_t mib = std::size_t{1024} * 1024;

// One node of the file after substitution, nesting and merging: kept untyped until a section's
// table reads it, so that errors can name the key path.
struct config_node {
    enum class kind { null, scalar, sequence, map };
    struct entry;  // a key of a map and its value

    kind k = kind::null;
    std::string text;  // scalar text
    bool quoted = false;
    std::vector<config_node> items;
    std::vector<entry> entries;  // map, in file order

    config_node* find(std::string_view key);
    const config_node* find(std::string_view key) const;
};

struct config_node::entry {
    std::string key;
    config_node value;
};

// Looks a variable up; nullopt when it is not set. The default reads the process environment.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
std::optional<std::string> process_env(std::string_view name);

// Adds the NAME=VALUE lines of a dotenv file (comments and blank lines skipped, surrounding
// quotes stripped) to `base`; variables set in `base` win. A missing file adds nothing.
env_lookup with_dotenv(env_lookup base, const std::string& dotenv_path);

// Substitutes $VAR, ${VAR}, $VAR|default, ${VAR|default} and $$ outside comments.
// Exposed for tests and for tools; parse_config_* call it.
std::string substitute_env(std::string_view text, std::string_view source_name,
                           const env_lookup& env = process_env);

// The file as one map: `elasticsearch.bulk.chunk_size: 100` at top level becomes nested maps,
// merged key by key with the rest. Throws config_error on a syntax error (file, line, column).
config_node parse_config_string(std::string_view yaml, std::string_view source_name,
                                const env_lookup& env = process_env);

// Like the Python service, also reads `.env` in the current directory when it exists
// (through with_dotenv, so the real environment wins).
config_node parse_config_file(const std::string& path, const env_lookup& env = process_env);

}  // namespace casio::core
