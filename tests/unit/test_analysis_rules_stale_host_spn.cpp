#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: stale-host-spn: HOST/ of a name the machine no longer has") {
  // APP7 was OLDAPP: its HOST/ and RestrictedKrbHost/ SPNs of the old name stayed.
  const auto findings =
      of_rule(analyze_specs({computer("APP7", {"HOST/app7", "HOST/app7.contoso.com", "HOST/oldapp",
                                               "RestrictedKrbHost/oldapp.contoso.com",
                                               "TERMSRV/oldapp.contoso.com"})}),
              "stale-host-spn");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].severity == Severity::warning);
  CHECK(findings[0].spn == "HOST/oldapp");
  CHECK(findings[1].spn == "RestrictedKrbHost/oldapp.contoso.com");
  CHECK(findings[0].removals[0].values == std::vector<std::string>{"HOST/oldapp"});
  CHECK_THAT(render(findings[0]).message, Catch::Contains("netdom computername APP7 /add:oldapp"));
}

TEST_CASE("analyze: stale-host-spn negatives") {
  // Names added with netdom computername /add; another computer's name (spn-host-mismatch);
  // a user's HOST/ (host-bound-spn-on-user-account); a DC's own names.
  Spec app = computer("APP8", {"HOST/app8", "HOST/alias8.contoso.com", "HOST/ALIAS8"});
  app.additional_dns = {"alias8.contoso.com"};
  app.additional_sam = {"ALIAS8$"};
  const auto findings =
      analyze_specs({app, computer("WEB01", {"HOST/web01"}), computer("APP9", {"HOST/web01"}),
                     user("svc", {"HOST/nowhere"})});
  CHECK(of_rule(findings, "stale-host-spn").empty());
  // Without the additional-name attributes in the input the rule does not guess.
  Directory dir;
  fill(dir, {computer("APP7", {"HOST/oldapp"})}, false);
  CHECK(of_rule(analyze(dir, AnalyzerOptions{}), "stale-host-spn").empty());
  bool said = false;
  for (const auto& [id, why] : rules_not_run(dir, AnalyzerOptions{})) {
    said = said ||
           (id == "stale-host-spn" && why.find("msDS-AdditionalDnsHostName") != std::string::npos);
  }
  CHECK(said);
}
