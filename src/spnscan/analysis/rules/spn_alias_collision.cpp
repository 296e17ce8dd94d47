// spn-alias-collision: host/X on one account and an sPNMappings alias of host (http/X, cifs/X)
// on another, so two accounts answer to the same name.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace spnscan::rules {

extern const Rule spn_alias_collision;

namespace {

struct Details {
  std::string alias_text;  // the alias SPN as first seen (http/x)
  std::string target_text; // the SPN it collides with (host/x)
  std::vector<AccountRef> alias_holders;
  std::vector<AccountRef> target_holders;
  std::string target_class;   // what sPNMappings maps the alias class to
  bool remove_target = false; // the fix removes the target SPN (the machine holds the alias)
  bool service_level = false; // a web class on a member server: the IIS setup, if intended
  bool on_dc = false;         // the host is a domain controller's
};

// Classes that a service may run as an account of its own (an IIS application pool): for them
// an exact SPN on that account next to HOST/ on the machine is the documented setup. Every
// other class sPNMappings maps to host belongs to a service that runs as the machine.
bool service_level_class(std::string_view service_class) {
  return iequals(service_class, "http") || iequals(service_class, "www") ||
         iequals(service_class, "w3svc");
}

// Samba provisions a user dns-<dc> holding DNS/<dc fqdn> while the DC's machine account holds
// HOST/<dc fqdn>; "dns" is a host alias, but the pair is by design, not a collision.
bool samba_dns_pair(const AccountView& alias_holder, const Spn& alias,
                    const AccountView& host_holder) {
  if (!iequals(alias.service_class, "DNS") || alias_holder.kind != AccountKind::user ||
      !is_machine(host_holder.kind)) {
    return false;
  }
  const std::string host = ascii_lower(without_trailing_dot(alias.host));
  const std::string label = host.substr(0, host.find('.'));
  return iequals(alias_holder.sam_account_name, "dns-" + label) &&
         ascii_lower(without_dollar(host_holder.sam_account_name)) == label;
}

void check(const RuleContext& ctx, Sink& sink) {
  struct Collision {
    std::vector<std::uint32_t> alias_spns;
    std::vector<std::uint32_t> target_spns;
  };
  const Directory& dir = ctx.directory();
  std::map<std::string, Collision> collisions; // canonical alias SPN -> collision
  Canonical alias;
  for (const auto& probe : ctx.alias_probes()) {
    canonicalize(dir.spn(probe.spn), alias);
    const std::string_view target_class =
        *dir.spn_mappings().target_of(alias.parsed->service_class);
    const std::string mapped = std::string(target_class) + alias.key.substr(alias.class_length);
    const std::size_t alias_owner = dir.spn_owner(probe.spn);
    for (const auto target_spn : ctx.spn_index().with_key(probe.target_hash, mapped)) {
      const std::size_t owner = dir.spn_owner(target_spn);
      if (owner == alias_owner ||
          samba_dns_pair(dir.account(alias_owner), *alias.parsed, dir.account(owner))) {
        continue;
      }
      auto& c = collisions[alias.key];
      c.alias_spns.push_back(probe.spn);
      c.target_spns.push_back(target_spn);
    }
  }
  for (auto& [key, c] : collisions) {
    for (auto* list : {&c.alias_spns, &c.target_spns}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    const auto alias_holders = ctx.owners(c.alias_spns);
    const auto target_holders = ctx.owners(c.target_spns);
    std::vector<std::size_t> all = alias_holders;
    all.insert(all.end(), target_holders.begin(), target_holders.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    Details details;
    details.alias_text = dir.spn(c.alias_spns.front());
    details.target_text = dir.spn(c.target_spns.front());
    canonicalize(details.alias_text, alias);
    details.target_class = *dir.spn_mappings().target_of(alias.parsed->service_class);
    // Prefer the machine the host names: keep whichever of the two SPNs it holds.
    std::optional<std::size_t> machine;
    for (auto m : ctx.machines_named(alias.parsed->host)) {
      if (std::find(all.begin(), all.end(), m) != all.end()) {
        machine = m;
        break;
      }
    }
    const auto holds = [](const std::vector<std::size_t>& list, std::size_t a) {
      return std::find(list.begin(), list.end(), a) != list.end();
    };
    details.remove_target =
        machine && holds(alias_holders, *machine) && !holds(target_holders, *machine);
    const auto& side_spns = details.remove_target ? c.target_spns : c.alias_spns;
    std::vector<std::size_t> remove;
    for (auto h : details.remove_target ? target_holders : alias_holders) {
      if (!machine || h != *machine) {
        remove.push_back(h);
      }
    }
    if (remove.empty()) {
      remove = alias_holders;
    }
    std::vector<Removal> removals;
    for (auto h : remove) {
      removals.push_back(ctx.removal_of(h, side_spns));
    }
    Finding f = ctx.make(spn_alias_collision, removals.front().values.front(), remove.front());
    for (auto h : all) {
      if (h != remove.front()) {
        f.related.push_back(ctx.ref(h));
      }
    }
    for (auto h : alias_holders) {
      details.alias_holders.push_back(ctx.ref(h));
    }
    for (auto h : target_holders) {
      details.target_holders.push_back(ctx.ref(h));
    }
    if (machine) {
      f.keeper = Keeper{ctx.ref(*machine),
                        {KeepReason::Kind::named_computer, std::string(alias.parsed->host), {}, 0}};
    }
    for (auto h : all) {
      details.on_dc = details.on_dc || dir.account(h).kind == AccountKind::domain_controller;
    }
    details.service_level = !details.remove_target && !details.on_dc &&
                            service_level_class(alias.parsed->service_class);
    if (details.service_level) {
      f.severity = Severity::warning;
    }
    f.removals = std::move(removals);
    f.details = std::move(details);
    ctx.emit(sink, std::move(f), all);
  }
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  const Spn alias = parse_spn(d.alias_text).value();
  const std::string alias_class = w.text(alias.service_class);
  std::string message = fmt::format(
      "{} on {} and {} on {}: sPNMappings maps {}/ to {}/, so both accounts answer to {}. The "
      "KDC uses an exact SPN before any alias, so tickets for {} are encrypted for {}'s key",
      w.value(d.alias_text), w.accounts(d.alias_holders), w.value(d.target_text),
      w.accounts(d.target_holders), alias_class, d.target_class, w.text(alias.host),
      w.value(d.alias_text), w.accounts(d.alias_holders));
  if (d.service_level) {
    message += fmt::format(
        ". That is the documented IIS setup when the site at {} runs as {} (its application "
        "pool identity): then leave it, and accept the warning or allow-list it. If the site "
        "runs as the machine, clients fail with KRB_AP_ERR_MODIFIED: remove {} from {}.",
        w.text(alias.host), w.accounts(d.alias_holders), w.value(f.spn), w.account(f.account));
    return message;
  }
  message += fmt::format(
      ", but {}/ is a service that runs as the machine{}: Kerberos to it fails or uses the wrong "
      "account's key. Since KB5008382 (CVE-2021-42282) domain controllers refuse to create such "
      "pairs for writers without admin rights. Remove {} from {}",
      alias_class, d.on_dc ? " (and the host is a domain controller's)" : "", w.value(f.spn),
      w.account(f.account));
  if (!d.remove_target) {
    message += fmt::format("; if the service must run as that account, publish it under a "
                           "DNS name of its own and register {}/<that name> there instead.",
                           alias_class);
  } else {
    message += ".";
  }
  return message;
}

} // namespace

extern const Rule spn_alias_collision = {
    .id = "spn-alias-collision",
    .severity = Severity::error,
    .title =
        "host/X on one account and an sPNMappings alias of host (http/X, cifs/X, ...) on another",
    .explanation =
        "The KDC treats host/X as also covering every class that sPNMappings maps to host (http, "
        "cifs, www, rpcss, ... 53 by default), but it uses an exact SPN before any alias. So "
        "CIFS/fs01 on a service user next to HOST/fs01 on FS01$ sends the file server's "
        "tickets to the wrong key: an error, as is any such pair on a domain controller's host "
        "or HOST/ itself on the wrong account. HTTP/web01 (or www/, w3svc/) on an application "
        "pool account next to HOST/web01 on WEB01$ is the documented IIS setup when the site "
        "runs as that account: a warning that says so. Since KB5008382 (CVE-2021-42282) domain "
        "controllers refuse to create such pairs for writers without admin rights, and Samba "
        "checks them too; older ones remain. spnscan reads sPNMappings from the directory when "
        "the input has it, otherwise it uses the Windows default. Fix: remove the alias SPN "
        "from the other account, or publish the service under its own DNS name and register "
        "the SPN for that name.",
    .pass = Pass::directory,
    .check_directory = check,
    .word = word,
};

} // namespace spnscan::rules
