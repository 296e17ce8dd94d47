// smtp-spn-on-non-machine-account: SMTP/ or SMTPSVC/ on an account that is not a machine
// account. The seed of this project: the Hub's SMTP SPNs also on the built-in Administrator
// stopped Unified Messaging from handing voicemail to the Hub (event 1082).

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule smtp_spn_on_non_machine_account;

namespace {

void check(const RuleContext& ctx, const SpnSite& site, Sink& sink) {
  if (!site.canon.parsed || is_machine(site.account.kind) ||
      !is_smtp_class(site.canon.parsed->service_class)) {
    return;
  }
  Finding f = ctx.misplaced_machine_spn(smtp_spn_on_non_machine_account, site,
                                        {KeepReason::Kind::exchange_server, {}, {}, 0});
  f.aftercare = Aftercare::exchange;
  ctx.emit(sink, std::move(f), {site.account.index});
}

std::string word(const Finding& f, const Words& w) {
  return fmt::format(
      "{} is registered on {}, which is not a machine account. SMTP and SMTPSVC SPNs belong "
      "to {}: Exchange's SMTP service runs as the machine. With the value on this account, "
      "Kerberos issues tickets for the wrong key and Exchange servers cannot authenticate each "
      "other: Unified Messaging cannot submit voicemail to the Hub Transport server (event "
      "1082, \"no Hub Transport server available\") and server-to-server mail may stall. "
      "setspn -L on the Exchange server shows nothing wrong because it lists only that "
      "account. Remove the value from {}; never remove it from the machine account.",
      w.value(f.spn), w.account(f.account),
      f.keeper ? w.account(f.keeper->account)
               : std::string("the Exchange server's computer account"),
      w.account(f.account));
}

} // namespace

extern const Rule smtp_spn_on_non_machine_account = {
    .id = "smtp-spn-on-non-machine-account",
    .severity = Severity::error,
    .title = "SMTP/ or SMTPSVC/ SPN on an account that is not a machine account",
    .explanation =
        "Exchange's SMTP service runs as the server's computer account, so SMTP/<server> and "
        "SMTPSVC/<server> belong on that computer account only. When the same values are also on "
        "a user (often the built-in Administrator, after someone ran setspn as the wrong "
        "account), Kerberos hands out tickets for the wrong key and Exchange servers cannot "
        "authenticate each other: Unified Messaging cannot submit voicemail to the Hub Transport "
        "server (event 1082, \"no Hub Transport server available\"). setspn -L on the Hub looks "
        "clean because it lists one account at a time. Fix: remove the values from the "
        "non-machine account, never from the Exchange server's computer account.",
    .pass = Pass::per_spn,
    .check_spn = check,
    .word = word,
};

} // namespace spnscan::rules
