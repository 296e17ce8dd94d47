#pragma once

#include "spnscan/model/account.hpp"
#include "spnscan/model/directory.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

enum class Severity { info = 0, warning = 1, error = 2 };

// "info", "warning", "error".
std::string_view to_string(Severity severity);
// Parses a severity name; nullopt when unknown.
std::optional<Severity> severity_from_string(std::string_view text);

// An account as a finding names it (a copy: findings outlive nothing, and are few).
struct AccountRef {
  std::string dn;
  std::string sam_account_name;
  AccountKind kind = AccountKind::user;
  bool privileged = false;
  bool disabled = false;
  std::uint32_t rid = 0;
};

// The copy of an account a finding or an answer keeps.
AccountRef account_ref(const AccountView& account);

// How to fix a finding, in four forms for a person to review; spnscan never applies them.
struct Remediation {
  std::vector<std::string> adsiedit;   // numbered ADSI Edit steps, then what to do after
  std::vector<std::string> setspn;     // setspn -D commands for cmd.exe ("REM ..." when hidden)
  std::vector<std::string> powershell; // Set-ADUser / Set-ADComputer / Set-ADObject commands
  std::string ldif;                    // ldapmodify change records deleting exactly the values
};

// Values one account holds that a fix removes, byte for byte as that account stores them
// (case, trailing dot, spaces), so that ldapmodify and setspn find them.
struct Removal {
  AccountRef account;
  std::vector<std::string> values;
};

// One way to settle a finding spnscan cannot decide: keep the SPN on `keep`, remove it from the
// others. Never removes it from every holder.
struct Choice {
  AccountRef keep;
  std::string hint; // what speaks for this holder ("the only enabled holder"), may be empty
  std::vector<Removal> removals;
  Remediation remediation;
};

struct Finding {
  std::string id;   // stable: the same conflict gets the same id on every run
  std::string rule; // rule id, e.g. "duplicate-spn"
  Severity severity = Severity::warning;
  std::string spn;               // the value the finding is about (the first, when several)
  std::vector<std::string> spns; // every value it is about (privileged: all of the account's)
  AccountRef account;
  std::vector<AccountRef> related; // the other holders, or the accounts the SPN points at
  std::string message;             // what is wrong and what breaks because of it
  std::vector<Removal> removals;   // what to remove from whom; empty when undecided
  std::vector<std::string> remove_from; // the DNs of removals
  std::string keep_on;                  // DN that keeps it, empty when none or undecided
  std::string keep_reason;              // why keep_on keeps it
  std::vector<Choice> choices;          // undecided: one per holder that might keep it
  Remediation remediation;              // the fix for removals (empty when undecided)
};

} // namespace spnscan
