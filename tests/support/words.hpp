#pragma once
// The words of a text, split on whitespace of any kind: extracted text compared with the text
// a generator put in a file, whatever line breaks and spacing each side uses.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace casio::test {

inline std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (!w.empty()) {
                out.push_back(std::move(w));
                w.clear();
            }
        } else {
            w += c;
        }
    }
    if (!w.empty()) {
        out.push_back(std::move(w));
    }
    return out;
}

}  // namespace casio::test
