#include "spnscan/report/report.hpp"

namespace spnscan {

ReportScan report_scan_of(const Directory& directory) {
  ReportScan scan;
  scan.info = directory.info();
  // Accounts kept without SPNs (delegating accounts, the ones `check` asks about) are not
  // counted: the line says "accounts holding SPNs".
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    scan.accounts += directory.account(a).spn_count > 0 ? 1u : 0u;
  }
  scan.spns = directory.spn_count();
  return scan;
}

std::size_t ScanReport::active_count(Severity severity) const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (findings[i].severity == severity && !triage.suppressed(i)) {
      ++count;
    }
  }
  return count;
}

ScanReport make_scan_report(const Directory& directory, std::vector<Finding> findings,
                            Triage triage) {
  ScanReport report;
  report.scan = report_scan_of(directory);
  report.plan = make_plan(directory, findings, triage);
  report.findings = std::move(findings);
  report.triage = std::move(triage);
  return report;
}

} // namespace spnscan
