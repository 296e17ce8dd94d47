#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/report/fixes.hpp"
#include "spnscan/report/report.hpp"

#include <string>
#include <vector>

// The one place where a finding's facts become words: its message (the rule's wording, with
// values, accounts and reasons shown safely), why the keeper keeps the SPN, the hints of an
// undecided finding's choices, and the four forms of each fix. Every format writes these.
namespace spnscan {

struct RenderedChoice {
  std::string hint; // "likely: the only enabled holder", or empty
  Remediation fix;  // removes the SPN from every holder but the choice's keeper
};

struct RenderedFinding {
  std::string message;
  std::string keep_reason; // empty without a keeper
  Remediation fix;         // empty when undecided
  std::vector<RenderedChoice> choices;
};

RenderedFinding render(const Finding& finding);

// One account of the action plan in words.
struct RenderedPlanAccount {
  std::string headline; // "Administrator (user, ...): remove these 4 values; they belong on HUB1$
                        // (computer)"
  std::vector<std::string> notes; // per value: where it belongs, which rules ask
  Remediation fix;                // every value at once
};
RenderedPlanAccount render_plan_account(const AccountPlan& account,
                                        const std::vector<Finding>& findings);

// A removal the plan holds back, and why.
std::string render_held_back(const HeldBack& held, const std::vector<Finding>& findings);
// An undecided finding as the plan lists it: who holds the SPN, and that one choice applies.
std::string render_undecided(const Finding& finding);

// "27 findings: 12 errors, 13 warnings, 2 info" with ", 3 suppressed" and "; 2 new, 1 resolved
// since the baseline" when they apply.
std::string render_counts(const ScanReport& report);
// One line per rule with findings: {rule id, errors, warnings, infos, new} (active findings).
struct RuleCount {
  std::string rule;
  std::size_t by_severity[3] = {0, 0, 0}; // indexed by Severity
  std::size_t added = 0;
};
std::vector<RuleCount> count_by_rule(const ScanReport& report);
// "Remove 9 values from 5 accounts; 2 SPNs need a decision first", or "Nothing to remove".
std::string render_plan_summary(const Plan& plan);

// The baseline in one line: "last.json (scan of 2026-11-29T03:00:00Z): 2 new, 25 unchanged,
// 1 resolved", saying when resolved is unknown or the baseline was incomplete.
std::string render_baseline(const BaselineResult& baseline);
// The allow list in one line: "allow.conf: 3 findings suppressed by 2 entries; 1 expired, 1 stale".
std::string render_allow(const AllowResult& allow, std::size_t suppressed);
// What is wrong with one allow entry ("expired on 2026-10-01: it no longer suppresses (2
// findings)", "matches no finding: remove it"), or "" when nothing is.
std::string render_allow_entry_problem(const AllowEntry& entry, const AllowEntryResult& result);
// "accepted risk (allow.conf:3, until 2027-03-31): reason".
std::string render_suppression(const AllowEntry& entry);
// The findings the allow list suppresses, in report order, each with its render_suppression().
struct SuppressedFinding {
  std::size_t index; // into ScanReport::findings
  std::string why;
};
std::vector<SuppressedFinding> suppressed_findings(const ScanReport& report);
// What is wrong with the allow list's entries (render_allow_entry_problem), in file order.
std::vector<std::string> allow_list_problems(const ScanReport& report);

// For each finding, the plan steps (1-based account numbers) that carry its fix, and for an
// undecided one its letter in the "decide first" list (0 when none).
struct PlanRefs {
  std::vector<std::vector<std::size_t>> steps; // per finding
  std::vector<std::size_t> decision;           // per finding: 1-based position in undecided
};
PlanRefs plan_refs(const Plan& plan, std::size_t finding_count);
// "plan step 1", "plan steps 2 and 3", "decision 1 in the plan", or "" when the plan has none.
std::string render_plan_ref(const PlanRefs& refs, std::size_t finding);

// An account as prose describes it: "Administrator (user, the built-in Administrator (RID 500))".
std::string describe(const AccountRef& account);

} // namespace spnscan
