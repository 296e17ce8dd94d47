#include "spnscan/source/ldif_source.hpp"

#include "spnscan/error.hpp"
#include "spnscan/source/ldif_parser.hpp"

#include <cerrno>
#include <fstream>
#include <iostream>
#include <system_error>
#include <utility>

namespace spnscan {
namespace {

// Forwards what the parser reads to the one place where entries become accounts.
class BuilderHandler : public LdifHandler {
public:
  explicit BuilderHandler(DirectoryBuilder& builder) : m_builder(builder) {}
  void entry(const RawEntry& entry) override { m_builder.add(entry); }
  void warning(std::string message) override { m_builder.warn(std::move(message)); }
  void incomplete(std::string reason) override { m_builder.set_incomplete(std::move(reason)); }

private:
  DirectoryBuilder& m_builder;
};

} // namespace

LdifSource::LdifSource(std::string path) : m_path(std::move(path)) {}

void LdifSource::read(DirectoryBuilder& builder) {
  if (m_path == "-") {
    read_stream(std::cin, k_stdin_name, builder);
    return;
  }
  errno = 0;
  std::ifstream in(m_path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw InputError("cannot open '" + m_path + "': " +
                     (err != 0 ? std::generic_category().message(err) : std::string("failed")));
  }
  read_stream(in, m_path, builder);
}

void LdifSource::read_stream(std::istream& in, const std::string& name, DirectoryBuilder& builder) {
  BuilderHandler handler(builder);
  try {
    LdifParser::parse(in, name, handler);
  } catch (const InputError& e) {
    // Entries read before the error are in the directory: a report of them must say so.
    builder.set_incomplete(e.what());
    throw;
  }
}

} // namespace spnscan
