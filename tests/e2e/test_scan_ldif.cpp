#include "run_binary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sys/stat.h>
#include <tuple>

using namespace spnscan::e2e;
using Json = nlohmann::json;

namespace {

Json scan_json(const std::vector<std::string>& extra, int expected_status) {
  std::vector<std::string> args = {"scan", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run(args);
  INFO(r.err);
  REQUIRE(r.status == expected_status);
  return Json::parse(r.out);
}

using Row = std::tuple<std::string, std::string, std::string>; // rule, spn, account sAMAccountName

std::multiset<Row> rows(const Json& report) {
  std::multiset<Row> out;
  for (const auto& f : report["findings"]) {
    out.insert(Row{f["rule"].get<std::string>(), f["spn"].get<std::string>(),
                   f["account"]["sam_account_name"].get<std::string>()});
  }
  return out;
}

} // namespace

TEST_CASE("scan --ldif contoso.ldif: exactly the fixture's 30 findings, exit 1") {
  const Json report = scan_json({"--ldif", "fixtures/contoso.ldif"}, 1);
  const std::multiset<Row> expected = {
      {"smtp-spn-on-non-machine-account", "SMTP/hub1.contoso.com", "Administrator"},
      {"smtp-spn-on-non-machine-account", "SMTP/HUB1", "Administrator"},
      {"smtp-spn-on-non-machine-account", "SMTPSVC/hub1.contoso.com", "Administrator"},
      {"smtp-spn-on-non-machine-account", "SMTPSVC/HUB1", "Administrator"},
      {"smtp-spn-on-non-machine-account", "SMTPSVC/mail.tailspintoys.com", "TAILSPIN$"},
      {"duplicate-spn", "SMTP/hub1.contoso.com", "Administrator"},
      {"duplicate-spn", "SMTP/HUB1", "Administrator"},
      {"duplicate-spn", "SMTPSVC/hub1.contoso.com", "Administrator"},
      {"duplicate-spn", "SMTPSVC/HUB1", "Administrator"},
      {"duplicate-spn", "MSSQLSvc/sql2.contoso.com:1433", "svc_sql2"},
      {"duplicate-spn", "HTTP/app.contoso.com.", "svc_app"},
      {"spn-alias-collision", "HTTP/web01.contoso.com", "svc_web"},
      {"host-bound-spn-on-user-account", "HOST/batch01.contoso.com", "svc_batch"},
      {"host-bound-spn-on-user-account", "cifs/nas01.contoso.com", "svc_nas"},
      {"host-bound-spn-on-user-account", "exchangeMDB/outlook.contoso.com", "svc_exasa"},
      {"host-bound-spn-on-user-account", "exchangeRFR/outlook.contoso.com", "svc_exasa"},
      {"host-bound-spn-on-user-account", "exchangeAB/outlook.contoso.com", "svc_exasa"},
      {"privileged-account-with-spn", "SMTP/hub1.contoso.com", "Administrator"},
      {"privileged-account-with-spn", "SMTP/HUB1", "Administrator"},
      {"privileged-account-with-spn", "SMTPSVC/hub1.contoso.com", "Administrator"},
      {"privileged-account-with-spn", "SMTPSVC/HUB1", "Administrator"},
      {"privileged-account-with-spn", "MSSQLSvc/sql3.contoso.com:1433", "svc_sqladmin"},
      {"malformed-spn", "HTTP", "svc_typo"},
      {"malformed-spn", "/web01", "svc_typo"},
      {"malformed-spn", "HTTP/", "svc_typo"},
      {"malformed-spn", "HTTP/web01:99999", "svc_typo"},
      {"malformed-spn", "HTTP/web 01", "svc_typo"},
      {"malformed-spn", "HTTP/web01.contoso.com ", "svc_typo"},
      {"spn-host-mismatch", "TERMSRV/WEB01", "APP2$"},
      {"spn-host-mismatch", "TERMSRV/web01.contoso.com", "APP2$"},
  };
  CHECK(rows(report) == expected);
  CHECK(report["summary"] == Json{{"error", 12}, {"warning", 18}, {"info", 0}});
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == 37);
  CHECK(report["scan"]["spns"] == 151);
  CHECK(report["scan"]["sources"] == Json::array({"fixtures/contoso.ldif"}));
  CHECK(report["scan"]["spn_mappings"] == "directory");
  CHECK(report["schema_version"] == 1);
  CHECK(report["tool"]["name"] == "spnscan");
}

