#pragma once

#include "spnscan/cli/options.hpp"
#include "spnscan/exit_status.hpp"

#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace spnscan {

// One command of spnscan (ninja's kTools[]): its name, the line `--help` gives, the option
// groups it takes, its operands and the function that runs it. The one table of commands is
// commands(); app.cpp registers and dispatches from it, so a command cannot fall into another's
// default.
struct Command {
  std::string_view name;
  std::string_view description;
  bool source_options;   // --ldif, -H, bind, TLS
  bool analysis_options; // --fail-on, --disable, --host-bound-classes
  void (*operands)(CLI::App& command, CliOptions& options); // may be null
  ExitStatus (*run)(const CliOptions& options);
};

// Every command, in --help order.
const std::vector<Command>& commands();

} // namespace spnscan
