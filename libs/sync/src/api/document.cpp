#include <array>
#include <memory>
#include <openssl/evp.h>

#include <casio/core/error.hpp>
#include <casio/core/json_text.hpp>
#include <casio/sync/document.hpp>

namespace casio::sync {

std::string md5_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) != 1) {
        // MD5 is refused by OpenSSL only in a FIPS-only provider setup.
        throw core::error(core::error_kind::fatal, "MD5 digest unavailable for a long document id");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::size_t{len} * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0xf]);
    }
    return out;
}

std::string document_id(std::string_view source_id) {
    if (source_id.size() > max_id_bytes) {
        return md5_hex(source_id);
    }
    return std::string(source_id);
}

void append_json_field(std::string& object_json, std::string_view key, std::string_view raw_value) {
    while (!object_json.empty() && (object_json.back() == '\n' || object_json.back() == ' ' ||
                                    object_json.back() == '\r')) {
        object_json.pop_back();
    }
    if (object_json.size() < 2 || object_json.back() != '}' || object_json.front() != '{') {
        throw core::error(core::error_kind::bad_request,
                          "document source is not a serialised JSON object (adding field '" +
                              std::string(key) + "')");
    }
    object_json.pop_back();
    // An empty object is "{" now; anything else needs a separator.
    std::size_t last = object_json.find_last_not_of(" \t\r\n");
    if (last != 0) {
        object_json.push_back(',');
    }
    object_json.push_back('"');
    core::append_json_escaped(object_json, key);
    object_json += "\":";
    object_json += raw_value;
    object_json.push_back('}');
}

void append_json_string_field(std::string& object_json, std::string_view key,
                              std::string_view value) {
    std::string raw;
    raw.reserve(value.size() + 2);
    raw.push_back('"');
    core::append_json_escaped(raw, value);
    raw.push_back('"');
    append_json_field(object_json, key, raw);
}

document make_document(std::string_view source_id, std::string object_json,
                       std::optional<std::string> timestamp, bool has_attachment) {
    document d;
    d.id = std::string(source_id);
    d.json = std::move(object_json);
    if (timestamp) {
        append_json_string_field(d.json, "_timestamp", *timestamp);
    }
    d.timestamp = std::move(timestamp);
    d.has_attachment = has_attachment;
    return d;
}

document make_deletion(std::string_view source_id) {
    document d;
    d.id = std::string(source_id);
    d.deleted = true;
    return d;
}

void finish_document(document& d, const pipeline_settings* pipeline) {
    if (d.id.size() > max_id_bytes) {
        d.id = md5_hex(d.id);
    }
    if (d.deleted) {
        return;  // only the id travels
    }
    // One growth for the appended members instead of several.
    d.json.reserve(d.json.size() + d.id.size() + 96);
    append_json_string_field(d.json, "id", d.id);
    if (pipeline != nullptr && !d.partial) {
        append_json_field(d.json, "_extract_binary_content",
                          pipeline->extract_binary_content ? "true" : "false");
        append_json_field(d.json, "_reduce_whitespace",
                          pipeline->reduce_whitespace ? "true" : "false");
        append_json_field(d.json, "_run_ml_inference",
                          pipeline->run_ml_inference ? "true" : "false");
    }
}

}  // namespace casio::sync
