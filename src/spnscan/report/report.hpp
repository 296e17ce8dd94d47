#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/report/plan.hpp"
#include "spnscan/triage/triage.hpp"

#include <cstdint>
#include <vector>

// What every format writes for `scan`: made once by the command, read by each writer.
namespace spnscan {

// The scan summary a report needs (from Directory, or filled by tests).
struct ReportScan {
  ScanInfo info;
  std::uint64_t accounts = 0; // accounts holding SPNs
  std::uint64_t spns = 0;     // SPN values read
};

// Returns the summary of what directory holds: accounts with SPNs, SPN values, scan facts.
ReportScan report_scan_of(const Directory& directory);

// Everything a scan report shows: the scan, the findings in the analyzer's order, their labels
// (baseline, allow list) and the action plan made from them.
struct ScanReport {
  ReportScan scan;
  std::vector<Finding> findings;
  Triage triage;
  Plan plan;

  // Findings that count (not suppressed), and of these the ones at each severity.
  std::size_t active_count() const { return findings.size() - triage.suppressed_count(); }
  std::size_t active_count(Severity severity) const;
};

// The report of a scan of directory: its summary, and the plan of the findings.
ScanReport make_scan_report(const Directory& directory, std::vector<Finding> findings,
                            Triage triage = {});

} // namespace spnscan
