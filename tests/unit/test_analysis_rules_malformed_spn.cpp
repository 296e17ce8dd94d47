#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

namespace {

std::vector<Finding> run(const std::vector<Spec>& specs, AnalyzerOptions options = {}) {
  Directory dir;
  fill(dir, specs);
  return analyze(dir, options);
}

[[maybe_unused]] Spec administrator(std::vector<std::string> spns) {
  auto a = user("Administrator", std::move(spns), 500);
  a.admin_count = "1";
  a.uac = "66048";
  return a;
}

} // namespace

TEST_CASE("analyze: malformed-spn, and a malformed value triggers no other rule") {
  const auto findings = run({user("svc_typo", {"HTTP", "HOST/", "SMTP/hub 1"})});
  REQUIRE(findings.size() == 3);
  for (const auto& f : findings) {
    CHECK(f.rule_id() == "malformed-spn");
  }
  CHECK(render(findings[0]).message.find("is not a valid SPN") != std::string::npos);
  CHECK(run({user("svc_ok", {"HTTP/ok.contoso.com"})}).empty());
}
