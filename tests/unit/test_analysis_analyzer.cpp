#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: disabled rules are not applied") {
  AnalyzerOptions options;
  options.disabled_rules = {std::string("privileged-account-with-spn"),
                            std::string("duplicate-spn")};
  const auto findings =
      analyze_specs({computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"})}, options);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule_id() == "smtp-spn-on-non-machine-account");
}

TEST_CASE("analyze: ids are stable whatever the order of the accounts") {
  const auto a = analyze_specs({computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"})});
  const auto b = analyze_specs({administrator({"smtp/HUB1"}), computer("HUB1", {"SMTP/hub1"})});
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
  }
  CHECK(a[0].id.rfind("smtp-spn-on-non-machine-account:", 0) == 0);
}

TEST_CASE("analyze: findings are sorted errors first") {
  const auto findings = analyze_specs(
      {computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"}), user("typo", {"HTTP"})});
  REQUIRE(findings.size() == 4); // smtp, duplicate, privileged, malformed
  CHECK(findings.front().severity == Severity::error);
  CHECK(findings.back().severity == Severity::warning);
  CHECK(std::is_sorted(findings.begin(), findings.end(),
                       [](const Finding& x, const Finding& y) { return x.severity > y.severity; }));
}

TEST_CASE("analyze: the findings do not depend on the number of threads") {
  // Conflicts spread over the whole account range, so both halves of a split find some, and
  // duplicates and alias pairs cross the split point.
  std::vector<test::Spec> specs;
  for (int i = 0; i < 3000; ++i) {
    const std::string name = "WS" + std::to_string(i);
    specs.push_back(computer(name, {"HOST/" + name, "RestrictedKrbHost/" + name},
                             3000 + static_cast<std::uint32_t>(i)));
    if (i % 300 == 7) {
      specs.push_back(user("svc" + std::to_string(i),
                           {"HTTP/" + name, "SMTP/" + name, "MSSQLSvc/db:1433"},
                           9000 + static_cast<std::uint32_t>(i)));
    }
  }
  specs.push_back(user("typo", {"HTTP"}));
  Directory dir;
  test::fill(dir, specs);
  AnalyzerOptions one;
  one.threads = 1;
  AnalyzerOptions two;
  two.threads = 2;
  AnalyzerOptions three;
  three.threads = 3;
  const auto a = analyze(dir, one);
  const auto b = analyze(dir, two);
  const auto c = analyze(dir, three);
  REQUIRE(a.size() == 10 /* alias */ + 10 /* smtp */ + 1 /* duplicate */ + 1 /* malformed */);
  REQUIRE(b.size() == a.size());
  REQUIRE(c.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].id == c[i].id);
    CHECK(render(a[i]).message == render(b[i]).message);
    CHECK(a[i].related.size() == b[i].related.size());
  }
}
