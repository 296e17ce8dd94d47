#include "spnscan/analysis/analyzer.hpp"

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <thread>

namespace spnscan {

namespace {

// The rules of each pass, in catalog order.
struct Passes {
  std::vector<const Rule*> per_spn;
  std::vector<const Rule*> per_account;
  std::vector<const Rule*> directory;
};

// What one thread of the per-SPN pass collects; merged in account order afterwards, so the
// result does not depend on the number of threads.
struct Worker {
  Sink findings;
  std::vector<AliasProbe> probes;
  std::exception_ptr error;
};

// Runs the per-SPN rules over accounts [first, end), hashing each SPN's key for the index
// (into `hashes`, when given) and noting the alias SPNs.
void per_spn_pass(const RuleContext& ctx, const Passes& passes, Worker& worker, std::size_t first,
                  std::size_t end, std::vector<std::uint64_t>* hashes) {
  try {
    const Directory& dir = ctx.directory();
    Canonical canon;
    std::string lower_class;
    for (std::size_t account = first; account < end; ++account) {
      const auto a = dir.account(account);
      const std::string_view dns_name = without_trailing_dot(a.dns_host_name);
      const std::string_view short_name = without_dollar(a.sam_account_name);
      for (std::size_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
        canonicalize(dir.spn(s), canon);
        if (hashes != nullptr) {
          (*hashes)[s] = fnv1a(canon.key);
        }
        lower_class.assign(canon.key, 0, canon.class_length); // the key is lower-case already
        const SpnSite site{a, s, dir.spn(s), canon, lower_class, dns_name, short_name};
        for (const Rule* rule : passes.per_spn) {
          rule->check_spn(ctx, site, worker.findings);
        }
        if (canon.parsed) {
          if (const auto target = dir.spn_mappings().target_of(lower_class)) {
            const std::string mapped = std::string(*target) + canon.key.substr(canon.class_length);
            worker.probes.push_back({fnv1a(mapped), static_cast<std::uint32_t>(s)});
          }
        }
      }
    }
  } catch (...) {
    worker.error = std::current_exception();
  }
}

// Splits the accounts into `threads` runs holding about the same number of SPNs.
std::vector<std::size_t> split(const Directory& dir, unsigned threads) {
  std::vector<std::size_t> bounds{0};
  for (unsigned t = 1; t < threads; ++t) {
    const std::size_t target = dir.spn_count() * t / threads;
    std::size_t account = bounds.back();
    while (account < dir.account_count() && dir.account(account).first_spn < target) {
      ++account;
    }
    bounds.push_back(account);
  }
  bounds.push_back(dir.account_count());
  return bounds;
}

} // namespace

std::vector<std::pair<std::string, std::string>> rules_not_run(const Directory& directory,
                                                               const AnalyzerOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Rule* rule : rule_catalog()) {
    if (rule->cannot_run == nullptr || options.disabled_rules.count(rule->id) != 0) {
      continue;
    }
    std::string why = rule->cannot_run(directory);
    if (!why.empty()) {
      out.emplace_back(std::string(rule->id), std::move(why));
    }
  }
  return out;
}

std::vector<Finding> analyze(const Directory& directory, const AnalyzerOptions& options) {
  RuleContext ctx(directory, options);
  Passes passes;
  for (const Rule* rule : rule_catalog()) {
    // A rule that cannot run is not run: half its input would give half its findings.
    if (!ctx.enabled(*rule) ||
        (rule->cannot_run != nullptr && !rule->cannot_run(directory).empty())) {
      continue;
    }
    switch (rule->pass) {
    case Pass::per_spn:
      passes.per_spn.push_back(rule);
      break;
    case Pass::per_account:
      passes.per_account.push_back(rule);
      break;
    case Pass::directory:
      passes.directory.push_back(rule);
      break;
    }
  }
  const bool want_index = !passes.per_account.empty() || !passes.directory.empty();
  std::vector<std::uint64_t> hashes(want_index ? directory.spn_count() : 0);

  // The per-SPN pass reads the directory only; on a large directory it runs on two threads,
  // each over a run of accounts holding about half of the SPNs.
  unsigned threads = options.threads;
  if (threads == 0) {
    threads = directory.spn_count() >= 50000 && std::thread::hardware_concurrency() >= 2 ? 2 : 1;
  }
  threads = static_cast<unsigned>(
      std::min<std::size_t>(threads, std::max<std::size_t>(1, directory.account_count())));
  std::vector<Worker> workers(threads);
  const auto bounds = split(directory, threads);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      per_spn_pass(ctx, passes, workers[t], bounds[t], bounds[t + 1],
                   want_index ? &hashes : nullptr);
    });
  }
  per_spn_pass(ctx, passes, workers[0], bounds[0], bounds[1], want_index ? &hashes : nullptr);
  for (auto& thread : pool) {
    thread.join();
  }
  std::vector<AliasProbe> probes;
  for (auto& worker : workers) {
    if (worker.error) {
      std::rethrow_exception(worker.error);
    }
    probes.insert(probes.end(), worker.probes.begin(), worker.probes.end());
  }
  ctx.set_alias_probes(std::move(probes));
  if (want_index) {
    SpnIndex index;
    index.build(directory, hashes);
    hashes = {};
    ctx.set_spn_index(std::move(index));
  }

  Sink main;
  for (const Rule* rule : passes.directory) {
    rule->check_directory(ctx, main);
  }
  if (!passes.per_account.empty()) {
    for (std::size_t account = 0; account < directory.account_count(); ++account) {
      const auto view = directory.account(account);
      for (const Rule* rule : passes.per_account) {
        rule->check_account(ctx, view, main);
      }
    }
  }

  std::vector<Finding> findings;
  for (auto& worker : workers) {
    std::move(worker.findings.begin(), worker.findings.end(), std::back_inserter(findings));
  }
  std::move(main.begin(), main.end(), std::back_inserter(findings));
  std::sort(findings.begin(), findings.end(), [](const Finding& x, const Finding& y) {
    if (x.severity != y.severity) {
      return x.severity > y.severity;
    }
    if (x.rule != y.rule) {
      return rule_rank(x.rule) < rule_rank(y.rule);
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

} // namespace spnscan
