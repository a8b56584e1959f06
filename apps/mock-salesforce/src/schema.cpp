#include "schema.hpp"

#include <stdexcept>

namespace casio::mock_sf {

int object_def::field_index(std::string_view name) const {
    auto it = by_lower_name_.find(to_lower(name));
    return it == by_lower_name_.end() ? -1 : it->second;
}

int object_def::relationship_index(std::string_view name) const {
    auto it = by_lower_relationship_.find(to_lower(name));
    return it == by_lower_relationship_.end() ? -1 : it->second;
}

const child_relationship* object_def::child(std::string_view relationship_name) const {
    for (const auto& c : children) {
        if (iequals(c.relationship_name, relationship_name)) {
            return &c;
        }
    }
    return nullptr;
}

int schema::find(std::string_view name) const {
    auto it = by_lower_name_.find(to_lower(name));
    return it == by_lower_name_.end() ? -1 : it->second;
}

int schema::find_prefix(std::string_view prefix) const {
    auto it = by_prefix_.find(std::string(prefix));
    return it == by_prefix_.end() ? -1 : it->second;
}

void schema::add(object_def obj) {
    objects_.push_back(std::move(obj));
}

void schema::finish() {
    by_lower_name_.clear();
    by_prefix_.clear();
    for (std::size_t i = 0; i < objects_.size(); ++i) {
        auto& o = objects_[i];
        o.children.clear();
        by_lower_name_[to_lower(o.name)] = static_cast<int>(i);
        by_prefix_[o.key_prefix] = static_cast<int>(i);
    }
    for (auto& o : objects_) {
        o.by_lower_name_.clear();
        o.by_lower_relationship_.clear();
        for (std::size_t f = 0; f < o.fields.size(); ++f) {
            o.by_lower_name_[to_lower(o.fields[f].name)] = static_cast<int>(f);
            if (!o.fields[f].relationship_name.empty()) {
                o.by_lower_relationship_[to_lower(o.fields[f].relationship_name)] =
                    static_cast<int>(f);
            }
        }
    }
    for (const auto& o : objects_) {
        for (const auto& f : o.fields) {
            if (f.child_name.empty()) {
                continue;
            }
            for (const auto& target : f.reference_to) {
                int t = find(target);
                if (t < 0) {
                    throw std::logic_error("schema: " + o.name + "." + f.name +
                                           " references unknown object " + target);
                }
                objects_[static_cast<std::size_t>(t)].children.push_back(
                    {o.name, f.name, f.child_name});
            }
        }
    }
}

namespace {

// Small builders keep the object table below readable.
field_def fd(std::string name, field_type type, gen g, int length = 0) {
    field_def f;
    f.name = std::move(name);
    f.type = type;
    f.generator = g;
    f.length = length;
    return f;
}

field_def ref(std::string name, std::vector<std::string> to, std::string relationship, gen g,
              std::string child_name = {}) {
    field_def f = fd(std::move(name), field_type::reference, g, 18);
    f.reference_to = std::move(to);
    f.relationship_name = std::move(relationship);
    f.child_name = std::move(child_name);
    return f;
}

field_def pick(std::string name, std::vector<std::string> values) {
    field_def f = fd(std::move(name), field_type::picklist, gen::picklist, 255);
    f.picklist = std::move(values);
    return f;
}

field_def special(std::string name, field_type type, int length = 0) {
    return fd(std::move(name), type, gen::special, length);
}

field_def custom(field_def f) {
    f.custom = true;
    return f;
}

// Id, IsDeleted and the audit fields every object carries.
std::vector<field_def> system_fields(bool owner) {
    std::vector<field_def> v;
    auto id = fd("Id", field_type::id, gen::id, 18);
    id.nillable = false;
    v.push_back(id);
    auto deleted = fd("IsDeleted", field_type::boolean, gen::false_);
    deleted.nillable = false;
    v.push_back(deleted);
    if (owner) {
        v.push_back(ref("OwnerId", {"User"}, "Owner", gen::user));
    }
    v.push_back(fd("CreatedDate", field_type::datetime, gen::created));
    v.push_back(ref("CreatedById", {"User"}, "CreatedBy", gen::user));
    v.push_back(fd("LastModifiedDate", field_type::datetime, gen::modified));
    v.push_back(ref("LastModifiedById", {"User"}, "LastModifiedBy", gen::user));
    v.push_back(fd("SystemModstamp", field_type::datetime, gen::modstamp));
    return v;
}

object_def obj(std::string name, std::string prefix, std::string label, std::string plural,
               std::vector<field_def> fields, bool owner = true) {
    object_def o;
    o.name = std::move(name);
    o.key_prefix = std::move(prefix);
    o.label = std::move(label);
    o.label_plural = std::move(plural);
    o.fields = system_fields(owner);
    for (auto& f : fields) {
        o.fields.push_back(std::move(f));
    }
    return o;
}

// Lead and Case records can be owned by a queue as well as by a user, so their OwnerId is
// polymorphic, listed in the order Salesforce's describe gives.
object_def queue_owned(object_def o) {
    for (auto& f : o.fields) {
        if (f.name == "OwnerId") {
            f.reference_to = {"Group", "User"};
            f.generator = gen::owner;
        }
    }
    return o;
}

const std::vector<std::string> linkable = {"Account",  "Opportunity", "Contact",    "Lead",
                                           "Campaign", "Case",        "Project__c", "Ticket__c"};

}  // namespace

schema schema::standard() {
    using ft = field_type;
    schema s;
    s.add(obj(
        "User", "005", "User", "Users",
        {fd("FirstName", ft::string, gen::first_name, 40),
         fd("LastName", ft::string, gen::last_name, 80),
         fd("Name", ft::string, gen::full_name, 121), fd("Email", ft::email, gen::email, 128),
         special("Username", ft::string, 80), fd("Title", ft::string, gen::title, 80),
         fd("Department", ft::string, gen::department, 80), fd("Phone", ft::phone, gen::phone, 40),
         fd("IsActive", ft::boolean, gen::boolean), special("UserType", ft::picklist, 40)},
        false));
    s.add(obj(
        "Account", "001", "Account", "Accounts",
        {fd("Name", ft::string, gen::company, 255),
         pick("Type", {"Prospect", "Customer - Direct", "Customer - Channel",
                       "Channel Partner / Reseller", "Installation Partner", "Other"}),
         ref("ParentId", {"Account"}, "Parent", gen::parent_prev, "ChildAccounts"),
         fd("BillingStreet", ft::textarea, gen::special, 255),
         fd("BillingCity", ft::string, gen::special, 40),
         fd("BillingState", ft::string, gen::special, 80),
         fd("BillingPostalCode", ft::string, gen::special, 20),
         fd("BillingCountry", ft::string, gen::special, 80),
         fd("BillingAddress", ft::address, gen::address), fd("Phone", ft::phone, gen::phone, 40),
         fd("Website", ft::url, gen::website, 255),
         pick("Industry", {"Agriculture", "Banking", "Biotechnology", "Consulting", "Education",
                           "Energy", "Healthcare", "Media", "Retail"}),
         fd("AnnualRevenue", ft::currency, gen::number),
         fd("NumberOfEmployees", ft::integer, gen::number), pick("Rating", {"Hot", "Warm", "Cold"}),
         fd("Description", ft::textarea, gen::paragraph, 32000)}));
    s.add(obj("Contact", "003", "Contact", "Contacts",
              {ref("AccountId", {"Account"}, "Account", gen::parent_block, "Contacts"),
               fd("FirstName", ft::string, gen::first_name, 40),
               fd("LastName", ft::string, gen::last_name, 80),
               fd("Name", ft::string, gen::full_name, 121), fd("Email", ft::email, gen::email, 80),
               fd("Phone", ft::phone, gen::phone, 40), fd("Title", ft::string, gen::title, 128),
               fd("Department", ft::string, gen::department, 80),
               pick("LeadSource",
                    {"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}),
               fd("MailingAddress", ft::address, gen::address),
               fd("PhotoUrl", ft::url, gen::photo_url, 255),
               fd("Description", ft::textarea, gen::paragraph, 32000)}));
    s.add(obj(
        "Opportunity", "006", "Opportunity", "Opportunities",
        {ref("AccountId", {"Account"}, "Account", gen::parent_block, "Opportunities"),
         fd("Name", ft::string, gen::special, 120),
         pick("StageName", {"Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
                            "Negotiation/Review", "Closed Won", "Closed Lost"}),
         fd("Amount", ft::currency, gen::number), fd("CloseDate", ft::date, gen::date),
         fd("Probability", ft::percent, gen::number),
         pick("Type",
              {"Existing Customer - Upgrade", "Existing Customer - Replacement", "New Customer"}),
         pick("LeadSource", {"Web", "Phone Inquiry", "Partner Referral", "Other"}),
         fd("IsClosed", ft::boolean, gen::boolean), fd("IsWon", ft::boolean, gen::boolean),
         fd("Description", ft::textarea, gen::paragraph, 32000)}));
    s.add(queue_owned(obj(
        "Lead", "00Q", "Lead", "Leads",
        {fd("FirstName", ft::string, gen::first_name, 40),
         fd("LastName", ft::string, gen::last_name, 80),
         fd("Name", ft::string, gen::full_name, 121), fd("Company", ft::string, gen::company, 255),
         fd("Email", ft::email, gen::email, 80), fd("Phone", ft::phone, gen::phone, 40),
         fd("Title", ft::string, gen::title, 128),
         pick("Status", {"Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                         "Closed - Not Converted"}),
         pick("LeadSource", {"Web", "Phone Inquiry", "Partner Referral", "Other"}),
         pick("Rating", {"Hot", "Warm", "Cold"}), fd("PhotoUrl", ft::url, gen::photo_url, 255),
         fd("Description", ft::textarea, gen::paragraph, 32000),
         special("IsConverted", ft::boolean), special("ConvertedDate", ft::date),
         ref("ConvertedAccountId", {"Account"}, "ConvertedAccount", gen::special),
         ref("ConvertedContactId", {"Contact"}, "ConvertedContact", gen::special),
         ref("ConvertedOpportunityId", {"Opportunity"}, "ConvertedOpportunity", gen::special)})));
    s.add(obj("Campaign", "701", "Campaign", "Campaigns",
              {fd("Name", ft::string, gen::special, 80),
               pick("Type", {"Conference", "Webinar", "Trade Show", "Email", "Advertisement"}),
               pick("Status", {"Planned", "In Progress", "Completed", "Aborted"}),
               fd("StartDate", ft::date, gen::date), special("EndDate", ft::date),
               fd("IsActive", ft::boolean, gen::boolean),
               ref("ParentId", {"Campaign"}, "Parent", gen::parent_prev, "ChildCampaigns"),
               fd("Description", ft::textarea, gen::paragraph, 32000)}));
    s.add(queue_owned(
        obj("Case", "500", "Case", "Cases",
            {fd("CaseNumber", ft::string, gen::case_number, 30),
             fd("Subject", ft::string, gen::sentence, 255),
             fd("Description", ft::textarea, gen::paragraph, 32000),
             pick("Status", {"New", "Working", "Escalated", "Closed"}),
             pick("Priority", {"High", "Medium", "Low"}), pick("Origin", {"Phone", "Email", "Web"}),
             special("IsClosed", ft::boolean),
             ref("AccountId", {"Account"}, "Account", gen::parent_block, "Cases"),
             ref("ContactId", {"Contact"}, "Contact", gen::parent_block, "Cases"),
             ref("ParentId", {"Case"}, "Parent", gen::parent_prev, "ChildCases")})));
    s.add(obj(
        "EmailMessage", "02s", "Email Message", "Email Messages",
        {ref("ParentId", {"Case"}, "Parent", gen::parent_block, "EmailMessages"),
         fd("Subject", ft::string, gen::sentence, 3000),
         fd("TextBody", ft::textarea, gen::paragraph, 131072),
         fd("FromName", ft::string, gen::full_name, 1000),
         fd("FromAddress", ft::email, gen::email, 1000), special("ToAddress", ft::string, 4000),
         special("CcAddress", ft::string, 4000), special("BccAddress", ft::string, 4000),
         pick("Status", {"0", "1", "2", "3", "5"}), fd("MessageDate", ft::datetime, gen::created),
         fd("FirstOpenedDate", ft::datetime, gen::none), fd("Incoming", ft::boolean, gen::boolean)},
        false));
    s.add(obj("CaseComment", "00a", "Case Comment", "Case Comments",
              {ref("ParentId", {"Case"}, "Parent", gen::parent_block, "CaseComments"),
               fd("CommentBody", ft::textarea, gen::paragraph, 4000),
               fd("IsPublished", ft::boolean, gen::boolean)},
              false));
    s.add(obj(
        "CaseFeed", "0D5", "Case Feed", "Case Feed",
        {ref("ParentId", {"Case"}, "Parent", gen::parent_block, "Feeds"),
         pick("Type", {"TextPost", "LinkPost", "ContentPost", "TrackedChange"}),
         fd("Title", ft::string, gen::sentence, 255),
         fd("Body", ft::textarea, gen::paragraph, 10000), fd("LinkUrl", ft::url, gen::none, 1000),
         special("CommentCount", ft::integer), fd("LikeCount", ft::integer, gen::none)},
        false));
    s.add(obj("FeedComment", "0D7", "Feed Comment", "Feed Comments",
              {ref("FeedItemId", {"CaseFeed"}, "FeedItem", gen::parent_block, "FeedComments"),
               ref("ParentId", {"Case"}, "Parent", gen::special),
               fd("CommentBody", ft::textarea, gen::paragraph, 10000),
               ref("LastEditById", {"User"}, "LastEditBy", gen::none),
               fd("LastEditDate", ft::datetime, gen::none),
               pick("CommentType", {"TextComment", "ContentComment"})},
              false));
    s.add(obj("ContentDocument", "069", "Content Document", "Content Documents",
              {special("Title", ft::string, 255), special("FileExtension", ft::string, 40),
               special("FileType", ft::string, 20), special("ContentSize", ft::integer),
               fd("Description", ft::textarea, gen::sentence, 1000),
               ref("LatestPublishedVersionId", {"ContentVersion"}, "LatestPublishedVersion",
                   gen::special)}));
    s.add(obj("ContentVersion", "068", "Content Version", "Content Versions",
              {ref("ContentDocumentId", {"ContentDocument"}, "ContentDocument", gen::special,
                   "ContentVersions"),
               special("Title", ft::string, 255), special("FileExtension", ft::string, 40),
               special("FileType", ft::string, 20), special("ContentSize", ft::integer),
               special("PathOnClient", ft::string, 500), special("VersionNumber", ft::string, 20),
               special("VersionDataUrl", ft::url, 255), special("IsLatest", ft::boolean)}));
    {
        auto cdl = obj(
            "ContentDocumentLink", "06A", "Content Document Link", "Content Document Links",
            {ref("ContentDocumentId", {"ContentDocument"}, "ContentDocument", gen::special,
                 "ContentDocumentLinks"),
             ref("LinkedEntityId", linkable, "LinkedEntity", gen::special, "ContentDocumentLinks"),
             pick("ShareType", {"V", "C", "I"}), pick("Visibility", {"AllUsers"})},
            false);
        // A link has no audit fields of its own beyond SystemModstamp.
        std::erase_if(cdl.fields, [](const field_def& f) {
            return f.name == "CreatedDate" || f.name == "CreatedById" ||
                   f.name == "LastModifiedDate" || f.name == "LastModifiedById";
        });
        cdl.replicateable = false;  // as in real orgs: no getUpdated/getDeleted for links
        s.add(std::move(cdl));
    }
    s.add(obj("PermissionSet", "0PS", "Permission Set", "Permission Sets",
              {special("Name", ft::string, 80), special("Label", ft::string, 80),
               fd("IsOwnedByProfile", ft::boolean, gen::false_),
               fd("Description", ft::textarea, gen::sentence, 255)},
              false));
    s.add(obj(
        "PermissionSetAssignment", "0Pa", "Permission Set Assignment", "Permission Set Assignments",
        {ref("AssigneeId", {"User"}, "Assignee", gen::special),
         ref("PermissionSetId", {"PermissionSet"}, "PermissionSet", gen::special, "Assignments")},
        false));
    s.add(obj("ObjectPermissions", "110", "Object Permissions", "Object Permissions",
              {ref("ParentId", {"PermissionSet"}, "Parent", gen::special, "ObjectPerms"),
               special("SobjectType", ft::picklist, 40), special("PermissionsRead", ft::boolean),
               special("PermissionsCreate", ft::boolean), special("PermissionsEdit", ft::boolean),
               special("PermissionsDelete", ft::boolean),
               special("PermissionsViewAllRecords", ft::boolean),
               special("PermissionsModifyAllRecords", ft::boolean)},
              false));
    {
        auto p = obj(
            "Project__c", "a00", "Project", "Projects",
            {fd("Name", ft::string, gen::special, 80),
             custom(ref("Account__c", {"Account"}, "Account__r", gen::parent_block, "Projects__r")),
             custom(pick("Status__c", {"Planned", "Active", "On Hold", "Done"})),
             custom(fd("Budget__c", ft::currency, gen::number)),
             custom(fd("Start_Date__c", ft::date, gen::date)),
             custom(fd("Description__c", ft::textarea, gen::paragraph, 32768))});
        p.custom = true;
        s.add(std::move(p));
    }
    {
        auto t = obj("Ticket__c", "a01", "Ticket", "Tickets",
                     {fd("Name", ft::string, gen::special, 80),
                      custom(ref("Project__c", {"Project__c"}, "Project__r", gen::parent_block,
                                 "Tickets__r")),
                      custom(pick("Severity__c", {"S1", "S2", "S3", "S4"})),
                      custom(fd("Notes__c", ft::textarea, gen::paragraph, 32768)),
                      custom(fd("Resolved__c", ft::boolean, gen::boolean))});
        t.custom = true;
        s.add(std::move(t));
    }
    // Queues (Type Queue) own records; a Regular group is a public group, listed so a query on
    // Group meets both kinds. Added last: an object's position feeds the hash every generated
    // value comes from, so objects added before it would change every org.
    {
        auto type = pick("Type", {"Queue", "Regular"});
        type.generator = gen::special;
        s.add(obj("Group", "00G", "Group", "Groups",
                  {special("Name", ft::string, 40), special("DeveloperName", ft::string, 80),
                   std::move(type), special("Email", ft::email, 255)},
                  false));
    }
    s.finish();
    return s;
}

}  // namespace casio::mock_sf
