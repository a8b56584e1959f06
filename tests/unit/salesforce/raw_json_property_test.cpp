// Properties of reading records from the page's text (raw_records, map_record with raw, the
// file collector, Contact/Lead enrichment, the CaseFeed index), on random query pages shaped
// like Salesforce's and on other spellings of the same JSON:
//   (a) the page-text path writes exactly what the tree path writes, byte for byte;
//   (b) pretty-printed and escaped spellings give the compact page's documents byte for byte;
//   (c) members shuffled at every level give the same documents as JSON values (member order
//       aside) and the same file documents byte for byte.
// Both paths are composed as the client and the source compose them.

#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/json_parse.hpp>
#include <casio/core/json_text.hpp>
#include <casio/salesforce/content.hpp>
#include <casio/salesforce/mapping.hpp>
#include <casio/salesforce/paging.hpp>
#include <casio/salesforce/raw_records.hpp>

using namespace casio::salesforce;
namespace json = boost::json;

namespace {

constexpr std::string_view base_url = "https://acme.my.salesforce.com";

struct gen {
    std::mt19937 rng;
    explicit gen(std::uint32_t seed) : rng(seed) {}
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng); }
    template <typename T, std::size_t N>
    const T& pick(const T (&xs)[N]) {
        return xs[static_cast<std::size_t>(uniform(0, static_cast<int>(N) - 1))];
    }
};

// --- values --------------------------------------------------------------------------------

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Text as records hold it: mostly words, now and then quotes, backslashes, slashes, control
// characters, accented, CJK and non-BMP characters.
std::string random_text(gen& g, int max_words = 6) {
    static constexpr char32_t specials[] = {
        '"',     '\\', '/',  '\n', '\t',   '\r',   '\b',   '\f',   0x01,
        0x1f,    0x7f, 0xe9, 0xf4, 0x65e5, 0x672c, 0x2028, 0xfeff, 0x1f600,
        0x1d11e, '{',  '}',  ':',  ',',    '[',    ']',    '\'',   0x00,
    };
    static constexpr std::string_view words[] = {"Acme", "printer", "jams", "again", "Zürich",
                                                 "Q3",   "report",  "élan", "东京",  "ok"};
    std::string out;
    const int n = g.uniform(0, max_words);
    for (int w = 0; w < n; ++w) {
        if (w != 0) {
            out.push_back(' ');
        }
        if (g.chance(0.35)) {
            append_utf8(out, g.pick(specials));
        }
        out += g.pick(words);
    }
    return out;
}

