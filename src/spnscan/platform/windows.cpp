// The Windows side of platform.hpp; CMakeLists.txt compiles it on Windows only, and
// scripts/lint.sh compile-checks it with MinGW so that it cannot rot unseen.

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/platform/windows_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <memory>
#include <random>
#include <string_view>
#include <system_error>

// (WIN32_LEAN_AND_MEAN and NOMINMAX: CMakeLists.txt, for every Windows file.)
#include <io.h>
#include <windows.h>
// After windows.h, which they need.
#include <aclapi.h>
#include <sddl.h>

namespace spnscan::platform {

namespace {

constexpr const char* k_no_terminal =
    "cannot prompt for a password: no terminal (use -y FILE, or no -D to bind as the logged-on "
    "user, for unattended runs)";

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

} // namespace

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

namespace {

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

namespace {

UINT g_console_output_cp = 0;

void restore_console_output_cp() {
  SetConsoleOutputCP(g_console_output_cp);
}

} // namespace

void prepare_process() {
  // Windows has no SIGPIPE: a closed socket is an error return.
  // The same bytes as on Linux: no "\n" -> "\r\n" on standard output and error (a JSON or
  // CSV report piped to a file is byte for byte the Linux one).
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
  // spnscan writes UTF-8 (its manifest makes it the process code page too: arguments, file
  // names); a console shows it as such only with its output code page set, restored at exit.
  g_console_output_cp = GetConsoleOutputCP();
  if (g_console_output_cp != 0 && g_console_output_cp != CP_UTF8 &&
      SetConsoleOutputCP(CP_UTF8) != 0) {
    std::atexit(restore_console_output_cp);
  }
}

namespace {

// The console behind stream, or nullptr when it is a file, a pipe or a device. _isatty would
// take NUL and other character devices for terminals; only a console has a console mode.
HANDLE console_of(std::FILE* stream, DWORD& mode) {
  const int fd = stream != nullptr ? _fileno(stream) : -1;
  if (fd < 0) {
    return nullptr;
  }
  auto* handle = reinterpret_cast<HANDLE>(_get_osfhandle(fd));
  if (handle == INVALID_HANDLE_VALUE || GetConsoleMode(handle, &mode) == 0) {
    return nullptr;
  }
  return handle;
}

} // namespace

bool is_terminal(std::FILE* stream) {
  DWORD mode = 0;
  return console_of(stream, mode) != nullptr;
}

bool ansi_terminal(std::FILE* stream) {
  DWORD mode = 0;
  HANDLE console = console_of(stream, mode);
  if (console == nullptr) {
    return false;
  }
  // Windows 10 and later interpret ANSI escapes once asked to; older consoles refuse the flag
  // and would print the escapes as text. The mode is left on: it is the console's, and harmless
  // to the shell after us.
  return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0 ||
         SetConsoleMode(console, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
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

namespace {

// Frees memory the system allocated with LocalAlloc for us (security descriptors, SID strings).
struct LocalFreer {
  void operator()(void* memory) const { LocalFree(memory); }
};
template <typename T> using LocalPointer = std::unique_ptr<T, LocalFreer>;

// SID text such as "S-1-5-32-545".
std::string sid_string(PSID sid) {
  wchar_t* raw = nullptr;
  if (ConvertSidToStringSidW(sid, &raw) == 0) {
    return "an unreadable SID";
  }
  const LocalPointer<wchar_t> text(raw);
  return narrow(text.get());
}

// "Everyone (S-1-1-0)", "CORP\Domain Users (S-1-5-21-...-513)", or the SID text alone when it
// has no name. Built-in and well-known groups go without their pseudo-domain (BUILTIN, NT
// AUTHORITY), as Windows' own dialogs show them. Only ever called to explain a refusal, so a
// lookup that has to ask a domain controller costs time only then.
std::string sid_display(PSID sid) {
  const std::string text = sid_string(sid);
  wchar_t name[256];
  wchar_t domain[256];
  DWORD name_size = 256;
  DWORD domain_size = 256;
  SID_NAME_USE use = SidTypeUnknown;
  if (LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use) == 0 ||
      name_size == 0) {
    return text;
  }
  std::wstring shown(name, name_size);
  if (domain_size > 0 && use != SidTypeWellKnownGroup && use != SidTypeAlias) {
    shown = std::wstring(domain, domain_size) + L"\\" + shown;
  }
  return fmt::format("{} ({})", narrow(shown), text);
}

// The SIDs a file may grant access to without being exposed: its owner and the accounts that
// can take any file anyway (SYSTEM, the Administrators group). OWNER RIGHTS and CREATOR OWNER
// stand for the owner.
bool trusted_sid(PSID sid, PSID owner) {
  return (owner != nullptr && EqualSid(sid, owner) != 0) ||
         IsWellKnownSid(sid, WinLocalSystemSid) != 0 ||
         IsWellKnownSid(sid, WinBuiltinAdministratorsSid) != 0 ||
         IsWellKnownSid(sid, WinCreatorOwnerRightsSid) != 0 ||
         IsWellKnownSid(sid, WinCreatorOwnerSid) != 0;
}

// Rights that give the file's content away, and rights that change it; WRITE_DAC and
// WRITE_OWNER count as changing because whoever has them can grant themselves the rest.
constexpr ACCESS_MASK k_read_rights = FILE_READ_DATA;
constexpr ACCESS_MASK k_write_rights =
    FILE_WRITE_DATA | FILE_APPEND_DATA | WRITE_DAC | WRITE_OWNER | DELETE;

// A regular file's owner and DACL, read through one handle so that the object whose type was
// checked is the one whose ACL is read (no window for a rename between the two).
struct FileSecurity {
  LocalPointer<void> descriptor; // owns owner and dacl
  PSID owner = nullptr;
  PACL dacl = nullptr;
};

Expected<FileSecurity> regular_file_security(const std::string& path) {
  std::wstring wide;
  if (!widen(path, wide)) {
    return fail("the name is not valid UTF-8");
  }
  // FILE_FLAG_BACKUP_SEMANTICS lets a directory open too, so that it is refused as "not a
  // regular file" rather than with a puzzling "Access is denied".
  const Handle file(CreateFileW(wide.c_str(), READ_CONTROL | FILE_READ_ATTRIBUTES,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!file.valid()) {
    return fail(win32_error_text(GetLastError()));
  }
  BY_HANDLE_FILE_INFORMATION info{};
  // Devices (NUL, COM1, CONIN$) and pipes are not FILE_TYPE_DISK.
  if (GetFileType(file.get()) != FILE_TYPE_DISK ||
      GetFileInformationByHandle(file.get(), &info) == 0 ||
      (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    return fail("not a regular file");
  }
  FileSecurity security;
  PSECURITY_DESCRIPTOR raw = nullptr;
  const DWORD error = GetSecurityInfo(file.get(), SE_FILE_OBJECT,
                                      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                      &security.owner, nullptr, &security.dacl, nullptr, &raw);
  if (error != ERROR_SUCCESS) {
    return fail(fmt::format("cannot read its ACL: {}", win32_error_text(error)));
  }
  security.descriptor.reset(raw);
  return security;
}

// A SID other than the trusted ones that a DACL allows some of the rights asked about.
struct Grant {
  PSID sid = nullptr; // nullptr: there is none
  ACCESS_MASK rights = 0;
};

// The first untrusted SID that the DACL allows any of rights, with the rights it gets (generic
// rights mapped to file rights); fails when the ACL cannot be walked, so that a file is never
// passed unread. Deny ACEs are not weighed against allows: a file that needs a deny to stay
// private is refused.
Expected<Grant> first_untrusted_grant(const FileSecurity& security, ACCESS_MASK rights) {
  ACL_SIZE_INFORMATION size{};
  if (GetAclInformation(security.dacl, &size, sizeof size, AclSizeInformation) == 0) {
    return fail(fmt::format("cannot read its ACL: {}", win32_error_text(GetLastError())));
  }
  GENERIC_MAPPING mapping{FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                          FILE_ALL_ACCESS};
  for (DWORD i = 0; i < size.AceCount; ++i) {
    void* raw = nullptr;
    if (GetAce(security.dacl, i, &raw) == 0) {
      return fail(fmt::format("cannot read its ACL: {}", win32_error_text(GetLastError())));
    }
    const auto* header = static_cast<const ACE_HEADER*>(raw);
    // Inherit-only ACEs are for the children of a directory, not for this object. A callback
    // (conditional) allow ACE is counted as if its condition held.
    if ((header->AceFlags & INHERIT_ONLY_ACE) != 0 ||
        (header->AceType != ACCESS_ALLOWED_ACE_TYPE &&
         header->AceType != ACCESS_ALLOWED_CALLBACK_ACE_TYPE)) {
      continue;
    }
    // ACCESS_ALLOWED_CALLBACK_ACE starts like ACCESS_ALLOWED_ACE: header, mask, SID.
    auto* ace = static_cast<ACCESS_ALLOWED_ACE*>(raw);
    PSID sid = &ace->SidStart;
    ACCESS_MASK mask = ace->Mask;
    MapGenericMask(&mask, &mapping);
    if ((mask & rights) != 0 && !trusted_sid(sid, security.owner)) {
      return Grant{sid, mask & rights};
    }
  }
  return Grant{};
}

// True when sid is the user this process runs as.
bool current_user(PSID sid) {
  HANDLE raw = nullptr;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw) == 0) {
    return false;
  }
  const Handle token(raw);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  if (size == 0) {
    return false;
  }
  const auto buffer = std::make_unique<unsigned char[]>(size);
  if (GetTokenInformation(token.get(), TokenUser, buffer.get(), size, &size) == 0) {
    return false;
  }
  const auto* user = reinterpret_cast<const TOKEN_USER*>(buffer.get());
  return EqualSid(user->User.Sid, sid) != 0;
}

// How to give the file to its user alone, once the grant to sid is gone.
std::string icacls_fix(const std::string& path, PSID sid, std::string_view rights) {
  return fmt::format("`icacls \"{}\" /inheritance:r /remove:g *{} /grant:r \"%USERNAME%:{}\"` "
                     "leaves it to you",
                     path, sid_string(sid), rights);
}

} // namespace

Status secret_file(const std::string& path) {
  const auto security = regular_file_security(path);
  if (!security) {
    return fail(security.error());
  }
  if (security->dacl == nullptr) {
    return fail("readable by everyone: it has no ACL (a NULL DACL grants all access); " +
                fmt::format("`icacls \"{}\" /inheritance:r /grant:r \"%USERNAME%:R\"` leaves it "
                            "to you",
                            path));
  }
  // As on POSIX (mode 0620 is refused too): no one else may read it, nor replace it.
  const auto grant = first_untrusted_grant(*security, k_read_rights | k_write_rights);
  if (!grant) {
    return fail(grant.error());
  }
  if (grant->sid == nullptr) {
    return ok();
  }
  const char* what = (grant->rights & k_read_rights) != 0 ? "readable" : "writable";
  return fail(fmt::format("{} by {} by its ACL; {}", what, sid_display(grant->sid),
                          icacls_fix(path, grant->sid, "R")));
}

Status trusted_file(const std::string& path) {
  const auto security = regular_file_security(path);
  if (!security) {
    return fail(security.error());
  }
  if (security->dacl == nullptr) {
    return fail("writable by everyone: it has no ACL (a NULL DACL grants all access); " +
                fmt::format("`icacls \"{}\" /inheritance:r /grant:r \"%USERNAME%:F\"` leaves it "
                            "to you",
                            path));
  }
  const auto grant = first_untrusted_grant(*security, k_write_rights);
  if (!grant) {
    return fail(grant.error());
  }
  if (grant->sid != nullptr) {
    return fail(fmt::format("writable by {} by its ACL; {}", sid_display(grant->sid),
                            icacls_fix(path, grant->sid, "F")));
  }
  // An owner may rewrite the ACL whatever it says, so the owner must be trusted too (as on
  // POSIX: root or the user running spnscan).
  PSID owner = security->owner;
  if (owner == nullptr || (!current_user(owner) && IsWellKnownSid(owner, WinLocalSystemSid) == 0 &&
                           IsWellKnownSid(owner, WinBuiltinAdministratorsSid) == 0)) {
    return fail(fmt::format("owned by {}, neither SYSTEM, Administrators nor the user running "
                            "spnscan",
                            owner == nullptr ? std::string("no one") : sid_display(owner)));
  }
  return ok();
}

std::string user_config_path() {
  const char* app_data = std::getenv("APPDATA");
  return app_data != nullptr && *app_data != '\0'
             ? std::string(app_data) + "\\spnscan\\spnscan.conf"
             : std::string();
}

std::string system_config_path() {
  const char* program_data = std::getenv("ProgramData");
  return std::string(program_data != nullptr && *program_data != '\0' ? program_data
                                                                      : "C:\\ProgramData") +
         "\\spnscan\\spnscan.conf";
}

bool reader_gone(int error_number) {
  return error_number == EPIPE || error_number == EINVAL;
}

std::string secret_file_fix() {
  return {}; // the message names the icacls command
}

std::string trusted_file_fix() {
  return {};
}

void set_environment(const char* name, const std::string& value) {
  _putenv_s(name, value.c_str());
}

std::string error_text(int error_number) {
  return std::generic_category().message(error_number);
}

} // namespace spnscan::platform
