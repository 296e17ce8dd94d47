#include "spnscan/cli/exit_policy.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {

Finding finding(Severity severity, std::string id = "x") {
  Finding f;
  f.severity = severity;
  f.id = std::move(id);
  return f;
}

ExitPolicy fail_on(std::optional<Severity> severity, bool new_only = false) {
  return ExitPolicy{severity, new_only};
}

} // namespace

TEST_CASE("scan_exit_status: incomplete first, then findings at or above --fail-on") {
  const std::vector<Finding> warnings = {finding(Severity::warning), finding(Severity::info)};
  const std::vector<Finding> none;
  const Triage nothing;
  // An incomplete scan is never clean, whatever it found.
  CHECK(scan_exit_status(false, none, nothing, fail_on(Severity::warning)) ==
        ExitStatus::directory);
  CHECK(scan_exit_status(false, warnings, nothing, fail_on(std::nullopt)) == ExitStatus::directory);
  CHECK(scan_exit_status(true, none, nothing, fail_on(Severity::info)) == ExitStatus::ok);
  CHECK(scan_exit_status(true, warnings, nothing, fail_on(Severity::warning)) ==
        ExitStatus::findings);
  CHECK(scan_exit_status(true, warnings, nothing, fail_on(Severity::info)) == ExitStatus::findings);
  CHECK(scan_exit_status(true, warnings, nothing, fail_on(Severity::error)) == ExitStatus::ok);
  CHECK(scan_exit_status(true, warnings, nothing, fail_on(std::nullopt)) == ExitStatus::ok);
}

TEST_CASE("scan_exit_status: suppressed findings never count, --fail-on-new counts new ones") {
  const std::vector<Finding> findings = {finding(Severity::error, "a"),
                                         finding(Severity::warning, "b")};
  Triage labels;
  labels.findings.resize(2);
  labels.findings[0].suppressed_by = 0; // the error is an accepted risk
  labels.findings[1].baseline = BaselineState::unchanged;
  CHECK(scan_exit_status(true, findings, labels, fail_on(Severity::error)) == ExitStatus::ok);
  CHECK(scan_exit_status(true, findings, labels, fail_on(Severity::warning)) ==
        ExitStatus::findings);
  // Only new findings count: the warning was there last night.
  CHECK(scan_exit_status(true, findings, labels, fail_on(Severity::warning, true)) ==
        ExitStatus::ok);
  labels.findings[1].baseline = BaselineState::added;
  CHECK(scan_exit_status(true, findings, labels, fail_on(Severity::warning, true)) ==
        ExitStatus::findings);
  CHECK(scan_exit_status(true, findings, labels, fail_on(Severity::error, true)) == ExitStatus::ok);
  // Incomplete stays incomplete, new or not.
  CHECK(scan_exit_status(false, findings, labels, fail_on(Severity::warning, true)) ==
        ExitStatus::directory);
}
