#pragma once

// Runs the real spnscan binary and captures its exit status, stdout and stderr.

#include <array>
#include <cstdio>
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

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// `env` is a prefix such as "NO_COLOR=1 " (already quoted).
inline Result run(const std::vector<std::string>& args, const std::string& env = "") {
  static int counter = 0;
  const std::string err_path =
      "/tmp/spnscan-e2e-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".err";
  std::string command = "cd " + quote(SPNSCAN_SOURCE_DIR) + " && " + env + quote(SPNSCAN_BINARY);
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

// A fresh temporary directory, removed with its files when the object goes.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/spnscan-e2e-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + quote(path)).c_str()); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

} // namespace spnscan::e2e
