#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/util/expected.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// How to fix a finding, in four forms for a person to review; spnscan never applies them.
struct Remediation {
  std::vector<std::string> adsiedit;   // ADSI Edit steps in order, then what to do after
  std::vector<std::string> setspn;     // setspn -D commands for cmd.exe ("REM ..." when hidden)
  std::vector<std::string> powershell; // Set-ADUser / Set-ADComputer / Set-ADObject commands
  std::string ldif;                    // ldapmodify change records deleting exactly the values
};

// Builds the four forms of the fix that removes each removal's values from its account:
// ADSI Edit steps, setspn -D, PowerShell and an ldapmodify LDIF, each naming the values exactly
// as that account holds them. Directory strings are untrusted: a value goes into a command only
// quoted so that the shell takes it literally; when that shell cannot take it exactly (a control
// character, an invisible character cmd.exe would hide, '"' or '%' for cmd.exe, a line past
// cmd.exe's 8191 characters) the command is replaced by a comment that names the character and
// points to a form that can. The LDIF is always exact (base64 where needed).
Remediation build_removal(const std::vector<Removal>& removals, Aftercare aftercare);

// The fix of attribute settings (msDS-SupportedEncryptionTypes, dSHeuristics, ...) and, when
// `reset` is given, of a password reset (never with the password in a command or a file).
Remediation build_settings(const std::vector<Setting>& settings, const AccountRef* reset);

// A finding's whole fix: its removals, then its settings and password reset.
Remediation build_fix(const Finding& finding);

// An argument for cmd.exe (setspn), or why it cannot be one ("holds U+200B ZERO WIDTH SPACE,
// ..."): bare when it holds only letters, digits and . - _ / : $ @,
// in double quotes otherwise (spaces, commas, apostrophes, non-ASCII letters); refused for
// control and invisible characters, '"' and '%' (cmd.exe expands %VAR% even inside quotes).
Expected<std::string> cmd_argument(std::string_view value);

// A PowerShell string that evaluates to value exactly: 'text' with quotes doubled (also the
// typographic quotes PowerShell treats as quotes), and characters a person could not see
// written as [char]0x200B joined with +, so the command is exact and shows what it removes.
// Refused only for bytes that are not valid UTF-8.
Expected<std::string> powershell_string(std::string_view value);

// Splits a DN into its RDNs ("CN=a\,b", "OU=x", "DC=contoso"), honouring backslash escapes.
std::vector<std::string> split_dn(std::string_view dn);

// A value as prose quotes it: shown (show_value) and, past 120 bytes, cut to its start with
// its length, so that a message stays short whatever the directory holds.
std::string prose_value(std::string_view value);

} // namespace spnscan
