#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: host-bound-spn-on-user-account") {
  const auto findings =
      of_rule(analyze_specs({user("svc_batch", {"HOST/batch01.contoso.com", "cifs/nas01",
                                                "exchangeMDB/outlook.contoso.com"})}),
              "host-bound-spn-on-user-account");
  CHECK(findings.size() == 3);
  for (const auto& f : findings) {
    CHECK(f.severity == Severity::warning);
  }
  // Negatives: on machine accounts, and classes not in the list.
  CHECK(of_rule(analyze_specs({computer("BATCH01", {"HOST/batch01", "cifs/batch01"}),
                               user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433", "HTTP/x"})}),
                "host-bound-spn-on-user-account")
            .empty());
}

TEST_CASE("analyze: --host-bound-classes replaces the list") {
  AnalyzerOptions options;
  options.host_bound_classes = {"MSSQLSvc"};
  const auto findings =
      of_rule(analyze_specs({user("svc", {"MSSQLSvc/sql1:1433", "HOST/x"})}, options),
              "host-bound-spn-on-user-account");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "MSSQLSvc/sql1:1433");
}
