#include "spnscan/report/fixes.hpp"

#include "spnscan/model/spn.hpp"
#include "spnscan/util/text.hpp"

#include <fmt/format.h>

namespace spnscan {

namespace {

// cmd.exe refuses longer command lines; Windows longer process command lines (PowerShell).
constexpr std::size_t k_cmd_max_line = 8191;
constexpr std::size_t k_windows_max_line = 32767;
// More values than this are not picked one by one in ADSI Edit's list.
constexpr std::size_t k_max_by_hand = 20;
// Values per PowerShell command, so that no line grows without bound.
constexpr std::size_t k_values_per_command = 1000;

bool plain_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '/' || c == ':' || c == '$' || c == '@';
}

// PowerShell ends a single-quoted string at ' and at the typographic quotes U+2018-U+201B.
bool powershell_quote(std::uint32_t code_point) {
  return code_point == '\'' || (code_point >= 0x2018 && code_point <= 0x201B);
}

// RFC 2849 SAFE-STRING, and printable ASCII only: a person reviews this LDIF, so an ESC or a
// bidi override must not hide in it; anything else is base64. A trailing space would be
// stripped by ldapmodify.
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
    if (c < 0x20 || c >= 0x7F) {
      return false;
    }
  }
  return true;
}

// One LDIF line, base64 when the value is not safe to show as it is; `encoded` is set then.
std::string ldif_line(std::string_view attr, std::string_view value, bool& encoded) {
  if (ldif_safe(value)) {
    return fmt::format("{}: {}\n", attr, value);
  }
  encoded = true;
  return fmt::format("{}:: {}\n", attr, base64_encode(value));
}

// The name setspn takes: sAMAccountName, without the '$' of a machine account.
std::string setspn_account(const AccountRef& account) {
  return std::string(is_machine(account.kind) ? without_dollar(account.sam_account_name)
                                              : std::string_view(account.sam_account_name));
}

// What to call an account in a comment: its sAMAccountName, or its DN, shown safely.
std::string account_label(const AccountRef& account) {
  return escape_for_display(account.sam_account_name.empty() ? account.dn
                                                             : account.sam_account_name);
}

std::string powershell_cmdlet(AccountKind kind) {
  switch (kind) {
  case AccountKind::user:
    return "Set-ADUser";
  case AccountKind::computer:
  case AccountKind::domain_controller:
    return "Set-ADComputer";
  case AccountKind::managed_service_account:
  case AccountKind::group_managed_service_account:
    return "Set-ADServiceAccount";
  case AccountKind::trust:
  case AccountKind::krbtgt:
    break;
  }
  return "Set-ADObject";
}

// An attribute name as a PowerShell hashtable key: quoted when it holds a '-'
// ('msDS-AllowedToDelegateTo'), bare otherwise.
std::string hashtable_key(std::string_view attribute) {
  return attribute.find('-') == std::string_view::npos ? std::string(attribute)
                                                       : "'" + std::string(attribute) + "'";
}

// The PowerShell commands removing values from one account, at most k_values_per_command each.
void powershell_removals(const Removal& removal, std::vector<std::string>& out) {
  const auto identity = powershell_string(removal.account.dn);
  if (!identity) {
    out.push_back(fmt::format("# not shown for {}: its DN {}; use the LDIF form",
                              account_label(removal.account), identity.error()));
    return;
  }
  const bool spn = removal.attribute == k_spn_attribute;
  const std::string cmdlet = spn ? powershell_cmdlet(removal.account.kind) : "Set-ADObject";
  std::string list;
  std::size_t in_list = 0;
  const auto command = [&](const std::string& values) {
    return cmdlet == "Set-ADObject"
               ? fmt::format("Set-ADObject -Identity {} -Remove @{{{}={}}}", *identity,
                             hashtable_key(removal.attribute), values)
               : fmt::format("{} -Identity {} -ServicePrincipalNames @{{Remove={}}}", cmdlet,
                             *identity, values);
  };
  const auto flush = [&] {
    if (in_list > 0) {
      out.push_back(command(list));
    }
    list.clear();
    in_list = 0;
  };
  for (const auto& value : removal.values) {
    auto quoted = powershell_string(value);
    if (quoted && command(*quoted).size() > k_windows_max_line) {
      quoted = fail(
          fmt::format("makes a command longer than Windows' {} characters", k_windows_max_line));
    }
    if (!quoted) {
      out.push_back(fmt::format("# not shown for {} ({}): the value {}; use the LDIF form",
                                account_label(removal.account), prose_value(value),
                                quoted.error()));
      continue;
    }
    if (list.size() + quoted->size() > k_windows_max_line / 2) {
      flush(); // many values: several commands of a sensible length
    }
    list += (in_list == 0 ? "" : ",") + *quoted;
    if (++in_list == k_values_per_command) {
      flush();
    }
  }
  flush();
}

