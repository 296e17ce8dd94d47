#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

namespace {

Spec service(const std::string& name, const std::string& pwd_last_set) {
  Spec s = user(name, {"HTTP/app.contoso.com"});
  s.pwd_last_set = pwd_last_set;
  return s;
}

} // namespace

TEST_CASE("analyze: service-account-without-aes-keys: password older than the RID-521 group") {
  const auto findings = of_rule(
      analyze_specs({rodc_group("20100301120000.0Z"), service("svc_old", filetime(2008, 5, 2)),
                     service("svc_new", filetime(2019, 1, 1))}),
      "service-account-without-aes-keys");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].account.sam_account_name == "svc_old");
  CHECK(findings[0].reset_password);
  const auto words = render(findings[0]);
  CHECK_THAT(words.message, Catch::Contains("2008-05-02"));
  CHECK_THAT(words.message, Catch::Contains("2010-03-01"));
  CHECK_THAT(words.fix.powershell[0], Catch::StartsWith("Set-ADAccountPassword -Identity "));
  CHECK_THAT(words.fix.powershell[0], Catch::EndsWith(" -Reset"));
}

TEST_CASE("analyze: service-account-without-aes-keys negatives") {
  Spec gmsa = service("gmsa_web$", filetime(2005, 1, 1));
  gmsa.classes = {"top",  "person",   "organizationalPerson",
                  "user", "computer", "msDS-GroupManagedServiceAccount"};
  gmsa.sam_type = "805306369";
  Spec machine = computer("OLD1", {"HOST/old1"});
  machine.pwd_last_set = filetime(2005, 1, 1);
  CHECK(of_rule(analyze_specs({rodc_group("20100301120000.0Z"), gmsa, machine,
                               service("svc_new", filetime(2010, 3, 2)),
                               service("svc_must_change", "0")}),
                "service-account-without-aes-keys")
            .empty());
  // Another domain's group says nothing about contoso: the rule cannot run, and says so.
  Spec other = rodc_group("20100301120000.0Z");
  other.dn = "CN=Read-only Domain Controllers,CN=Users,DC=fabrikam,DC=com";
  Directory dir;
  fill(dir, {other, service("svc_old", filetime(2008, 5, 2))});
  CHECK(of_rule(analyze(dir, AnalyzerOptions{}), "service-account-without-aes-keys").empty());
  const auto skipped = rules_not_run(dir, AnalyzerOptions{});
  const auto it = std::find_if(skipped.begin(), skipped.end(), [](const auto& s) {
    return s.first == "service-account-without-aes-keys";
  });
  REQUIRE(it != skipped.end());
  CHECK_THAT(it->second, Catch::Contains("RID 521"));
  CHECK_THAT(it->second, Catch::Contains("DC=contoso,DC=com"));
}
