#pragma once

namespace spnscan {

// The whole program: parses the command line, runs the command, prints errors once as
// "spnscan: error: ..." and returns the exit status (exit_status.hpp).
int spnscan_main(int argc, char** argv);

} // namespace spnscan