// The setspn -D commands for one account, one per value.
void setspn_removals(const Removal& removal, std::vector<std::string>& out) {
  if (removal.attribute != k_spn_attribute) {
    out.push_back(fmt::format("REM setspn changes servicePrincipalName only: remove the {} "
                              "value of {} with the PowerShell or LDIF form",
                              removal.attribute, account_label(removal.account)));
    return;
  }
  const std::string name = setspn_account(removal.account);
  const auto account =
      name.empty() ? Expected<std::string>(fail("has no sAMAccountName")) : cmd_argument(name);
  for (const auto& value : removal.values) {
    const auto spn = cmd_argument(value);
    std::string why;
    if (!account) {
      why = "the account name " + account.error();
    } else if (!spn) {
      why = "the value " + spn.error();
    } else {
      std::string line = fmt::format("setspn -D {} {}", *spn, *account);
      if (line.size() <= k_cmd_max_line) {
        out.push_back(std::move(line));
        continue;
      }
      why = fmt::format("the command is longer than cmd.exe's {} characters", k_cmd_max_line);
    }
    out.push_back(fmt::format("REM not shown for {} ({}): {}; use the PowerShell or LDIF form",
                              account_label(removal.account), prose_value(value), why));
  }
}

// "select X and click Remove" for ADSI Edit's value list, saying what a person cannot see.
std::string adsiedit_pick(const std::vector<std::string>& values) {
  if (values.size() > k_max_by_hand) {
    return fmt::format("In \"Values\", remove the {} values this finding lists (too many to pick "
                       "by hand: the PowerShell or LDIF form removes exactly them).",
                       values.size());
  }
  std::string picks;
  for (const auto& value : values) {
    std::string pick = fmt::format("select {} and click Remove", prose_value(value));
    const std::string hidden = first_invisible(value);
    if (!hidden.empty()) {
      pick += fmt::format(" (it holds {}, which ADSI Edit does not show: it looks like other "
                          "values; compare the lengths, or use the PowerShell or LDIF form)",
                          hidden);
    } else if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
      pick += " (note the spaces at its start or end, shown here as \\x20)";
    }
    picks += (picks.empty() ? "" : "; then ") + pick;
  }
  return fmt::format("In \"Values\", {}. Remove only {}.", picks,
                     values.size() == 1 ? "this value" : "these values");
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

// Adds the step that selects the entry `dn` in ADSI Edit's tree; returns its first RDN, the
// name the next steps use.
std::string adsiedit_select(const std::string& dn, std::vector<std::string>& steps) {
  const auto rdns = split_dn(dn);
  std::string leaf = rdns.empty() ? dn : rdns.front();
  steps.push_back(fmt::format("Expand {} and select {} (distinguished name: {}).",
                              adsiedit_path(dn), leaf, dn));
  return leaf;
}

} // namespace

Expected<std::string> cmd_argument(std::string_view value) {
  if (value.empty()) {
    return fail("is empty");
  }
  bool plain = true;
  for (std::size_t pos = 0; pos < value.size();) {
    const Utf8Char ch = decode_utf8(value, pos);
    if (ch.length == 0 || is_invisible(ch.code_point)) {
      const std::string what = first_invisible(value.substr(pos));
      return fail("holds " + what +
                  ", which a cmd.exe command line cannot carry "
                  "visibly");
    }
    if (ch.code_point == '"') {
      return fail("holds a double quote (\"), which cmd.exe cannot quote");
    }
    if (ch.code_point == '%') {
      return fail("holds '%', which cmd.exe expands even inside quotes");
    }
    plain = plain && ch.length == 1 && plain_char(static_cast<char>(ch.code_point));
    pos += ch.length;
  }
  if (plain) {
    return std::string(value);
  }
  return "\"" + std::string(value) + "\"";
}

