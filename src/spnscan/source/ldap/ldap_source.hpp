#pragma once

#include "spnscan/source/ldap/ldap_options.hpp"
#include "spnscan/source/source.hpp"

#include <string>

namespace spnscan {

// Reads every SPN holder of a live directory (an AD domain controller or Global Catalog)
// over LDAP (OpenLDAP's libldap and Cyrus SASL, or Windows' wldap32: ldap/connection.hpp), and
// feeds the entries to the same DirectoryBuilder the LDIF reader feeds.
//
// read() connects (TLS verified unless --insecure-skip-verify; StartTLS refusal is fatal),
// binds (simple, SASL, Negotiate as the logged-on user on Windows, or anonymous), reads the RootDSE
// and sPNMappings, then runs one paged subtree search for (servicePrincipalName=*), streaming each
// entry as its page arrives and completing ranged values (servicePrincipalName;range=0-1499) with
// base-scope follow-ups. Continuation references become warnings ("not covered: ..."). Any failure
// after the search started marks the scan incomplete ("... after N entries") and throws
// DirectoryError.
class LdapSource : public AccountSource {
public:
  // Throws UsageError when the options clash (see validate()).
  explicit LdapSource(LdapOptions options);

  // The URI connected to (with the Global Catalog port when --forest put it in).
  std::string describe() const override { return m_uri; }
  void read(DirectoryBuilder& builder) override;

private:
  LdapOptions m_options;
  std::string m_uri;
  std::string m_found_by; // how the domain controller was found when -H was not given
};

} // namespace spnscan
