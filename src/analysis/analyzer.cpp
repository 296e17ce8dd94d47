#include "spnscan/analysis/analyzer.hpp"

#include "spnscan/analysis/remediation.hpp"
#include "hash_index.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/model/text.hpp"

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

bool is_smtp_class(std::string_view service_class) {
  return iequals(service_class, "SMTP") || iequals(service_class, "SMTPSVC");
}

// Who should keep an SPN that several accounts hold, and why; or, when spnscan cannot tell,
// the holders that might, likeliest first.
struct Decision {
  std::optional<std::size_t> keeper;
  std::string reason;
  std::vector<std::size_t> candidates; // undecided
  std::vector<std::string> hints;      // one per candidate, may be empty
  std::string undecided;               // why spnscan cannot tell
};

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
    std::vector<Keyed> probes;          // hash of "<target>/rest" -> alias SPN index
    std::vector<std::size_t> privileged; // accounts for the per-account privileged rule
    std::string class_buffer;           // lower-cased service class of the SPN at hand
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
  // Services of this class run as the machine itself (host-bound classes, SMTP).
  bool is_machine_service(std::string_view service_class) const {
    return m_host_bound.find(ascii_lower(service_class)) != m_host_bound.end() ||
           is_smtp_class(service_class);
  }

  // The names an account answers to, computed once per account rather than per SPN.
  struct AccountNames {
    std::string_view dns;        // dNSHostName without a trailing dot
    std::string_view short_name; // sAMAccountName without the '$'
  };
  void index_spn(std::uint32_t spn_index, std::uint64_t hash);
  void per_spn_rules(Worker& w, const AccountView& a, const AccountNames& names,
                     std::size_t spn_index, const Canonical& canon);
  void duplicate_rule(Worker& w);
  void alias_rule(Worker& w);
  void privileged_rule(Worker& w);
  void per_spn_pass(Worker& worker, std::size_t first_account, std::size_t end_account,
                    std::vector<std::uint64_t>* hashes);
  // Gives the finding its stable id: a hash of the rule, `key` (the SPN's canonical form, or
  // empty for a per-account finding) and every holder's DN, whatever order the directory
  // returned the accounts in.
  void add(Worker& worker, Finding finding, const std::vector<std::size_t>& holders,
           std::optional<std::string_view> key = std::nullopt) const;
  Finding make(std::string_view rule_id, std::string_view spn, std::size_t account) const;
  // Sets what to remove, who keeps it and the fix built from that.
  void set_fix(Finding& finding, std::vector<Removal> removals, std::optional<std::size_t> keep,
               std::string keep_reason, Aftercare aftercare) const;
  // Every SPN index with the same canonical key as spn_index (itself included), in index order.
  std::vector<std::uint32_t> same_key(std::uint32_t spn_index) const;
  // The distinct holders of these SPN indexes, in account order.
  std::vector<std::size_t> owners(const std::vector<std::uint32_t>& spns) const;
  // The values of these SPN indexes that `account` holds, as it holds them.
  Removal removal_of(std::size_t account, const std::vector<std::uint32_t>& spns) const;
  // Decides which holder keeps a contested SPN (see Decision and the man page's order).
  Decision decide(const Canonical& canon, const std::vector<std::size_t>& holders) const;
  // The choices of an undecided finding: keep on each candidate, remove from the others.
  std::vector<Choice> choices(const Decision& decision, const std::vector<std::size_t>& holders,
                              const std::vector<std::uint32_t>& spns, Aftercare aftercare) const;
  std::string describe(std::size_t account) const;
  // "a (user), b (computer)": every account of the list described.
  std::string describe_all(const std::vector<std::size_t>& accounts) const;
  // Puts every account of `holders` but `except` into finding.related.
  void relate(Finding& finding, const std::vector<std::size_t>& holders, std::size_t except) const;

  const Directory& m_dir;
  const AnalyzerOptions& m_options;
  std::set<std::string, std::less<>> m_host_bound; // lower-case
  HashIndex m_machine_names{0}; // lower-case machine name -> account
  HashIndex m_spn_keys{0};      // canonical SPN -> SPN index of its first holder
  bool m_have_keys = false;
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
  return fmt::format("{} ({})", escape_for_display(name), what);
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
  f.spns = {std::string(spn)};
  f.account = ref(account);
  return f;
}

