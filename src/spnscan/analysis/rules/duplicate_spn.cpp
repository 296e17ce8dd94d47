// duplicate-spn: the same SPN (case-insensitive, the host's trailing dot ignored) on two or
// more accounts. The keeper is decided by RuleContext::decide (keeper.cpp); when it cannot be,
// the finding carries one choice per holder.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace spnscan::rules {

extern const Rule duplicate_spn;
extern const Rule malformed_spn;

namespace {

struct Details {
  std::vector<AccountRef> holders; // every holder, in account order
  std::size_t removed = 0;         // holders the fix removes it from
  std::size_t named_computers = 0; // undecided: computers the host names among the holders
  std::string host;
};

// What else breaks, for service classes whose failure has a well-known face.
std::string impact_of(std::string_view value) {
  const auto parsed = parse_spn(value);
  if (!parsed) {
    return "";
  }
  const Spn* spn = &*parsed;
  if (is_smtp_class(spn->service_class)) {
    return "For Exchange this means the SMTP services of the Unified Messaging and Hub Transport "
           "servers cannot authenticate each other: voicemail is not submitted (event 1082, \"no "
           "Hub Transport server available\"). ";
  }
  if (iequals(spn->service_class, "HTTP")) {
    return "Web sites and services on that name fall back to NTLM or fail Kerberos "
           "(HTTP 401 loops for users, broken constrained delegation). ";
  }
  if (iequals(spn->service_class, "MSSQLSvc")) {
    return "SQL Server clients fall back to NTLM or fail with \"Cannot generate SSPI context\". ";
  }
  return "";
}

void check(const RuleContext& ctx, Sink& sink) {
  Canonical canon;
  const Directory& dir = ctx.directory();
  for (const auto& [first, others] : ctx.spn_index().duplicates()) {
    std::vector<std::uint32_t> spns{first};
    spns.insert(spns.end(), others.begin(), others.end());
    const auto holders = ctx.owners(spns);
    if (holders.size() < 2) {
      continue; // one account holding two spellings of one SPN: the KDC finds it either way
    }
    canonicalize(dir.spn(first), canon);
    if (!canon.parsed && ctx.enabled(malformed_spn)) {
      continue; // malformed-spn removes it from every holder: no holder should keep it
    }
    const bool all_krbtgt = std::all_of(holders.begin(), holders.end(), [&](std::size_t h) {
      return dir.account(h).kind == AccountKind::krbtgt;
    });
    if (all_krbtgt && canon.key == "kadmin/changepw") {
      continue; // every domain's krbtgt holds it: by design
    }
    const Decision decision = ctx.decide(canon, holders);
    std::vector<std::size_t> remove;
    for (auto h : holders) {
      if (!decision.keeper || h != *decision.keeper) {
        remove.push_back(h);
      }
    }
    // The account the fix applies to comes first; the keeper and the rest follow.
    const Removal lead = ctx.removal_of(remove.front(), spns);
    Finding f = ctx.make(duplicate_spn, lead.values.front(), remove.front());
    f.spns.clear();
    for (auto s : spns) {
      const std::string_view value = dir.spn(s);
      if (std::find(f.spns.begin(), f.spns.end(), value) == f.spns.end()) {
        f.spns.emplace_back(value);
      }
    }
    Details details;
    for (auto h : holders) {
      details.holders.push_back(ctx.ref(h));
      if (h != remove.front()) {
        f.related.push_back(ctx.ref(h));
      }
    }
    details.removed = remove.size();
    details.named_computers = decision.named_computers;
    details.host = decision.host;
    f.aftercare = canon.parsed && is_smtp_class(canon.parsed->service_class) ? Aftercare::exchange
                                                                             : Aftercare::generic;
    if (decision.keeper) {
      f.keeper = Keeper{ctx.ref(*decision.keeper), decision.reason};
      for (auto h : remove) {
        f.removals.push_back(ctx.removal_of(h, spns));
      }
    } else {
      f.choices = ctx.choices(decision, holders, spns);
    }
    f.details = std::move(details);
    ctx.emit(sink, std::move(f), holders);
  }
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  std::string message = fmt::format(
      "{} is registered on {} accounts: {}. An SPN must be unique in the forest: the KDC "
      "cannot tell whose key to encrypt the service ticket with, logs System event 11 and "
      "clients fail with KRB_AP_ERR_MODIFIED or fall back to NTLM. {}",
      w.value(f.spn), d.holders.size(), w.accounts(d.holders), impact_of(f.spn));
  if (f.spns.size() > 1) {
    message += "The holders spell it differently (case, a trailing dot or the port), so "
               "each fix names the value as that account holds it. ";
  }
  if (f.keeper) {
    message +=
        fmt::format("Keep it on {}: {}. Remove it from the other{}.", w.account(f.keeper->account),
                    w.keep_reason(f.keeper->reason, f.keeper->account), d.removed > 1 ? "s" : "");
  } else {
    message += fmt::format(
        "spnscan cannot decide which account should keep it ({}): keep it on the one account "
        "the service runs as (its logon account or application pool identity) and remove it "
        "from the others. The fix gives one choice per holder; apply only one of them.",
        d.named_computers > 1
            ? fmt::format("{} computers are named {}", d.named_computers, w.text(d.host))
            : std::string("none of the holders is the computer its host names, and more than "
                          "one could run the service"));
  }
  return message;
}

} // namespace

extern const Rule duplicate_spn = {
    .id = "duplicate-spn",
    .severity = Severity::error,
    .title = "the same SPN on two or more accounts",
    .explanation =
        "An SPN must be unique in the forest (compared case-insensitively; a trailing dot on the "
        "host does not make it different). With two holders the KDC cannot choose whose key "
        "encrypts the service ticket: it logs System event 11 and clients fail with "
        "KRB_AP_ERR_MODIFIED or fall back to NTLM. Windows Server 2012 R2 and later refuse new "
        "duplicates, but old DCs, migrations and the dsHeuristics switch leave them behind. One "
        "finding per SPN; krbtgt's kadmin/changepw held by the krbtgt of several domains is by "
        "design and not reported, nor is a malformed value (malformed-spn removes it from every "
        "holder). Fix: keep the SPN on the account the service runs as, remove it from the "
        "others. The keeper is the computer the SPN's host names (the enabled one if several), "
        "else the one holder that is not privileged, krbtgt or a trust account; otherwise "
        "spnscan does not decide and gives one choice per holder, the enabled ones first.",
    .pass = Pass::directory,
    .check_directory = check,
    .word = word,
};

} // namespace spnscan::rules
