#include <algorithm>

#include <boost/json/array.hpp>

#include <casio/core/error.hpp>
#include <casio/core/text.hpp>
#include <casio/salesforce/constants.hpp>
#include <casio/salesforce/describe.hpp>

namespace casio::salesforce {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_relevant_field(std::string_view field) {
    return std::find(relevant_sobject_fields.begin(), relevant_sobject_fields.end(), field) !=
           relevant_sobject_fields.end();
}

}  // namespace

bool is_relevant_sobject(std::string_view sobject) {
    return std::find(relevant_sobjects.begin(), relevant_sobjects.end(), sobject) !=
           relevant_sobjects.end();
}

void describe_cache::set_global(const boost::json::object& body) {
    const auto* list = body.if_contains("sobjects");
    if (list == nullptr || !list->is_array()) {
        throw core::error(core::error_kind::bad_request,
                          "Salesforce describe of all objects has no 'sobjects' list");
    }
    queryable_.clear();
    custom_objects_.clear();
    for (const auto& item : list->get_array()) {
        if (!item.is_object()) {
            continue;
        }
        const auto& obj = item.get_object();
        const auto* name = obj.if_contains("name");
        if (name == nullptr || !name->is_string()) {
            continue;
        }
        const std::string_view n = name->get_string();
        const auto* queryable = obj.if_contains("queryable");
        if (queryable != nullptr && queryable->is_bool() && queryable->get_bool() &&
            is_relevant_sobject(n)) {
            queryable_.push_back(core::to_lower(n));
        }
        const auto* custom = obj.if_contains("custom");
        if (custom != nullptr && custom->is_bool() && custom->get_bool() && ends_with(n, "__c")) {
            custom_objects_.emplace_back(n);
        }
    }
    has_global_ = true;
}

bool describe_cache::is_queryable(std::string_view sobject) const {
    const std::string l = core::to_lower(sobject);
    return std::find(queryable_.begin(), queryable_.end(), l) != queryable_.end();
}

void describe_cache::set_object(std::string_view sobject, const boost::json::object& body) {
    entry e;
    const bool relevant = is_relevant_sobject(sobject);
    if (const auto* fields = body.if_contains("fields"); fields != nullptr && fields->is_array()) {
        for (const auto& f : fields->get_array()) {
            const auto* name = f.is_object() ? f.get_object().if_contains("name") : nullptr;
            if (name == nullptr || !name->is_string()) {
                continue;
            }
            const std::string_view n = name->get_string();
            if (!relevant || is_relevant_field(n)) {
                e.fields.emplace_back(n);
            }
        }
    }
    objects_[core::to_lower(sobject)] = std::move(e);
}

void describe_cache::mark_failed(std::string_view sobject) {
    objects_[core::to_lower(sobject)] = entry{true, {}};
}

const describe_cache::entry* describe_cache::find(std::string_view sobject) const {
    const auto it = objects_.find(core::to_lower(sobject));
    return it == objects_.end() ? nullptr : &it->second;
}

bool describe_cache::is_described(std::string_view sobject) const {
    return find(sobject) != nullptr;
}

bool describe_cache::has_failed(std::string_view sobject) const {
    const auto* e = find(sobject);
    return e != nullptr && e->failed;
}

bool describe_cache::usable(std::string_view sobject) const {
    return is_queryable(sobject) && !has_failed(sobject);
}

std::vector<std::string> describe_cache::select_fields(
    std::string_view sobject, const std::vector<std::string_view>& wanted) const {
    std::vector<std::string> out;
    const auto* e = find(sobject);
    if (e == nullptr || e->failed) {
        return out;
    }
    for (auto w : wanted) {
        const std::string lw = core::to_lower(w);
        const bool present =
            std::any_of(e->fields.begin(), e->fields.end(),
                        [&](const std::string& f) { return core::to_lower(f) == lw; });
        if (present) {
            out.emplace_back(w);
        }
    }
    return out;
}

std::vector<std::string> describe_cache::all_fields(std::string_view sobject) const {
    const auto* e = find(sobject);
    if (e == nullptr || e->failed) {
        return {};
    }
    return e->fields;
}

std::vector<std::string_view> describes_needed_for(std::string_view sobject) {
    // Every query of a record object joins its files (ContentDocumentLinks).
    std::vector<std::string_view> needed{sobject};
    if (sobject == "Account") {
        needed.push_back("Opportunity");
    } else if (sobject == "Case") {
        needed.push_back("EmailMessage");
        needed.push_back("CaseComment");
    } else if (sobject == "CaseFeed") {
        needed.push_back("FeedComment");
        return needed;
    } else if (sobject == "User") {
        return needed;
    }
    needed.push_back("ContentDocument");
    needed.push_back("ContentVersion");
    return needed;
}

}  // namespace casio::salesforce
