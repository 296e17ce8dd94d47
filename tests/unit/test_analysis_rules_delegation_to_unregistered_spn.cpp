#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

namespace {

Spec delegating(std::vector<std::string> targets) {
  Spec s = user("svc_web", {"HTTP/web01.contoso.com"});
  s.delegate_to = std::move(targets);
  return s;
}

} // namespace

TEST_CASE("analyze: delegation-to-unregistered-spn finds a ghost target") {
  const auto findings = of_rule(
      analyze_specs({delegating({"cifs/oldfs.contoso.com", "MSSQLSvc/sql1.contoso.com:1433"}),
                     user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433"})}),
      "delegation-to-unregistered-spn");
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.severity == Severity::error);
  CHECK(f.spn == "cifs/oldfs.contoso.com");
  CHECK(f.account.sam_account_name == "svc_web");
  REQUIRE(f.removals.size() == 1);
  CHECK(f.removals[0].attribute == "msDS-AllowedToDelegateTo");
  CHECK(f.removals[0].values == std::vector<std::string>{"cifs/oldfs.contoso.com"});
  const auto words = render(f);
  CHECK_THAT(words.message, Catch::Contains("no account holds that SPN"));
  CHECK_THAT(words.fix.ldif, Catch::Contains("delete: msDS-AllowedToDelegateTo\n"
                                             "msDS-AllowedToDelegateTo: cifs/oldfs.contoso.com"));
  CHECK_THAT(words.fix.powershell[0],
             Catch::Contains("-Remove @{'msDS-AllowedToDelegateTo'='cifs/oldfs.contoso.com'}"));
}

TEST_CASE("analyze: delegation-to-unregistered-spn is kept for an account without SPNs") {
  Spec frontend = user("svc_front", {});
  frontend.delegate_to = {"HTTP/gone.contoso.com"};
  const auto findings = of_rule(analyze_specs({frontend, computer("WEB01", {"HOST/web01"})}),
                                "delegation-to-unregistered-spn");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].account.sam_account_name == "svc_front");
}

TEST_CASE("analyze: delegation-to-unregistered-spn names the machine the ghost's host is") {
  // WEB01 exists but nothing holds HTTP/web01:8080 (not an alias of host: the port differs).
  const auto findings = of_rule(analyze_specs({delegating({"HTTP/web01.contoso.com:8080"}),
                                               computer("WEB01", {"HOST/web01"})}),
                                "delegation-to-unregistered-spn");
  REQUIRE(findings.size() == 1);
  REQUIRE(findings[0].related.size() == 1);
  CHECK(findings[0].related[0].sam_account_name == "WEB01$");
}

TEST_CASE("analyze: delegation-to-unregistered-spn negatives (resolved as the KDC does)") {
  // Exact, case and trailing dot aside; the port spelled the same; an alias of host/ on the host.
  CHECK(of_rule(analyze_specs({delegating({"mssqlsvc/SQL1.contoso.com.:1433",
                                           "cifs/fs01.contoso.com", "HTTP/WEB01.CONTOSO.COM"}),
                               user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433"}),
                               computer("FS01", {"HOST/fs01.contoso.com"})}),
                "delegation-to-unregistered-spn")
            .empty());
  // No delegation at all.
  CHECK(
      of_rule(analyze_specs({user("svc", {"HTTP/x"})}), "delegation-to-unregistered-spn").empty());
}

TEST_CASE("analyze: delegation-to-unregistered-spn cannot run without the attribute") {
  Directory dir;
  fill(dir, {user("svc", {"HTTP/x"})}, false);
  const auto skipped = rules_not_run(dir, AnalyzerOptions{});
  const auto it = std::find_if(skipped.begin(), skipped.end(), [](const auto& s) {
    return s.first == "delegation-to-unregistered-spn";
  });
  REQUIRE(it != skipped.end());
  CHECK_THAT(it->second, Catch::Contains("msDS-AllowedToDelegateTo"));
}
