// Incremental sync: the cursor, the choice between changes only and a full listing, and the
// SOQL conditions that find changed records (docs/incremental-sync.md).
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <casio/salesforce/incremental.hpp>

using namespace casio;
using namespace casio::salesforce;
namespace json = boost::json;

namespace {

core::sys_us at(std::string_view iso) {
    return *core::parse_iso8601(iso);
}

json::value cursor_at(std::string_view mark, std::string fp = "fp") {
    sync_cursor c;
    c.fingerprint = std::move(fp);
    c.taken_at = at(mark);
    c.objects["Account"] = at(mark);
    c.objects["Case"] = at(mark);
    return c.to_json();
}

const std::vector<std::string> objects = {"Account", "Case"};

}  // namespace

TEST_CASE("incremental: the cursor is versioned JSON that reads back the same",
          "[salesforce][incremental]") {
    const auto v = cursor_at("2026-03-01T10:00:00Z");
    CHECK(v.at("version") == 1);
    CHECK(v.at("service") == "salesforce");
    CHECK(v.at("taken_at") == "2026-03-01T10:00:00Z");
    CHECK(v.at("objects").at("Case") == "2026-03-01T10:00:00Z");
    std::string why;
    auto back = sync_cursor::from_json(v, why);
    REQUIRE(back);
    CHECK(back->fingerprint == "fp");
    CHECK(back->objects.at("Account") == at("2026-03-01T10:00:00Z"));
}

TEST_CASE("incremental: changes are read from the mark minus the overlap",
          "[salesforce][incremental]") {
    auto plan = plan_incremental(cursor_at("2026-03-01T10:00:00Z"), "fp", objects,
                                 at("2026-03-02T10:00:00Z"));
    REQUIRE_FALSE(plan.full_listing_reason);
    CHECK(soql_datetime(plan.since) == "2026-03-01T09:55:00Z");
}

TEST_CASE("incremental: each reason for a full listing is named", "[salesforce][incremental]") {
    const auto now = at("2026-03-02T10:00:00Z");
    auto reason = [&](const json::value& c, std::string_view fp = "fp",
                      const std::vector<std::string>& objs = objects) {
        auto p = plan_incremental(c, fp, objs, now);
        REQUIRE(p.full_listing_reason);
        return *p.full_listing_reason;
    };
    CHECK_THAT(reason(nullptr), Catch::Contains("no sync cursor"));
    CHECK_THAT(reason(json::parse(R"({"version":0})")), Catch::Contains("version 1 expected"));
    CHECK_THAT(reason(json::parse(R"("a string a connector left")")),
               Catch::Contains("version 1 expected"));
    CHECK_THAT(reason(json::parse(R"({"version":1,"objects":{}})")),
               Catch::Contains("lacks fingerprint"));
    CHECK_THAT(reason(cursor_at("2026-03-01T10:00:00Z"), "other"),
               Catch::Contains("what is synced changed"));
    CHECK_THAT(reason(cursor_at("2026-03-01T10:00:00Z"), "fp", {"Account", "Lead"}),
               Catch::Contains("no mark for Lead"));
    CHECK_THAT(reason(cursor_at("2026-02-15T10:00:00Z")),
               Catch::Contains("older than the 14 days"));
}

TEST_CASE("incremental: the org's clock comes from the HTTP Date header",
          "[salesforce][incremental]") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == at("1994-11-06T08:49:37Z"));
    CHECK(parse_http_date("Sat, 05 Dec 2026 02:38:17 GMT") == at("2026-12-05T02:38:17Z"));
    CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("incremental: a record is read again when it or a parent it embeds changed",
          "[salesforce][incremental]") {
    const auto t = at("2026-03-01T09:55:00Z");
    auto all = [](const embedded_parent&) { return true; };
    CHECK(changed_condition("Opportunity", t, all) == "SystemModstamp > 2026-03-01T09:55:00Z");
    CHECK(changed_condition("Contact", t, all) ==
          "SystemModstamp > 2026-03-01T09:55:00Z OR Account.SystemModstamp > "
          "2026-03-01T09:55:00Z");
    CHECK(changed_condition("Lead", t,
                            [](const embedded_parent& p) { return p.parent != "Contact"; }) ==
          "SystemModstamp > 2026-03-01T09:55:00Z OR ConvertedAccount.SystemModstamp > "
          "2026-03-01T09:55:00Z OR ConvertedOpportunity.SystemModstamp > "
          "2026-03-01T09:55:00Z");
    CHECK(embedded_children("Case").size() == 4);
    CHECK(embedded_children("Account").front().child == "Opportunity");
    CHECK(embedded_children("Lead").empty());
}

