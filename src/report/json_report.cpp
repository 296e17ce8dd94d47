#include "spnscan/report/escape.hpp"
#include "spnscan/report/report.hpp"
#include "spnscan/version.hpp"

#include <nlohmann/json.hpp>

namespace spnscan {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_replaced_warning =
  "some directory strings were not valid UTF-8; invalid bytes were replaced with U+FFFD";

// Builds JSON values from directory text, remembering whether any of it was not valid UTF-8
// so that the report can say so once.
class Utf8Sanitizer {
public:
  std::string text(std::string_view value) { return to_valid_utf8(value, m_replaced); }

  Json strings(const std::vector<std::string>& values)
  {
    Json array = Json::array();
    for (const auto& value : values) {
      array.push_back(text(value));
    }
    return array;
  }

  Json account(const AccountRef& account)
  {
    Json object = Json::object();
    object["dn"] = text(account.dn);
    object["sam_account_name"] = text(account.sam_account_name);
    object["kind"] = std::string(to_string(account.kind));
    object["privileged"] = account.privileged;
    object["disabled"] = account.disabled;
    return object;
  }

  bool replaced() const { return m_replaced; }

private:
  bool m_replaced = false;
};

Json finding_json(Utf8Sanitizer& clean, const Finding& finding)
{
  Json object = Json::object();
  object["id"] = clean.text(finding.id);
  object["rule"] = clean.text(finding.rule);
  object["severity"] = std::string(to_string(finding.severity));
  object["spn"] = clean.text(finding.spn);
  object["account"] = clean.account(finding.account);
  Json related = Json::array();
  for (const auto& account : finding.related) {
    related.push_back(clean.account(account));
  }
  object["related"] = std::move(related);
  object["message"] = clean.text(finding.message);
  object["remove_from"] = clean.strings(finding.remove_from);
  object["keep_on"] = finding.keep_on.empty() ? Json(nullptr) : Json(clean.text(finding.keep_on));
  Json remediation = Json::object();
  remediation["adsiedit"] = clean.strings(finding.remediation.adsiedit);
  remediation["setspn"] = clean.strings(finding.remediation.setspn);
  remediation["powershell"] = clean.strings(finding.remediation.powershell);
  remediation["ldif"] = clean.text(finding.remediation.ldif);
  object["remediation"] = std::move(remediation);
  return object;
}

} // namespace

void write_json_report(std::ostream& out, const ReportScan& scan,
                       const std::vector<Finding>& findings)
{
  Utf8Sanitizer clean;

  // Findings first: the scan warnings must know whether any finding text was replaced.
  Json findings_json = Json::array();
  Json summary = Json::object();
  std::uint64_t counts[3] = {0, 0, 0};
  for (const auto& finding : findings) {
    findings_json.push_back(finding_json(clean, finding));
    ++counts[static_cast<std::size_t>(finding.severity)];
  }
  summary["error"] = counts[static_cast<std::size_t>(Severity::error)];
  summary["warning"] = counts[static_cast<std::size_t>(Severity::warning)];
  summary["info"] = counts[static_cast<std::size_t>(Severity::info)];

  const ScanInfo& info = scan.info;
  Json scan_json = Json::object();
  scan_json["sources"] = clean.strings(info.sources);
  scan_json["complete"] = info.complete;
  if (!info.complete) {
    scan_json["incomplete_reason"] = clean.text(info.incomplete_reason);
  }
  scan_json["accounts"] = scan.accounts;
  scan_json["spns"] = scan.spns;
  scan_json["started_at"] = format_rfc3339_utc(info.started_at);
  scan_json["duration_ms"] = info.duration_ms;
  Json warnings = clean.strings(info.warnings);
  if (clean.replaced()) {
    warnings.push_back(k_replaced_warning);
  }
  scan_json["warnings"] = std::move(warnings);
  scan_json["spn_mappings"] = info.spn_mappings_from_directory ? "directory" : "default";

  Json root = Json::object();
  root["schema_version"] = 1;
  root["tool"] = Json{{"name", "spnscan"}, {"version", k_version}};
  root["scan"] = std::move(scan_json);
  root["summary"] = std::move(summary);
  root["findings"] = std::move(findings_json);

  // Every string is valid UTF-8 by now; replace is a second line of defence, never a throw.
  out << root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

} // namespace spnscan
