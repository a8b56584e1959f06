#include "describe.hpp"

namespace casio::mock_sf {

namespace {

// "BillingAddress" -> "Billing Address", "OwnerId" -> "Owner ID", "Budget__c" -> "Budget".
std::string label_of(std::string_view name) {
    if (name.ends_with("__c")) {
        name.remove_suffix(3);
    }
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '_') {
            out += ' ';
            continue;
        }
        if (i > 0 && c >= 'A' && c <= 'Z' && name[i - 1] >= 'a' && name[i - 1] <= 'z') {
            out += ' ';
        }
        out += c;
    }
    if (out.size() > 3 && out.ends_with(" Id")) {
        out.replace(out.size() - 2, 2, "ID");
    }
    return out;
}

std::string_view soap_type(field_type t) {
    switch (t) {
        case field_type::id:
        case field_type::reference:
            return "tns:ID";
        case field_type::boolean:
            return "xsd:boolean";
        case field_type::integer:
            return "xsd:int";
        case field_type::double_:
        case field_type::currency:
        case field_type::percent:
            return "xsd:double";
        case field_type::date:
            return "xsd:date";
        case field_type::datetime:
            return "xsd:dateTime";
        case field_type::address:
            return "urn:address";
        default:
            return "xsd:string";
    }
}

void append_flags(std::string& out, const object_def& o, std::string_view version) {
    const bool plain = o.custom || o.name == "Account" || o.name == "Contact" || o.name == "Lead" ||
                       o.name == "Opportunity" || o.name == "Case" || o.name == "Campaign";
    auto flag = [&](std::string_view key, bool v) {
        out += '"';
        out += key;
        out += "\":";
        out += v ? "true" : "false";
        out += ',';
    };
    flag("activateable", false);
    flag("createable", true);
    flag("custom", o.custom);
    flag("customSetting", false);
    flag("deletable", true);
    flag("deprecatedAndHidden", false);
    flag("feedEnabled", plain);
    out += "\"keyPrefix\":";
    append_json_string(out, o.key_prefix);
    out += ",\"label\":";
    append_json_string(out, o.label);
    out += ",\"labelPlural\":";
    append_json_string(out, o.label_plural);
    out += ',';
    flag("layoutable", plain);
    flag("mergeable", o.name == "Account" || o.name == "Contact" || o.name == "Lead");
    flag("mruEnabled", plain);
    out += "\"name\":";
    append_json_string(out, o.name);
    out += ',';
    flag("queryable", o.queryable);
    flag("replicateable", o.replicateable);
    flag("retrieveable", true);
    flag("searchable", plain);
    flag("triggerable", plain);
    flag("undeletable", plain);
    flag("updateable", true);
    const std::string base = "/services/data/" + std::string(version) + "/sobjects/" + o.name;
    out += "\"urls\":{\"sobject\":\"" + base + "\",\"describe\":\"" + base +
           "/describe\",\"rowTemplate\":\"" + base + "/{ID}\"}";
}

}  // namespace

std::string describe_global(const schema& s, std::string_view api_version) {
    std::string out = "{\"encoding\":\"UTF-8\",\"maxBatchSize\":200,\"sobjects\":[";
    bool first = true;
    for (const auto& o : s.objects()) {
        out += first ? "{" : ",{";
        first = false;
        append_flags(out, o, api_version);
        out += '}';
    }
    out += "]}";
    return out;
}

std::string describe_object(const schema& s, const object_def& o, std::string_view api_version) {
    (void)s;
    std::string out = "{";
    append_flags(out, o, api_version);
    out += ",\"childRelationships\":[";
    for (std::size_t i = 0; i < o.children.size(); ++i) {
        const auto& c = o.children[i];
        out += i ? ",{" : "{";
        out += "\"cascadeDelete\":";
        out += c.child_object == "ContentDocumentLink" ? "true" : "false";
        out += ",\"childSObject\":";
        append_json_string(out, c.child_object);
        out += ",\"deprecatedAndHidden\":false,\"field\":";
        append_json_string(out, c.field);
        out += ",\"relationshipName\":";
        append_json_string(out, c.relationship_name);
        out += '}';
    }
    out += "],\"fields\":[";
    for (std::size_t i = 0; i < o.fields.size(); ++i) {
        const auto& f = o.fields[i];
        out += i ? ",{" : "{";
        out += "\"name\":";
        append_json_string(out, f.name);
        out += ",\"type\":\"";
        out += to_string(f.type);
        out += "\",\"soapType\":\"";
        out += soap_type(f.type);
        out += "\",\"label\":";
        append_json_string(out, label_of(f.name));
        out += ",\"length\":" + std::to_string(f.length);
        out += ",\"custom\":";
        out += f.custom ? "true" : "false";
        out += ",\"nillable\":";
        out += f.nillable ? "true" : "false";
        // A reference to several objects (Lead.OwnerId: Group or User) is what a client reads
        // these two flags for: its relationship resolves to the "Name" object.
        const bool polymorphic = f.reference_to.size() > 1;
        out += ",\"namePointing\":";
        out += polymorphic ? "true" : "false";
        out += ",\"polymorphicForeignKey\":";
        out += polymorphic ? "true" : "false";
        out += ",\"filterable\":";
        out += f.filterable() ? "true" : "false";
        out += ",\"sortable\":";
        out += f.filterable() && f.type != field_type::textarea ? "true" : "false";
        out += ",\"createable\":";
        out += f.name == "Id" || f.name == "IsDeleted" || f.name == "SystemModstamp" ? "false"
                                                                                     : "true";
        out += ",\"updateable\":";
        out +=
            f.name == "Id" || f.name == "IsDeleted" || f.name == "CreatedDate" ? "false" : "true";
        out += ",\"compoundFieldName\":";
        if (f.name.starts_with("Billing") && f.type != field_type::address) {
            out += "\"BillingAddress\"";
        } else {
            out += "null";
        }
        out += ",\"picklistValues\":[";
        for (std::size_t p = 0; p < f.picklist.size(); ++p) {
            out += p ? ",{" : "{";
            out += "\"active\":true,\"defaultValue\":false,\"label\":";
            append_json_string(out, f.picklist[p]);
            out += ",\"validFor\":null,\"value\":";
            append_json_string(out, f.picklist[p]);
            out += '}';
        }
        out += "],\"referenceTo\":[";
        for (std::size_t r = 0; r < f.reference_to.size(); ++r) {
            if (r) {
                out += ',';
            }
            append_json_string(out, f.reference_to[r]);
        }
        out += "],\"relationshipName\":";
        if (f.relationship_name.empty()) {
            out += "null";
        } else {
            append_json_string(out, f.relationship_name);
        }
        out += '}';
    }
    out +=
        "],\"recordTypeInfos\":[{\"active\":true,\"available\":true,\"defaultRecordTypeMapping\":"
        "true,\"developerName\":\"Master\",\"master\":true,\"name\":\"Master\","
        "\"recordTypeId\":\"012000000000000AAA\",\"urls\":{\"layout\":\"/services/data/";
    out += api_version;
    out += "/sobjects/" + o.name + "/describe/layouts/012000000000000AAA\"}}]}";
    return out;
}

}  // namespace casio::mock_sf
