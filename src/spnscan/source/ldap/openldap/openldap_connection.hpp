#pragma once

// The libldap side of connection.hpp: one bound session (connection, TLS, SASL or simple bind,
// timeouts, ldapsearch-style error texts). Private to src/spnscan/source/ldap/openldap.

#include "spnscan/source/ldap/connection.hpp"
#include "spnscan/source/ldap/openldap/ldap_handle.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace spnscan::ldap {

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
// prompt) on failure.
class Session : public Connection {
public:
  Session(const LdapOptions& options, std::string uri, DirectoryBuilder& builder);

  const std::string& uri() const override { return m_uri; }
  SearchResult search(const SearchRequest& request, SearchHandler& handler) override;
  std::string code_text(int code) const override { return ldap_err2string(code); }

private:
  LDAP* get() const { return m_ld.get(); }
  // Returns the error text for a failed synchronous call, with the session's diagnostic
  // and matched DN; LDAP_TIMEOUT becomes "<operation> timed out after N s".
  std::string failure(std::string_view operation, int code) const;
  // Waits for the next message of msgid. On timeout abandons the operation; throws
  // DirectoryError naming the operation on timeout or a lost connection.
  MessagePtr wait(int msgid, std::string_view operation);
  // Parses a search's final result; throws DirectoryError when it cannot be decoded.
  ResultInfo parse_result(LDAPMessage* message, std::string_view operation);
  void read_entry(LDAPMessage* message, SearchHandler& handler, std::string_view operation);
  void read_reference(LDAPMessage* message, SearchHandler& handler);

  void set_session_options(DirectoryBuilder& builder);
  void bind();
  void simple_bind();
  void sasl_bind();

  const LdapOptions& m_options;
  std::string m_uri;
  LdapPtr m_ld;
};

} // namespace spnscan::ldap
