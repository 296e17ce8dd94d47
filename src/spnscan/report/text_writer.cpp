// The text format: for a person at a terminal or reading a mail from cron. Word-wrapped at 78
// columns, colour only when asked, every directory string escaped for the terminal (CWE-150),
// commands shown so that they can be copied as they are.

#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/util/text.hpp"
#include "spnscan/version.hpp"

#include <fmt/format.h>

#include <array>

namespace spnscan {

namespace {

constexpr std::size_t k_width = 78;

constexpr const char* k_red = "\x1b[1;31m";
constexpr const char* k_yellow = "\x1b[1;33m";
constexpr const char* k_cyan = "\x1b[36m";
constexpr const char* k_bold = "\x1b[1m";
constexpr const char* k_reset = "\x1b[0m";

// Display width of UTF-8 text in code points (escaped text is valid UTF-8), not counting the
// ANSI colour sequences this writer adds; wide characters count as one, which only makes a line
// wrap a little late.
std::size_t columns(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      const std::size_t end = text.find('m', i);
      if (end != std::string_view::npos) {
        i = end;
        continue;
      }
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// Writes one output of one command; the Writer below makes one per call.
class TextOutput {
public:
  TextOutput(std::ostream& out, bool color) : m_out(out), m_color(color) {}

  // Returns text wrapped in an ANSI colour when colour is on.
  std::string paint(const char* color, std::string_view text) const {
    if (!m_color) {
      return std::string(text);
    }
    return fmt::format("{}{}{}", color, text, k_reset);
  }

  void line(std::string_view text = {}) { m_out << text << '\n'; }

  // Writes text (already safe) word-wrapped at k_width: the first line after first_prefix,
  // the following ones after an indent of the same width or rest_prefix when given.
  void wrapped(std::string_view first_prefix, std::string_view text,
               std::optional<std::string_view> rest_prefix = std::nullopt) {
    const std::string indent =
        rest_prefix ? std::string(*rest_prefix) : std::string(columns(first_prefix), ' ');
    std::string current(first_prefix);
    std::size_t current_columns = columns(first_prefix);
    bool empty = true;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find(' ', pos);
      if (end == std::string_view::npos) {
        end = text.size();
      }
      const std::string_view word = text.substr(pos, end - pos);
      pos = end + 1;
      if (word.empty()) {
        continue;
      }
      const std::size_t word_columns = columns(word);
      if (!empty && current_columns + 1 + word_columns > k_width) {
        line(current);
        current = indent;
        current_columns = columns(indent);
        empty = true;
      }
      if (!empty) {
        current += ' ';
        ++current_columns;
      }
      current += word;
      current_columns += word_columns;
      empty = false;
    }
    line(current);
  }

  // Writes one command or LDIF line that a person may copy, marking it when it had to be escaped.
  void copyable_line(std::string_view indent, std::string_view text) {
    if (text.empty()) {
      line();
      return;
    }
    // spnscan's own commands never hold what a terminal would act on (remediation quotes or
    // hides such values); this is the second line of defence.
    const std::string safe = escape_for_display(text);
    if (safe != text) {
      line(fmt::format("{}{}", indent,
                       paint(k_red, "(holds control or invisible characters, shown escaped; "
                                    "do not run as it is)")));
    }
    m_out << indent << safe << '\n'; // no third copy: a command may be megabytes long
  }

  void header(const ScanReport& report) {
    const ReportScan& scan = report.scan;
    const ScanInfo& info = scan.info;
    line(paint(k_bold, fmt::format("spnscan {}: SPN conflict report", k_version)));
    std::string sources;
    for (const auto& source : info.sources) {
      sources += sources.empty() ? "" : ", ";
      sources += escape_for_display(source);
    }
    wrapped("Sources:      ", sources.empty() ? std::string("(none)") : sources);
    line(fmt::format("Read:         {} {} holding SPNs, {} {}", scan.accounts,
                     scan.accounts == 1 ? "account" : "accounts", scan.spns,
                     scan.spns == 1 ? "SPN" : "SPNs"));
    line(fmt::format("Started:      {}, took {} ms", format_rfc3339_utc(info.started_at),
                     info.duration_ms));
    line(
        fmt::format("SPN aliases:  {}", info.spn_mappings_from_directory
                                            ? "sPNMappings read from the directory"
                                            : "default sPNMappings (not read from the directory)"));
    if (info.complete) {
      line("Scan:         complete");
    } else {
      line(fmt::format("Scan:         {}", paint(k_red, "INCOMPLETE")));
    }
    if (report.triage.baseline) {
      wrapped("Baseline:     ", render_baseline(*report.triage.baseline));
    }
    if (report.triage.allow) {
      wrapped("Allow list:   ",
              render_allow(*report.triage.allow, report.triage.suppressed_count()));
    }
    for (const auto& warning : info.warnings) {
      wrapped("Warning:      ", escape_for_display(warning));
    }
    if (!info.complete) {
      const std::string rule(k_width, '*');
      line();
      line(paint(k_red, rule));
      wrapped(paint(k_red, "*** SCAN INCOMPLETE:") + " ",
              escape_for_display(info.incomplete_reason), "***   ");
      line("*** Part of the directory was not read, so findings may be missing.");
      line("*** Do not take this report as clean.");
      line(paint(k_red, rule));
    }
  }

  void account(std::string_view label, const AccountRef& account) {
    wrapped(label, escape_for_display(account.dn));
    std::string details = account.sam_account_name.empty()
                              ? std::string("no sAMAccountName")
                              : "sAMAccountName " + show_value(account.sam_account_name);
    details += ", ";
    details += to_string(account.kind);
    if (account.privileged) {
      details += ", " + paint(k_bold, "privileged");
    }
    if (account.disabled) {
      details += ", disabled";
    }
    wrapped(std::string(columns(label), ' '), details);
  }

  static const char* color_of(Severity severity) {
    return severity == Severity::error ? k_red : severity == Severity::warning ? k_yellow : k_cyan;
  }

  // The first line of a finding: "[ERROR] rule  SPN  (new)".
  void finding_title(const ScanReport& report, std::size_t index) {
    const Finding& finding = report.findings[index];
    const char* tag = finding.severity == Severity::error     ? "[ERROR]"
                      : finding.severity == Severity::warning ? "[WARNING]"
                                                              : "[INFO]";
    std::string title = show_value(finding.spn, k_shown_value_max);
    if (report.triage.baseline) {
      title += report.triage.added(index) ? "  " + paint(k_bold, "(new)") : "  (unchanged)";
    }
    wrapped(fmt::format("{} {}  ", paint(color_of(finding.severity), tag),
                        escape_for_display(finding.rule_id())),
            title, "  ");
  }

  // A finding as the report lists it by default: what, where, why, and where its fix is.
  void finding_brief(const ScanReport& report, std::size_t index, const PlanRefs& refs) {
    const Finding& finding = report.findings[index];
    finding_title(report, index);
    wrapped("  Account:      ", describe(finding.account));
    const RenderedFinding words = render(finding);
    wrapped("  ", escape_for_display(words.message));
    const std::string ref = render_plan_ref(refs, index);
    if (ref.empty() && finding.choices.empty()) {
      // Not an SPN value the plan removes (a delegation target, a setting, a password): the
      // fix is only here.
      remediation(words.fix);
    }
    if (!ref.empty()) {
      wrapped("  Fix:          ", ref);
    }
    line();
  }

  // A finding in full (--details): ids, DNs, every value, and its own fix.
  void finding_details(const ScanReport& report, std::size_t index, const PlanRefs& refs) {
    const Finding& finding = report.findings[index];
    const RenderedFinding words = render(finding);
    finding_title(report, index);
    line(fmt::format("  Id:           {}", escape_for_display(finding.id)));
    account("  Account:      ", finding.account);
    for (const auto& related : finding.related) {
      account("  Related:      ", related);
    }
    if (finding.spns.size() > 1) {
      constexpr std::size_t k_shown = 20;
      line(fmt::format("  SPNs:         {} values", finding.spns.size()));
      for (std::size_t i = 0; i < finding.spns.size() && i < k_shown; ++i) {
        wrapped("                ", show_value(finding.spns[i], k_shown_value_max));
      }
      if (finding.spns.size() > k_shown) {
        line(fmt::format("                ... and {} more (every one is in the fix below)",
                         finding.spns.size() - k_shown));
      }
    }
    if (!words.message.empty()) {
      wrapped("  ", escape_for_display(words.message));
    }
    for (std::size_t i = 0; i < finding.removals.size(); ++i) {
      wrapped(i == 0 ? "  Remove from:  " : "                ",
              escape_for_display(finding.removals[i].account.dn));
    }
    if (finding.keeper) {
      wrapped("  Keep on:      ", escape_for_display(finding.keeper->account.dn));
      if (!words.keep_reason.empty()) {
        wrapped("  Because:      ", escape_for_display(words.keep_reason));
      }
    }
    const std::string ref = render_plan_ref(refs, index);
    if (!ref.empty()) {
      wrapped("  In the plan:  ", ref);
    }
    if (!finding.choices.empty()) {
      line("  Fix: spnscan cannot decide which holder keeps the SPN. Apply ONE of these");
      line("  choices, never all of them (spnscan changes nothing; review before you apply):");
      choices(finding, words);
    } else {
      remediation(words.fix);
    }
    line();
  }

  void choices(const Finding& finding, const RenderedFinding& words) {
    for (std::size_t i = 0; i < finding.choices.size(); ++i) {
      const Choice& choice = finding.choices[i];
      const std::string& hint = words.choices[i].hint;
      const std::string name =
          choice.keep.sam_account_name.empty() ? choice.keep.dn : choice.keep.sam_account_name;
      wrapped(fmt::format("  Choice {}: ", i + 1),
              fmt::format("if {} should keep it{}:", escape_for_display(name),
                          hint.empty() ? std::string() : " (" + escape_for_display(hint) + ")"));
      fix_forms(words.choices[i].fix);
    }
  }

  void remediation(const Remediation& fix) {
    if (fix.adsiedit.empty() && fix.setspn.empty() && fix.powershell.empty() && fix.ldif.empty()) {
      return;
    }
    line("  Fix (spnscan changes nothing; review each step before you apply it):");
    fix_forms(fix);
  }

  void fix_forms(const Remediation& fix) {
    if (!fix.adsiedit.empty()) {
      line("    ADSI Edit:");
      for (std::size_t i = 0; i < fix.adsiedit.size(); ++i) {
        const std::string number = fmt::format("{}. ", i + 1);
        wrapped("      " + number, escape_for_display(fix.adsiedit[i]),
                std::string(6 + number.size(), ' '));
      }
    }
    if (!fix.setspn.empty()) {
      line("    setspn:");
      for (const auto& command : fix.setspn) {
        copyable_line("      ", command);
      }
    }
    if (!fix.powershell.empty()) {
      line("    PowerShell:");
      for (const auto& command : fix.powershell) {
        copyable_line("      ", command);
      }
    }
    if (!fix.ldif.empty()) {
      line("    LDIF (ldapmodify -f FILE):");
      std::string_view rest = fix.ldif;
      while (!rest.empty()) {
        const std::size_t end = rest.find('\n');
        copyable_line("      ", rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      }
    }
  }

  void section(const std::string& title) {
    line(paint(k_bold, fmt::format("== {} ==", title)));
    line();
  }

  void summary(const ScanReport& report) {
    section("Summary");
    if (report.findings.empty()) {
      line(report.scan.info.complete
               ? "No SPN conflicts found."
               : "No SPN conflicts found in the part of the directory that was read.");
    }
    wrapped("", render_counts(report));
    const auto counts = count_by_rule(report);
    if (!counts.empty()) {
      line();
      const bool with_new = report.triage.baseline.has_value();
      std::size_t width = 4;
      for (const auto& c : counts) {
        width = std::max(width, c.rule.size());
      }
      const auto row = [&](std::string_view rule, const std::string& e, const std::string& w,
                           const std::string& i, const std::string& n) {
        line(fmt::format("  {:<{}}  {:>5}  {:>7}  {:>4}{}", rule, width, e, w, i,
                         with_new ? fmt::format("  {:>3}", n) : std::string()));
      };
      const auto cell = [](std::size_t n) { return n == 0 ? std::string("-") : std::to_string(n); };
      row("Rule", "Error", "Warning", "Info", "New");
      for (const auto& c : counts) {
        row(c.rule, cell(c.by_severity[static_cast<std::size_t>(Severity::error)]),
            cell(c.by_severity[static_cast<std::size_t>(Severity::warning)]),
            cell(c.by_severity[static_cast<std::size_t>(Severity::info)]), cell(c.added));
      }
    }
    line();
    wrapped("Action plan:  ", render_plan_summary(report.plan));
    line();
  }

  void plan(const ScanReport& report) {
    const Plan& plan = report.plan;
    if (plan.empty()) {
      return;
    }
    section("Action plan");
    wrapped("", "spnscan changes nothing: review each step before you apply it. Each account's "
                "values are removed together; every value is named exactly as the account holds "
                "it.");
    line();
    for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
      const AccountPlan& account = plan.accounts[step];
      const RenderedPlanAccount words = render_plan_account(account, report.findings);
      const std::string number = fmt::format("{}. ", step + 1);
      wrapped(paint(color_of(account.severity), number), escape_for_display(words.headline),
              std::string(number.size(), ' '));
      wrapped(std::string(number.size(), ' '), escape_for_display(account.account.dn));
      for (std::size_t v = 0; v < account.values.size(); ++v) {
        wrapped("   - ", show_value(account.values[v].value, k_shown_value_max), "     ");
        wrapped("     ", escape_for_display(words.notes[v]));
      }
      fix_forms(words.fix);
      line();
    }
    if (!plan.undecided.empty() || !plan.held_back.empty()) {
      line(paint(k_bold, "Decide first"));
      line();
    }
    for (std::size_t d = 0; d < plan.undecided.size(); ++d) {
      const Finding& finding = report.findings[plan.undecided[d]];
      const std::string label = fmt::format("D{}. ", d + 1);
      wrapped(label, escape_for_display(render_undecided(finding)), std::string(label.size(), ' '));
      choices(finding, render(finding));
      line();
    }
    for (const auto& held : plan.held_back) {
      wrapped("  - ", escape_for_display(render_held_back(held, report.findings)), "    ");
      line();
    }
  }

  void findings(const ScanReport& report, bool details) {
    const PlanRefs refs = plan_refs(report.plan, report.findings.size());
    constexpr std::array<Severity, 3> order = {Severity::error, Severity::warning, Severity::info};
    constexpr std::array<const char*, 3> titles = {"Errors", "Warnings", "Info"};
    for (std::size_t group = 0; group < order.size(); ++group) {
      const std::size_t count = report.active_count(order[group]);
      if (count == 0) {
        continue;
      }
      section(fmt::format("{} ({})", titles[group], count));
      for (std::size_t i = 0; i < report.findings.size(); ++i) {
        if (report.findings[i].severity != order[group] || report.triage.suppressed(i)) {
          continue;
        }
        if (details) {
          finding_details(report, i, refs);
        } else {
          finding_brief(report, i, refs);
        }
      }
    }
  }

  void resolved(const ScanReport& report) {
    const auto& baseline = report.triage.baseline;
    if (!baseline || baseline->resolved.empty()) {
      return;
    }
    section(fmt::format("Resolved since the baseline ({})", baseline->resolved.size()));
    for (const auto& f : baseline->resolved) {
      wrapped("  ",
              fmt::format(
                  "{}  {}  on {}", escape_for_display(f.rule), show_value(f.spn, k_shown_value_max),
                  escape_for_display(f.account_name.empty() ? f.account_dn : f.account_name)),
              "    ");
    }
    line();
  }

  void suppressed(const ScanReport& report) {
    const auto rows = suppressed_findings(report);
    if (!rows.empty()) {
      section(fmt::format("Suppressed by the allow list ({})", rows.size()));
      for (const auto& row : rows) {
        finding_title(report, row.index);
        wrapped("  Account:      ", describe(report.findings[row.index].account));
        wrapped("  ", escape_for_display(row.why));
        line();
      }
    }
    const auto problems = allow_list_problems(report);
    if (!problems.empty()) {
      section("Allow list");
      for (const auto& problem : problems) {
        wrapped("  - ", problem, "    ");
      }
      line();
    }
  }

  void footer(const ScanReport& report) {
    // Last, so that a reader of only the tail (a cron mail, `tail -1`) still sees it.
    wrapped("", render_counts(report));
    if (!report.scan.info.complete) {
      wrapped(paint(k_red, "SCAN INCOMPLETE:") + " ",
              fmt::format("this report must not be taken as clean ({}).",
                          escape_for_display(report.scan.info.incomplete_reason)),
              "  ");
    }
  }

private:
  std::ostream& m_out;
  bool m_color;
};

// The text writer: one TextOutput per call.
class TextWriter : public Writer {
public:
  explicit TextWriter(const WriterOptions& options)
      : m_color(options.color), m_details(options.details) {}