TEST_CASE("incremental: with DLS the cursor keeps a digest of who may read each object",
          "[salesforce][incremental]") {
    sync_cursor c;
    c.fingerprint = "fp";
    c.taken_at = at("2026-03-01T10:00:00Z");
    c.objects["Account"] = c.taken_at;
    const std::vector<std::string> readers = {"user_id:005B", "user:Ann", "user_id:005A"};
    const std::vector<std::string> reordered = {"user_id:005A", "user_id:005B", "user:Ann"};
    c.access["Account"] = access_digest(&readers);
    CHECK(access_digest(&readers) == access_digest(&reordered));  // order does not matter
    CHECK(access_digest(&readers).size() == 32);
    CHECK(access_digest(nullptr).empty());
    const std::vector<std::string> more = {"user_id:005A", "user_id:005B", "user_id:005C"};
    CHECK(access_digest(&more) != access_digest(&readers));
    std::string why;
    auto back = sync_cursor::from_json(c.to_json(), why);
    REQUIRE(back);
    CHECK(back->access == c.access);
    // A cursor without DLS has no `access`.
    sync_cursor plain = c;
    plain.access.clear();
    CHECK_FALSE(plain.to_json().as_object().contains("access"));
}

TEST_CASE("incremental: getDeleted asks for the window with URL-encoded offsets",
          "[salesforce][incremental]") {
    CHECK(get_deleted_path("Account", at("2026-12-05T02:38:17Z"), at("2026-12-05T03:00:00Z")) ==
          "/services/data/v59.0/sobjects/Account/deleted/"
          "?start=2026-12-05T02%3A38%3A17%2B00%3A00&end=2026-12-05T03%3A00%3A00%2B00%3A00");
}

TEST_CASE("incremental: getDeleted's answer gives the ids of the deleted records",
          "[salesforce][incremental]") {
    const auto answer = json::parse(
        R"({"deletedRecords":[{"id":"001000000000001AAA","deletedDate":"2026-12-05T02:40:00.000+0000"},
                              {"id":"001000000000002AAA","deletedDate":"2026-12-05T02:41:00.000+0000"}],
            "earliestDateAvailable":"2026-11-20T00:00:00.000+0000",
            "latestDateCovered":"2026-12-05T03:00:00.000+0000"})");
    const auto d = parse_get_deleted(answer, "Account");
    CHECK(d.ids == std::vector<std::string>{"001000000000001AAA", "001000000000002AAA"});
    CHECK(d.earliest_date_available == "2026-11-20T00:00:00.000+0000");
    CHECK(d.latest_date_covered == "2026-12-05T03:00:00.000+0000");
    CHECK(parse_get_deleted(json::parse(R"({"deletedRecords":[]})"), "Account").ids.empty());

    CHECK_THROWS_WITH(
        parse_get_deleted(json::parse("[]"), "Lead"),
        Catch::Contains("getDeleted of Lead") && Catch::Contains("not a JSON object"));
    CHECK_THROWS_WITH(parse_get_deleted(json::parse(R"({"deletedRecords":{}})"), "Lead"),
                      Catch::Contains("deletedRecords is missing or not an array"));
    CHECK_THROWS_WITH(
        parse_get_deleted(json::parse(R"({"deletedRecords":[{"id":"00Q1"},{"deletedDate":"x"}]})"),
                          "Lead"),
        Catch::Contains("deletedRecords[1] has no string id"));
    CHECK_THROWS_WITH(
        parse_get_deleted(json::parse(R"({"deletedRecords":[],"latestDateCovered":5})"), "Lead"),
        Catch::Contains("latestDateCovered is not a string"));
}

TEST_CASE("incremental: INVALID_REPLICATION_DATE is told from other getDeleted errors",
          "[salesforce][incremental]") {
    CHECK(is_invalid_replication_date(
        "Salesforce getDeleted Account: HTTP 400 INVALID_REPLICATION_DATE: startDate cannot be "
        "more than 30 days ago"));
    CHECK_FALSE(is_invalid_replication_date("Salesforce getDeleted Account: HTTP 404 NOT_FOUND"));
}
