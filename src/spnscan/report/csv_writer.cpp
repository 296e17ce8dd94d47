// The CSV format: RFC 4180, UTF-8, CRLF, a header row, one row per finding (or per SPN, conflict
// or rule for the other commands). Cells are escaped as the text report escapes, and a cell that
// would start a formula is neutralised (CWE-1236). The scan's completeness is not in it: the exit
// status carries it.

#include "spnscan/report/csv_writer.hpp"

#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/util/text.hpp"

namespace spnscan {

std::string csv_cell(std::string_view text) {
  // Controls, bidi overrides and invalid bytes are escaped as the text report does; a cell
  // that then holds a line break got it from the writer (one command per line), not from data.
  std::string value = escape_for_display_keeping_newlines(text);
  if (!value.empty()) {
    const char first = value.front();
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' ||
        first == '\r') {
      value.insert(value.begin(), '\'');
    }
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) {
    return value;
  }
  std::string out;
  out.reserve(value.size() + 2);
  out += '"';
  for (const char c : value) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

namespace {

void csv_row(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out << (i ? "," : "") << csv_cell(cells[i]);
  }
  out << "\r\n";
}

constexpr const char* k_csv_header =
    "id,rule,severity,spn,account_dn,account_sam_account_name,account_kind,account_privileged,"
    "related_dns,remove_from,keep_on,message,setspn,powershell,keep_reason,spns,baseline,"
    "suppressed_by,account_enabled,account_domain_controller";

// Values as CSV shows them: long ones cut (JSON carries them whole).
std::vector<std::string> shown(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    out.push_back(show_value(value, k_shown_value_max));
  }
  return out;
}

std::string join(const std::vector<std::string>& values, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += values[i];
  }
  return out;
}

void write_scan(std::ostream& out, const ScanReport& report) {
  out << k_csv_header << "\r\n";
  for (std::size_t index = 0; index < report.findings.size(); ++index) {
    const Finding& finding = report.findings[index];
    const RenderedFinding words = render(finding);
    std::vector<std::string> remove_from;
    for (const auto& removal : finding.removals) {
      remove_from.push_back(removal.account.dn);
    }
    std::vector<std::string> related_dns;
    related_dns.reserve(finding.related.size());
    for (const auto& account : finding.related) {
      related_dns.push_back(account.dn);
    }
    // An undecided finding has no single fix: its choices go into the command cells, each
    // under a comment line that names it.
    std::vector<std::string> setspn = words.fix.setspn;
    std::vector<std::string> powershell = words.fix.powershell;
    for (std::size_t i = 0; i < finding.choices.size(); ++i) {
      const Choice& choice = finding.choices[i];
      const std::string label = "choice " + std::to_string(i + 1) + " of " +
                                std::to_string(finding.choices.size()) + ", apply only one: if " +
                                choice.keep.dn + " should keep it";
      setspn.push_back("REM " + label);
      const Remediation& fix = words.choices[i].fix;
      setspn.insert(setspn.end(), fix.setspn.begin(), fix.setspn.end());
      powershell.push_back("# " + label);
      powershell.insert(powershell.end(), fix.powershell.begin(), fix.powershell.end());
    }
    const std::string cells[] = {
        finding.id,
        std::string(finding.rule_id()),
        std::string(to_string(finding.severity)),
        show_value(finding.spn, k_shown_value_max),
        finding.account.dn,
        finding.account.sam_account_name,
        std::string(to_string(finding.account.kind)),
        finding.account.privileged ? "true" : "false",
        join(related_dns, "; "),
        join(remove_from, "; "),
        finding.keeper ? finding.keeper->account.dn : std::string(),
        words.message,
        // One command per line inside the quoted cell, so each can be copied as it is.
        join(setspn, "\n"),
        join(powershell, "\n"),
        words.keep_reason,
        join(shown(finding.spns), "\n"),
        // The columns added last: empty without --baseline / when not suppressed.
        !report.triage.baseline      ? std::string()
        : report.triage.added(index) ? std::string("new")
                                     : std::string("unchanged"),
        report.triage.suppressed(index)
            ? render_suppression(
                  report.triage.allow->list.entries[*report.triage.findings[index].suppressed_by])
            : std::string(),
        // Added later still: whether the account can log on, and whether it is a DC.
        finding.account.disabled ? "false" : "true",
        finding.account.domain_controller() ? "true" : "false",
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

class CsvWriter : public Writer {
public:
  void scan(std::ostream& out, const ScanReport& report) override { write_scan(out, report); }

  void rules(std::ostream& out, const std::vector<const Rule*>& rules) override {
    csv_row(out, {"id", "severity", "title", "explanation"});
    for (const Rule* r : rules) {
      csv_row(out, {std::string(r->id), std::string(to_string(r->severity)), std::string(r->title),
                    std::string(r->explanation)});
    }
  }

  void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                const std::string&) override {
    // `host` adds a column saying whether the holder is the machine itself.
    const bool host = !rows.empty() && rows.front().on_machine.has_value();
    std::vector<std::string> header{"spn", "account_dn", "account_sam_account_name",
                                    "account_kind"};
    if (host) {
      header.emplace_back("on_machine_account");
    }
    csv_row(out, header);
    for (const auto& r : rows) {
      std::vector<std::string> row{show_value(r.spn, k_shown_value_max), r.account.dn,
                                   r.account.sam_account_name,
                                   std::string(to_string(r.account.kind))};
      if (host) {
        row.emplace_back(r.on_machine.value_or(false) ? "yes" : "no");
      }
      csv_row(out, row);
    }
  }

  void check(std::ostream& out, const CheckAnswer& answer) override {
    csv_row(out, {"kind", "existing_spn", "holder_dn", "holder_sam_account_name", "holder_kind"});
    for (const auto& c : answer.conflicts) {
      csv_row(out, {c.kind, show_value(c.existing_spn, k_shown_value_max), c.holder.dn,
                    c.holder.sam_account_name, std::string(to_string(c.holder.kind))});
    }
  }
};

} // namespace

std::unique_ptr<Writer> make_csv_writer(const WriterOptions&) {
  return std::make_unique<CsvWriter>();
}

} // namespace spnscan
