#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: spn-host-mismatch by dNSHostName and by short name") {
  const auto findings =
      of_rule(analyze_specs({computer("WEB01", {"HOST/web01"}),
                             computer("APP2", {"TERMSRV/web01.contoso.com", "TERMSRV/WEB01"})}),
              "spn-host-mismatch");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].account.sam_account_name == "APP2$");
  CHECK(findings[0].related[0].sam_account_name == "WEB01$");
}

TEST_CASE("analyze: spn-host-mismatch negatives") {
  // Its own names; a name that is no account (cluster, load-balanced name); users are not checked.
  CHECK(analyze_specs({computer("WEB01", {"HOST/web01", "HOST/WEB01.contoso.com."}),
                       computer("APP3", {"HTTP/webfarm.contoso.com"}),
                       user("svc", {"MSSQLSvc/web01:1433"})})
            .empty());
  // web01.fabrikam.com is not WEB01 of contoso.
  CHECK(analyze_specs(
            {computer("WEB01", {"HOST/web01"}), computer("APP2", {"TERMSRV/web01.fabrikam.com"})})
            .empty());
}

TEST_CASE("analyze: spn-host-mismatch knows the names added with netdom computername /add") {
  Spec file2 = computer("FILE2", {"HOST/file2", "HOST/files.contoso.com", "HOST/FILES"});
  file2.additional_dns = {"files.contoso.com"};
  file2.additional_sam = {"FILES$"};
  const auto findings =
      analyze_specs({file2, computer("APP6", {"TERMSRV/files.contoso.com", "TERMSRV/FILES"})});
  // FILE2's own extra names are no mismatch; APP6 naming them is.
  const auto mismatches = of_rule(findings, "spn-host-mismatch");
  REQUIRE(mismatches.size() == 2);
  for (const auto& f : mismatches) {
    CHECK(f.account.sam_account_name == "APP6$");
    CHECK(f.related[0].sam_account_name == "FILE2$");
  }
  CHECK(of_rule(findings, "stale-host-spn").empty());
}
