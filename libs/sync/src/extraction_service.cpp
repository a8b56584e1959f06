#include <fstream>

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <casio/sync/extraction_service.hpp>

namespace casio::sync {

namespace read = core::config_read;
using core::field;

namespace {

bool is_http_url(const std::optional<std::string>& v) {
    return !v || v->rfind("http://", 0) == 0 || v->rfind("https://", 0) == 0;
}

// The file in pieces of `chunk` bytes (the request's body).
std::vector<std::string> read_pieces(const std::filesystem::path& path, std::size_t chunk) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw core::error(core::error_kind::fatal, "cannot read " + path.string());
    }
    std::vector<std::string> pieces;
    for (;;) {
        std::string piece(chunk, '\0');
        in.read(piece.data(), static_cast<std::streamsize>(chunk));
        piece.resize(static_cast<std::size_t>(in.gcount()));
        if (piece.empty()) {
            break;
        }
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

// The text of an answer, or why there is none (`who`: "the extraction service at ...").
text_extractor::result read_answer(const http::response& res, const std::string& service) {
    const std::string who = service + " could not read it";
    boost::system::error_code ec;
    const auto body = boost::json::parse(res.body, ec);
    const auto* o = !ec ? body.if_object() : nullptr;
    if (o == nullptr) {
        return {std::nullopt,
                who + " (HTTP " + std::to_string(res.status) +
                    "; an answer that is not a JSON object: " + res.body.substr(0, 200) + ")"};
    }
    auto member = [o](const char* key) -> std::string {
        const auto* v = o->if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    if (res.status != 200 || o->contains("error")) {
        const auto error = member("error");
        const auto message = member("message");
        return {std::nullopt, who + " (HTTP " + std::to_string(res.status) + ", " +
                                  (error.empty() ? "unexpected error" : error) +
                                  "): " + (message.empty() ? "unknown cause" : message)};
    }
    const auto* text = o->if_contains("extracted_text");
    if (text != nullptr && !text->is_string() && !text->is_null()) {
        return {std::nullopt, who + ": extracted_text is not a string"};
    }
    return {member("extracted_text"), {}};
}

}  // namespace

const core::config_table<extraction_service_settings>& extraction_service_table() {
    using s = extraction_service_settings;
    static const core::config_table<s> table{{
        field("host", &s::host,
              read::checked{read::optional_string{}, is_http_url, "an http:// or https:// URL"}),
        field("timeout", &s::timeout, read::seconds{true}),
        field("use_file_pointers", &s::use_file_pointers, read::boolean{}),
        field("shared_volume_dir", &s::shared_volume_dir, read::string{}),
        core::setter<s>(
            "stream_chunk_size", read::integer{1, 64 * 1024 * 1024},
            [](s& out, std::int64_t v) { out.stream_chunk_size = static_cast<std::size_t>(v); }),
    }};
    return table;
}

extraction_service_client::extraction_service_client(http::transport& t,
                                                     extraction_service_settings s)
    : transport_(t), settings_(std::move(s)) {}

std::filesystem::path extraction_service_client::spool_dir() const {
    return settings_.use_file_pointers ? std::filesystem::path(settings_.shared_volume_dir)
                                       : std::filesystem::path();
}

std::string extraction_service_client::describe() const {
    return "the extraction service at " + settings_.host.value_or("");
}

boost::asio::awaitable<text_extractor::result> extraction_service_client::extract(
    const std::filesystem::path& path,
    std::string_view /*name: the service finds the format itself*/) {
    http::request req;
    req.verb = http::method::put;
    req.url = settings_.host.value_or("") + "/extract_text/";
    req.fields = {{"Accept", "application/json"}};
    req.timeout = settings_.timeout;
    try {
        if (settings_.use_file_pointers) {
            req.url += "?local_file_path=" +
                       boost::urls::encode(path.string(), boost::urls::unreserved_chars);
        } else {
            req.fields.push_back({"Content-Type", "application/octet-stream"});
            req.body_chunks = read_pieces(path, settings_.stream_chunk_size);
        }
        const auto res = co_await transport_.send(std::move(req));
        co_return read_answer(res, describe());
    } catch (const core::error& e) {
        co_return result{std::nullopt, describe() + " failed: " + e.what()};
    }
}

}  // namespace casio::sync
