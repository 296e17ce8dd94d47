#include "spnscan/report/csv_writer.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("csv_cell: plain cells are unquoted") {
  CHECK(csv_cell("SMTP/hub1.contoso.com") == "SMTP/hub1.contoso.com");
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("a=b") == "a=b"); // only the first character matters
}

TEST_CASE("csv_cell: quoting per RFC 4180") {
  CHECK(csv_cell("CN=HUB1,DC=contoso") == "\"CN=HUB1,DC=contoso\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_cell("line1\nline2") == "\"line1\nline2\"");
  // A CR or LF from the directory is escaped as in the text report; only the writer's own line
  // breaks (one command per line) stay.
  CHECK(csv_cell("a\rb") == "a\\x0Db");
}

TEST_CASE("csv_cell: leading formula characters are neutralised") {
  CHECK(csv_cell("=1+1") == "'=1+1");
  CHECK(csv_cell("+HTTP/x") == "'+HTTP/x");
  CHECK(csv_cell("-2+3") == "'-2+3");
  CHECK(csv_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_cell("\tTAB") == "\\x09TAB");
  CHECK(csv_cell("\rCR") == "\\x0DCR");
  CHECK(csv_cell("=HYPERLINK(\"http://x\",\"y\")") ==
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

TEST_CASE(
    "csv_cell: controls, bidi overrides, invisible characters and invalid UTF-8 are escaped") {
  CHECK(csv_cell("a\xff"
                 "b") == "a\\xFFb");
  CHECK(csv_cell("a\x1b[31mb") == "a\\x1B[31mb");
  CHECK(csv_cell("x\u202Ey") == "x\\u{202E}y");
  CHECK(csv_cell("HTTP/web\u200B01") == "HTTP/web\\u{200B}01");
  CHECK(csv_cell("a\xC2\x85") == "a\\u{0085}");
  CHECK(csv_cell("x\x7f") == "x\\x7F");
  CHECK(csv_cell("CN=Smith\\, John") == "\"CN=Smith\\, John\"");
}

// --- small helpers ---

TEST_CASE("csv writer: header, CRLF rows, escaped and neutralised cells") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  const std::string text = report("csv", *hostile);
  CHECK(text.starts_with("id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,"
                         "account_privileged,related_dns,remove_from,keep_on,message,setspn,"
                         "powershell,keep_reason,spns,baseline,suppressed_by,account_enabled,"
                         "account_domain_controller\r\n"));
  CHECK(text.ends_with("\r\n"));
  // Formulas: the cell gets a leading quote.
  CHECK(text.find(",'+HTTP/intranet.contoso.com,\"'=HYPERLINK(") != std::string::npos);
  CHECK(text.find(",'@SUM(1+1),user,false,\"'-2+3,OU=x,DC=contoso,DC=com\",") != std::string::npos);
  CHECK(text.find(
            "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\"),OU=x,DC=contoso,DC=com\"") !=
        std::string::npos);
  // Controls, bidi and invalid bytes escaped as in the text report; no raw control left.
  CHECK(text.find("HTTP/web1\\x1B[2J\\x07.contoso.com\\x0D\\x0AFAKE\\x7F\\x01\\\\x41") !=
        std::string::npos);
  CHECK(text.find("HTTP/\\u{202E}moc.live\\u{2066}.contoso.com\\u{200F}") != std::string::npos);
  CHECK(text.find("CN=Bad\\xFF\\xC0\\xAFName") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\xE2\x80\xAE") == std::string::npos);
  CHECK(text.find('\xFF') == std::string::npos);
}

TEST_CASE("csv writer: an undecided finding labels each choice in the command cells") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string text = report("csv", *contoso);
  CHECK(text.find("\"REM choice 1 of 2, apply only one: if CN=svc_app,OU=Service Accounts,"
                  "DC=contoso,DC=com should keep it\nsetspn -D http/APP.contoso.com "
                  "svc_app_new\nREM choice 2 of 2") != std::string::npos);
}

TEST_CASE("csv writer: an incomplete scan with no findings is just the header") {
  Scanned empty;
  empty.scan.info.complete = false;
  empty.scan.info.incomplete_reason = "timeLimitExceeded";
  CHECK(report("csv", empty) ==
        "id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,"
        "account_privileged,related_dns,remove_from,keep_on,message,setspn,powershell,"
        "keep_reason,spns,baseline,suppressed_by,account_enabled,account_domain_controller\r\n");
}
