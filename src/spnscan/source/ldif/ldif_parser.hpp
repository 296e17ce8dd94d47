#pragma once

#include "spnscan/model/entry.hpp"

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>

namespace spnscan {

// Receives what an LdifParser reads. LdifSource forwards it to a DirectoryBuilder; tests record it.
class LdifHandler {
public:
  virtual ~LdifHandler() = default;
  // Called once per entry record when it ends; the parser reuses the object afterwards, so a
  // handler copies what it keeps.
  virtual void entry(const RawEntry& entry) = 0;
  // Something the report should say about the input.
  virtual void warning(std::string message) = 0;
  // A continuation reference the export did not follow ("# refldap://..." or a "ref:" record);
  // `where` is "file:line".
  virtual void reference(std::string url, std::string where) = 0;
  // The export says of itself that it is incomplete: an ldapsearch trailer with a non-zero
  // result, or ldapsearch's counts that are missing or do not match the entries read.
  virtual void incomplete(std::string reason) = 0;
  // Attributes the export holds for every entry that has them, whether or not a value was
  // read: what ldapsearch's "# requesting:" line lists, or all of them for a full export.
  virtual void covers(const std::bitset<k_attr_count>& attributes) = 0;
};

// What a parse saw, for the checks made after it.
struct LdifSummary {
  std::uint64_t entries = 0;          // entry records ("dn:" records) read
  bool ldapsearch = false;            // ldapsearch's header comments were there ("# LDAPv3")
  std::uint64_t declared_entries = 0; // the sum of ldapsearch's "# numEntries:" lines
};

// A streaming reader of LDIF content (RFC 2849) as written by ldapsearch and Windows ldifde.
//
// The input is read in large blocks and split with memchr, each entry is handed over when it
// ends and its buffers are reused, so memory follows the largest entry, not the file. Only the
// attributes in Attr are kept; the others are skipped without decoding. Handles folding (also of
// comments), "::" base64, LF/CRLF/mixed line ends, a missing final newline, "version: 1",
// "changetype: add", a UTF-8 BOM, UTF-16LE with BOM (ldifde -u, transcoded while streaming),
// attribute options (servicePrincipalName;range=0-1499 sets RawEntry::spn_range), ldapsearch's
// "# refldap://" comments, "ref:" records and "search:/result:" trailer, and ldapsearch -L's
// header and count comments, repeated per page of a paged search and per concatenated export:
// a run whose "# numEntries:" is missing or differs from the entries read was cut.
class LdifParser {
public:
  // Longest attribute description (name and options) accepted; longer ones are refused.
  static constexpr std::size_t k_max_attr_name = 1024;

  // Reads all of `in`, calling the handler as it goes. `name` is what messages call the input.
  // Throws InputError("name:line: what") for malformed input, ":<" URL values (never opened),
  // change records other than add, UTF-16BE, invalid UTF-16LE and a file that ends inside a
  // base64 value.
  static LdifSummary parse(std::istream& in, const std::string& name, LdifHandler& handler);
};

} // namespace spnscan
