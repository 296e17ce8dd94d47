#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/exit_status.hpp"
#include "spnscan/triage/triage.hpp"

#include <optional>
#include <vector>

namespace spnscan {

// What decides the exit status of a scan, from the command line.
struct ExitPolicy {
  std::optional<Severity> fail_on = Severity::warning; // nullopt: --fail-on never
  bool new_only = false;                               // --fail-on-new (needs a baseline)
};

// The exit status of a scan: `directory` when the scan is incomplete (it is never clean);
// `findings` when a finding that counts is at or above fail_on; `ok` otherwise. A finding the
// allow list suppresses never counts; with new_only, only findings new since the baseline do.
ExitStatus scan_exit_status(bool complete, const std::vector<Finding>& findings,
                            const Triage& triage, const ExitPolicy& policy);

} // namespace spnscan
