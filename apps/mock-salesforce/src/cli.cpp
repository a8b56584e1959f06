#include "cli.hpp"

#include <limits>
#include <string_view>

#include <casio/core/text.hpp>

#include "org.hpp"

namespace casio::mock_sf {

const char* cli_usage() noexcept {
    return "usage: mock-salesforce --client-id ID --client-secret SECRET [--port 0] [--host "
           "127.0.0.1]\n"
           "                       [--seed 1] [--records 100] [--fixture FILE]\n"
           "                       [--token-expires-after N] [--request-limit N] [--error-rate P]\n"
           "                       [--fault-seed S] [--latency-ms N] [--download-chunk-delay-ms "
           "N]\n"
           "                       [--truncate-downloads-at BYTES] [--bandwidth-mbps N]\n"
           "                       [--max-in-flight N] [--json-style STYLE] [--locators ORDER]\n"
           "                       [--max-open-cursors N]\n"
           "                       [--damaged-files] [--file-kinds LIST] [--file-media-share P]\n"
           "\n"
           "  --bandwidth-mbps N     response bodies paced to N megabits/s per connection\n"
           "                         (fractional allowed; 0 = unlimited, the default)\n"
           "  --max-in-flight N      an API request arriving while N are being answered gets\n"
           "                         403 REQUEST_LIMIT_EXCEEDED (0 = unlimited, the default)\n"
           "  --json-style STYLE     compact (default), pretty, escaped, pretty-escaped or spaced\n"
           "                         (one line with \", \" and \": \" as Python writes it);\n"
           "                         the header X-PrettyPrint: 1 asks for pretty per request\n"
           "  --locators ORDER       any (default): query locator pages at any offset, in any\n"
           "                         order; sequential: only the page the previous one of that\n"
           "                         cursor pointed to (else 400 INVALID_QUERY_LOCATOR)\n"
           "  --max-open-cursors N   query cursors open at once (each page not served yet keeps\n"
           "                         its cursor open); one more releases the oldest, whose\n"
           "                         pages then get 400 INVALID_QUERY_LOCATOR. Salesforce: 10\n"
           "                         per user (0 = no limit, the default)\n"
           "  --damaged-files        7 more files no extractor can read, after the generated\n"
           "                         ones: \"Corrupt scan.pdf\", \"Corrupt memo.docx\" (bytes\n"
           "                         flipped), \"Truncated report.pdf\", \"Truncated "
           "budget.xlsx\"\n"
           "                         (cut at half), \"Encrypted contract.pdf\", \"Encrypted\n"
           "                         proposal.docx\" (password-protected) and \"Zip bomb.docx\"\n"
           "                         (~1 MB inflating to 1 GiB + 16 MiB); linked from the first\n"
           "                         Account, Opportunity, Contact, Lead, Campaign and Case in\n"
           "                         turn; a generated org only (not with --fixture)\n"
           "  --file-kinds LIST      the extensions generated files take in turn, e.g.\n"
           "                         pdf,pdf,docx,xlsx,pptx,png (default: every kind, about\n"
           "                         half of them plain text); any of txt pdf docx csv html\n"
           "                         json md xml png xlsx pptx rtf\n"
           "  --file-media-share P   the share (0 to 0.95) of each PDF's and OOXML document's\n"
           "                         bytes that are images, as in documents from the wild\n"
           "                         (default 0: text only)\n";
}

namespace {

template <class T>
T number(const std::string& flag, const std::string& text, T max) {
    const auto v = casio::core::parse_number<T>(text);
    if (!v || *v > max) {
        throw cli_error(flag + ": expected a number" +
                        (max != std::numeric_limits<T>::max() ? " up to " + std::to_string(max)
                                                              : std::string()) +
                        ", got '" + text + "'");
    }
    return *v;
}

// "<flag>: expected <what>, got '<text>'"
std::string expected(const std::string& flag, std::string_view what, const std::string& text) {
    std::string out = flag;
    out.append(": expected ").append(what).append(", got '").append(text).append("'");
    return out;
}

}  // namespace

cli_options parse_cli(const std::vector<std::string>& args) {
    cli_options o;
    bool have_id = false, have_secret = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag.resize(eq);
        }
        if (flag == "--help" || flag == "-h") {
            o.help = true;
            continue;
        }
        if (flag == "--damaged-files" && !inline_value) {
            o.damaged_files = true;
            continue;
        }
        auto value = [&]() -> std::string {
            if (inline_value) {
                return *inline_value;
            }
            if (i + 1 >= args.size()) {
                throw cli_error(flag + ": missing value");
            }
            return args[++i];
        };
        constexpr auto u64max = std::numeric_limits<std::uint64_t>::max();
        auto& f = o.service.faults;
        if (flag == "--port") {
            o.port = static_cast<std::uint16_t>(number<std::uint32_t>(flag, value(), 65535));
        } else if (flag == "--host") {
            o.host = value();
        } else if (flag == "--seed") {
            o.seed = number<std::uint64_t>(flag, value(), u64max);
        } else if (flag == "--records") {
            o.records = number<std::size_t>(flag, value(), 100'000'000);
        } else if (flag == "--fixture") {
            o.fixture = value();
        } else if (flag == "--client-id") {
            o.service.client_id = value();
            have_id = !o.service.client_id.empty();
        } else if (flag == "--client-secret") {
            o.service.client_secret = value();
            have_secret = !o.service.client_secret.empty();
        } else if (flag == "--token-expires-after") {
            f.token_expires_after = number<std::size_t>(flag, value(), u64max);
        } else if (flag == "--request-limit") {
            f.request_limit = number<std::size_t>(flag, value(), u64max);
        } else if (flag == "--error-rate") {
            auto text = value();
            const auto p = casio::core::parse_number<double>(text);
            if (!p || !(*p >= 0) || *p > 1) {
                throw cli_error(expected(flag, "a probability between 0 and 1", text));
            }
            f.error_rate = *p;
        } else if (flag == "--fault-seed") {
            f.seed = number<std::uint64_t>(flag, value(), u64max);
        } else if (flag == "--latency-ms") {
            f.latency = std::chrono::milliseconds(number<std::uint32_t>(flag, value(), 600'000));
        } else if (flag == "--download-chunk-delay-ms") {
            f.download_chunk_delay =
                std::chrono::milliseconds(number<std::uint32_t>(flag, value(), 600'000));
        } else if (flag == "--truncate-downloads-at") {
            f.truncate_downloads_at = number<std::uint64_t>(flag, value(), u64max);
        } else if (flag == "--bandwidth-mbps") {
            auto text = value();
            const auto mbps = casio::core::parse_number<double>(text);
            // The upper bound keeps the per-byte time representable; 1 Tbit/s is unlimited enough.
            if (!mbps || !(*mbps >= 0) || *mbps > 1e6) {
                throw cli_error(
                    expected(flag, "megabits per second between 0 (unlimited) and 1000000", text));
            }
            f.bandwidth_mbps = *mbps;
        } else if (flag == "--max-open-cursors") {
            o.service.max_open_cursors = number<std::size_t>(flag, value(), 1u << 20);
        } else if (flag == "--max-in-flight") {
            f.max_in_flight = number<std::size_t>(flag, value(), u64max);
        } else if (flag == "--json-style") {
            auto text = value();
            auto style = parse_json_style(text);
            if (!style) {
                throw cli_error(expected(flag, "compact, pretty, escaped or pretty-escaped", text));
            }
            o.service.json = *style;
        } else if (flag == "--file-kinds") {
            auto text = value();
            o.file_kinds.clear();
            for (std::size_t at = 0; at <= text.size();) {
                auto comma = std::min(text.find(',', at), text.size());
                auto kind = text.substr(at, comma - at);
                if (!is_file_kind(kind)) {
                    throw cli_error(expected(flag,
                                             "extensions among txt pdf docx csv html json md xml "
                                             "png xlsx pptx rtf, separated by commas",
                                             text));
                }
                o.file_kinds.push_back(kind);
                at = comma + 1;
            }
        } else if (flag == "--file-media-share") {
            auto text = value();
            const auto p = casio::core::parse_number<double>(text);
            if (!p || !(*p >= 0) || *p > 0.95) {
                throw cli_error(expected(flag, "a share between 0 and 0.95", text));
            }
            o.file_media_share = *p;
        } else if (flag == "--locators") {
            auto text = value();
            if (text == "any") {
                o.service.locators = locator_order::any;
            } else if (text == "sequential") {
                o.service.locators = locator_order::sequential;
            } else {
                throw cli_error(expected(flag, "any or sequential", text));
            }
        } else {
            throw cli_error(flag + ": unknown flag");
        }
    }
    if (o.help) {
        return o;
    }
    if (o.damaged_files && o.fixture) {
        throw cli_error("--damaged-files: only with a generated org, not with --fixture");
    }
    if (!have_id) {
        throw cli_error("--client-id: required");
    }
    if (!have_secret) {
        throw cli_error("--client-secret: required");
    }
    return o;
}

}  // namespace casio::mock_sf
