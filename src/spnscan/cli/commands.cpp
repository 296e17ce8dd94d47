// The commands: the table, and what each one runs.

#include "spnscan/cli/commands.hpp"

#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/analysis/queries.hpp"
#include "spnscan/cli/exit_policy.hpp"
#include "spnscan/cli/output.hpp"
#include "spnscan/cli/progress.hpp"
#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/report/render.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/source/ldap/ldap_source.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"
#include "spnscan/triage/triage.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace spnscan {

namespace {

// --- reading ---------------------------------------------------------------------------------

std::vector<std::unique_ptr<AccountSource>> make_sources(const CliOptions& o,
                                                         std::vector<std::string>& warnings) {
  std::vector<std::unique_ptr<AccountSource>> sources;
  if (!o.ldif_files.empty()) {
    if (!o.ldap.uri.empty()) {
      throw UsageError("--ldif and -H/--uri name two different sources; give one of them");
    }
    for (const auto& file : distinct_ldif_inputs(o.ldif_files, warnings)) {
      sources.push_back(std::make_unique<LdifSource>(file));
    }
    return sources;
  }
  if (o.ldap.uri.empty() && k_native_client != LdapClient::wldap32) {
    // (Windows finds the domain's DC, as setspn does: ldap_source.cpp.)
    throw UsageError("no source: give -H/--uri URI to scan a directory or --ldif FILE to read an "
                     "export");
  }
  sources.push_back(std::make_unique<LdapSource>(o.ldap)); // validates the options first
  return sources;
}

// Reads every source into the directory. A directory error after partial results leaves the
// scan marked incomplete and is returned so the caller can still write what was read.
std::optional<DirectoryError> read_sources(const CliOptions& o, Directory& directory) {
  DirectoryBuilder builder(directory);
  StderrObserver observer(!o.quiet && platform::ansi_terminal(stderr), o.verbose > 0);
  builder.set_observer(&observer);
  // check and list ask about accounts that may hold no SPN: keep those too.
  if (!o.check_account.empty()) {
    builder.keep_accounts_named({o.check_account});
  } else if (!o.accounts.empty()) {
    builder.keep_accounts_named(o.accounts);
  }
  for (auto& source : make_sources(o, directory.info().warnings)) {
    directory.info().sources.push_back(source->describe());
    builder.note("reading " + source->describe());
    try {
      source->read(builder);
    } catch (const DirectoryError& e) {
      if (directory.info().complete) {
        throw; // nothing was read: there is no partial report to write
      }
      builder.finish();
      return e;
    }
  }
  builder.finish();
  if (directory.spn_count() == 0 && directory.info().complete) {
    // Every domain has SPNs on its domain controllers and on krbtgt: a read that found none
    // looked in the wrong place or was not allowed to see them, and is no clean bill of health.
    const std::string read = fmt::format("{} {} read, none holding a servicePrincipalName",
                                         directory.info().entries_read,
                                         directory.info().entries_read == 1 ? "entry" : "entries");
    if (!o.ldif_files.empty()) {
      throw InputError(fmt::format(
          "{}: {}. Every Active Directory domain has SPNs on its domain controllers and on "
          "krbtgt, so this is not an export of a domain's accounts: its search base, its filter, "
          "its attribute list (servicePrincipalName must be among them) or the read permissions "
          "of the account that made it are probably wrong",
          fmt::join(directory.info().sources, ", "), read));
    }
    const std::string reason = fmt::format(
        "{}: {}. Every Active Directory domain has SPNs on its domain controllers and on "
        "krbtgt, so the search base ({}) or the read permissions of the bind are probably "
        "wrong (an anonymous or restricted bind may not see servicePrincipalName)",
        fmt::join(directory.info().sources, ", "), read,
        o.ldap.forest         ? std::string("the whole forest through the Global Catalog")
        : o.ldap.base.empty() ? std::string("the defaultNamingContext")
                              : "-b " + o.ldap.base);
    builder.set_incomplete(reason);
    return DirectoryError(reason);
  }
  return std::nullopt;
}

// query, list, dump and check read the whole directory too; an incomplete read is an error
// because "nobody holds it" would be a guess.
Directory read_complete(const CliOptions& o) {
  Directory directory;
  const auto error = read_sources(o, directory);
  if (error) {
    throw DirectoryError(std::string(error->what()) + " (the answer would be incomplete)");
  }
  if (!directory.info().complete) {
    throw DirectoryError("the input is incomplete, so the answer would be too: " +
                         directory.info().incomplete_reason);
  }
  return directory;
}

// Writes what `write` puts into a Writer of the chosen format, to stdout or --output.
template <typename F> void write_output(const CliOptions& o, bool complete, F&& write) {
  const auto writer = o.format->make(WriterOptions{use_color(o), o.details});
  std::ostringstream out;
  write(*writer, out);
  emit(o, std::move(out).str(), complete);
}

// --- the commands ----------------------------------------------------------------------------

ExitStatus run_scan(const CliOptions& o) {
  if (o.fail_on_new && o.baseline.empty()) {
    throw UsageError("--fail-on-new given without --baseline: new since what? Give the JSON report "
                     "of an earlier scan with --baseline FILE");
  }
  // The files first: a mistyped name should not cost a scan of the whole directory.
  std::optional<Baseline> baseline;
  if (!o.baseline.empty()) {
    baseline = read_baseline(o.baseline);
  }
  std::optional<AllowList> allow;
  if (!o.allow.empty()) {
    allow = read_allow_list(o.allow);
  }
  Directory directory;
  directory.info().started_at = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  const auto error = read_sources(o, directory);
  auto findings = analyze(directory, o.analyzer);
  for (auto& [id, why] : rules_not_run(directory, o.analyzer)) {
    directory.info().warnings.push_back("rule " + id + " could not run: " + why);
    directory.info().rules_not_run.emplace_back(std::move(id), std::move(why));
  }
  directory.info().duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count();
  const bool complete = directory.info().complete;
  Triage labels = triage(findings, baseline ? &*baseline : nullptr, allow ? &*allow : nullptr,
                         complete, o.analyzer.disabled_rules, utc_today());
  const ScanReport report = make_scan_report(directory, std::move(findings), std::move(labels));
  write_output(o, complete, [&](Writer& w, std::ostream& out) { w.scan(out, report); });
  if (!complete) {
    std::cerr << "spnscan: error: the scan is incomplete and must not be taken as clean: "
              << (error ? error->what() : directory.info().incomplete_reason) << "\n";
  } else if (!o.quiet && !o.output.empty() && o.output != "-") {
    std::cerr << "spnscan: wrote " << o.output << ": " << render_counts(report) << "\n";
  }
  return scan_exit_status(complete, report.findings, report.triage,
                          ExitPolicy{o.fail_on, o.fail_on_new});
}

ExitStatus run_rules(const CliOptions& o) {
  write_output(o, true, [&](Writer& w, std::ostream& out) { w.rules(out, rule_catalog()); });
  return ExitStatus::ok;
}

ExitStatus run_query(const CliOptions& o) {
  const Directory directory = read_complete(o);
  const auto rows = query_spns(directory, o.patterns);
  write_output(o, true, [&](Writer& w, std::ostream& out) {
    w.holdings(out, rows, rows.empty() ? "No such SPN found." : "");
  });
  return rows.empty() ? ExitStatus::findings : ExitStatus::ok;
}

ExitStatus run_list(const CliOptions& o) {
  const Directory directory = read_complete(o);
  std::vector<std::string> not_found;
  std::vector<AccountRef> without_spns;
  const auto rows = list_spns(directory, o.accounts, not_found, without_spns);
  std::string note;
  for (const auto& a : without_spns) {
    note +=
        (note.empty() ? "" : "\n") + fmt::format("{} ({}) holds no SPN.", a.dn, a.sam_account_name);
  }
  for (const auto& n : not_found) {
    note += (note.empty() ? "" : "\n") + fmt::format("No account named '{}'.", n);
  }
  write_output(o, true, [&](Writer& w, std::ostream& out) { w.holdings(out, rows, note); });
  return not_found.empty() ? ExitStatus::ok : ExitStatus::findings;
}

ExitStatus run_host(const CliOptions& o) {
  const Directory directory = read_complete(o);
  std::vector<std::string> no_machine;
  const auto rows = host_spns(directory, o.hosts, no_machine);
  std::string note;
  for (const auto& n : no_machine) {
    note += (note.empty() ? "" : "\n") +
            fmt::format("No computer account answers to '{}': its SPNs are listed by that name "
                        "only, none of them on a machine account of its own.",
                        n);
  }
  const auto foreign = std::count_if(rows.begin(), rows.end(),
                                     [](const SpnHolding& r) { return r.on_machine == false; });
  if (rows.empty()) {
    note += (note.empty() ? "" : "\n") + std::string("No SPN names this host.");
  } else if (foreign > 0) {
    note += (note.empty() ? "" : "\n") +
            fmt::format("{} of these {} SPNs {} not on the machine's own account: scan to see "
                        "whether they conflict.",
                        foreign, rows.size(), foreign == 1 ? "is" : "are");
  }
  write_output(o, true, [&](Writer& w, std::ostream& out) { w.holdings(out, rows, note); });
  return rows.empty() || foreign > 0 ? ExitStatus::findings : ExitStatus::ok;
}

ExitStatus run_dump(const CliOptions& o) {
  const Directory directory = read_complete(o);
  write_output(o, true,
               [&](Writer& w, std::ostream& out) { w.holdings(out, all_spns(directory), ""); });
  return ExitStatus::ok;
}

ExitStatus run_check(const CliOptions& o) {
  const Directory directory = read_complete(o);
  const CheckAnswer answer{o.check_spn, o.check_account,
                           check_spn(directory, o.check_spn, o.check_account)};
  write_output(o, true, [&](Writer& w, std::ostream& out) { w.check(out, answer); });
  return answer.conflicts.empty() ? ExitStatus::ok : ExitStatus::findings;
}

void query_operands(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("pattern", o.patterns, "SPN or pattern")->required();
}
void host_operands(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("name", o.hosts, "Host name: short, FQDN or any name the machine answers to")
      ->required();
}
void list_operands(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("account", o.accounts, "sAMAccountName or DN")->required();
}
void check_command_operands(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("spn", o.check_spn, "The SPN to add")->required();
  cmd.add_option("account", o.check_account, "sAMAccountName or DN")->required();
}

} // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> k_commands = {
      {"scan", "Apply every rule to every SPN and report the conflicts", true, true, nullptr,
       run_scan},
      {"rules", "List the rules with an explanation of each", false, false, nullptr, run_rules},
      {"query", "Who holds an SPN ('*' wildcards), like setspn -Q", true, false, query_operands,
       run_query},
      {"list", "The SPNs of accounts (sAMAccountName or DN), like setspn -L", true, false,
       list_operands, run_list},
      {"host", "Every SPN naming a host, on any account; marks those not on its machine account",
       true, false, host_operands, run_host},
      {"dump", "Every SPN with its holder", true, false, nullptr, run_dump},
      {"check", "Would adding SPN to ACCOUNT create a duplicate or alias collision? Never writes",
       true, false, check_command_operands, run_check},
  };
  return k_commands;
}

} // namespace spnscan
