#include "spnscan/analysis/rule.hpp"

#include <algorithm>

// The rule files of analysis/rules/ each define one `const Rule`; CMakeLists.txt lists them
// (SPNSCAN_RULES, in report order) and generates rule_list.inc from that list.
namespace spnscan {

namespace rules {
#define SPNSCAN_RULE(name) extern const Rule name;
#include "spnscan/analysis/rule_list.inc"
#undef SPNSCAN_RULE
} // namespace rules

const std::vector<const Rule*>& rule_catalog() {
  static const std::vector<const Rule*> k_rules = {
#define SPNSCAN_RULE(name) &rules::name,
#include "spnscan/analysis/rule_list.inc"
#undef SPNSCAN_RULE
  };
  return k_rules;
}

const Rule* find_rule(std::string_view id) {
  for (const Rule* rule : rule_catalog()) {
    if (rule->id == id) {
      return rule;
    }
  }
  return nullptr;
}

std::size_t rule_rank(const Rule* rule) {
  const auto& rules = rule_catalog();
  return static_cast<std::size_t>(std::find(rules.begin(), rules.end(), rule) - rules.begin());
}

std::vector<std::string> default_host_bound_classes() {
  return {"HOST", "RestrictedKrbHost", "cifs",        "ldap",
          "GC",   "exchangeMDB",       "exchangeRFR", "exchangeAB"};
}

std::string Words::accounts(const std::vector<AccountRef>& list) const {
  std::string out;
  for (const auto& a : list) {
    out += (out.empty() ? "" : ", ") + account(a);
  }
  return out;
}

} // namespace spnscan
