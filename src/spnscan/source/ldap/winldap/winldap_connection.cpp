// The Windows side of connection.hpp: wldap32 (winldap.h), the library of ADSI Edit, setspn and
// every Windows AD tool. It binds with Negotiate (Kerberos through SSPI) as the logged-on user
// unless -D is given, lets Schannel check certificates against the Windows trust store, and
// uses the wide (UTF-16) calls throughout so DNs and filters are not squeezed through the ANSI
// code page. Only this folder includes winldap.h. Quirks of Wine 8.0's wldap32 that shaped it:
// LDAP_OPT_REFERRALS takes LDAP_OPT_OFF by value, paging goes through ldap_create_page_control
// and ldap_parse_page_control (never ber_printf), and a TLS handshake against a plain port
// spins, so connect, StartTLS and bind run under our own deadline.

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/platform/windows_text.hpp"
#include "spnscan/source/ldap/connection.hpp"
#include "spnscan/util/text.hpp"

// (WIN32_LEAN_AND_MEAN and NOMINMAX: CMakeLists.txt, for every Windows file.)
#include <windows.h>
// In this order: each needs the types of those before it.
// clang-format off
#include <wincrypt.h>
#include <winldap.h>
#include <winber.h>
#include <dsgetdc.h>
#include <lm.h>
// clang-format on
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <thread>