Expected<std::string> powershell_string(std::string_view value) {
  std::string out;
  std::string run; // the current '...' part
  bool in_run = false;
  std::size_t parts = 0;
  const auto close_run = [&] {
    if (in_run) {
      out += (parts++ == 0 ? "" : " + ") + ("'" + run + "'");
      run.clear();
      in_run = false;
    }
  };
  for (std::size_t pos = 0; pos < value.size();) {
    const Utf8Char ch = decode_utf8(value, pos);
    if (ch.length == 0) {
      return fail("holds " + first_invisible(value.substr(pos)) +
                  ", which no PowerShell string can hold");
    }
    if (is_invisible(ch.code_point)) {
      close_run();
      if (ch.code_point <= 0xFFFF) {
        out += (parts++ == 0 ? "" : " + ") + fmt::format("[char]0x{:04X}", ch.code_point);
      } else {
        out += (parts++ == 0 ? "" : " + ") +
               fmt::format("[char]::ConvertFromUtf32(0x{:X})", ch.code_point);
      }
    } else {
      in_run = true;
      run.append(value.substr(pos, ch.length));
      if (powershell_quote(ch.code_point)) {
        run.append(value.substr(pos, ch.length)); // doubled: a literal quote
      }
    }
    pos += ch.length;
  }
  close_run();
  if (parts == 0) {
    return std::string("''");
  }
  return parts == 1 ? out : "(" + out + ")";
}

std::string prose_value(std::string_view value) {
  constexpr std::size_t k_max = 120;
  if (value.size() <= k_max) {
    return "'" + show_value(value) + "'";
  }
  const std::string shown = show_value(value, 60); // "start... (N bytes)"
  const std::size_t dots = shown.rfind("... (");
  return "'" + shown.substr(0, dots) + "...'" + shown.substr(dots + 3);
}

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

Remediation build_removal(const std::vector<Removal>& removals, Aftercare aftercare) {
  Remediation fix;
  if (removals.empty()) {
    return fix;
  }
  // Steps in order, unnumbered: each format numbers them its own way.
  auto add_step = [&](const std::string& text) { fix.adsiedit.push_back(text); };
  add_step("On a domain controller or a workstation with the AD DS tools (RSAT), run "
           "adsiedit.msc.");
  add_step("Right-click \"ADSI Edit\", choose \"Connect to...\", select the well-known naming "
           "context \"Default naming context\" and click OK (connect to a DC of the account's "
           "domain if it is in another domain).");
  for (const auto& removal : removals) {
    const std::string leaf = adsiedit_select(removal.account.dn, fix.adsiedit);
    add_step(fmt::format("Right-click {} and choose Properties. On the Attribute Editor tab, "
                         "select {} and click Edit.",
                         leaf, removal.attribute));
    add_step(adsiedit_pick(removal.values));
    add_step("Click OK, then Apply, then OK.");
  }
  const std::string& first = removals.front().values.front();
  const auto check = cmd_argument(first);
  const bool spn = removals.front().attribute == k_spn_attribute;
  // The command ends the step, with no full stop after it: a value may end in '.' itself.
  add_step("Let the change replicate to every domain controller (or run repadmin /syncall "
           "/AdeP)." +
           (spn && check && check->size() < 1000
                ? " Check that the value is gone: setspn -Q " + *check
                : std::string(" Check in ADSI Edit that the value is gone.")));
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

  for (const auto& removal : removals) {
    setspn_removals(removal, fix.setspn);
    powershell_removals(removal, fix.powershell);
    bool encoded = false;
    std::string record = ldif_line("dn", removal.account.dn, encoded);
    record += "changetype: modify\n";
    record += "delete: " + removal.attribute + "\n";
    for (const auto& value : removal.values) {
      record += ldif_line(removal.attribute, value, encoded);
    }
    record += "-\n\n";
    if (encoded) {
      // What the base64 lines hold, for the person who reviews the change.
      std::string note = "# base64 below: " + escape_for_terminal(removal.account.dn);
      for (std::size_t i = 0; i < removal.values.size() && i < k_max_by_hand; ++i) {
        if (!ldif_safe(removal.values[i])) {
          note += "; " + prose_value(removal.values[i]);
        }
      }
      fix.ldif += note + "\n";
    }
    fix.ldif += record;
  }
  fix.ldif.pop_back(); // one newline after the last record
  return fix;
}

