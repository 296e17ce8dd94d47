#pragma once

// The process exit statuses, in one place. Documented in man/spnscan.1 under EXIT STATUS.
// Raw LDAP result codes are never passed through.
namespace spnscan {

enum class ExitStatus : int {
  ok = 0,        // no finding at or above --fail-on
  findings = 1,  // findings at or above --fail-on
  usage = 2,     // usage or input error (bad option, unreadable or malformed LDIF)
  directory = 3, // directory, connection or authentication error, or an incomplete scan
};

inline int to_int(ExitStatus status) { return static_cast<int>(status); }

} // namespace spnscan