std::string random_id(gen& g, std::string_view prefix) {
    static constexpr char alnum[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string id(prefix);
    while (id.size() < 18) {
        id.push_back(alnum[g.uniform(0, 61)]);
    }
    return id;
}

double random_double(gen& g) {
    switch (g.uniform(0, 8)) {
        case 0:
            return g.uniform(-1000000, 1000000) / 100.0;  // a currency amount
        case 1:
            return g.uniform(1, 999) * std::pow(10.0, g.uniform(5, 22));  // 1.5E7
        case 2:
            return g.uniform(1, 999) * std::pow(10.0, g.uniform(-12, -3));  // 1.0E-5
        case 3:
            return g.chance(0.5) ? 0.0 : -0.0;
        case 4: {
            double d = 0;
            do {
                const std::uint64_t bits =
                    (std::uint64_t{g.rng()} << 32) | static_cast<std::uint64_t>(g.rng());
                std::memcpy(&d, &bits, sizeof d);
            } while (!std::isfinite(d));
            return d;
        }
        case 5:
            return static_cast<double>(g.uniform(-100000, 100000));  // 15000.0
        case 6:
            return g.uniform(-90000000, 90000000) / 1000000.0;  // latitude
        case 7:
            return 0.1 + 0.2;
        default:
            return 1e16 * g.uniform(1, 9);
    }
}

json::value random_number(gen& g) {
    switch (g.uniform(0, 5)) {
        case 0:
            return static_cast<std::int64_t>(g.uniform(-1000, 1000));
        case 1:
            return g.chance(0.5) ? std::numeric_limits<std::int64_t>::max()
                                 : std::numeric_limits<std::int64_t>::min();
        case 2:
            return std::uint64_t{18446744073709551615u};
        default:
            return random_double(g);
    }
}

json::value random_nested(gen& g, int depth) {
    const int kind = g.uniform(0, depth > 2 ? 4 : 6);
    switch (kind) {
        case 0:
            return random_number(g);
        case 1:
            return json::string(random_text(g, 3));
        case 2:
            return g.chance(0.5);
        case 3:
            return nullptr;
        case 4:
            return random_number(g);
        case 5: {
            json::array a;
            for (int i = g.uniform(0, 4); i > 0; --i) {
                a.push_back(random_nested(g, depth + 1));
            }
            return a;
        }
        default: {
            json::object o;
            for (int i = g.uniform(0, 4); i > 0; --i) {
                o[random_text(g, 1) + std::to_string(i)] = random_nested(g, depth + 1);
            }
            return o;
        }
    }
}

json::object attributes(std::string_view type, std::string_view id) {
    return json::object{
        {"type", type},
        {"url", "/services/data/v59.0/sobjects/" + std::string(type) + "/" + std::string(id)}};
}

std::string random_date(gen& g) {
    static constexpr std::string_view zones[] = {"+0000", "Z", "+0530", "-0800"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "2024-%02d-%02dT%02d:%02d:%02d.000", g.uniform(1, 12),
                  g.uniform(1, 28), g.uniform(0, 23), g.uniform(0, 59), g.uniform(0, 59));
    return std::string(buf) + std::string(g.pick(zones));
}

// A parent as a relationship query returns it: a user, a queue, a polymorphic "Name", or a
// fixture without attributes.
json::value random_person(gen& g, bool with_email) {
    json::object o;
    std::string id;
    switch (g.uniform(0, 5)) {
        case 0:
            id = random_id(g, "005");
            o["attributes"] = attributes("User", id);
            break;
        case 1:
            id = random_id(g, "00G");
            o["attributes"] = attributes("Group", id);
            break;
        case 2:
            id = random_id(g, "005");
            o["attributes"] =
                json::object{{"type", "Name"}, {"url", "/services/data/v59.0/sobjects/User/" + id}};
            break;
        case 3:
            id = random_id(g, "00G");
            o["attributes"] = json::object{{"type", "Name"},
                                           {"url", "/services/data/v59.0/sobjects/Group/" + id}};
            break;
        case 4:
            id = random_id(g, "0XU");  // an unusual prefix, said to be a User
            o["attributes"] = attributes("User", id);
            break;
        default:
            id = random_id(g, g.chance(0.5) ? "005" : "00G");  // fixtures: no attributes
    }
    o["Id"] = id;
    o["Name"] = random_text(g, 2);
    if (with_email) {
        o["Email"] = g.chance(0.7) ? json::value(random_text(g, 1) + "@x.org") : nullptr;
    }
    return o;
}

json::value random_parent(gen& g, std::string_view type, bool with_email) {
    if (g.chance(0.2)) {
        return nullptr;
    }
    const auto id = random_id(g, type == "Account" ? "001" : type == "Contact" ? "003" : "006");
    json::object o;
    // Now and then the wrong object, or no attributes at all.
    const std::string_view said = g.chance(0.15) ? std::string_view("Lead") : type;
    if (!g.chance(0.15)) {
        o["attributes"] = attributes(said, id);
    }
    o["Id"] = id;
    o["Name"] = random_text(g, 2);
    if (with_email) {
        o["Email"] = g.chance(0.5) ? json::value("p@x.org") : nullptr;
    }
    return o;
}

// Files shared between the records of a sync, each with the same metadata wherever it appears.
std::vector<json::object> random_files(gen& g, int n) {
    std::vector<json::object> files;
    for (int i = 0; i < n; ++i) {
        const auto id = random_id(g, "069");
        const auto version = random_id(g, "068");
        json::object cd;
        cd["attributes"] = attributes("ContentDocument", id);
        cd["Id"] = id;
        cd["Title"] = random_text(g, 3);
        cd["FileExtension"] = g.chance(0.8) ? json::value("pdf") : nullptr;
        cd["ContentSize"] = g.chance(0.9) ? json::value(g.uniform(0, 20000000)) : nullptr;
        cd["Description"] = g.chance(0.5) ? json::value(random_text(g)) : nullptr;
        cd["CreatedDate"] = random_date(g);
        cd["LastModifiedDate"] = random_date(g);
        cd["Owner"] = random_person(g, true);
        cd["CreatedBy"] = random_person(g, true);
        if (g.chance(0.9)) {
            cd["LatestPublishedVersion"] =
                json::object{{"attributes", attributes("ContentVersion", version)},
                             {"Id", version},
                             {"VersionNumber", std::to_string(g.uniform(1, 9))}};
        } else {
            cd["LatestPublishedVersion"] = nullptr;
        }
        files.push_back(std::move(cd));
    }
    return files;
}

json::value random_links(gen& g, const std::vector<json::object>& files) {
    if (g.chance(0.3)) {
        return nullptr;
    }
    json::array records;
    for (int i = g.uniform(0, 3); i > 0; --i) {
        const auto link = random_id(g, "06A");
        records.push_back(json::object{
            {"attributes", attributes("ContentDocumentLink", link)},
            {"Id", link},
            {"ContentDocument",
             files[static_cast<std::size_t>(g.uniform(0, static_cast<int>(files.size()) - 1))]}});
    }
    const auto n = static_cast<std::int64_t>(records.size());
    return json::object{{"totalSize", n}, {"done", true}, {"records", std::move(records)}};
}

json::object random_record(gen& g, std::string_view sobject, std::string_view prefix,
                           const std::vector<json::object>& files) {
    json::object r;
    const auto id = random_id(g, prefix);
    r["attributes"] = attributes(sobject, id);
    r["Id"] = id;  // a record without Id fails the listing (mapping_test)
    const int date_kind = g.uniform(0, 20);
    r["LastModifiedDate"] = date_kind == 0   ? json::value(nullptr)
                            : date_kind == 1 ? json::value("yesterday")
                                             : json::value(random_date(g));
    r["Name"] = random_text(g);
    r["Description"] = g.chance(0.7) ? json::value(random_text(g, 12)) : nullptr;
    r["Amount"] = random_double(g);
    r["NumberOfEmployees"] = random_number(g);
    r["IsDeleted"] = g.chance(0.5);
    r["Empty__c"] = nullptr;
    if (g.chance(0.5)) {
        r["BillingAddress"] = g.chance(0.2)
                                  ? json::value(nullptr)
                                  : json::value(json::object{{"city", random_text(g, 2)},
                                                             {"country", "DE"},
                                                             {"geocodeAccuracy", nullptr},
                                                             {"latitude", random_double(g)},
                                                             {"longitude", random_double(g)},
                                                             {"postalCode", "8001"},
                                                             {"state", nullptr},
                                                             {"street", random_text(g, 3)}});
    }
    if (g.chance(0.4)) {
        r["Data__c"] = random_nested(g, 0);
    }
    const auto owner = random_person(g, true);
    r["OwnerId"] = owner.at("Id");
    r["Owner"] = owner;
    if (sobject == "Contact") {
        r["Account"] = random_parent(g, "Account", false);
    } else if (sobject == "Lead") {
        r["ConvertedAccount"] = random_parent(g, "Account", false);
        r["ConvertedContact"] = random_parent(g, "Contact", true);
        r["ConvertedOpportunity"] = random_parent(g, "Opportunity", false);
    } else if (sobject == "Case") {
        r["Subject"] = random_text(g);
        r["CaseNumber"] = std::to_string(g.uniform(1000, 9999));
    }
    r["ContentDocumentLinks"] = random_links(g, files);
    // Members the document writes itself.
    switch (g.uniform(0, 12)) {
        case 0:
            r["id"] = "own-id";
            break;
        case 1:
            r["url"] = "own-url";
            break;
        case 2:
            r["_timestamp"] = "own-timestamp";
            break;
        case 3:
            r["_allow_access_control"] = json::array{"user:Zed", "user:Ann"};
            break;
        case 4:
            r["Feeds"] = "own-feeds";
            break;
        default:
            break;
    }
    return r;
}

json::object random_page(gen& g, std::string_view sobject, std::string_view prefix,
                         const std::vector<json::object>& files) {
    json::array records;
    for (int i = g.uniform(0, 12); i > 0; --i) {
        records.push_back(random_record(g, sobject, prefix, files));
    }
    json::object page;
    page["totalSize"] = static_cast<std::int64_t>(records.size()) + g.uniform(0, 5000);
    const bool done = g.chance(0.5);
    page["done"] = done;
    if (!done) {
        page["nextRecordsUrl"] = "/services/data/v59.0/query/01gD0000002HU6KIAW-2000";
    }
    page["records"] = std::move(records);
    return page;
}

// The CaseFeed page of a page of cases: feeds of some of its cases, and of others.
json::object random_feed_page(gen& g, const json::object& cases) {
    std::vector<std::string> parents;
    for (const auto& c : cases.at("records").as_array()) {
        if (const auto* id = c.as_object().if_contains("Id"); id && id->is_string()) {
            parents.emplace_back(id->get_string());
        }
    }
    parents.push_back(random_id(g, "500"));
    json::array records;
    for (int i = g.uniform(0, 8); i > 0; --i) {
        const auto id = random_id(g, "0D5");
        json::object f;
        f["attributes"] = attributes("CaseFeed", id);
        f["Id"] = id;
        f["ParentId"] =
            parents[static_cast<std::size_t>(g.uniform(0, static_cast<int>(parents.size()) - 1))];
        f["Type"] = "TextPost";
        f["Body"] = random_text(g, 10);
        f["CommentCount"] = random_number(g);
        f["CreatedDate"] = random_date(g);
        records.push_back(std::move(f));
    }
    const auto n = static_cast<std::int64_t>(records.size());
    return json::object{{"totalSize", n}, {"done", true}, {"records", std::move(records)}};
}

// --- spellings -------------------------------------------------------------------------------

enum class number_form {
    canonical,  // core::append_json_double: 15000000.0 (as our mock writes most values)
    java,       // Salesforce (Java's Double.toString): 1.5E7, 1.0E-5, 15000.0
    to_chars,   // to_chars' shortest with .0 added: 1.5e+07
    any,        // any of these, or the same value with trailing zeros and other exponents
};

struct spelling {
    bool pretty = false;
    bool tabs = false;
    bool shuffle = false;
    double value_escapes = 0;   // share of string characters written as \uXXXX
    double key_escapes = 0;     // share of keys with one character written as \uXXXX
    bool java_controls = true;  // control characters as Jackson writes them: \u001F
    number_form numbers = number_form::java;
};

// The shortest digits of `d` (no sign) and the exponent of the first one.
std::pair<std::string, int> shortest_digits(double d) {
    char sci[32];
    const auto end =
        std::to_chars(sci, sci + sizeof sci, std::fabs(d), std::chars_format::scientific).ptr;
    const std::string_view text(sci, static_cast<std::size_t>(end - sci));
    const auto e = text.find('e');
    std::string digits;
    for (char c : text.substr(0, e)) {
        if (c != '.') {
            digits.push_back(c);
        }
    }
    int exponent = 0;
    std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), end, exponent);
    return {digits, exponent};
}

