#include "spnscan/triage/triage.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;
using namespace std::chrono;

namespace {

std::string error_of_allow(std::string_view text) {
  const auto parsed = parse_allow_list(text, "allow.conf");
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

AllowList allow_list(std::string_view text) {
  auto parsed = parse_allow_list(text, "allow.conf");
  INFO((parsed ? std::string() : parsed.error()));
  REQUIRE(parsed.has_value());
  return parsed.value();
}

Finding finding(std::string rule_id, std::string id, std::string spn, AccountRef account) {
  Finding f;
  f.rule = find_rule(rule_id);
  REQUIRE(f.rule != nullptr);
  f.severity = f.rule->severity;
  f.id = std::move(id);
  f.spn = spn;
  f.spns = {std::move(spn)};
  f.account = std::move(account);
  return f;
}

constexpr year_month_day k_today{year{2026}, month{11}, day{30}};

} // namespace

TEST_CASE("parse_allow_list: fields, quotes, comments, and a byte order mark") {
  const AllowList list = allow_list(
      "\xEF\xBB\xBF# accepted risks\r\n"
      "\n"
      "rule=privileged-account-with-spn account=svc_sql reason=\"SQL 2008 cannot run as a gMSA; "
      "CHG-1042\" expires=2027-03-31\r\n"
      "   spn=HTTP/legacy.contoso.com reason=\"say \\\"why\\\" \\\\ here\"  # trailing comment\n"
      "id=duplicate-spn:0123456789abcdef reason=ticket-77\n");
  REQUIRE(list.entries.size() == 3);
  const AllowEntry& sql = list.entries[0];
  CHECK(sql.where == "allow.conf:3");
  CHECK(sql.rule == "privileged-account-with-spn");
  CHECK(sql.account == "svc_sql");
  CHECK(sql.reason == "SQL 2008 cannot run as a gMSA; CHG-1042");
  REQUIRE(sql.expires.has_value());
  CHECK(format_date(*sql.expires) == "2027-03-31");
  CHECK(list.entries[1].spn == "HTTP/legacy.contoso.com");
  CHECK(list.entries[1].reason == "say \"why\" \\ here");
  CHECK_FALSE(list.entries[1].expires.has_value());
  CHECK(list.entries[2].where == "allow.conf:5");
  CHECK(list.entries[2].id == "duplicate-spn:0123456789abcdef");
  CHECK(allow_list("# nothing yet\n").entries.empty());
}

TEST_CASE("parse_allow_list: the ways people write key=value") {
  const AllowList list = allow_list("rule = malformed-spn   reason = \"blanks around =\"\n"
                                    "RULE=malformed-spn Reason='single quotes, # not a comment'\n"
                                    "account=\"CN=svc a,OU=Service Accounts,DC=x\" reason=dn\n");
  REQUIRE(list.entries.size() == 3);
  CHECK(list.entries[0].rule == "malformed-spn");
  CHECK(list.entries[0].reason == "blanks around =");
  CHECK(list.entries[1].rule == "malformed-spn");
  CHECK(list.entries[1].reason == "single quotes, # not a comment");
  CHECK(list.entries[2].account == "CN=svc a,OU=Service Accounts,DC=x");
}

TEST_CASE("parse_allow_list: every mistake names file:line and what") {
  CHECK(error_of_allow("rule=duplicate-spn\n") ==
        "allow.conf:1: no reason=\"...\": say why the risk is accepted, for whoever reads the "
        "report");
  CHECK(error_of_allow("\nreason=x\n") ==
        "allow.conf:2: names no finding: give rule=, spn=, account= or id=");
  CHECK(error_of_allow("rule=no-such-rule reason=x\n") ==
        "allow.conf:1: unknown rule 'no-such-rule' (see 'spnscan rules')");
  CHECK(error_of_allow("spn=HTTP/x reason=x expires=2027-02-30\n") ==
        "allow.conf:1: expires: '2027-02-30' is not a date (YYYY-MM-DD)");
  CHECK(error_of_allow("spn=HTTP/x reason=x expires=31/03/2027\n") ==
        "allow.conf:1: expires: '31/03/2027' is not a date (YYYY-MM-DD)");
  CHECK(error_of_allow("spn=HTTP/x reason=\"unclosed\n") ==
        "allow.conf:1: reason: the quoted value has no closing '\"'");
  CHECK(error_of_allow("spn=HTTP/x spn=HTTP/y reason=x\n") == "allow.conf:1: spn given twice");
  CHECK(error_of_allow("host=web01 reason=x\n") ==
        "allow.conf:1: unknown key 'host' (rule, spn, account, id, reason, expires; a value with "
        "blanks needs quotes: account=\"CN=a b,DC=x\")");
  CHECK(error_of_allow("duplicate-spn HTTP/x\n") ==
        "allow.conf:1: 'duplicate-spn' is not key=value (a value with blanks needs quotes: "
        "reason=\"two words\")");
  CHECK(error_of_allow("spn=x reason='open\n") ==
        "allow.conf:1: reason: the quoted value has no closing \'\'\'");
  CHECK(error_of_allow("spn= reason=x\n") == "allow.conf:1: spn: empty value");
  CHECK(error_of_allow("spn=\"a\x01\" reason=x\n") ==
        "allow.conf:1: spn: a control character in the value");
}

TEST_CASE("allow_matches: every field given must match; SPNs compare as scan compares them") {
  const AccountRef admin =
      account("CN=Administrator,CN=Users,DC=contoso,DC=com", "Administrator", AccountKind::user);
  const AccountRef hub =
      account("CN=HUB1,OU=Servers,DC=contoso,DC=com", "HUB1$", AccountKind::computer);
  Finding dup = finding("duplicate-spn", "duplicate-spn:1", "SMTP/hub1.contoso.com", admin);
  dup.related = {hub};
  const auto entry = [](std::string rule, std::string spn, std::string acct, std::string id) {
    AllowEntry e;
    e.rule = std::move(rule);
    e.spn = std::move(spn);
    e.account = std::move(acct);
    e.id = std::move(id);
    e.reason = "r";
    return e;
  };
  CHECK(allow_matches(entry("duplicate-spn", "", "", ""), dup));
  CHECK_FALSE(allow_matches(entry("malformed-spn", "", "", ""), dup));
  // Case and a trailing dot do not make another SPN; '*' is a wildcard.
  CHECK(allow_matches(entry("", "smtp/HUB1.contoso.com.", "", ""), dup));
  CHECK(allow_matches(entry("", "SMTP/*", "", ""), dup));
  CHECK_FALSE(allow_matches(entry("", "SMTP/hub2.contoso.com", "", ""), dup));
  // The account: the finding's, or another holder; by name (a machine with or without '$') or DN.
  CHECK(allow_matches(entry("", "", "administrator", ""), dup));
  CHECK(allow_matches(entry("", "", "HUB1", ""), dup));
  CHECK(allow_matches(entry("", "", "cn=hub1,ou=servers,dc=contoso,dc=com", ""), dup));
  CHECK(allow_matches(entry("", "", "CONTOSO\\Administrator", ""), dup)); // as Windows writes it
  CHECK_FALSE(allow_matches(entry("", "", "CONTOSO\\svc_web", ""), dup));
  CHECK_FALSE(allow_matches(entry("", "", "svc_web", ""), dup));
  CHECK(allow_matches(entry("", "", "", "duplicate-spn:1"), dup));
  CHECK_FALSE(allow_matches(entry("", "", "", "duplicate-spn:2"), dup));
  // All fields together: one mismatch is enough to miss.
  CHECK(allow_matches(entry("duplicate-spn", "SMTP/*", "HUB1$", ""), dup));
  CHECK_FALSE(allow_matches(entry("duplicate-spn", "SMTP/*", "svc_web", ""), dup));
}

TEST_CASE("triage: suppressed while active, reported again once expired, stale when unused") {
  const AccountRef svc = account("CN=svc_sql,OU=Svc,DC=contoso,DC=com", "svc_sql");
  const std::vector<Finding> findings = {
      finding("privileged-account-with-spn", "p:1", "MSSQLSvc/sql1", svc),
      finding("malformed-spn", "m:1", "HTTP", svc)};
  const AllowList list = allow_list(
      "rule=privileged-account-with-spn account=svc_sql reason=accepted expires=2026-11-30\n"
      "rule=malformed-spn reason=old expires=2026-11-29\n"
      "spn=HTTP/gone.contoso.com reason=stale\n");
  const Triage t = triage(findings, nullptr, &list, true, {}, k_today);
  REQUIRE(t.findings.size() == 2);
  CHECK(t.suppressed(0)); // expires today: still suppresses
  CHECK(*t.findings[0].suppressed_by == 0);
  CHECK_FALSE(t.suppressed(1)); // expired yesterday
  CHECK(t.suppressed_count() == 1);
  REQUIRE(t.allow.has_value());
  CHECK(t.allow->entries[0].matched == 1);
  CHECK_FALSE(t.allow->entries[0].expired);
  CHECK(t.allow->entries[1].expired);
  CHECK(t.allow->entries[1].matched == 1);
  CHECK(t.allow->entries[2].stale);
  CHECK_FALSE(t.allow->entries[0].stale);
  // An incomplete scan cannot call an entry stale: its finding may be in the unread part.
  const Triage partial = triage(findings, nullptr, &list, false, {}, k_today);
  CHECK_FALSE(partial.allow->entries[2].stale);
  // Nothing given: no labels at all.
  CHECK(triage(findings, nullptr, nullptr, true, {}, k_today).findings.empty());
}

TEST_CASE("triage: new, unchanged and resolved against the baseline, by finding id") {
  const AccountRef admin = account("CN=Administrator,CN=Users,DC=contoso,DC=com", "Administrator");
  const std::vector<Finding> findings = {
      finding("duplicate-spn", "d:1", "HTTP/a", admin),
      finding("smtp-spn-on-non-machine-account", "s:1", "SMTP/hub1", admin)};
  Baseline baseline;
  baseline.file = "last.json";
  baseline.findings = {{"s:1", "smtp-spn-on-non-machine-account", "error", "SMTP/hub1", "", ""},
                       {"g:1", "duplicate-spn", "error", "HTTP/gone", "CN=x", "x"},
                       {"h:1", "spn-host-mismatch", "warning", "HTTP/other", "CN=y", "y"}};
  const std::set<std::string, std::less<>> disabled = {"spn-host-mismatch"};
  const Triage t = triage(findings, &baseline, nullptr, true, disabled, k_today);
  CHECK(t.added(0));
  CHECK_FALSE(t.added(1));
  CHECK(t.findings[1].baseline == BaselineState::unchanged);
  REQUIRE(t.baseline.has_value());
  CHECK(t.baseline->added == 1);
  CHECK(t.baseline->unchanged == 1);
  REQUIRE(t.baseline->resolved.size() == 1);
  CHECK(t.baseline->resolved[0].id == "g:1");
  CHECK(t.baseline->not_checked == 1); // its rule was disabled: not "resolved"
  // An incomplete scan judges nothing resolved.
  const Triage partial = triage(findings, &baseline, nullptr, false, disabled, k_today);
  CHECK_FALSE(partial.baseline->resolved_known);
  CHECK(partial.baseline->resolved.empty());
}

TEST_CASE("parse_baseline: reads spnscan's JSON report, refuses anything else by name") {
  const auto good = parse_baseline(
      R"({"schema_version": 1, "scan": {"complete": false, "started_at": "2026-11-29T03:00:00Z",
          "sources": ["ldap://dc1"]},
          "findings": [{"id": "a:1", "rule": "duplicate-spn", "severity": "error",
                        "spn": "HTTP/x", "account": {"dn": "CN=x", "sam_account_name": "x"}}]})",
      "last.json");
  REQUIRE(good.has_value());
  CHECK(good->started_at == "2026-11-29T03:00:00Z");
  CHECK_FALSE(good->complete);
  REQUIRE(good->findings.size() == 1);
  CHECK(good->findings[0].account_name == "x");
  const auto error = [](std::string_view json) {
    const auto parsed = parse_baseline(json, "f");
    REQUIRE_FALSE(parsed.has_value());
    return parsed.error();
  };
  CHECK(error("{\"schema_version\": 1, \"findings\": [") == "not JSON: syntax error at byte 36");
  CHECK(error("[]") == "not a spnscan JSON report (no schema_version): give the report of an "
                       "earlier 'spnscan scan --format json'");
  CHECK(error("{\"schema_version\": 2, \"findings\": []}") ==
        "schema_version 2 is not one this spnscan reads (1)");
  CHECK(error("{\"schema_version\": 1, \"spns\": []}") ==
        "no findings array: this is not the report of 'spnscan scan' (query, list, dump and "
        "check write other documents)");
  CHECK(error("{\"schema_version\": 1, \"findings\": [{\"rule\": \"x\"}]}") ==
        "findings[0] has no id");
  // A number beyond double's range is not a parse error to nlohmann but out_of_range.
  const auto huge = parse_baseline("{\"schema_version\": 1e99999, \"findings\": []}", "b.json");
  REQUIRE_FALSE(huge.has_value());
  CHECK(huge.error() == "not a spnscan JSON report: a number out of range");
}

TEST_CASE("read_baseline and read_allow_list: a missing file is an error naming the option") {
  TempDir tmp;
  CHECK_THROWS_WITH(read_baseline(tmp.file("none.json")),
                    "--baseline " + tmp.file("none.json") + ": No such file or directory");
  CHECK_THROWS_WITH(read_allow_list(tmp.file("none.conf")),
                    "--allow " + tmp.file("none.conf") + ": No such file or directory");
  write_text(tmp.file("bad.conf"), "spn=HTTP/x\n");
  CHECK_THROWS_WITH(read_allow_list(tmp.file("bad.conf")),
                    "--allow " + tmp.file("bad.conf") +
                        ":1: no reason=\"...\": say why the risk is accepted, for whoever reads "
                        "the report");
}
