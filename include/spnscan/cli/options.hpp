#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/analysis/rules.hpp"
#include "spnscan/report/report.hpp"
#include "spnscan/source/ldap_options.hpp"

#include <optional>
#include <string>
#include <vector>

namespace spnscan {

enum class Command { scan, rules, query, list, dump, check };
enum class ColorMode { automatic, always, never };

// Everything the command line says, as plain data. CLI11 fills it; run_command() reads it.
struct CliOptions {
  Command command = Command::scan;
  // Where accounts come from: --ldif files, or else the directory in `ldap`.
  std::vector<std::string> ldif_files;
  LdapOptions ldap;
  // Output.
  ReportFormat format = ReportFormat::text;
  std::string output;                       // --output FILE; empty or "-" = stdout
  bool output_given = false;                // --output was given (an empty FILE is refused)
  std::optional<Severity> fail_on = Severity::warning; // nullopt = never
  ColorMode color = ColorMode::automatic;
  // Analysis.
  AnalyzerOptions analyzer;
  // Arguments of query / list / check.
  std::vector<std::string> patterns; // query
  std::vector<std::string> accounts; // list
  std::string check_spn;             // check
  std::string check_account;         // check
};

} // namespace spnscan
