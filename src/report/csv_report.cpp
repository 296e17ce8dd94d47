#include "spnscan/report/escape.hpp"
#include "spnscan/report/report.hpp"

namespace spnscan {

namespace {

constexpr const char* k_csv_header =
  "id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,account_privileged,"
  "related_dns,remove_from,keep_on,message,setspn,powershell,keep_reason,spns";

// Values as CSV shows them: long ones cut (JSON carries them whole).
std::vector<std::string> shown(const std::vector<std::string>& values)
{
  std::vector<std::string> out;
  for (const auto& value : values) {
    out.push_back(show_value(value, k_shown_value_max));
  }
  return out;
}

std::string join(const std::vector<std::string>& values, std::string_view separator)
{
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += values[i];
  }
  return out;
}

} // namespace

void write_csv_report(std::ostream& out, const std::vector<Finding>& findings)
{
  out << k_csv_header << "\r\n";
  for (const auto& finding : findings) {
    std::vector<std::string> related_dns;
    related_dns.reserve(finding.related.size());
    for (const auto& account : finding.related) {
      related_dns.push_back(account.dn);
    }
    // An undecided finding has no single fix: its choices go into the command cells, each
    // under a comment line that names it.
    std::vector<std::string> setspn = finding.remediation.setspn;
    std::vector<std::string> powershell = finding.remediation.powershell;
    for (std::size_t i = 0; i < finding.choices.size(); ++i) {
      const Choice& choice = finding.choices[i];
      const std::string label = "choice " + std::to_string(i + 1) + " of "
                                + std::to_string(finding.choices.size()) + ", apply only one: if "
                                + choice.keep.dn + " should keep it";
      setspn.push_back("REM " + label);
      setspn.insert(setspn.end(), choice.remediation.setspn.begin(),
                    choice.remediation.setspn.end());
      powershell.push_back("# " + label);
      powershell.insert(powershell.end(), choice.remediation.powershell.begin(),
                        choice.remediation.powershell.end());
    }
    const std::string cells[] = {
      finding.id,
      finding.rule,
      std::string(to_string(finding.severity)),
      show_value(finding.spn, k_shown_value_max),
      finding.account.dn,
      finding.account.sam_account_name,
      std::string(to_string(finding.account.kind)),
      finding.account.privileged ? "true" : "false",
      join(related_dns, "; "),
      join(finding.remove_from, "; "),
      finding.keep_on,
      finding.message,
      // One command per line inside the quoted cell, so each can be copied as it is.
      join(setspn, "\n"),
      join(powershell, "\n"),
      finding.keep_reason,
      join(shown(finding.spns), "\n"),
    };
    bool first = true;
    for (const auto& cell : cells) {
      if (!first) {
        out << ',';
      }
      first = false;
      out << csv_cell(cell);
    }
    out << "\r\n";
  }
}

} // namespace spnscan
