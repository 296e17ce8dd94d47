#pragma once

#include "spnscan/util/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spnscan {

// How to reach and read a live directory. Flag letters are ldapsearch's where they mean the
// same thing, so AD administrators can reuse what they know; the CLI fills this struct and
// validate() checks it before anything touches the network.
struct LdapOptions {
  std::string uri;                   // -H: ldap://, ldaps:// or ldapi:// URI of one server
  std::string base;                  // -b: search base; empty = defaultNamingContext of the RootDSE
  std::string bind_dn;               // -D: DN or UPN for a simple bind
  std::string password_file;         // -y: file holding the password (mode 0600, one line)
  bool prompt_password = false;      // -W: ask for the password on the terminal
  std::string sasl_mech;             // -Y: SASL mechanism (GSSAPI, EXTERNAL, ...); empty = no SASL
  std::string sasl_authcid;          // -U: SASL authentication identity
  std::string sasl_realm;            // -R: SASL realm
  std::string sasl_authzid;          // -X: SASL authorization identity
  std::string sasl_secprops;         // -O: SASL security properties, e.g. "maxssf=0"
  bool sasl_canonicalize = false;    // --sasl-canonicalize: reverse-DNS name for Kerberos
  std::string keytab;                // --keytab: client keytab for GSSAPI (cron, no kinit)
  bool starttls = false;             // -Z: StartTLS on ldap://; a refusal is fatal
  std::string ca_file;               // --ca-file: PEM file of CAs trusted for the server cert
  bool tls_verify = true;            // false with --insecure-skip-verify (warned about)
  bool allow_plaintext_bind = false; // --allow-plaintext-bind: simple bind without TLS
  int timeout_seconds = 30;          // --timeout: connect, each operation and each reply wait
  int page_size = 1000;              // --page-size: paged-results page size (RFC 2696)
  bool forest = false;               // --forest: search the Global Catalog from base ""
};

// The LDAP library a build talks through: its options differ (ldap_options.cpp validate()).
enum class LdapClient {
  openldap, // libldap and Cyrus SASL: SASL mechanisms, keytabs, --ca-file, ldapi://
  wldap32,  // Windows: Negotiate as the logged-on user, Schannel and the Windows trust store
};
#ifdef _WIN32
inline constexpr LdapClient k_native_client = LdapClient::wldap32;
#else
inline constexpr LdapClient k_native_client = LdapClient::openldap;
#endif

// Throws UsageError naming both options when choices clash or a value is out of range
// (-W with -y, -D with -Y, -Z with ldaps/ldapi, -D without a password source, a simple bind
// over an unencrypted connection without --allow-plaintext-bind, --page-size, --timeout,
// a missing -H or an -H scheme other than ldap, ldaps, ldapi). For wldap32, -H may be left
// out (the domain's DC is found), no -D means Negotiate as the logged-on user, and the SASL,
// keytab, --ca-file and ldapi:// choices of libldap are refused with what to do instead.
void validate(const LdapOptions& options, LdapClient client = k_native_client);

// Returns the scheme of an LDAP URI in lower case ("ldap", "ldaps", "ldapi"), or "" when the
// text has no "scheme://".
std::string uri_scheme(std::string_view uri);

// True when the connection the options describe is encrypted or local: ldaps://, ldapi://
// or StartTLS.
bool connection_protected(const LdapOptions& options);

// Returns the URI to connect to: with --forest and no explicit port, the Global Catalog port
// is put in (ldap -> 3268, ldaps -> 3269); otherwise the URI unchanged.
std::string effective_uri(const LdapOptions& options);

// Removes one trailing "\n" or "\r\n" (and nothing more) from a password read from a file.
void strip_one_newline(std::string& text);

// Reads the password from a -y file. Throws UsageError when the file is readable by group or
// others (platform::secret_file_problem), cannot be read, or is empty after stripping.
std::string read_password_file(const std::string& path);

// The value range of an attribute option such as "range=0-1499" or "range=1500-*".
struct ValueRange {
  std::uint64_t low = 0;
  std::uint64_t high = 0; // meaningless when last
  bool last = false;      // the option ended in "-*": no more values after these
  bool operator==(const ValueRange&) const = default;
};

// Parses the options part of an attribute description ("range=0-1499", case-insensitive;
// other options separated by ';' are skipped), or says why not: "no range option in '...'",
// "malformed option 'range=9-1'" (high below low, not numbers).
Expected<ValueRange> parse_range_option(std::string_view options);

} // namespace spnscan
