#include "spnscan/error.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace spnscan;

TEST_CASE("LdifSource: reads the sample exports into a Directory") {
  SECTION("ldapsearch export") {
    Directory directory;
    DirectoryBuilder builder(directory);
    LdifSource source(SPNSCAN_SOURCE_DIR "/tests/data/ldif/ldapsearch.ldif");
    source.read(builder);
    builder.finish();
    CHECK(directory.info().entries_read == 3);
    CHECK(directory.spn_count() == 3);
    REQUIRE(directory.info().warnings.size() == 1);
    CHECK(directory.info().warnings[0].find(
              ": continuation reference to 'ldap://DomainDnsZones.contoso.com/"
              "DC=DomainDnsZones,DC=contoso,DC=com' not followed: the scan does not cover "
              "'DC=DomainDnsZones,DC=contoso,DC=com'") != std::string::npos);
    CHECK(directory.info().complete);
  }
  SECTION("ldifde -u export (UTF-16LE)") {
    Directory directory;
    DirectoryBuilder builder(directory);
    LdifSource source(SPNSCAN_SOURCE_DIR "/tests/data/ldif/ldifde-utf16le.ldif");
    source.read(builder);
    CHECK(directory.info().entries_read == 2);
    CHECK(directory.spn_count() == 3);
    CHECK(directory.info().complete);
  }
}

TEST_CASE("LdifSource: errors") {
  SECTION("a file that cannot be opened") {
    Directory directory;
    DirectoryBuilder builder(directory);
    LdifSource source("no-such-dir/x.ldif");
    CHECK(source.describe() == "no-such-dir/x.ldif");
    try {
      source.read(builder);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()) == "cannot open 'no-such-dir/x.ldif': No such file or directory");
    }
  }
  SECTION("malformed input after some entries marks the scan incomplete") {
    Directory directory;
    DirectoryBuilder builder(directory);
    std::istringstream in("dn: cn=a\nservicePrincipalName: a/b\n\ndn: cn=b\nchangetype: delete\n");
    try {
      LdifSource::read_stream(in, "in.ldif", builder);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()) ==
            "in.ldif:5: changetype 'delete' record for DN 'cn=b': not a directory snapshot "
            "(spnscan reads exports made by ldapsearch or ldifde)");
    }
    CHECK(directory.info().entries_read == 1);
    CHECK_FALSE(directory.info().complete);
    CHECK(directory.info().incomplete_reason.find("in.ldif:5: changetype 'delete'") == 0);
  }
  SECTION("a search that ended early marks the scan incomplete") {
    Directory directory;
    DirectoryBuilder builder(directory);
    std::istringstream in(
        "dn: cn=a\nservicePrincipalName: a/b\n\nsearch: 2\nresult: 4 Size limit exceeded\n");
    LdifSource::read_stream(in, "in.ldif", builder);
    CHECK_FALSE(directory.info().complete);
    CHECK(directory.info().incomplete_reason ==
          "in.ldif:5: the export's search ended with 'result: 4 Size limit exceeded'; entries "
          "are missing");
  }
}

TEST_CASE("LdifSource: an input without a single entry is an error, not a clean scan") {
  const auto error_of = [](const std::string& text) {
    Directory directory;
    DirectoryBuilder builder(directory);
    std::istringstream in(text);
    try {
      LdifSource::read_stream(in, "in.ldif", builder);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string plain = "in.ldif: no directory entry in this input (it is empty, or holds "
                            "only comments or 'version: 1'): is this the export you meant?";
  CHECK(error_of("") == plain);
  CHECK(error_of("# only a comment\n\n# and another\n") == plain);
  CHECK(error_of("version: 1\n") == plain);
  CHECK(error_of("\xEF\xBB\xBF\r\n\r\n") == plain);
  CHECK(error_of("version: 1\n\n#\n# LDAPv3\n# base <DC=x> with scope subtree\n#\n\n"
                 "# search result\n\n# numResponses: 1\n# numEntries: 0\n") ==
        "in.ldif: no directory entry in this input (the ldapsearch export says its search "
        "returned none): check the search base, the filter and the read permissions of the "
        "account that made it");
  CHECK(error_of("dn: cn=a\n") == "no error");
}

TEST_CASE("distinct_ldif_inputs: the same export named twice is read once") {
  test::TempDir temp;
  const std::string dir = temp.path;
  const auto write = [&](const std::string& name, const std::string& text) {
    test::write_text(temp.file(name), text);
    return temp.file(name);
  };
  const std::string a = write("a.ldif", "dn: cn=a\nservicePrincipalName: a/b\n");
  const std::string copy = write("copy.ldif", "dn: cn=a\nservicePrincipalName: a/b\n");
  const std::string other = write("other.ldif", "dn: cn=b\nservicePrincipalName: a/b\n");
  const std::string longer = write("longer.ldif", "dn: cn=ab\nservicePrincipalName: a/b\n");
  std::vector<std::string> warnings;
  CHECK(distinct_ldif_inputs({a, dir + "/./a.ldif", copy, other, longer}, warnings) ==
        std::vector<std::string>{a, other, longer});
  CHECK(warnings == std::vector<std::string>{"'" + dir + "/./a.ldif' is the same file as '" + a +
                                                 "' (named twice); it was read once",
                                             "'" + copy + "' is a byte-for-byte copy of '" + a +
                                                 "' (named twice); it was read once"});
  warnings.clear();
  CHECK(distinct_ldif_inputs({"-", a}, warnings) == std::vector<std::string>{"-", a});
  CHECK_THROWS_WITH(distinct_ldif_inputs({"-", a, "-"}, warnings),
                    "--ldif -: standard input is named twice; it can be read only once");
}
