#include "spnscan/analysis/finding.hpp"

#include "spnscan/analysis/rule.hpp"

namespace spnscan {

std::string_view to_string(Severity severity) {
  switch (severity) {
  case Severity::info:
    return "info";
  case Severity::warning:
    return "warning";
  case Severity::error:
    return "error";
  }
  return "unknown";
}

std::optional<Severity> severity_from_string(std::string_view text) {
  for (const Severity severity : {Severity::info, Severity::warning, Severity::error}) {
    if (text == to_string(severity)) {
      return severity;
    }
  }
  return std::nullopt;
}

AccountRef account_ref(const AccountView& account) {
  AccountRef r;
  r.dn = account.dn;
  r.sam_account_name = account.sam_account_name;
  r.kind = account.kind;
  r.privileged = account.privileged;
  r.disabled = account.disabled;
  r.rid = account.rid;
  return r;
}

std::string_view Finding::rule_id() const {
  return rule != nullptr ? rule->id : std::string_view();
}

} // namespace spnscan
