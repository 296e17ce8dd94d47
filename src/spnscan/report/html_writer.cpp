// The HTML format: one self-contained page to mail or to keep on a share. No script, font, image
// or style sheet comes from anywhere (a Content-Security-Policy says so to the browser too); the
// chart is inline SVG. Every string is escaped for HTML after escape_for_display, so a value
// from the directory can neither run nor hide anything.

#include "spnscan/report/html_writer.hpp"

#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/util/text.hpp"
#include "spnscan/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace spnscan {

std::string html_text(std::string_view text) {
  const std::string shown = escape_for_display(text);
  std::string out;
  out.reserve(shown.size() + shown.size() / 8);
  for (const char c : shown) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

namespace {

constexpr const char* k_style = R"(
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;
max-width:72rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .8rem}h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;
padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Consolas,"Liberation Mono",monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.5rem;overflow-x:auto;white-space:pre}
.error{color:#b3261e;font-weight:600}.warning{color:#9a6700;font-weight:600}
.info{color:#0969da;font-weight:600}.new{background:#fff8c5;padding:0 .3rem;border-radius:3px}
.banner{border:2px solid #b3261e;background:#ffebe9;padding:.6rem;margin:1rem 0}
.note{color:#57606a}.finding{border-left:4px solid #d0d7de;padding-left:.8rem;margin:1rem 0}
.finding.error{border-color:#b3261e}.finding.warning{border-color:#d4a72c}
.finding.info{border-color:#0969da}.finding p,.finding li{font-weight:normal;color:#1f2328}
summary{cursor:pointer;color:#0969da}
)";

const char* severity_class(Severity severity) {
  return severity == Severity::error ? "error" : severity == Severity::warning ? "warning" : "info";
}

const char* severity_color(Severity severity) {
  return severity == Severity::error     ? "#b3261e"
         : severity == Severity::warning ? "#d4a72c"
                                         : "#0969da";
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

class HtmlWriter : public Writer {
public:
  explicit HtmlWriter(const WriterOptions& options) : m_details(options.details) {}

  void scan(std::ostream& out, const ScanReport& report) override {
    m_out = &out;
    page_start("spnscan: SPN conflict report");
    put(fmt::format("<h1>spnscan {}: SPN conflict report</h1>\n", k_version));
    header(report);
    summary(report);
    plan(report);
    findings(report);
    resolved(report);
    suppressed(report);
    put(fmt::format("<p><strong>{}</strong></p>\n", html_text(render_counts(report))));
    if (!report.scan.info.complete) {
      put(fmt::format("<p class=\"banner\"><strong>SCAN INCOMPLETE:</strong> this report must "
                      "not be taken as clean ({}).</p>\n",
                      html_text(report.scan.info.incomplete_reason)));
    }
    page_end();
  }

  void rules(std::ostream& out, const std::vector<const Rule*>& rules) override {
    m_out = &out;
    page_start("spnscan rules");
    put("<h1>spnscan rules</h1>\n<table><tr><th>Rule</th><th>Severity</th><th>What it "
        "finds</th></tr>\n");
    for (const Rule* r : rules) {
      put(fmt::format("<tr><td><code>{}</code></td><td class=\"{}\">{}</td><td>{}<p "
                      "class=\"note\">{}</p></td></tr>\n",
                      html_text(r->id), severity_class(r->severity), to_string(r->severity),
                      html_text(r->title), html_text(r->explanation)));
    }
    put("</table>\n");
    page_end();
  }

  void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                const std::string& note) override {
    m_out = &out;
    page_start("spnscan: SPNs");
    put("<table><tr><th>SPN</th><th>Account</th><th>DN</th><th>Kind</th></tr>\n");
    for (const auto& r : rows) {
      put(fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td></tr>\n",
                      html_text(show_value(r.spn, k_shown_value_max)),
                      html_text(r.account.sam_account_name), html_text(r.account.dn),
                      to_string(r.account.kind),
                      r.on_machine == false ? " (not the machine's own account)" : ""));
    }
    put("</table>\n");
    for (const auto& line : lines_of(note)) {
      put("<p>" + html_text(line) + "</p>\n");
    }
    page_end();
  }

  void check(std::ostream& out, const CheckAnswer& answer) override {
    m_out = &out;
    page_start("spnscan check");
    const std::string spn = "<code>" + html_text(answer.spn) + "</code>";
    if (answer.conflicts.empty()) {
      put(fmt::format("<p>No conflict: adding {} to {} would create neither a duplicate nor an "
                      "alias collision. (spnscan changed nothing.)</p>\n",
                      spn, html_text(answer.account)));
    } else {
      put(fmt::format("<p>Adding {} to {} would conflict (spnscan changed nothing):</p>\n<table>"
                      "<tr><th>Conflict</th><th>Existing SPN</th><th>Holder</th></tr>\n",
                      spn, html_text(answer.account)));
      for (const auto& c : answer.conflicts) {
        put(fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                        html_text(c.kind), html_text(c.existing_spn), html_text(c.holder.dn)));
      }
      put("</table>\n");
    }
    page_end();
  }

private:
  void put(const std::string& text) { *m_out << text; }

  void page_start(std::string_view title) {
    put(fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" "
                    "content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
                    "<style>{}</style>\n</head>\n<body>\n",
                    html_text(title), k_style));
  }

  void page_end() { put("</body>\n</html>\n"); }

  void header(const ScanReport& report) {
    const ScanInfo& info = report.scan.info;
    std::string sources;
    for (const auto& source : info.sources) {
      sources += (sources.empty() ? "" : ", ") + html_text(source);
    }
    put("<table>\n");
    const auto row = [&](std::string_view name, const std::string& value) {
      put(fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, value));
    };
    row("Sources", sources.empty() ? std::string("(none)") : sources);
    row("Read",
        fmt::format("{} accounts holding SPNs, {} SPNs", report.scan.accounts, report.scan.spns));
    row("Started",
        fmt::format("{}, took {} ms", format_rfc3339_utc(info.started_at), info.duration_ms));
    row("SPN aliases", info.spn_mappings_from_directory ? "sPNMappings read from the directory"
                                                        : "default sPNMappings (not read)");
    row("Scan", info.complete ? std::string("complete")
                              : "<span class=\"error\">INCOMPLETE</span>: " +
                                    html_text(info.incomplete_reason));
    if (report.triage.baseline) {
      row("Baseline", html_text(render_baseline(*report.triage.baseline)));
    }
    if (report.triage.allow) {
      row("Allow list",
          html_text(render_allow(*report.triage.allow, report.triage.suppressed_count())));
    }
    put("</table>\n");
    for (const auto& warning : info.warnings) {
      put(fmt::format("<p class=\"note\">Warning: {}</p>\n", html_text(warning)));
    }
    if (!info.complete) {
      put("<p class=\"banner\"><strong>SCAN INCOMPLETE.</strong> Part of the directory was not "
          "read, so findings may be missing. Do not take this report as clean.</p>\n");
    }
  }

  // A bar chart of the findings that count: one bar per rule, split by severity.
  void chart(const std::vector<RuleCount>& counts) {
    constexpr int k_label = 270;
    constexpr int k_bars = 330;
    constexpr int k_row = 22;
    std::size_t largest = 1;
    for (const auto& c : counts) {
      largest = std::max(largest, c.by_severity[0] + c.by_severity[1] + c.by_severity[2]);
    }
    const int height = static_cast<int>(counts.size()) * k_row + 26;
    put(fmt::format("<svg width=\"{}\" height=\"{}\" "
                    "role=\"img\" aria-label=\"Findings by rule and severity\" "
                    "font-family=\"sans-serif\" font-size=\"12\">\n",
                    k_label + k_bars + 40, height));
    int y = 4;
    for (const auto& c : counts) {
      put(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", k_label - 6,
                      y + 14, html_text(c.rule)));
      double x = k_label;
      std::size_t total = 0;
      for (const Severity s : {Severity::error, Severity::warning, Severity::info}) {
        const std::size_t n = c.by_severity[static_cast<std::size_t>(s)];
        if (n == 0) {
          continue;
        }
        const double w = static_cast<double>(n) * k_bars / static_cast<double>(largest);
        put(fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"16\" fill=\"{}\">"
                        "<title>{} {}</title></rect>\n",
                        x, y + 2, w, severity_color(s), n, to_string(s)));
        x += w;
        total += n;
      }
      put(fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", x + 4, y + 14, total));
      y += k_row;
    }
    int legend = k_label;
    for (const Severity s : {Severity::error, Severity::warning, Severity::info}) {
      put(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                      "<text x=\"{}\" y=\"{}\">{}</text>\n",
                      legend, y + 6, severity_color(s), legend + 14, y + 15, to_string(s)));
      legend += 80;
    }
    put("</svg>\n");
  }

  void summary(const ScanReport& report) {
    put("<h2>Summary</h2>\n");
    if (report.findings.empty()) {
      put(report.scan.info.complete
              ? "<p>No SPN conflicts found.</p>\n"
              : "<p>No SPN conflicts found in the part of the directory that was read.</p>\n");
    }
    put(fmt::format("<p><strong>{}</strong></p>\n", html_text(render_counts(report))));
    const auto counts = count_by_rule(report);
    if (!counts.empty()) {
      chart(counts);
      const bool with_new = report.triage.baseline.has_value();
      put(fmt::format("<table><tr><th>Rule</th><th>Error</th><th>Warning</th><th>Info</th>{}"
                      "</tr>\n",
                      with_new ? "<th>New</th>" : ""));
      for (const auto& c : counts) {
        put(fmt::format("<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}"
                        "</td><td class=\"n\">{}</td>{}</tr>\n",
                        html_text(c.rule), c.by_severity[2], c.by_severity[1], c.by_severity[0],
                        with_new ? fmt::format("<td class=\"n\">{}</td>", c.added) : ""));
      }
      put("</table>\n");
    }
  }

  void fix_forms(const Remediation& fix) {
    if (!fix.adsiedit.empty()) {
      put("<p>ADSI Edit:</p>\n<ol>\n");
      for (const auto& step : fix.adsiedit) {
        put("<li>" + html_text(step) + "</li>\n");
      }
      put("</ol>\n");
    }
    const auto block = [&](std::string_view title, const std::vector<std::string>& lines) {
      if (lines.empty()) {
        return;
      }
      put(fmt::format("<p>{}:</p>\n<pre>", title));
      for (const auto& line : lines) {
        put(html_text(line) + "\n");
      }
      put("</pre>\n");
    };
    block("setspn (cmd.exe)", fix.setspn);
    block("PowerShell", fix.powershell);
    block("LDIF (ldapmodify -f FILE)", lines_of(fix.ldif));
  }

  void choices(const Finding& finding, const RenderedFinding& words) {
    for (std::size_t i = 0; i < finding.choices.size(); ++i) {
      const Choice& choice = finding.choices[i];
      const std::string& hint = words.choices[i].hint;
      put(fmt::format("<details><summary>Choice {}: if {} should keep it{}</summary>\n", i + 1,
                      html_text(choice.keep.sam_account_name.empty()
                                    ? choice.keep.dn
                                    : choice.keep.sam_account_name),
                      hint.empty() ? std::string() : " (" + html_text(hint) + ")"));
      fix_forms(words.choices[i].fix);
      put("</details>\n");
    }
  }

  void plan(const ScanReport& report) {
    const Plan& plan = report.plan;
    put(fmt::format("<h2>Action plan</h2>\n<p>{}</p>\n", html_text(render_plan_summary(plan))));
    if (plan.empty()) {
      return;
    }
    put("<p class=\"note\">spnscan changes nothing: review each step before you apply "
        "it.</p>\n");
    if (!plan.accounts.empty()) {
      put("<table><tr><th>Step</th><th>Account</th><th>Remove</th><th>Why</th></tr>\n");
      for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
        const AccountPlan& account = plan.accounts[step];
        const RenderedPlanAccount words = render_plan_account(account, report.findings);
        std::string values;
        std::string notes;
        for (std::size_t v = 0; v < account.values.size(); ++v) {
          values += fmt::format("<code>{}</code><br>",
                                html_text(show_value(account.values[v].value, k_shown_value_max)));
          notes += html_text(words.notes[v]) + "<br>";
        }
        put(fmt::format("<tr><td class=\"n\"><a href=\"#step-{0}\">{0}</a></td><td "
                        "class=\"{1}\">{2}<br><span class=\"note\">{3}</span></td><td>{4}</td>"
                        "<td>{5}</td></tr>\n",
                        step + 1, severity_class(account.severity),
                        html_text(describe(account.account)), html_text(account.account.dn), values,
                        notes));
      }
      put("</table>\n");
      for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
        const RenderedPlanAccount words = render_plan_account(plan.accounts[step], report.findings);
        put(fmt::format("<h3 id=\"step-{}\">{}. {}</h3>\n<p class=\"note\">{}</p>\n", step + 1,
                        step + 1, html_text(words.headline),
                        html_text(plan.accounts[step].account.dn)));
        fix_forms(words.fix);
      }
    }
    if (!plan.undecided.empty() || !plan.held_back.empty()) {
      put("<h3>Decide first</h3>\n");
    }
    for (std::size_t d = 0; d < plan.undecided.size(); ++d) {
      const Finding& finding = report.findings[plan.undecided[d]];
      put(fmt::format("<p><strong>D{}.</strong> {}</p>\n", d + 1,
                      html_text(render_undecided(finding))));
      choices(finding, render(finding));
    }
    if (!plan.held_back.empty()) {
      put("<ul>\n");
      for (const auto& held : plan.held_back) {
        put("<li>" + html_text(render_held_back(held, report.findings)) + "</li>\n");
      }
      put("</ul>\n");
    }
  }

  void findings(const ScanReport& report) {
    if (report.active_count() == 0) {
      return;
    }
    put("<h2>Findings</h2>\n");
    const PlanRefs refs = plan_refs(report.plan, report.findings.size());
    for (const Severity severity : {Severity::error, Severity::warning, Severity::info}) {
      for (std::size_t i = 0; i < report.findings.size(); ++i) {
        if (report.findings[i].severity == severity && !report.triage.suppressed(i)) {
          finding(report, i, refs);
        }
      }
    }
  }

  void finding(const ScanReport& report, std::size_t i, const PlanRefs& refs) {
    const Finding& f = report.findings[i];
    const RenderedFinding words = render(f);
    const char* css = severity_class(f.severity);
    std::string label;
    if (report.triage.baseline) {
      label = report.triage.added(i) ? " <span class=\"new\">new</span>"
                                     : " <span class=\"note\">unchanged</span>";
    }
    put(fmt::format("<div class=\"finding {0}\">\n<h3><span class=\"{0}\">{1}</span> {2}: "
                    "<code>{3}</code>{4}</h3>\n",
                    css, to_string(f.severity), html_text(f.rule_id()),
                    html_text(show_value(f.spn, k_shown_value_max)), label));
    put(fmt::format("<p>Account: {} <span class=\"note\">{}</span></p>\n",
                    html_text(describe(f.account)), html_text(f.account.dn)));
    put("<p>" + html_text(words.message) + "</p>\n");
    if (const std::string ref = render_plan_ref(refs, i); !ref.empty()) {
      put(fmt::format("<p>Fix: {}</p>\n", html_text(ref)));
    }
    put(m_details ? "<details open>" : "<details>");
    put("<summary>Details and this finding's own fix</summary>\n<ul>\n");
    put(fmt::format("<li>Id: <code>{}</code></li>\n", html_text(f.id)));
    for (const auto& related : f.related) {
      put(fmt::format("<li>Related: {} <span class=\"note\">{}</span></li>\n",
                      html_text(describe(related)), html_text(related.dn)));
    }
    if (f.keeper) {
      put(fmt::format("<li>Keep on: {}: {}</li>\n", html_text(f.keeper->account.dn),
                      html_text(words.keep_reason)));
    }
    put("</ul>\n");
    if (!f.choices.empty()) {
      choices(f, words);
    } else {
      fix_forms(words.fix);
    }
    put("</details>\n</div>\n");
  }

  void resolved(const ScanReport& report) {
    const auto& baseline = report.triage.baseline;
    if (!baseline || baseline->resolved.empty()) {
      return;
    }
    put(fmt::format("<h2>Resolved since the baseline ({})</h2>\n<table><tr><th>Rule</th>"
                    "<th>SPN</th><th>Account</th></tr>\n",
                    baseline->resolved.size()));
    for (const auto& f : baseline->resolved) {
      put(fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                      html_text(f.rule), html_text(show_value(f.spn, k_shown_value_max)),
                      html_text(f.account_name.empty() ? f.account_dn : f.account_name)));
    }
    put("</table>\n");
  }

  void suppressed(const ScanReport& report) {
    const auto rows = suppressed_findings(report);
    if (!rows.empty()) {
      put(fmt::format("<h2>Suppressed by the allow list ({})</h2>\n<table><tr><th>Rule</th>"
                      "<th>SPN</th><th>Account</th><th>Accepted risk</th></tr>\n",
                      rows.size()));
      for (const auto& row : rows) {
        const Finding& f = report.findings[row.index];
        put(fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                        html_text(f.rule_id()), html_text(show_value(f.spn, k_shown_value_max)),
                        html_text(describe(f.account)), html_text(row.why)));
      }
      put("</table>\n");
    }
    const auto problems = allow_list_problems(report);
    if (!problems.empty()) {
      put("<h2>Allow list</h2>\n<ul>\n");
      for (const auto& problem : problems) {
        put("<li>" + html_text(problem) + "</li>\n");
      }
      put("</ul>\n");
    }
  }

  std::ostream* m_out = nullptr;
  bool m_details;
};

} // namespace

std::unique_ptr<Writer> make_html_writer(const WriterOptions& options) {
  return std::make_unique<HtmlWriter>(options);
}

} // namespace spnscan
