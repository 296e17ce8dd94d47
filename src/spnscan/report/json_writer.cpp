// The JSON format: the versioned contract (schema_version 1) that scripts read, documented in
// the man page. Always valid UTF-8 (invalid bytes replaced and said so), two-space indent, a
// final newline.

#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/util/text.hpp"
#include "spnscan/version.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>

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

  Json strings(const std::vector<std::string>& values) {
    Json array = Json::array();
    for (const auto& value : values) {
      array.push_back(text(value));
    }
    return array;
  }

  Json account(const AccountRef& account) {
    Json object = Json::object();
    object["dn"] = text(account.dn);
    object["sam_account_name"] = text(account.sam_account_name);
    object["kind"] = std::string(to_string(account.kind));
    object["privileged"] = account.privileged;
    object["disabled"] = account.disabled;
    object["enabled"] = !account.disabled;
    object["domain_controller"] = account.domain_controller();
    return object;
  }

  bool replaced() const { return m_replaced; }

private:
  bool m_replaced = false;
};

bool valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Char ch = decode_utf8(text, pos);
    if (ch.length == 0) {
      return false;
    }
    pos += ch.length;
  }
  return true;
}

// True when a directory string of the finding is not valid UTF-8. The words render() adds are
// ASCII or escaped, so the raw strings decide whether the finding's JSON replaces anything.
bool holds_invalid_utf8(const Finding& f) {
  const auto account = [](const AccountRef& a) {
    return !valid_utf8(a.dn) || !valid_utf8(a.sam_account_name);
  };
  const auto removals = [&](const std::vector<Removal>& list) {
    return std::any_of(list.begin(), list.end(), [&](const Removal& r) {
      return account(r.account) || !std::all_of(r.values.begin(), r.values.end(),
                                                [](const std::string& v) { return valid_utf8(v); });
    });
  };
  return !valid_utf8(f.spn) || account(f.account) ||
         !std::all_of(f.spns.begin(), f.spns.end(),
                      [](const std::string& v) { return valid_utf8(v); }) ||
         std::any_of(f.related.begin(), f.related.end(), account) || removals(f.removals) ||
         (f.keeper && account(f.keeper->account)) ||
         std::any_of(f.choices.begin(), f.choices.end(),
                     [&](const Choice& c) { return account(c.keep) || removals(c.removals); });
}

Json removals_json(Utf8Sanitizer& clean, const std::vector<Removal>& removals) {
  Json array = Json::array();
  for (const auto& removal : removals) {
    array.push_back(Json{{"dn", clean.text(removal.account.dn)},
                         {"attribute", removal.attribute},
                         {"values", clean.strings(removal.values)}});
  }
  return array;
}

Json remediation_json(Utf8Sanitizer& clean, const Remediation& fix) {
  Json remediation = Json::object();
  Json steps = Json::array();
  for (std::size_t i = 0; i < fix.adsiedit.size(); ++i) {
    steps.push_back(std::to_string(i + 1) + ". " + clean.text(fix.adsiedit[i]));
  }
  remediation["adsiedit"] = std::move(steps);
  remediation["setspn"] = clean.strings(fix.setspn);
  remediation["powershell"] = clean.strings(fix.powershell);
  remediation["ldif"] = clean.text(fix.ldif);
  return remediation;
}

