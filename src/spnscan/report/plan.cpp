#include "spnscan/report/plan.hpp"

#include "spnscan/model/spn.hpp"
#include "spnscan/util/text.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace spnscan {

namespace {

// An account compared as AD compares DNs: case-insensitively.
std::string dn_key(const AccountRef& account) {
  return ascii_lower(account.dn);
}

std::string sort_name(const AccountRef& account) {
  return ascii_lower(account.sam_account_name.empty() ? account.dn : account.sam_account_name);
}

} // namespace

std::size_t Plan::value_count() const {
  std::size_t count = 0;
  for (const auto& account : accounts) {
    count += account.values.size();
  }
  return count;
}

Plan make_plan(const Directory& directory, const std::vector<Finding>& findings,
               const Triage& triage) {
  Plan plan;
  // Who keeps what: (account DN, SPN key) pairs a finding names as its keeper's.
  std::map<std::pair<std::string, std::string>, std::size_t> kept;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (!triage.suppressed(i) && f.keeper) {
      kept.emplace(std::make_pair(dn_key(f.keeper->account), spn_key(f.spn)), i);
    }
  }

  std::unordered_map<std::string, std::size_t> account_at; // DN key -> index in plan.accounts
  std::vector<std::unordered_map<std::string, std::size_t>> value_at; // per account: value
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (triage.suppressed(i)) {
      continue;
    }
    if (!f.choices.empty()) {
      plan.undecided.push_back(i);
      continue;
    }
    for (const auto& removal : f.removals) {
      if (removal.attribute != k_spn_attribute) {
        continue; // the plan gathers SPN values; other changes stay with their finding's fix
      }
      const std::string account = dn_key(removal.account);
      for (const auto& value : removal.values) {
        const auto keeper = kept.find({account, spn_key(value)});
        if (keeper != kept.end()) {
          const bool listed =
              std::any_of(plan.held_back.begin(), plan.held_back.end(), [&](const HeldBack& h) {
                return h.value == value && dn_key(h.account) == account;
              });
          if (!listed) {
            plan.held_back.push_back({removal.account, value, i, keeper->second});
          }
          continue;
        }
        auto [at, added] = account_at.emplace(account, plan.accounts.size());
        if (added) {
          plan.accounts.push_back({removal.account, {}, f.severity, f.aftercare});
          value_at.emplace_back();
        }
        AccountPlan& entry = plan.accounts[at->second];
        entry.severity = std::max(entry.severity, f.severity);
        if (f.aftercare == Aftercare::exchange) {
          entry.aftercare = Aftercare::exchange;
        }
        auto [slot, fresh] = value_at[at->second].emplace(value, entry.values.size());
        if (fresh) {
          entry.values.push_back({value, {}, std::nullopt, false});
        }
        PlannedValue& planned = entry.values[slot->second];
        planned.findings.push_back(i);
        if (!planned.belongs_on && f.keeper) {
          planned.belongs_on = f.keeper->account;
        }
      }
    }
  }

  // Orphans: values no account would serve once the plan is applied. An account serves an SPN
  // when it holds it, or holds host/<the same host> and the SPN's class is an sPNMappings alias
  // of host (svc_web's HTTP/web01 is served by WEB01$'s HOST/web01).
  std::unordered_map<std::string, std::set<std::string>> losing; // SPN key -> DN keys
  for (const auto& account : plan.accounts) {
    for (const auto& value : account.values) {
      losing[spn_key(value.value)].insert(dn_key(account.account));
    }
  }
  const auto alias_key = [&](std::string_view value) -> std::string {
    const auto parsed = parse_spn(value);
    if (!parsed) {
      return {};
    }
    const auto target = directory.spn_mappings().target_of(parsed->service_class);
    if (!target) {
      return {};
    }
    return spn_key(std::string(*target) + std::string(value.substr(parsed->service_class.size())));
  };
  std::set<std::string> serving; // the keys that would serve a planned value
  for (const auto& account : plan.accounts) {
    for (const auto& value : account.values) {
      serving.insert(spn_key(value.value));
      if (std::string alias = alias_key(value.value); !alias.empty()) {
        serving.insert(std::move(alias));
      }
    }
  }
  std::set<std::string> still_held; // keys some account holds after the plan
  for (std::size_t s = 0; s < directory.spn_count(); ++s) {
    std::string key = spn_key(directory.spn(s));
    if (serving.count(key) == 0 || still_held.count(key) != 0) {
      continue;
    }
    const auto lost = losing.find(key);
    if (lost == losing.end() ||
        lost->second.count(ascii_lower(directory.account(directory.spn_owner(s)).dn)) == 0) {
      still_held.insert(std::move(key));
    }
  }
  for (auto& account : plan.accounts) {
    for (auto& value : account.values) {
      // A value that does not parse serves nothing now: losing it orphans nothing.
      const std::string alias = alias_key(value.value);
      value.orphaned = parse_spn(value.value).has_value() &&
                       still_held.count(spn_key(value.value)) == 0 &&
                       (alias.empty() || still_held.count(alias) == 0);
    }
  }

  std::stable_sort(plan.accounts.begin(), plan.accounts.end(),
                   [](const AccountPlan& a, const AccountPlan& b) {
                     if (a.severity != b.severity) {
                       return a.severity > b.severity;
                     }
                     return sort_name(a.account) < sort_name(b.account);
                   });
  return plan;
}

std::vector<Removal> plan_removals(const AccountPlan& account) {
  Removal removal{account.account, {}};
  for (const auto& value : account.values) {
    removal.values.push_back(value.value);
  }
  return {std::move(removal)};
}

} // namespace spnscan
