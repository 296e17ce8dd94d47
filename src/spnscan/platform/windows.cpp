// The Windows side of platform.hpp; CMakeLists.txt compiles it on Windows only, and
// scripts/lint.sh compile-checks it with MinGW so that it cannot rot unseen.

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string_view>
#include <system_error>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <io.h>
#include <windows.h>

namespace spnscan::platform {

namespace {

constexpr const char* k_no_terminal =
    "cannot prompt for a password: no terminal (use -y FILE or -Y GSSAPI for unattended runs)";

// Owns a Win32 HANDLE and closes it once.
class Handle {
public:
  explicit Handle(HANDLE handle = INVALID_HANDLE_VALUE) : m_handle(handle) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  HANDLE get() const { return m_handle; }
  bool valid() const { return m_handle != INVALID_HANDLE_VALUE && m_handle != nullptr; }
  // Closes the handle and returns CloseHandle's result, for callers that must check it.
  bool close() {
    const BOOL ok = CloseHandle(m_handle);
    m_handle = INVALID_HANDLE_VALUE;
    return ok != 0;
  }
  // Closes the handle held, if any, and takes ownership of handle.
  void reset(HANDLE handle = INVALID_HANDLE_VALUE) {
    if (valid()) {
      CloseHandle(m_handle);
    }
    m_handle = handle;
  }

private:
  HANDLE m_handle;
};

std::string narrow(std::wstring_view text) {
  if (text.empty()) {
    return {};
  }
  const int size = WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                                       nullptr, 0, nullptr, nullptr);
  if (size <= 0) {
    return {};
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), size,
                      nullptr, nullptr);
  return out;
}

// Converts UTF-8 to UTF-16 for the wide Win32 calls; false when text is not valid UTF-8.
bool widen(std::string_view text, std::wstring& out) {
  out.clear();
  if (text.empty()) {
    return true;
  }
  const int size = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                                       static_cast<int>(text.size()), nullptr, 0);
  if (size <= 0) {
    return false;
  }
  out.assign(static_cast<std::size_t>(size), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()),
                      out.data(), size);
  return true;
}

// Text of a GetLastError() code from the system's message table.
std::string win32_error_text(DWORD error) {
  wchar_t* buffer = nullptr;
  const DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text;
  if (length > 0 && buffer != nullptr) {
    text = narrow(std::wstring_view(buffer, length));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '.')) {
      text.pop_back();
    }
  }
  if (buffer != nullptr) {
    LocalFree(buffer);
  }
  return text.empty() ? fmt::format("Windows error {}", error) : text;
}

[[noreturn]] void throw_write_error(const std::string& path, std::string_view step, DWORD error) {
  throw OutputError(fmt::format("cannot write {}: {}: {}", path, step, win32_error_text(error)));
}

// What the console control handler needs to give the console its echo back on Ctrl+C or
// Ctrl+Break; set only while a prompt runs (the handler runs on a thread of its own).
HANDLE volatile g_prompt_console = nullptr;
DWORD volatile g_saved_console_mode = 0;

BOOL WINAPI restore_console_mode(DWORD /*event*/) {
  HANDLE console = g_prompt_console;
  if (console != nullptr) {
    SetConsoleMode(console, g_saved_console_mode);
  }
  return FALSE; // let the next handler (by default: ExitProcess) run
}

// Turns console echo off for its lifetime and restores the saved mode on every way out:
// normal return, exception, and Ctrl+C or Ctrl+Break ending the process.
class EchoOffGuard {
public:
  EchoOffGuard(HANDLE console, DWORD saved) : m_console(console), m_saved(saved) {
    g_saved_console_mode = saved;
    g_prompt_console = console;
    m_handler = SetConsoleCtrlHandler(restore_console_mode, TRUE) != 0;
    const DWORD quiet = (saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT)) | ENABLE_LINE_INPUT |
                        ENABLE_PROCESSED_INPUT;
    m_active = SetConsoleMode(console, quiet) != 0;
  }
  ~EchoOffGuard() {
    if (m_active) {
      SetConsoleMode(m_console, m_saved);
    }
    if (m_handler) {
      SetConsoleCtrlHandler(restore_console_mode, FALSE);
    }
    g_prompt_console = nullptr;
  }
  EchoOffGuard(const EchoOffGuard&) = delete;
  EchoOffGuard& operator=(const EchoOffGuard&) = delete;

  bool active() const { return m_active; }

private:
  HANDLE m_console;
  DWORD m_saved;
  bool m_active = false;
  bool m_handler = false;
};

} // namespace

void prepare_process() {
  // Windows has no SIGPIPE: a closed socket is an error return.
}

