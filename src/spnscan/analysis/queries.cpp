#include "spnscan/analysis/queries.hpp"

#include "spnscan/analysis/index.hpp"
#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/util/text.hpp"

#include <algorithm>

namespace spnscan {

namespace {

// The accounts `name` names. An exact DN or sAMAccountName match wins over the short name of
// a machine (setspn's order: "WEB01" is the user WEB01 if there is one, else WEB01$).
std::vector<std::size_t> accounts_named(const Directory& directory, std::string_view name) {
  std::vector<std::size_t> exact;
  std::vector<std::size_t> short_names;
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const auto view = directory.account(a);
    if (iequals(view.dn, name) || iequals(view.sam_account_name, name)) {
      exact.push_back(a);
    } else if (names_account(view, name)) {
      short_names.push_back(a);
    }
  }
  return exact.empty() ? short_names : exact;
}

} // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Iterative glob with backtracking to the last '*': linear for the patterns people type.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  const auto same = [](char a, char b) {
    return iequals(std::string_view(&a, 1), std::string_view(&b, 1));
  };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && same(pattern[p], text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::vector<SpnHolding> query_spns(const Directory& directory,
                                   const std::vector<std::string>& patterns) {
  // Compared in the form scan compares SPNs in: case-insensitive, the host's trailing dot
  // ignored, the port as a number.
  std::vector<std::string> keys;
  for (const auto& pattern : patterns) {
    keys.push_back(spn_key(pattern));
  }
  std::vector<SpnHolding> out;
  for (std::size_t s = 0; s < directory.spn_count(); ++s) {
    const auto spn = directory.spn(s);
    const std::string key = spn_key(spn);
    for (const auto& pattern : keys) {
      if (wildcard_match(pattern, key)) {
        out.push_back(
            {std::string(spn), account_ref(directory.account(directory.spn_owner(s))), {}});
        break;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const SpnHolding& x, const SpnHolding& y) {
    const auto kx = spn_key(x.spn);
    const auto ky = spn_key(y.spn);
    return kx != ky ? kx < ky : ascii_lower(x.account.dn) < ascii_lower(y.account.dn);
  });
  return out;
}

std::vector<SpnHolding> all_spns(const Directory& directory) {
  std::vector<SpnHolding> out;
  out.reserve(directory.spn_count());
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const auto view = directory.account(a);
    const auto ref = account_ref(directory.account(a));
    for (std::size_t s = view.first_spn; s < view.first_spn + view.spn_count; ++s) {
      out.push_back({std::string(directory.spn(s)), ref, {}});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const SpnHolding& x, const SpnHolding& y) {
    return ascii_lower(x.account.dn) < ascii_lower(y.account.dn);
  });
  return out;
}

std::vector<SpnHolding> list_spns(const Directory& directory, const std::vector<std::string>& names,
                                  std::vector<std::string>& not_found,
                                  std::vector<AccountRef>& without_spns) {
  std::vector<SpnHolding> out;
  std::vector<std::size_t> listed; // each account once, however often it is named
  for (const auto& name : names) {
    const auto accounts = accounts_named(directory, name);
    if (accounts.empty()) {
      not_found.push_back(name);
    }
    for (const auto a : accounts) {
      if (std::find(listed.begin(), listed.end(), a) != listed.end()) {
        continue;
      }
      listed.push_back(a);
      const auto view = directory.account(a);
      const auto ref = account_ref(view);
      if (view.spn_count == 0) {
        without_spns.push_back(ref);
      }
      for (std::size_t s = view.first_spn; s < view.first_spn + view.spn_count; ++s) {
        out.push_back({std::string(directory.spn(s)), ref, {}});
      }
    }
  }
  return out;
}

std::vector<CheckConflict> check_spn(const Directory& directory, std::string_view spn,
                                     std::string_view account) {
  const auto parsed = parse_spn(spn);
  if (!parsed) {
    throw InputError("'" + std::string(spn) + "' is not a valid SPN: " + parsed.error());
  }
  const Spn& wanted = *parsed;
  const std::string key = spn_key(spn);
  const std::string rest = key.substr(wanted.service_class.size());
  const auto& mappings = directory.spn_mappings();
  const auto wanted_target = mappings.target_of(wanted.service_class);
  const std::string wanted_class = ascii_lower(wanted.service_class);

  const auto targets = accounts_named(directory, account);
  if (targets.empty()) {
    throw InputError("no account named '" + escape_for_display(account) +
                     "' in the directory read (give its sAMAccountName, with or without the $ "
                     "of a computer, or its DN): spnscan cannot check an SPN for an account that "
                     "does not exist");
  }
  if (targets.size() > 1) {
    std::string dns;
    for (const auto t : targets) {
      dns += (dns.empty() ? "" : "; ") + escape_for_display(directory.account(t).dn);
    }
    throw InputError("'" + escape_for_display(account) + "' names " +
                     std::to_string(targets.size()) + " accounts (" + dns + "): give the DN");
  }
  std::vector<CheckConflict> out;
  // Account by account: finding an SPN's owner is a search, and the account check is per account.
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const auto owner = directory.account(a);
    if (a == targets.front()) {
      continue;
    }
    for (std::size_t s = owner.first_spn; s < owner.first_spn + owner.spn_count; ++s) {
      const auto existing = directory.spn(s);
      const std::string existing_key = spn_key(existing);
      if (existing_key == key) {
        out.push_back({"duplicate-spn", std::string(existing), account_ref(owner)});
        continue;
      }
      const auto parsed_existing = parse_spn(existing);
      const Spn* other = parsed_existing ? &*parsed_existing : nullptr;
      if (other == nullptr || existing_key.substr(other->service_class.size()) != rest) {
        continue;
      }
      const std::string other_class = ascii_lower(other->service_class);
      const auto other_target = mappings.target_of(other_class);
      // host/X exists and we add alias/X, or alias/X exists and we add host/X.
      if ((wanted_target && *wanted_target == other_class) ||
          (other_target && *other_target == wanted_class)) {
        out.push_back({"spn-alias-collision", std::string(existing), account_ref(owner)});
      }
    }
  }
  return out;
}

