#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

namespace {

constexpr const char* k_ds_dn =
    "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com";

std::vector<Finding> with_heuristics(const std::string& value) {
  Directory dir;
  fill(dir, {user("svc", {"HTTP/x"})});
  DirectoryBuilder builder(dir);
  RawEntry ds;
  ds.dn = k_ds_dn;
  ds.origin = "test:1";
  if (!value.empty()) {
    ds[Attr::ds_heuristics] = {value};
  }
  builder.add(ds);
  return of_rule(analyze(dir, AnalyzerOptions{}), "spn-uniqueness-checks-disabled");
}

} // namespace

TEST_CASE("analyze: spn-uniqueness-checks-disabled says which checks are off") {
  const auto findings = with_heuristics("000000000100000000026");
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.severity == Severity::warning);
  CHECK(f.account.dn == k_ds_dn);
  REQUIRE(f.settings.size() == 1);
  CHECK(f.settings[0].old_value == "000000000100000000026");
  CHECK(f.settings[0].value == "000000000100000000020");
  const auto words = render(f);
  CHECK_THAT(words.message, Catch::Contains("SPN uniqueness and SPN alias (sPNMappings) "
                                            "uniqueness checks"));
  CHECK_THAT(words.message, !Catch::Contains("UPN"));
  CHECK_THAT(words.fix.ldif, Catch::Contains("replace: dSHeuristics\ndSHeuristics: "
                                             "000000000100000000020\n"));
  CHECK_THAT(render(with_heuristics("0000000001000000000210").at(0)).message,
             Catch::Contains("UPN uniqueness check "));
}

TEST_CASE("analyze: spn-uniqueness-checks-disabled negatives") {
  CHECK(with_heuristics("").empty());                      // not set
  CHECK(with_heuristics("00000000010000000002").empty());  // 20 characters: no 21st
  CHECK(with_heuristics("000000000100000000020").empty()); // 0 enforces
  // Without the Directory Service entry the rule says it could not run.
  Directory dir;
  fill(dir, {user("svc", {"HTTP/x"})});
  bool said = false;
  for (const auto& [id, why] : rules_not_run(dir, AnalyzerOptions{})) {
    said = said || (id == "spn-uniqueness-checks-disabled" &&
                    why.find("CN=Directory Service") != std::string::npos);
  }
  CHECK(said);
}
