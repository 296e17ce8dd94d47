#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/model/directory.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

enum class ReportFormat { text, json, csv };
// Parses "text", "json" or "csv"; nullopt for anything else.
std::optional<ReportFormat> report_format_from_string(std::string_view text);

struct ReportOptions {
  bool color = false; // ANSI colour in the text format
};

// The scan summary a report needs (from Directory, or filled by tests).
struct ReportScan {
  ScanInfo info;
  std::uint64_t accounts = 0; // accounts holding SPNs
  std::uint64_t spns = 0;     // SPN values read
};

// Returns the summary of what directory holds: accounts with SPNs, SPN values, scan facts.
ReportScan report_scan_of(const Directory& directory);

// Writes findings in the chosen format. Findings are expected sorted (the analyzer does).
void write_report(std::ostream& out, ReportFormat format, const ReportScan& scan,
                  const std::vector<Finding>& findings, const ReportOptions& options);

// The three formats write_report chooses between (src/report/*_report.cpp). Every string that
// came from the directory is escaped for the format here, not by the analyzer.

// Human-readable report for a terminal or a mail from cron; options.color adds ANSI colour.
void write_text_report(std::ostream& out, const ReportScan& scan,
                       const std::vector<Finding>& findings, const ReportOptions& options);
// The JSON contract (schema_version 1) that scripts read; always valid UTF-8, ends in "\n".
void write_json_report(std::ostream& out, const ReportScan& scan,
                       const std::vector<Finding>& findings);
// One RFC 4180 row per finding with a header row and CRLF line ends; the scan's completeness is
// not in it (the exit status carries it).
void write_csv_report(std::ostream& out, const std::vector<Finding>& findings);

// Returns time as RFC 3339 UTC with whole seconds, e.g. "2026-11-22T03:04:05Z".
std::string format_rfc3339_utc(std::chrono::system_clock::time_point time);

} // namespace spnscan
