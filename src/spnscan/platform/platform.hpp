#pragma once

#include "spnscan/util/expected.hpp"

#include <cstdio>
#include <string>

// Everything that differs between Linux, macOS and Windows sits behind these few functions
// (src/platform/posix.cpp and src/platform/windows.cpp; each is wrapped in #ifdef so only one
// compiles on a given system).
namespace spnscan::platform {

// Process-wide setup before any network I/O: on POSIX, ignore SIGPIPE so that a server closing
// the connection while libldap writes is an error the scan reports (exit 3), not a silent death.
void prepare_process();

// True when the stream is a terminal (colour and prompts only then).
bool is_terminal(std::FILE* stream);

// True when the stream is a terminal that shows ANSI escapes (colour, "\r\x1b[K"): on POSIX
// is_terminal; on Windows a console, whose virtual-terminal processing it switches on (Windows
// 10 and later), false when that cannot be done.
bool ansi_terminal(std::FILE* stream);

// Reads a line from the terminal with echo off, after printing prompt to stderr. Throws
// UsageError when there is no terminal to prompt on (cron) or input ends.
std::string prompt_password(const std::string& prompt);

// Replaces path with content atomically: temp file in the same directory (O_EXCL,
// O_NOFOLLOW, mode 0600), write, fsync, rename over path, fsync the directory. Every result is
// checked (ENOSPC): on failure the temp file is removed, the old file is left as it was, and an
// OutputError naming the path and the system error is thrown.
void write_file_atomically(const std::string& path, const std::string& content);

// Succeeds when only the owner can read (or change) the secret file at path; otherwise says why
// not ("mode 0644: readable by group or others", "not a regular file"). On Windows its DACL may
// grant reading or changing it to no one but the owner, SYSTEM and Administrators ("readable by
// Everyone (S-1-1-0) by its ACL; `icacls ...` leaves it to you").
Status secret_file(const std::string& path);

// Succeeds when path is a regular file that only its owner (or root) may change; otherwise says
// why not ("mode 0666: writable by group or others", "not a regular file"). On Windows its DACL
// may grant changing it to no one but the owner, SYSTEM and Administrators, and the owner must
// be the user running spnscan, SYSTEM or Administrators.
Status trusted_file(const std::string& path);

// What to do about a file secret_file or trusted_file refused, appended to their message:
// "; chmod 600 it" and ": chmod go-w it" on POSIX; "" on Windows, whose messages carry their
// icacls command.
std::string secret_file_fix();
std::string trusted_file_fix();

// True when a write error means the reading end of a pipe went away (spnscan dump | head -1):
// EPIPE; on Windows also EINVAL, which the C library reports for a closed pipe.
bool reader_gone(int error_number);

// The config files read when --config and --no-config are not given (cli/config_file.cpp):
// $XDG_CONFIG_HOME/spnscan/spnscan.conf (~/.config/...) and /etc/spnscan.conf on POSIX,
// %APPDATA%\spnscan\spnscan.conf and %ProgramData%\spnscan\spnscan.conf on Windows. The
// user's is "" when the environment names no home.
std::string user_config_path();
std::string system_config_path();

// Sets an environment variable of this process (before a library reads it).
void set_environment(const char* name, const std::string& value);

// Text of errno-style error code.
std::string error_text(int error_number);

} // namespace spnscan::platform