std::string java_double(double d) {
    if (d == 0) {
        return std::signbit(d) ? "-0.0" : "0.0";
    }
    auto [digits, exponent] = shortest_digits(d);
    std::string out = std::signbit(d) ? "-" : "";
    const double a = std::fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        std::string plain;
        const int point = exponent + 1;
        if (point <= 0) {
            plain = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
        } else if (point >= static_cast<int>(digits.size())) {
            plain =
                digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0') + ".0";
        } else {
            plain = digits.substr(0, static_cast<std::size_t>(point)) + "." +
                    digits.substr(static_cast<std::size_t>(point));
        }
        return out + plain;
    }
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
           std::to_string(exponent);
    return out;
}

std::string write_double(gen& g, double d, number_form form) {
    std::string out;
    switch (form) {
        case number_form::canonical:
            casio::core::append_json_double(out, d);
            return out;
        case number_form::java:
            return java_double(d);
        case number_form::to_chars: {
            char buf[32];
            const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;
            out.assign(buf, end);
            if (out.find_first_of(".eE") == std::string::npos) {
                out += ".0";
            }
            return out;
        }
        case number_form::any:
            break;
    }
    switch (g.uniform(0, 4)) {
        case 0:
            return write_double(g, d, number_form::canonical);
        case 1:
            return write_double(g, d, number_form::java);
        case 2:
            return write_double(g, d, number_form::to_chars);
        default: {
            if (d == 0) {
                static constexpr std::string_view zeros[] = {"0.0", "0.000", "0e0", "0E-3",
                                                             "0.0e+10"};
                return (std::signbit(d) ? "-" : "") + std::string(g.pick(zeros));
            }
            // D.DDD000e±X with the point moved: the same decimal, so the same double.
            auto [digits, exponent] = shortest_digits(d);
            digits += std::string(static_cast<std::size_t>(g.uniform(0, 3)), '0');
            const int shift = g.uniform(0, static_cast<int>(digits.size()) - 1);
            out = std::signbit(d) ? "-" : "";
            out += digits.substr(0, static_cast<std::size_t>(shift) + 1);
            if (static_cast<std::size_t>(shift) + 1 < digits.size() || g.chance(0.5)) {
                const auto rest = digits.substr(static_cast<std::size_t>(shift) + 1);
                out += "." + (rest.empty() ? std::string("0") : rest);
            }
            const int e = exponent - shift;
            out += g.chance(0.5) ? "e" : "E";
            if (e >= 0 && g.chance(0.5)) {
                out += "+";
            }
            out += std::to_string(e);
            return out;
        }
    }
}

