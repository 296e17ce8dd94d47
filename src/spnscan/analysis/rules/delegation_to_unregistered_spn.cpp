// delegation-to-unregistered-spn: a constrained delegation target (msDS-AllowedToDelegateTo)
// that no account holds, resolved the way the KDC resolves a service name.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule delegation_to_unregistered_spn;

namespace {

constexpr std::string_view k_attribute = "msDS-AllowedToDelegateTo";

struct Details {
  bool malformed = false;   // the target is not an SPN at all
  std::string alias_target; // the host/ SPN an alias class would fall back to, when it applies
};

// True when an account holds the SPN the KDC would pick for `target`: the exact name (case,
// a trailing dot and the port's spelling aside), else, for a class sPNMappings maps to host,
// host/ on the same host.
bool resolves(const RuleContext& ctx, const Canonical& canon, std::string& alias_target) {
  if (!ctx.spn_index().with_key(fnv1a(canon.key), canon.key).empty()) {
    return true;
  }
  if (!canon.parsed) {
    return false;
  }
  // The key is lower-case already: its first class_length bytes are the class.
  const auto mapped_class = ctx.directory().spn_mappings().target_of(
      std::string_view(canon.key).substr(0, canon.class_length));
  if (!mapped_class) {
    return false;
  }
  const std::string mapped = std::string(*mapped_class) + canon.key.substr(canon.class_length);
  alias_target = mapped;
  return !ctx.spn_index().with_key(fnv1a(mapped), mapped).empty();
}

void check(const RuleContext& ctx, Sink& sink) {
  const Directory& dir = ctx.directory();
  Canonical canon;
  for (std::size_t a = 0; a < dir.account_count(); ++a) {
    const AccountView account = dir.account(a);
    if (account.extra == nullptr) {
      continue;
    }
    for (const std::string_view target : account.extra->delegate_to) {
      canonicalize(target, canon);
      Details details;
      if (resolves(ctx, canon, details.alias_target)) {
        continue;
      }
      details.malformed = !canon.parsed;
      Finding f = ctx.make(delegation_to_unregistered_spn, target, a);
      if (canon.parsed) {
        for (auto machine : ctx.machines_named(canon.parsed->host)) {
          f.related.push_back(ctx.ref(machine));
        }
      }
      f.removals = {Removal{f.account, {std::string(target)}, std::string(k_attribute)}};
      f.details = std::move(details);
      ctx.emit(sink, std::move(f), {a});
    }
  }
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  std::string message = fmt::format(
      "{} may delegate to {} (msDS-AllowedToDelegateTo), but no account holds that SPN{}. "
      "Constrained delegation (S4U2Proxy) to it fails, and whoever registers it later (any user "
      "may create computer accounts, MachineAccountQuota) receives the tickets {} obtains on "
      "behalf of its users.",
      w.account(f.account), w.value(f.spn),
      d.malformed ? " (it is not even a valid SPN)"
      : d.alias_target.empty()
          ? std::string()
          : fmt::format(", nor {}, which the KDC would fall back to", w.value(d.alias_target)),
      w.name(f.account));
  if (!f.related.empty()) {
    message += fmt::format(" Its host is {}: if the service runs there, register the SPN on the "
                           "account the service runs as (setspn -S); otherwise",
                           w.accounts(f.related));
  } else {
    message += " If the service no longer exists or was renamed,";
  }
  message += " remove the value from the account's delegation list.";
  return message;
}

std::string cannot_run(const Directory& directory) {
  if (!directory.facts().covers(Attr::allowed_to_delegate_to)) {
    return "the input does not hold msDS-AllowedToDelegateTo (export it, or scan live without "
           "--forest: the Global Catalog does not hold it)";
  }
  return {};
}

} // namespace

extern const Rule delegation_to_unregistered_spn = {
    .id = "delegation-to-unregistered-spn",
    .severity = Severity::error,
    .title = "a constrained delegation target (msDS-AllowedToDelegateTo) that no account holds",
    .explanation =
        "msDS-AllowedToDelegateTo lists the SPNs an account may obtain tickets for on behalf of "
        "users (constrained delegation, S4U2Proxy). spnscan resolves each value the way the KDC "
        "does: the exact SPN (case, a trailing dot and the port's spelling aside), then, for a "
        "class sPNMappings maps to host, host/ on the same host. A value that no account holds "
        "(a ghost SPN, left behind when a server was renamed or retired) makes delegation to it "
        "fail, and whoever registers that SPN later, for example on a computer account any user "
        "may create, receives the delegated tickets. Tools that resolve delegation targets drop "
        "such values silently. Fix: register the SPN on the account the service runs as, or "
        "remove the value from the delegating account.",
    .pass = Pass::directory,
    .check_directory = check,
    .word = word,
    .cannot_run = cannot_run,
};

} // namespace spnscan::rules
