#pragma once
// Helpers of the configuration tests: a fake environment (tests never depend on or change the
// real one), the message of a config_error, a warning search, and a section read from YAML text.

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <casio/core/config.hpp>
#include <casio/core/config_table.hpp>

namespace casio::test {

struct fake_env {
    std::map<std::string, std::string> vars;
    core::env_lookup lookup() const {
        return [this](std::string_view name) -> std::optional<std::string> {
            auto it = vars.find(std::string(name));
            if (it == vars.end()) {
                return std::nullopt;
            }
            return it->second;
        };
    }
};

// The message of the config_error that `load()` throws.
template <class Load>
std::string config_error_of(Load&& load) {
    try {
        load();
    } catch (const core::config_error& e) {
        return e.what();
    }
    FAIL("no config_error");
    return {};
}

// A file and the one-line error it stops the service with.
struct error_case {
    std::string_view yaml;
    std::string_view message;
};

// `error_of(yaml)` is the message of the error loading `yaml` throws.
template <class ErrorOf>
void check_errors(ErrorOf&& error_of, const std::vector<error_case>& cases) {
    for (const auto& c : cases) {
        CHECK(error_of(c.yaml) == c.message);
    }
}

// A file whose secret (every one of them has "topsecret" in it) is refused: the error names
// `key` and shows nothing of the value.
struct secret_case {
    std::string_view yaml;
    std::string_view key;
};

template <class ErrorOf>
void check_secrets_hidden(ErrorOf&& error_of, const std::vector<secret_case>& cases) {
    for (const auto& c : cases) {
        std::string message = error_of(c.yaml);
        INFO(message);
        CHECK(message.find(c.key) != std::string::npos);
        CHECK(message.find("topsecret") == std::string::npos);
    }
}

inline bool has_warning(const std::vector<std::string>& warnings, std::string_view text) {
    for (const auto& w : warnings) {
        if (w.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

template <class T>
struct read_result {
    T cfg;
    std::vector<std::string> warnings;
    std::vector<std::string> unused;
};

// `yaml` loaded as config.yml is and read from its top level with `table`.
template <class T>
read_result<T> read_yaml(std::string_view yaml, const core::config_table<T>& table,
                         const fake_env& env = {}, std::vector<std::string> accepted_unused = {}) {
    core::config_node root = core::parse_config_string(yaml, "test.yml", env.lookup());
    core::config_reader reader(std::move(accepted_unused));
    read_result<T> out;
    reader.read(root, "", table, out.cfg);
    out.warnings = reader.warnings();
    out.unused = reader.unused_present();
    return out;
}

}  // namespace casio::test