// The code points of valid UTF-8.
std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (int k = 1; k < n; ++k) {
            cp =
                (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(n);
    }
    return out;
}

void append_u_escape(std::string& out, unsigned v, bool upper) {
    static constexpr char lower_hex[] = "0123456789abcdef";
    static constexpr char upper_hex[] = "0123456789ABCDEF";
    const char* hex = upper ? upper_hex : lower_hex;
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out.push_back(hex[(v >> shift) & 15]);
    }
}

void write_string(std::string& out, std::string_view s, const spelling& sp, gen& g,
                  double escapes) {
    out.push_back('"');
    for (char32_t cp : code_points(s)) {
        const bool escape = escapes > 0 && g.chance(escapes);
        if (escape) {
            if (cp == '/' && g.chance(0.5)) {
                out += "\\/";
            } else if (cp >= 0x10000) {
                const char32_t v = cp - 0x10000;
                append_u_escape(out, 0xD800 + (v >> 10), g.chance(0.5));
                append_u_escape(out, 0xDC00 + (v & 0x3FF), g.chance(0.5));
            } else {
                append_u_escape(out, cp, g.chance(0.5));
            }
            continue;
        }
        switch (cp) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (cp < 0x20) {
                    append_u_escape(out, cp, sp.java_controls);
                } else {
                    append_utf8(out, cp);
                }
        }
    }
    out.push_back('"');
}

