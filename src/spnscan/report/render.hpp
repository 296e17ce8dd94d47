#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/report/fixes.hpp"

#include <string>
#include <vector>

// The one place where a finding's facts become words: its message (the rule's wording, with
// values, accounts and reasons shown safely), why the keeper keeps the SPN, the hints of an
// undecided finding's choices, and the four forms of each fix. Every format writes these.
namespace spnscan {

struct RenderedChoice {
  std::string hint; // "likely: the only enabled holder", or empty
  Remediation fix;  // removes the SPN from every holder but the choice's keeper
};

struct RenderedFinding {
  std::string message;
  std::string keep_reason; // empty without a keeper
  Remediation fix;         // empty when undecided
  std::vector<RenderedChoice> choices;
};

RenderedFinding render(const Finding& finding);

// An account as prose describes it: "Administrator (user, the built-in Administrator (RID 500))".
std::string describe(const AccountRef& account);

} // namespace spnscan
