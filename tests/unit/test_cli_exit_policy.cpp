#include "spnscan/cli/exit_policy.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {
Finding finding(Severity severity) {
  Finding f;
  f.severity = severity;
  return f;
}
} // namespace

TEST_CASE("scan_exit_status: incomplete first, then findings at or above --fail-on") {
  const std::vector<Finding> warnings = {finding(Severity::warning), finding(Severity::info)};
  const std::vector<Finding> none;
  // An incomplete scan is never clean, whatever it found.
  CHECK(scan_exit_status(false, none, Severity::warning) == ExitStatus::directory);
  CHECK(scan_exit_status(false, warnings, std::nullopt) == ExitStatus::directory);
  CHECK(scan_exit_status(true, none, Severity::info) == ExitStatus::ok);
  CHECK(scan_exit_status(true, warnings, Severity::warning) == ExitStatus::findings);
  CHECK(scan_exit_status(true, warnings, Severity::info) == ExitStatus::findings);
  CHECK(scan_exit_status(true, warnings, Severity::error) == ExitStatus::ok);
  CHECK(scan_exit_status(true, warnings, std::nullopt) == ExitStatus::ok);
}
