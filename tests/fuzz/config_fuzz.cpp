// Fuzz target: config.yml as connectors-asio reads it at start, from the text to the checked
// settings: environment substitution, YAML, dotted top-level keys nested and merged, the
// sections read with the tables of the libraries (sync, elasticsearch, salesforce), then the
// check run before a sync or the service starts. Every file is either accepted or refused with a
// config_error whose message is one line (no CR, no LF) starting "config: "; any other exception,
// an abort or an input that does not end (YAML aliases expanding without end) is a finding.
//
// The environment is a fixed fake one, with values that are themselves hostile YAML; strict
// substitution is turned off (ENVYAML_STRICT_DISABLE set) when the file mentions that name.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <casio/core/config.hpp>
#include <casio/sync/service.hpp>

#include "settings.hpp"

namespace {

// Says what is wrong, with the control characters of `detail` shown as \xNN, and aborts.
[[noreturn]] void finding(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_config: %s: ", what);
    for (const char c : detail) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            std::fprintf(stderr, "\\x%02x", u);
        } else {
            std::fputc(c, stderr);
        }
    }
    std::fputc('\n', stderr);
    std::abort();
}

casio::core::env_lookup fake_env(bool strict) {
    static const std::map<std::string, std::string, std::less<>> vars{
        {"ES_HOST", "http://127.0.0.1:9200"},
        {"ES_PASSWORD", "topsecret: [a, {b"},
        {"MULTILINE", "one\ntwo: 2\n- three"},
        {"EMPTY", ""},
        {"BIG", "1e999"},
        {"NEGATIVE", "-9223372036854775809"},
        {"ALIAS", "*a"},
        {"DOLLAR", "$ES_HOST"},
    };
    return [strict](std::string_view name) -> std::optional<std::string> {
        if (name == "ENVYAML_STRICT_DISABLE") {
            return strict ? std::nullopt : std::optional<std::string>("1");
        }
        if (auto it = vars.find(name); it != vars.end()) {
            return it->second;
        }
        return std::nullopt;
    };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool strict = text.find("ENVYAML_STRICT_DISABLE") == std::string_view::npos;
    try {
        const auto loaded = casio::app::load_settings_string(text, "fuzz.yml", fake_env(strict));
        (void)casio::app::unused_keys_line(loaded);
        (void)casio::sync::check_local_config(loaded.cfg);
    } catch (const casio::core::config_error& e) {
        const std::string_view message = e.what();
        if (message.rfind("config: ", 0) != 0 ||
            message.find_first_of("\r\n") != std::string_view::npos) {
            finding("config_error message not one line starting \"config: \"", message);
        }
    } catch (const std::exception& e) {
        finding("exception other than config_error", e.what());
    } catch (...) {
        finding("exception other than config_error", "not a std::exception");
    }
    return 0;
}
