#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/model/directory.hpp"

#include <vector>

namespace spnscan {

// Applies every enabled rule of the catalog to a directory and returns the findings sorted by
// severity (errors first), rule, SPN and id. Pure: reads only the directory.
std::vector<Finding> analyze(const Directory& directory, const AnalyzerOptions& options);

} // namespace spnscan