Json finding_json(Utf8Sanitizer& clean, const ScanReport& report, std::size_t index) {
  const Finding& finding = report.findings[index];
  const RenderedFinding words = render(finding);
  Json object = Json::object();
  object["id"] = clean.text(finding.id);
  object["rule"] = clean.text(finding.rule_id());
  object["severity"] = std::string(to_string(finding.severity));
  object["spn"] = clean.text(finding.spn);
  object["spns"] = clean.strings(finding.spns);
  object["account"] = clean.account(finding.account);
  Json related = Json::array();
  for (const auto& account : finding.related) {
    related.push_back(clean.account(account));
  }
  object["related"] = std::move(related);
  object["message"] = clean.text(words.message);
  Json remove_from = Json::array();
  for (const auto& removal : finding.removals) {
    remove_from.push_back(clean.text(removal.account.dn));
  }
  object["remove_from"] = std::move(remove_from);
  object["keep_on"] = finding.keeper ? Json(clean.text(finding.keeper->account.dn)) : Json(nullptr);
  object["keep_reason"] =
      words.keep_reason.empty() ? Json(nullptr) : Json(clean.text(words.keep_reason));
  object["remove"] = removals_json(clean, finding.removals);
  Json settings = Json::array();
  for (const auto& setting : finding.settings) {
    settings.push_back(Json{{"dn", clean.text(setting.object.dn)},
                            {"attribute", setting.attribute},
                            {"old_value", clean.text(setting.old_value)},
                            {"value", clean.text(setting.value)}});
  }
  object["set"] = std::move(settings);
  object["reset_password"] = finding.reset_password;
  Json remediation = remediation_json(clean, words.fix);
  Json choices = Json::array();
  for (std::size_t i = 0; i < finding.choices.size(); ++i) {
    const Choice& choice = finding.choices[i];
    const RenderedChoice& worded = words.choices[i];
    Json item = Json::object();
    item["keep_on"] = clean.text(choice.keep.dn);
    item["hint"] = worded.hint.empty() ? Json(nullptr) : Json(clean.text(worded.hint));
    item["remove"] = removals_json(clean, choice.removals);
    item["remediation"] = remediation_json(clean, worded.fix);
    choices.push_back(std::move(item));
  }
  remediation["choices"] = std::move(choices);
  object["remediation"] = std::move(remediation);
  // Added members (schema_version 1 grows, never renames): only when the option is given.
  if (report.triage.baseline) {
    object["baseline"] = report.triage.added(index) ? "new" : "unchanged";
  }
  if (report.triage.suppressed(index)) {
    const AllowEntry& entry =
        report.triage.allow->list.entries[*report.triage.findings[index].suppressed_by];
    object["suppressed"] =
        Json{{"by", clean.text(entry.where)},
             {"reason", clean.text(entry.reason)},
             {"expires", entry.expires ? Json(format_date(*entry.expires)) : Json(nullptr)}};
  }
  return object;
}

// One account of the plan. Each value's note is the text report's wording of belongs_on and
// orphaned, which JSON gives as fields: it is left out (with 100,000 values it was 14 MB).
Json plan_account_json(Utf8Sanitizer& clean, const ScanReport& report, std::size_t a) {
  const auto& findings = report.findings;
  const AccountPlan& account = report.plan.accounts[a];
  const RenderedPlanAccount words = render_plan_account(account, findings);
  Json values = Json::array();
  for (const PlannedValue& value : account.values) {
    Json ids = Json::array();
    for (auto i : value.findings) {
      ids.push_back(clean.text(findings[i].id));
    }
    values.push_back(Json{
        {"value", clean.text(value.value)},
        {"findings", std::move(ids)},
        {"belongs_on", value.belongs_on ? Json(clean.text(value.belongs_on->dn)) : Json(nullptr)},
        {"orphaned", value.orphaned}});
  }
  return Json{{"account", clean.account(account.account)},
              {"severity", std::string(to_string(account.severity))},
              {"summary", clean.text(words.headline)},
              {"remove", std::move(values)},
              {"remediation", remediation_json(clean, words.fix)}};
}

// The plan without its accounts, which write_scan streams in as the last member ("accounts").
Json plan_json(Utf8Sanitizer& clean, const ScanReport& report) {
  const auto& findings = report.findings;
  Json undecided = Json::array();
  for (auto i : report.plan.undecided) {
    undecided.push_back(clean.text(findings[i].id));
  }
  Json held_back = Json::array();
  for (const auto& held : report.plan.held_back) {
    held_back.push_back(Json{{"dn", clean.text(held.account.dn)},
                             {"value", clean.text(held.value)},
                             {"asked_by", clean.text(findings[held.asked_by].id)},
                             {"kept_by", clean.text(findings[held.kept_by].id)},
                             {"why", clean.text(render_held_back(held, findings))}});
  }
  return Json{{"summary", render_plan_summary(report.plan)},
              {"undecided", std::move(undecided)},
              {"held_back", std::move(held_back)},
              {"accounts", Json::array()}};
}

