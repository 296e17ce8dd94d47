#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/exit_status.hpp"

#include <optional>
#include <vector>

namespace spnscan {

// The exit status of a scan: `directory` when the scan is incomplete (it is never clean),
// `findings` when a finding is at or above fail_on (nullopt: never), `ok` otherwise.
ExitStatus scan_exit_status(bool complete, const std::vector<Finding>& findings,
                            std::optional<Severity> fail_on);

} // namespace spnscan
