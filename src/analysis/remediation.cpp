#include "spnscan/analysis/remediation.hpp"

#include "spnscan/model/spn.hpp"

#include <fmt/format.h>

namespace spnscan {

namespace {

// Characters that may stand in a command line a person copies into cmd.exe or PowerShell.
// Directory strings are untrusted (any user can create computer accounts), so anything else
// keeps the value out of commands.
bool command_safe(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '/' || c == ':' || c == '$' ||
                    c == '@' || c == '{' || c == '}';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// For a DN inside a PowerShell single-quoted string: printable ASCII only, ' doubled.
bool powershell_quotable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return !text.empty();
}

std::string ps_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

// RFC 2849 SAFE-STRING: no NUL/CR/LF, does not start with space, ':' or '<', ASCII only,
// and does not end with a space (ldapmodify would strip it).
bool ldif_safe(std::string_view text) {
  if (text.empty()) {
    return true;
  }
  const auto first = static_cast<unsigned char>(text.front());
  if (first == ' ' || first == ':' || first == '<' || text.back() == ' ') {
    return false;
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    // RFC 2849 allows other controls in SAFE-STRING, but a person reviews this LDIF: an ESC or
    // a bidi override must not hide in it, so anything unprintable is base64.
    if (c < 0x20 || c >= 0x7F) {
      return false;
    }
  }
  return true;
}

std::string base64(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(bytes[at]); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = byte(i) << 16;
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string ldif_line(std::string_view attr, std::string_view value) {
  if (ldif_safe(value)) {
    return fmt::format("{}: {}\n", attr, value);
  }
  return fmt::format("{}:: {}\n", attr, base64(value));
}

// The name setspn takes: sAMAccountName, without the '$' of a machine account.
std::string setspn_account(const AccountRef& account) {
  return std::string(is_machine(account.kind) ? without_dollar(account.sam_account_name)
                                              : std::string_view(account.sam_account_name));
}

std::string powershell_removal(std::string_view spn, const AccountRef& account) {
  const std::string identity = ps_quote(account.dn);
  const std::string value = ps_quote(spn);
  switch (account.kind) {
  case AccountKind::user:
    return fmt::format("Set-ADUser -Identity {} -ServicePrincipalNames @{{Remove={}}}", identity,
                       value);
  case AccountKind::computer:
  case AccountKind::domain_controller:
    return fmt::format("Set-ADComputer -Identity {} -ServicePrincipalNames @{{Remove={}}}",
                       identity, value);
  case AccountKind::managed_service_account:
  case AccountKind::group_managed_service_account:
    return fmt::format("Set-ADServiceAccount -Identity {} -ServicePrincipalNames @{{Remove={}}}",
                       identity, value);
  case AccountKind::trust:
  case AccountKind::krbtgt:
    break;
  }
  return fmt::format("Set-ADObject -Identity {} -Remove @{{servicePrincipalName={}}}", identity,
                     value);
}

// "DC=contoso,DC=com > CN=Users > CN=Administrator": the path to click through in ADSI Edit.
std::string adsiedit_path(std::string_view dn) {
  const auto rdns = split_dn(dn);
  std::string domain_part;
  std::vector<std::string> containers;
  for (const auto& rdn : rdns) {
    if (istarts_with(rdn, "DC=")) {
      domain_part += (domain_part.empty() ? "" : ",") + rdn;
    } else {
      containers.push_back(rdn);
    }
  }
  std::string path = domain_part.empty() ? std::string("(naming context root)") : domain_part;
  for (auto it = containers.rbegin(); it != containers.rend(); ++it) {
    path += " > " + *it;
  }
  return path;
}

} // namespace

std::vector<std::string> split_dn(std::string_view dn) {
  std::vector<std::string> rdns;
  std::string current;
  for (std::size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      current += c;
      current += dn[++i];
    } else if (c == ',') {
      rdns.push_back(current);
      current.clear();
    } else if (!(current.empty() && c == ' ')) {
      current += c;
    }
  }
  if (!current.empty()) {
    rdns.push_back(current);
  }
  return rdns;
}

std::string dn_domain(std::string_view dn) {
  std::string domain;
  for (const auto& rdn : split_dn(dn)) {
    if (istarts_with(rdn, "DC=")) {
      domain += (domain.empty() ? "" : ".") + rdn.substr(3);
    }
  }
  return domain;
}

Remediation build_removal(std::string_view spn, const std::vector<AccountRef>& targets,
                          Aftercare aftercare) {
  Remediation fix;
  int step = 1;
  auto add_step = [&](const std::string& text) {
    fix.adsiedit.push_back(fmt::format("{}. {}", step++, text));
  };
  const bool spn_printable = powershell_quotable(spn);
  add_step("On a domain controller or a workstation with the AD DS tools (RSAT), run "
           "adsiedit.msc.");
  add_step("Right-click \"ADSI Edit\", choose \"Connect to...\", select the well-known naming "
           "context \"Default naming context\" and click OK (connect to a DC of the account's "
           "domain if it is in another domain).");
  for (const auto& account : targets) {
    const auto rdns = split_dn(account.dn);
    const std::string leaf = rdns.empty() ? account.dn : rdns.front();
    add_step(fmt::format("Expand {} and select {} (distinguished name: {}).",
                         adsiedit_path(account.dn), leaf, account.dn));
    add_step(fmt::format("Right-click {} and choose Properties. On the Attribute Editor tab, "
                         "select servicePrincipalName and click Edit.",
                         leaf));
    if (spn_printable) {
      add_step(fmt::format("In \"Values\", select {} and click Remove. Remove only this value.",
                           spn));
    } else {
      add_step("In \"Values\", select the value that contains unprintable characters (shown "
               "escaped in this report) and click Remove. Remove only this value.");
    }
    add_step("Click OK, then Apply, then OK.");
  }
  add_step(fmt::format("Let the change replicate to every domain controller (or run "
                       "repadmin /syncall /AdeP), then check that the value is gone{}.",
                       command_safe(spn) ? fmt::format(": setspn -Q {}", spn) : std::string()));
  if (aftercare == Aftercare::exchange) {
    add_step("On the Hub Transport and Unified Messaging servers, purge the machine's Kerberos "
             "tickets (klist -li 0x3e7 purge) and restart the Microsoft Exchange Transport and "
             "Microsoft Exchange Unified Messaging services, or reboot the servers. Voicemail "
             "queued while submission failed (event 1082) is then delivered.");
  } else {
    add_step("On the servers and clients that use this SPN, purge cached Kerberos tickets "
             "(klist purge, and klist -li 0x3e7 purge for services running as the machine) and "
             "restart the affected service, or reboot.");
  }

  for (const auto& account : targets) {
    const std::string name = setspn_account(account);
    if (command_safe(spn) && command_safe(name)) {
      fix.setspn.push_back(fmt::format("setspn -D {} {}", spn, name));
    } else {
      fix.setspn.push_back(fmt::format(
          "# not shown: the SPN or the account name of {} has characters that are unsafe on a "
          "command line; use ADSI Edit or the LDIF",
          powershell_quotable(account.dn) ? account.dn : std::string("this account")));
    }
    if (spn_printable && powershell_quotable(account.dn)) {
      fix.powershell.push_back(powershell_removal(spn, account));
    } else {
      fix.powershell.push_back("# not shown: the SPN or the DN has unprintable characters; use "
                               "ADSI Edit or the LDIF");
    }
    fix.ldif += ldif_line("dn", account.dn);
    fix.ldif += "changetype: modify\n";
    fix.ldif += "delete: servicePrincipalName\n";
    fix.ldif += ldif_line("servicePrincipalName", spn);
    fix.ldif += "-\n\n";
  }
  if (!fix.ldif.empty()) {
    fix.ldif.pop_back(); // one newline after the last record
  }
  return fix;
}

} // namespace spnscan