TEST_CASE("scan: the seed finding says remove from Administrator, keep on HUB1$") {
  const Json report = scan_json({"--ldif", "fixtures/contoso.ldif"}, 1);
  int seen = 0;
  for (const auto& f : report["findings"]) {
    if (f["rule"] != "duplicate-spn" || f["account"]["sam_account_name"] != "Administrator") {
      continue;
    }
    ++seen;
    CHECK(f["account"]["kind"] == "user");
    CHECK(f["account"]["privileged"] == true);
    CHECK(f["related"].size() == 1);
    CHECK(f["related"][0]["sam_account_name"] == "HUB1$");
    CHECK(f["related"][0]["kind"] == "computer");
    CHECK(f["keep_on"] == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
    CHECK(f["remove_from"] == Json::array({"CN=Administrator,CN=Users,DC=contoso,DC=com"}));
    const std::string setspn = f["remediation"]["setspn"][0];
    CHECK(setspn == "setspn -D " + f["spn"].get<std::string>() + " Administrator");
    CHECK(f["remediation"]["ldif"].get<std::string>().find(
              "dn: CN=Administrator,CN=Users,DC=contoso,DC=com\nchangetype: modify\n") == 0);
    CHECK(f["remediation"]["adsiedit"].size() >= 8);
    CHECK(f["message"].get<std::string>().find("event 1082") != std::string::npos);
  }
  CHECK(seen == 4);
}

TEST_CASE("scan: ids are stable across runs and formats") {
  const Json a = scan_json({"--ldif", "fixtures/contoso.ldif"}, 1);
  const Json b = scan_json({"--ldif", "fixtures/contoso.ldif"}, 1);
  REQUIRE(a["findings"].size() == b["findings"].size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a["findings"].size(); ++i) {
    CHECK(a["findings"][i]["id"] == b["findings"][i]["id"]);
    ids.insert(a["findings"][i]["id"].get<std::string>());
  }
  CHECK(ids.size() == a["findings"].size());
}

TEST_CASE("scan: the clean directory exits 0 with no findings") {
  const Json report = scan_json({"--ldif", "fixtures/contoso-clean.ldif"}, 0);
  CHECK(report["findings"].empty());
  const auto text = run({"scan", "--ldif", "fixtures/contoso-clean.ldif"});
  CHECK(text.status == 0);
  CHECK(text.out.find("No SPN conflicts found.") != std::string::npos);
}

TEST_CASE("scan: --fail-on and --disable decide the exit status") {
  CHECK(run({"scan", "--ldif", "fixtures/contoso.ldif", "--fail-on", "never"}).status == 0);
  CHECK(run({"scan", "--ldif", "fixtures/contoso.ldif", "--fail-on", "error"}).status == 1);
  // Only warnings left: --fail-on error passes, the default (warning) fails.
  const std::vector<std::string> only_warnings = {
      "scan", "--ldif", "fixtures/contoso.ldif", "--disable", "smtp-spn-on-non-machine-account",
      "--disable", "duplicate-spn", "--disable", "spn-alias-collision"};
  auto args = only_warnings;
  args.insert(args.end(), {"--fail-on", "error"});
  CHECK(run(args).status == 0);
  CHECK(run(only_warnings).status == 1);
  args = only_warnings;
  args.insert(args.end(), {"--format", "json"});
  const Json report = Json::parse(run(args).out);
  for (const auto& f : report["findings"]) {
    CHECK(f["severity"] == "warning");
  }
}

TEST_CASE("scan: usage errors exit 2 and name the option") {
  auto r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--disable", "no-such-rule"});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: --disable: unknown rule 'no-such-rule' (see 'spnscan rules')\n");
  r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--format", "xml"});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: --format: unknown format 'xml' (text, json or csv)\n");
  r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--fail-on", "sometimes"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--fail-on: unknown level 'sometimes'") != std::string::npos);
  r = run({"scan"});
  CHECK(r.status == 2);
  CHECK(r.err.find("no source") != std::string::npos);
  r = run({"scan", "--ldif", "fixtures/contoso.ldif", "-H", "ldap://127.0.0.1"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--ldif and -H/--uri") != std::string::npos);
  r = run({"scan", "-H", "ldaps://dc1.contoso.com", "-D", "x", "-w", "secret"});
  CHECK(r.status == 2);
  CHECK(r.err.find("does not take a password on the command line") != std::string::npos);
  CHECK(r.err.find("secret") == std::string::npos);
  r = run({"frobnicate"});
  CHECK(r.status == 2);
}

TEST_CASE("scan: bad LDIF input exits 2 with file:line") {
  TempDir dir;
  write_text(dir.file("bad.ldif"), "dn: CN=a,DC=x\nservicePrincipalName: HTTP/a\nthis line has no colon\n");
  auto r = run({"scan", "--ldif", dir.file("bad.ldif")});
  CHECK(r.status == 2);
  CHECK(r.err.find(dir.file("bad.ldif") + ":3:") != std::string::npos);
  CHECK(r.out.empty());
  r = run({"scan", "--ldif", dir.file("missing.ldif")});
  CHECK(r.status == 2);
  CHECK(r.err.find("missing.ldif") != std::string::npos);
  write_text(dir.file("url.ldif"), "dn: CN=a,DC=x\njpegPhoto:< file:///etc/shadow\n");
  r = run({"scan", "--ldif", dir.file("url.ldif")});
  CHECK(r.status == 2);
  CHECK(r.err.find("url.ldif:2:") != std::string::npos);
}

TEST_CASE("scan: a truncated (ranged) export is incomplete: exit 3, complete=false") {
  TempDir dir;
  write_text(dir.file("ranged.ldif"),
             "dn: CN=svc,DC=x\nsAMAccountName: svc\nservicePrincipalName;range=0-1499: HTTP/a\n\n"
             "dn: CN=svc2,DC=x\nsAMAccountName: svc2\nservicePrincipalName: HTTP/b\n");
  const auto r = run({"scan", "--ldif", dir.file("ranged.ldif"), "--format", "json"});
  CHECK(r.status == 3);
  const Json report = Json::parse(r.out);
  CHECK(report["scan"]["complete"] == false);
  CHECK(report["scan"]["incomplete_reason"].get<std::string>().find("range=0-1499") != std::string::npos);
  CHECK(r.err.find("incomplete") != std::string::npos);
}

TEST_CASE("scan --output: atomic, mode 0600, never replaced by an incomplete report") {
  TempDir dir;
  const std::string out = dir.file("report.json");
  auto r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--format", "json", "-o", out});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  struct stat st {};
  REQUIRE(stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string good = slurp(out);
  CHECK(Json::parse(good)["scan"]["complete"] == true);

  write_text(dir.file("ranged.ldif"), "dn: CN=svc,DC=x\nservicePrincipalName;range=0-1499: HTTP/a\n");
  r = run({"scan", "--ldif", dir.file("ranged.ldif"), "--format", "json", "-o", out});
  CHECK(r.status == 3);
  CHECK(slurp(out) == good);
  CHECK(Json::parse(slurp(out + ".incomplete"))["scan"]["complete"] == false);
  // /dev/null is written to, not replaced.
  r = run({"scan", "--ldif", "fixtures/contoso-clean.ldif", "-o", "/dev/null"});
  CHECK(r.status == 0);
  REQUIRE(stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("scan: text colour only when asked or on a terminal, NO_COLOR respected") {
  const auto plain = run({"scan", "--ldif", "fixtures/contoso.ldif"});
  CHECK(plain.out.find('\x1b') == std::string::npos);
  const auto forced = run({"scan", "--ldif", "fixtures/contoso.ldif", "--color", "always"});
  CHECK(forced.out.find('\x1b') != std::string::npos);
  const auto never = run({"scan", "--ldif", "fixtures/contoso.ldif", "--color", "never"}, "NO_COLOR=1 ");
  CHECK(never.out.find('\x1b') == std::string::npos);
  CHECK(plain.out.find("[ERROR] smtp-spn-on-non-machine-account") != std::string::npos);
  CHECK(plain.out.find("setspn -D SMTP/hub1.contoso.com Administrator") != std::string::npos);
}

TEST_CASE("scan --format csv: a header and one row per finding") {
  const auto r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--format", "csv"});
  CHECK(r.status == 1);
  CHECK(r.out.rfind("id,rule,severity,spn,", 0) == 0);
  std::size_t records = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < r.out.size(); ++i) {
    if (r.out[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && r.out[i] == '\n') {
      ++records;
    }
  }
  CHECK(records == 31);
}

TEST_CASE("scan: a Samba-style directory of UTF-16LE ldifde output reads the same") {
  // ldifde -u writes UTF-16LE with a BOM and changetype: add records.
  const std::string text = "dn: CN=HUB1,DC=x\r\nchangetype: add\r\nobjectClass: computer\r\n"
                           "sAMAccountName: HUB1$\r\nuserAccountControl: 4096\r\n"
                           "servicePrincipalName: SMTP/hub1\r\n\r\n"
                           "dn: CN=Administrator,DC=x\r\nchangetype: add\r\nsAMAccountName: Administrator\r\n"
                           "adminCount: 1\r\nservicePrincipalName: SMTP/hub1\r\n";
  std::string utf16 = "\xFF\xFE";
  for (char c : text) {
    utf16 += c;
    utf16 += '\0';
  }
  TempDir dir;
  write_text(dir.file("u.ldf"), utf16);
  const auto r = run({"scan", "--ldif", dir.file("u.ldf"), "--format", "json"});
  INFO(r.err);
  CHECK(r.status == 1);
  const Json report = Json::parse(r.out);
  CHECK(report["scan"]["accounts"] == 2);
  std::set<std::string> rules;
  for (const auto& f : report["findings"]) {
    rules.insert(f["rule"]);
  }
  CHECK(rules == std::set<std::string>{"duplicate-spn", "smtp-spn-on-non-machine-account",
                                       "privileged-account-with-spn"});
}