  void scan(std::ostream& out, const ScanReport& report) override {
    TextOutput text(out, m_color);
    text.header(report);
    text.line();
    text.summary(report);
    text.plan(report);
    text.findings(report, m_details);
    text.resolved(report);
    text.suppressed(report);
    text.footer(report);
  }

  void rules(std::ostream& out, const std::vector<const Rule*>& rules) override {
    TextOutput text(out, false);
    for (const Rule* rule : rules) {
      text.line(fmt::format("{} ({}): {}", rule->id, to_string(rule->severity), rule->title));
      text.wrapped("    ", rule->explanation);
      text.line();
    }
  }

  void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                const std::string& note) override {
    std::string last_dn;
    for (const auto& r : rows) {
      if (r.account.dn != last_dn) {
        out << escape_for_display(r.account.dn) << "  (" << show_value(r.account.sam_account_name)
            << ", " << to_string(r.account.kind) << ")\n";
        last_dn = r.account.dn;
      }
      out << "    " << show_value(r.spn, k_shown_value_max)
          << (r.on_machine == false ? "   <- not on the machine's own account" : "") << "\n";
    }
    if (!note.empty()) {
      out << escape_for_display_keeping_newlines(note) << "\n";
    }
  }

  void check(std::ostream& out, const CheckAnswer& answer) override {
    const std::string spn = show_value(answer.spn, k_shown_value_max);
    const std::string account = escape_for_display(answer.account);
    if (answer.conflicts.empty()) {
      out << "No conflict: adding " << spn << " to " << account
          << " would create neither a duplicate nor an alias collision. (spnscan changed "
             "nothing.)\n";
      return;
    }
    out << "Adding " << spn << " to " << account << " would conflict (spnscan changed nothing):\n";
    for (const auto& c : answer.conflicts) {
      out << "  " << c.kind << ": " << show_value(c.existing_spn, k_shown_value_max) << " on "
          << escape_for_display(c.holder.dn) << " ("
          << escape_for_display(c.holder.sam_account_name) << ", " << to_string(c.holder.kind)
          << ")\n";
    }
  }

private:
  bool m_color;
  bool m_details;
};

} // namespace

std::unique_ptr<Writer> make_text_writer(const WriterOptions& options) {
  return std::make_unique<TextWriter>(options);
}

} // namespace spnscan