struct writer {
    const spelling& sp;
    gen& g;
    std::string out;

    void newline(int depth) {
        if (!sp.pretty) {
            return;
        }
        out.push_back('\n');
        for (int i = 0; i < depth; ++i) {
            out += sp.tabs ? "\t" : "  ";
        }
    }
    void spaces() {
        if (sp.pretty) {
            out.append(static_cast<std::size_t>(g.uniform(0, 2)), g.chance(0.2) ? '\t' : ' ');
        }
    }

    void value(const json::value& v, int depth) {
        switch (v.kind()) {
            case json::kind::null:
                out += "null";
                return;
            case json::kind::bool_:
                out += v.get_bool() ? "true" : "false";
                return;
            case json::kind::int64:
                if (v.get_int64() == 0 && sp.numbers == number_form::any && g.chance(0.3)) {
                    out += "-0";  // the integer 0 too
                } else {
                    out += std::to_string(v.get_int64());
                }
                return;
            case json::kind::uint64:
                out += std::to_string(v.get_uint64());
                return;
            case json::kind::double_:
                out += write_double(g, v.get_double(), sp.numbers);
                return;
            case json::kind::string:
                write_string(out, v.get_string(), sp, g, sp.value_escapes);
                return;
            case json::kind::array: {
                const auto& a = v.get_array();
                out.push_back('[');
                for (std::size_t i = 0; i < a.size(); ++i) {
                    if (i != 0) {
                        spaces();
                        out.push_back(',');
                    }
                    newline(depth + 1);
                    value(a[i], depth + 1);
                }
                if (!a.empty()) {
                    newline(depth);
                } else {
                    spaces();
                }
                out.push_back(']');
                return;
            }
            case json::kind::object: {
                const auto& o = v.get_object();
                std::vector<const json::key_value_pair*> members;
                for (const auto& m : o) {
                    members.push_back(&m);
                }
                if (sp.shuffle) {
                    std::shuffle(members.begin(), members.end(), g.rng);
                }
                out.push_back('{');
                for (std::size_t i = 0; i < members.size(); ++i) {
                    if (i != 0) {
                        spaces();
                        out.push_back(',');
                    }
                    newline(depth + 1);
                    const double key_escapes =
                        sp.key_escapes > 0 && g.chance(sp.key_escapes) ? 0.5 : 0;
                    write_string(out, members[i]->key(), sp, g, key_escapes);
                    spaces();
                    out.push_back(':');
                    spaces();
                    value(members[i]->value(), depth + 1);
                }
                if (!members.empty()) {
                    newline(depth);
                } else {
                    spaces();
                }
                out.push_back('}');
                return;
            }
        }
    }
};

