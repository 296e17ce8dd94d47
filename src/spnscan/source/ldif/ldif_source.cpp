#include "spnscan/source/ldif/ldif_source.hpp"

#include "spnscan/error.hpp"
#include "spnscan/source/ldif/ldif_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>
#include <utility>
#include <vector>

namespace spnscan {
namespace {

// Forwards what the parser reads to the one place where entries become accounts.
class BuilderHandler : public LdifHandler {
public:
  explicit BuilderHandler(DirectoryBuilder& builder) : m_builder(builder) {}
  void entry(const RawEntry& entry) override { m_builder.add(entry); }
  void warning(std::string message) override { m_builder.warn(std::move(message)); }
  void incomplete(std::string reason) override { m_builder.set_incomplete(std::move(reason)); }
  void reference(std::string url, std::string where) override {
    m_builder.reference(std::move(url), std::move(where));
  }
  void covers(const std::bitset<k_attr_count>& attributes) override { m_builder.cover(attributes); }

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
  LdifSummary summary;
  try {
    summary = LdifParser::parse(in, name, handler);
    if (summary.entries == 0) {
      throw InputError(
          name + ": no directory entry in this input" +
          (summary.ldapsearch
               ? std::string(" (the ldapsearch export says its search returned none): check "
                             "the search base, the filter and the read permissions of the "
                             "account that made it")
               : std::string(" (it is empty, or holds only comments or 'version: 1'): is "
                             "this the export you meant?")));
    }
  } catch (const InputError& e) {
    // Entries read before the error are in the directory: a report of them must say so.
    builder.set_incomplete(e.what());
    throw;
  }
}

namespace {

// True when the two files hold the same bytes (their sizes are known to be equal).
bool same_content(const std::string& a, const std::string& b) {
  std::ifstream x(a, std::ios::binary);
  std::ifstream y(b, std::ios::binary);
  if (!x || !y) {
    return false;
  }
  std::vector<char> bx(1 << 16);
  std::vector<char> by(1 << 16);
  while (x && y) {
    x.read(bx.data(), static_cast<std::streamsize>(bx.size()));
    y.read(by.data(), static_cast<std::streamsize>(by.size()));
    if (x.gcount() != y.gcount() || !std::equal(bx.begin(), bx.begin() + x.gcount(), by.begin())) {
      return false;
    }
  }
  return x.eof() && y.eof();
}

} // namespace

std::vector<std::string> distinct_ldif_inputs(const std::vector<std::string>& paths,
                                              std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  std::vector<std::string> kept;
  std::vector<std::uintmax_t> sizes;
  bool have_stdin = false;
  for (const auto& path : paths) {
    if (path == "-") {
      if (have_stdin) {
        throw UsageError("--ldif -: standard input is named twice; it can be read only once");
      }
      have_stdin = true;
      kept.push_back(path);
      sizes.push_back(static_cast<std::uintmax_t>(-1));
      continue;
    }
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    std::string repeat_of;
    std::string how;
    for (std::size_t i = 0; !ec && repeat_of.empty() && i < kept.size(); ++i) {
      if (kept[i] == "-" || sizes[i] != size) {
        continue;
      }
      std::error_code ec2;
      if (fs::equivalent(path, kept[i], ec2) && !ec2) {
        repeat_of = kept[i];
        how = "the same file as";
      } else if (same_content(path, kept[i])) {
        repeat_of = kept[i];
        how = "a byte-for-byte copy of";
      }
    }
    if (!repeat_of.empty()) {
      warnings.push_back("'" + path + "' is " + how + " '" + repeat_of +
                         "' (named twice); it was read once");
      continue;
    }
    kept.push_back(path);
    sizes.push_back(ec ? static_cast<std::uintmax_t>(-1) : size);
  }
  return kept;
}

} // namespace spnscan
