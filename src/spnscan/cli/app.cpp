// spnscan_main: the command line in, the exit status out, and the one place that prints
// errors ("spnscan: error: ...").

#include "spnscan/cli/app.hpp"

#include "spnscan/cli/commands.hpp"
#include "spnscan/cli/config_file.hpp"
#include "spnscan/cli/options.hpp"
#include "spnscan/cli/output.hpp"
#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <new>

namespace spnscan {

int spnscan_main(int argc, char** argv) {
  platform::prepare_process();
  CliOptions o;
  CLI::App app{"spnscan: find Service Principal Name conflicts in Active Directory, read-only. "
               "See man spnscan(1)."};
  app.set_version_flag("--version", std::string("spnscan ") + k_version);
  app.require_subcommand(1);
  app.fallthrough(false);
  std::vector<std::pair<CLI::App*, const Command*>> registered;
  for (const Command& command : commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.description));
    if (command.operands != nullptr) {
      command.operands(*sub, o);
    }
    if (command.source_options) {
      add_source_options(*sub, o);
    }
    add_output_options(*sub, o);
    if (command.analysis_options) {
      add_analysis_options(*sub, o);
    }
    registered.emplace_back(sub, &command);
  }

  try {
    refuse_password_arguments(argc, argv);
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      throw UsageError(std::string(e.what()) + " (see 'spnscan --help')");
    }
    CLI::App* parsed = nullptr;
    for (const auto& [sub, command] : registered) {
      if (sub->parsed()) {
        o.command = command;
        parsed = sub;
      }
    }
    apply_config(app, *parsed, config_files(o.config, o.no_config));
    check_output(o);
    check_operands(o);
    return to_int(o.command->run(o));
  } catch (const Error& e) {
    std::cerr << "spnscan: error: " << e.what() << "\n";
    return to_int(e.status());
  } catch (const std::bad_alloc&) {
    std::cerr << "spnscan: error: out of memory\n";
    return to_int(ExitStatus::internal);
  } catch (const std::exception& e) {
    std::cerr << "spnscan: internal error (a bug in spnscan, please report it): " << e.what()
              << "\n";
    return to_int(ExitStatus::internal);
  }
}

} // namespace spnscan
