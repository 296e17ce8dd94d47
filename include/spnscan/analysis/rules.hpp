#pragma once

#include "spnscan/analysis/finding.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// One rule the analyzer applies: its id (stable, used by --disable and in reports), severity,
// a one-line title and the paragraph `spnscan rules` prints.
struct RuleInfo {
  std::string_view id;
  Severity severity;
  std::string_view title;
  std::string_view explanation;
};

namespace rule {
inline constexpr std::string_view k_smtp_on_non_machine = "smtp-spn-on-non-machine-account";
inline constexpr std::string_view k_duplicate = "duplicate-spn";
inline constexpr std::string_view k_alias_collision = "spn-alias-collision";
inline constexpr std::string_view k_host_bound_on_user = "host-bound-spn-on-user-account";
inline constexpr std::string_view k_privileged = "privileged-account-with-spn";
inline constexpr std::string_view k_malformed = "malformed-spn";
inline constexpr std::string_view k_host_mismatch = "spn-host-mismatch";
} // namespace rule

// Every rule, in report order.
const std::vector<RuleInfo>& rule_catalog();
// The rule with this id, or nullptr.
const RuleInfo* find_rule(std::string_view id);

// Service classes that belong to a machine (services running as LocalSystem/NetworkService).
std::vector<std::string> default_host_bound_classes();

struct AnalyzerOptions {
  std::set<std::string, std::less<>> disabled_rules; // rule ids
  std::vector<std::string> host_bound_classes = default_host_bound_classes();
  // Threads for the per-SPN pass; 0 chooses (two on a large directory). Findings do not
  // depend on it.
  unsigned threads = 0;
};

} // namespace spnscan
