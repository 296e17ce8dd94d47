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

  void header(const ReportScan& scan) {
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

  void finding(const Finding& finding) {
    const char* color = finding.severity == Severity::error     ? k_red
                        : finding.severity == Severity::warning ? k_yellow
                                                                : k_cyan;
    const char* tag = finding.severity == Severity::error     ? "[ERROR]"
                      : finding.severity == Severity::warning ? "[WARNING]"
                                                              : "[INFO]";
    const RenderedFinding words = render(finding);
    wrapped(fmt::format("{} {}  ", paint(color, tag), escape_for_display(finding.rule_id())),
            show_value(finding.spn, k_shown_value_max), "  ");
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
    if (!finding.choices.empty()) {
      line("  Fix: spnscan cannot decide which holder keeps the SPN. Apply ONE of these");
      line("  choices, never all of them (spnscan changes nothing; review before you apply):");
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
    } else {
      remediation(words.fix);
    }
    line();
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

  void findings(const std::vector<Finding>& all) {
    constexpr std::array<Severity, 3> order = {Severity::error, Severity::warning, Severity::info};
    constexpr std::array<const char*, 3> titles = {"Errors", "Warnings", "Info"};
    for (std::size_t group = 0; group < order.size(); ++group) {
      std::size_t count = 0;
      for (const auto& finding : all) {
        if (finding.severity == order[group]) {
          ++count;
        }
      }
      if (count == 0) {
        continue;
      }
      line(paint(k_bold, fmt::format("== {} ({}) ==", titles[group], count)));
      line();
      for (const auto& finding : all) {
        if (finding.severity == order[group]) {
          this->finding(finding);
        }
      }
    }
  }

  void summary(const ReportScan& scan, const std::vector<Finding>& all) {
    std::size_t errors = 0;
    std::size_t warnings = 0;
    std::size_t infos = 0;
    for (const auto& finding : all) {
      switch (finding.severity) {
      case Severity::error:
        ++errors;
        break;
      case Severity::warning:
        ++warnings;
        break;
      case Severity::info:
        ++infos;
        break;
      }
    }
    if (all.empty()) {
      line(scan.info.complete
               ? "No SPN conflicts found."
               : "No SPN conflicts found in the part of the directory that was read.");
    }
    line(fmt::format("{} {}, {} {}, {} info", errors, errors == 1 ? "error" : "errors", warnings,
                     warnings == 1 ? "warning" : "warnings", infos));
    if (!scan.info.complete) {
      // Last, so that a reader of only the tail (a cron mail, `tail -1`) still sees it.
      wrapped(paint(k_red, "SCAN INCOMPLETE:") + " ",
              fmt::format("this report must not be taken as clean ({}).",
                          escape_for_display(scan.info.incomplete_reason)),
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
  explicit TextWriter(const WriterOptions& options) : m_color(options.color) {}

  void scan(std::ostream& out, const ReportScan& scan,
            const std::vector<Finding>& findings) override {
    TextOutput text(out, m_color);
    text.header(scan);
    text.line();
    text.findings(findings);
    text.summary(scan, findings);
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
      out << "    " << show_value(r.spn, k_shown_value_max) << "\n";
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
};

} // namespace

std::unique_ptr<Writer> make_text_writer(const WriterOptions& options) {
  return std::make_unique<TextWriter>(options);
}

} // namespace spnscan