std::string write(const json::value& v, const spelling& sp, std::uint32_t seed) {
    gen g(seed);
    writer w{sp, g, {}};
    if (sp.pretty && g.chance(0.5)) {
        w.out += "\n ";
    }
    w.value(v, 0);
    if (sp.pretty) {
        w.out += "\n";
    }
    return w.out;
}

// --- the two paths ---------------------------------------------------------------------------

struct output {
    std::vector<std::string> docs;   // id, _timestamp, json
    std::vector<std::string> files;  // content_document_json, first-seen order
    std::vector<std::string> warnings;
};

const casio::core::sys_us fixed_now = *casio::core::parse_iso8601("2026-01-02T03:04:05Z");

record_context context_for(std::string_view sobject, const std::vector<std::string>* acl) {
    record_context ctx{base_url, sobject, acl};
    ctx.now = fixed_now;
    return ctx;
}

void add_doc(output& out, std::optional<casio::sync::document> d) {
    if (d) {
        out.docs.push_back(d->id + "|" + d->timestamp.value_or("") + "|" + d->json);
    }
}

void add_files(output& out, content_document_collector& files) {
    for (const auto& f : files.take()) {
        out.files.push_back(content_document_json(f, base_url, nullptr));
    }
}

// As client::load_page (a sparse tree, or the whole page when the scan finds no records) and
// the source's record loops (sync_standard_object, emit_record).
output via_text(std::string_view page, std::string_view feed_page, std::string_view sobject,
                const std::vector<std::string>* acl) {
    output out;
    json::monotonic_resource arena;
    casio::core::json_parser parser;
    auto load = [&](std::string_view text, raw_records& raw,
                    std::span<const std::string_view> fields) {
        raw.scan(text);
        auto tree = raw.sparse_tree(fields, parser, &arena);
        if (!tree) {
            parser.reset(&arena);
            parser.write(text);
            tree.emplace(parser.release());
        }
        return *tree;
    };
    raw_records raw;
    const auto body = load(page, raw, map_record_tree_fields);
    const auto& records = *read_query_page(body).records;
    case_feed_index feeds;
    raw_records feed_raw;
    if (sobject == "Case") {
        const auto feed_body = load(feed_page, feed_raw, case_feed_tree_fields);
        feeds.add(*read_query_page(feed_body).records, &feed_raw);
    }
    content_document_collector files;
    const warning_sink warn = [&](std::string_view w) { out.warnings.emplace_back(w); };
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& rec = records[i].as_object();
        auto ctx = context_for(sobject, acl);
        const auto text = raw.size() == records.size() ? raw.record(i) : std::nullopt;
        if (sobject == "Contact" || sobject == "Lead") {
            ctx.extras = text ? enrichment_fields(sobject, *text) : enrichment_fields(sobject, rec);
        } else if (sobject == "Case") {
            const auto* id = rec.if_contains("Id");
            ctx.extras.push_back(feeds.feeds_field(
                id != nullptr && id->is_string() ? std::string_view(id->get_string()) : ""));
        }
        if (text) {
            files.add_from_record(rec, *text);
        } else {
            files.add_from_record(rec);
        }
        add_doc(out, map_record(rec, ctx, warn, text));
    }
    add_files(out, files);
    return out;
}

