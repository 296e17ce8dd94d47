#pragma once

// One bound LDAP session for the LDAP source: connection, TLS, bind, timeouts and the
// ldapsearch-style error texts. Private to src/source/ldap.

#include "spnscan/model/directory.hpp"
#include "spnscan/source/ldap/ldap_handle.hpp"
#include "spnscan/source/ldap/ldap_options.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace spnscan::ldap {

// Returns "<prefix>: <ldap_err2string> (<code>); matched DN: <dn>; additional info: <text>",
// leaving out the empty parts, as ldapsearch's tool_perror prints it.
std::string error_text(std::string_view prefix, int code, std::string_view matched,
                       std::string_view diagnostic);

// Returns server-supplied text fit for a message: control characters escaped as \xNN and
// trailing white space dropped.
std::string printable(std::string_view text);

// The final result of an operation as ldap_parse_result gave it.
struct ResultInfo {
  int code = LDAP_SUCCESS;
  std::string matched;
  std::string diagnostic;
  std::vector<std::string> referrals;
  ControlsPtr controls;
};

// A connected, bound session. Construction does everything up to and including the bind and
// throws DirectoryError (connection, TLS, StartTLS, bind) or UsageError (password file,
// prompt) on failure; nothing is retried and nothing falls back to cleartext.
class Session {
public:
  Session(const LdapOptions& options, std::string uri, DirectoryBuilder& builder);

  LDAP* get() const { return m_ld.get(); }
  const std::string& uri() const { return m_uri; }
  int timeout_seconds() const { return m_options.timeout_seconds; }

  // Returns the error text for a failed synchronous call, with the session's diagnostic
  // and matched DN; LDAP_TIMEOUT becomes "<operation> timed out after N s".
  std::string failure(std::string_view operation, int code) const;

  // Waits for the next message of msgid (LDAP_MSG_ONE) or, with all, for the whole result.
  // On timeout abandons the operation; throws DirectoryError naming the operation on timeout
  // or a lost connection.
  MessagePtr wait(int msgid, bool all, std::string_view operation);

  // Parses a result message (search done, bind). Throws DirectoryError when it cannot be
  // decoded.
  ResultInfo parse_result(LDAPMessage* message, std::string_view operation);

  // Runs a base-scope search for attrs on dn and waits for all of it. Returns the message
  // chain; `result` receives the final result. Throws only for timeouts and lost connections.
  MessagePtr search_base(const std::string& dn, const std::vector<std::string>& attrs,
                         std::string_view operation, ResultInfo& result);

private:
  void set_session_options(DirectoryBuilder& builder);
  void bind();
  void simple_bind();
  void sasl_bind();

  const LdapOptions& m_options;
  std::string m_uri;
  LdapPtr m_ld;
};

} // namespace spnscan::ldap
