#include "spnscan/cli/exit_policy.hpp"

namespace spnscan {

ExitStatus scan_exit_status(bool complete, const std::vector<Finding>& findings,
                            const Triage& triage, const ExitPolicy& policy) {
  if (!complete) {
    return ExitStatus::directory;
  }
  if (!policy.fail_on) {
    return ExitStatus::ok;
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (findings[i].severity < *policy.fail_on || triage.suppressed(i)) {
      continue;
    }
    if (policy.new_only && !triage.added(i)) {
      continue;
    }
    return ExitStatus::findings;
  }
  return ExitStatus::ok;
}

} // namespace spnscan
