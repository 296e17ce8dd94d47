// The Markdown format: for a ticket or a wiki page (CommonMark with GitHub's tables). The summary
// and the action plan are tables; commands are fenced code blocks that can be copied as they
// are. Directory strings are escaped for the reader first (escape_for_display), then for
// Markdown: no character from the directory can start a link, an image, raw HTML or a table cell.

#include "spnscan/report/markdown_writer.hpp"

#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/util/text.hpp"
#include "spnscan/version.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace spnscan {

std::string markdown_text(std::string_view text) {
  const std::string shown = escape_for_display(text);
  std::string out;
  out.reserve(shown.size());
  for (const char c : shown) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '|':
      out += "\\|";
      break;
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '#':
    case '~':
    case '!':
      out += '\\';
      out += c;
      break;
    default:
      out += c;
    }
  }
  return out;
}

namespace {

// The longest run of backticks in text: a code span or fence around it must be longer.
std::size_t longest_backtick_run(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

} // namespace

std::string markdown_code(std::string_view text) {
  const std::string shown = escape_for_display(text);
  const std::size_t longest = longest_backtick_run(shown);
  std::string escaped; // '|' would still end a table cell
  for (const char c : shown) {
    if (c == '|') {
      escaped += '\\';
    }
    escaped += c;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = escaped.empty() || escaped.front() == '`' || escaped.back() == '`';
  return fence + (pad ? " " : "") + escaped + (pad ? " " : "") + fence;
}

std::string markdown_prose(std::string_view markdown) {
  std::string out;
  bool fenced = false;
  std::size_t fence = 0;
  while (!markdown.empty()) {
    const std::size_t end = markdown.find('\n');
    const std::string_view line = markdown.substr(0, end);
    markdown = end == std::string_view::npos ? std::string_view{} : markdown.substr(end + 1);
    const std::size_t ticks = line.find_first_not_of('`');
    const std::size_t run = ticks == std::string_view::npos ? line.size() : ticks;
    if (run >= 3 && (!fenced || (run >= fence && ticks == std::string_view::npos))) {
      fenced = !fenced;
      fence = run;
      continue;
    }
    if (fenced) {
      continue;
    }
    // Code spans: a run of n backticks up to the next run of exactly n.
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        out.append(line.substr(i, 2)); // an escaped character, a backtick included, is text
        i += 2;
        continue;
      }
      if (line[i] != '`') {
        out += line[i++];
        continue;
      }
      std::size_t n = 0;
      while (i + n < line.size() && line[i + n] == '`') {
        ++n;
      }
      std::size_t close = i + n;
      for (;;) {
        close = line.find(std::string(n, '`'), close);
        if (close == std::string_view::npos) {
          break;
        }
        std::size_t m = 0;
        while (close + m < line.size() && line[close + m] == '`') {
          ++m;
        }
        if (m == n) {
          break;
        }
        close += m;
      }
      if (close == std::string_view::npos) {
        out.append(line.substr(i, n)); // no closing run: literal backticks
        i += n;
      } else {
        i = close + n;
      }
    }
    if (end != std::string_view::npos) {
      out += '\n';
    }
  }
  return out;
}

namespace {

// A fenced block: a fence longer than any run of backticks in the lines.
std::string code_block(const std::vector<std::string>& lines, std::string_view language) {
  std::size_t longest = 2;
  for (const auto& line : lines) {
    longest = std::max(longest, longest_backtick_run(line));
  }
  const std::string fence(longest + 1, '`');
  std::string out = fence + std::string(language) + "\n";
  for (const auto& line : lines) {
    out += escape_for_display(line) + "\n";
  }
  return out + fence + "\n";
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return lines;
}

const char* tag(Severity severity) {
  return severity == Severity::error ? "ERROR" : severity == Severity::warning ? "WARNING" : "INFO";
}

class MarkdownWriter : public Writer {
public:
  explicit MarkdownWriter(const WriterOptions& options) : m_details(options.details) {}

  void scan(std::ostream& out, const ScanReport& report) override {
    m_out = &out;
    header(report);
    summary(report);
    plan(report);
    findings(report);
    resolved(report);
    suppressed(report);
    put(fmt::format("---\n\n{}\n", markdown_text(render_counts(report))));
    if (!report.scan.info.complete) {
      put(fmt::format("**SCAN INCOMPLETE:** this report must not be taken as clean ({}).\n",
                      markdown_text(report.scan.info.incomplete_reason)));
    }
  }

