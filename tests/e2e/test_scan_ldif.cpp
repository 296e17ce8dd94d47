#include "run_binary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
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

TEST_CASE("scan --ldif contoso.ldif: exactly the fixture's 39 findings, exit 1") {
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
      // One finding per privileged account, its values in `spns`.
      {"privileged-account-with-spn", "SMTP/hub1.contoso.com", "Administrator"},
      {"privileged-account-with-spn", "MSSQLSvc/sql3.contoso.com:1433", "svc_sqladmin"},
      {"malformed-spn", "HTTP", "svc_typo"},
      {"malformed-spn", "/web01", "svc_typo"},
      {"malformed-spn", "HTTP/", "svc_typo"},
      {"malformed-spn", "HTTP/web01:99999", "svc_typo"},
      {"malformed-spn", "HTTP/web 01", "svc_typo"},
      {"malformed-spn", "HTTP/web01.contoso.com ", "svc_typo"},
      {"spn-host-mismatch", "TERMSRV/WEB01", "APP2$"},
      {"spn-host-mismatch", "TERMSRV/web01.contoso.com", "APP2$"},
      // Beyond duplicates (issue 9).
      {"spn-alias-collision", "cifs/fs01.contoso.com", "svc_files"},
      {"delegation-to-unregistered-spn", "cifs/oldfs.contoso.com", "svc_front"},
      {"delegation-to-unregistered-spn", "HTTP/intranet-old.contoso.com", "svc_s4u"},
      {"service-account-without-aes-keys", "HTTP/timesheet.contoso.com", "svc_old"},
      {"lookalike-spn", "HTTP/web01\u200B.contoso.com", "svc_kl"},
      {"lookalike-spn", "MSSQLSvc/sql2.c\u043Entoso.com:1433", "svc_sqlfake"},
      {"host-bound-spn-on-user-account", "cifs/fs01.contoso.com", "svc_files"},
      {"spn-host-mismatch", "TERMSRV/files.contoso.com", "APP6$"},
      {"service-account-weak-encryption", "MSSQLSvc/crm.contoso.com:1433", "svc_rc4"},
      {"stale-host-spn", "HOST/OLDAPP", "APP5$"},
      {"stale-host-spn", "HOST/oldapp.contoso.com", "APP5$"},
      {"spn-uniqueness-checks-disabled", "", "Directory Service"},
  };
  CHECK(rows(report) == expected);
  CHECK(report["summary"] == Json{{"error", 17}, {"warning", 22}, {"info", 0}, {"suppressed", 0}});
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == 48);
  CHECK(report["scan"]["spns"] == 171);
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
  const std::vector<std::string> only_warnings = {"scan",
                                                  "--ldif",
                                                  "fixtures/contoso.ldif",
                                                  "--disable",
                                                  "smtp-spn-on-non-machine-account",
                                                  "--disable",
                                                  "duplicate-spn",
                                                  "--disable",
                                                  "spn-alias-collision",
                                                  "--disable",
                                                  "delegation-to-unregistered-spn",
                                                  "--disable",
                                                  "service-account-without-aes-keys",
                                                  "--disable",
                                                  "lookalike-spn"};
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
  CHECK(r.err ==
        "spnscan: error: --format: unknown format 'xml' (text, json, csv, html or markdown)\n");
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
  CHECK(r.err.find("spnscan takes no password on the command line") != std::string::npos);
  CHECK(r.err.find("secret") == std::string::npos);
  r = run({"frobnicate"});
  CHECK(r.status == 2);
}

TEST_CASE("scan: bad LDIF input exits 2 with file:line") {
  TempDir dir;
  write_text(dir.file("bad.ldif"),
             "dn: CN=a,DC=x\nservicePrincipalName: HTTP/a\nthis line has no colon\n");
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
  CHECK(report["scan"]["incomplete_reason"].get<std::string>().find("range=0-1499") !=
        std::string::npos);
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

  write_text(dir.file("ranged.ldif"),
             "dn: CN=svc,DC=x\nservicePrincipalName;range=0-1499: HTTP/a\n");
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
  const auto never =
      run({"scan", "--ldif", "fixtures/contoso.ldif", "--color", "never"}, "NO_COLOR=1 ");
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
  CHECK(records == 40);
}

