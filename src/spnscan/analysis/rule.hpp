#pragma once

#include "spnscan/analysis/finding.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

// The table of rules. Each rule is one file in analysis/rules/ that defines a `Rule`: its id,
// severity, explanation, the pass it needs and its functions, one to find and one to word what
// it found. The catalog lists them in report order (CMakeLists.txt: SPNSCAN_RULES).
namespace spnscan {

class RuleContext; // analysis/context.hpp: what rules may ask of the directory
class Directory;   // model/directory.hpp
struct Canonical;  // analysis/index.hpp

// One SPN value as the per-SPN pass hands it to a rule.
struct SpnSite {
  const AccountView& account;
  std::size_t index;              // the SPN's index in the directory
  std::string_view value;         // as stored
  const Canonical& canon;         // its comparison form, parsed when it parses
  std::string_view service_class; // lower-case
  std::string_view dns_name;      // the account's dNSHostName without a trailing dot
  std::string_view short_name;    // the account's sAMAccountName without the '$'
};

// Where a rule puts its findings (RuleContext::emit gives each its id first).
using Sink = std::vector<Finding>;

// How a report words the parts of a message; report/render.cpp implements it, so that every
// format says the same thing and a format may mark parts up (HTML links a DN).
class Words {
public:
  virtual ~Words() = default;
  // A value in prose: quoted, invisible characters shown, a long one cut.
  virtual std::string value(std::string_view value) const = 0;
  // An account described: "Administrator (user, the built-in Administrator (RID 500))".
  virtual std::string account(const AccountRef& account) const = 0;
  // An account's name only: its sAMAccountName ("HUB1$").
  virtual std::string name(const AccountRef& account) const = 0;
  // Other text from the directory (a host, a service class), shown safely.
  virtual std::string text(std::string_view text) const = 0;
  // Why the keeper keeps a contested SPN.
  virtual std::string keep_reason(const KeepReason& reason, const AccountRef& keeper) const = 0;
  // Accounts described, joined with ", ".
  std::string accounts(const std::vector<AccountRef>& accounts) const;
};

// When a rule runs: during the per-SPN pass (in parallel, on each value), once per account after
// the SPN index is built, or once over the whole directory after that.
enum class Pass { per_spn, per_account, directory };

struct Rule {
  std::string_view id; // stable: --disable, reports, baselines
  Severity severity;
  std::string_view title;       // one line, for `spnscan rules`
  std::string_view explanation; // the paragraph `spnscan rules` and the man page give
  Pass pass;
  // The one function its pass calls (the others null).
  void (*check_spn)(const RuleContext&, const SpnSite&, Sink&) = nullptr;
  void (*check_account)(const RuleContext&, const AccountView&, Sink&) = nullptr;
  void (*check_directory)(const RuleContext&, Sink&) = nullptr;
  // The message of a finding: what is wrong, what breaks, what to do.
  std::string (*word)(const Finding&, const Words&) = nullptr;
  // Why the rule cannot run on this input (it lacks an attribute or an entry the rule needs
  // for an account it would look at), or empty; null when the rule needs only SPNs.
  std::string (*cannot_run)(const Directory&) = nullptr;
};

// Every rule, in report order.
const std::vector<const Rule*>& rule_catalog();
// The rule with this id, or nullptr.
const Rule* find_rule(std::string_view id);
// The rule's place in the catalog (report order).
std::size_t rule_rank(const Rule* rule);

// Service classes that belong to a machine (services running as LocalSystem/NetworkService).
std::vector<std::string> default_host_bound_classes();

struct AnalyzerOptions {
  std::set<std::string, std::less<>> disabled_rules; // rule ids
  std::vector<std::string> host_bound_classes = default_host_bound_classes();
  // Threads for the per-SPN pass; 0 chooses (two on a large directory). Findings do not
  // depend on it.
  unsigned threads = 0;
};

// The rules of the catalog, not disabled, that cannot run on this directory: id and why.
std::vector<std::pair<std::string, std::string>> rules_not_run(const Directory& directory,
                                                               const AnalyzerOptions& options);

} // namespace spnscan
