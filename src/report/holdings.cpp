#include "spnscan/report/holdings.hpp"

#include "spnscan/report/escape.hpp"

#include <nlohmann/json.hpp>

namespace spnscan {

namespace {

using Json = nlohmann::ordered_json;

std::string utf8(std::string_view text) {
  bool replaced = false;
  return to_valid_utf8(text, replaced);
}

Json account_json(const AccountRef& a) {
  return Json{{"dn", utf8(a.dn)},
              {"sam_account_name", utf8(a.sam_account_name)},
              {"kind", std::string(to_string(a.kind))},
              {"privileged", a.privileged},
              {"disabled", a.disabled}};
}

void csv_row(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out << (i ? "," : "") << csv_cell(cells[i]);
  }
  out << "\r\n";
}

} // namespace

void write_holdings(std::ostream& out, ReportFormat format, const std::vector<SpnHolding>& rows,
                    const std::string& note) {
  switch (format) {
  case ReportFormat::json: {
    Json items = Json::array();
    for (const auto& r : rows) {
      items.push_back(Json{{"spn", utf8(r.spn)}, {"account", account_json(r.account)}});
    }
    Json doc{{"schema_version", 1}, {"spns", items}};
    if (!note.empty()) {
      doc["notes"] = utf8(note);
    }
    out << doc.dump(2) << "\n";
    return;
  }
  case ReportFormat::csv:
    csv_row(out, {"spn", "account_dn", "account_sam_account_name", "account_kind"});
    for (const auto& r : rows) {
      csv_row(out, {r.spn, r.account.dn, r.account.sam_account_name,
                    std::string(to_string(r.account.kind))});
    }
    return;
  case ReportFormat::text: {
    std::string last_dn;
    for (const auto& r : rows) {
      if (r.account.dn != last_dn) {
        out << escape_for_display(r.account.dn) << "  (" << show_value(r.account.sam_account_name)
            << ", " << to_string(r.account.kind) << ")\n";
        last_dn = r.account.dn;
      }
      out << "    " << show_value(r.spn) << "\n";
    }
    if (!note.empty()) {
      out << escape_for_display_keeping_newlines(note) << "\n";
    }
    return;
  }
  }
}

void write_check(std::ostream& out, ReportFormat format, const std::string& spn,
                 const std::string& account, const std::vector<CheckConflict>& conflicts) {
  switch (format) {
  case ReportFormat::json: {
    Json items = Json::array();
    for (const auto& c : conflicts) {
      items.push_back(Json{{"kind", c.kind},
                           {"existing_spn", utf8(c.existing_spn)},
                           {"holder", account_json(c.holder)}});
    }
    out << Json{{"schema_version", 1},
                {"spn", utf8(spn)},
                {"account", utf8(account)},
                {"conflict", !conflicts.empty()},
                {"conflicts", items}}
                   .dump(2)
        << "\n";
    return;
  }
  case ReportFormat::csv:
    csv_row(out, {"kind", "existing_spn", "holder_dn", "holder_sam_account_name", "holder_kind"});
    for (const auto& c : conflicts) {
      csv_row(out, {c.kind, c.existing_spn, c.holder.dn, c.holder.sam_account_name,
                    std::string(to_string(c.holder.kind))});
    }
    return;
  case ReportFormat::text:
    if (conflicts.empty()) {
      out << "No conflict: adding " << show_value(spn) << " to "
          << escape_for_display(account)
          << " would create neither a duplicate nor an alias collision. (spnscan changed nothing.)\n";
      return;
    }
    out << "Adding " << show_value(spn) << " to " << escape_for_display(account)
        << " would conflict (spnscan changed nothing):\n";
    for (const auto& c : conflicts) {
      out << "  " << c.kind << ": " << show_value(c.existing_spn) << " on "
          << escape_for_display(c.holder.dn) << " (" << escape_for_display(c.holder.sam_account_name)
          << ", " << to_string(c.holder.kind) << ")\n";
    }
    return;
  }
}

void write_rules(std::ostream& out, ReportFormat format, const std::vector<RuleInfo>& rules) {
  switch (format) {
  case ReportFormat::json: {
    Json items = Json::array();
    for (const auto& r : rules) {
      items.push_back(Json{{"id", std::string(r.id)},
                           {"severity", std::string(to_string(r.severity))},
                           {"title", std::string(r.title)},
                           {"explanation", std::string(r.explanation)}});
    }
    out << Json{{"schema_version", 1}, {"rules", items}}.dump(2) << "\n";
    return;
  }
  case ReportFormat::csv:
    csv_row(out, {"id", "severity", "title", "explanation"});
    for (const auto& r : rules) {
      csv_row(out, {std::string(r.id), std::string(to_string(r.severity)), std::string(r.title),
                    std::string(r.explanation)});
    }
    return;
  case ReportFormat::text:
    for (const auto& r : rules) {
      out << r.id << " (" << to_string(r.severity) << "): " << r.title << "\n";
      // Wrap the paragraph at 78 columns, indented.
      std::string line = "   ";
      std::size_t pos = 0;
      const std::string_view text = r.explanation;
      while (pos < text.size()) {
        auto space = text.find(' ', pos);
        if (space == std::string_view::npos) {
          space = text.size();
        }
        const auto word = text.substr(pos, space - pos);
        if (line.size() + 1 + word.size() > 78 && line.size() > 3) {
          out << line << "\n";
          line = "   ";
        }
        line += " ";
        line += word;
        pos = space + 1;
      }
      out << line << "\n\n";
    }
    return;
  }
}

} // namespace spnscan
