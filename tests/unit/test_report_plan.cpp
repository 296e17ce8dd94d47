#include "spnscan/model/spn.hpp"
#include "spnscan/report/plan.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

namespace {

const AccountPlan* step_of(const Plan& plan, std::string_view sam) {
  for (const auto& account : plan.accounts) {
    if (account.account.sam_account_name == sam) {
      return &account;
    }
  }
  return nullptr;
}

// Suppresses every finding for which pick is true, as an allow list would.
Triage suppressing(const std::vector<Finding>& findings,
                   const std::function<bool(const Finding&)>& pick) {
  Triage t;
  t.findings.resize(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (pick(findings[i])) {
      t.findings[i].suppressed_by = 0;
    }
  }
  return t;
}

} // namespace

TEST_CASE("make_plan: the seed is one step: Administrator loses its four values, once each") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const Plan plan = make_plan(contoso->directory, contoso->findings, Triage{});
  const AccountPlan* admin = step_of(plan, "Administrator");
  REQUIRE(admin != nullptr);
  CHECK(&plan.accounts.front() == admin); // an error, and first by name among the errors
  REQUIRE(admin->values.size() == 4);
  for (const auto& value : admin->values) {
    INFO(value.value);
    REQUIRE(value.belongs_on.has_value());
    CHECK(value.belongs_on->sam_account_name == "HUB1$");
    CHECK_FALSE(value.orphaned); // HUB1$ keeps it
    // smtp-spn-on-non-machine-account, duplicate-spn and privileged-account-with-spn ask.
    CHECK(value.findings.size() == 3);
  }
  CHECK(admin->aftercare == Aftercare::exchange);
  CHECK(admin->severity == Severity::error);
  // The two duplicates spnscan cannot decide wait for a person; nothing is held back.
  CHECK(plan.undecided.size() == 2);
  CHECK(plan.held_back.empty());
  // svc_sqladmin's only SPN is held by nobody else: whoever uses it needs it registered first.
  const AccountPlan* sqladmin = step_of(plan, "svc_sqladmin");
  REQUIRE(sqladmin != nullptr);
  REQUIRE(sqladmin->values.size() == 1);
  CHECK(sqladmin->values[0].orphaned);
  CHECK(plan.accounts.size() == 14);
  CHECK(plan.value_count() == 26);
}

TEST_CASE("make_plan: every removal a decided finding asks is in the plan, none from a keeper") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const auto& findings = contoso->findings;
  const Plan plan = make_plan(contoso->directory, findings, Triage{});
  for (std::size_t i = 0; i < findings.size(); ++i) {
    for (const auto& removal : findings[i].removals) {
      if (removal.attribute != k_spn_attribute) {
        // A delegation target is not an SPN of the account: its fix stays with the finding.
        CHECK(step_of(plan, removal.account.sam_account_name) == nullptr);
        continue;
      }
      for (const auto& value : removal.values) {
        INFO(findings[i].id << " " << value);
        const AccountPlan* step = step_of(plan, removal.account.sam_account_name);
        REQUIRE(step != nullptr);
        const auto count = std::count_if(step->values.begin(), step->values.end(),
                                         [&](const PlannedValue& v) { return v.value == value; });
        CHECK(count == 1);
      }
    }
  }
  for (const auto& step : plan.accounts) {
    for (const auto& value : step.values) {
      for (const auto& f : findings) {
        if (f.keeper && ascii_lower(f.keeper->account.dn) == ascii_lower(step.account.dn)) {
          CHECK(spn_key(f.spn) != spn_key(value.value));
        }
      }
    }
  }
}

TEST_CASE("make_plan: suppressed findings ask nothing") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const auto& findings = contoso->findings;
  // The SMTP and duplicate findings accepted: privileged-account-with-spn still asks for the
  // values, but no finding that counts names where they belong.
  const Triage partly = suppressing(findings, [](const Finding& f) {
    return f.account.sam_account_name == "Administrator" &&
           f.rule_id() != "privileged-account-with-spn";
  });
  const Plan plan = make_plan(contoso->directory, findings, partly);
  const AccountPlan* admin = step_of(plan, "Administrator");
  REQUIRE(admin != nullptr);
  CHECK(admin->values.size() == 4);
  CHECK_FALSE(admin->values[0].belongs_on.has_value());
  CHECK(admin->values[0].findings.size() == 1);
  CHECK(admin->severity == Severity::warning);
  // Everything about Administrator accepted: it is not in the plan.
  const Triage all = suppressing(
      findings, [](const Finding& f) { return f.account.sam_account_name == "Administrator"; });
  CHECK(step_of(make_plan(contoso->directory, findings, all), "Administrator") == nullptr);
}

TEST_CASE("make_plan: a removal that would take an SPN from its keeper is held back") {
  // HOST/batch01 on two users, one privileged: duplicate-spn keeps it on the ordinary one;
  // host-bound-spn-on-user-account asks to remove it from both (a user should not hold HOST/).
  auto ops = user("svc_batch", {"HOST/batch01.contoso.com"}, 1200);
  auto admin = administrator({"HOST/batch01.contoso.com"});
  Directory dir;
  fill(dir, {ops, admin});
  const auto findings = analyze(dir, AnalyzerOptions{});
  const Plan plan = make_plan(dir, findings, Triage{});
  REQUIRE(plan.held_back.size() == 1);
  CHECK(plan.held_back[0].account.sam_account_name == "svc_batch");
  CHECK(findings[plan.held_back[0].kept_by].rule_id() == "duplicate-spn");
  CHECK(findings[plan.held_back[0].asked_by].rule_id() == "host-bound-spn-on-user-account");
  CHECK(step_of(plan, "svc_batch") == nullptr);
  const AccountPlan* administrator_step = step_of(plan, "Administrator");
  REQUIRE(administrator_step != nullptr);
  CHECK(administrator_step->values.size() == 1);
  const std::string why = render_held_back(plan.held_back[0], findings);
  CHECK(why.find("host-bound-spn-on-user-account asks to remove it, but duplicate-spn keeps the "
                 "SPN on this account") != std::string::npos);
  CHECK(render_plan_summary(plan) == "Remove 1 value from 1 account; 1 SPN needs a decision "
                                     "first.");
}

TEST_CASE("render_plan_account: one headline, a note per value, one fix for all values") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const Plan plan = make_plan(contoso->directory, contoso->findings, Triage{});
  const RenderedPlanAccount words =
      render_plan_account(*step_of(plan, "Administrator"), contoso->findings);
  CHECK(words.headline == "Administrator (user, the built-in Administrator (RID 500)): remove "
                          "these 4 values; they belong on HUB1$ (computer)");
  CHECK(words.notes[0] == "belongs on HUB1$ (computer); asked by "
                          "smtp-spn-on-non-machine-account, duplicate-spn, "
                          "privileged-account-with-spn");
  CHECK(words.fix.setspn.size() == 4);
  // One LDIF record for the account, all four values in it.
  CHECK(std::count(words.fix.ldif.begin(), words.fix.ldif.end(), '\n') == 8);
  CHECK(words.fix.ldif.find("dn: CN=Administrator,CN=Users,DC=contoso,DC=com\n") == 0);
  const RenderedPlanAccount orphan =
      render_plan_account(*step_of(plan, "svc_sqladmin"), contoso->findings);
  CHECK(orphan.notes[0] == "no account holds it after this: if a service uses it, register it "
                           "on the account that service runs as first; asked by "
                           "privileged-account-with-spn");
}
