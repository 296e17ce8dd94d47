#pragma once

#include "spnscan/model/directory.hpp"

#include <string>

namespace spnscan {

// The seam where accounts come in. An LDIF file and a live directory both implement it; the
// analyzer sees only the Directory they fill, so it can be tested without a server.
class AccountSource {
public:
  virtual ~AccountSource() = default;

  // What to put in the report's "sources" list (a file name or an LDAP URI).
  virtual std::string describe() const = 0;

  // Streams every entry into the builder. Throws InputError for malformed input and
  // DirectoryError for directory failures; on a failure after partial results it first
  // calls builder.set_incomplete() with the reason, so a caller can still report what was read.
  virtual void read(DirectoryBuilder& builder) = 0;
};

} // namespace spnscan
