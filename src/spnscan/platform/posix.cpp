// The POSIX side of platform.hpp (Linux, macOS); CMakeLists.txt compiles it on every system
// but Windows.

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <system_error>
#include <termios.h>
#include <unistd.h>

namespace spnscan::platform {

namespace {

// Owns a file descriptor and closes it once.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd = -1) : m_fd(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  // Closes the descriptor and returns close's result, for callers that must check it.
  int close() {
    const int result = ::close(m_fd);
    m_fd = -1;
    return result;
  }
  void reset() {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }

private:
  int m_fd;
};

// --- prompt_password ---

constexpr const char* k_no_terminal =
    "cannot prompt for a password: no terminal (use -y FILE or -Y GSSAPI for unattended runs)";

// What a signal handler needs to give the terminal its echo back; set only while a prompt runs.
volatile std::sig_atomic_t g_prompt_fd = -1;
termios g_saved_termios{};

constexpr int k_prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

extern "C" void restore_terminal_and_reraise(int signal_number) {
  // tcsetattr, sigaction and raise are async-signal-safe.
  if (g_prompt_fd >= 0) {
    tcsetattr(g_prompt_fd, TCSAFLUSH, &g_saved_termios);
  }
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, nullptr);
  raise(signal_number);
}

// Turns echo off for its lifetime and restores the saved settings on every way out: normal
// return, exception, and the signals that would otherwise end the process with echo still off.
class EchoOffGuard {
public:
  EchoOffGuard(int fd, const termios& saved) : m_fd(fd), m_saved(saved) {
    g_saved_termios = saved;
    g_prompt_fd = fd;
    for (std::size_t i = 0; i < std::size(k_prompt_signals); ++i) {
      struct sigaction action {};
      action.sa_handler = restore_terminal_and_reraise;
      sigemptyset(&action.sa_mask);
      sigaction(k_prompt_signals[i], &action, &m_old_actions[i]);
    }
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    // TCSAFLUSH drops anything typed ahead before the prompt appeared.
    m_active = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOffGuard() {
    if (m_active) {
      tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    }
    g_prompt_fd = -1;
    for (std::size_t i = 0; i < std::size(k_prompt_signals); ++i) {
      sigaction(k_prompt_signals[i], &m_old_actions[i], nullptr);
    }
  }
  EchoOffGuard(const EchoOffGuard&) = delete;
  EchoOffGuard& operator=(const EchoOffGuard&) = delete;

  bool active() const { return m_active; }

private:
  int m_fd;
  termios m_saved;
  bool m_active = false;
  struct sigaction m_old_actions[std::size(k_prompt_signals)]{};
};

// --- write_file_atomically ---

// Writes all of content to fd, looping over partial writes and EINTR; returns 0 or an errno.
int write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

int fsync_retrying(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

// Creates a new file dir/.base.spnscan-XXXXXX that nobody else can have opened or linked:
// O_EXCL refuses an existing name, O_NOFOLLOW a planted symbolic link.
FileDescriptor create_temp_file(const std::string& dir, const std::string& base,
                                std::string& temp_path, int& error) {
  static constexpr char k_letters[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device random;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(k_letters) - 2);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string suffix(6, 'X');
    for (auto& c : suffix) {
      c = k_letters[pick(random)];
    }
    temp_path = fmt::format("{}/.{}.spnscan-{}", dir, base, suffix);
    const int fd =
        ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      return FileDescriptor(fd);
    }
    if (errno != EEXIST && errno != EINTR) {
      error = errno;
      return FileDescriptor();
    }
  }
  error = EEXIST;
  return FileDescriptor();
}

[[noreturn]] void throw_write_error(const std::string& path, std::string_view step, int error) {
  throw OutputError(fmt::format("cannot write {}: {}: {}", path, step, error_text(error)));
}

} // namespace

void prepare_process() {
  std::signal(SIGPIPE, SIG_IGN);
}

bool is_terminal(std::FILE* stream) {
  return stream != nullptr && ::isatty(::fileno(stream)) == 1;
}

std::string user_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/spnscan/spnscan.conf";
  }
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    return std::string(home) + "/.config/spnscan/spnscan.conf";
  }
  return {};
}