namespace spnscan::ldap {

namespace {

// wldap32's strings are NUL-terminated and may be null.
std::string narrow(const wchar_t* text) {
  return text != nullptr ? platform::narrow(text) : std::string();
}

// UTF-16 for the wide calls; text that is not UTF-8 is refused, never guessed at.
std::wstring widen(std::string_view text, std::string_view what) {
  std::wstring out;
  if (!platform::widen(text, out)) {
    throw UsageError(std::string(what) + " '" + printable(text) + "' is not valid UTF-8");
  }
  return out;
}

// A wide string wldap32 allocated (DNs, attribute names, server messages).
struct WideFree {
  void operator()(wchar_t* text) const { ldap_memfreeW(text); }
};
using WideString = std::unique_ptr<wchar_t, WideFree>;

struct MessageFree {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;

struct BerFree {
  void operator()(BerElement* ber) const { ber_free(ber, 0); }
};
using BerPtr = std::unique_ptr<BerElement, BerFree>;

struct ValuesFree {
  void operator()(berval** values) const { ldap_value_free_len(values); }
};
using ValuesPtr = std::unique_ptr<berval*, ValuesFree>;

struct WideArrayFree {
  void operator()(wchar_t** values) const { ldap_value_freeW(values); }
};
using WideArrayPtr = std::unique_ptr<wchar_t*, WideArrayFree>;

struct ControlFree {
  void operator()(LDAPControlW* control) const { ldap_control_freeW(control); }
};
using ControlPtr = std::unique_ptr<LDAPControlW, ControlFree>;

struct ControlsFree {
  void operator()(LDAPControlW** controls) const { ldap_controls_freeW(controls); }
};
using ControlsPtr = std::unique_ptr<LDAPControlW*, ControlsFree>;

struct BervalFree {
  void operator()(berval* value) const { ber_bvfree(value); }
};
using BervalPtr = std::unique_ptr<berval, BervalFree>;

struct Unbind {
  void operator()(LDAP* ld) const { ldap_unbind(ld); }
};
using LdapPtr = std::unique_ptr<LDAP, Unbind>;

struct NetApiFree {
  void operator()(void* buffer) const { NetApiBufferFree(buffer); }
};

// A password in UTF-16, overwritten before its memory is given back.
class WideSecret {
public:
  explicit WideSecret(std::wstring value) : m_value(std::move(value)) {}
  WideSecret(const WideSecret&) = delete;
  WideSecret& operator=(const WideSecret&) = delete;
  ~WideSecret() { SecureZeroMemory(m_value.data(), m_value.size() * sizeof(wchar_t)); }
  wchar_t* data() { return m_value.data(); }
  bool empty() const { return m_value.empty(); }

private:
  std::wstring m_value;
};

// Where -H points: wldap32 takes a host and a port, not a URI.
struct Endpoint {
  std::string host;
  unsigned long port = 389;
  bool tls = false;
};

Endpoint parse_uri(const std::string& uri) {
  Endpoint out;
  const std::string scheme = uri_scheme(uri);
  out.tls = scheme == "ldaps";
  out.port = out.tls ? 636 : 389;
  std::string_view rest = std::string_view(uri).substr(uri.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') { // an IPv6 literal: [::1]:389
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      throw UsageError("-H '" + uri + "': unclosed '[' in the host");
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') {
      port = rest.substr(close + 2);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) {
    throw UsageError("-H '" + uri + "': give the domain controller's name, e.g. ldap://dc1");
  }
  out.host = std::string(host);
  if (!port.empty()) {
    char* end = nullptr;
    const std::string digits(port);
    const unsigned long value = std::strtoul(digits.c_str(), &end, 10);
    if (*end != '\0' || value == 0 || value > 65535) {
      throw UsageError("-H '" + uri + "': port '" + digits + "' is not a number 1-65535");
    }
    out.port = value;
  }
  return out;
}

// Runs a synchronous wldap32 call under our own deadline: Wine's TLS handshake against a plain
// port never returns. On a timeout the call is left running on its thread (with the handle and
// whatever the call owns: callers capture by value) and the scan fails; the process ends soon
// after.
ULONG with_deadline(int seconds, std::function<ULONG()> call, bool& timed_out) {
  std::packaged_task<ULONG()> task(std::move(call));
  std::future<ULONG> done = task.get_future();
  std::thread worker(std::move(task));
  if (done.wait_for(std::chrono::seconds(seconds)) == std::future_status::timeout) {
    worker.detach();
    timed_out = true;
    return LDAP_TIMEOUT;
  }
  worker.join();
  timed_out = false;
  return done.get();
}

// Wine's wldap32 (ntdll exports wine_get_version): it checks no certificate, and its Negotiate
// with the current user's credentials crashes; spnscan says so instead of pretending.
bool under_wine() {
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// Accepts any server certificate: --insecure-skip-verify only (warned about).
BOOLEAN __cdecl accept_any_certificate(PLDAP /*connection*/, PCCERT_CONTEXT* /*certificate*/) {
  return TRUE;
}

class WinConnection : public Connection {
public:
  WinConnection(const LdapOptions& options, std::string uri, DirectoryBuilder& builder);
  const std::string& uri() const override { return m_uri; }
  SearchResult search(const SearchRequest& request, SearchHandler& handler) override;
  std::string code_text(int code) const override {
    return narrow(ldap_err2stringW(static_cast<ULONG>(code)));
  }

private:
  std::string failure(std::string_view operation, ULONG code) const;
  // Runs call under the deadline; on a timeout the handle is left to the call's thread.
  ULONG timed(std::function<ULONG()> call);
  void set(int option, const void* value, const char* name);
  void bind(DirectoryBuilder& builder);
  void read_entry(LDAPMessage* message, SearchHandler& handler);
  void read_reference(LDAPMessage* message, SearchHandler& handler);

  const LdapOptions& m_options;
  std::string m_uri;
  LdapPtr m_handle;
  LDAP* m_ld = nullptr; // m_handle's, while it is ours
};

WinConnection::WinConnection(const LdapOptions& options, std::string uri, DirectoryBuilder& builder)
    : m_options(options), m_uri(std::move(uri)) {
  if (m_options.bind_dn.empty() && under_wine()) {
    throw UsageError("no -D: binding as the logged-on user (Negotiate) needs Windows; Wine "
                     "8.0's Negotiate with the current user's credentials crashes. Under Wine "
                     "give -D with -W or -y");
  }
  const Endpoint endpoint = parse_uri(m_uri);
  std::wstring host = widen(endpoint.host, "the host of -H");
  m_handle.reset(ldap_sslinitW(host.data(), endpoint.port, endpoint.tls ? 1 : 0));
  m_ld = m_handle.get();
  if (m_ld == nullptr) {
    throw DirectoryError(failure("ldap_sslinit(" + m_uri + ")", LdapGetLastError()));
  }
  const int version = LDAP_VERSION3;
  set(LDAP_OPT_PROTOCOL_VERSION, &version, "LDAP_OPT_PROTOCOL_VERSION");
  // Chasing would bind elsewhere as the user; references are reported instead. By value:
  // Wine's wldap32 reads the pointer itself.
  set(LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "LDAP_OPT_REFERRALS");
  // -H names one server: no DNS SRV lookup of the name as if it were a domain. A hint only
  // (Wine 8.0 refuses the option): the name is looked up as a host anyway when SRV finds none.
  ldap_set_optionW(m_ld, LDAP_OPT_AREC_EXCLUSIVE, LDAP_OPT_ON);
  const ULONG no_limit = 0;
  set(LDAP_OPT_SIZELIMIT, &no_limit, "LDAP_OPT_SIZELIMIT");
  set(LDAP_OPT_TIMELIMIT, &no_limit, "LDAP_OPT_TIMELIMIT");
  const bool tls = endpoint.tls || m_options.starttls;
  if (tls && !m_options.tls_verify) {
    set(LDAP_OPT_SERVER_CERTIFICATE, reinterpret_cast<const void*>(&accept_any_certificate),
        "LDAP_OPT_SERVER_CERTIFICATE");
  }
  if (!m_options.tls_verify) {
    builder.warn("TLS certificate verification is OFF (--insecure-skip-verify): the server's "
                 "identity was not checked and the connection may be intercepted");
  } else if (tls && under_wine()) {
    builder.warn("running under Wine, whose wldap32 does not check the server's certificate: "
                 "the identity of " +
                 m_uri + " was not verified (Windows checks it)");
  }
  if (!tls && m_options.bind_dn.empty()) {
    // Negotiate on a plain port: sign and seal, as ADSI does, so LDAP signing policies pass.
    set(LDAP_OPT_SIGN, LDAP_OPT_ON, "LDAP_OPT_SIGN");
    set(LDAP_OPT_ENCRYPT, LDAP_OPT_ON, "LDAP_OPT_ENCRYPT");
  }

  const ULONG connect_rc = timed([ld = m_ld, seconds = m_options.timeout_seconds] {
    l_timeval timeout{seconds, 0};
    return ldap_connect(ld, &timeout);
  });
  if (connect_rc != LDAP_SUCCESS) {
    std::string text = failure("connect to " + m_uri, connect_rc);
    if (endpoint.tls && m_options.tls_verify) {
      text += " (if the server answers: is its certificate issued for the host name in -H by a "
              "CA in the Windows trust store?)";
    }
    throw DirectoryError(text);
  }
  builder.note("connected to " + m_uri);
  if (m_options.starttls) {
    const ULONG tls_rc = timed([ld = m_ld] {
      ULONG server_rc = 0;
      LDAPMessage* raw = nullptr;
      const ULONG rc = ldap_start_tls_sW(ld, &server_rc, &raw, nullptr, nullptr);
      MessagePtr reply(raw);
      return rc;
    });
    if (tls_rc != LDAP_SUCCESS) {
      // Never continue in cleartext after a refused StartTLS.
      throw DirectoryError(failure("StartTLS refused by " + m_uri, tls_rc));
    }
    builder.note("StartTLS established");
  }
  bind(builder);
}

std::string WinConnection::failure(std::string_view operation, ULONG code) const {
  if (code == LDAP_TIMEOUT) {
    return std::string(operation) + " timed out after " +
           std::to_string(m_options.timeout_seconds) + " s";
  }
  // AD's text ("80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error,
  // data 52e, v4563") is the server error option of the handle.
  std::string diagnostic;
  if (m_ld != nullptr) {
    wchar_t* raw = nullptr;
    if (ldap_get_optionW(m_ld, LDAP_OPT_SERVER_ERROR, &raw) == LDAP_SUCCESS) {
      WideString owned(raw);
      diagnostic = narrow(raw);
    }
  }
  return error_text(std::string(operation) + " failed", code_text(static_cast<int>(code)),
                    static_cast<int>(code), "", diagnostic);
}

ULONG WinConnection::timed(std::function<ULONG()> call) {
  bool timed_out = false;
  const ULONG rc = with_deadline(m_options.timeout_seconds, std::move(call), timed_out);
  if (timed_out) {
    static_cast<void>(m_handle.release()); // still in use by the abandoned call
    m_ld = nullptr;
  }
  return rc;
}

void WinConnection::set(int option, const void* value, const char* name) {
  if (ldap_set_optionW(m_ld, option, value) != LDAP_SUCCESS) {
    throw DirectoryError(failure(std::string("ldap_set_option(") + name + ")", LDAP_PARAM_ERROR));
  }
}

void WinConnection::bind(DirectoryBuilder& builder) {
  if (m_options.bind_dn.empty()) {
    // The logged-on user's Kerberos ticket through SSPI, as setspn and ADSI Edit do.
    const ULONG rc =
        timed([ld = m_ld] { return ldap_bind_sW(ld, nullptr, nullptr, LDAP_AUTH_NEGOTIATE); });
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(
          failure("Negotiate bind as the logged-on user", rc) +
          " (run spnscan on a domain-joined machine as a domain user, or give -D with -W/-y)");
    }
    builder.note("bound with Negotiate as the logged-on user");
    return;
  }
  // validate() already refused a cleartext simple bind, before the password is read.
  std::string utf8 = m_options.password_file.empty()
                         ? platform::prompt_password("Password for " + m_options.bind_dn + ": ")
                         : read_password_file(m_options.password_file);
  // Shared with the bind's thread, which may outlive this call on a timeout.
  const auto password = std::make_shared<WideSecret>(widen(utf8, "the password"));
  SecureZeroMemory(utf8.data(), utf8.size());
  if (password->empty()) {
    // AD treats a DN with an empty password as an anonymous bind that "succeeds".
    throw UsageError("empty password for -D " + m_options.bind_dn +
                     ": refusing an unauthenticated bind");
  }
  // Asynchronous, so the server's own result (AD's "data 52e" text) is parsed from the reply.
  struct Reply {
    std::string matched;
    std::string diagnostic;
  };
  const auto reply = std::make_shared<Reply>();
  const ULONG rc = timed([ld = m_ld, dn = widen(m_options.bind_dn, "-D"), password, reply,
                          seconds = m_options.timeout_seconds]() mutable -> ULONG {
    const ULONG msgid = ldap_simple_bindW(ld, dn.data(), password->data());
    if (msgid == static_cast<ULONG>(-1)) {
      return LdapGetLastError();
    }
    l_timeval timeout{seconds, 0};
    LDAPMessage* raw = nullptr;
    const ULONG got = ldap_result(ld, msgid, LDAP_MSG_ALL, &timeout, &raw);
    const MessagePtr message(raw);
    if (got == 0) {
      return LDAP_TIMEOUT;
    }
    if (got == static_cast<ULONG>(-1) || !message) {
      return LdapGetLastError();
    }
    ULONG code = 0;
    wchar_t* matched = nullptr;
    wchar_t* diagnostic = nullptr;
    const ULONG parsed = ldap_parse_resultW(ld, message.get(), &code, &matched, &diagnostic,
                                            nullptr, nullptr, FALSE);
    const WideString matched_owned(matched);
    const WideString diagnostic_owned(diagnostic);
    reply->matched = narrow(matched);
    reply->diagnostic = narrow(diagnostic);
    return parsed != LDAP_SUCCESS ? parsed : code;
  });
  if (rc != LDAP_SUCCESS) {
    std::string text = reply->diagnostic.empty() && reply->matched.empty()
                           ? failure("ldap_bind(SIMPLE)", rc)
                           : error_text("ldap_bind(SIMPLE) failed", code_text(static_cast<int>(rc)),
                                        static_cast<int>(rc), reply->matched, reply->diagnostic);
    if (rc == LDAP_STRONG_AUTH_REQUIRED) {
      text += " (the server requires signing or TLS: use ldaps://, -Z, or no -D for Negotiate)";
    }
    throw DirectoryError(text);
  }
  builder.note("bound as " + printable(m_options.bind_dn));
}

// The attributes of one entry, one at a time (wldap32 has no ldap_get_attribute_ber).
class WinEntryReader : public EntryReader {
public:
  WinEntryReader(LDAP* ld, LDAPMessage* entry) : m_ld(ld), m_entry(entry) {}

