#include "spnscan/version.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace spnscan;
using namespace spnscan::test;
using Json = nlohmann::ordered_json;

namespace {

std::vector<std::string> keys(const Json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items()) {
    out.push_back(item.key());
  }
  return out;
}

const Json* find(const Json& report, std::string_view rule, std::string_view sam) {
  for (const auto& f : report["findings"]) {
    if (f["rule"] == rule && f["account"]["sam_account_name"] == sam) {
      return &f;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("json writer: the contract's fields, in order") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string text = report("json", *contoso);
  REQUIRE(text.back() == '\n');
  const Json json = Json::parse(text);
  // Version 1 grows, never renames: "plan" came with the action plan.
  CHECK(keys(json) ==
        std::vector<std::string>{"schema_version", "tool", "scan", "summary", "plan", "findings"});
  CHECK(json["schema_version"] == 1);
  CHECK(json["tool"] == Json{{"name", "spnscan"}, {"version", k_version}});
  CHECK(keys(json["scan"]) == std::vector<std::string>{"sources", "complete", "accounts", "spns",
                                                       "started_at", "duration_ms", "warnings",
                                                       "rules_not_run", "spn_mappings"});
  CHECK(json["scan"]["started_at"] == "2026-11-22T03:04:00Z");
  CHECK(json["scan"]["duration_ms"] == 12);
  CHECK(json["scan"]["spn_mappings"] == "directory");
  CHECK(json["summary"] == Json{{"error", 17}, {"warning", 22}, {"info", 0}, {"suppressed", 0}});

  const Json* seed = find(json, "duplicate-spn", "Administrator");
  REQUIRE(seed != nullptr);
  CHECK(keys(*seed) == std::vector<std::string>{"id", "rule", "severity", "spn", "spns", "account",
                                                "related", "message", "remove_from", "keep_on",
                                                "keep_reason", "remove", "set", "reset_password",
                                                "remediation"});
  CHECK((*seed)["account"] == Json{{"dn", "CN=Administrator,CN=Users,DC=contoso,DC=com"},
                                   {"sam_account_name", "Administrator"},
                                   {"kind", "user"},
                                   {"privileged", true},
                                   {"disabled", false},
                                   {"enabled", true},
                                   {"domain_controller", false}});
  CHECK((*seed)["keep_on"] == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
  CHECK((*seed)["keep_reason"].get<std::string>().starts_with(
      "HUB1$ (computer) is the computer that "));
  CHECK((*seed)["remove_from"] == Json::array({"CN=Administrator,CN=Users,DC=contoso,DC=com"}));
  CHECK((*seed)["remediation"]["adsiedit"][0].get<std::string>().starts_with(
      "1. On a domain controller"));
  CHECK((*seed)["remediation"]["choices"] == Json::array());

  // An undecided finding: no top-level fix, one choice per holder that might keep it.
  const Json* undecided = find(json, "duplicate-spn", "svc_app");
  REQUIRE(undecided != nullptr);
  CHECK((*undecided)["keep_on"].is_null());
  CHECK((*undecided)["keep_reason"].is_null());
  CHECK((*undecided)["remove"] == Json::array());
  CHECK((*undecided)["remediation"]["setspn"] == Json::array());
  CHECK((*undecided)["spns"] == Json{"HTTP/app.contoso.com.", "http/APP.contoso.com"});
  const auto& choices = (*undecided)["remediation"]["choices"];
  REQUIRE(choices.size() == 2);
  CHECK(keys(choices[0]) == std::vector<std::string>{"keep_on", "hint", "remove", "remediation"});
  CHECK(choices[0]["keep_on"] == "CN=svc_app,OU=Service Accounts,DC=contoso,DC=com");
  CHECK(choices[0]["hint"].is_null());
  CHECK(choices[0]["remove"][0]["values"] == Json{"http/APP.contoso.com"});
  CHECK(choices[0]["remediation"]["setspn"][0] == "setspn -D http/APP.contoso.com svc_app_new");
}

TEST_CASE("json writer: invalid UTF-8 is replaced and the scan says so once") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  const Json json = Json::parse(report("json", *hostile));
  const auto& warnings = json["scan"]["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "some directory strings were not valid UTF-8; invalid bytes were replaced with U+FFFD");
  bool replaced_dn = false;
  bool control_spn = false;
  for (const auto& f : json["findings"]) {
    replaced_dn = replaced_dn ||
                  f["account"]["dn"] ==
                      "CN=Bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDName,OU=Servers,DC=contoso,DC=com";
    // Control characters survive, escaped by JSON itself.
    control_spn =
        control_spn || f["spn"] == "HTTP/web1\x1b[2J\x07.contoso.com\r\nFAKE\x7f\x01\\x41";
  }
  CHECK(replaced_dn);
  CHECK(control_spn);
  // Without the invalid bytes, no warning.
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  CHECK(Json::parse(report("json", *contoso))["scan"]["warnings"] == Json::array());
}

TEST_CASE("json writer: an incomplete scan with no findings") {
  Scanned empty;
  empty.scan.info.complete = false;
  empty.scan.info.incomplete_reason = "search failed on page 3: Busy (51)";
  const std::string text = report("json", empty);
  const Json json = Json::parse(text);
  CHECK(json["scan"]["complete"] == false);
  CHECK(json["scan"]["incomplete_reason"] == "search failed on page 3: Busy (51)");
  CHECK(json["scan"]["spn_mappings"] == "default");
  CHECK(json["findings"] == Json::array());
  CHECK(json["summary"]["error"] == 0);
  CHECK(text.find("\n  \"scan\": {\n    \"sources\": [") != std::string::npos); // 2-space indent
}

TEST_CASE("json writer: the plan, and baseline and suppressions only when given") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const Json plain = Json::parse(report("json", *contoso));
  CHECK_FALSE(plain.contains("baseline"));
  CHECK_FALSE(plain.contains("suppressions"));
  const Json& plan = plain["plan"];
  CHECK(plan["summary"] == "Remove 26 values from 14 accounts; 2 SPNs need a decision first.");
  CHECK(plan["accounts"].size() == 14);
  const Json& admin = plan["accounts"][0];
  CHECK(admin["account"]["sam_account_name"] == "Administrator");
  CHECK(admin["severity"] == "error");
  REQUIRE(admin["remove"].size() == 4);
  CHECK(admin["remove"][0]["value"] == "SMTP/HUB1");
  CHECK(admin["remove"][0]["belongs_on"] == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
  CHECK(admin["remove"][0]["orphaned"] == false);
  CHECK(admin["remove"][0]["findings"].size() == 3);
  CHECK(admin["remediation"]["setspn"].size() == 4);
  CHECK(plan["undecided"].size() == 2);
  CHECK(plan["held_back"] == Json::array());
  for (const auto& f : plain["findings"]) {
    CHECK_FALSE(f.contains("baseline"));
    CHECK_FALSE(f.contains("suppressed"));
  }

  // Last night's report lacked one finding and had one that is gone; Administrator's
  // privileged finding is an accepted risk.
  Baseline baseline;
  baseline.file = "last.json";
  baseline.started_at = "2026-11-29T03:04:00Z";
  for (const auto& f : plain["findings"]) {
    if (f["rule"] != "spn-host-mismatch") {
      baseline.findings.push_back({f["id"], f["rule"], f["severity"], f["spn"], "", ""});
    }
  }
  baseline.findings.push_back({"duplicate-spn:gone", "duplicate-spn", "error", "HTTP/old",
                               "CN=old,DC=contoso,DC=com", "old"});
  const auto allow = parse_allow_list(
      "rule=privileged-account-with-spn account=Administrator reason=\"until the Hub is "
      "rebuilt\" expires=2099-01-01\nspn=HTTP/nothing.contoso.com reason=stale\n",
      "allow.conf");
  REQUIRE(allow.has_value());
  Triage labels = triage(contoso->findings, &baseline, &*allow, true, {},
                         std::chrono::year_month_day{std::chrono::year{2026} / 11 / 30});
  const Json json = Json::parse(report("json", *contoso, false, false, labels));
  CHECK(keys(json) == std::vector<std::string>{"schema_version", "tool", "scan", "summary",
                                               "baseline", "suppressions", "plan", "findings"});
  CHECK(json["summary"] == Json{{"error", 17}, {"warning", 21}, {"info", 0}, {"suppressed", 1}});
  CHECK(json["baseline"]["new"] == 3);
  CHECK(json["baseline"]["unchanged"] == 36);
  REQUIRE(json["baseline"]["resolved"].size() == 1);
  CHECK(json["baseline"]["resolved"][0]["id"] == "duplicate-spn:gone");
  CHECK(json["baseline"]["resolved_known"] == true);
  CHECK(json["suppressions"]["suppressed"] == 1);
  CHECK(json["suppressions"]["entries"][0]["where"] == "allow.conf:1");
  CHECK(json["suppressions"]["entries"][0]["matched"] == 1);
  CHECK(json["suppressions"]["entries"][1]["stale"] == true);
  std::size_t suppressed = 0;
  std::size_t added = 0;
  for (const auto& f : json["findings"]) {
    REQUIRE(f.contains("baseline"));
    added += f["baseline"] == "new" ? 1U : 0U;
    if (f.contains("suppressed")) {
      ++suppressed;
      CHECK(f["rule"] == "privileged-account-with-spn");
      CHECK(f["suppressed"] == Json{{"by", "allow.conf:1"},
                                    {"reason", "until the Hub is rebuilt"},
                                    {"expires", "2099-01-01"}});
    }
  }
  CHECK(suppressed == 1);
  CHECK(added == 3);
}
