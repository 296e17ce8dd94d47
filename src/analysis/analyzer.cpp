#include "spnscan/analysis/analyzer.hpp"

#include "spnscan/analysis/remediation.hpp"
#include "hash_index.hpp"
#include "spnscan/model/spn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <thread>
#include <map>
#include <optional>
#include <set>

namespace spnscan {

namespace {

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ull) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// An alias SPN to look up later: the hash of the key it maps to ("host/x" for "http/x") and
// the SPN's index.
struct Keyed {
  std::uint64_t hash;
  std::uint32_t index;
};

// The comparison form of an SPN: lower-case, host without its trailing dot. Also returns the
// length of the service class, so "host" + key.substr(class_len) maps an alias to its target.
struct Canonical {
  std::string key;
  std::size_t class_length = 0;
  std::optional<Spn> parsed;
  std::string error;
};

void canonicalize(std::string_view text, Canonical& out) {
  out.key.clear();
  auto result = parse_spn(text);
  if (auto* spn = std::get_if<Spn>(&result)) {
    out.parsed = *spn;
    out.error.clear();
    append_spn_key(*spn, out.key);
    out.class_length = spn->service_class.size();
  } else {
    out.parsed.reset();
    out.error = std::get<std::string>(result);
    out.key = ascii_lower(text);
    out.class_length = 0;
  }
}

std::string strip_dollar(std::string_view name) { return ascii_lower(without_dollar(name)); }

std::string host_key(std::string_view host);

// Samba provisions a user dns-<dc> holding DNS/<dc fqdn> while the DC's machine account holds
// HOST/<dc fqdn>; "dns" is a host alias, but the pair is by design, not a collision.
bool samba_dns_pair(const AccountView& alias_holder, const Spn& alias, const AccountView& host_holder) {
  if (!iequals(alias.service_class, "DNS") || alias_holder.kind != AccountKind::user ||
      !is_machine(host_holder.kind)) {
    return false;
  }
  const std::string host = host_key(alias.host);
  const std::string label = host.substr(0, host.find('.'));
  return iequals(alias_holder.sam_account_name, "dns-" + label) &&
         strip_dollar(host_holder.sam_account_name) == label;
}

std::string host_key(std::string_view host) { return ascii_lower(without_trailing_dot(host)); }

// Everything about one run of the rules over a directory.
class Analysis {
public:
  Analysis(const Directory& dir, const AnalyzerOptions& options) : m_dir(dir), m_options(options) {
    for (const auto& c : options.host_bound_classes) {
      m_host_bound.insert(ascii_lower(c));
    }
  }

  std::vector<Finding> run();

private:
  // What one thread of the per-SPN pass collects; merged in account order afterwards, so the
  // result does not depend on the number of threads.
  struct Worker {
    std::vector<Finding> findings;
    std::vector<Keyed> probes; // hash of "<target>/rest" -> alias SPN index
    std::string class_buffer;  // lower-cased service class of the SPN at hand
    std::exception_ptr error;
  };
  bool enabled(std::string_view rule_id) const {
    return m_options.disabled_rules.find(rule_id) == m_options.disabled_rules.end();
  }
  AccountRef ref(std::size_t account) const;
  std::string lower_dn(std::size_t account) const { return ascii_lower(m_dir.account(account).dn); }
  void build_machine_index();
  // Machine accounts whose dNSHostName or short name is `host`.
  std::vector<std::size_t> machines_named(std::string_view host) const;
  bool is_machine_service(std::string_view service_class) const {
    return m_host_bound.find(ascii_lower(service_class)) != m_host_bound.end() ||
           iequals(service_class, "smtp") || iequals(service_class, "smtpsvc");
  }

