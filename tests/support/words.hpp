#pragma once
// The words of a text, split on whitespace of any kind: extracted text compared with the text
// a generator put in a file, whatever line breaks and spacing each side uses.
#include <algorithm>
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

// Where two texts' words first differ ("" when they are the same): a short message for a
// failed check, instead of two lists of a million words. With `prefix`, `got` may stop early
// and its last word may be cut short (a text cut to fit a size).
inline std::string first_word_difference(std::string_view got, std::string_view expected,
                                         bool prefix = false) {
    const auto a = words_of(got);
    const auto b = words_of(expected);
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const bool last_of_cut = prefix && i + 1 == a.size();
        if (a[i] != b[i] && !(last_of_cut && b[i].starts_with(a[i]))) {
            return "word " + std::to_string(i) + ": '" + a[i] + "' instead of '" + b[i] + "'";
        }
    }
    if (a.size() > b.size() || (!prefix && a.size() < b.size())) {
        return std::to_string(a.size()) + " words instead of " + std::to_string(b.size());
    }
    return {};
}

}  // namespace casio::test
