#pragma once

#include "spnscan/exit_status.hpp"

#include <stdexcept>
#include <string>

namespace spnscan {

// Base of every error spnscan reports; main prints what() once as "spnscan: error: ...".
class Error : public std::runtime_error {
public:
  Error(ExitStatus status, const std::string& message)
      : std::runtime_error(message), m_status(status) {}
  ExitStatus status() const { return m_status; }

private:
  ExitStatus m_status;
};

// A bad option or a clash of options (exit 2).
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(ExitStatus::usage, message) {}
};

// Unreadable or malformed input such as an LDIF file; the message names file:line (exit 2).
class InputError : public Error {
public:
  explicit InputError(const std::string& message) : Error(ExitStatus::usage, message) {}
};

// The report (or another output) cannot be written: the message names the file and the
// system's reason (exit 2).
class OutputError : public Error {
public:
  explicit OutputError(const std::string& message) : Error(ExitStatus::usage, message) {}
};

// Directory, connection, TLS or authentication failure (exit 3).
class DirectoryError : public Error {
public:
  explicit DirectoryError(const std::string& message) : Error(ExitStatus::directory, message) {}
};

} // namespace spnscan