  // The names an account answers to, computed once per account rather than per SPN.
  struct AccountNames {
    std::string_view dns;   // dNSHostName without a trailing dot
    std::string_view short_name; // sAMAccountName without the '$'
  };
  void index_spn(std::uint32_t spn_index, std::uint64_t hash);
  void per_spn_rules(Worker& w, const AccountView& a, const AccountNames& names, std::size_t spn_index,
                     const Canonical& canon);
  void duplicate_rule(Worker& w);
  void alias_rule(Worker& w);
  void per_spn_pass(Worker& worker, std::size_t first_account, std::size_t end_account,
                    std::vector<std::uint64_t>* hashes);
  void add(Worker& worker, Finding finding, const std::vector<std::size_t>& holders) const;
  Finding make(std::string_view rule_id, std::string_view spn, std::size_t account) const;
  void set_removal(Finding& finding, std::string_view spn, const std::vector<std::size_t>& remove,
                   std::optional<std::size_t> keep, Aftercare aftercare) const;
  // Picks the account that should keep a contested SPN, or nullopt when spnscan cannot tell.
  std::optional<std::size_t> choose_keeper(const Canonical& canon,
                                           const std::vector<std::size_t>& holders,
                                           std::string& reason) const;
  std::string describe(std::size_t account) const;
  // "a (user), b (computer)": every account of the list described.
  std::string describe_all(const std::vector<std::size_t>& accounts) const;
  // Puts every account of `holders` but `except` into finding.related.
  void relate(Finding& finding, const std::vector<std::size_t>& holders, std::size_t except) const;