Json baseline_json(Utf8Sanitizer& clean, const BaselineResult& baseline) {
  Json resolved = Json::array();
  for (const auto& f : baseline.resolved) {
    resolved.push_back(Json{{"id", clean.text(f.id)},
                            {"rule", clean.text(f.rule)},
                            {"severity", clean.text(f.severity)},
                            {"spn", clean.text(f.spn)},
                            {"account_dn", clean.text(f.account_dn)},
                            {"sam_account_name", clean.text(f.account_name)}});
  }
  return Json{{"file", clean.text(baseline.file)},
              {"started_at", clean.text(baseline.started_at)},
              {"baseline_complete", baseline.baseline_complete},
              {"new", baseline.added},
              {"unchanged", baseline.unchanged},
              {"resolved_known", baseline.resolved_known},
              {"resolved", std::move(resolved)},
              {"not_checked", baseline.not_checked}};
}

Json suppressions_json(Utf8Sanitizer& clean, const AllowResult& allow, std::size_t suppressed) {
  Json entries = Json::array();
  for (std::size_t e = 0; e < allow.entries.size(); ++e) {
    const AllowEntry& entry = allow.list.entries[e];
    const AllowEntryResult& result = allow.entries[e];
    const auto field = [&](const std::string& value) {
      return value.empty() ? Json(nullptr) : Json(clean.text(value));
    };
    entries.push_back(
        Json{{"where", clean.text(entry.where)},
             {"rule", field(entry.rule)},
             {"spn", field(entry.spn)},
             {"account", field(entry.account)},
             {"id", field(entry.id)},
             {"reason", clean.text(entry.reason)},
             {"expires", entry.expires ? Json(format_date(*entry.expires)) : Json(nullptr)},
             {"matched", result.matched},
             {"expired", result.expired},
             {"stale", result.stale}});
  }
  return Json{{"file", clean.text(allow.list.file)},
              {"suppressed", suppressed},
              {"entries", std::move(entries)}};
}

// Writes count members of a JSON array, each made by make(i) (dumped with an indent of 2) and
// indented to sit at `indent`; the array's closing bracket goes two spaces to the left.
template <typename Make>
void write_members(std::ostream& out, std::size_t count, std::string_view indent,
                   const Make& make) {
  if (count == 0) {
    out << "[]";
    return;
  }
  out << '[';
  for (std::size_t i = 0; i < count; ++i) {
    out << (i == 0 ? "\n" : ",\n");
    const std::string item = make(i);
    std::size_t start = 0;
    while (start < item.size()) {
      const std::size_t end = std::min(item.find('\n', start), item.size());
      out << indent;
      out.write(item.data() + start, static_cast<std::streamsize>(end - start));
      if (end < item.size()) {
        out << '\n';
      }
      start = end + 1;
    }
  }
  out << '\n' << indent.substr(2) << ']';
}

