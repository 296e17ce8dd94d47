#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/source/ldap/ldap_options.hpp"

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace spnscan {

struct Command; // cli/commands.hpp
enum class ColorMode { automatic, always, never };

// Everything the command line says, as plain data. CLI11 fills it; the command reads it.
struct CliOptions {
  const Command* command = nullptr;
  // Where accounts come from: --ldif files, or else the directory in `ldap`.
  std::vector<std::string> ldif_files;
  LdapOptions ldap;
  // Output.
  const Format* format = &formats().front(); // text
  std::string output;                        // --output FILE; empty or "-" = stdout
  bool output_given = false;                 // --output was given (an empty FILE is refused)
  std::optional<Severity> fail_on = Severity::warning; // nullopt = never
  bool fail_on_new = false;                            // --fail-on-new: only new findings count
  ColorMode color = ColorMode::automatic;
  bool details = false; // --details: every finding in full
  bool quiet = false;   // -q: nothing on stderr but errors
  int verbose = 0;      // -v: diagnostics on stderr (repeatable)
  // Night after night.
  std::string baseline; // --baseline FILE: an earlier JSON report
  std::string allow;    // --allow FILE: accepted risks
  // --config FILE, --no-config (cli/config_file.hpp reads them).
  std::string config;
  bool no_config = false;
  // Analysis.
  AnalyzerOptions analyzer;
  // Operands of query / list / check.
  std::vector<std::string> patterns; // query
  std::vector<std::string> accounts; // list
  std::vector<std::string> hosts;    // host
  std::string check_spn;             // check
  std::string check_account;         // check
};

// The option groups; each command takes some of them (commands.cpp).
void add_source_options(CLI::App& command, CliOptions& options);
void add_output_options(CLI::App& command, CliOptions& options);
void add_analysis_options(CLI::App& command, CliOptions& options);

// Throws UsageError when argv gives a password (-w, --password, --bind-password=...), naming the
// option and never the value, before the parser sees it: the parser's own errors ("arguments
// were not expected: ...") would repeat the value into a terminal log or a cron mail.
void refuse_password_arguments(int argc, char** argv);

// Throws UsageError for empty operands: "" would match nothing, or everything, silently.
void check_operands(const CliOptions& options);

} // namespace spnscan