TEST_CASE("scan: a Samba-style directory of UTF-16LE ldifde output reads the same") {
  // ldifde -u writes UTF-16LE with a BOM and changetype: add records.
  const std::string text =
      "dn: CN=HUB1,DC=x\r\nchangetype: add\r\nobjectClass: computer\r\n"
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

TEST_CASE("scan: a value given to a password-like option never appears in a message") {
  const std::string secret = "Hunter2-s3cret";
  const std::vector<std::vector<std::string>> forms = {
      {"scan", "--ldif", "fixtures/contoso.ldif", "--password", secret},
      {"scan", "--ldif", "fixtures/contoso.ldif", "--bind-password=" + secret},
      {"scan", "--ldif", "fixtures/contoso.ldif", "-w" + secret},
      {"-w", secret, "scan"},
      {"scan", "-ZNw" + secret, "-H", "ldap://127.0.0.1"},
      {"query", "x", "--passwd", secret},
  };
  for (const auto& args : forms) {
    const auto r = run(args);
    INFO(args[args.size() > 3 ? 3 : 1]);
    CHECK(r.status == 2);
    CHECK(r.err.find(secret) == std::string::npos);
    CHECK(r.out.find(secret) == std::string::npos);
    CHECK(r.err.find("spnscan takes no password on the command line") != std::string::npos);
  }
  // Options that merely mention passwords are not refused.
  CHECK(run({"scan", "--ldif", "fixtures/contoso-clean.ldif", "--password-file", "/nonexistent"})
            .err.find("takes no password") == std::string::npos);
}

TEST_CASE("scan: an input with no entry, or an export with no SPN, is never a clean scan") {
  TempDir dir;
  for (const auto& [name, text] :
       std::vector<std::pair<std::string, std::string>>{{"empty.ldif", ""},
                                                        {"comments.ldif", "# nothing here\n#\n"},
                                                        {"version.ldif", "version: 1\n"}}) {
    write_text(dir.file(name), text);
    const auto r = run({"scan", "--ldif", dir.file(name)});
    INFO(name);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "spnscan: error: " + dir.file(name) +
                       ": no directory entry in this input (it is empty, or holds only comments "
                       "or 'version: 1'): is this the export you meant?\n");
  }
  // Entries, but not one SPN: the base, the filter or the permissions were wrong.
  write_text(dir.file("nospn.ldif"), "dn: CN=jdoe,CN=Users,DC=x\nsAMAccountName: jdoe\n\n"
                                     "dn: CN=WS002,CN=Computers,DC=x\nsAMAccountName: WS002$\n");
  const auto r = run({"scan", "--ldif", dir.file("nospn.ldif"), "--format", "json"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(": 2 entries read, none holding a servicePrincipalName. Every Active Directory "
                   "domain has SPNs on its domain controllers and on krbtgt") != std::string::npos);
  CHECK(r.err.find("search base, its filter, its attribute list") != std::string::npos);
  // A second input with SPNs makes the first one (the Configuration entry alone) legitimate.
  write_text(
      dir.file("config.ldif"),
      "dn: CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com\n"
      "sPNMappings: host=alerter,http\n");
  const auto both = run({"scan", "--ldif", dir.file("config.ldif"), "--ldif",
                         "fixtures/contoso-clean.ldif", "--format", "json"});
  CHECK(both.status == 0);
}

TEST_CASE("scan: a cut ldapsearch -L export is incomplete, never clean") {
  // Real output of ldapsearch -L -E pr=20/noprompt against the fixture slapd: a header and a
  // "version: 1" per page, the counts at the end.
  const std::string paged = "tests/data/ldif/ldapsearch-paged.ldif";
  const Json whole = scan_json({"--ldif", paged}, 1);
  CHECK(whole["scan"]["complete"] == true);
  CHECK(whole["scan"]["accounts"] == 37);
  CHECK(whole["findings"].size() == 27);
  // Made with the attribute list of spnscan 0.1's man page: the rules that need more say so.
  std::set<std::string> not_run;
  for (const auto& skipped : whole["scan"]["rules_not_run"]) {
    not_run.insert(skipped["rule"].get<std::string>());
  }
  CHECK(not_run == std::set<std::string>{"delegation-to-unregistered-spn",
                                         "service-account-weak-encryption",
                                         "service-account-without-aes-keys", "stale-host-spn",
                                         "spn-uniqueness-checks-disabled"});

  const std::string text = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/" + paged);
  TempDir dir;
  // Cut at the end of a record, in the middle of the second page: nothing in the file is
  // malformed, only ldapsearch's trailer is missing.
  write_text(dir.file("cut.ldif"), text.substr(0, text.find("# svc_app,")));
  auto r = run({"scan", "--ldif", dir.file("cut.ldif"), "--format", "json"});
  CHECK(r.status == 3);
  const Json cut = Json::parse(r.out);
  CHECK(cut["scan"]["complete"] == false);
  CHECK(cut["scan"]["incomplete_reason"] ==
        dir.file("cut.ldif") + ":4: the ldapsearch export starting at line 4 has no "
                               "'# numEntries:' trailer: it was cut, the last record may be "
                               "partial and entries are missing");
  CHECK(r.err.find("must not be taken as clean") != std::string::npos);
  // numEntries that does not match.
  std::string edited = text;
  edited.replace(edited.find("# numEntries: 37"), 16, "# numEntries: 38");
  write_text(dir.file("edited.ldif"), edited);
  r = run({"scan", "--ldif", dir.file("edited.ldif"), "--format", "json"});
  CHECK(r.status == 3);
  CHECK(Json::parse(r.out)["scan"]["incomplete_reason"].get<std::string>().find(
            "says '# numEntries: 38' but holds 37 entries") != std::string::npos);
  // Cut inside a base64 value, at a point where what is left still decodes.
  const auto sid = text.find("objectSid:: ");
  if (sid != std::string::npos) {
    write_text(dir.file("b64.ldif"), text.substr(0, sid + 12 + 8));
    r = run({"scan", "--ldif", dir.file("b64.ldif")});
    CHECK(r.status == 2);
    CHECK(r.err.find("the file ends inside the base64 value of 'objectSid'") != std::string::npos);
  }
}

TEST_CASE("scan: the same export given twice is read once") {
  TempDir dir;
  write_text(dir.file("copy.ldif"),
             slurp(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif"));
  const Json report = scan_json({"--ldif", "fixtures/contoso.ldif", "--ldif",
                                 "./fixtures/contoso.ldif", "--ldif", dir.file("copy.ldif")},
                                1);
  CHECK(report["scan"]["accounts"] == 48);
  CHECK(report["scan"]["spns"] == 171);
  CHECK(report["findings"].size() == 39);
  CHECK(report["scan"]["sources"] == Json::array({"fixtures/contoso.ldif"}));
  CHECK(report["scan"]["warnings"] ==
        Json::array({"'./fixtures/contoso.ldif' is the same file as 'fixtures/contoso.ldif' "
                     "(named twice); it was read once",
                     "'" + dir.file("copy.ldif") +
                         "' is a byte-for-byte copy of "
                         "'fixtures/contoso.ldif' (named twice); it was read once"}));
  // Overlapping exports: the entries in both are counted once.
  // The first part of the fixture's entries, without ldapsearch's comments (as -LLL writes it).
  const std::string text = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif");
  const auto first_dn = text.find("\ndn: ") + 1;
  write_text(dir.file("part.ldif"), text.substr(first_dn, text.find("# SQL1,") - first_dn));
  const Json overlap =
      scan_json({"--ldif", dir.file("part.ldif"), "--ldif", "fixtures/contoso.ldif"}, 1);
  CHECK(overlap["scan"]["accounts"] == 48);
  CHECK(overlap["findings"].size() == 39);
  REQUIRE(overlap["scan"]["warnings"].size() == 1);
  CHECK(overlap["scan"]["warnings"][0].get<std::string>().find(
            "entries were read more than once (the same DN in overlapping inputs") !=
        std::string::npos);
}

TEST_CASE("scan --output: refused when it names an input, empty, or unwritable") {
  TempDir dir;
  const std::string input = dir.file("export.ldif");
  const std::string original = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif");
  write_text(input, original);
  auto r = run({"scan", "--ldif", input, "-o", input});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: --output '" + input + "' is the input '" + input +
                     "': writing the report there would replace the export\n");
  CHECK(slurp(input) == original);
  r = run({"scan", "--ldif", input, "-o", dir.path + "/./export.ldif"});
  CHECK(r.status == 2);
  CHECK(slurp(input) == original);
  r = run({"scan", "--ldif", input, "-o", ""});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: --output: empty file name (leave -o out, or give -o -, to write "
                 "to standard output)\n");
  r = run({"scan", "--ldif", input, "-o", "/dev/full"});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: cannot write the report to /dev/full: No space left on device\n");
  r = run({"scan", "--ldif", input, "-o", dir.path});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: cannot write the report to " + dir.path + ": Is a directory\n");
  r = run({"scan", "--ldif", input, "-o", dir.file("no/such/dir/report.txt")});
  CHECK(r.status == 2);
  CHECK(r.err.find("cannot write " + dir.file("no/such/dir/report.txt")) != std::string::npos);
  CHECK(r.err.find("No such file or directory") != std::string::npos);
  // Standard output that cannot take the report says so.
  r = run({"scan", "--ldif", input, ">/dev/full"});
  CHECK(r.status == 2); // ">/dev/full" is an operand here, not a redirection: a usage error
}

TEST_CASE("scan: a report to a full standard output says why") {
  TempDir dir;
  const std::string command = "cd '" SPNSCAN_SOURCE_DIR "' && '" SPNSCAN_BINARY
                              "' scan --ldif fixtures/contoso.ldif >/dev/full 2>'" +
                              dir.file("err") + "'";
  const int raw = std::system(command.c_str());
  CHECK(WEXITSTATUS(raw) == 2);
  CHECK(slurp(dir.file("err")) ==
        "spnscan: error: cannot write the report to standard output: No space left on device\n");
}

TEST_CASE("scan: each fix names the value as that holder stores it") {
  const Json report = scan_json({"--ldif", "fixtures/contoso.ldif"}, 1);
  bool seen = false;
  for (const auto& f : report["findings"]) {
    if (f["rule"] != "duplicate-spn" || f["account"]["sam_account_name"] != "svc_app") {
      continue;
    }
    seen = true;
    CHECK(f["spns"] == Json::array({"HTTP/app.contoso.com.", "http/APP.contoso.com"}));
    CHECK(f["keep_on"].is_null());
    CHECK(f["remediation"]["setspn"].empty()); // undecided: no block that removes it from both
    const auto& choices = f["remediation"]["choices"];
    REQUIRE(choices.size() == 2);
    // If svc_app keeps it, svc_app_new removes its own spelling, and the other way round.
    CHECK(choices[0]["keep_on"] == "CN=svc_app,OU=Service Accounts,DC=contoso,DC=com");
    CHECK(choices[0]["remove"] ==
          Json::parse(R"([{"dn": "CN=svc_app_new,OU=Service Accounts,DC=contoso,DC=com",
                           "attribute": "servicePrincipalName",
                           "values": ["http/APP.contoso.com"]}])"));
    CHECK(choices[0]["remediation"]["setspn"] ==
          Json::array({"setspn -D http/APP.contoso.com svc_app_new"}));
    CHECK(choices[1]["remediation"]["setspn"] ==
          Json::array({"setspn -D HTTP/app.contoso.com. svc_app"}));
  }
  CHECK(seen);
}

TEST_CASE("scan: values that look alike never print alike; CSV escapes like the text report") {
  TempDir dir;
  write_text(dir.file("x.ldif"),
             "dn: CN=HUB1,OU=Servers,DC=x\nobjectClass: computer\nsAMAccountName: HUB1$\n"
             "userAccountControl: 4096\nservicePrincipalName: HTTP/web01.x\n\n"
             "dn: CN=svc_a,DC=x\nsAMAccountName: svc_a\nuserAccountControl: 512\n"
             // HTTP/web01.x followed by a zero-width space, and one with a trailing space
             "servicePrincipalName:: SFRUUC93ZWIwMS544oCL\n"
             "servicePrincipalName:: SFRUUC93ZWIwMS54IA==\n"
             // an ESC sequence
             "servicePrincipalName:: SFRUUC8bWzMxbXgbWzBt\n");
  const auto text = run({"scan", "--ldif", dir.file("x.ldif")});
  CHECK(text.out.find("[WARNING] malformed-spn  HTTP/web01.x\\x20\n") != std::string::npos);
  CHECK(text.out.find('\x1b') == std::string::npos);
  const auto csv = run({"scan", "--ldif", dir.file("x.ldif"), "--format", "csv"});
  CHECK(csv.out.find("HTTP/\\x1B[31mx\\x1B[0m") != std::string::npos);
  CHECK(csv.out.find('\x1b') == std::string::npos);
  // The PowerShell fix spells the control character out, so it is exact and visible.
  CHECK(text.out.find("('HTTP/' + [char]0x001B + '[31mx' + [char]0x001B + '[0m')") !=
        std::string::npos);
  // The zero-width space reads as HUB1's HTTP/web01.x: a hidden duplicate.
  CHECK(text.out.find("[ERROR] lookalike-spn  HTTP/web01.x\\u{200B}") != std::string::npos);
  // The zero-width space: three values that look alike print differently.
  const auto dump = run({"dump", "--ldif", dir.file("x.ldif")});
  CHECK(dump.out.find("    HTTP/web01.x\n") != std::string::npos);
  CHECK(dump.out.find("    HTTP/web01.x\\u{200B}\n") != std::string::npos);
  CHECK(dump.out.find("    HTTP/web01.x\\x20\n") != std::string::npos);
  CHECK(dump.out.find("\xE2\x80\x8B") == std::string::npos);
  const auto dump_csv = run({"dump", "--ldif", dir.file("x.ldif"), "--format", "csv"});
  CHECK(dump_csv.out.find("HTTP/web01.x\\u{200B},") != std::string::npos);
  CHECK(dump_csv.out.find("\xE2\x80\x8B") == std::string::npos);
}

TEST_CASE("scan: a reference to Configuration is no gap once its sPNMappings entry was read") {
  TempDir dir;
  const std::string head =
      "version: 1\n\n#\n# LDAPv3\n# base <DC=contoso,DC=com> with scope subtree\n"
      "# filter: (servicePrincipalName=*)\n# requesting: ALL\n#\n\n";
  write_text(
      dir.file("domain.ldif"),
      head + "dn: CN=HUB1,OU=Servers,DC=contoso,DC=com\nobjectClass: computer\n"
             "sAMAccountName: HUB1$\nuserAccountControl: 4096\nservicePrincipalName: HOST/hub1\n\n"
             "# search reference\n# refldap://contoso.com/CN=Configuration,DC=contoso,DC=com\n\n"
             "# search reference\n# refldap://contoso.com/DC=child,DC=contoso,DC=com\n\n"
             "# search result\n\n# numResponses: 4\n# numEntries: 1\n# numReferences: 2\n");
  write_text(
      dir.file("config.ldif"),
      "dn: CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com\n"
      "sPNMappings: host=alerter,http,cifs\n");
  Json report = scan_json({"--ldif", dir.file("domain.ldif")}, 0);
  CHECK(report["scan"]["warnings"].size() == 3); // 2 references; no Directory Service entry
  CHECK(report["scan"]["rules_not_run"] ==
        Json::array({Json{{"rule", "spn-uniqueness-checks-disabled"},
                          {"reason", report["scan"]["rules_not_run"][0]["reason"]}}}));
  CHECK(report["scan"]["spn_mappings"] == "default");
  report = scan_json({"--ldif", dir.file("domain.ldif"), "--ldif", dir.file("config.ldif")}, 0);
  CHECK(report["scan"]["spn_mappings"] == "directory");
  // Only the child domain is a gap: accounts live there, and none was read.
  CHECK(report["scan"]["warnings"] ==
        Json::array({dir.file("domain.ldif") +
                     ":20: continuation reference to "
                     "'ldap://contoso.com/DC=child,DC=contoso,DC=com' not followed: the scan does "
                     "not cover 'DC=child,DC=contoso,DC=com'"}));
  const auto text =
      run({"scan", "--ldif", dir.file("domain.ldif"), "--ldif", dir.file("config.ldif")});
  CHECK(text.out.find("CN=Configuration") == std::string::npos);
}