void write_scan(std::ostream& out, const ScanReport& report) {
  const ReportScan& scan = report.scan;
  const std::vector<Finding>& findings = report.findings;
  // A first pass: the scan warnings, written before the findings, must know whether any
  // finding text will be replaced.
  Utf8Sanitizer clean;
  for (const auto& finding : findings) {
    if (!clean.replaced() && holds_invalid_utf8(finding)) {
      clean.text("\xFF"); // the verdict, carried into the writing pass
    }
  }
  // Findings that count: the suppressed ones are in "findings", marked, and counted apart.
  Json summary = Json::object();
  summary["error"] = report.active_count(Severity::error);
  summary["warning"] = report.active_count(Severity::warning);
  summary["info"] = report.active_count(Severity::info);
  summary["suppressed"] = report.triage.suppressed_count();

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
  Json not_run = Json::array();
  for (const auto& [id, why] : info.rules_not_run) {
    not_run.push_back(Json{{"rule", id}, {"reason", clean.text(why)}});
  }
  scan_json["rules_not_run"] = std::move(not_run);
  scan_json["spn_mappings"] = info.spn_mappings_from_directory ? "directory" : "default";

  Json root = Json::object();
  root["schema_version"] = 1;
  root["tool"] = Json{{"name", "spnscan"}, {"version", k_version}};
  root["scan"] = std::move(scan_json);
  root["summary"] = std::move(summary);
  if (report.triage.baseline) {
    root["baseline"] = baseline_json(clean, *report.triage.baseline);
  }
  if (report.triage.allow) {
    root["suppressions"] =
        suppressions_json(clean, *report.triage.allow, report.triage.suppressed_count());
  }
  root["plan"] = plan_json(clean, report);
  root["findings"] = Json::array();

  // Every string is valid UTF-8 by now; replace is a second line of defence, never a throw.
  const auto dump = [](const Json& value) {
    return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  // The head ends in the two arrays that can be large, empty; they are written one member at a
  // time instead, so memory follows the largest member, not the report.
  const std::string head = dump(root);
  constexpr std::string_view k_tail = "[]\n  },\n  \"findings\": []\n}";
  if (!std::string_view(head).ends_with(k_tail)) {
    throw std::logic_error("json_writer: the report's head does not end in its two arrays");
  }
  out.write(head.data(), static_cast<std::streamsize>(head.size() - k_tail.size()));
  write_members(out, report.plan.accounts.size(), "      ",
                [&](std::size_t a) { return dump(plan_account_json(clean, report, a)); });
  out << "\n  },\n  \"findings\": ";
  write_members(out, findings.size(), "    ",
                [&](std::size_t i) { return dump(finding_json(clean, report, i)); });
  out << "\n}\n";
}

std::string utf8(std::string_view text) {
  bool replaced = false;
  return to_valid_utf8(text, replaced);
}

// The same members as in a scan report; invalid UTF-8 replaced as utf8() does.
Json account_json(const AccountRef& a) {
  Utf8Sanitizer clean;
  return clean.account(a);
}

class JsonWriter : public Writer {
public:
  void scan(std::ostream& out, const ScanReport& report) override { write_scan(out, report); }

  void rules(std::ostream& out, const std::vector<const Rule*>& rules) override {
    Json items = Json::array();
    for (const Rule* r : rules) {
      items.push_back(Json{{"id", std::string(r->id)},
                           {"severity", std::string(to_string(r->severity))},
                           {"title", std::string(r->title)},
                           {"explanation", std::string(r->explanation)}});
    }
    out << Json{{"schema_version", 1}, {"rules", items}}.dump(2) << "\n";
  }

  void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                const std::string& note) override {
    Json items = Json::array();
    for (const auto& r : rows) {
      Json item{{"spn", utf8(r.spn)}, {"account", account_json(r.account)}};
      if (r.on_machine) {
        item["on_machine_account"] = *r.on_machine;
      }
      items.push_back(std::move(item));
    }
    Json doc{{"schema_version", 1}, {"spns", items}};
    if (!note.empty()) {
      doc["notes"] = utf8(note);
    }
    out << doc.dump(2) << "\n";
  }

  void check(std::ostream& out, const CheckAnswer& answer) override {
    Json items = Json::array();
    for (const auto& c : answer.conflicts) {
      items.push_back(Json{{"kind", c.kind},
                           {"existing_spn", utf8(c.existing_spn)},
                           {"holder", account_json(c.holder)}});
    }
    out << Json{{"schema_version", 1},
                {"spn", utf8(answer.spn)},
                {"account", utf8(answer.account)},
                {"conflict", !answer.conflicts.empty()},
                {"conflicts", items}}
               .dump(2)
        << "\n";
  }
};

} // namespace

std::unique_ptr<Writer> make_json_writer(const WriterOptions&) {
  return std::make_unique<JsonWriter>();
}

} // namespace spnscan
