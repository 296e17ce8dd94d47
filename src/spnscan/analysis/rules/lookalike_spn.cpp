// lookalike-spn: an SPN holding invisible characters or letters confusable with ASCII ones
// (Unicode TS #39), and the account whose SPN it imitates (a hidden duplicate).

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/util/confusables.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace spnscan::rules {

extern const Rule lookalike_spn;

namespace {

struct Details {
  Lookalike lookalike;
  std::string imitated; // the SPN it reads as, as the first other holder stores it
};

void check(const RuleContext& ctx, Sink& sink) {
  const Directory& dir = ctx.directory();
  Canonical canon;
  for (std::size_t s = 0; s < dir.spn_count(); ++s) {
    const std::string_view value = dir.spn(s);
    auto found = find_lookalike(value); // plain ASCII returns at once, without ICU
    if (!found) {
      continue;
    }
    const std::size_t owner = dir.spn_owner(s);
    Finding f = ctx.make(lookalike_spn, value, owner);
    Details details{std::move(*found), {}};
    canonicalize(details.lookalike.reads_as, canon);
    std::vector<std::size_t> holders{owner};
    for (const auto other : ctx.spn_index().with_key(fnv1a(canon.key), canon.key)) {
      const std::size_t holder = dir.spn_owner(other);
      if (holder == owner || std::find(holders.begin(), holders.end(), holder) != holders.end()) {
        continue;
      }
      if (details.imitated.empty()) {
        details.imitated = dir.spn(other);
      }
      holders.push_back(holder);
      f.related.push_back(ctx.ref(holder));
    }
    // The real SPN stays where it is (no keeper: the look-alike value belongs nowhere).
    f.removals = {Removal{f.account, {std::string(value)}}};
    f.details = std::move(details);
    ctx.emit(sink, std::move(f), holders);
  }
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  std::string chars;
  for (const auto& c : d.lookalike.characters) {
    chars += (chars.empty() ? "" : "; ") + c;
  }
  std::string message = fmt::format(
      "{} on {} looks like {} but holds {}. No client asks for this name, and exact comparison "
      "(setspn -X, the DCs' uniqueness check) does not see it as the name it imitates.",
      w.value(f.spn), w.account(f.account), w.value(d.lookalike.reads_as), w.text(chars));
  if (!f.related.empty()) {
    message += fmt::format(
        " {} {} {}: this is a hidden duplicate, the pattern of KerberLoss (CVE-2026-25177), "
        "where a look-alike SPN on an attacker's account captures tickets or hides a "
        "conflict. Find out who created it, then remove it from {}; {} keeps the real one.",
        w.accounts(f.related), f.related.size() == 1 ? "holds" : "hold", w.value(d.imitated),
        w.name(f.account), w.name(f.related.front()));
  } else {
    message += fmt::format(" Remove it from {} (register the plain name instead if a service "
                           "needs it).",
                           w.name(f.account));
  }
  return message;
}

} // namespace

extern const Rule lookalike_spn = {
    .id = "lookalike-spn",
    .severity = Severity::error,
    .title = "an SPN with invisible characters or letters that look like ASCII ones",
    .explanation =
        "An SPN that holds an invisible or format character (Unicode category Cf: zero-width "
        "space U+200B, bidi marks, soft hyphen, BOM...) or a letter from another script that "
        "looks like an ASCII one (Cyrillic U+0430 for 'a'; the Unicode TS #39 confusables "
        "skeleton, computed with ICU's spoof checker) looks like another name but is not equal "
        "to it, so exact comparisons (setspn -X, the DCs' uniqueness check, other tools) miss "
        "it. When the name it reads as is another account's SPN, that account is related: a "
        "hidden duplicate (KerberLoss, CVE-2026-25177). Names that are plain ASCII are never "
        "reported (the skeleton would take \"rn\" for \"m\"), nor are real non-ASCII names "
        "whose letters look like no ASCII letter. Fix: remove the look-alike value.",
    .pass = Pass::directory,
    .check_directory = check,
    .word = word,
};

} // namespace spnscan::rules
