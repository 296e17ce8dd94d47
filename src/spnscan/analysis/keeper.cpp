// RuleContext::decide: which holder of a contested SPN keeps it. The order is documented in the
// man page (RULES, duplicate-spn): the computer the host names, then the one holder that is not
// privileged, krbtgt or a trust account; otherwise undecided, the enabled holders first.

#include "spnscan/analysis/context.hpp"

#include <algorithm>
#include <iterator>

namespace spnscan {

Decision RuleContext::decide(const Canonical& canon,
                             const std::vector<std::size_t>& holders) const {
  Decision d;
  const auto holds = [&](std::size_t a) {
    return std::find(holders.begin(), holders.end(), a) != holders.end();
  };
  // 1. The computer the SPN's host names: the strongest sign (services on a host run as it
  //    unless configured otherwise). Among several such computers, the enabled one.
  if (canon.parsed) {
    d.host = canon.parsed->host;
    std::vector<std::size_t> named;
    for (auto m : machines_named(canon.parsed->host)) {
      if (holds(m)) {
        named.push_back(m);
      }
    }
    std::vector<std::size_t> enabled_named;
    std::copy_if(named.begin(), named.end(), std::back_inserter(enabled_named),
                 [&](std::size_t m) { return !m_dir.account(m).disabled; });
    if (named.size() == 1) {
      d.keeper = named.front();
      d.reason = {KeepReason::Kind::named_computer, std::string(canon.parsed->host),
                  machine_service(canon.parsed->service_class)
                      ? std::string(canon.parsed->service_class)
                      : std::string(),
                  0};
      return d;
    }
    if (named.size() > 1 && enabled_named.size() == 1) {
      d.keeper = enabled_named.front();
      d.reason = {KeepReason::Kind::enabled_named_computer,
                  std::string(canon.parsed->host),
                  {},
                  named.size()};
      return d;
    }
    if (named.size() > 1) {
      d.candidates = named;
      d.named_computers = named.size();
    }
  }
  // 2. Not a privileged account, krbtgt or a trust account: none of them should run a service
  //    (a privileged one with an SPN can be Kerberoasted).
  if (d.candidates.empty()) {
    std::vector<std::size_t> plausible;
    std::copy_if(holders.begin(), holders.end(), std::back_inserter(plausible), [&](std::size_t h) {
      const auto a = m_dir.account(h);
      return !a.privileged && a.kind != AccountKind::krbtgt && a.kind != AccountKind::trust;
    });
    if (plausible.size() == 1) {
      d.keeper = plausible.front();
      d.reason = {KeepReason::Kind::only_ordinary_holder, {}, {}, holders.size()};
      return d;
    }
    d.candidates = plausible.empty() ? holders : plausible;
  }
  // 3. Undecided. Being disabled is only a hint (whole domains keep stale objects disabled):
  //    it orders the choices, it decides nothing.
  std::stable_partition(d.candidates.begin(), d.candidates.end(),
                        [&](std::size_t c) { return !m_dir.account(c).disabled; });
  const auto enabled_count = static_cast<std::size_t>(
      std::count_if(d.candidates.begin(), d.candidates.end(),
                    [&](std::size_t c) { return !m_dir.account(c).disabled; }));
  for (auto c : d.candidates) {
    if (enabled_count == d.candidates.size() || enabled_count == 0) {
      d.hints.push_back(Hint::none);
    } else if (!m_dir.account(c).disabled) {
      d.hints.push_back(enabled_count == 1 ? Hint::likely_only_enabled : Hint::enabled);
    } else {
      d.hints.push_back(Hint::disabled);
    }
  }
  return d;
}

} // namespace spnscan
