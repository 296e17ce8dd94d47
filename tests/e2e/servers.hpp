#pragma once

// Test servers for the live tests: a private slapd (tests/support/slapd-fixture.sh) and the
// scripted responder (tests/support/ldap_responder.py). A server that cannot start makes a test
// SKIP visibly: WARN("SKIPPED: ...") plus a line in $SPNSCAN_SKIP_LOG, so CI can fail on skips.

#include "run_binary.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace spnscan::e2e {

inline const std::string k_support = std::string(SPNSCAN_SOURCE_DIR) + "/tests/support";

// A test whose server cannot start fails, saying why: a suite that did not run is not a green
// suite, with or without scripts/test.sh. Set SPNSCAN_ALLOW_SKIP=1 to let it pass with a
// warning instead (a machine without slapd or Samba, knowingly).
inline void skip(const std::string& reason) {
  if (const char* allow = std::getenv("SPNSCAN_ALLOW_SKIP"); allow != nullptr && *allow == '1') {
    WARN("SKIPPED (SPNSCAN_ALLOW_SKIP=1): " << reason);
    return;
  }
  FAIL("SKIPPED, which fails the suite: " << reason
                                          << " (install what scripts/install-deps.sh installs, "
                                             "or set SPNSCAN_ALLOW_SKIP=1 to allow skips)");
}

// A fresh temporary directory for a server (its sockets, logs and database), removed when the
// server object goes: test_support.hpp's TempDir.
using test::TempDir;

// Parses the KEY=value lines the server scripts print for eval, with the shell's quoting:
// 'single quotes' and backslash escapes outside them (a ' inside a value is written '\'').
inline std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == 0 || eq == std::string::npos ||
        line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") <
            eq) {
      continue; // not an assignment: a message line
    }
    std::string value;
    bool quoted = false;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\'') {
        quoted = !quoted;
      } else if (line[i] == '\\' && !quoted && i + 1 < line.size()) {
        value += line[++i];
      } else {
        value += line[i];
      }
    }
    env[line.substr(0, eq)] = value;
  }
  return env;
}

// Runs argv with stdout to out_path; returns the pid (or -1).
inline pid_t spawn(const std::vector<std::string>& args, const std::string& out_path) {
  std::fflush(nullptr); // or the child's freopen would flush our buffered output a second time
  const pid_t pid = fork();
  if (pid == 0) {
    // Own process group: interpreter wrappers (pyenv shims) may keep python as a grandchild.
    setpgid(0, 0);
    std::freopen(out_path.c_str(), "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::vector<char*> argv;
    for (const auto& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// One ldap_responder.py process for one scenario; stopped (by its pid) when the object goes.
class Responder {
public:
  explicit Responder(const std::string& scenario) {
    const std::string portfile = m_dir.file("port");
    m_pid = spawn({"python3", k_support + "/ldap_responder.py", "--scenario", scenario, "--port",
                   "0", "--portfile", portfile, "--max-seconds", "300"},
                  m_dir.file("stdout"));
    for (int i = 0; i < 200 && m_pid > 0; ++i) {
      const std::string port = slurp(portfile);
      if (!port.empty()) {
        m_uri = "ldap://127.0.0.1:" + port.substr(0, port.find_first_of("\r\n"));
        return;
      }
      int status = 0;
      if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Responder() {
    if (m_pid > 0) {
      // SIGTERM first (the responder exits 0 on it); SIGKILL if it has not gone within 5 s.
      kill(-m_pid, SIGTERM);
      int status = 0;
      pid_t done = 0;
      for (int i = 0; i < 100 && done == 0; ++i) {
        done = waitpid(m_pid, &status, WNOHANG);
        if (done == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      if (done != m_pid) {
        kill(-m_pid, SIGKILL);
        waitpid(m_pid, &status, 0);
      }
    }
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Empty when the responder did not start.
  const std::string& uri() const { return m_uri; }

private:
  TempDir m_dir;
  std::string m_uri;
  pid_t m_pid = -1;
};

// Starts the responder for `scenario`; when it cannot start, skips the test and returns null.
inline std::unique_ptr<Responder> start_responder(const std::string& scenario) {
  auto responder = std::make_unique<Responder>(scenario);
  if (responder->uri().empty()) {
    skip("ldap_responder.py did not start");
    return nullptr;
  }
  return responder;
}

// A private slapd (tests/support/slapd-fixture.sh), stopped when the object goes.
class Slapd {
public:
  // Loaded with `accounts` generated computer accounts.
  explicit Slapd(int accounts, bool tls = true) {
    const std::string ldif = m_dir.file("accounts.ldif");
    const std::string generate = "python3 '" + k_support + "/slapd/gen_accounts.py' " +
                                 std::to_string(accounts) + " > '" + ldif + "' 2>/dev/null";
    if (std::system(generate.c_str()) != 0) {
      m_error = "gen_accounts.py failed";
      return;
    }
    start(ldif, tls);
  }
  // Loaded with an LDIF file, such as fixtures/contoso.ldif. `writable`: the ldapi://
  // EXTERNAL identity may write (for tests that apply spnscan's fixes with ldapmodify).
  explicit Slapd(const std::string& ldif, bool tls = true, bool writable = false) {
    start(ldif, tls, writable);
  }
  ~Slapd() {
    if (m_started) {
      const std::string stop = "'" + k_support + "/slapd-fixture.sh' stop --dir '" + m_dir.path +
                               "/srv' >/dev/null 2>&1";
      [[maybe_unused]] const int rc = std::system(stop.c_str());
    }
  }
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  // Empty when the server runs; otherwise why it does not.
  const std::string& error() const { return m_error; }
  std::string get(const std::string& name) const {
    const auto it = m_env.find(name);
    return it == m_env.end() ? std::string() : it->second;
  }

private:
  void start(const std::string& ldif, bool tls, bool writable = false) {
    const std::string start = "'" + k_support + "/slapd-fixture.sh' start --ldif '" + ldif +
                              "' --dir '" + m_dir.path + "/srv'" + (tls ? "" : " --no-tls") +
                              (writable ? " --writable" : "") + " > '" + m_dir.path + "/env' 2> '" +
                              m_dir.path + "/err'";
    if (std::system(start.c_str()) != 0) {
      m_error = "slapd-fixture.sh start failed: " + slurp(m_dir.file("err")).substr(0, 2000);
      return;
    }
    m_env = parse_env(slurp(m_dir.file("env")));
    m_started = true;
  }

  TempDir m_dir;
  std::string m_error;
  bool m_started = false;
  std::map<std::string, std::string> m_env;
};

// The slapd loaded with fixtures/contoso.ldif, started once for this process; null (and the
// test skipped) if it cannot start.
inline Slapd* contoso() {
  static Slapd server(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif");
  if (!server.error().empty()) {
    skip(server.error());
    return nullptr;
  }
  return &server;
}

} // namespace spnscan::e2e