bool is_terminal(std::FILE* stream) {
  return stream != nullptr && _isatty(_fileno(stream)) != 0;
}

std::string prompt_password(const std::string& prompt) {
  // CONIN$ is the console even when standard input is redirected, like /dev/tty.
  Handle console(CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0,
                             nullptr));
  DWORD saved = 0;
  if (!console.valid() || GetConsoleMode(console.get(), &saved) == 0) {
    throw UsageError(k_no_terminal);
  }
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);

  std::wstring line;
  bool got_line = false;
  {
    EchoOffGuard guard(console.get(), saved);
    if (!guard.active()) {
      throw UsageError(k_no_terminal);
    }
    while (true) {
      wchar_t buffer[256];
      DWORD got = 0;
      if (ReadConsoleW(console.get(), buffer, 256, &got, nullptr) == 0 || got == 0) {
        break;
      }
      line.append(buffer, got);
      const std::size_t end = line.find(L'\n');
      if (end != std::wstring::npos) {
        line.resize(end);
        got_line = true;
        break;
      }
    }
  }
  std::fputs("\n", stderr);
  std::fflush(stderr);
  if (!got_line && line.empty()) {
    throw UsageError("cannot prompt for a password: input ended");
  }
  if (!line.empty() && line.back() == L'\r') {
    line.pop_back();
  }
  const std::string password = narrow(line);
  SecureZeroMemory(line.data(), line.size() * sizeof(wchar_t));
  return password;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::size_t slash = path.find_last_of("/\\");
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") {
    throw OutputError(fmt::format("cannot write {}: not a file name", path));
  }
  std::wstring wide_path;
  if (!widen(path, wide_path)) {
    throw OutputError(fmt::format("cannot write {}: the name is not valid UTF-8", path));
  }
  const std::string prefix = slash == std::string::npos ? std::string() : dir;

  // A new file nobody else can have opened: CREATE_NEW fails on an existing name or link.
  static constexpr char k_letters[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device random;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(k_letters) - 2);
  std::wstring wide_temp;
  Handle file;
  DWORD error = ERROR_FILE_EXISTS;
  for (int attempt = 0; attempt < 100 && !file.valid(); ++attempt) {
    std::string suffix(6, 'X');
    for (auto& c : suffix) {
      c = k_letters[pick(random)];
    }
    widen(fmt::format("{}.{}.spnscan-{}", prefix, base, suffix), wide_temp);
    file.reset(CreateFileW(wide_temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                           FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file.valid()) {
      error = GetLastError();
      if (error != ERROR_FILE_EXISTS && error != ERROR_ALREADY_EXISTS) {
        break;
      }
    }
  }
  if (!file.valid()) {
    throw_write_error(path, fmt::format("creating a temporary file in {}", dir), error);
  }

  // Until the replace succeeds, any failure removes the temporary file and leaves path alone.
  std::string_view step;
  error = 0;
  std::string_view rest = content;
  while (!rest.empty() && error == 0) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(rest.size(), 1u << 30));
    DWORD written = 0;
    if (WriteFile(file.get(), rest.data(), chunk, &written, nullptr) == 0) {
      error = GetLastError();
      step = "write";
    } else {
      rest.remove_prefix(written);
    }
  }
  if (error == 0 && FlushFileBuffers(file.get()) == 0) {
    error = GetLastError();
    step = "flush";
  }
  if (error == 0 && !file.close()) {
    error = GetLastError();
    step = "close";
  }
  if (error == 0) {
    // ReplaceFileW keeps the target's attributes and ACL; it needs an existing target, so a
    // first write falls back to MoveFileExW, which also covers volumes ReplaceFileW refuses.
    const bool replaced = ReplaceFileW(wide_path.c_str(), wide_temp.c_str(), nullptr,
                                       REPLACEFILE_IGNORE_MERGE_ERRORS, nullptr, nullptr) != 0;
    if (!replaced && MoveFileExW(wide_temp.c_str(), wide_path.c_str(),
                                 MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) == 0) {
      error = GetLastError();
      step = "rename";
    }
  }
  if (error != 0) {
    file.reset();
    DeleteFileW(wide_temp.c_str());
    throw_write_error(path, step, error);
  }
}

Status secret_file(const std::string& /*path*/) {
  // Windows protects files with ACLs, not mode bits; checking them is not attempted.
  return ok();
}

Status trusted_file(const std::string& /*path*/) {
  return ok(); // ACLs, as for secret_file
}

void set_environment(const char* name, const std::string& value) {
  _putenv_s(name, value.c_str());
}

std::string error_text(int error_number) {
  return std::generic_category().message(error_number);
}

} // namespace spnscan::platform