void Analysis::set_fix(Finding& finding, std::vector<Removal> removals,
                       std::optional<std::size_t> keep, std::string keep_reason,
                       Aftercare aftercare) const {
  for (const auto& removal : removals) {
    finding.remove_from.push_back(removal.account.dn);
  }
  if (keep) {
    finding.keep_on = m_dir.account(*keep).dn;
    finding.keep_reason = std::move(keep_reason);
  }
  finding.remediation = build_removal(removals, aftercare);
  finding.removals = std::move(removals);
}

void Analysis::add(Worker& worker, Finding finding, const std::vector<std::size_t>& holders,
                   std::optional<std::string_view> key) const {
  std::vector<std::string> dns;
  for (auto h : holders) {
    dns.push_back(lower_dn(h));
  }
  std::sort(dns.begin(), dns.end());
  std::uint64_t hash = fnv1a(finding.rule);
  hash = fnv1a(std::string_view("\0", 1), hash);
  hash = fnv1a(key ? std::string(*key) : spn_key(finding.spn), hash);
  for (const auto& dn : dns) {
    hash = fnv1a(std::string_view("\0", 1), hash);
    hash = fnv1a(dn, hash);
  }
  finding.id = fmt::format("{}:{:016x}", finding.rule, hash);
  worker.findings.push_back(std::move(finding));
}

