#include "spnscan/analysis/context.hpp"

#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace spnscan {

RuleContext::RuleContext(const Directory& directory, const AnalyzerOptions& options)
    : m_dir(directory), m_options(options), m_machines(directory) {
  for (const auto& c : options.host_bound_classes) {
    m_host_bound.insert(ascii_lower(c));
  }
}

bool holds_service_user(const Directory& directory) {
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const AccountView view = directory.account(a);
    if (view.kind == AccountKind::user && view.spn_count > 0) {
      return true;
    }
  }
  return false;
}

bool RuleContext::machine_service(std::string_view service_class) const {
  return host_bound(ascii_lower(service_class)) || is_smtp_class(service_class);
}

std::vector<std::size_t> RuleContext::owners(const std::vector<std::uint32_t>& spns) const {
  std::vector<std::size_t> out;
  for (auto s : spns) {
    out.push_back(m_dir.spn_owner(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Removal RuleContext::removal_of(std::size_t account, const std::vector<std::uint32_t>& spns) const {
  Removal removal{ref(account), {}};
  for (auto s : spns) {
    if (m_dir.spn_owner(s) == account) {
      removal.values.emplace_back(m_dir.spn(s));
    }
  }
  return removal;
}

std::vector<Choice> RuleContext::choices(const Decision& decision,
                                         const std::vector<std::size_t>& holders,
                                         const std::vector<std::uint32_t>& spns) const {
  std::vector<Choice> out;
  for (std::size_t i = 0; i < decision.candidates.size(); ++i) {
    Choice choice;
    choice.keep = ref(decision.candidates[i]);
    choice.hint = decision.hints[i];
    for (auto h : holders) {
      if (h != decision.candidates[i]) {
        choice.removals.push_back(removal_of(h, spns));
      }
    }
    out.push_back(std::move(choice));
  }
  return out;
}

Finding RuleContext::make(const Rule& rule, std::string_view spn, std::size_t account) const {
  Finding f;
  f.rule = &rule;
  f.severity = rule.severity;
  f.spn = spn;
  f.spns = {std::string(spn)};
  f.account = ref(account);
  return f;
}

Finding RuleContext::misplaced_machine_spn(const Rule& rule, const SpnSite& site,
                                           KeepReason reason) const {
  Finding f = make(rule, site.value, site.account.index);
  const std::string_view host = site.canon.parsed->host;
  const auto owners = machines_named(host);
  for (auto o : owners) {
    f.related.push_back(ref(o));
  }
  if (!owners.empty()) {
    reason.host = host;
    f.keeper = Keeper{ref(owners.front()), std::move(reason)};
  }
  f.removals = {Removal{f.account, {std::string(site.value)}}};
  return f;
}

void RuleContext::emit(Sink& sink, Finding finding, const std::vector<std::size_t>& holders,
                       std::optional<std::string_view> key) const {
  std::vector<std::string> dns;
  for (auto h : holders) {
    dns.push_back(ascii_lower(m_dir.account(h).dn));
  }
  std::sort(dns.begin(), dns.end());
  std::uint64_t hash = fnv1a(finding.rule->id);
  hash = fnv1a(std::string_view("\0", 1), hash);
  hash = fnv1a(key ? std::string(*key) : spn_key(finding.spn), hash);
  for (const auto& dn : dns) {
    hash = fnv1a(std::string_view("\0", 1), hash);
    hash = fnv1a(dn, hash);
  }
  finding.id = fmt::format("{}:{:016x}", finding.rule->id, hash);
  sink.push_back(std::move(finding));
}

} // namespace spnscan
