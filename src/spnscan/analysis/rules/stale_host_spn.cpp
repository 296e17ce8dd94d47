// stale-host-spn: a HOST/ or RestrictedKrbHost/ SPN on a machine account whose host is none of
// that machine's names and no other computer's: left behind by a rename.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule stale_host_spn;

namespace {

// A machine with no dNSHostName still answers to <short name>.<any domain>: only its first
// label can be compared then.
bool first_label_is_own(const AccountView& account, std::string_view host) {
  if (!account.dns_host_name.empty()) {
    return false;
  }
  const std::string_view label = host.substr(0, host.find('.'));
  return label.size() != host.size() && answers_to(account, label);
}

void check(const RuleContext& ctx, const SpnSite& site, Sink& sink) {
  if (!site.canon.parsed ||
      (site.service_class != "host" && site.service_class != "restrictedkrbhost") ||
      (site.account.kind != AccountKind::computer &&
       site.account.kind != AccountKind::domain_controller)) {
    return;
  }
  const std::string_view host = site.canon.parsed->host;
  if (answers_to(site.account, host) || first_label_is_own(site.account, host) ||
      !ctx.machines_named(host).empty()) {
    return; // its own name, or another computer's (spn-host-mismatch reports that)
  }
  Finding f = ctx.make(stale_host_spn, site.value, site.account.index);
  f.removals = {Removal{f.account, {std::string(site.value)}}};
  ctx.emit(sink, std::move(f), {site.account.index});
}

std::string word(const Finding& f, const Words& w) {
  const Spn spn = parse_spn(f.spn).value();
  return fmt::format(
      "{} on {} names the host {}, which is none of this machine's names (dNSHostName, "
      "sAMAccountName without the $, msDS-AdditionalDnsHostName, "
      "msDS-AdditionalSamAccountName) and no other computer's: it is left behind by a rename "
      "(netdom computername or Rename-Computer leave the old SPNs). If {} no longer resolves, "
      "whoever creates its DNS record receives Kerberos tickets for it (CVE-2025-58726). If "
      "{} is an alias that still points to this machine, add it as a name of the machine "
      "(netdom computername {} /add:{}) so the SPN is validated; otherwise remove the value.",
      w.value(f.spn), w.account(f.account), w.text(spn.host), w.text(spn.host), w.text(spn.host),
      w.text(without_dollar(f.account.sam_account_name)),
      // netdom takes the alias as a full DNS name
      spn.host.find('.') == std::string_view::npos ? w.text(spn.host) + ".<DNS domain>"
                                                   : w.text(spn.host));
}

std::string cannot_run(const Directory& directory) {
  const DirectoryFacts& facts = directory.facts();
  if (!facts.covers(Attr::additional_dns_host_name) ||
      !facts.covers(Attr::additional_sam_account_name)) {
    return "the input does not hold msDS-AdditionalDnsHostName and "
           "msDS-AdditionalSamAccountName, so a machine's extra names are not known (export "
           "them, or scan live without --forest: the Global Catalog does not hold them)";
  }
  return {};
}

} // namespace

extern const Rule stale_host_spn = {
    .id = "stale-host-spn",
    .severity = Severity::warning,
    .title = "a HOST/ SPN on a computer naming a host that is none of its names",
    .explanation =
        "A HOST/ or RestrictedKrbHost/ SPN on a computer account whose host is none of the "
        "names the machine answers to (dNSHostName, sAMAccountName without the $, and the "
        "names added with netdom computername /add: msDS-AdditionalDnsHostName, "
        "msDS-AdditionalSamAccountName; the names the validated SPN write accepts) and no other "
        "computer's is left behind by a rename. When that name no longer resolves, whoever "
        "creates its DNS record receives Kerberos tickets for it (a ghost SPN, CVE-2025-58726). "
        "A host that names another computer is spn-host-mismatch instead. Fix: remove the "
        "value, or, when the name is an alias of this machine, add it with netdom computername "
        "/add.",
    .pass = Pass::per_spn,
    .check_spn = check,
    .word = word,
    .cannot_run = cannot_run,
};

} // namespace spnscan::rules
