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
// so that the report can say so once. A checking sanitizer only notes that and gives empty
// strings, so that a first pass over the findings costs no copies.
class Utf8Sanitizer {
public:
  explicit Utf8Sanitizer(bool check_only = false) : m_check_only(check_only) {}

  std::string text(std::string_view value)
  {
    if (m_check_only) {
      if (!m_replaced) {
        to_valid_utf8(value, m_replaced);
      }
      return {};
    }
    return to_valid_utf8(value, m_replaced);
  }

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
  bool m_check_only;
  bool m_replaced = false;
};

Json removals_json(Utf8Sanitizer& clean, const std::vector<Removal>& removals)
{
  Json array = Json::array();
  for (const auto& removal : removals) {
    array.push_back(Json{{"dn", clean.text(removal.account.dn)},
                         {"values", clean.strings(removal.values)}});
  }
  return array;
}

Json remediation_json(Utf8Sanitizer& clean, const Remediation& fix)
{
  Json remediation = Json::object();
  remediation["adsiedit"] = clean.strings(fix.adsiedit);
  remediation["setspn"] = clean.strings(fix.setspn);
  remediation["powershell"] = clean.strings(fix.powershell);
  remediation["ldif"] = clean.text(fix.ldif);
  return remediation;
}

Json finding_json(Utf8Sanitizer& clean, const Finding& finding)
{
  Json object = Json::object();
  object["id"] = clean.text(finding.id);
  object["rule"] = clean.text(finding.rule);
  object["severity"] = std::string(to_string(finding.severity));
  object["spn"] = clean.text(finding.spn);
  object["spns"] = clean.strings(finding.spns);
  object["account"] = clean.account(finding.account);
  Json related = Json::array();
  for (const auto& account : finding.related) {
    related.push_back(clean.account(account));
  }
  object["related"] = std::move(related);
  object["message"] = clean.text(finding.message);
  object["remove_from"] = clean.strings(finding.remove_from);
  object["keep_on"] = finding.keep_on.empty() ? Json(nullptr) : Json(clean.text(finding.keep_on));
  object["keep_reason"] =
    finding.keep_reason.empty() ? Json(nullptr) : Json(clean.text(finding.keep_reason));
  object["remove"] = removals_json(clean, finding.removals);
  Json remediation = remediation_json(clean, finding.remediation);
  Json choices = Json::array();
  for (const auto& choice : finding.choices) {
    Json item = Json::object();
    item["keep_on"] = clean.text(choice.keep.dn);
    item["hint"] = choice.hint.empty() ? Json(nullptr) : Json(clean.text(choice.hint));
    item["remove"] = removals_json(clean, choice.removals);
    item["remediation"] = remediation_json(clean, choice.remediation);
    choices.push_back(std::move(item));
  }
  remediation["choices"] = std::move(choices);
  object["remediation"] = std::move(remediation);
  return object;
}

} // namespace

void write_json_report(std::ostream& out, const ReportScan& scan,
                       const std::vector<Finding>& findings)
{
  // A first pass: the scan warnings, written before the findings, must know whether any
  // finding text will be replaced.
  Utf8Sanitizer check(true);
  Json summary = Json::object();
  std::uint64_t counts[3] = {0, 0, 0};
  for (const auto& finding : findings) {
    finding_json(check, finding);
    ++counts[static_cast<std::size_t>(finding.severity)];
  }
  Utf8Sanitizer clean;
  clean.text(check.replaced() ? "\xFF" : ""); // carries the first pass's verdict
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
  root["findings"] = Json::array();

  // Every string is valid UTF-8 by now; replace is a second line of defence, never a throw.
  const auto dump = [](const Json& value) {
    return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  const std::string head = dump(root); // ends in "\"findings\": []\n}"
  if (findings.empty()) {
    out << head << '\n';
    return;
  }
  // One finding at a time, indented as a member of the array: memory follows the largest
  // finding, not the report.
  out.write(head.data(), static_cast<std::streamsize>(head.size() - 3)); // up to the '['
  for (std::size_t i = 0; i < findings.size(); ++i) {
    out << (i == 0 ? "\n" : ",\n");
    const std::string item = dump(finding_json(clean, findings[i]));
    std::size_t start = 0;
    while (start < item.size()) {
      const std::size_t end = std::min(item.find('\n', start), item.size());
      out << "    ";
      out.write(item.data() + start, static_cast<std::streamsize>(end - start));
      if (end < item.size()) {
        out << '\n';
      }
      start = end + 1;
    }
  }
  out << "\n  ]\n}\n";
}

} // namespace spnscan
