#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/model/directory.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// True when some user account (not a machine, krbtgt or trust) holds an SPN: what the
// service-account rules look at.
bool holds_service_user(const Directory& directory);

// Who should keep an SPN that several accounts hold, and why; or, when spnscan cannot tell,
// the holders that might, likeliest first (keeper.cpp: the order is in the man page).
struct Decision {
  std::optional<std::size_t> keeper;
  KeepReason reason;
  std::vector<std::size_t> candidates; // undecided
  std::vector<Hint> hints;             // one per candidate
  std::size_t named_computers = 0;     // undecided: computers the host names among the holders
  std::string host;                    // the SPN's host, as written
};

// What a rule may ask of the directory: the indexes, the keeper decision and the helpers that
// build findings. Read-only once the analysis runs, so the per-SPN pass may share it between
// threads.
class RuleContext {
public:
  RuleContext(const Directory& directory, const AnalyzerOptions& options);

  const Directory& directory() const { return m_dir; }
  const SpnIndex& spn_index() const { return m_spn_index; }
  // The alias SPNs the per-SPN pass met (sPNMappings: http/x maps to host/x).
  const std::vector<AliasProbe>& alias_probes() const { return m_alias_probes; }
  bool enabled(const Rule& rule) const {
    return m_options.disabled_rules.find(rule.id) == m_options.disabled_rules.end();
  }
  // Service classes that run as the machine itself: the host-bound list (lower-case class).
  bool host_bound(std::string_view lower_class) const {
    return m_host_bound.find(lower_class) != m_host_bound.end();
  }
  // Host-bound, or SMTP/SMTPSVC (Exchange's transport runs as the server).
  bool machine_service(std::string_view service_class) const;
  // Machine accounts whose dNSHostName or short name is `host`.
  std::vector<std::size_t> machines_named(std::string_view host) const {
    return m_machines.named(host);
  }

  AccountRef ref(std::size_t account) const { return account_ref(m_dir.account(account)); }
  // The distinct holders of these SPN indexes, in account order.
  std::vector<std::size_t> owners(const std::vector<std::uint32_t>& spns) const;
  // The values of these SPN indexes that `account` holds, as it holds them.
  Removal removal_of(std::size_t account, const std::vector<std::uint32_t>& spns) const;
  // Decides which holder keeps a contested SPN.
  Decision decide(const Canonical& canon, const std::vector<std::size_t>& holders) const;
  // The choices of an undecided finding: keep on each candidate, remove from the others.
  std::vector<Choice> choices(const Decision& decision, const std::vector<std::size_t>& holders,
                              const std::vector<std::uint32_t>& spns) const;

  // A finding of `rule` about the value spn on account.
  Finding make(const Rule& rule, std::string_view spn, std::size_t account) const;
  // A finding of `rule` about a machine's SPN on an account that is not a machine: the
  // computers its host names are related, the first of them keeps it (for `reason`, whose host
  // is filled in here) and the value comes off the site's account.
  Finding misplaced_machine_spn(const Rule& rule, const SpnSite& site, KeepReason reason) const;
  // Gives the finding its stable id (a hash of the rule, `key`, by default the SPN's canonical
  // form, and every holder's DN, whatever order the directory returned them in) and adds it.
  void emit(Sink& sink, Finding finding, const std::vector<std::size_t>& holders,
            std::optional<std::string_view> key = std::nullopt) const;

  // --- filled by the analyzer between the passes ---
  void set_spn_index(SpnIndex index) { m_spn_index = std::move(index); }
  void set_alias_probes(std::vector<AliasProbe> probes) { m_alias_probes = std::move(probes); }

private:
  const Directory& m_dir;
  const AnalyzerOptions& m_options;
  std::set<std::string, std::less<>> m_host_bound; // lower-case
  MachineIndex m_machines;
  SpnIndex m_spn_index;
  std::vector<AliasProbe> m_alias_probes;
};

} // namespace spnscan
