#include "spnscan/cli/exit_policy.hpp"

#include <algorithm>

namespace spnscan {

ExitStatus scan_exit_status(bool complete, const std::vector<Finding>& findings,
                            std::optional<Severity> fail_on) {
  if (!complete) {
    return ExitStatus::directory;
  }
  if (fail_on && std::any_of(findings.begin(), findings.end(),
                             [&](const Finding& f) { return f.severity >= *fail_on; })) {
    return ExitStatus::findings;
  }
  return ExitStatus::ok;
}

} // namespace spnscan
