#include "spnscan/report/escape.hpp"
#include "spnscan/report/report.hpp"

namespace spnscan {

namespace {

constexpr const char* k_csv_header =
  "id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,account_privileged,"
  "related_dns,remove_from,keep_on,message,setspn,powershell";

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
    const std::string cells[] = {
      finding.id,
      finding.rule,
      std::string(to_string(finding.severity)),
      finding.spn,
      finding.account.dn,
      finding.account.sam_account_name,
      std::string(to_string(finding.account.kind)),
      finding.account.privileged ? "true" : "false",
      join(related_dns, "; "),
      join(finding.remove_from, "; "),
      finding.keep_on,
      finding.message,
      // One command per line inside the quoted cell, so each can be copied as it is.
      join(finding.remediation.setspn, "\n"),
      join(finding.remediation.powershell, "\n"),
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