  void rules(std::ostream& out, const std::vector<const Rule*>& rules) override {
    out << "| Rule | Severity | What it finds |\n|---|---|---|\n";
    for (const Rule* r : rules) {
      out << "| " << markdown_code(r->id) << " | " << to_string(r->severity) << " | "
          << markdown_text(r->title) << " |\n";
    }
    for (const Rule* r : rules) {
      out << "\n## " << markdown_text(r->id) << "\n\n" << markdown_text(r->explanation) << "\n";
    }
  }

  void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                const std::string& note) override {
    out << "| SPN | Account | DN | Kind |\n|---|---|---|---|\n";
    for (const auto& r : rows) {
      out << "| " << markdown_code(show_value(r.spn, k_shown_value_max)) << " | "
          << markdown_text(r.account.sam_account_name) << " | " << markdown_text(r.account.dn)
          << " | " << to_string(r.account.kind)
          << (r.on_machine == false ? " (not the machine's own account)" : "") << " |\n";
    }
    if (!note.empty()) {
      for (const auto& line : lines_of(note)) {
        out << "\n" << markdown_text(line) << "\n";
      }
    }
  }

  void check(std::ostream& out, const CheckAnswer& answer) override {
    const std::string spn = markdown_code(answer.spn);
    const std::string account = markdown_text(answer.account);
    if (answer.conflicts.empty()) {
      out << "No conflict: adding " << spn << " to " << account
          << " would create neither a duplicate nor an alias collision. (spnscan changed "
             "nothing.)\n";
      return;
    }
    out << "Adding " << spn << " to " << account
        << " would conflict (spnscan changed nothing):\n\n| Conflict | Existing SPN | Holder "
           "|\n|---|---|---|\n";
    for (const auto& c : answer.conflicts) {
      out << "| " << markdown_text(c.kind) << " | " << markdown_code(c.existing_spn) << " | "
          << markdown_text(c.holder.dn) << " |\n";
    }
  }

private:
  void put(const std::string& text) { *m_out << text; }

  void header(const ScanReport& report) {
    const ScanInfo& info = report.scan.info;
    put(fmt::format("# spnscan {}: SPN conflict report\n\n| | |\n|---|---|\n", k_version));
    std::string sources;
    for (const auto& source : info.sources) {
      sources += (sources.empty() ? "" : ", ") + markdown_text(source);
    }
    put(fmt::format("| Sources | {} |\n", sources.empty() ? std::string("(none)") : sources));
    put(fmt::format("| Read | {} accounts holding SPNs, {} SPNs |\n", report.scan.accounts,
                    report.scan.spns));
    put(fmt::format("| Started | {}, took {} ms |\n", format_rfc3339_utc(info.started_at),
                    info.duration_ms));
    put(fmt::format("| SPN aliases | {} |\n", info.spn_mappings_from_directory
                                                  ? "sPNMappings read from the directory"
                                                  : "default sPNMappings (not read)"));
    put(fmt::format("| Scan | {} |\n",
                    info.complete ? std::string("complete")
                                  : "**INCOMPLETE**: " + markdown_text(info.incomplete_reason)));
    if (report.triage.baseline) {
      put(fmt::format("| Baseline | {} |\n",
                      markdown_text(render_baseline(*report.triage.baseline))));
    }
    if (report.triage.allow) {
      put(fmt::format(
          "| Allow list | {} |\n",
          markdown_text(render_allow(*report.triage.allow, report.triage.suppressed_count()))));
    }
    put("\n");
    for (const auto& warning : info.warnings) {
      put(fmt::format("> **Warning:** {}\n\n", markdown_text(warning)));
    }
    if (!info.complete) {
      put("> **SCAN INCOMPLETE.** Part of the directory was not read, so findings may be "
          "missing. Do not take this report as clean.\n\n");
    }
  }

