// spn-host-mismatch: an SPN on machine account A naming the host of another machine account B.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule spn_host_mismatch;

namespace {

void check(const RuleContext& ctx, const SpnSite& site, Sink& sink) {
  if (!site.canon.parsed || !is_machine(site.account.kind)) {
    return;
  }
  const Spn& spn = *site.canon.parsed;
  if (answers_to(site.account, spn.host)) {
    return; // its own name, also one added with netdom computername /add
  }
  for (auto other : ctx.machines_named(spn.host)) {
    if (other == site.account.index) {
      continue;
    }
    Finding f = ctx.make(spn_host_mismatch, site.value, site.account.index);
    f.related.push_back(ctx.ref(other));
    f.removals = {Removal{f.account, {std::string(site.value)}}};
    ctx.emit(sink, std::move(f), {site.account.index, other});
  }
}

std::string word(const Finding& f, const Words& w) {
  const Spn spn = parse_spn(f.spn).value();
  const std::string mine = w.name(f.account);
  const std::string theirs = w.name(f.related.front());
  return fmt::format(
      "{} is registered on {}, but its host {} is another machine account, {}. Clients "
      "connecting to {} get tickets encrypted for {}'s key, which {} cannot decrypt "
      "(KRB_AP_ERR_MODIFIED). Remove the value from {} (and register it on {} if that "
      "machine runs the service).",
      w.value(f.spn), w.account(f.account), w.text(spn.host), w.account(f.related.front()),
      w.text(spn.host), mine, theirs, mine, theirs);
}

} // namespace

extern const Rule spn_host_mismatch = {
    .id = "spn-host-mismatch",
    .severity = Severity::warning,
    .title = "an SPN on machine account A naming the host of another machine account B",
    .explanation =
        "When computer A holds HTTP/web01 while web01 is computer B (by dNSHostName, by "
        "sAMAccountName without the $, or by a name added with netdom computername /add: "
        "msDS-AdditionalDnsHostName, msDS-AdditionalSamAccountName), clients that connect to web01 "
        "get tickets encrypted for "
        "A's key, which B cannot decrypt (KRB_AP_ERR_MODIFIED). This is left behind by renamed "
        "or rebuilt servers and by SPNs registered from the wrong machine. Cluster and "
        "load-balanced names that are not themselves computer accounts are not reported. Fix: "
        "remove the value from A (and register it on B if B runs the service).",
    .pass = Pass::per_spn,
    .check_spn = check,
    .word = word,
};

} // namespace spnscan::rules
