#pragma once

// Runs the real spnscan binary and captures its exit status, stdout and stderr.

#include "test_support.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace spnscan::e2e {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

using test::quote;
using test::slurp;
using test::TempDir;
using test::write_text;

// Runs `binary` (a quoted command: the Linux build, or Wine and spnscan.exe) with args from the
// source directory. `env` is a prefix such as "NO_COLOR=1 " (already quoted).
inline Result run_command(const std::string& binary, const std::vector<std::string>& args,
                          const std::string& env = "") {
  static int counter = 0;
  const std::string err_path =
      "/tmp/spnscan-e2e-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".err";
  // The tester's own ~/.config/spnscan/spnscan.conf must not change what a test sees.
  const std::string isolated =
      env.find("XDG_CONFIG_HOME=") == std::string::npos ? "XDG_CONFIG_HOME=/nonexistent " : "";
  std::string command = "cd " + quote(SPNSCAN_SOURCE_DIR) + " && " + isolated + env + binary;
  for (const auto& a : args) {
    command += " " + quote(a);
  }
  command += " 2>" + quote(err_path) + " </dev/null";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return r;
  }
  std::array<char, 65536> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    r.out.append(buffer.data(), n);
  }
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.err = slurp(err_path);
  std::remove(err_path.c_str());
  return r;
}

// The Linux build of this tree.
inline Result run(const std::vector<std::string>& args, const std::string& env = "") {
  return run_command(quote(SPNSCAN_BINARY), args, env);
}

#ifdef SPNSCAN_WINDOWS_EXE
// spnscan.exe of the same tree (scripts/build-windows.sh) under Wine, in a prefix of the build's
// own (its first start creates it: ~10 s).
inline Result run_windows(const std::vector<std::string>& args, const std::string& env = "") {
  const std::string wine = "WINEDEBUG=-all WINEPREFIX=" + quote(SPNSCAN_WINE_PREFIX) + " ";
  // The prefix made before the first run, so its making says nothing on a run's stderr.
  static const int made = std::system((wine + "wineboot --init >/dev/null 2>&1").c_str());
  static_cast<void>(made);
  return run_command(wine + "wine " + quote(SPNSCAN_WINDOWS_EXE), args, env);
}
#endif

} // namespace spnscan::e2e