Remediation build_settings(const std::vector<Setting>& settings, const AccountRef* reset) {
  Remediation fix;
  auto add_step = [&](const std::string& text) { fix.adsiedit.push_back(text); };
  if (reset != nullptr) {
    const auto identity = powershell_string(reset->dn);
    fix.powershell.push_back(
        identity ? fmt::format("Set-ADAccountPassword -Identity {} -Reset", *identity)
                 : fmt::format("# not shown for {}: its DN {}", account_label(*reset),
                               identity.error()));
    fix.setspn.push_back("REM setspn does not set passwords: use the PowerShell form or Active "
                         "Directory Users and Computers");
    fix.ldif = "# a password is not reset with LDIF here (the file would hold it): use the "
               "PowerShell form or Active Directory Users and Computers\n";
    add_step(fmt::format("In Active Directory Users and Computers, find {} (distinguished name: "
                         "{}), right-click it and choose Reset Password... (ADSI Edit cannot "
                         "do this).",
                         account_label(*reset), reset->dn));
    add_step("Set the same new password wherever the service is configured to log on as this "
             "account (service, IIS application pool, scheduled task), then restart it. The "
             "new password gets AES keys.");
  }
  if (settings.empty()) {
    return fix;
  }
  add_step("On a domain controller or a workstation with the AD DS tools (RSAT), run "
           "adsiedit.msc and connect to the naming context that holds the entry below "
           "(\"Default naming context\" for accounts, \"Configuration\" for the Directory "
           "Service entry).");
  for (const auto& setting : settings) {
    const std::string leaf = adsiedit_select(setting.object.dn, fix.adsiedit);
    add_step(fmt::format("Right-click {} and choose Properties. On the Attribute Editor tab, "
                         "select {} and click Edit. It holds {}; set it to {}. Click OK, then "
                         "Apply, then OK.",
                         leaf, setting.attribute,
                         setting.old_value.empty() ? std::string("nothing")
                                                   : prose_value(setting.old_value),
                         prose_value(setting.value)));
    const auto identity = powershell_string(setting.object.dn);
    // A number stays a number (msDS-SupportedEncryptionTypes, userAccountControl).
    const bool number = !setting.value.empty() &&
                        setting.value.find_first_not_of("0123456789") == std::string::npos;
    const auto value =
        number ? Expected<std::string>(setting.value) : powershell_string(setting.value);
    if (identity && value) {
      fix.powershell.push_back(fmt::format("Set-ADObject -Identity {} -Replace @{{{}={}}}",
                                           *identity, hashtable_key(setting.attribute), *value));
    } else {
      fix.powershell.push_back(
          fmt::format("# not shown for {}: use the LDIF form", account_label(setting.object)));
    }
    fix.setspn.push_back(fmt::format("REM setspn does not set {}: use the PowerShell or LDIF form",
                                     setting.attribute));
    bool encoded = false;
    fix.ldif += ldif_line("dn", setting.object.dn, encoded);
    fix.ldif += "changetype: modify\nreplace: " + setting.attribute + "\n";
    fix.ldif += ldif_line(setting.attribute, setting.value, encoded);
    fix.ldif += "-\n\n";
  }
  fix.ldif.pop_back();
  add_step("Let the change replicate to every domain controller (or run repadmin /syncall "
           "/AdeP).");
  return fix;
}

Remediation build_fix(const Finding& finding) {
  Remediation fix = build_removal(finding.removals, finding.aftercare);
  if (finding.settings.empty() && !finding.reset_password) {
    return fix;
  }
  Remediation more =
      build_settings(finding.settings, finding.reset_password ? &finding.account : nullptr);
  const auto append = [](std::vector<std::string>& to, std::vector<std::string>& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(fix.adsiedit, more.adsiedit);
  append(fix.setspn, more.setspn);
  append(fix.powershell, more.powershell);
  fix.ldif += (fix.ldif.empty() || more.ldif.empty() ? "" : "\n\n") + more.ldif;
  return fix;
}

} // namespace spnscan