std::string system_config_path() {
  return "/etc/spnscan.conf";
}

bool reader_gone(int error_number) {
  return error_number == EPIPE;
}

std::string secret_file_fix() {
  return "; chmod 600 it";
}

std::string trusted_file_fix() {
  return ": chmod go-w it";
}

bool ansi_terminal(std::FILE* stream) {
  return is_terminal(stream); // terminals take ANSI escapes as they are
}

std::string prompt_password(const std::string& prompt) {
  FileDescriptor tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  termios saved{};
  if (!tty.valid() || tcgetattr(tty.get(), &saved) != 0) {
    throw UsageError(k_no_terminal);
  }
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);

  std::string password;
  bool got_line = false;
  {
    EchoOffGuard guard(tty.get(), saved);
    if (!guard.active()) {
      throw UsageError(k_no_terminal);
    }
    while (true) {
      char c = 0;
      const ssize_t got = ::read(tty.get(), &c, 1);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got <= 0) {
        break;
      }
      if (c == '\n') {
        got_line = true;
        break;
      }
      password += c;
    }
  }
  // The Enter the user typed was not echoed.
  std::fputs("\n", stderr);
  std::fflush(stderr);
  if (!got_line && password.empty()) {
    throw UsageError("cannot prompt for a password: input ended");
  }
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  return password;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") {
    throw OutputError(fmt::format("cannot write {}: not a file name", path));
  }

  std::string temp_path;
  int error = 0;
  FileDescriptor file = create_temp_file(dir == "/" ? "" : dir, base, temp_path, error);
  if (!file.valid()) {
    throw_write_error(path, fmt::format("creating a temporary file in {}", dir), error);
  }

  // Until the rename succeeds, any failure removes the temporary file and leaves path alone.
  std::string_view step;
  if ((error = write_all(file.get(), content)) != 0) {
    step = "write";
  } else if ((error = fsync_retrying(file.get())) != 0) {
    step = "fsync";
  } else if (file.close() != 0) {
    error = errno;
    step = "close";
  } else if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    error = errno;
    step = "rename";
  }
  if (error != 0) {
    file.reset();
    ::unlink(temp_path.c_str());
    throw_write_error(path, step, error);
  }

  // The rename is durable only once the directory itself is on disk.
  FileDescriptor directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory.valid()) {
    throw_write_error(path, "open directory", errno);
  }
  error = fsync_retrying(directory.get());
  // Some file systems cannot fsync a directory (EINVAL); the rename is as durable as they allow.
  if (error != 0 && error != EINVAL) {
    throw_write_error(path, "fsync directory", error);
  }
}

namespace {

// stat() of a file that must be a regular file, or why it is not.
Expected<struct stat> regular_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return fail(error_text(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return fail("not a regular file");
  }
  return info;
}

} // namespace

Status secret_file(const std::string& path) {
  const auto info = regular_file(path);
  if (!info) {
    return fail(info.error());
  }
  const auto mode = static_cast<unsigned>(info->st_mode) & 07777u;
  if ((mode & 077u) == 0) {
    return ok();
  }
  const char* what = (mode & 044u) != 0   ? "readable"
                     : (mode & 022u) != 0 ? "writable"
                                          : "accessible";
  return fail(fmt::format("mode {:04o}: {} by group or others", mode, what));
}

Status trusted_file(const std::string& path) {
  const auto info = regular_file(path);
  if (!info) {
    return fail(info.error());
  }
  const auto mode = static_cast<unsigned>(info->st_mode) & 07777u;
  if ((mode & 022u) != 0) {
    return fail(fmt::format("mode {:04o}: writable by group or others", mode));
  }
  if (info->st_uid != 0 && info->st_uid != ::geteuid()) {
    return fail(
        fmt::format("owned by uid {}, neither root nor the user running spnscan", info->st_uid));
  }
  return ok();
}

void set_environment(const char* name, const std::string& value) {
  ::setenv(name, value.c_str(), 1);
}

std::string error_text(int error_number) {
  return std::generic_category().message(error_number);
}

} // namespace spnscan::platform
