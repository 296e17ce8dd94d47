#include "spnscan/report/render.hpp"

#include "spnscan/analysis/rule.hpp"
#include "spnscan/util/text.hpp"

#include <fmt/format.h>

namespace spnscan {

namespace {

// Plain words, for every format that shows text as it is (text, JSON, CSV); each writer escapes
// what it writes once more for its own medium.
class PlainWords : public Words {
public:
  std::string value(std::string_view value) const override { return prose_value(value); }
  std::string account(const AccountRef& account) const override { return describe(account); }
  std::string name(const AccountRef& account) const override {
    return escape_for_display(account.sam_account_name);
  }
  std::string text(std::string_view text) const override { return escape_for_display(text); }
  std::string keep_reason(const KeepReason& reason, const AccountRef& keeper) const override {
    const std::string host = text(reason.host);
    switch (reason.kind) {
    case KeepReason::Kind::named_computer:
      return fmt::format("{} is the computer that {} names{}", account(keeper), host,
                         reason.service_class.empty()
                             ? std::string()
                             : fmt::format(", and {}/ services run as the computer itself",
                                           text(reason.service_class)));
    case KeepReason::Kind::enabled_named_computer:
      return fmt::format("{} is the enabled one of the {} computers that {} names (the others "
                         "are disabled objects of a rebuilt or retired server)",
                         account(keeper), reason.count, host);
    case KeepReason::Kind::only_ordinary_holder:
      return fmt::format("the other {} privileged, krbtgt or trust {}, which must not run a "
                         "service",
                         reason.count == 2 ? "holder is a" : "holders are",
                         reason.count == 2 ? "account" : "accounts");
    case KeepReason::Kind::exchange_server:
      return fmt::format("{} is the Exchange server that {} names: SMTP/ and SMTPSVC/ belong to "
                         "its computer account",
                         account(keeper), host);
    case KeepReason::Kind::machine_service:
      return fmt::format("{} is the computer that {} names, and {}/ services run as it",
                         account(keeper), host, text(reason.service_class));
    }
    return {};
  }
};

std::string hint_text(Hint hint) {
  switch (hint) {
  case Hint::none:
    return {};
  case Hint::likely_only_enabled:
    return "likely: the only enabled holder";
  case Hint::enabled:
    return "enabled";
  case Hint::disabled:
    return "disabled: no service can log on as it until it is enabled";
  }
  return {};
}

} // namespace

std::string describe(const AccountRef& account) {
  const std::string name = account.sam_account_name.empty() ? account.dn : account.sam_account_name;
  std::string what(to_string(account.kind));
  if (account.rid == k_rid_administrator) {
    what += ", the built-in Administrator (RID 500)";
  } else if (account.privileged) {
    what += ", privileged: adminCount=1";
  }
  if (account.disabled) {
    what += ", disabled";
  }
  return fmt::format("{} ({})", escape_for_display(name), what);
}

RenderedFinding render(const Finding& finding) {
  const PlainWords words;
  RenderedFinding out;
  out.message = finding.rule->word(finding, words);
  if (finding.keeper) {
    out.keep_reason = words.keep_reason(finding.keeper->reason, finding.keeper->account);
  }
  out.fix = build_fix(finding);
  for (const auto& choice : finding.choices) {
    out.choices.push_back(
        {hint_text(choice.hint), build_removal(choice.removals, finding.aftercare)});
  }
  return out;
}

} // namespace spnscan

