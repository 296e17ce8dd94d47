#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/triage/triage.hpp"

#include <optional>
#include <string>
#include <vector>

// The action plan: what the findings ask, gathered by account. One misplaced value that three
// rules report (Administrator's SMTP/hub1: smtp-spn-on-non-machine-account, duplicate-spn,
// privileged-account-with-spn) is one line of its account's plan, with one fix. Suppressed
// findings ask nothing. The plan never removes a value from the account a finding says keeps
// it: such a removal is held back for the administrator to decide.
namespace spnscan {

// A value to remove from one account.
struct PlannedValue {
  std::string value;                    // byte for byte as the account holds it
  std::vector<std::size_t> findings;    // indexes of the findings that ask, in report order
  std::optional<AccountRef> belongs_on; // the keeper a finding names for it
  bool orphaned = false;                // no account holds the SPN once the plan is applied
};

struct AccountPlan {
  AccountRef account;
  std::vector<PlannedValue> values;
  Severity severity = Severity::info; // the highest of the findings that ask
  Aftercare aftercare = Aftercare::generic;
};

// A removal the plan does not make: one finding asks for it, another keeps the SPN on that very
// account.
struct HeldBack {
  AccountRef account;
  std::string value;
  std::size_t asked_by = 0; // finding index
  std::size_t kept_by = 0;  // finding index
};

struct Plan {
  std::vector<AccountPlan> accounts;  // highest severity first, then by name
  std::vector<std::size_t> undecided; // findings whose fix is a choice between holders
  std::vector<HeldBack> held_back;

  bool empty() const { return accounts.empty() && undecided.empty() && held_back.empty(); }
  std::size_t value_count() const;
};

// Gathers the removals of the findings not suppressed. `directory` tells which values no account
// would hold any more once the plan is applied (a service that used one needs it registered on
// its own account first).
Plan make_plan(const Directory& directory, const std::vector<Finding>& findings,
               const Triage& triage);

// The one fix of an account's plan: every value, in the four forms.
std::vector<Removal> plan_removals(const AccountPlan& account);

} // namespace spnscan
