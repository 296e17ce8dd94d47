#pragma once

#include "spnscan/analysis/finding.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// What happens after the values are removed: which services to restart, and why.
enum class Aftercare {
  generic,   // purge tickets, restart the service that uses the SPN
  exchange,  // SMTP: restart Exchange Transport on the Hub and Unified Messaging, or reboot
};

// Builds the four forms of the fix that removes `spn` from each account in `targets`:
// ADSI Edit steps, setspn -D, PowerShell and an ldapmodify LDIF. Values and names that are not
// plain printable ASCII are never put into a command line (they come from the directory and
// could be crafted); the LDIF then carries them base64-encoded and the steps say so.
Remediation build_removal(std::string_view spn, const std::vector<AccountRef>& targets,
                          Aftercare aftercare);

// Splits a DN into its RDNs ("CN=a\,b", "OU=x", "DC=contoso"), honouring backslash escapes.
std::vector<std::string> split_dn(std::string_view dn);

// The DNS domain of a DN from its DC= components ("contoso.com"), empty when none.
std::string dn_domain(std::string_view dn);

} // namespace spnscan
