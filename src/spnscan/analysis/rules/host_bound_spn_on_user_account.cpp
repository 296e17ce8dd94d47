// host-bound-spn-on-user-account: a service class of the machine itself (HOST, cifs, ldap, ...;
// --host-bound-classes) on an account that is not a machine account.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule host_bound_spn_on_user_account;

namespace {

void check(const RuleContext& ctx, const SpnSite& site, Sink& sink) {
  if (!site.canon.parsed || is_machine(site.account.kind) || !ctx.host_bound(site.service_class)) {
    return;
  }
  Finding f = ctx.misplaced_machine_spn(
      host_bound_spn_on_user_account, site,
      {KeepReason::Kind::machine_service, {}, std::string(site.canon.parsed->service_class), 0});
  ctx.emit(sink, std::move(f), {site.account.index});
}

std::string word(const Finding& f, const Words& w) {
  const Spn spn = parse_spn(f.spn).value();
  return fmt::format(
      "{} is registered on {}, but {}/ is a service class of the computer itself (services "
      "running as LocalSystem or NetworkService). On a non-machine account it captures tickets "
      "meant for {}: access to it fails with KRB_AP_ERR_MODIFIED or silently falls back to NTLM.",
      w.value(f.spn), w.account(f.account), w.text(spn.service_class),
      f.related.empty() ? w.text(spn.host) : w.account(f.related.front()));
}

} // namespace

extern const Rule host_bound_spn_on_user_account = {
    .id = "host-bound-spn-on-user-account",
    .severity = Severity::warning,
    .title = "a machine's service class (HOST, cifs, ldap, ...) on a non-machine account",
    .explanation =
        "HOST, RestrictedKrbHost, cifs, ldap, GC, exchangeMDB, exchangeRFR and exchangeAB name "
        "services that run as the computer itself (the list can be changed with "
        "--host-bound-classes). On a user account such an SPN captures tickets meant for the "
        "machine: file shares, RPC, LDAP or Exchange on that host fail with KRB_AP_ERR_MODIFIED "
        "or silently use NTLM. Exchange's alternate service account for a Client Access array "
        "should be a computer account for this reason. Fix: remove the value from the user "
        "account.",
    .pass = Pass::per_spn,
    .check_spn = check,
    .word = word,
};

} // namespace spnscan::rules
