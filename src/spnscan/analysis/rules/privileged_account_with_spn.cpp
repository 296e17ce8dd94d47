// privileged-account-with-spn: the built-in Administrator (RID 500) or an adminCount=1 account
// that is not a machine account holds SPNs, and can be Kerberoasted. One finding per account;
// it says which values belong on another account, agreeing with the other rules about them.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace spnscan::rules {

extern const Rule privileged_account_with_spn;

namespace {

// A value of the account that belongs on another account. Indexes, not copies: an account
// may hold 100,000 values (any user can write that many on an account they create).
struct Elsewhere {
  std::size_t value; // in Finding::spns
  std::size_t home;  // in Finding::related
  std::string host;  // set when home is the computer the host names
};

struct Details {
  std::vector<Elsewhere> elsewhere; // in the order of Finding::spns
};

void check(const RuleContext& ctx, const AccountView& a, Sink& sink) {
  if (!a.privileged || is_machine(a.kind) || a.kind == AccountKind::krbtgt || a.spn_count == 0) {
    return;
  }
  const Directory& dir = ctx.directory();
  Finding f = ctx.make(privileged_account_with_spn, dir.spn(a.first_spn), a.index);
  f.spns.clear();
  f.spns.reserve(a.spn_count);
  Details details;
  std::vector<std::size_t> homes; // account indexes, as f.related names them
  Canonical canon;
  for (std::uint32_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
    const std::string_view value = dir.spn(s);
    f.spns.emplace_back(value);
    canonicalize(value, canon);
    std::optional<std::size_t> home;
    std::string host;
    if (canon.parsed && ctx.machine_service(canon.parsed->service_class)) {
      const auto named = ctx.machines_named(canon.parsed->host);
      if (!named.empty()) {
        home = named.front();
        host = canon.parsed->host;
      }
    }
    if (!home) {
      const auto holders = ctx.owners(ctx.spn_index().same_key(s));
      if (holders.size() > 1) {
        const Decision d = ctx.decide(canon, holders);
        if (d.keeper && *d.keeper != a.index) {
          home = d.keeper;
        }
      }
    }
    if (home) {
      auto at = std::find(homes.begin(), homes.end(), *home);
      if (at == homes.end()) {
        at = homes.insert(homes.end(), *home);
      }
      details.elsewhere.push_back(Elsewhere{
          f.spns.size() - 1, static_cast<std::size_t>(at - homes.begin()), std::move(host)});
    }
  }
  for (auto home : homes) {
    f.related.push_back(ctx.ref(home));
  }
  f.removals = {Removal{f.account, f.spns}};
  const bool smtp = std::any_of(f.spns.begin(), f.spns.end(), [&](const std::string& v) {
    canonicalize(v, canon);
    return canon.parsed && is_smtp_class(canon.parsed->service_class);
  });
  f.aftercare = smtp ? Aftercare::exchange : Aftercare::generic;
  f.details = std::move(details);
  // The id names the account only: it does not change with the order of its values.
  ctx.emit(sink, std::move(f), {a.index}, std::string_view());
}

std::string word(const Finding& f, const Words& w) {
  constexpr std::size_t k_listed = 10; // values named per group
  const auto& d = std::any_cast<const Details&>(f.details);
  std::vector<std::string> elsewhere;
  std::vector<std::string> only_here;
  const std::size_t elsewhere_count = d.elsewhere.size();
  const std::size_t only_here_count = f.spns.size() - elsewhere_count;
  for (std::size_t i = 0; i < elsewhere_count && i < k_listed; ++i) {
    const Elsewhere& e = d.elsewhere[i];
    elsewhere.push_back(
        fmt::format("{} (on {}, {})", w.value(f.spns[e.value]), w.name(f.related[e.home]),
                    e.host.empty() ? std::string("which also holds it")
                                   : fmt::format("the computer that {} names", w.text(e.host))));
  }
  // The values not in d.elsewhere, which lists its values in order.
  auto next_elsewhere = d.elsewhere.begin();
  for (std::size_t v = 0; v < f.spns.size() && only_here.size() < k_listed; ++v) {
    if (next_elsewhere != d.elsewhere.end() && next_elsewhere->value == v) {
      ++next_elsewhere;
    } else {
      only_here.push_back(w.value(f.spns[v]));
    }
  }
  const auto listed = [](const std::vector<std::string>& items, std::size_t count) {
    std::string text;
    for (const auto& item : items) {
      text += (text.empty() ? "" : ", ") + item;
    }
    if (count > items.size()) {
      text += fmt::format(" and {} more", count - items.size());
    }
    return text;
  };
  std::string message = fmt::format(
      "{} is privileged and holds {} SPN{}. Any domain user can request a service ticket for "
      "an SPN and crack the holder's password offline (Kerberoasting), which for this account "
      "means control of the domain.",
      w.account(f.account), f.spns.size(), f.spns.size() == 1 ? "" : "s");
  if (elsewhere_count > 0) {
    message += fmt::format(" {} belong{} on another account and only need removing from "
                           "this one: {}.",
                           elsewhere_count == 1 ? "This value" : "These values",
                           elsewhere_count == 1 ? "s" : "", listed(elsewhere, elsewhere_count));
  }
  if (only_here_count > 0) {
    message += fmt::format(
        " {} only on this account: {}. Run that service as a gMSA or a dedicated "
        "non-privileged account: remove the SPN{} from this account, then register {} on the "
        "new one (setspn -S checks for duplicates first).",
        only_here_count == 1 ? "This value is" : "These values are",
        listed(only_here, only_here_count), only_here_count == 1 ? "" : "s",
        only_here_count == 1 ? "it" : "them");
  }
  return message;
}

} // namespace

extern const Rule privileged_account_with_spn = {
    .id = "privileged-account-with-spn",
    .severity = Severity::warning,
    .title = "a privileged non-machine account (RID 500 or adminCount=1) holding an SPN",
    .explanation =
        "Any authenticated user can ask for a service ticket for an SPN and try to crack the "
        "holder's password offline (Kerberoasting). For the built-in Administrator (RID 500, "
        "whatever its name) or an account protected by AdminSDHolder (adminCount=1) that means "
        "the domain. Machine accounts and gMSAs have random 120-character passwords and are not "
        "reported; neither is krbtgt, which holds kadmin/changepw by design. One finding per "
        "account, listing its values. Fix: remove the SPNs from the privileged account; a value "
        "that belongs on another account (an Exchange server's SMTP SPN, a duplicate kept "
        "elsewhere) only needs removing, and the service behind a value held nowhere else should "
        "run as a dedicated non-privileged account or a gMSA that then holds it.",
    .pass = Pass::per_account,
    .check_account = check,
    .word = word,
};

} // namespace spnscan::rules
