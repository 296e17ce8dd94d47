// spn-uniqueness-checks-disabled: the 21st character of dSHeuristics turns off the domain
// controllers' UPN, SPN or SPN-alias uniqueness checks (KB5008382).

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule spn_uniqueness_checks_disabled;

namespace {

constexpr std::size_t k_position = 21; // 1-based, as KB5008382 counts

struct Details {
  char flag = '0';
  bool syntax_broken = false; // the 10th is not '1' or the 20th not '2' (AD refuses the write)
};

// The checks a value of the 21st character turns off; empty for '0' and unknown values.
std::vector<std::string_view> checks_off(char flag) {
  if (flag < '0' || flag > '7') {
    return {};
  }
  const int bits = flag - '0';
  std::vector<std::string_view> off;
  if ((bits & 1) != 0) {
    off.emplace_back("UPN uniqueness");
  }
  if ((bits & 2) != 0) {
    off.emplace_back("SPN uniqueness");
  }
  if ((bits & 4) != 0) {
    off.emplace_back("SPN alias (sPNMappings) uniqueness");
  }
  return off;
}

void check(const RuleContext& ctx, Sink& sink) {
  const DirectoryFacts& facts = ctx.directory().facts();
  if (!facts.ds_heuristics || facts.ds_heuristics->size() < k_position) {
    return;
  }
  const std::string& value = *facts.ds_heuristics;
  const char flag = value[k_position - 1];
  if (flag == '0') {
    return;
  }
  Finding f;
  f.rule = &spn_uniqueness_checks_disabled;
  f.severity = spn_uniqueness_checks_disabled.severity;
  f.account.dn = facts.directory_service_dn;
  f.account.sam_account_name = "Directory Service";
  std::string fixed = value;
  fixed[k_position - 1] = '0';
  Details details{flag, (value.size() >= 10 && value[9] != '1') ||
                            (value.size() >= 20 && value[19] != '2')};
  f.settings.push_back(Setting{f.account, "dSHeuristics", value, fixed});
  f.details = details;
  ctx.emit(sink, std::move(f), {}, std::string_view("dSHeuristics"));
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  const auto off = checks_off(d.flag);
  std::string list;
  for (std::size_t i = 0; i < off.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == off.size() ? " and " : ", ") + std::string(off[i]);
  }
  std::string message =
      off.empty()
          ? fmt::format("dSHeuristics on {} has {} as its 21st character, which KB5008382 does "
                        "not define (0 enforces; 1 UPN, 2 SPN, 4 SPN-alias checks off, added)",
                        w.text(f.account.dn), w.value(std::string(1, d.flag)))
          : fmt::format("dSHeuristics on {} turns off the domain controllers' {} check{} (21st "
                        "character {}, KB5008382)",
                        w.text(f.account.dn), list, off.size() == 1 ? "" : "s",
                        w.value(std::string(1, d.flag)));
  message += ": the DCs accept duplicate SPNs again, which is how conflicts like the ones "
             "this report lists come back after they are removed. Set the 21st character to 0 "
             "(the rest of the value unchanged)";
  message += d.syntax_broken ? "; the value also breaks dSHeuristics' own syntax (the 10th "
                               "character must be 1, the 20th 2, when the value is that long), "
                               "so fix those too or AD refuses the write."
                             : ".";
  return message;
}

std::string cannot_run(const Directory& directory) {
  const DirectoryFacts& facts = directory.facts();
  if (!facts.directory_service_read) {
    return "the input does not hold CN=Directory Service,CN=Windows NT,CN=Services,<the "
           "Configuration partition> (export it with dSHeuristics and sPNMappings: see the man "
           "page, EXPORTING)";
  }
  if (!facts.covers(Attr::ds_heuristics)) {
    return "the Directory Service entry in the input does not say whether it has dSHeuristics "
           "(export it with that attribute)";
  }
  return {};
}

} // namespace

extern const Rule spn_uniqueness_checks_disabled = {
    .id = "spn-uniqueness-checks-disabled",
    .severity = Severity::warning,
    .title = "dSHeuristics turns off the DCs' UPN/SPN uniqueness checks",
    .explanation =
        "Since KB5008382 (CVE-2021-42282) domain controllers refuse to create a duplicate UPN, "
        "a duplicate SPN, or an SPN that an sPNMappings alias makes collide with another "
        "account's. The 21st character of dSHeuristics on CN=Directory Service,CN=Windows "
        "NT,CN=Services in the Configuration partition switches these checks off: 0 enforces "
        "them, 1 turns off the UPN check, 2 the SPN check, 4 the SPN-alias check, and sums "
        "combine them. With the checks off, duplicates come back after every cleanup. spnscan "
        "says which checks are off. Fix: set that character to 0 and leave the rest of the "
        "value as it is.",
    .pass = Pass::directory,
    .check_directory = check,
    .word = word,
    .cannot_run = cannot_run,
};

} // namespace spnscan::rules
