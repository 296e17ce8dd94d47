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
  out.fix = build_removal(finding.removals, finding.aftercare);
  for (const auto& choice : finding.choices) {
    out.choices.push_back(
        {hint_text(choice.hint), build_removal(choice.removals, finding.aftercare)});
  }
  return out;
}

} // namespace spnscan
