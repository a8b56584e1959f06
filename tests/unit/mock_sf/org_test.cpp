#include <catch2/catch.hpp>
#include <set>

#include "helpers.hpp"

using namespace casio::mock_sf;
using namespace casio::mock_sf::test;

TEST_CASE("generated org is deterministic per seed", "[mock_sf][org]") {
    org a(org_options{42, 50}), b(org_options{42, 50}), c(org_options{43, 50});
    const std::string q =
        "SELECT Id, Name, BillingAddress, LastModifiedDate, Owner.Name, "
        "(SELECT Id FROM Opportunities) FROM Account";
    auto pa = boost::json::serialize(query_page(a, q));
    CHECK(pa == boost::json::serialize(query_page(b, q)));
    CHECK(pa != boost::json::serialize(query_page(c, q)));
}

TEST_CASE("generated ids are 18-char Salesforce ids with real key prefixes", "[mock_sf][org]") {
    org o(org_options{3, 1000});
    const auto& s = o.schema();
    std::set<std::string> seen;
    for (const auto& [name, prefix] :
         std::vector<std::pair<std::string, std::string>>{{"Account", "001"},
                                                          {"Opportunity", "006"},
                                                          {"Contact", "003"},
                                                          {"Lead", "00Q"},
                                                          {"Campaign", "701"},
                                                          {"Case", "500"},
                                                          {"EmailMessage", "02s"},
                                                          {"CaseComment", "00a"},
                                                          {"CaseFeed", "0D5"},
                                                          {"FeedComment", "0D7"},
                                                          {"User", "005"},
                                                          {"Group", "00G"},
                                                          {"ContentDocument", "069"},
                                                          {"ContentVersion", "068"},
                                                          {"ContentDocumentLink", "06A"},
                                                          {"PermissionSet", "0PS"},
                                                          {"PermissionSetAssignment", "0Pa"},
                                                          {"ObjectPermissions", "110"},
                                                          {"Project__c", "a00"}}) {
        auto obj = static_cast<std::size_t>(s.find(name));
        for (std::uint64_t i : {0ULL, 1ULL, 61ULL, 62ULL, 999ULL}) {
            auto id = o.make_id(obj, i);
            CHECK(id.size() == 18);
            CHECK(id.substr(0, 3) == prefix);
            CHECK(seen.insert(id).second);
            auto parsed = o.parse_id(id);
            REQUIRE(parsed);
            CHECK(parsed->first == obj);
            CHECK(parsed->second == i);
            CHECK(o.parse_id(id.substr(0, 15)) == parsed);
        }
    }
    CHECK_FALSE(o.parse_id("001XXXXXXXXXXXXXXX"));
}