  const Directory& m_dir;
  const AnalyzerOptions& m_options;
  std::set<std::string, std::less<>> m_host_bound; // lower-case
  HashIndex m_machine_names{0}; // lower-case machine name -> account
  HashIndex m_spn_keys{0};      // canonical SPN -> SPN index
  // SPN index of the first holder of a key -> the other SPN indexes with that key.
  std::map<std::uint32_t, std::vector<std::uint32_t>> m_duplicates;
  std::vector<Worker> m_workers; // the per-SPN pass, in account order
  Worker m_main;                 // findings of the whole-directory rules
  Canonical m_canon_a;           // scratch of the sequential index build
  Canonical m_canon_b;
};

AccountRef Analysis::ref(std::size_t account) const { return account_ref(m_dir.account(account)); }

std::string Analysis::describe(std::size_t account) const {
  const auto a = m_dir.account(account);
  std::string name = a.sam_account_name.empty() ? std::string(a.dn) : std::string(a.sam_account_name);
  std::string what(to_string(a.kind));
  if (a.rid == k_rid_administrator) {
    what += ", the built-in Administrator (RID 500)";
  } else if (a.privileged) {
    what += ", privileged: adminCount=1";
  }
  if (a.disabled) {
    what += ", disabled";
  }
  return fmt::format("{} ({})", name, what);
}

std::string Analysis::describe_all(const std::vector<std::size_t>& accounts) const {
  std::string list;
  for (auto a : accounts) {
    list += (list.empty() ? "" : ", ") + describe(a);
  }
  return list;
}

void Analysis::relate(Finding& finding, const std::vector<std::size_t>& holders,
                      std::size_t except) const {
  for (auto h : holders) {
    if (h != except) {
      finding.related.push_back(ref(h));
    }
  }
}

void Analysis::build_machine_index() {
  std::size_t machines = 0;
  for (std::size_t i = 0; i < m_dir.account_count(); ++i) {
    machines += is_machine(m_dir.account(i).kind) ? 1u : 0u;
  }
  m_machine_names = HashIndex(2 * machines); // a DNS name and a short name each
  for (std::size_t i = 0; i < m_dir.account_count(); ++i) {
    const auto a = m_dir.account(i);
    if (!is_machine(a.kind)) {
      continue;
    }
    const auto index = static_cast<std::uint32_t>(i);
    if (!a.dns_host_name.empty()) {
      m_machine_names.insert(fnv1a(host_key(a.dns_host_name)), index);
    }
    if (!a.sam_account_name.empty()) {
      m_machine_names.insert(fnv1a(strip_dollar(a.sam_account_name)), index);
    }
  }
}

std::vector<std::size_t> Analysis::machines_named(std::string_view host) const {
  const std::string key = host_key(host);
  std::vector<std::size_t> out;
  m_machine_names.for_each(fnv1a(key), [&](std::uint32_t index) {
    const auto a = m_dir.account(index);
    if ((host_key(a.dns_host_name) == key || strip_dollar(a.sam_account_name) == key) &&
        std::find(out.begin(), out.end(), index) == out.end()) {
      out.push_back(index);
    }
  });
  std::sort(out.begin(), out.end());
  return out;
}

Finding Analysis::make(std::string_view rule_id, std::string_view spn, std::size_t account) const {
  Finding f;
  f.rule = rule_id;
  f.severity = find_rule(rule_id)->severity;
  f.spn = spn;
  f.account = ref(account);
  return f;
}

void Analysis::set_removal(Finding& finding, std::string_view spn,
                           const std::vector<std::size_t>& remove, std::optional<std::size_t> keep,
                           Aftercare aftercare) const {
  std::vector<AccountRef> targets;
  for (auto i : remove) {
    targets.push_back(ref(i));
    finding.remove_from.emplace_back(m_dir.account(i).dn);
  }
  if (keep) {
    finding.keep_on = m_dir.account(*keep).dn;
  }
  finding.remediation = build_removal(spn, targets, aftercare);
}

// The id hashes the rule, the SPN's canonical form and every holder's DN, so it stays the
// same from run to run whatever the order the directory returned the accounts in.
void Analysis::add(Worker& worker, Finding finding, const std::vector<std::size_t>& holders) const {
  std::vector<std::string> dns;
  for (auto h : holders) {
    dns.push_back(lower_dn(h));
  }
  std::sort(dns.begin(), dns.end());
  std::uint64_t hash = fnv1a(finding.rule);
  hash = fnv1a(std::string_view("\0", 1), hash);
  hash = fnv1a(spn_key(finding.spn), hash);
  for (const auto& dn : dns) {
    hash = fnv1a(std::string_view("\0", 1), hash);
    hash = fnv1a(dn, hash);
  }
  finding.id = fmt::format("{}:{:016x}", finding.rule, hash);
  worker.findings.push_back(std::move(finding));
}

std::optional<std::size_t> Analysis::choose_keeper(const Canonical& canon,
                                                   const std::vector<std::size_t>& holders,
                                                   std::string& reason) const {
  if (canon.parsed && is_machine_service(canon.parsed->service_class)) {
    for (auto m : machines_named(canon.parsed->host)) {
      if (std::find(holders.begin(), holders.end(), m) != holders.end()) {
        reason = fmt::format("{}/ names a service that runs as the computer {}, so the SPN "
                             "belongs on that machine account",
                             canon.parsed->service_class, describe(m));
        return m;
      }
    }
  }
  std::vector<std::size_t> plausible;
  for (auto h : holders) {
    const auto a = m_dir.account(h);
    if (!a.privileged && !a.disabled && a.kind != AccountKind::krbtgt) {
      plausible.push_back(h);
    }
  }
  if (plausible.size() == 1 && holders.size() > 1) {
    reason = fmt::format("{} is the only holder that is neither privileged nor disabled",
                         describe(plausible.front()));
    return plausible.front();
  }
  return std::nullopt;
}

void Analysis::per_spn_rules(Worker& w, const AccountView& a, const AccountNames& names,
                             std::size_t spn_index, const Canonical& canon) {
  const std::size_t account = a.index;
  const std::string_view text = m_dir.spn(spn_index);
  if (!canon.parsed) {
    if (enabled(rule::k_malformed)) {
      Finding f = make(rule::k_malformed, text, account);
      f.message = fmt::format(
          "'{}' on {} is not a valid SPN: {}. An SPN has the form "
          "serviceclass/host[:port][/servicename]; no client can ever request this value, so "
          "the service it was meant for has no working SPN (Kerberos fails or falls back to NTLM).",
          text, describe(account), canon.error);
      set_removal(f, text, {account}, std::nullopt, Aftercare::generic);
      add(w, std::move(f), {account});
    }
    return;
  }
  const Spn& spn = *canon.parsed;
  const bool machine = is_machine(a.kind);
  if (!machine && enabled(rule::k_smtp_on_non_machine) &&
      (iequals(spn.service_class, "SMTP") || iequals(spn.service_class, "SMTPSVC"))) {
    Finding f = make(rule::k_smtp_on_non_machine, text, account);
    const auto owners = machines_named(spn.host);
    std::optional<std::size_t> keep;
    std::string owner_text = "the Exchange server's computer account";
    if (!owners.empty()) {
      keep = owners.front();
      owner_text = describe(owners.front());
      for (auto o : owners) {
        f.related.push_back(ref(o));
      }
    }
    f.message = fmt::format(
        "'{}' is registered on {}, which is not a machine account. SMTP and SMTPSVC SPNs belong "
        "to {}: Exchange's SMTP service runs as the machine. With the value on this account, "
        "Kerberos issues tickets for the wrong key and Exchange servers cannot authenticate each "
        "other: Unified Messaging cannot submit voicemail to the Hub Transport server (event "
        "1082, \"no Hub Transport server available\") and server-to-server mail may stall. "
        "setspn -L on the Exchange server shows nothing wrong because it lists only that "
        "account. Remove the value from {}; never remove it from the machine account.",
        text, describe(account), owner_text, describe(account));
    set_removal(f, text, {account}, keep, Aftercare::exchange);
    add(w, std::move(f), {account});
  }
  w.class_buffer.assign(canon.key, 0, canon.class_length); // the key is lower-case already
  if (!machine && enabled(rule::k_host_bound_on_user) &&
      m_host_bound.find(w.class_buffer) != m_host_bound.end()) {
    Finding f = make(rule::k_host_bound_on_user, text, account);
    const auto owners = machines_named(spn.host);
    for (auto o : owners) {
      f.related.push_back(ref(o));
    }
    f.message = fmt::format(
        "'{}' is registered on {}, but {}/ is a service class of the computer itself (services "
        "running as LocalSystem or NetworkService). On a non-machine account it captures tickets "
        "meant for {}: access to it fails with KRB_AP_ERR_MODIFIED or silently falls back to NTLM.",
        text, describe(account), spn.service_class,
        owners.empty() ? std::string(spn.host) : describe(owners.front()));
    set_removal(f, text, {account}, owners.empty() ? std::nullopt : std::optional(owners.front()),
                Aftercare::generic);
    add(w, std::move(f), {account});
  }
  if (!machine && a.privileged && a.kind != AccountKind::krbtgt && enabled(rule::k_privileged)) {
    Finding f = make(rule::k_privileged, text, account);
    f.message = fmt::format(
        "{} is privileged and holds the SPN '{}'. Any domain user can request a service ticket "
        "for it and crack the account's password offline (Kerberoasting), which for this account "
        "means control of the domain. Run the service as a dedicated non-privileged account or a "
        "gMSA, and remove the SPN from this account.",
        describe(account), text);
    set_removal(f, text, {account}, std::nullopt, Aftercare::generic);
    add(w, std::move(f), {account});
  }
  if (machine && enabled(rule::k_host_mismatch)) {
    const auto host = spn.host_for_compare();
    if (!iequals(host, names.dns) && !iequals(host, names.short_name)) {
      for (auto other : machines_named(spn.host)) {
        if (other == account || lower_dn(other) == lower_dn(account)) {
          continue;
        }
        Finding f = make(rule::k_host_mismatch, text, account);
        f.related.push_back(ref(other));
        f.message = fmt::format(
            "'{}' is registered on {}, but its host {} is another machine account, {}. Clients "
            "connecting to {} get tickets encrypted for {}'s key, which {} cannot decrypt "
            "(KRB_AP_ERR_MODIFIED). Remove the value from {} (and register it on {} if that "
            "machine runs the service).",
            text, describe(account), spn.host, describe(other), spn.host,
            a.sam_account_name, m_dir.account(other).sam_account_name, a.sam_account_name,
            m_dir.account(other).sam_account_name);
        set_removal(f, text, {account}, std::nullopt, Aftercare::generic);
        add(w, std::move(f), {account, other});
      }
    }
  }
  if (const auto target = m_dir.spn_mappings().target_of(w.class_buffer)) {
    if (enabled(rule::k_alias_collision)) {
      const std::string mapped = std::string(*target) + canon.key.substr(canon.class_length);
      w.probes.push_back({fnv1a(mapped), static_cast<std::uint32_t>(spn_index)});
    }
  }
}

// What else breaks, for service classes whose failure has a well-known face.
std::string impact_of(const Canonical& canon) {
  if (canon.parsed && (iequals(canon.parsed->service_class, "SMTP") ||
                       iequals(canon.parsed->service_class, "SMTPSVC"))) {
    return "For Exchange this means the SMTP services of the Unified Messaging and Hub Transport "
           "servers cannot authenticate each other: voicemail is not submitted (event 1082, \"no "
           "Hub Transport server available\"). ";
  }
  if (canon.parsed && iequals(canon.parsed->service_class, "HTTP")) {
    return "Web sites and services on that name fall back to NTLM or fail Kerberos "
           "(HTTP 401 loops for users, broken constrained delegation). ";
  }
  if (canon.parsed && iequals(canon.parsed->service_class, "MSSQLSvc")) {
    return "SQL Server clients fall back to NTLM or fail with \"Cannot generate SSPI context\". ";
  }
  return "";
}

// Distinct holders (by DN, case-insensitively: the same entry read from two files is one account).
std::vector<std::size_t> distinct_accounts(const Directory& dir, std::vector<std::size_t> accounts) {
  std::vector<std::size_t> out;
  std::set<std::string> seen;
  for (auto a : accounts) {
    if (seen.insert(ascii_lower(dir.account(a).dn)).second) {
      out.push_back(a);
    }
  }
  return out;
}

void Analysis::index_spn(std::uint32_t spn_index, std::uint64_t hash) {
  // Equal tags are rare apart from true duplicates, so keys are computed only then.
  std::optional<std::uint32_t> first;
  bool have_key = false;
  m_spn_keys.for_each(hash, [&](std::uint32_t candidate) {
    if (first) {
      return;
    }
    if (!have_key) {
      canonicalize(m_dir.spn(spn_index), m_canon_a);
      have_key = true;
    }
    canonicalize(m_dir.spn(candidate), m_canon_b);
    if (m_canon_b.key == m_canon_a.key) {
      first = candidate;
    }
  });
  if (first) {
    // Only the first holder of a key is in the index; the rest hang off it.
    m_duplicates[*first].push_back(spn_index);
  } else {
    m_spn_keys.insert(hash, spn_index);
  }
}

void Analysis::duplicate_rule(Worker& w) {
  Canonical canon;
  for (const auto& [first, others] : m_duplicates) {
    std::vector<std::size_t> owners{m_dir.spn_owner(first)};
    for (auto s : others) {
      owners.push_back(m_dir.spn_owner(s));
    }
    const auto holders = distinct_accounts(m_dir, owners);
    if (holders.size() < 2) {
      continue;
    }
    const std::string_view text = m_dir.spn(first);
    canonicalize(text, canon);
    const bool all_krbtgt = std::all_of(holders.begin(), holders.end(), [&](std::size_t h) {
      return m_dir.account(h).kind == AccountKind::krbtgt;
    });
    if (all_krbtgt && canon.key == "kadmin/changepw") {
      continue; // every domain's krbtgt holds it: by design
    }
    std::string reason;
    const auto keeper = choose_keeper(canon, holders, reason);
    std::vector<std::size_t> remove;
    for (auto h : holders) {
      if (!keeper || h != *keeper) {
        remove.push_back(h);
      }
    }
    // The account the fix applies to comes first; the keeper and the rest follow.
    Finding f = make(rule::k_duplicate, text, remove.front());
    relate(f, holders, remove.front());
    const std::string list = describe_all(holders);
    f.message = fmt::format(
        "'{}' is registered on {} accounts: {}. An SPN must be unique in the forest: the KDC "
        "cannot tell whose key to encrypt the service ticket with, logs System event 11 and "
        "clients fail with KRB_AP_ERR_MODIFIED or fall back to NTLM. {}",
        text, holders.size(), list, impact_of(canon));
    if (keeper) {
      f.message += fmt::format("Keep it on {}: {}. Remove it from the other{}.",
                               describe(*keeper), reason, remove.size() > 1 ? "s" : "");
      set_removal(f, text, remove, keeper,
                  canon.parsed && (iequals(canon.parsed->service_class, "SMTP") ||
                                   iequals(canon.parsed->service_class, "SMTPSVC"))
                      ? Aftercare::exchange
                      : Aftercare::generic);
    } else {
      f.message += "spnscan cannot tell which account runs the service: keep the SPN on the "
                   "one account the service runs as (its logon account or application pool "
                   "identity) and remove it from the others. The fix below lists the removal "
                   "for every holder: apply it to all but that one.";
      set_removal(f, text, remove, std::nullopt, Aftercare::generic);
      f.remove_from.clear(); // undecided: no account is named for removal
    }
    add(w, std::move(f), holders);
  }
}

void Analysis::alias_rule(Worker& w) {
  struct Collision {
    std::string text; // the alias SPN as first seen
    std::string target_text;
    std::vector<std::size_t> alias_holders;
    std::vector<std::size_t> target_holders;
  };
  std::map<std::string, Collision> collisions; // canonical alias SPN -> collision
  Canonical alias;
  Canonical target;
  std::vector<Keyed> probes;
  for (const auto& worker : m_workers) {
    probes.insert(probes.end(), worker.probes.begin(), worker.probes.end());
  }
  for (const auto& probe : probes) {
    canonicalize(m_dir.spn(probe.index), alias);
    const std::string_view target_class =
        *m_dir.spn_mappings().target_of(alias.parsed->service_class);
    const std::string mapped = std::string(target_class) + alias.key.substr(alias.class_length);
    const std::size_t alias_owner = m_dir.spn_owner(probe.index);
    // Every SPN with the target key: the indexed first holder and its duplicates.
    std::vector<std::uint32_t> targets;
    m_spn_keys.for_each(probe.hash, [&](std::uint32_t candidate) {
      canonicalize(m_dir.spn(candidate), target);
      if (target.key == mapped) {
        targets.push_back(candidate);
        if (const auto dup = m_duplicates.find(candidate); dup != m_duplicates.end()) {
          targets.insert(targets.end(), dup->second.begin(), dup->second.end());
        }
      }
    });
    for (const auto target_spn : targets) {
      const std::size_t owner = m_dir.spn_owner(target_spn);
      if (owner == alias_owner || lower_dn(owner) == lower_dn(alias_owner) ||
          samba_dns_pair(m_dir.account(alias_owner), *alias.parsed, m_dir.account(owner))) {
        continue;
      }
      auto& c = collisions[alias.key];
      if (c.text.empty()) {
        c.text = m_dir.spn(probe.index);
        c.target_text = m_dir.spn(target_spn);
      }
      c.alias_holders.push_back(alias_owner);
      c.target_holders.push_back(owner);
    }
  }
  for (auto& [key, c] : collisions) {
    const auto alias_holders = distinct_accounts(m_dir, c.alias_holders);
    const auto target_holders = distinct_accounts(m_dir, c.target_holders);
    std::vector<std::size_t> all = alias_holders;
    all.insert(all.end(), target_holders.begin(), target_holders.end());
    all = distinct_accounts(m_dir, all);
    canonicalize(c.text, alias);
    // Prefer the machine the host names: keep whichever of the two SPNs it holds.
    std::optional<std::size_t> machine;
    for (auto m : machines_named(alias.parsed->host)) {
      if (std::find(all.begin(), all.end(), m) != all.end()) {
        machine = m;
        break;
      }
    }
    const bool remove_target = machine && std::find(alias_holders.begin(), alias_holders.end(),
                                                    *machine) != alias_holders.end() &&
                               std::find(target_holders.begin(), target_holders.end(),
                                         *machine) == target_holders.end();
    const std::string& remove_spn = remove_target ? c.target_text : c.text;
    std::vector<std::size_t> remove;
    for (auto h : remove_target ? target_holders : alias_holders) {
      if (!machine || h != *machine) {
        remove.push_back(h);
      }
    }
    if (remove.empty()) {
      remove = alias_holders;
    }
    Finding f = make(rule::k_alias_collision, remove_spn, remove.front());
    relate(f, all, remove.front());
    const std::string alias_list = describe_all(alias_holders);
    const std::string target_list = describe_all(target_holders);
    f.message = fmt::format(
        "'{}' on {} collides with '{}' on {}: sPNMappings maps {}/ to {}/, so the KDC treats '{}' "
        "as covering '{}' and two accounts answer to the same name. Kerberos to the service fails "
        "or picks the wrong account's key; since KB5008382 (CVE-2021-42282) domain controllers "
        "refuse to create such pairs. Remove '{}' from {}",
        c.text, alias_list, c.target_text, target_list, alias.parsed->service_class,
        *m_dir.spn_mappings().target_of(alias.parsed->service_class), c.target_text, c.text,
        remove_spn, describe(remove.front()));
    if (!remove_target) {
      f.message += fmt::format("; if the service must run as that account, publish it under a "
                               "DNS name of its own and register {}/<that name> there instead.",
                               alias.parsed->service_class);
    } else {
      f.message += ".";
    }
    set_removal(f, remove_spn, remove, machine, Aftercare::generic);
    add(w, std::move(f), all);
  }
}

void Analysis::per_spn_pass(Worker& worker, std::size_t first_account, std::size_t end_account,
                            std::vector<std::uint64_t>* hashes) {
  try {
    Canonical canon;
    for (std::size_t account = first_account; account < end_account; ++account) {
      const auto a = m_dir.account(account);
      AccountNames names;
      names.dns = without_trailing_dot(a.dns_host_name);
      names.short_name = without_dollar(a.sam_account_name);
      for (std::size_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
        canonicalize(m_dir.spn(s), canon);
        if (hashes != nullptr) {
          (*hashes)[s] = fnv1a(canon.key);
        }
        per_spn_rules(worker, a, names, s, canon);
      }
    }
  } catch (...) {
    worker.error = std::current_exception();
  }
}

std::vector<Finding> Analysis::run() {
  if (enabled(rule::k_host_mismatch) || enabled(rule::k_smtp_on_non_machine) ||
      enabled(rule::k_duplicate) || enabled(rule::k_alias_collision) ||
      enabled(rule::k_host_bound_on_user)) {
    build_machine_index();
  }
  const bool want_keys = enabled(rule::k_duplicate) || enabled(rule::k_alias_collision);
  std::vector<std::uint64_t> hashes(want_keys ? m_dir.spn_count() : 0);

  // The per-SPN pass reads the directory only; on a large directory it runs on two threads,
  // each over a run of accounts holding about half of the SPNs.
  unsigned threads = m_options.threads;
  if (threads == 0) {
    threads = m_dir.spn_count() >= 50000 && std::thread::hardware_concurrency() >= 2 ? 2 : 1;
  }
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, m_dir.account_count())));
  m_workers.resize(threads);
  std::vector<std::size_t> bounds{0};
  for (unsigned t = 1; t < threads; ++t) {
    const std::size_t target = m_dir.spn_count() * t / threads;
    std::size_t account = bounds.back();
    while (account < m_dir.account_count() && m_dir.account(account).first_spn < target) {
      ++account;
    }
    bounds.push_back(account);
  }
  bounds.push_back(m_dir.account_count());
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back([this, t, &bounds, &hashes, want_keys] {
      per_spn_pass(m_workers[t], bounds[t], bounds[t + 1], want_keys ? &hashes : nullptr);
    });
  }
  per_spn_pass(m_workers[0], bounds[0], bounds[1], want_keys ? &hashes : nullptr);
  for (auto& thread : pool) {
    thread.join();
  }
  for (auto& worker : m_workers) {
    if (worker.error) {
      std::rethrow_exception(worker.error);
    }
  }
  if (want_keys) {
    m_spn_keys = HashIndex(m_dir.spn_count());
    for (std::size_t s = 0; s < hashes.size(); ++s) {
      index_spn(static_cast<std::uint32_t>(s), hashes[s]);
    }
    hashes = {};
  }
  if (enabled(rule::k_duplicate)) {
    duplicate_rule(m_main);
  }
  if (enabled(rule::k_alias_collision)) {
    alias_rule(m_main);
  }
  std::vector<Finding> findings;
  for (auto& worker : m_workers) {
    std::move(worker.findings.begin(), worker.findings.end(), std::back_inserter(findings));
  }
  std::move(m_main.findings.begin(), m_main.findings.end(), std::back_inserter(findings));

  const auto rule_order = [](const std::string& id) {
    const auto& rules = rule_catalog();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].id == id) {
        return i;
      }
    }
    return rules.size();
  };
  std::sort(findings.begin(), findings.end(), [&](const Finding& x, const Finding& y) {
    if (x.severity != y.severity) {
      return x.severity > y.severity;
    }
    if (x.rule != y.rule) {
      return rule_order(x.rule) < rule_order(y.rule);
    }
    const auto kx = spn_key(x.spn);
    const auto ky = spn_key(y.spn);
    if (kx != ky) {
      return kx < ky;
    }
    return x.id < y.id;
  });
  // The same DN read twice (two overlapping exports) yields the same finding twice.
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [](const Finding& x, const Finding& y) { return x.id == y.id; }),
                 findings.end());
  return findings;
}

} // namespace

std::vector<Finding> analyze(const Directory& directory, const AnalyzerOptions& options) {
  Analysis analysis(directory, options);
  return analysis.run();
}

} // namespace spnscan