  bool next(std::string_view& description, std::vector<std::string_view>& values) override {
    wchar_t* raw = nullptr;
    if (!m_started) {
      BerElement* ber = nullptr;
      raw = ldap_first_attributeW(m_ld, m_entry, &ber);
      m_ber.reset(ber);
      m_started = true;
    } else if (m_ber) {
      raw = ldap_next_attributeW(m_ld, m_entry, m_ber.get());
    }
    WideString name(raw);
    if (!name) {
      return false;
    }
    m_values.reset(ldap_get_values_lenW(m_ld, m_entry, name.get()));
    m_name = narrow(name.get());
    description = m_name;
    values.clear();
    for (berval** v = m_values.get(); v != nullptr && *v != nullptr; ++v) {
      values.emplace_back((*v)->bv_val, (*v)->bv_len);
    }
    return true;
  }

private:
  LDAP* m_ld;
  LDAPMessage* m_entry;
  bool m_started = false;
  BerPtr m_ber;
  ValuesPtr m_values;
  std::string m_name;
};

void WinConnection::read_entry(LDAPMessage* message, SearchHandler& handler) {
  WideString dn(ldap_get_dnW(m_ld, message));
  if (!dn) {
    throw DirectoryError(failure("ldap_get_dn", LdapGetLastError()));
  }
  WinEntryReader reader(m_ld, message);
  handler.entry(narrow(dn.get()), reader);
}

void WinConnection::read_reference(LDAPMessage* message, SearchHandler& handler) {
  wchar_t** raw = nullptr;
  const ULONG rc = ldap_parse_referenceW(m_ld, message, &raw);
  WideArrayPtr urls(raw);
  if (rc != LDAP_SUCCESS) {
    // Wine 8.0 hands libldap its own message wrapper here and always fails: say so, go on.
    handler.unreadable_reference("ldap_parse_reference: " + code_text(static_cast<int>(rc)) + " (" +
                                 std::to_string(rc) + ")");
    return;
  }
  for (wchar_t** url = raw; url != nullptr && *url != nullptr; ++url) {
    handler.reference(narrow(*url));
  }
}

SearchResult WinConnection::search(const SearchRequest& request, SearchHandler& handler) {
  std::wstring base = widen(request.base, "the search base");
  std::wstring filter = widen(request.filter, "the search filter");
  std::vector<std::wstring> attr_copies;
  for (const auto& attr : request.attributes) {
    attr_copies.push_back(widen(attr, "an attribute name"));
  }
  std::vector<wchar_t*> attrs;
  for (auto& attr : attr_copies) {
    attrs.push_back(attr.data());
  }
  attrs.push_back(nullptr);

  ControlPtr control;
  if (request.page_size > 0) {
    berval cookie{};
    cookie.bv_len = static_cast<ULONG>(request.cookie.size());
    cookie.bv_val = const_cast<char*>(request.cookie.data()); // read only
    LDAPControlW* raw = nullptr;
    const ULONG rc =
        ldap_create_page_controlW(m_ld, static_cast<ULONG>(request.page_size), &cookie, 0, &raw);
    control.reset(raw);
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(failure("ldap_create_page_control", rc));
    }
  }
  LDAPControlW* server_controls[] = {control.get(), nullptr};
  ULONG msgid = 0;
  const ULONG rc = ldap_search_extW(
      m_ld, base.empty() ? nullptr : base.data(),
      request.scope == Scope::base ? LDAP_SCOPE_BASE : LDAP_SCOPE_SUBTREE, filter.data(),
      attrs.data(), 0, control ? server_controls : nullptr, nullptr, 0, 0, &msgid);
  if (rc != LDAP_SUCCESS) {
    throw DirectoryError(failure(request.operation, rc));
  }
  for (;;) {
    l_timeval timeout{m_options.timeout_seconds, 0};
    LDAPMessage* raw = nullptr;
    const ULONG got = ldap_result(m_ld, msgid, LDAP_MSG_ONE, &timeout, &raw);
    MessagePtr message(raw);
    if (got == 0) {
      ldap_abandon(m_ld, msgid);
      throw DirectoryError(failure(request.operation, LDAP_TIMEOUT));
    }
    if (got == static_cast<ULONG>(-1) || !message) {
      throw DirectoryError(failure(request.operation, LdapGetLastError()));
    }
    // The kind of message from the API, not from lm_msgtype, which Wine does not fill in.
    if (LDAPMessage* entry = ldap_first_entry(m_ld, message.get()); entry != nullptr) {
      read_entry(entry, handler);
      continue;
    }
    if (LDAPMessage* reference = ldap_first_reference(m_ld, message.get()); reference != nullptr) {
      read_reference(message.get(), handler);
      continue;
    }
    {
      ULONG code = 0;
      wchar_t* matched = nullptr;
      wchar_t* diagnostic = nullptr;
      wchar_t** referrals = nullptr;
      LDAPControlW** controls = nullptr;
      const ULONG parsed = ldap_parse_resultW(m_ld, message.get(), &code, &matched, &diagnostic,
                                              &referrals, &controls, FALSE);
      WideString matched_owned(matched);
      WideString diagnostic_owned(diagnostic);
      WideArrayPtr referrals_owned(referrals);
      ControlsPtr controls_owned(controls);
      if (parsed != LDAP_SUCCESS) {
        throw DirectoryError(
            error_text(request.operation + " failed", code_text(static_cast<int>(parsed)),
                       static_cast<int>(parsed), "", "the server's result could not be decoded"));
      }
      SearchResult result;
      result.code = static_cast<int>(code);
      result.matched = narrow(matched);
      result.diagnostic = narrow(diagnostic);
      for (wchar_t** url = referrals; url != nullptr && *url != nullptr; ++url) {
        result.referrals.push_back(narrow(*url));
      }
      if (controls != nullptr) {
        ULONG estimate = 0;
        berval* raw_cookie = nullptr;
        const ULONG page_rc = ldap_parse_page_controlW(m_ld, controls, &estimate, &raw_cookie);
        BervalPtr cookie(raw_cookie);
        if (page_rc == LDAP_SUCCESS) {
          result.paged = true;
          if (cookie && cookie->bv_val != nullptr) {
            result.cookie.assign(cookie->bv_val, cookie->bv_len);
          }
        } else if (page_rc != LDAP_CONTROL_NOT_FOUND) {
          throw DirectoryError(failure("ldap_parse_page_control", page_rc));
        }
      }
      return result;
    }
  }
}

} // namespace

std::unique_ptr<Connection> connect(const LdapOptions& options, const std::string& uri,
                                    DirectoryBuilder& builder) {
  return std::make_unique<WinConnection>(options, uri, builder);
}

std::string find_domain_controller(bool forest, std::string& how) {
  // The Windows way (DC locator: DNS SRV records of this computer's domain, the site first).
  DOMAIN_CONTROLLER_INFOW* raw = nullptr;
  const ULONG flags =
      DS_DIRECTORY_SERVICE_REQUIRED | DS_RETURN_DNS_NAME | (forest ? DS_GC_SERVER_REQUIRED : 0);
  const DWORD rc = DsGetDcNameW(nullptr, nullptr, nullptr, nullptr, flags, &raw);
  const std::unique_ptr<void, NetApiFree> owned(raw);
  if (rc == ERROR_SUCCESS && raw != nullptr && raw->DomainControllerName != nullptr) {
    std::string name = narrow(raw->DomainControllerName);
    name.erase(0, name.find_first_not_of('\\'));
    how = std::string(forest ? "a Global Catalog" : "a domain controller") + " of " +
          narrow(raw->DomainName) + " found by DsGetDcName";
    return "ldap://" + name;
  }
  // Not domain-joined, or the locator failed: the DC that logged this user on.
  const char* logon_server = std::getenv("LOGONSERVER");
  const char* dns_domain = std::getenv("USERDNSDOMAIN");
  std::string server = logon_server != nullptr ? logon_server : "";
  server.erase(0, server.find_first_not_of('\\'));
  if (!server.empty() && dns_domain != nullptr && *dns_domain != '\0') {
    how = "the logon server %LOGONSERVER% in %USERDNSDOMAIN% (DsGetDcName: error " +
          std::to_string(rc) + ")";
    return "ldap://" + server + "." + dns_domain;
  }
  throw UsageError("no -H given and no domain controller found for this computer (DsGetDcName: "
                   "error " +
                   std::to_string(rc) +
                   "; no %LOGONSERVER% and %USERDNSDOMAIN%): is it joined to a domain? Give "
                   "the DC with -H ldap://dc1.example.com");
}

} // namespace spnscan::ldap