  void summary(const ScanReport& report) {
    put("## Summary\n\n");
    if (report.findings.empty()) {
      put(report.scan.info.complete
              ? "No SPN conflicts found.\n\n"
              : "No SPN conflicts found in the part of the directory that was read.\n\n");
    }
    put(markdown_text(render_counts(report)) + "\n\n");
    const auto counts = count_by_rule(report);
    if (!counts.empty()) {
      const bool with_new = report.triage.baseline.has_value();
      put(with_new ? "| Rule | Error | Warning | Info | New |\n|---|--:|--:|--:|--:|\n"
                   : "| Rule | Error | Warning | Info |\n|---|--:|--:|--:|\n");
      for (const auto& c : counts) {
        put(fmt::format("| {} | {} | {} | {} |{}\n", markdown_code(c.rule),
                        c.by_severity[static_cast<std::size_t>(Severity::error)],
                        c.by_severity[static_cast<std::size_t>(Severity::warning)],
                        c.by_severity[static_cast<std::size_t>(Severity::info)],
                        with_new ? fmt::format(" {} |", c.added) : std::string()));
      }
      put("\n");
    }
  }

  void fix_forms(const Remediation& fix) {
    if (!fix.adsiedit.empty()) {
      put("ADSI Edit:\n\n");
      for (std::size_t i = 0; i < fix.adsiedit.size(); ++i) {
        put(fmt::format("{}. {}\n", i + 1, markdown_text(fix.adsiedit[i])));
      }
      put("\n");
    }
    if (!fix.setspn.empty()) {
      put("setspn (cmd.exe):\n\n" + code_block(fix.setspn, "bat") + "\n");
    }
    if (!fix.powershell.empty()) {
      put("PowerShell:\n\n" + code_block(fix.powershell, "powershell") + "\n");
    }
    if (!fix.ldif.empty()) {
      put("LDIF (`ldapmodify -f FILE`):\n\n" + code_block(lines_of(fix.ldif), "ldif") + "\n");
    }
  }

  void choices(const Finding& finding, const RenderedFinding& words) {
    for (std::size_t i = 0; i < finding.choices.size(); ++i) {
      const Choice& choice = finding.choices[i];
      const std::string& hint = words.choices[i].hint;
      put(fmt::format("**Choice {}:** if {} should keep it{}:\n\n", i + 1,
                      markdown_text(choice.keep.sam_account_name.empty()
                                        ? choice.keep.dn
                                        : choice.keep.sam_account_name),
                      hint.empty() ? std::string() : " (" + markdown_text(hint) + ")"));
      fix_forms(words.choices[i].fix);
    }
  }

