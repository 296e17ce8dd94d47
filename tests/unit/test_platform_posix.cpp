#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifndef _WIN32
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace spnscan;
namespace fs = std::filesystem;

#ifndef _WIN32

namespace {

using test::TempDir;

std::string read_file(const std::string& path) {
  return test::slurp(path);
}

// Entries in a directory (the temporary files an atomic write leaves behind, if any).
std::size_t entries(const TempDir& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()));
}

void make_file(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path, std::ios::binary) << content;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return static_cast<unsigned>(info.st_mode) & 07777u;
}

} // namespace

TEST_CASE("write_file_atomically: creates a new file with mode 0600") {
  TempDir dir;
  const std::string path = dir.file("report.json");
  platform::write_file_atomically(path, "{}\n");
  CHECK(read_file(path) == "{}\n");
  CHECK(mode_of(path) == 0600u);
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: replaces existing content and leaves no temp file") {
  TempDir dir;
  const std::string path = dir.file("report.txt");
  make_file(path, "old report, much longer than the new one\n", 0644);
  const std::string content(300000, 'x'); // more than one write() may take
  platform::write_file_atomically(path, content);
  CHECK(read_file(path) == content);
  CHECK(mode_of(path) == 0600u);
  CHECK(entries(dir) == 1);

  platform::write_file_atomically(path, "");
  CHECK(read_file(path).empty());
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: a relative name writes in the current directory") {
  TempDir dir;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path);
  try {
    platform::write_file_atomically("plain.csv", "a,b\r\n");
  } catch (...) {
    fs::current_path(old_cwd);
    throw;
  }
  fs::current_path(old_cwd);
  CHECK(read_file(dir.file("plain.csv")) == "a,b\r\n");
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: a missing directory names the path and the error") {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir");
  const std::string path = missing + "/report.json";
  CHECK_THROWS_MATCHES(platform::write_file_atomically(path, "x"), OutputError,
                       Catch::Message("cannot write " + path + ": creating a temporary file in " +
                                      missing + ": No such file or directory"));
  CHECK(entries(dir) == 0);
}

TEST_CASE("write_file_atomically: a parent that is a regular file fails and leaves it alone") {
  // We run as root, so a read-only directory would not stop us; a file as parent does.
  TempDir dir;
  const std::string parent = dir.file("not-a-dir");
  make_file(parent, "keep me", 0644);
  const std::string path = parent + "/report.json";
  CHECK_THROWS_MATCHES(platform::write_file_atomically(path, "x"), OutputError,
                       Catch::Message("cannot write " + path + ": creating a temporary file in " +
                                      parent + ": Not a directory"));
  CHECK(read_file(parent) == "keep me");
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: a failed rename removes the temp file") {
  // The temp file is written and synced, then rename onto a non-empty directory fails.
  TempDir dir;
  const std::string path = dir.file("report.json");
  fs::create_directory(path);
  make_file(path + "/inside", "", 0600);
  CHECK_THROWS_MATCHES(platform::write_file_atomically(path, "new"), OutputError,
                       Catch::Message("cannot write " + path + ": rename: Is a directory"));
  CHECK(fs::is_directory(path));
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_file_atomically: a name that is not a file") {
  TempDir dir;
  const std::string path = dir.file("");
  CHECK_THROWS_MATCHES(platform::write_file_atomically(path, "x"), OutputError,
                       Catch::Message("cannot write " + path + ": not a file name"));
}

TEST_CASE("secret_file: only owner-only regular files pass") {
  TempDir dir;
  const std::string path = dir.file("password");
  make_file(path, "secret\n", 0600);
  CHECK(platform::secret_file(path));
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(platform::secret_file(path));
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK(platform::secret_file(path).error() == "mode 0644: readable by group or others");
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  CHECK(platform::secret_file(path).error() == "mode 0640: readable by group or others");
  REQUIRE(::chmod(path.c_str(), 0604) == 0);
  CHECK(platform::secret_file(path).error() == "mode 0604: readable by group or others");
  REQUIRE(::chmod(path.c_str(), 0620) == 0);
  CHECK(platform::secret_file(path).error() == "mode 0620: writable by group or others");
  REQUIRE(::chmod(path.c_str(), 0601) == 0);
  CHECK(platform::secret_file(path).error() == "mode 0601: accessible by group or others");
}

TEST_CASE("secret_file: not a regular file, or missing") {
  TempDir dir;
  CHECK(platform::secret_file(dir.path).error() == "not a regular file");
  CHECK(platform::secret_file("/dev/null").error() == "not a regular file");
  CHECK(platform::secret_file(dir.file("missing")).error() == "No such file or directory");
}

TEST_CASE("is_terminal: files and null are not terminals") {
  TempDir dir;
  const std::string path = dir.file("out.txt");
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  CHECK_FALSE(platform::is_terminal(file));
  std::fclose(file);
  CHECK_FALSE(platform::is_terminal(nullptr));
}

TEST_CASE("prompt_password: without a controlling terminal it refuses") {
  // A child in a new session has no controlling terminal, as under cron.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setsid();
    int code = 3;
    try {
      platform::prompt_password("Password: ");
      code = 1;
    } catch (const UsageError& error) {
      code = std::string(error.what()) ==
                     "cannot prompt for a password: no terminal (use -y FILE or -Y GSSAPI for "
                     "unattended runs)"
                 ? 0
                 : 2;
    } catch (...) {
      code = 4;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  // 0: the expected UsageError; 1: returned; 2: other message; 4: other exception.
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("error_text") {
  CHECK(platform::error_text(ENOENT) == "No such file or directory");
  CHECK(platform::error_text(ENOSPC) == "No space left on device");
}

#endif // _WIN32