std::vector<SpnHolding> host_spns(const Directory& directory, const std::vector<std::string>& names,
                                  std::vector<std::string>& no_machine) {
  const MachineIndex machines(directory);
  std::vector<std::size_t> own;   // the computers the names are
  std::vector<std::string> hosts; // every name they answer to, lower-case, no trailing dot
  const auto add_host = [&hosts](std::string_view host) {
    std::string key = ascii_lower(without_trailing_dot(host));
    if (!key.empty() && std::find(hosts.begin(), hosts.end(), key) == hosts.end()) {
      hosts.push_back(std::move(key));
    }
  };
  for (const auto& name : names) {
    add_host(name);
    auto found = machines.named(name);
    if (found.empty() && name.find('.') == std::string::npos) {
      // A short name is also the first label of a machine's DNS names ("files" for FILE2's
      // msDS-AdditionalDnsHostName files.contoso.com).
      for (std::size_t a = 0; a < directory.account_count(); ++a) {
        const AccountView view = directory.account(a);
        if (!is_machine(view.kind)) {
          continue;
        }
        const auto first_label_is = [&](std::string_view dns) {
          return iequals(dns.substr(0, dns.find('.')), name) && dns.find('.') != dns.npos;
        };
        bool match = first_label_is(view.dns_host_name);
        for (std::size_t i = 0;
             !match && view.extra != nullptr && i < view.extra->additional_dns.size(); ++i) {
          match = first_label_is(view.extra->additional_dns[i]);
        }
        if (match) {
          found.push_back(a);
        }
      }
    }
    if (found.empty()) {
      no_machine.push_back(name);
    }
    for (const auto m : found) {
      own.push_back(m);
      const AccountView a = directory.account(m);
      add_host(a.dns_host_name);
      add_host(without_dollar(a.sam_account_name));
      if (a.extra != nullptr) {
        for (const auto n : a.extra->additional_dns) {
          add_host(n);
        }
        for (const auto n : a.extra->additional_sam) {
          add_host(without_dollar(n));
        }
      }
    }
  }
  std::vector<SpnHolding> out;
  std::string host;
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const AccountView view = directory.account(a);
    for (std::size_t s = view.first_spn; s < view.first_spn + view.spn_count; ++s) {
      const std::string_view value = directory.spn(s);
      const auto spn = parse_spn(value);
      if (!spn) {
        continue;
      }
      host = ascii_lower(without_trailing_dot(spn->host));
      if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
        continue;
      }
      const bool mine = std::find(own.begin(), own.end(), a) != own.end();
      out.push_back({std::string(value), account_ref(view), mine});
    }
  }
  // The machine's own SPNs first, then each other account's together.
  std::stable_sort(out.begin(), out.end(), [](const SpnHolding& x, const SpnHolding& y) {
    if (*x.on_machine != *y.on_machine) {
      return *x.on_machine;
    }
    if (x.account.dn != y.account.dn) {
      return x.account.dn < y.account.dn;
    }
    return spn_key(x.spn) < spn_key(y.spn);
  });
  return out;
}

} // namespace spnscan
