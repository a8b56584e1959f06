#include <optional>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <casio/core/error.hpp>
#include <casio/salesforce/config.hpp>
#include <casio/salesforce/constants.hpp>

namespace casio::salesforce {

namespace json = boost::json;

namespace {

// One field of the schema; properties not set keep the framework defaults.
struct field_spec {
    std::string_view key;
    std::string_view label;
    int order;
    std::string_view tooltip;
    std::string_view type = "str";
    std::string_view display = "text";
    bool required = true;
    bool sensitive = false;
    json::value value = "";
    std::string_view depends_on_field = {};
    bool advanced = false;
};

std::string standard_default() {
    std::string out;
    for (auto s : standard_sobjects) {
        if (!out.empty()) {
            out += ", ";
        }
        out += s;
    }
    return out;
}

std::vector<field_spec> fields() {
    return {
        {"domain", "Domain", 1,
         "Your org's My Domain name: for https://acme.my.salesforce.com enter 'acme'. A full "
         "URL (https://host:port) is used as it is, e.g. for a proxy or a sandbox."},
        {"client_id", "Client ID", 2,
         "Consumer key of the connected app that allows the OAuth 2.0 client credentials flow.",
         "str", "text", true, true},
        {"client_secret", "Client Secret", 3, "Consumer secret of that connected app.", "str",
         "text", true, true},
        {"standard_objects_to_sync", "Standard Objects to Sync", 4,
         "Comma-separated standard objects to index; delete a name to leave that object out, "
         "or use '*' for all of them.",
         "list", "textarea", false, false, json::value(standard_default())},
        {"sync_custom_objects", "Sync Custom Objects", 5,
         "Also index custom objects (names ending in __c).", "bool", "toggle", true, false,
         json::value(false)},
        {"custom_objects_to_sync", "Custom Objects to Sync", 6,
         "Comma-separated custom objects to index ('*' for every custom object of the org).",
         "list", "textarea", true, false, json::value(""), "sync_custom_objects"},
        {"use_text_extraction_service",
         "Use text extraction service",
         7,
         "Extract file text with a separately deployed text extraction service instead of the "
         "ingest pipeline (turn pipeline extraction off when you enable this).",
         "bool",
         "toggle",
         true,
         false,
         json::value(false),
         {},
         true},
        {"use_document_level_security", "Enable document level security", 8,
         "Keep Salesforce read permissions on the indexed documents, so that searches show each "
         "user only what they may read in Salesforce. Access control syncs keep these "
         "permissions current.",
         "bool", "toggle", true, false, json::value(false)},
    };
}

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

const json::value* field_value(const json::object& configuration, std::string_view key) {
    const auto* f = configuration.if_contains(key);
    if (f == nullptr) {
        return nullptr;
    }
    if (f->is_object()) {
        return f->get_object().if_contains("value");
    }
    return f;  // a bare value is accepted too
}

std::string read_string(const json::value* v) {
    if (v == nullptr || v->is_null()) {
        return {};
    }
    if (v->is_string()) {
        return std::string(trim(v->get_string()));
    }
    return {};
}

// nullopt when the value is empty (the framework reads "" as an unset bool).
std::optional<bool> read_bool(const json::value* v) {
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (v->is_bool()) {
        return v->get_bool();
    }
    if (v->is_string()) {
        const auto s = trim(v->get_string());
        if (s == "true" || s == "True" || s == "TRUE") {
            return true;
        }
        if (s == "false" || s == "False" || s == "FALSE") {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> read_list(const json::value* v) {
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (v->is_string()) {
        return parse_list(v->get_string());
    }
    if (v->is_array()) {
        std::vector<std::string> out;
        for (const auto& item : v->get_array()) {
            if (item.is_string()) {
                auto s = trim(item.get_string());
                if (!s.empty()) {
                    out.emplace_back(s);
                }
            }
        }
        return out;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> parse_list(std::string_view text) {
    std::vector<std::string> out;
    while (true) {
        const auto comma = text.find(',');
        const auto item = trim(text.substr(0, comma));
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string normalise_custom_object(std::string_view name) {
    std::string out(name);
    if (name != "*" && !(name.size() >= 3 && name.substr(name.size() - 3) == "__c")) {
        out += "__c";
    }
    return out;
}

std::string base_url(std::string_view domain, std::string_view override_url) {
    if (!override_url.empty()) {
        return std::string(override_url);
    }
    // A full URL (a mock, a proxy, a sandbox host) is used as it is.
    if (domain.starts_with("http://") || domain.starts_with("https://")) {
        while (domain.ends_with('/')) {
            domain.remove_suffix(1);
        }
        return std::string(domain);
    }
    std::string url = "https://";
    url += domain;
    url += ".my.salesforce.com";
    return url;
}

std::vector<std::string> config::standard_objects_to_sync() const {
    if (standard_objects.size() == 1 && standard_objects.front() == "*") {
        return {standard_sobjects.begin(), standard_sobjects.end()};
    }
    return standard_objects;
}

bool config::all_custom_objects() const {
    return custom_objects.size() == 1 && custom_objects.front() == "*";
}

json::object configuration_schema() {
    json::object schema;
    for (const auto& f : fields()) {
        json::object entry;
        entry["default_value"] = nullptr;
        json::array depends_on;
        if (!f.depends_on_field.empty()) {
            depends_on.push_back(json::object{{"field", f.depends_on_field}, {"value", true}});
        }
        entry["depends_on"] = std::move(depends_on);
        entry["display"] = f.display;
        entry["label"] = f.label;
        entry["options"] = json::array{};
        entry["order"] = f.order;
        entry["required"] = f.required;
        entry["sensitive"] = f.sensitive;
        entry["tooltip"] = f.tooltip;
        entry["type"] = f.type;
        entry["ui_restrictions"] = f.advanced ? json::array{"advanced"} : json::array{};
        entry["validations"] = json::array{};
        entry["value"] = f.value;
        schema[f.key] = std::move(entry);
    }
    return schema;
}

config parse_config(const json::object& configuration) {
    config c;
    std::vector<std::string> errors;
    auto empty = [&](std::string_view label) {
        errors.push_back("'" + std::string(label) + "' cannot be empty.");
    };

    c.domain = read_string(field_value(configuration, "domain"));
    if (c.domain.empty()) {
        empty("Domain");
    }
    c.client_id = read_string(field_value(configuration, "client_id"));
    if (c.client_id.empty()) {
        empty("Client ID");
    }
    c.client_secret = read_string(field_value(configuration, "client_secret"));
    if (c.client_secret.empty()) {
        empty("Client Secret");
    }

    // A configuration written before this field existed gets the default list; an emptied
    // field means "no standard object" (it is optional), never a crash.
    if (const auto* v = field_value(configuration, "standard_objects_to_sync"); v == nullptr) {
        c.standard_objects.assign(standard_sobjects.begin(), standard_sobjects.end());
    } else {
        c.standard_objects = read_list(v).value_or(std::vector<std::string>{});
    }

    const auto* sync_custom = field_value(configuration, "sync_custom_objects");
    const auto sync_custom_value = read_bool(sync_custom);
    if (sync_custom != nullptr && !sync_custom_value) {
        empty("Sync Custom Objects");
    }
    c.sync_custom_objects = sync_custom_value.value_or(false);

    auto customs = read_list(field_value(configuration, "custom_objects_to_sync"));
    if (c.sync_custom_objects && (!customs || customs->empty())) {
        empty("Custom Objects to Sync");
    }
    if (customs) {
        for (const auto& name : *customs) {
            c.custom_objects.push_back(normalise_custom_object(name));
        }
    }

    // Older connector documents lack these toggles: absent means off (not a malformed config).
    const auto* tes = field_value(configuration, "use_text_extraction_service");
    const auto tes_value = read_bool(tes);
    if (tes != nullptr && !tes_value) {
        empty("Use text extraction service");
    }
    c.use_text_extraction_service = tes_value.value_or(false);

    const auto* dls = field_value(configuration, "use_document_level_security");
    const auto dls_value = read_bool(dls);
    if (dls != nullptr && !dls_value) {
        empty("Enable document level security");
    }
    c.use_document_level_security = dls_value.value_or(false);

    if (!errors.empty()) {
        std::string msg = "Field validation errors: ";
        for (std::size_t i = 0; i < errors.size(); ++i) {
            if (i != 0) {
                msg += "; ";
            }
            msg += errors[i];
        }
        throw core::error(core::error_kind::bad_request, msg);
    }
    return c;
}

}  // namespace casio::salesforce
