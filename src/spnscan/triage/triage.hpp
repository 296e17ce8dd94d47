#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/util/expected.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// What the administrator already knows about tonight's findings: last night's report
// (--baseline), and the risks the team accepted (--allow). Neither changes a finding; triage()
// labels each one, pure, so the writers and the exit policy read the same labels.
namespace spnscan {

// --- the baseline: an earlier JSON report ------------------------------------------------------

// A finding of the baseline, as much of it as a "resolved" line shows.
struct BaselineFinding {
  std::string id;
  std::string rule;
  std::string severity;
  std::string spn;
  std::string account_dn;
  std::string account_name; // sAMAccountName
};

struct Baseline {
  std::string file;
  std::string started_at; // of the baseline's scan, as it wrote it
  bool complete = true;   // the baseline's scan read everything
  std::vector<std::string> sources;
  std::vector<BaselineFinding> findings;
};

// Parses a JSON report of spnscan (schema_version 1) or says what is wrong with it, e.g.
// "not JSON: syntax error at byte 12", "not a spnscan report (no schema_version)",
// "findings[3] has no id".
Expected<Baseline> parse_baseline(std::string_view json, const std::string& file);
// Reads and parses --baseline FILE; throws InputError naming the file.
Baseline read_baseline(const std::string& path);

// --- the allow list: accepted risks ------------------------------------------------------------

// One line of an allow list: the findings it matches (every field given must match) and why.
struct AllowEntry {
  std::string where;   // "allow.conf:12"
  std::string rule;    // a rule id, or empty
  std::string spn;     // an SPN or a pattern with '*', compared as scan compares SPNs; or empty
  std::string account; // a sAMAccountName (with or without '$') or a DN; or empty
  std::string id;      // a finding id; or empty
  std::string reason;
  std::optional<std::chrono::year_month_day> expires; // the last day it suppresses
};

struct AllowList {
  std::string file;
  std::vector<AllowEntry> entries;
};

// Parses an allow list (format in spnscan(1), ALLOW LIST) or says "FILE:LINE: what is wrong".
Expected<AllowList> parse_allow_list(std::string_view text, const std::string& file);
// Reads and parses --allow FILE; throws InputError.
AllowList read_allow_list(const std::string& path);

// True when the entry's fields all match the finding (expiry not considered).
bool allow_matches(const AllowEntry& entry, const Finding& finding);

// --- the labels ------------------------------------------------------------------------------

enum class BaselineState { none, added, unchanged }; // none: no baseline given

struct FindingTriage {
  BaselineState baseline = BaselineState::none;
  std::optional<std::size_t> suppressed_by; // index into AllowList::entries
};

struct BaselineResult {
  std::string file;
  std::string started_at;
  bool baseline_complete = true;
  std::size_t added = 0;                 // findings not in the baseline
  std::size_t unchanged = 0;             // findings in it too
  std::vector<BaselineFinding> resolved; // in the baseline, gone now
  bool resolved_known = true;            // false when this scan is incomplete: gone or unread?
  std::size_t not_checked = 0;           // baseline findings of rules disabled in this run
};

struct AllowEntryResult {
  std::size_t matched = 0; // findings it matches (suppressed, or would be when expired)
  bool expired = false;
  bool stale = false; // matches no finding (only judged when the scan is complete)
};

struct AllowResult {
  AllowList list;
  std::vector<AllowEntryResult> entries; // one per list entry
};

struct Triage {
  std::vector<FindingTriage> findings; // one per finding (empty: nothing given)
  std::optional<BaselineResult> baseline;
  std::optional<AllowResult> allow;

  bool suppressed(std::size_t finding) const {
    return finding < findings.size() && findings[finding].suppressed_by.has_value();
  }
  bool added(std::size_t finding) const {
    return finding < findings.size() && findings[finding].baseline == BaselineState::added;
  }
  std::size_t suppressed_count() const;
};

// Labels each finding: new or unchanged against the baseline (by finding id), suppressed by the
// first active allow entry that matches it. An entry is active through its `expires` day.
// `complete`: whether this scan read everything (resolved and stale are judged only then);
// `disabled_rules`: baseline findings of these rules are not called resolved.
Triage triage(const std::vector<Finding>& findings, const Baseline* baseline,
              const AllowList* allow, bool complete,
              const std::set<std::string, std::less<>>& disabled_rules,
              std::chrono::year_month_day today);

// Today in UTC, the day allow entries expire against.
std::chrono::year_month_day utc_today();
// "2027-03-31".
std::string format_date(std::chrono::year_month_day date);

} // namespace spnscan