  void plan(const ScanReport& report) {
    const Plan& plan = report.plan;
    put("## Action plan\n\n" + markdown_text(render_plan_summary(plan)) + "\n\n");
    if (plan.empty()) {
      return;
    }
    put("spnscan changes nothing: review each step before you apply it.\n\n");
    if (!plan.accounts.empty()) {
      put("| Step | Account | Remove | Why |\n|--:|---|---|---|\n");
      std::vector<RenderedPlanAccount> words;
      for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
        const AccountPlan& account = plan.accounts[step];
        words.push_back(render_plan_account(account, report.findings));
        std::string values;
        std::string notes;
        for (std::size_t v = 0; v < account.values.size(); ++v) {
          values += (v == 0 ? "" : "<br>") +
                    markdown_code(show_value(account.values[v].value, k_shown_value_max));
          notes += (v == 0 ? "" : "<br>") + markdown_text(words.back().notes[v]);
        }
        put(fmt::format("| {} | {} ({}) | {} | {} |\n", step + 1,
                        markdown_text(describe(account.account)), markdown_text(account.account.dn),
                        values, notes));
      }
      put("\n");
      for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
        put(fmt::format("### {}. {}\n\n", step + 1, markdown_text(words[step].headline)));
        put(fmt::format("DN: {}\n\n", markdown_text(plan.accounts[step].account.dn)));
        fix_forms(words[step].fix);
      }
    }
    if (!plan.undecided.empty() || !plan.held_back.empty()) {
      put("### Decide first\n\n");
    }
    for (std::size_t d = 0; d < plan.undecided.size(); ++d) {
      const Finding& finding = report.findings[plan.undecided[d]];
      put(fmt::format("**D{}.** {}\n\n", d + 1, markdown_text(render_undecided(finding))));
      choices(finding, render(finding));
    }
    for (const auto& held : plan.held_back) {
      put("- " + markdown_text(render_held_back(held, report.findings)) + "\n");
    }
    if (!plan.held_back.empty()) {
      put("\n");
    }
  }

  void findings(const ScanReport& report) {
    if (report.active_count() == 0) {
      return;
    }
    put("## Findings\n\n");
    const PlanRefs refs = plan_refs(report.plan, report.findings.size());
    for (const Severity severity : {Severity::error, Severity::warning, Severity::info}) {
      for (std::size_t i = 0; i < report.findings.size(); ++i) {
        const Finding& f = report.findings[i];
        if (f.severity != severity || report.triage.suppressed(i)) {
          continue;
        }
        finding(report, i, refs);
      }
    }
  }

  void finding(const ScanReport& report, std::size_t i, const PlanRefs& refs) {
    const Finding& f = report.findings[i];
    const RenderedFinding words = render(f);
    std::string label;
    if (report.triage.baseline) {
      label = report.triage.added(i) ? " (new)" : " (unchanged)";
    }
    put(fmt::format("### {} {}: {}{}\n\n", tag(f.severity), markdown_text(f.rule_id()),
                    markdown_code(show_value(f.spn, k_shown_value_max)), label));
    put(fmt::format("- Account: {} ({})\n", markdown_text(describe(f.account)),
                    markdown_text(f.account.dn)));
    const std::string ref = render_plan_ref(refs, i);
    if (!ref.empty()) {
      put(fmt::format("- Fix: {}\n", ref));
    }
    if (m_details) {
      put(fmt::format("- Id: {}\n", markdown_code(f.id)));
      for (const auto& related : f.related) {
        put(fmt::format("- Related: {} ({})\n", markdown_text(describe(related)),
                        markdown_text(related.dn)));
      }
      if (f.keeper) {
        put(fmt::format("- Keep on: {} ({})\n", markdown_text(f.keeper->account.dn),
                        markdown_text(words.keep_reason)));
      }
    }
    put("\n" + markdown_text(words.message) + "\n\n");
    // Not an SPN value the plan removes (a delegation target, a setting, a password): the fix
    // is only here, so it is shown without --details too.
    if (m_details || (ref.empty() && f.choices.empty())) {
      if (!f.choices.empty()) {
        choices(f, words);
      } else {
        fix_forms(words.fix);
      }
    }
  }

  void resolved(const ScanReport& report) {
    const auto& baseline = report.triage.baseline;
    if (!baseline || baseline->resolved.empty()) {
      return;
    }
    put(fmt::format("## Resolved since the baseline ({})\n\n| Rule | SPN | Account |\n"
                    "|---|---|---|\n",
                    baseline->resolved.size()));
    for (const auto& f : baseline->resolved) {
      put(fmt::format("| {} | {} | {} |\n", markdown_text(f.rule),
                      markdown_code(show_value(f.spn, k_shown_value_max)),
                      markdown_text(f.account_name.empty() ? f.account_dn : f.account_name)));
    }
    put("\n");
  }

  void suppressed(const ScanReport& report) {
    const auto rows = suppressed_findings(report);
    if (!rows.empty()) {
      put(fmt::format("## Suppressed by the allow list ({})\n\n| Rule | SPN | Account | Accepted "
                      "risk |\n|---|---|---|---|\n",
                      rows.size()));
      for (const auto& row : rows) {
        const Finding& f = report.findings[row.index];
        put(fmt::format("| {} | {} | {} | {} |\n", markdown_text(f.rule_id()),
                        markdown_code(show_value(f.spn, k_shown_value_max)),
                        markdown_text(describe(f.account)), markdown_text(row.why)));
      }
      put("\n");
    }
    const auto problems = allow_list_problems(report);
    if (!problems.empty()) {
      put("## Allow list\n\n");
      for (const auto& problem : problems) {
        put("- " + markdown_text(problem) + "\n");
      }
      put("\n");
    }
  }

  std::ostream* m_out = nullptr;
  bool m_details;
};

} // namespace

std::unique_ptr<Writer> make_markdown_writer(const WriterOptions& options) {
  return std::make_unique<MarkdownWriter>(options);
}

} // namespace spnscan