// The reference: every record parsed whole and written from its tree.
output via_tree(std::string_view page, std::string_view feed_page, std::string_view sobject,
                const std::vector<std::string>* acl) {
    output out;
    const auto body = casio::core::parse_json(page);
    const auto& records = *read_query_page(body).records;
    case_feed_index feeds;
    if (sobject == "Case") {
        const auto feed_body = casio::core::parse_json(feed_page);
        feeds.add(*read_query_page(feed_body).records);
    }
    content_document_collector files;
    const warning_sink warn = [&](std::string_view w) { out.warnings.emplace_back(w); };
    for (const auto& r : records) {
        const auto& rec = r.as_object();
        auto ctx = context_for(sobject, acl);
        if (sobject == "Contact" || sobject == "Lead") {
            ctx.extras = enrichment_fields(sobject, rec);
        } else if (sobject == "Case") {
            const auto* id = rec.if_contains("Id");
            ctx.extras.push_back(feeds.feeds_field(
                id != nullptr && id->is_string() ? std::string_view(id->get_string()) : ""));
        }
        files.add_from_record(rec);
        add_doc(out, map_record(rec, ctx, warn));
    }
    add_files(out, files);
    return out;
}

// "" when equal; else where the first difference is, with some context.
std::string difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] == b[i]) {
            continue;
        }
        const auto at = static_cast<std::size_t>(
            std::mismatch(a[i].begin(), a[i].end(), b[i].begin(), b[i].end()).first - a[i].begin());
        const auto from = at < 80 ? 0 : at - 80;
        return "#" + std::to_string(i) + ": ..." + a[i].substr(from, 160) + "\nvs ..." +
               b[i].substr(from, 160);
    }
    return a.size() == b.size() ? "" : std::to_string(a.size()) + " vs " + std::to_string(b.size());
}

// A document as a JSON value (member order aside), with its id and timestamp.
std::pair<std::string, json::value> as_value(const std::string& doc) {
    const auto bar = doc.find('|', doc.find('|') + 1);
    return {doc.substr(0, bar), casio::core::parse_json(std::string_view(doc).substr(bar + 1))};
}

std::map<std::string, std::string> files_by_id(const std::vector<std::string>& files) {
    std::map<std::string, std::string> out;
    for (const auto& f : files) {
        out[std::string(casio::core::parse_json(f).at("url").as_string())] = f;
    }
    return out;
}

struct object_kind {
    std::string_view name;
    std::string_view prefix;
};
constexpr object_kind kinds[] = {
    {"Account", "001"}, {"Contact", "003"}, {"Lead", "00Q"}, {"Case", "500"}, {"Widget__c", "a01"},
};

}  // namespace