std::vector<std::uint32_t> Analysis::same_key(std::uint32_t spn_index) const {
  std::vector<std::uint32_t> out{spn_index};
  if (!m_have_keys) {
    return out;
  }
  Canonical mine;
  Canonical other;
  canonicalize(m_dir.spn(spn_index), mine);
  std::optional<std::uint32_t> first;
  m_spn_keys.for_each(fnv1a(mine.key), [&](std::uint32_t candidate) {
    if (!first) {
      canonicalize(m_dir.spn(candidate), other);
      if (other.key == mine.key) {
        first = candidate;
      }
    }
  });
  if (!first) {
    return out;
  }
  out = {*first};
  if (const auto dup = m_duplicates.find(*first); dup != m_duplicates.end()) {
    out.insert(out.end(), dup->second.begin(), dup->second.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::size_t> Analysis::owners(const std::vector<std::uint32_t>& spns) const {
  std::vector<std::size_t> out;
  for (auto s : spns) {
    out.push_back(m_dir.spn_owner(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Removal Analysis::removal_of(std::size_t account, const std::vector<std::uint32_t>& spns) const {
  Removal removal{ref(account), {}};
  for (auto s : spns) {
    if (m_dir.spn_owner(s) == account) {
      removal.values.emplace_back(m_dir.spn(s));
    }
  }
  return removal;
}

Decision Analysis::decide(const Canonical& canon, const std::vector<std::size_t>& holders) const {
  Decision d;
  const auto holds = [&](std::size_t a) {
    return std::find(holders.begin(), holders.end(), a) != holders.end();
  };
  // 1. The computer the SPN's host names: the strongest sign (services on a host run as it
  //    unless configured otherwise). Among several such computers, the enabled one.
  if (canon.parsed) {
    std::vector<std::size_t> named;
    for (auto m : machines_named(canon.parsed->host)) {
      if (holds(m)) {
        named.push_back(m);
      }
    }
    std::vector<std::size_t> enabled_named;
    std::copy_if(named.begin(), named.end(), std::back_inserter(enabled_named),
                 [&](std::size_t m) { return !m_dir.account(m).disabled; });
    const std::string host = escape_for_display(canon.parsed->host);
    if (named.size() == 1) {
      d.keeper = named.front();
      d.reason = fmt::format("{} is the computer that {} names{}", describe(named.front()), host,
                             is_machine_service(canon.parsed->service_class)
                                 ? fmt::format(", and {}/ services run as the computer itself",
                                               escape_for_display(canon.parsed->service_class))
                                 : std::string());
      return d;
    }
    if (named.size() > 1 && enabled_named.size() == 1) {
      d.keeper = enabled_named.front();
      d.reason = fmt::format("{} is the enabled one of the {} computers that {} names (the "
                             "others are disabled objects of a rebuilt or retired server)",
                             describe(enabled_named.front()), named.size(), host);
      return d;
    }
    if (named.size() > 1) {
      d.candidates = named;
      d.undecided = fmt::format("{} computers are named {}", named.size(), host);
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
      d.reason = fmt::format("the other {} privileged, krbtgt or trust {}, which must not run "
                             "a service",
                             holders.size() == 2 ? "holder is a" : "holders are",
                             holders.size() == 2 ? "account" : "accounts");
      return d;
    }
    d.candidates = plausible.empty() ? holders : plausible;
    d.undecided = "none of the holders is the computer its host names, and more than one could "
                  "run the service";
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
      d.hints.emplace_back();
    } else if (!m_dir.account(c).disabled) {
      d.hints.emplace_back(enabled_count == 1 ? "likely: the only enabled holder"
                                              : "enabled");
    } else {
      d.hints.emplace_back("disabled: no service can log on as it until it is enabled");
    }
  }
  return d;
}

std::vector<Choice> Analysis::choices(const Decision& decision,
                                      const std::vector<std::size_t>& holders,
                                      const std::vector<std::uint32_t>& spns,
                                      Aftercare aftercare) const {
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
    choice.remediation = build_removal(choice.removals, aftercare);
    out.push_back(std::move(choice));
  }
  return out;
}

void Analysis::per_spn_rules(Worker& w, const AccountView& a, const AccountNames& names,
                             std::size_t spn_index, const Canonical& canon) {
  const std::size_t account = a.index;
  const std::string_view text = m_dir.spn(spn_index);
  const std::vector<Removal> this_value = {Removal{ref(account), {std::string(text)}}};
  if (!canon.parsed) {
    if (enabled(rule::k_malformed)) {
      Finding f = make(rule::k_malformed, text, account);
      f.message = fmt::format(
          "{} on {} is not a valid SPN: {}. An SPN has the form "
          "serviceclass/host[:port][/servicename]; no client can ever request this value, so "
          "the service it was meant for has no working SPN (Kerberos fails or falls back to NTLM).",
          prose_value(text), describe(account), canon.error);
      set_fix(f, this_value, std::nullopt, {}, Aftercare::generic);
      add(w, std::move(f), {account});
    }
    return;
  }
  const Spn& spn = *canon.parsed;
  const bool machine = is_machine(a.kind);
  if (!machine && enabled(rule::k_smtp_on_non_machine) && is_smtp_class(spn.service_class)) {
    Finding f = make(rule::k_smtp_on_non_machine, text, account);
    const auto owners = machines_named(spn.host);
    std::optional<std::size_t> keep;
    std::string owner_text = "the Exchange server's computer account";
    std::string reason;
    if (!owners.empty()) {
      keep = owners.front();
      owner_text = describe(owners.front());
      reason = fmt::format("{} is the Exchange server that {} names: SMTP/ and SMTPSVC/ belong "
                           "to its computer account",
                           describe(owners.front()), escape_for_display(spn.host));
      for (auto o : owners) {
        f.related.push_back(ref(o));
      }
    }
    f.message = fmt::format(
        "{} is registered on {}, which is not a machine account. SMTP and SMTPSVC SPNs belong "
        "to {}: Exchange's SMTP service runs as the machine. With the value on this account, "
        "Kerberos issues tickets for the wrong key and Exchange servers cannot authenticate each "
        "other: Unified Messaging cannot submit voicemail to the Hub Transport server (event "
        "1082, \"no Hub Transport server available\") and server-to-server mail may stall. "
        "setspn -L on the Exchange server shows nothing wrong because it lists only that "
        "account. Remove the value from {}; never remove it from the machine account.",
        prose_value(text), describe(account), owner_text, describe(account));
    set_fix(f, this_value, keep, std::move(reason), Aftercare::exchange);
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
        "{} is registered on {}, but {}/ is a service class of the computer itself (services "
        "running as LocalSystem or NetworkService). On a non-machine account it captures tickets "
        "meant for {}: access to it fails with KRB_AP_ERR_MODIFIED or silently falls back to NTLM.",
        prose_value(text), describe(account), escape_for_display(spn.service_class),
        owners.empty() ? escape_for_display(spn.host) : describe(owners.front()));
    std::string reason;
    if (!owners.empty()) {
      reason = fmt::format("{} is the computer that {} names, and {}/ services run as it",
                           describe(owners.front()), escape_for_display(spn.host),
                           escape_for_display(spn.service_class));
    }
    set_fix(f, this_value, owners.empty() ? std::nullopt : std::optional(owners.front()),
            std::move(reason), Aftercare::generic);
    add(w, std::move(f), {account});
  }
  if (machine && enabled(rule::k_host_mismatch)) {
    const auto host = spn.host_for_compare();
    if (!iequals(host, names.dns) && !iequals(host, names.short_name)) {
      for (auto other : machines_named(spn.host)) {
        if (other == account) {
          continue;
        }
        Finding f = make(rule::k_host_mismatch, text, account);
        f.related.push_back(ref(other));
        const std::string mine = escape_for_display(a.sam_account_name);
        const std::string theirs = escape_for_display(m_dir.account(other).sam_account_name);
        f.message = fmt::format(
            "{} is registered on {}, but its host {} is another machine account, {}. Clients "
            "connecting to {} get tickets encrypted for {}'s key, which {} cannot decrypt "
            "(KRB_AP_ERR_MODIFIED). Remove the value from {} (and register it on {} if that "
            "machine runs the service).",
            prose_value(text), describe(account), escape_for_display(spn.host), describe(other),
            escape_for_display(spn.host), mine, theirs, mine, theirs);
        set_fix(f, this_value, std::nullopt, {}, Aftercare::generic);
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
  if (canon.parsed && is_smtp_class(canon.parsed->service_class)) {
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

Aftercare aftercare_of(const Canonical& canon) {
  return canon.parsed && is_smtp_class(canon.parsed->service_class) ? Aftercare::exchange
                                                                    : Aftercare::generic;
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
    std::vector<std::uint32_t> spns{first};
    spns.insert(spns.end(), others.begin(), others.end());
    const auto holders = owners(spns);
    if (holders.size() < 2) {
      continue; // one account holding two spellings of one SPN: the KDC finds it either way
    }
    canonicalize(m_dir.spn(first), canon);
    if (!canon.parsed && enabled(rule::k_malformed)) {
      continue; // malformed-spn removes it from every holder: no holder should keep it
    }
    const bool all_krbtgt = std::all_of(holders.begin(), holders.end(), [&](std::size_t h) {
      return m_dir.account(h).kind == AccountKind::krbtgt;
    });
    if (all_krbtgt && canon.key == "kadmin/changepw") {
      continue; // every domain's krbtgt holds it: by design
    }
    const Decision decision = decide(canon, holders);
    std::vector<std::size_t> remove;
    for (auto h : holders) {
      if (!decision.keeper || h != *decision.keeper) {
        remove.push_back(h);
      }
    }
    // The account the fix applies to comes first; the keeper and the rest follow.
    const Removal lead = removal_of(remove.front(), spns);
    Finding f = make(rule::k_duplicate, lead.values.front(), remove.front());
    f.spns.clear();
    for (auto s : spns) {
      const std::string_view value = m_dir.spn(s);
      if (std::find(f.spns.begin(), f.spns.end(), value) == f.spns.end()) {
        f.spns.emplace_back(value);
      }
    }
    relate(f, holders, remove.front());
    f.message = fmt::format(
        "{} is registered on {} accounts: {}. An SPN must be unique in the forest: the KDC "
        "cannot tell whose key to encrypt the service ticket with, logs System event 11 and "
        "clients fail with KRB_AP_ERR_MODIFIED or fall back to NTLM. {}",
        prose_value(f.spn), holders.size(), describe_all(holders), impact_of(canon));
    if (f.spns.size() > 1) {
      f.message += "The holders spell it differently (case, a trailing dot or the port), so "
                   "each fix names the value as that account holds it. ";
    }
    if (decision.keeper) {
      f.message += fmt::format("Keep it on {}: {}. Remove it from the other{}.",
                               describe(*decision.keeper), decision.reason,
                               remove.size() > 1 ? "s" : "");
      std::vector<Removal> removals;
      for (auto h : remove) {
        removals.push_back(removal_of(h, spns));
      }
      set_fix(f, std::move(removals), decision.keeper, decision.reason, aftercare_of(canon));
    } else {
      f.message += fmt::format(
          "spnscan cannot decide which account should keep it ({}): keep it on the one account "
          "the service runs as (its logon account or application pool identity) and remove it "
          "from the others. The fix gives one choice per holder; apply only one of them.",
          decision.undecided);
      f.choices = choices(decision, holders, spns, aftercare_of(canon));
    }
    add(w, std::move(f), holders);
  }
}

void Analysis::alias_rule(Worker& w) {
  struct Collision {
    std::vector<std::uint32_t> alias_spns;
    std::vector<std::uint32_t> target_spns;
  };
  std::map<std::string, Collision> collisions; // canonical alias SPN -> collision
  Canonical alias;
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
    Canonical target;
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
      if (owner == alias_owner ||
          samba_dns_pair(m_dir.account(alias_owner), *alias.parsed, m_dir.account(owner))) {
        continue;
      }
      auto& c = collisions[alias.key];
      c.alias_spns.push_back(probe.index);
      c.target_spns.push_back(target_spn);
    }
  }
  for (auto& [key, c] : collisions) {
    for (auto* list : {&c.alias_spns, &c.target_spns}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    const auto alias_holders = owners(c.alias_spns);
    const auto target_holders = owners(c.target_spns);
    std::vector<std::size_t> all = alias_holders;
    all.insert(all.end(), target_holders.begin(), target_holders.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    const std::string alias_text(m_dir.spn(c.alias_spns.front()));
    const std::string target_text(m_dir.spn(c.target_spns.front()));
    canonicalize(alias_text, alias);
    // Prefer the machine the host names: keep whichever of the two SPNs it holds.
    std::optional<std::size_t> machine;
    for (auto m : machines_named(alias.parsed->host)) {
      if (std::find(all.begin(), all.end(), m) != all.end()) {
        machine = m;
        break;
      }
    }
    const auto holds = [](const std::vector<std::size_t>& list, std::size_t a) {
      return std::find(list.begin(), list.end(), a) != list.end();
    };
    const bool remove_target = machine && holds(alias_holders, *machine) &&
                               !holds(target_holders, *machine);
    const auto& side_spns = remove_target ? c.target_spns : c.alias_spns;
    std::vector<std::size_t> remove;
    for (auto h : remove_target ? target_holders : alias_holders) {
      if (!machine || h != *machine) {
        remove.push_back(h);
      }
    }
    if (remove.empty()) {
      remove = alias_holders;
    }
    std::vector<Removal> removals;
    for (auto h : remove) {
      removals.push_back(removal_of(h, side_spns));
    }
    Finding f = make(rule::k_alias_collision, removals.front().values.front(), remove.front());
    relate(f, all, remove.front());
    const std::string alias_class = escape_for_display(alias.parsed->service_class);
    f.message = fmt::format(
        "{} on {} collides with {} on {}: sPNMappings maps {}/ to {}/, so the KDC treats {} "
        "as covering {} and two accounts answer to the same name. Kerberos to the service fails "
        "or picks the wrong account's key; since KB5008382 (CVE-2021-42282) domain controllers "
        "refuse to create such pairs. Remove {} from {}",
        prose_value(alias_text), describe_all(alias_holders), prose_value(target_text),
        describe_all(target_holders), alias_class,
        *m_dir.spn_mappings().target_of(alias.parsed->service_class), prose_value(target_text),
        prose_value(alias_text), prose_value(f.spn), describe(remove.front()));
    if (!remove_target) {
      f.message += fmt::format("; if the service must run as that account, publish it under a "
                               "DNS name of its own and register {}/<that name> there instead.",
                               alias_class);
    } else {
      f.message += ".";
    }
    std::string reason;
    if (machine) {
      reason = fmt::format("{} is the computer that {} names", describe(*machine),
                           escape_for_display(alias.parsed->host));
    }
    set_fix(f, std::move(removals), machine, std::move(reason), Aftercare::generic);
    add(w, std::move(f), all);
  }
}

void Analysis::privileged_rule(Worker& w) {
  constexpr std::size_t k_listed = 10; // values named in the message per group
  std::vector<std::size_t> accounts;
  for (const auto& worker : m_workers) {
    accounts.insert(accounts.end(), worker.privileged.begin(), worker.privileged.end());
  }
  Canonical canon;
  for (const auto account : accounts) {
    const auto a = m_dir.account(account);
    Finding f = make(rule::k_privileged, m_dir.spn(a.first_spn), account);
    f.spns.clear();
    // Where each value belongs, so that this finding agrees with the others about it.
    std::vector<std::string> elsewhere; // "'SMTP/hub1' (on HUB1$ (computer): ...)"
    std::vector<std::string> only_here;
    std::vector<std::size_t> belongs_on;
    for (std::uint32_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
      const std::string_view value = m_dir.spn(s);
      f.spns.emplace_back(value);
      canonicalize(value, canon);
      std::optional<std::size_t> home;
      std::string why;
      if (canon.parsed && is_machine_service(canon.parsed->service_class)) {
        const auto named = machines_named(canon.parsed->host);
        if (!named.empty()) {
          home = named.front();
          why = fmt::format("the computer that {} names", escape_for_display(canon.parsed->host));
        }
      }
      if (!home) {
        const auto holders = owners(same_key(s));
        if (holders.size() > 1) {
          const Decision d = decide(canon, holders);
          if (d.keeper && *d.keeper != account) {
            home = d.keeper;
            why = "which also holds it";
          }
        }
      }
      if (home) {
        if (std::find(belongs_on.begin(), belongs_on.end(), *home) == belongs_on.end()) {
          belongs_on.push_back(*home);
        }
        if (elsewhere.size() < k_listed) {
          elsewhere.push_back(fmt::format("{} (on {}, {})", prose_value(value),
                                          escape_for_display(m_dir.account(*home).sam_account_name),
                                          why));
        } else {
          elsewhere.emplace_back();
        }
      } else if (only_here.size() < k_listed) {
        only_here.push_back(prose_value(value));
      } else {
        only_here.emplace_back();
      }
    }
    const auto listed = [&](const std::vector<std::string>& items) {
      std::string text;
      std::size_t shown = 0;
      for (const auto& item : items) {
        if (!item.empty()) {
          text += (shown++ == 0 ? "" : ", ") + item;
        }
      }
      if (shown < items.size()) {
        text += fmt::format(" and {} more", items.size() - shown);
      }
      return text;
    };
    f.message = fmt::format(
        "{} is privileged and holds {} SPN{}. Any domain user can request a service ticket for "
        "an SPN and crack the holder's password offline (Kerberoasting), which for this account "
        "means control of the domain.",
        describe(account), a.spn_count, a.spn_count == 1 ? "" : "s");
    if (!elsewhere.empty()) {
      f.message += fmt::format(" {} belong{} on another account and only need removing from "
                               "this one: {}.",
                               elsewhere.size() == 1 ? "This value" : "These values",
                               elsewhere.size() == 1 ? "s" : "", listed(elsewhere));
    }
    if (!only_here.empty()) {
      f.message += fmt::format(
          " {} only on this account: {}. Run that service as a gMSA or a dedicated "
          "non-privileged account: remove the SPN{} from this account, then register {} on the "
          "new one (setspn -S checks for duplicates first).",
          only_here.size() == 1 ? "This value is" : "These values are", listed(only_here),
          only_here.size() == 1 ? "" : "s", only_here.size() == 1 ? "it" : "them");
    }
    for (auto home : belongs_on) {
      f.related.push_back(ref(home));
    }
    Removal removal{ref(account), f.spns};
    const bool smtp = std::any_of(f.spns.begin(), f.spns.end(), [&](const std::string& v) {
      canonicalize(v, canon);
      return canon.parsed && is_smtp_class(canon.parsed->service_class);
    });
    set_fix(f, {std::move(removal)}, std::nullopt, {},
            smtp ? Aftercare::exchange : Aftercare::generic);
    add(w, std::move(f), {account}, std::string_view());
  }
}

void Analysis::per_spn_pass(Worker& worker, std::size_t first_account, std::size_t end_account,
                            std::vector<std::uint64_t>* hashes) {
  try {
    Canonical canon;
    const bool privileged_rule_on = enabled(rule::k_privileged);
    for (std::size_t account = first_account; account < end_account; ++account) {
      const auto a = m_dir.account(account);
      if (privileged_rule_on && a.privileged && !is_machine(a.kind) &&
          a.kind != AccountKind::krbtgt && a.spn_count > 0) {
        worker.privileged.push_back(account);
      }
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
  build_machine_index();
  const bool want_keys =
      enabled(rule::k_duplicate) || enabled(rule::k_alias_collision) || enabled(rule::k_privileged);
  std::vector<std::uint64_t> hashes(want_keys ? m_dir.spn_count() : 0);

  // The per-SPN pass reads the directory only; on a large directory it runs on two threads,
  // each over a run of accounts holding about half of the SPNs.
  unsigned threads = m_options.threads;
  if (threads == 0) {
    threads = m_dir.spn_count() >= 50000 && std::thread::hardware_concurrency() >= 2 ? 2 : 1;
  }
  threads = static_cast<unsigned>(
      std::min<std::size_t>(threads, std::max<std::size_t>(1, m_dir.account_count())));
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
    m_have_keys = true;
  }
  if (enabled(rule::k_duplicate)) {
    duplicate_rule(m_main);
  }
  if (enabled(rule::k_alias_collision)) {
    alias_rule(m_main);
  }
  privileged_rule(m_main);
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
  return findings;
}

} // namespace

std::vector<Finding> analyze(const Directory& directory, const AnalyzerOptions& options) {
  Analysis analysis(directory, options);
  return analysis.run();
}

} // namespace spnscan
