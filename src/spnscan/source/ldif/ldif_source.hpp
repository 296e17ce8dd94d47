#pragma once

#include "spnscan/source/source.hpp"

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace spnscan {

// Reads an LDIF export (RFC 2849) as written by ldapsearch or by Windows ldifde.
//
// Streaming: the file is read in blocks and each entry is handed to the builder as soon as it
// ends, keeping only the attributes in Attr. Handles folding, "::" base64, comments, CRLF,
// "version: 1", "changetype: add", a UTF-8 BOM and UTF-16LE with BOM (ldifde -u).
// Refuses "attr:< URL" values without opening them, and change records other than add
// (modify, delete, moddn/modrdn) with InputError("file:line: ..."). A DN with a line break,
// a base64 value that does not decode and a line with no ':' are InputErrors naming
// file:line, and so is an input with no entry at all. The parsing itself is LdifParser
// (ldif_parser.hpp); this class adds the file.
class LdifSource : public AccountSource {
public:
  // What messages call standard input.
  static constexpr const char* k_stdin_name = "<stdin>";

  // path is a file name, or "-" for standard input; describe() returns it as given. A file
  // that cannot be opened is an InputError from read(): "cannot open 'x.ldif': <reason>".
  explicit LdifSource(std::string path);
  std::string describe() const override { return m_path; }
  void read(DirectoryBuilder& builder) override;

  // Reads from an already open stream (tests, stdin). `name` is used in messages. On an
  // InputError the builder is first marked incomplete with the same text.
  static void read_stream(std::istream& in, const std::string& name, DirectoryBuilder& builder);

private:
  std::string m_path;
};

// Returns paths without repeats: a file named twice (under any name) or a byte-for-byte copy of
// an earlier one is read once, with a warning added to `warnings`. Throws UsageError when "-"
// (standard input) is named twice. Files of different sizes are never compared.
std::vector<std::string> distinct_ldif_inputs(const std::vector<std::string>& paths,
                                              std::vector<std::string>& warnings);

} // namespace spnscan
