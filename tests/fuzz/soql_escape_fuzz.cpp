// Fuzz target: values put into SOQL string literals (ids from answers, user values). The
// quoted literal never ends early (no unescaped quote inside), and reading its escapes back
// gives the value: no input can change the query around it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <casio/salesforce/soql.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const std::string quoted = casio::salesforce::quote_soql(value);
    if (quoted.size() < 2 || quoted.front() != '\'' || quoted.back() != '\'') {
        __builtin_trap();
    }
    std::string back;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        const char c = quoted[i];
        if (c == '\'') {
            __builtin_trap();  // the literal would end here
        }
        if (c == '\\') {
            if (i + 2 >= quoted.size()) {
                __builtin_trap();  // an escape eating the closing quote
            }
            back.push_back(quoted[++i]);
            continue;
        }
        back.push_back(c);
    }
    if (back != value) {
        __builtin_trap();
    }
    return 0;
}
