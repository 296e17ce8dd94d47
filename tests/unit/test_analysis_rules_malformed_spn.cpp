#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: malformed-spn, and a malformed value triggers no other rule") {
  const auto findings = analyze_specs({user("svc_typo", {"HTTP", "HOST/", "SMTP/hub 1"})});
  REQUIRE(findings.size() == 3);
  for (const auto& f : findings) {
    CHECK(f.rule_id() == "malformed-spn");
  }
  CHECK(render(findings[0]).message.find("is not a valid SPN") != std::string::npos);
  CHECK(analyze_specs({user("svc_ok", {"HTTP/ok.contoso.com"})}).empty());
}
