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

// Reads a line from the terminal with echo off, after printing prompt to stderr. Throws
// UsageError when there is no terminal to prompt on (cron) or input ends.
std::string prompt_password(const std::string& prompt);

// Replaces path with content atomically: temp file in the same directory (O_EXCL,
// O_NOFOLLOW, mode 0600), write, fsync, rename over path, fsync the directory. Every result is
// checked (ENOSPC): on failure the temp file is removed, the old file is left as it was, and an
// OutputError naming the path and the system error is thrown.
void write_file_atomically(const std::string& path, const std::string& content);

// Succeeds when only the owner can read the secret file at path; otherwise says why not
// ("mode 0644: readable by group or others", "not a regular file"). On Windows it always
// succeeds (ACLs, not modes).
Status secret_file(const std::string& path);

// Succeeds when path is a regular file that only its owner (or root) may change; otherwise says
// why not ("mode 0666: writable by group or others", "not a regular file"). On Windows it
// always succeeds.
Status trusted_file(const std::string& path);

// Sets an environment variable of this process (before a library reads it).
void set_environment(const char* name, const std::string& value);

// Text of errno-style error code.
std::string error_text(int error_number);

} // namespace spnscan::platform
