#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

// True when text holds a C0 control other than LF, DEL, or (in UTF-8) a C1 control.
bool has_raw_control(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) {
      return true;
    }
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        return true;
      }
    }
  }
  return false;
}

} // namespace

TEST_CASE("text writer: directory strings cannot reach the terminal raw") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  const std::string text = report("text", *hostile);
  CHECK_FALSE(has_raw_control(text));
  CHECK(text.find("\xE2\x80\xAE") == std::string::npos);
  CHECK(text.find("\xE2\x81\xA6") == std::string::npos);
  CHECK(text.find('\x9b') == std::string::npos);
  CHECK(text.find("HTTP/web1\\x1B[2J\\x07.contoso.com\\x0D\\x0AFAKE\\x7F\\x01\\\\x41") !=
        std::string::npos);
  CHECK(text.find("HTTP/\\u{202E}moc.live\\u{2066}.contoso.com\\u{200F}") != std::string::npos);
  CHECK(text.find("CN=Bad\\xFF\\xC0\\xAFName") != std::string::npos);
  CHECK(text.find("HTTP/web01.contoso.com\\x20") != std::string::npos);
  // spnscan's own commands never need the "do not run" mark: values that cannot be quoted are
  // replaced by a comment, the PowerShell form spells them out, the LDIF carries base64.
  CHECK(count(text, "do not run as it is") == 0);
  CHECK(text.find("REM not shown for WEB1$") != std::string::npos);
}

TEST_CASE("text writer: an undecided finding gives labelled choices, never one block for all") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  // In the action plan, under "Decide first".
  const std::string text = report("text", *contoso);
  const auto d1 = text.find("Decide first\n\nD1. 'HTTP/app.contoso.com.' is held by svc_app "
                            "(user) and svc_app_new (user),\n    and spnscan cannot tell which "
                            "of them should keep it (duplicate-spn).\n    Apply ONE of these "
                            "choices, never all of them:\n  Choice 1: if svc_app should keep "
                            "it:\n");
  REQUIRE(d1 != std::string::npos);
  const auto d2 = text.find("D2. 'MSSQLSvc/sql2.contoso.com:1433' is held by", d1);
  REQUIRE(d2 != std::string::npos);
  CHECK(text.find("  Choice 2: if svc_app_new should keep it:\n", d1) < d2);
  CHECK(text.find("Fix:          decision 1 in the action plan\n") != std::string::npos);
  // And in the finding itself with --details.
  const std::string detailed = report("text", *contoso, false, true);
  const auto choices = detailed.find(
      "  Fix: spnscan cannot decide which holder keeps the SPN. Apply ONE of these\n");
  REQUIRE(choices != std::string::npos);
  const auto first = detailed.find("  Choice 1: if svc_app should keep it:\n", choices);
  const auto second = detailed.find("  Choice 2: if svc_app_new should keep it:\n", first);
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(detailed.find("setspn -D http/APP.contoso.com svc_app_new", first) < second);
  CHECK(detailed.find("setspn -D HTTP/app.contoso.com. svc_app", second) != std::string::npos);
  CHECK(detailed.find("  Because:      HUB1$ (computer) is the computer that hub1.contoso.com") !=
        std::string::npos);
}

TEST_CASE("text writer: findings grouped by severity, errors first, totals last") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string text = report("text", *contoso);
  const auto errors = text.find("== Errors (17) ==");
  const auto warnings = text.find("== Warnings (22) ==");
  REQUIRE(errors != std::string::npos);
  REQUIRE(warnings != std::string::npos);
  CHECK(errors < warnings);
  CHECK(text.ends_with("17 errors, 22 warnings, 0 info\n"));
  CHECK(text.find("Scan:         complete\n") != std::string::npos);
}

TEST_CASE("text writer: no findings on a complete scan") {
  const auto clean = scan_ldif(source_file("fixtures/contoso-clean.ldif"));
  const std::string text = report("text", *clean);
  CHECK(text.find("== Summary ==\n\nNo SPN conflicts found.\n0 findings: 0 errors, 0 warnings, 0 "
                  "info\n\nAction plan:  Nothing to remove.\n") != std::string::npos);
  CHECK(text.find("== Action plan ==") == std::string::npos);
  CHECK(text.ends_with("0 findings: 0 errors, 0 warnings, 0 info\n"));
}

TEST_CASE("text writer: an incomplete scan cannot be missed") {
  Scanned empty;
  empty.scan.info.complete = false;
  empty.scan.info.incomplete_reason = "ldap://dc1: Busy (51) after 3000 entries";
  const std::string text = report("text", empty);
  CHECK(text.find("Scan:         INCOMPLETE") != std::string::npos);
  CHECK(text.find("*** SCAN INCOMPLETE: ldap://dc1: Busy (51) after 3000 entries") !=
        std::string::npos);
  CHECK(text.find("No SPN conflicts found in the part of the directory that was read.") !=
        std::string::npos);
  // The last line, for a reader of only the tail of a cron mail.
  const auto tail = text.rfind("SCAN INCOMPLETE: this report must not be taken as clean");
  CHECK(tail > text.find("0 errors, 0 warnings, 0 info"));
  CHECK(text.ends_with("after 3000 entries).\n"));
}

TEST_CASE("text writer: colour only when asked") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  CHECK(report("text", *contoso).find('\x1b') == std::string::npos);
  const std::string coloured = report("text", *contoso, true);
  CHECK(coloured.find("\x1b[1;31m[ERROR]\x1b[0m") != std::string::npos);
}

TEST_CASE("text writer: lines are wrapped at 78 columns, commands are not") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string text = report("text", *contoso);
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    const bool command =
        line.find("Set-AD") != std::string::npos || line.find("setspn -D") != std::string::npos ||
        line.find("REM ") != std::string::npos || line.find("      # ") != std::string::npos ||
        line.find("dn: ") != std::string::npos;
    if (!command && line.find(' ') != std::string::npos) {
      INFO(line);
      CHECK(line.size() <= 78 + 40); // a long unbreakable DN may overrun
    }
    start = end + 1;
  }
  // One command for all four of Administrator's values, in the plan.
  CHECK(text.find("      Set-ADUser -Identity 'CN=Administrator,CN=Users,DC=contoso,DC=com' "
                  "-ServicePrincipalNames @{Remove='SMTP/HUB1','SMTP/hub1.contoso.com',"
                  "'SMTPSVC/HUB1','SMTPSVC/hub1.contoso.com'}\n") != std::string::npos);
}
