#pragma once

#include "spnscan/analysis/queries.hpp"
#include "spnscan/analysis/rules.hpp"
#include "spnscan/report/report.hpp"

#include <ostream>
#include <string>
#include <vector>

// Output of the commands other than scan: query, list, dump (SPN holdings), check and rules.
// Same escaping as the scan report: directory text is untrusted.
namespace spnscan {

// One row per SPN value and holder. `note` (may be empty) is printed after a text table
// ("No such SPN found.") and put in JSON as "notes".
void write_holdings(std::ostream& out, ReportFormat format, const std::vector<SpnHolding>& rows,
                    const std::string& note);

void write_check(std::ostream& out, ReportFormat format, const std::string& spn,
                 const std::string& account, const std::vector<CheckConflict>& conflicts);

void write_rules(std::ostream& out, ReportFormat format, const std::vector<RuleInfo>& rules);

} // namespace spnscan
