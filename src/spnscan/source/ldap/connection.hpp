#pragma once

// The one seam between the LDAP source's search logic (ldap_source.cpp: RootDSE, sPNMappings,
// paging, ranged retrieval, references, what a failure means for the scan) and the LDAP library
// of the platform: OpenLDAP's libldap with Cyrus SASL (openldap/) or Windows' wldap32 with
// Negotiate (winldap/). Only those two folders include their library's headers; everything
// here is plain C++, so the search logic exists once and is tested once.

#include "spnscan/model/directory.hpp"
#include "spnscan/source/ldap/ldap_options.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan::ldap {

// RFC 4511 result codes the search logic acts on; both libraries use these numbers.
inline constexpr int k_success = 0;
inline constexpr int k_referral = 10;
// RFC 2696 simple paged results, as AD lists it in supportedControl.
inline constexpr const char* k_paged_results_oid = "1.2.840.113556.1.4.319";

enum class Scope { base, subtree };

struct SearchRequest {
  std::string base;
  Scope scope = Scope::subtree;
  std::string filter = "(objectClass=*)";
  std::vector<std::string> attributes;
  int page_size = 0;     // > 0: send a paged-results control (not critical) with cookie
  std::string cookie;    // the server's cookie of the previous page; empty for the first
  std::string operation; // names the search in error messages
};

// The final result of a search.
struct SearchResult {
  int code = k_success;
  std::string matched;
  std::string diagnostic; // the server's text, e.g. AD's "... data 52e, v4563"
  std::vector<std::string> referrals;
  bool paged = false; // the server answered with a paged-results response control
  std::string cookie; // its cookie: empty when this was the last page
};

// One entry of a search, read attribute by attribute. The views point into the library's
// message and are valid until the next call of next().
class EntryReader {
public:
  virtual ~EntryReader() = default;
  // Moves to the next attribute: its description ("servicePrincipalName;range=0-1499") and
  // values (binary-safe). False after the last one.
  virtual bool next(std::string_view& description, std::vector<std::string_view>& values) = 0;
};

// What a search hands back while it runs, message by message. A handler may run another
// search on the same connection meanwhile (ranged retrieval does).
class SearchHandler {
public:
  virtual ~SearchHandler() = default;
  virtual void entry(std::string_view dn, EntryReader& attributes) = 0;
  virtual void reference(std::string_view url) = 0;
  // A continuation reference the library could not decode (Wine 8.0's ldap_parse_reference
  // always fails): why, for a warning that the scan may miss what it points to.
  virtual void unreadable_reference(std::string_view why) = 0;
};

// A connected, bound session.
class Connection {
public:
  virtual ~Connection() = default;
  // The URI connected to.
  virtual const std::string& uri() const = 0;
  // Runs one search to its end and returns its final result. Throws DirectoryError naming
  // request.operation for a timeout, a lost connection or a reply that cannot be decoded.
  virtual SearchResult search(const SearchRequest& request, SearchHandler& handler) = 0;
  // The library's words for a result code ("Insufficient access").
  virtual std::string code_text(int code) const = 0;
};

// Connects, sets up TLS, binds as the options say and notes each step on the builder; throws
// DirectoryError (connection, TLS, bind) or UsageError (password file, prompt). Nothing is
// retried and nothing falls back to cleartext. Defined by the platform's connection folder.
std::unique_ptr<Connection> connect(const LdapOptions& options, const std::string& uri,
                                    DirectoryBuilder& builder);

// With no -H: the ldap:// URI of a domain controller (a Global Catalog with forest) of this
// machine's domain, found the way Windows clients find one, and how it was found for a note.
// The libldap build has no such discovery and throws UsageError asking for -H.
std::string find_domain_controller(bool forest, std::string& how);

// Returns "<prefix>: <words> (<code>); matched DN: <dn>; additional info: <text>", leaving out
// the empty parts, as ldapsearch's tool_perror prints it.
std::string error_text(std::string_view prefix, std::string_view words, int code,
                       std::string_view matched, std::string_view diagnostic);

// Returns server-supplied text fit for a message: control characters escaped as \xNN and
// trailing white space dropped.
std::string printable(std::string_view text);

} // namespace spnscan::ldap
