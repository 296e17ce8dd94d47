#pragma once

#include "spnscan/model/account.hpp"
#include "spnscan/model/directory.hpp"

#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A finding is facts: who holds what, who should keep it and why, what to remove from whom.
// The words (the message, the reasons, the four forms of the fix) are made from these facts by
// report/render.hpp, in one place for every format.
namespace spnscan {

struct Rule;

enum class Severity { info = 0, warning = 1, error = 2 };

// "info", "warning", "error".
std::string_view to_string(Severity severity);
// Parses a severity name; nullopt when unknown.
std::optional<Severity> severity_from_string(std::string_view text);

// An account as a finding names it (a copy: findings outlive the directory's views).
struct AccountRef {
  std::string dn;
  std::string sam_account_name;
  AccountKind kind = AccountKind::user;
  bool privileged = false;
  bool disabled = false;
  std::uint32_t rid = 0;

  bool domain_controller() const { return kind == AccountKind::domain_controller; }
};

// The copy of an account a finding or an answer keeps.
AccountRef account_ref(const AccountView& account);

inline constexpr std::string_view k_spn_attribute = "servicePrincipalName";

// Values one account holds that a fix removes, byte for byte as that account stores them
// (case, trailing dot, spaces), so that ldapmodify and setspn find them. Most are SPNs; a ghost
// delegation target comes off msDS-AllowedToDelegateTo.
struct Removal {
  AccountRef account;
  std::vector<std::string> values;
  std::string attribute = std::string(k_spn_attribute);
};

// A single-valued attribute a fix sets (msDS-SupportedEncryptionTypes, dSHeuristics, ...): the
// value it holds now and the one to write.
struct Setting {
  AccountRef object; // an account, or the Directory Service entry (kind unused)
  std::string attribute;
  std::string old_value; // empty when not set
  std::string value;
};

// Why the keeper of a contested SPN keeps it (worded by report/render.hpp).
struct KeepReason {
  enum class Kind {
    named_computer,         // the computer the SPN's host names (service_class: when it runs as it)
    enabled_named_computer, // the enabled one of `count` computers the host names
    only_ordinary_holder,   // the others (`count` holders in all) are privileged, krbtgt or trust
    exchange_server,        // the Exchange server the host of an SMTP SPN names
    machine_service,        // the computer the host names, for a class that runs as the machine
  };
  Kind kind = Kind::named_computer;
  std::string host;          // as the SPN names it
  std::string service_class; // as the SPN spells it; empty when it does not matter
  std::size_t count = 0;
};

// The account that keeps a contested SPN, and why.
struct Keeper {
  AccountRef account;
  KeepReason reason;
};

// What speaks for one holder of an SPN spnscan cannot decide about (worded in report/).
enum class Hint { none, likely_only_enabled, enabled, disabled };

// One way to settle a finding spnscan cannot decide: keep the SPN on `keep`, remove it from the
// others. Never removes it from every holder.
struct Choice {
  AccountRef keep;
  Hint hint = Hint::none;
  std::vector<Removal> removals;
};

// What to tell the administrator to do after the values are gone.
enum class Aftercare {
  generic,  // purge tickets, restart the service that uses the SPN
  exchange, // SMTP: restart Exchange Transport on the Hub and Unified Messaging, or reboot
};

struct Finding {
  const Rule* rule = nullptr; // the catalog entry (analysis/rule.hpp)
  Severity severity = Severity::warning;
  std::string id;                // stable: the same conflict gets the same id on every run
  std::string spn;               // the value the finding is about, as `account` holds it
  std::vector<std::string> spns; // every value it is about (privileged: all of the account's)
  AccountRef account;
  std::vector<AccountRef> related; // the other holders, or the accounts the SPN points at
  std::vector<Removal> removals;   // what to remove from whom; empty when undecided
  std::optional<Keeper> keeper;    // who keeps it, when spnscan can tell
  std::vector<Choice> choices;     // undecided: one per holder that might keep it
  std::vector<Setting> settings;   // attributes to set (after the removals)
  bool reset_password = false;     // the fix resets `account`'s password (AES keys)
  Aftercare aftercare = Aftercare::generic;
  // Facts only the rule's own wording reads (a struct defined in the rule's file).
  std::any details;

  std::string_view rule_id() const;
};

} // namespace spnscan
