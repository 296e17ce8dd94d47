// The golden files: the reports of the fixture directory and of the hostile one, made by the
// real pipeline (LdifSource, DirectoryBuilder, analyze(), the writers) with the scan's time
// fixed. A wording change shows up as a diff of tests/golden/ to review; regenerate with
// scripts/update-golden.sh.

#include "spnscan/version.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace spnscan;
using namespace spnscan::test;

namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Compares output with tests/golden/<name> byte for byte; SPNSCAN_UPDATE_GOLDEN=1 rewrites the
// file instead. The version is masked so that a release does not change the golden files.
void check_golden(const std::string& name, const std::string& output) {
  const std::string actual = replace_all(output, k_version, "@VERSION@");
  const std::string path = source_file("tests/golden/" + name);
  const char* update = std::getenv("SPNSCAN_UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    write_text(path, actual);
    WARN("rewrote " << path);
    return;
  }
  INFO(path << " differs or is missing: run scripts/update-golden.sh and review the diff");
  const std::string wanted = slurp(path);
  REQUIRE_FALSE(wanted.empty());
  if (actual != wanted) {
    std::size_t at = 0;
    while (at < actual.size() && at < wanted.size() && actual[at] == wanted[at]) {
      ++at;
    }
    FAIL("first difference at byte " << at << ": " << actual.substr(at, 80));
  }
}

std::string extension(std::string_view format) {
  return format == "text" ? "txt" : std::string(format);
}

} // namespace

TEST_CASE("golden: the fixture directory's report in every format", "[golden]") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  for (const auto& format : formats()) {
    check_golden("contoso." + extension(format.name), report(format.name, *contoso));
  }
}

TEST_CASE("golden: the hostile directory's report in every format", "[golden]") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  for (const auto& format : formats()) {
    check_golden("hostile." + extension(format.name), report(format.name, *hostile));
  }
}
