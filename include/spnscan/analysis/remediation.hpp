#pragma once

#include "spnscan/analysis/finding.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// What happens after the values are removed: which services to restart, and why.
enum class Aftercare {
  generic,   // purge tickets, restart the service that uses the SPN
  exchange,  // SMTP: restart Exchange Transport on the Hub and Unified Messaging, or reboot
};

// Builds the four forms of the fix that removes each removal's values from its account:
// ADSI Edit steps, setspn -D, PowerShell and an ldapmodify LDIF, each naming the values exactly
// as that account holds them. Directory strings are untrusted: a value goes into a command only
// quoted so that the shell takes it literally; when that shell cannot take it exactly (a control
// character, an invisible character cmd.exe would hide, '"' or '%' for cmd.exe, a line past
// cmd.exe's 8191 characters) the command is replaced by a comment that names the character and
// points to a form that can. The LDIF is always exact (base64 where needed).
Remediation build_removal(const std::vector<Removal>& removals, Aftercare aftercare);

// A command-line argument quoted for one shell, or why it cannot be.
struct Quoted {
  std::optional<std::string> text;
  std::string why_not; // set when text is empty: "holds U+200B ZERO WIDTH SPACE, ..."
};

// An argument for cmd.exe (setspn): bare when it holds only letters, digits and . - _ / : $ @,
// in double quotes otherwise (spaces, commas, apostrophes, non-ASCII letters); refused for
// control and invisible characters, '"' and '%' (cmd.exe expands %VAR% even inside quotes).
Quoted cmd_argument(std::string_view value);

// A PowerShell string that evaluates to value exactly: 'text' with quotes doubled (also the
// typographic quotes PowerShell treats as quotes), and characters a person could not see
// written as [char]0x200B joined with +, so the command is exact and shows what it removes.
// Refused only for bytes that are not valid UTF-8.
Quoted powershell_string(std::string_view value);

// Splits a DN into its RDNs ("CN=a\,b", "OU=x", "DC=contoso"), honouring backslash escapes.
std::vector<std::string> split_dn(std::string_view dn);

// The DNS domain of a DN from its DC= components ("contoso.com"), empty when none.
std::string dn_domain(std::string_view dn);

// A value as prose quotes it: shown (show_value) and, past 120 bytes, cut to its start with
// its length, so that a message stays short whatever the directory holds.
std::string prose_value(std::string_view value);

} // namespace spnscan