namespace spnscan {

namespace {

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The rule ids of these findings, each once, in order: "smtp-spn-on-non-machine-account,
// duplicate-spn".
std::string rule_list(const std::vector<std::size_t>& indexes, const std::vector<Finding>& all) {
  std::vector<std::string_view> ids;
  for (auto i : indexes) {
    if (std::find(ids.begin(), ids.end(), all[i].rule_id()) == ids.end()) {
      ids.push_back(all[i].rule_id());
    }
  }
  std::string out;
  for (const auto id : ids) {
    out += (out.empty() ? "" : ", ") + std::string(id);
  }
  return out;
}

} // namespace

RenderedPlanAccount render_plan_account(const AccountPlan& account,
                                        const std::vector<Finding>& findings) {
  RenderedPlanAccount out;
  const std::size_t n = account.values.size();
  std::vector<std::string> homes; // distinct, as described
  std::size_t homed = 0;
  for (const auto& value : account.values) {
    std::vector<std::string> parts;
    if (value.belongs_on) {
      ++homed;
      const std::string home = describe(*value.belongs_on);
      if (std::find(homes.begin(), homes.end(), home) == homes.end()) {
        homes.push_back(home);
      }
      parts.push_back("belongs on " + home);
      if (value.orphaned) {
        parts.back() += ", which does not hold it: register it there first (setspn -S), or no "
                        "account serves it after this";
      }
    } else if (value.orphaned) {
      parts.emplace_back("no account holds it after this: if a service uses it, register it on "
                         "the account that service runs as first");
    }
    parts.push_back("asked by " + rule_list(value.findings, findings));
    std::string note;
    for (const auto& part : parts) {
      note += (note.empty() ? "" : "; ") + part;
    }
    out.notes.push_back(std::move(note));
  }
  std::string where;
  if (homed == n && homes.size() == 1) {
    where = fmt::format("; {} on {}", n == 1 ? "it belongs" : "they belong", homes.front());
  } else if (homed > 0) {
    where = fmt::format("; {} of them belong{} on other accounts", homed, homed == 1 ? "s" : "");
  }
  out.headline =
      fmt::format("{}: remove {}{}", describe(account.account),
                  n == 1 ? std::string("this value") : fmt::format("these {} values", n), where);
  out.fix = build_removal(plan_removals(account), account.aftercare);
  return out;
}

std::string render_held_back(const HeldBack& held, const std::vector<Finding>& findings) {
  const Finding& keeper = findings[held.kept_by];
  const PlainWords words;
  return fmt::format(
      "{} on {}: {} asks to remove it, but {} keeps the SPN on this account ({}). spnscan "
      "leaves it out of the plan: decide which rule is right here before you remove it.",
      prose_value(held.value), describe(held.account), findings[held.asked_by].rule_id(),
      keeper.rule_id(), words.keep_reason(keeper.keeper->reason, keeper.keeper->account));
}

std::string render_undecided(const Finding& finding) {
  std::string holders = describe(finding.account);
  for (std::size_t i = 0; i < finding.related.size(); ++i) {
    holders += (i + 1 == finding.related.size() ? " and " : ", ") + describe(finding.related[i]);
  }
  return fmt::format("{} is held by {}, and spnscan cannot tell which of them should keep it "
                     "({}). Apply ONE of these choices, never all of them:",
                     prose_value(finding.spn), holders, finding.rule_id());
}

std::string render_counts(const ScanReport& report) {
  const std::size_t errors = report.active_count(Severity::error);
  const std::size_t warnings = report.active_count(Severity::warning);
  const std::size_t infos = report.active_count(Severity::info);
  std::string text = fmt::format(
      "{}: {}, {}, {} info", plural(report.active_count(), "finding", "findings"),
      plural(errors, "error", "errors"), plural(warnings, "warning", "warnings"), infos);
  if (const std::size_t suppressed = report.triage.suppressed_count(); suppressed > 0) {
    text += fmt::format(", and {} suppressed by the allow list", suppressed);
  }
  if (const auto& baseline = report.triage.baseline) {
    std::size_t added = 0;
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
      added += static_cast<std::size_t>(report.triage.added(i) && !report.triage.suppressed(i));
    }
    text += fmt::format("; {} new since the baseline", added);
    if (baseline->resolved_known) {
      text += fmt::format(", {} resolved", baseline->resolved.size());
    }
  }
  return text;
}

std::vector<RuleCount> count_by_rule(const ScanReport& report) {
  std::vector<RuleCount> counts;
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    if (report.triage.suppressed(i)) {
      continue;
    }
    const Finding& f = report.findings[i];
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const RuleCount& c) { return c.rule == f.rule_id(); });
    if (it == counts.end()) {
      it = counts.insert(counts.end(), RuleCount{std::string(f.rule_id())});
    }
    ++it->by_severity[static_cast<std::size_t>(f.severity)];
    it->added += static_cast<std::size_t>(report.triage.added(i));
  }
  return counts;
}

std::string render_plan_summary(const Plan& plan) {
  if (plan.empty()) {
    return "Nothing to remove.";
  }
  std::string text;
  if (!plan.accounts.empty()) {
    text = fmt::format("Remove {} from {}", plural(plan.value_count(), "value", "values"),
                       plural(plan.accounts.size(), "account", "accounts"));
  }
  const std::size_t decisions = plan.undecided.size() + plan.held_back.size();
  if (decisions > 0) {
    text += fmt::format("{}{} {} a decision first", text.empty() ? "" : "; ",
                        plural(decisions, "SPN", "SPNs"), decisions == 1 ? "needs" : "need");
  }
  return text + ".";
}

