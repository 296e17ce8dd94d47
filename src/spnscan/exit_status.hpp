#pragma once

// The process exit statuses, in one place. Documented in man/spnscan.1 under EXIT STATUS.
// Raw LDAP result codes are never passed through.
namespace spnscan {

enum class ExitStatus : int {
  ok = 0,        // no finding at or above --fail-on
  findings = 1,  // findings at or above --fail-on
  usage = 2,     // usage, input or output error (bad option, malformed LDIF, unwritable report)
  directory = 3, // directory, connection or authentication error, or an incomplete scan
  internal = 4,  // an unexpected error: out of memory, or a bug in spnscan (please report it)
};

inline int to_int(ExitStatus status) {
  return static_cast<int>(status);
}

} // namespace spnscan
