#pragma once

#include "spnscan/cli/options.hpp"

#include <string>

namespace spnscan {

// Refuses an --output that would destroy an input or that names nothing (UsageError), before
// anything is read or written.
void check_output(const CliOptions& options);

// True when the text report should be coloured: --color always, or auto on a terminal with
// NO_COLOR unset and no --output.
bool use_color(const CliOptions& options);

// Writes a report to standard output or atomically to --output. A partial report
// (complete = false) never replaces an existing file: it goes next to it as FILE.incomplete.
// Throws OutputError naming the file and the system's reason when it cannot be written. A
// reader of standard output that stopped reading (spnscan dump | head) is not an error.
void emit(const CliOptions& options, const std::string& content, bool complete);

} // namespace spnscan