TEST_CASE("a million-record org is served from offsets without listing", "[mock_sf][org][paging]") {
    org o(org_options{1, 1'000'000});
    query_engine engine(o);
    auto res = engine.query("SELECT Id, Name FROM Account");
    CHECK(res->total_size() == 1'000'000);
    auto page =
        boost::json::parse(res->page(999'000, 2000, "v59.0", "/services/data/v59.0/query/01gA"));
    CHECK(page.at("done").as_bool());
    CHECK(page.at("records").as_array().size() == 1000);
    CHECK(str(page.at("records").at(0).at("Id")) ==
          o.make_id(static_cast<std::size_t>(o.schema().find("Account")), 999'000));
}

TEST_CASE("pages chain through nextRecordsUrl offsets", "[mock_sf][paging]") {
    org o(org_options{5, 450});
    query_engine engine(o);
    auto res = engine.query("SELECT Id FROM Contact WHERE Email != null ORDER BY Name, Id");
    const auto total = res->total_size();
    REQUIRE(total > 200);
    REQUIRE(total < 450);
    std::set<std::string> ids;
    std::size_t offset = 0;
    int pages = 0;
    for (;;) {
        auto page =
            boost::json::parse(res->page(offset, 200, "v59.0", "/services/data/v59.0/query/01gB"));
        CHECK(page.at("totalSize").as_int64() == static_cast<std::int64_t>(total));
        for (const auto& r : page.at("records").as_array()) {
            ids.insert(str(r.at("Id")));
        }
        ++pages;
        if (page.at("done").as_bool()) {
            CHECK_FALSE(page.as_object().contains("nextRecordsUrl"));
            break;
        }
        auto next = str(page.at("nextRecordsUrl"));
        offset += 200;
        CHECK(next == "/services/data/v59.0/query/01gB-" + std::to_string(offset));
    }
    CHECK(ids.size() == total);
    CHECK(pages == static_cast<int>((total + 199) / 200));
}

TEST_CASE("generated values look like Salesforce data", "[mock_sf][org]") {
    org o(org_options{9, 40});
    auto recs = records(
        o, "SELECT Id, Name, Email, CreatedDate, LastModifiedDate, MailingAddress FROM Contact");
    int null_emails = 0;
    for (const auto& r : recs) {
        auto created = str(r.at("CreatedDate"));
        auto modified = str(r.at("LastModifiedDate"));
        CHECK(created.size() == 28);
        CHECK(created.substr(19) == ".000+0000");
        CHECK(created <= modified);
        if (r.at("Email").is_null()) {
            ++null_emails;
        } else {
            CHECK(str(r.at("Email")).find('@') != std::string::npos);
        }
    }
    CHECK(null_emails > 0);
    auto users = records(o, "SELECT UserType FROM User WHERE UserType = 'Standard'");
    CHECK(users.size() < records(o, "SELECT Id FROM User").size());
}

TEST_CASE("file bodies are deterministic, exact in size and readable by range",
          "[mock_sf][files]") {
    org o(org_options{2, 200});
    auto versions = records(o, "SELECT Id, ContentSize, FileExtension FROM ContentVersion");
    bool big = false;
    std::set<std::string> exts;
    for (const auto& v : versions) {
        auto f = o.file(str(v.at("Id")));
        REQUIRE(f);
        CHECK(f->size == static_cast<std::uint64_t>(v.at("ContentSize").as_int64()));
        exts.insert(f->extension);
        big |= f->size > 10 * 1024 * 1024;
    }
    CHECK(big);
    CHECK(exts.count("pdf"));
    CHECK(exts.count("docx"));
    CHECK(exts.count("csv"));
    auto f = o.file(str(versions.at(1).at("Id")));  // a pdf
    REQUIRE(f->extension == "pdf");
    std::string whole, parts;
    f->read(0, f->size, whole);
    CHECK(whole.size() == f->size);
    CHECK(whole.substr(0, 5) == "%PDF-");
    for (std::uint64_t off = 0; off < f->size; off += 777) {
        f->read(off, 777, parts);
    }
    CHECK(parts == whole);
    CHECK_FALSE(o.file("001000000000000AAA"));
}

TEST_CASE("files cover every size threshold of a connector and 1-10 MiB", "[mock_sf][files]") {
    constexpr std::uint64_t mib = 1024 * 1024;
    // 3,000 records per object -> 600 files, enough for the whole cycle of threshold sizes.
    org o(org_options{5, 3000});
    auto versions = records(o, "SELECT Id, ContentSize FROM ContentVersion");
    REQUIRE(versions.size() == 600);
    const std::set<std::uint64_t> thresholds = {65535,    65536,    65537,   131072,  2359293,
                                                2359296,  2359297,  3145727, 3145728, 3145729,
                                                10485759, 10485760, 10485761};
    std::set<std::uint64_t> seen_thresholds;
    std::size_t small = 0, uniform = 0, over = 0;
    for (const auto& v : versions) {
        const auto size = static_cast<std::uint64_t>(v.at("ContentSize").as_int64());
        if (thresholds.count(size)) {
            CHECK(seen_thresholds.insert(size).second);
        } else if (size >= mib && size <= 10 * mib) {
            ++uniform;
        } else if (size > 10 * mib) {
            ++over;
        } else {
            CHECK(size <= 150064);
            ++small;
        }
    }
    // The 64 KiB download chunk, a 3 MiB base64 attachment (2,359,296 bytes), 3 MiB, and
    // max_file_download_size: each on both sides, once per 600 files.
    CHECK(seen_thresholds == thresholds);
    // About 1 in 23 files is mid-sized (thresholds and uniform 1-10 MiB), 1 in 23 over 10 MiB.
    CHECK(uniform == 13);
    CHECK(over == 26);
    CHECK(small == 600 - 13 - 13 - 26);
    // Every org has a mid-sized file from its 4th file on, however small.
    auto first = records(org(org_options{5, 20}), "SELECT ContentSize FROM ContentVersion");
    REQUIRE(first.size() == 4);
    CHECK(first.at(3).at("ContentSize").as_int64() == 65536);
}

TEST_CASE("a 10 MiB body is exact and reads the same whole or by 64 KiB chunks",
          "[mock_sf][files]") {
    org o(org_options{5, 3000});
    auto v = records(o, "SELECT Id FROM ContentVersion WHERE ContentSize = 10485760");
    REQUIRE(v.size() == 1);
    auto f = o.file(str(v.at(0).at("Id")));
    REQUIRE(f);
    CHECK(f->size == 10485760);
    std::string whole, chunks;
    f->read(0, f->size, whole);
    CHECK(whole.size() == f->size);
    for (std::uint64_t off = 0; off < f->size; off += 65536) {
        f->read(off, 65536, chunks);
    }
    CHECK(chunks == whole);
    std::string again;
    o.file(str(v.at(0).at("Id")))->read(5 * 1024 * 1024 + 7, 100, again);
    CHECK(again == whole.substr(5 * 1024 * 1024 + 7, 100));
    // Past the end: nothing.
    std::string none;
    f->read(f->size, 10, none);
    CHECK(none.empty());
}

TEST_CASE("admin overlay adds, changes and deletes records", "[mock_sf][org][admin]") {
    org o(org_options{4, 10});
    const auto before = records(o, "SELECT Id FROM Account").size();
    auto id = o.insert(
        "account", boost::json::parse(R"({"Name": "Overlay Inc", "Rating": "Hot"})").as_object());
    CHECK(id.substr(0, 3) == "001");
    auto added = records(o, "SELECT Id, Name, CreatedDate FROM Account WHERE Name = 'Overlay Inc'");
    REQUIRE(added.size() == 1);
    CHECK(str(added[0].at("Id")) == id);
    auto first = str(records(o, "SELECT Id FROM Account LIMIT 1").at(0).at("Id"));
    o.update(first, boost::json::parse(
                        R"({"Name": "Renamed", "LastModifiedDate": "2030-01-01T00:00:00Z"})")
                        .as_object());
    auto renamed =
        records(o, "SELECT Name, LastModifiedDate FROM Account WHERE Id = '" + first + "'");
    CHECK(str(renamed.at(0).at("Name")) == "Renamed");
    CHECK(str(renamed.at(0).at("LastModifiedDate")) == "2030-01-01T00:00:00.000+0000");
    const auto g = o.generation();
    o.remove(first);
    CHECK(o.generation() != g);
    CHECK(records(o, "SELECT Id FROM Account").size() == before);  // +1 added, -1 deleted
    CHECK(records(o, "SELECT Id FROM Account WHERE Id = '" + first + "'").empty());
    auto all =
        query_page(o, "SELECT Id, IsDeleted FROM Account WHERE Id = '" + first + "'", 2000, true);
    REQUIRE(all.at("records").as_array().size() == 1);
    CHECK(all.at("records").at(0).at("IsDeleted").as_bool());
    CHECK_THROWS_AS(o.update("001000000000000ZZZ", {}), std::out_of_range);
    CHECK_THROWS_AS(o.insert("Nope__c", {}), std::invalid_argument);
    CHECK_THROWS_AS(
        o.insert("Account", boost::json::parse(R"({"NumberOfEmployees": "ten"})").as_object()),
        std::invalid_argument);
}

TEST_CASE("a listed page stays valid JSON when one of its rows is deleted",
          "[mock_sf][paging][admin]") {
    org o(org_options{4, 10});
    query_engine engine(o);
    auto res = engine.query("SELECT Id FROM Contact ORDER BY Id");
    auto first =
        str(boost::json::parse(res->page(0, 200, "v59.0", "/q")).at("records").at(0).at("Id"));
    o.remove(first);
    auto page = boost::json::parse(res->page(0, 200, "v59.0", "/q"));
    CHECK(page.at("records").as_array().size() == 9);
}

TEST_CASE("fixture errors name the object, field or id", "[mock_sf][fixture]") {
    auto fails = [](const char* json) -> std::string {
        try {
            org::from_fixture(json);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    CHECK(fails("[]").find("not a JSON object") != std::string::npos);
    CHECK(fails(R"({"records": {"Nope": []}})").find("'Nope'") != std::string::npos);
    CHECK(fails(R"({"records": {"Account": [{"Bogus": 1}]}})").find("'Bogus'") !=
          std::string::npos);
    CHECK(fails(R"({"records": {"Account": [{"CreatedDate": "yesterday"}]}})")
              .find("Account.CreatedDate") != std::string::npos);
    CHECK(
        fails(
            R"({"records": {"Account": [{"Id": "001000000000001AAA"}, {"Id": "001000000000001AAA"}]}})")
            .find("duplicate Id") != std::string::npos);
    auto o = org::from_fixture(R"({"records": {"Account": [{"Name": "No id"}]}})");
    auto r = records(o, "SELECT Id, Name FROM Account");
    REQUIRE(r.size() == 1);
    CHECK(str(r[0].at("Id")).substr(0, 3) == "001");
}