std::string render_baseline(const BaselineResult& baseline) {
  std::string text = escape_for_display(baseline.file);
  if (!baseline.started_at.empty()) {
    text += fmt::format(" (scan of {})", escape_for_display(baseline.started_at));
  }
  text += fmt::format(": {} new, {} unchanged, ", baseline.added, baseline.unchanged);
  text += baseline.resolved_known
              ? fmt::format("{} resolved", baseline.resolved.size())
              : std::string("resolved not judged (this scan is incomplete: a finding it does not "
                            "show may only be unread)");
  if (baseline.not_checked > 0) {
    text += fmt::format("; {} of its findings belong to rules disabled in this run and are not "
                        "checked",
                        baseline.not_checked);
  }
  if (!baseline.baseline_complete) {
    text += "; the baseline's own scan was incomplete, so some findings it missed count as new";
  }
  return text;
}

std::string render_allow(const AllowResult& allow, std::size_t suppressed) {
  std::size_t active = 0;
  std::size_t expired = 0;
  std::size_t stale = 0;
  for (const auto& entry : allow.entries) {
    active += static_cast<std::size_t>(!entry.expired && entry.matched > 0);
    expired += static_cast<std::size_t>(entry.expired);
    stale += static_cast<std::size_t>(entry.stale && !entry.expired);
  }
  std::string text =
      fmt::format("{}: {} suppressed by {}", escape_for_display(allow.list.file),
                  plural(suppressed, "finding", "findings"), plural(active, "entry", "entries"));
  if (expired > 0 || stale > 0) {
    text += fmt::format("; {} expired, {} stale", expired, stale);
  }
  return text;
}

std::string render_allow_entry_problem(const AllowEntry& entry, const AllowEntryResult& result) {
  if (result.expired) {
    return fmt::format("{}: expired on {}: it no longer suppresses ({} now reported)",
                       escape_for_display(entry.where), format_date(*entry.expires),
                       plural(result.matched, "finding", "findings"));
  }
  if (result.stale) {
    return fmt::format("{}: matches no finding (stale): the risk it accepted is gone, remove "
                       "the line",
                       escape_for_display(entry.where));
  }
  return {};
}

std::string render_suppression(const AllowEntry& entry) {
  return fmt::format("accepted risk ({}{}): {}", escape_for_display(entry.where),
                     entry.expires ? ", until " + format_date(*entry.expires) : std::string(),
                     escape_for_display(entry.reason));
}

std::vector<SuppressedFinding> suppressed_findings(const ScanReport& report) {
  std::vector<SuppressedFinding> out;
  if (!report.triage.allow) {
    return out;
  }
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    if (report.triage.suppressed(i)) {
      out.push_back(
          {i, render_suppression(
                  report.triage.allow->list.entries[*report.triage.findings[i].suppressed_by])});
    }
  }
  return out;
}

std::vector<std::string> allow_list_problems(const ScanReport& report) {
  std::vector<std::string> out;
  if (!report.triage.allow) {
    return out;
  }
  const AllowResult& allow = *report.triage.allow;
  for (std::size_t e = 0; e < allow.entries.size(); ++e) {
    std::string problem = render_allow_entry_problem(allow.list.entries[e], allow.entries[e]);
    if (!problem.empty()) {
      out.push_back(std::move(problem));
    }
  }
  return out;
}

PlanRefs plan_refs(const Plan& plan, std::size_t finding_count) {
  PlanRefs refs;
  refs.steps.resize(finding_count);
  refs.decision.assign(finding_count, 0);
  for (std::size_t step = 0; step < plan.accounts.size(); ++step) {
    for (const auto& value : plan.accounts[step].values) {
      for (auto i : value.findings) {
        auto& steps = refs.steps[i];
        if (std::find(steps.begin(), steps.end(), step + 1) == steps.end()) {
          steps.push_back(step + 1);
        }
      }
    }
  }
  for (std::size_t d = 0; d < plan.undecided.size(); ++d) {
    refs.decision[plan.undecided[d]] = d + 1;
  }
  return refs;
}

std::string render_plan_ref(const PlanRefs& refs, std::size_t finding) {
  if (refs.decision[finding] != 0) {
    return fmt::format("decision {} in the action plan", refs.decision[finding]);
  }
  const auto& steps = refs.steps[finding];
  if (steps.empty()) {
    return {};
  }
  std::string list;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == steps.size() ? " and " : ", ") + std::to_string(steps[i]);
  }
  return fmt::format("action plan step{} {}", steps.size() == 1 ? "" : "s", list);
}

} // namespace spnscan
