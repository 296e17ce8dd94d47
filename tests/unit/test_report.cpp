#include "spnscan/analysis/finding.hpp"
#include "spnscan/report/escape.hpp"
#include "spnscan/report/report.hpp"
#include "spnscan/version.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace spnscan;
using namespace std::string_literals;

namespace {

AccountRef administrator()
{
  AccountRef account;
  account.dn = "CN=Administrator,CN=Users,DC=contoso,DC=com";
  account.sam_account_name = "Administrator";
  account.kind = AccountKind::user;
  account.privileged = true;
  account.rid = 500;
  return account;
}

AccountRef computer(std::string dn, std::string sam)
{
  AccountRef account;
  account.dn = std::move(dn);
  account.sam_account_name = std::move(sam);
  account.kind = AccountKind::computer;
  return account;
}

Remediation removal(const std::string& spn, const AccountRef& account, const std::string& noun)
{
  Remediation fix;
  fix.adsiedit = {
    "1. Open ADSI Edit (adsiedit.msc) and connect to the Default naming context.",
    "2. Find " + account.dn + ", open Properties and select servicePrincipalName.",
    "3. Remove " + spn + ", then click OK twice.",
    "4. Wait for replication, then restart the services that use the SPN.",
  };
  std::string sam = account.sam_account_name;
  if (!sam.empty() && sam.back() == '$') {
    sam.pop_back();
  }
  fix.setspn = {"setspn -D " + spn + " CONTOSO\\" + sam};
  fix.powershell = {"Set-AD" + noun + " -Identity '" + account.dn
                    + "' -ServicePrincipalNames @{Remove='" + spn + "'}"};
  fix.ldif = "dn: " + account.dn + "\nchangetype: modify\ndelete: servicePrincipalName\n"
             + "servicePrincipalName: " + spn + "\n-\n";
  return fix;
}

// The hand-built findings behind the golden files: the seed's case and every kind of hostile
// string the writers must make safe.
std::vector<Finding> sample_findings()
{
  std::vector<Finding> findings;

  const AccountRef hub1 = computer("CN=HUB1,OU=Exchange Servers,DC=contoso,DC=com", "HUB1$");
  AccountRef old_hub = computer("CN=OLDHUB,OU=Retired,DC=contoso,DC=com", "OLDHUB$");
  old_hub.disabled = true;

  Finding duplicate;
  duplicate.id = "duplicate-spn:7f3a9c01";
  duplicate.rule = "duplicate-spn";
  duplicate.severity = Severity::error;
  duplicate.spn = "SMTP/hub1.contoso.com";
  duplicate.account = administrator();
  duplicate.related = {hub1, old_hub};
  duplicate.message =
    "SMTP/hub1.contoso.com is registered on 3 accounts. The KDC cannot tell which one the "
    "service runs as, so Kerberos to Exchange Transport fails and Unified Messaging cannot "
    "deliver voicemail (event 1082).";
  duplicate.remove_from = {administrator().dn, old_hub.dn};
  duplicate.keep_on = hub1.dn;
  duplicate.keep_reason = "HUB1$ (computer) is the computer that hub1.contoso.com names";
  duplicate.removals = {Removal{administrator(), {duplicate.spn}},
                        Removal{old_hub, {"smtp/HUB1.contoso.com."}}};
  duplicate.remediation = removal(duplicate.spn, administrator(), "User");
  findings.push_back(duplicate);

  Finding smtp;
  smtp.id = "host-spn-on-user:0b12de44";
  smtp.rule = "host-spn-on-user";
  smtp.severity = Severity::warning;
  smtp.spn = "SMTPSVC/HUB1";
  smtp.account = administrator();
  smtp.related = {hub1};
  smtp.message = "SMTPSVC/HUB1 names the host HUB1 but is on a user account, and a privileged "
                 "one: its service tickets can be cracked offline (Kerberoasting).";
  smtp.remove_from = {administrator().dn};
  smtp.remediation = removal(smtp.spn, administrator(), "User");
  findings.push_back(smtp);

  Finding control;
  control.id = "malformed-spn:5c5c0001";
  control.rule = "malformed-spn";
  control.severity = Severity::warning;
  control.spn = "HTTP/web1\x1b[2J\x07.contoso.com\r\nFAKE\x7f\x01\\x41";
  control.account = computer("CN=WEB1,OU=Servers,DC=contoso,DC=com", "WEB1$");
  control.message = "The SPN holds control characters: " + control.spn;
  control.remove_from = {control.account.dn};
  control.remediation = removal(control.spn, control.account, "Computer");
  findings.push_back(control);

  Finding bidi;
  bidi.id = "malformed-spn:5c5c0002";
  bidi.rule = "malformed-spn";
  bidi.severity = Severity::info;
  bidi.spn = "HTTP/\xE2\x80\xAEmoc.live\xE2\x81\xA6.contoso.com\xE2\x80\x8F";
  bidi.account = computer("CN=KIOSK\xE2\x80\xAE" "3,OU=Kiosks,DC=contoso,DC=com", "KIOSK3$");
  bidi.message = "The SPN holds bidirectional controls that make it display differently.";
  findings.push_back(bidi);

  Finding invalid;
  invalid.id = "malformed-spn:5c5c0003";
  invalid.rule = "malformed-spn";
  invalid.severity = Severity::info;
  invalid.spn = "MSSQLSvc/sql\x9b" "1.contoso.com:1433\xC2\x85";
  invalid.account = computer("CN=Bad\xFF\xC0\xAFName,OU=Servers,DC=contoso,DC=com", "M\xC3\xBCller$");
  invalid.related = {computer("CN=Trunc\xE2\x82,OU=Servers,DC=contoso,DC=com", "TRUNC$")};
  invalid.message = "The SPN is not valid UTF-8.";
  invalid.keep_on = invalid.related[0].dn;
  findings.push_back(invalid);

  Finding injection;
  injection.id = "duplicate-spn:c5v00001";
  injection.rule = "duplicate-spn";
  injection.severity = Severity::error;
  injection.spn = "+HTTP/intranet.contoso.com";
  injection.account = computer("=HYPERLINK(\"http://evil.example/\",\"click\"),OU=x,DC=contoso,DC=com",
                               "@SUM(1+1)");
  injection.related = {computer("-2+3,OU=x,DC=contoso,DC=com", "\tTAB$"),
                       computer("\rCR,OU=x,DC=contoso,DC=com", "CR$")};
  injection.message = "-1 looks like a formula; so does everything else in this row.";
  injection.remove_from = {injection.related[0].dn};
  injection.keep_on = "@keep,OU=x,DC=contoso,DC=com";
  findings.push_back(injection);

  // Undecided: one labelled block per holder that might keep it, and no single fix.
  const AccountRef app = computer("CN=svc_app,OU=Service Accounts,DC=contoso,DC=com", "svc_app");
  const AccountRef app_new =
    computer("CN=svc_app_new,OU=Service Accounts,DC=contoso,DC=com", "svc_app_new");
  Finding undecided;
  undecided.id = "duplicate-spn:0d0d0001";
  undecided.rule = "duplicate-spn";
  undecided.severity = Severity::error;
  undecided.spn = "HTTP/app.contoso.com.";
  undecided.spns = {"HTTP/app.contoso.com.", "http/APP.contoso.com"};
  undecided.account = app;
  undecided.related = {app_new};
  undecided.message = "spnscan cannot decide which account should keep it.";
  undecided.choices = {
    Choice{app, "", {Removal{app_new, {"http/APP.contoso.com"}}},
           removal("http/APP.contoso.com", app_new, "User")},
    Choice{app_new, "likely: the only enabled holder", {Removal{app, {"HTTP/app.contoso.com."}}},
           removal("HTTP/app.contoso.com.", app, "User")}};
  findings.push_back(undecided);

  return findings;
}

ReportScan sample_scan()
{
  using namespace std::chrono;
  ReportScan scan;
  scan.info.sources = {"ldaps://dc1.contoso.com", "export.ldif"};
  scan.info.complete = true;
  scan.info.warnings = {
    "1 continuation reference not followed: ldap://DomainDnsZones.contoso.com/DC=DomainDnsZones,"
    "DC=contoso,DC=com"};
  scan.info.started_at = sys_days{year{2026} / 11 / 22} + hours{3} + minutes{4} + seconds{5};
  scan.info.duration_ms = 1234;
  scan.info.entries_read = 120;
  scan.info.spn_mappings_from_directory = true;
  scan.accounts = 7;
  scan.spns = 42;
  return scan;
}

std::string render(ReportFormat format, const ReportScan& scan, const std::vector<Finding>& findings,
                   bool color = false)
{
  std::ostringstream out;
  ReportOptions options;
  options.color = color;
  write_report(out, format, scan, findings, options);
  return out.str();
}

std::string replace_all(std::string text, std::string_view from, std::string_view to)
{
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Compares actual with tests/golden/<name> byte for byte; SPNSCAN_UPDATE_GOLDEN=1 rewrites the
// file instead. The version is masked so that a release does not change the golden files.
void check_golden(const std::string& name, const std::string& output)
{
  const std::string actual = replace_all(output, k_version, "@VERSION@");
  const std::string path = std::string(SPNSCAN_SOURCE_DIR) + "/tests/golden/" + name;
  const char* update = std::getenv("SPNSCAN_UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << actual;
    file.close();
    REQUIRE(file.good());
    WARN("rewrote " << path);
    return;
  }
  std::ifstream file(path, std::ios::binary);
  INFO(path << " is missing: run the unit tests with SPNSCAN_UPDATE_GOLDEN=1 to create it");
  REQUIRE(file.is_open());
  std::ostringstream expected;
  expected << file.rdbuf();
  const std::string wanted = expected.str();
  std::size_t first_difference = 0;
  while (first_difference < actual.size() && first_difference < wanted.size()
         && actual[first_difference] == wanted[first_difference]) {
    ++first_difference;
  }
  INFO("first difference at byte " << first_difference << "; rerun with SPNSCAN_UPDATE_GOLDEN=1 "
                                   << "if the change is intended");
  CHECK(actual == wanted);
}

std::size_t count(std::string_view text, std::string_view what)
{
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string_view::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

bool has_raw_control(std::string_view text, bool allow_ansi)
{
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\n' && !(allow_ansi && byte == 0x1b)) || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

} // namespace

// --- escaping ---

TEST_CASE("escape_for_terminal: plain text and valid UTF-8 pass through")
{
  CHECK(escape_for_terminal("HTTP/web1.contoso.com:443") == "HTTP/web1.contoso.com:443");
  CHECK(escape_for_terminal("CN=M\xC3\xBCller,DC=contoso") == "CN=M\xC3\xBCller,DC=contoso");
  CHECK(escape_for_terminal("\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91") == "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91");
  CHECK(escape_for_terminal("") == "");
}

TEST_CASE("escape_for_terminal: C0 controls and DEL become \\xNN")
{
  CHECK(escape_for_terminal("a\x1b[2Jb") == "a\\x1B[2Jb");
  CHECK(escape_for_terminal("\r\n\t") == "\\x0D\\x0A\\x09");
  CHECK(escape_for_terminal(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_for_terminal("\x07\x1f") == "\\x07\\x1F");
  CHECK(escape_for_terminal("x\x7fy") == "x\\x7Fy");
}

TEST_CASE("escape_for_terminal: backslash is doubled")
{
  CHECK(escape_for_terminal("CN=Smith\\, John") == "CN=Smith\\\\, John");
  // A literal backslash-x text cannot pass for an escaped byte.
  CHECK(escape_for_terminal("\\x1B") == "\\\\x1B");
}

TEST_CASE("escape_for_terminal: C1 controls, as UTF-8 and as raw bytes")
{
  CHECK(escape_for_terminal("a\xC2\x85" "b") == "a\\u{0085}b");
  CHECK(escape_for_terminal("\xC2\x80\xC2\x9F") == "\\u{0080}\\u{009F}");
  CHECK(escape_for_terminal("\xC2\xA9") == "\xC2\xA9"); // U+00A9 is printable
  CHECK(escape_for_terminal("a\x9b" "31mb") == "a\\x9B31mb");
  CHECK(escape_for_terminal("\x80\x9f") == "\\x80\\x9F");
}

TEST_CASE("escape_for_terminal: bidi controls and line separators")
{
  CHECK(escape_for_terminal("a\xE2\x80\xAE" "b") == "a\\u{202E}b");
  CHECK(escape_for_terminal("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD")
        == "\\u{202A}\\u{202B}\\u{202C}\\u{202D}");
  CHECK(escape_for_terminal("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9")
        == "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
  CHECK(escape_for_terminal("\xE2\x80\x8E\xE2\x80\x8F") == "\\u{200E}\\u{200F}");
  CHECK(escape_for_terminal("\xD8\x9C") == "\\u{061C}");
  CHECK(escape_for_terminal("\xE2\x80\xA8\xE2\x80\xA9") == "\\u{2028}\\u{2029}");
  CHECK(escape_for_terminal("\xE2\x80\x94") == "\xE2\x80\x94"); // em dash is fine
}

TEST_CASE("escape_for_terminal: invisible characters and look-alike spaces become \\u{NNNN}")
{
  CHECK(escape_for_terminal("HTTP/web\u200B01") == "HTTP/web\\u{200B}01");
  CHECK(escape_for_terminal("\u00AD\u2060\uFEFF\u200D") == "\\u{00AD}\\u{2060}\\u{FEFF}\\u{200D}");
  CHECK(escape_for_terminal("a\u00A0b\u3000c\u2009d") == "a\\u{00A0}b\\u{3000}c\\u{2009}d");
  CHECK(escape_for_terminal("\u3164\uFE0F\U000E0041") == "\\u{3164}\\u{FE0F}\\u{E0041}");
  // Letters of other scripts are visible: they are issue of the look-alike rule, not of escaping.
  CHECK(escape_for_terminal("\u0430") == "\u0430");
}

TEST_CASE("escape_for_display and show_value: what the reports show")
{
  // Nothing to escape but backslashes: shown as the directory holds it.
  CHECK(escape_for_display("CN=Smith\\, John,DC=contoso") == "CN=Smith\\, John,DC=contoso");
  CHECK(escape_for_display("CN=Smith\\, John\x07") == "CN=Smith\\\\, John\\x07");
  // Spaces at either end of a value, and invisible characters, never print like plain text.
  CHECK(show_value("HTTP/web01") == "HTTP/web01");
  CHECK(show_value("HTTP/web01 ") == "HTTP/web01\\x20");
  CHECK(show_value("  HTTP/web01") == "\\x20\\x20HTTP/web01");
  CHECK(show_value("HTTP/web 01") == "HTTP/web 01");
  CHECK(show_value(" ") == "\\x20");
  CHECK(show_value("HTTP/web01\u200B") == "HTTP/web01\\u{200B}");
  CHECK(show_value("HTTP/web01") != show_value("HTTP/web01\u200B"));
}

TEST_CASE("escape_for_terminal: invalid UTF-8 bytes become \\xNN each")
{
  CHECK(escape_for_terminal("a\xff" "b") == "a\\xFFb");
  CHECK(escape_for_terminal("\xC0\xAF") == "\\xC0\\xAF");             // overlong '/'
  CHECK(escape_for_terminal("\xE0\x80\xAF") == "\\xE0\\x80\\xAF");    // overlong
  CHECK(escape_for_terminal("\xED\xA0\x80") == "\\xED\\xA0\\x80");    // surrogate
  CHECK(escape_for_terminal("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80"); // > U+10FFFF
  CHECK(escape_for_terminal("\xE2\x82" "A") == "\\xE2\\x82A");        // truncated
  CHECK(escape_for_terminal("end\xE2\x82") == "end\\xE2\\x82");       // truncated at the end
}

TEST_CASE("to_valid_utf8: replaces each invalid byte and says so")
{
  bool replaced = false;
  CHECK(to_valid_utf8("M\xC3\xBCller \xE2\x80\xAE", replaced) == "M\xC3\xBCller \xE2\x80\xAE");
  CHECK_FALSE(replaced);

  CHECK(to_valid_utf8("a\xff" "b", replaced) == "a\xEF\xBF\xBD" "b");
  CHECK(replaced);

  replaced = false;
  CHECK(to_valid_utf8("\xC0\xAF", replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced);

  replaced = false;
  CHECK(to_valid_utf8("x\xE2\x82", replaced) == "x\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced);

  // replaced is only ever set, never cleared, so one flag can cover many strings.
  CHECK(to_valid_utf8("ok", replaced) == "ok");
  CHECK(replaced);
}

TEST_CASE("csv_cell: plain cells are unquoted")
{
  CHECK(csv_cell("SMTP/hub1.contoso.com") == "SMTP/hub1.contoso.com");
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("a=b") == "a=b"); // only the first character matters
}

TEST_CASE("csv_cell: quoting per RFC 4180")
{
  CHECK(csv_cell("CN=HUB1,DC=contoso") == "\"CN=HUB1,DC=contoso\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_cell("line1\nline2") == "\"line1\nline2\"");
  // A CR or LF from the directory is escaped as in the text report; only the writer's own line
  // breaks (one command per line) stay.
  CHECK(csv_cell("a\rb") == "a\\x0Db");
}

TEST_CASE("csv_cell: leading formula characters are neutralised")
{
  CHECK(csv_cell("=1+1") == "'=1+1");
  CHECK(csv_cell("+HTTP/x") == "'+HTTP/x");
  CHECK(csv_cell("-2+3") == "'-2+3");
  CHECK(csv_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_cell("\tTAB") == "\\x09TAB");
  CHECK(csv_cell("\rCR") == "\\x0DCR");
  CHECK(csv_cell("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

TEST_CASE("csv_cell: controls, bidi overrides, invisible characters and invalid UTF-8 are escaped")
{
  CHECK(csv_cell("a\xff" "b") == "a\\xFFb");
  CHECK(csv_cell("a\x1b[31mb") == "a\\x1B[31mb");
  CHECK(csv_cell("x\u202Ey") == "x\\u{202E}y");
  CHECK(csv_cell("HTTP/web\u200B01") == "HTTP/web\\u{200B}01");
  CHECK(csv_cell("a\xC2\x85") == "a\\u{0085}");
  CHECK(csv_cell("x\x7f") == "x\\x7F");
  CHECK(csv_cell("CN=Smith\\, John") == "\"CN=Smith\\, John\"");
}

// --- small helpers ---

TEST_CASE("report_format_from_string")
{
  CHECK(report_format_from_string("text") == ReportFormat::text);
  CHECK(report_format_from_string("json") == ReportFormat::json);
  CHECK(report_format_from_string("csv") == ReportFormat::csv);
  CHECK_FALSE(report_format_from_string("xml").has_value());
  CHECK_FALSE(report_format_from_string("JSON").has_value());
  CHECK_FALSE(report_format_from_string("").has_value());
}

TEST_CASE("to_string(Severity) and severity_from_string")
{
  CHECK(to_string(Severity::info) == "info");
  CHECK(to_string(Severity::warning) == "warning");
  CHECK(to_string(Severity::error) == "error");
  CHECK(severity_from_string("info") == Severity::info);
  CHECK(severity_from_string("warning") == Severity::warning);
  CHECK(severity_from_string("error") == Severity::error);
  CHECK_FALSE(severity_from_string("Error").has_value());
  CHECK_FALSE(severity_from_string("fatal").has_value());
}

TEST_CASE("format_rfc3339_utc")
{
  using namespace std::chrono;
  CHECK(format_rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
  const auto time = sys_days{year{2026} / 11 / 22} + hours{3} + minutes{4} + seconds{5}
                    + milliseconds{999};
  CHECK(format_rfc3339_utc(time) == "2026-11-22T03:04:05Z");
  CHECK(format_rfc3339_utc(sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59})
        == "2024-02-29T23:59:59Z");
}

// --- JSON ---

TEST_CASE("write_json_report: golden file")
{
  check_golden("report.json", render(ReportFormat::json, sample_scan(), sample_findings()));
}

TEST_CASE("write_json_report: the contract's fields, in order")
{
  const std::string text = render(ReportFormat::json, sample_scan(), sample_findings());
  REQUIRE(text.back() == '\n');
  const auto json = nlohmann::ordered_json::parse(text);

  std::vector<std::string> keys;
  for (const auto& item : json.items()) {
    keys.push_back(item.key());
  }
  CHECK(keys == std::vector<std::string>{"schema_version", "tool", "scan", "summary", "findings"});
  CHECK(json["schema_version"] == 1);
  CHECK(json["tool"]["name"] == "spnscan");
  CHECK(json["tool"]["version"] == k_version);

  const auto& scan = json["scan"];
  keys.clear();
  for (const auto& item : scan.items()) {
    keys.push_back(item.key());
  }
  CHECK(keys
        == std::vector<std::string>{"sources", "complete", "accounts", "spns", "started_at",
                                    "duration_ms", "warnings", "spn_mappings"});
  CHECK(scan["complete"] == true);
  CHECK(scan["accounts"] == 7);
  CHECK(scan["spns"] == 42);
  CHECK(scan["started_at"] == "2026-11-22T03:04:05Z");
  CHECK(scan["duration_ms"] == 1234);
  CHECK(scan["spn_mappings"] == "directory");

  CHECK(json["summary"] == nlohmann::ordered_json{{"error", 3}, {"warning", 2}, {"info", 2}});

  const auto& first = json["findings"][0];
  keys.clear();
  for (const auto& item : first.items()) {
    keys.push_back(item.key());
  }
  CHECK(keys
        == std::vector<std::string>{"id", "rule", "severity", "spn", "spns", "account", "related",
                                    "message", "remove_from", "keep_on", "keep_reason", "remove",
                                    "remediation"});
  CHECK(first["severity"] == "error");
  CHECK(first["account"]
        == nlohmann::ordered_json{{"dn", "CN=Administrator,CN=Users,DC=contoso,DC=com"},
                                  {"sam_account_name", "Administrator"},
                                  {"kind", "user"},
                                  {"privileged", true},
                                  {"disabled", false}});
  CHECK(first["related"].size() == 2);
  CHECK(first["related"][1]["disabled"] == true);
  CHECK(first["keep_on"] == "CN=HUB1,OU=Exchange Servers,DC=contoso,DC=com");
  CHECK(first["remediation"]["setspn"][0] == "setspn -D SMTP/hub1.contoso.com CONTOSO\\Administrator");
  CHECK(first["remediation"]["ldif"].is_string());
  CHECK(json["findings"][1]["keep_on"].is_null());
  CHECK(first["keep_reason"] == "HUB1$ (computer) is the computer that hub1.contoso.com names");
  CHECK(first["remove"]
        == nlohmann::ordered_json::parse(
          R"([{"dn": "CN=Administrator,CN=Users,DC=contoso,DC=com",
               "values": ["SMTP/hub1.contoso.com"]},
              {"dn": "CN=OLDHUB,OU=Retired,DC=contoso,DC=com",
               "values": ["smtp/HUB1.contoso.com."]}])"));
  CHECK(first["remediation"]["choices"] == nlohmann::ordered_json::array());
  // An undecided finding: no top-level fix, one choice per holder that might keep it.
  const auto& undecided = json["findings"][6];
  CHECK(undecided["keep_on"].is_null());
  CHECK(undecided["keep_reason"].is_null());
  CHECK(undecided["remove"] == nlohmann::ordered_json::array());
  CHECK(undecided["remediation"]["setspn"] == nlohmann::ordered_json::array());
  CHECK(undecided["spns"] == nlohmann::ordered_json{"HTTP/app.contoso.com.", "http/APP.contoso.com"});
  const auto& choices = undecided["remediation"]["choices"];
  REQUIRE(choices.size() == 2);
  CHECK(choices[0]["keep_on"] == "CN=svc_app,OU=Service Accounts,DC=contoso,DC=com");
  CHECK(choices[0]["hint"].is_null());
  CHECK(choices[1]["hint"] == "likely: the only enabled holder");
  CHECK(choices[0]["remove"][0]["values"] == nlohmann::ordered_json{"http/APP.contoso.com"});
  CHECK(choices[0]["remediation"]["setspn"][0] == "setspn -D http/APP.contoso.com CONTOSO\\svc_app_new");
}

TEST_CASE("write_json_report: invalid UTF-8 is replaced and the scan warns once")
{
  const auto json =
    nlohmann::json::parse(render(ReportFormat::json, sample_scan(), sample_findings()));
  const auto& warnings = json["scan"]["warnings"];
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[1]
        == "some directory strings were not valid UTF-8; invalid bytes were replaced with U+FFFD");
  CHECK(json["findings"][4]["account"]["dn"]
        == "CN=Bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDName,OU=Servers,DC=contoso,DC=com");
  // Control characters survive, escaped by JSON itself.
  CHECK(json["findings"][2]["spn"] == "HTTP/web1\x1b[2J\x07.contoso.com\r\nFAKE\x7f\x01\\x41");
}

TEST_CASE("write_json_report: no UTF-8 warning when nothing was replaced")
{
  std::vector<Finding> findings = sample_findings();
  findings.resize(4); // the first four hold controls and bidi, but valid UTF-8
  const auto json = nlohmann::json::parse(render(ReportFormat::json, sample_scan(), findings));
  CHECK(json["scan"]["warnings"].size() == 1);
}

TEST_CASE("write_json_report: incomplete scan and no findings")
{
  ReportScan scan = sample_scan();
  scan.info.complete = false;
  scan.info.incomplete_reason = "search failed on page 3: Busy (51)";
  scan.info.warnings.clear();
  scan.info.spn_mappings_from_directory = false;
  const std::string text = render(ReportFormat::json, scan, {});
  const auto json = nlohmann::ordered_json::parse(text);
  CHECK(json["scan"]["complete"] == false);
  CHECK(json["scan"]["incomplete_reason"] == "search failed on page 3: Busy (51)");
  CHECK(json["scan"]["warnings"] == nlohmann::ordered_json::array());
  CHECK(json["scan"]["spn_mappings"] == "default");
  CHECK(json["findings"] == nlohmann::ordered_json::array());
  CHECK(json["summary"]["error"] == 0);
  CHECK(text.find("\n  \"scan\": {\n    \"sources\": [") != std::string::npos); // 2-space indent
}

// --- text ---

TEST_CASE("write_text_report: golden file")
{
  check_golden("report.txt", render(ReportFormat::text, sample_scan(), sample_findings()));
}

TEST_CASE("write_text_report: directory strings cannot reach the terminal raw")
{
  const std::string text = render(ReportFormat::text, sample_scan(), sample_findings());
  CHECK_FALSE(has_raw_control(text, false));
  CHECK(text.find("\xE2\x80\xAE") == std::string::npos);
  CHECK(text.find("\xE2\x81\xA6") == std::string::npos);
  CHECK(text.find("\x9b") == std::string::npos);
  CHECK(text.find("HTTP/web1\\x1B[2J\\x07.contoso.com\\x0D\\x0AFAKE\\x7F\\x01\\\\x41")
        != std::string::npos);
  CHECK(text.find("HTTP/\\u{202E}moc.live\\u{2066}.contoso.com\\u{200F}") != std::string::npos);
  CHECK(text.find("CN=Bad\\xFF\\xC0\\xAFName") != std::string::npos);
  CHECK(text.find("MSSQLSvc/sql\\x9B1.contoso.com:1433\\u{0085}") != std::string::npos);
}

TEST_CASE("write_text_report: commands stay copyable unless they hold controls")
{
  const std::string text = render(ReportFormat::text, sample_scan(), sample_findings());
  CHECK(text.find("      setspn -D SMTP/hub1.contoso.com CONTOSO\\Administrator\n")
        != std::string::npos);
  CHECK(count(text, "(holds control or invisible characters, shown escaped; do not run as it is)")
        == 4); // the control-character finding's setspn, PowerShell and two LDIF lines
}

TEST_CASE("write_text_report: an undecided finding gives labelled choices, never one block for all")
{
  const std::string text = render(ReportFormat::text, sample_scan(), sample_findings());
  const auto choices = text.find("  Fix: spnscan cannot decide which holder keeps the SPN. Apply ONE of these\n");
  REQUIRE(choices != std::string::npos);
  const auto first = text.find("  Choice 1: if svc_app should keep it:\n", choices);
  const auto second =
    text.find("  Choice 2: if svc_app_new should keep it (likely: the only enabled holder):\n", first);
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(text.find("setspn -D http/APP.contoso.com CONTOSO\\svc_app_new", first) < second);
  CHECK(text.find("setspn -D HTTP/app.contoso.com. CONTOSO\\svc_app", second) != std::string::npos);
  CHECK(text.find("  Because:      HUB1$ (computer) is the computer that hub1.contoso.com names\n")
        != std::string::npos);
}

TEST_CASE("write_csv_report: an undecided finding labels each choice in the command cells")
{
  const std::string text = render(ReportFormat::csv, sample_scan(), sample_findings());
  CHECK(text.find("\"REM choice 1 of 2, apply only one: if CN=svc_app,OU=Service Accounts,"
                  "DC=contoso,DC=com should keep it\nsetspn -D http/APP.contoso.com "
                  "CONTOSO\\svc_app_new\nREM choice 2 of 2") != std::string::npos);
}

TEST_CASE("write_text_report: findings grouped by severity, errors first")
{
  const std::string text = render(ReportFormat::text, sample_scan(), sample_findings());
  const auto errors = text.find("== Errors (3) ==");
  const auto warnings = text.find("== Warnings (2) ==");
  const auto info = text.find("== Info (2) ==");
  REQUIRE(errors != std::string::npos);
  REQUIRE(warnings != std::string::npos);
  REQUIRE(info != std::string::npos);
  CHECK(errors < warnings);
  CHECK(warnings < info);
  // The second error comes after the first in the input, but before any warning.
  const auto injection = text.find("[ERROR] duplicate-spn  +HTTP/intranet.contoso.com");
  CHECK(injection > errors);
  CHECK(injection < warnings);
  CHECK(text.find("[ERROR] duplicate-spn  SMTP/hub1.contoso.com\n") != std::string::npos);
  CHECK(text.find("  Remove from:  CN=Administrator,CN=Users,DC=contoso,DC=com\n"
                  "                CN=OLDHUB,OU=Retired,DC=contoso,DC=com\n"
                  "  Keep on:      CN=HUB1,OU=Exchange Servers,DC=contoso,DC=com\n")
        != std::string::npos);
  CHECK(text.ends_with("3 errors, 2 warnings, 2 info\n"));
}

TEST_CASE("write_text_report: no findings on a complete scan")
{
  const std::string text = render(ReportFormat::text, sample_scan(), {});
  CHECK(text.ends_with("\nNo SPN conflicts found.\n0 errors, 0 warnings, 0 info\n"));
  CHECK(text.find("Scan:         complete\n") != std::string::npos);
}

TEST_CASE("write_text_report: an incomplete scan cannot be missed")
{
  ReportScan scan = sample_scan();
  scan.info.complete = false;
  scan.info.incomplete_reason = "paged search failed on page 3: Busy (51)";
  const std::string text = render(ReportFormat::text, scan, {});
  CHECK(text.find("Scan:         INCOMPLETE\n") != std::string::npos);
  CHECK(text.find("*** SCAN INCOMPLETE: paged search failed on page 3: Busy (51)\n")
        != std::string::npos);
  CHECK(text.find("*** Do not take this report as clean.\n") != std::string::npos);
  CHECK(text.find("No SPN conflicts found.") == std::string::npos);
  CHECK(text.ends_with("No SPN conflicts found in the part of the directory that was read.\n"
                       "0 errors, 0 warnings, 0 info\n"
                       "SCAN INCOMPLETE: this report must not be taken as clean (paged search failed\n"
                       "  on page 3: Busy (51)).\n"));
}

TEST_CASE("write_text_report: colour only when asked")
{
  const std::string plain = render(ReportFormat::text, sample_scan(), sample_findings(), false);
  const std::string color = render(ReportFormat::text, sample_scan(), sample_findings(), true);
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(color.find("\x1b[1;31m[ERROR]\x1b[0m duplicate-spn  SMTP/hub1.contoso.com")
        != std::string::npos);
  CHECK(color.find("\x1b[1;33m[WARNING]\x1b[0m") != std::string::npos);
  CHECK(color.find("\x1b[36m[INFO]\x1b[0m") != std::string::npos);
  // Colour adds escape sequences but lets none from the directory through.
  CHECK_FALSE(has_raw_control(color, true));
  CHECK(color.find("\x1b[2J") == std::string::npos);
}

TEST_CASE("write_text_report: long messages are wrapped")
{
  const std::string text = render(ReportFormat::text, sample_scan(), sample_findings());
  CHECK(text.find("  SMTP/hub1.contoso.com is registered on 3 accounts. The KDC cannot tell which\n"
                  "  one the service runs as,")
        != std::string::npos);
}

// --- CSV ---

TEST_CASE("write_csv_report: golden file")
{
  check_golden("report.csv", render(ReportFormat::csv, sample_scan(), sample_findings()));
}

TEST_CASE("write_csv_report: header, CRLF rows and neutralised cells")
{
  const std::string text = render(ReportFormat::csv, sample_scan(), sample_findings());
  CHECK(text.starts_with("id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,"
                         "account_privileged,related_dns,remove_from,keep_on,message,setspn,"
                         "powershell,keep_reason,spns\r\n"));
  CHECK(text.ends_with("\r\n"));
  CHECK(text.find("\r\nduplicate-spn:7f3a9c01,duplicate-spn,error,SMTP/hub1.contoso.com,"
                  "\"CN=Administrator,CN=Users,DC=contoso,DC=com\",Administrator,user,true,"
                  "\"CN=HUB1,OU=Exchange Servers,DC=contoso,DC=com; "
                  "CN=OLDHUB,OU=Retired,DC=contoso,DC=com\",")
        != std::string::npos);
  CHECK(text.find(",'+HTTP/intranet.contoso.com,\"'=HYPERLINK(") != std::string::npos);
  CHECK(text.find(",'@SUM(1+1),computer,false,\"'-2+3,OU=x,DC=contoso,DC=com; \\x0DCR,") != std::string::npos);
  CHECK(text.find(",\"'@keep,OU=x,DC=contoso,DC=com\",'-1 looks like a formula;") != std::string::npos);
  CHECK(text.find("\xFF") == std::string::npos);
}

TEST_CASE("write_csv_report: an incomplete scan with no findings is just the header")
{
  ReportScan scan = sample_scan();
  scan.info.complete = false;
  scan.info.incomplete_reason = "timeLimitExceeded";
  CHECK(render(ReportFormat::csv, scan, {})
        == "id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,"
           "account_privileged,related_dns,remove_from,keep_on,message,setspn,powershell,"
           "keep_reason,spns\r\n");
}