TEST_CASE("page text and tree give the same documents for any spelling of a page",
          "[salesforce][raw][property]") {
    const std::vector<std::string> acl{"user:Ann", "user_id:005A"};
    int usable_records = 0;
    int records_total = 0;
    int written_again = 0;
    for (std::uint32_t seed = 1; seed <= 120; ++seed) {
        gen g(seed);
        const auto& kind = kinds[seed % std::size(kinds)];
        const auto files = random_files(g, g.uniform(1, 6));
        const auto page = random_page(g, kind.name, kind.prefix, files);
        const auto feed_page = random_feed_page(g, page);
        const auto* dls = g.chance(0.3) ? &acl : nullptr;

        // As Salesforce writes it (Java's numbers and \u001F), or as our mock does.
        spelling compact;
        compact.numbers = g.chance(0.5) ? number_form::java : number_form::canonical;
        compact.java_controls = compact.numbers == number_form::java;
        spelling pretty = compact;
        pretty.pretty = true;
        pretty.tabs = g.chance(0.3);
        spelling escaped = compact;
        escaped.value_escapes = 0.2;
        escaped.key_escapes = g.chance(0.3) ? 0.05 : 0;
        escaped.java_controls = g.chance(0.5);
        escaped.numbers = number_form::any;
        spelling pretty_escaped = escaped;
        pretty_escaped.pretty = true;
        spelling shuffled = compact;
        shuffled.shuffle = true;
        spelling everything = pretty_escaped;
        everything.shuffle = true;

        const std::uint32_t text_seed = seed * 7919;
        const auto compact_page = write(page, compact, text_seed);
        const auto compact_feeds = write(feed_page, compact, text_seed + 1);
        const auto reference = via_tree(compact_page, compact_feeds, kind.name, dls);
        {
            raw_records scan(compact_page);
            for (std::size_t i = 0; i < scan.size(); ++i) {
                ++records_total;
                if (const auto members = scan.record(i)) {
                    ++usable_records;
                    written_again += static_cast<int>(
                        std::count_if(members->begin(), members->end(),
                                      [](const raw_member& m) { return !m.canonical; }));
                }
            }
        }

        const std::pair<const char*, const spelling*> variants[] = {
            {"compact", &compact},   {"pretty", &pretty},
            {"escaped", &escaped},   {"pretty escaped", &pretty_escaped},
            {"shuffled", &shuffled}, {"shuffled pretty escaped", &everything},
        };
        for (const auto& [name, sp] : variants) {
            const auto text = write(page, *sp, text_seed + 2);
            const auto feeds = write(feed_page, *sp, text_seed + 3);
            INFO("seed " << seed << ", " << kind.name << ", " << name << "\n"
                         << text << "\n"
                         << feeds);
            // The spelling is the same JSON value.
            REQUIRE(casio::core::parse_json(text) == casio::core::parse_json(compact_page));

            // (a) The page-text path writes what the tree path writes.
            const auto fast = via_text(text, feeds, kind.name, dls);
            const auto slow = via_tree(text, feeds, kind.name, dls);
            REQUIRE(difference(fast.docs, slow.docs) == "");
            REQUIRE(difference(fast.files, slow.files) == "");
            REQUIRE(fast.warnings == slow.warnings);

            if (!sp->shuffle) {
                // (b) Whitespace and escapes change nothing.
                REQUIRE(difference(fast.docs, reference.docs) == "");
                REQUIRE(difference(fast.files, reference.files) == "");
            } else {
                // (c) Neither does member order, but that of the documents' own members.
                REQUIRE(fast.docs.size() == reference.docs.size());
                for (std::size_t i = 0; i < fast.docs.size(); ++i) {
                    REQUIRE(as_value(fast.docs[i]) == as_value(reference.docs[i]));
                }
                REQUIRE(files_by_id(fast.files) == files_by_id(reference.files));
            }
        }
    }
    // The pages exercised what they should: most records read from the text, with members
    // written again from it (Java's numbers, \u001F) and members copied.
    CHECK(usable_records > records_total * 9 / 10);
    CHECK(written_again > 100);
}

TEST_CASE("a number token is canonical exactly when the tree path writes it unchanged",
          "[salesforce][raw][property]") {
    gen g(424242);
    int canonical = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string token;
        if (g.chance(0.2)) {
            const std::int64_t v =
                g.chance(0.5) ? g.uniform(-100000, 100000)
                              : static_cast<std::int64_t>((std::uint64_t{g.rng()} << 32) | g.rng());
            token = v == 0 && g.chance(0.5) ? "-0" : std::to_string(v);
            if (g.chance(0.1)) {
                token += "0000";  // past int64 now and then
            }
        } else {
            token = write_double(g, random_double(g), number_form::any);
        }
        INFO(token);
        const std::string page = R"({"records":[{"n":)" + token + "}]}";
        const raw_records raw(page);
        REQUIRE(raw.record(0));
        const auto& m = (*raw.record(0))[0];
        std::string written;
        casio::core::append_json_value(written, casio::core::parse_json(token));
        INFO(token << " -> " << written);
        CHECK(m.canonical == (written == token));
        canonical += m.canonical ? 1 : 0;
        // Either way, what the text path writes is the tree path's.
        std::string out;
        append_canonical(out, m.value, m.canonical);
        CHECK(out == written);
    }
    CHECK(canonical > 5000);
    CHECK(canonical < 18000);
}
