#include "spnscan/cli/config_file.hpp"
#include "spnscan/error.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace spnscan;
using namespace spnscan::test;

namespace {

std::string error_of(std::string_view text) {
  const auto parsed = parse_config(text, "spnscan.conf");
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

} // namespace

TEST_CASE("parse_config: key = value lines, comments, quotes") {
  const auto parsed = parse_config("\xEF\xBB\xBF# nightly scan\r\n"
                                   "; also a comment\n"
                                   "uri = ldaps://dc1.contoso.com\n"
                                   "  ca-file=/etc/ssl/contoso-ca.pem  \n"
                                   "\n"
                                   "--format = json\n"
                                   "disable = spn-host-mismatch,malformed-spn\n"
                                   "bind-dn = \"CN=spnscan reader,OU=Service Accounts,DC=contoso,"
                                   "DC=com\"\n"
                                   "base = \"say \\\"x\\\"\"\n",
                                   "spnscan.conf");
  REQUIRE(parsed.has_value());
  const auto& e = parsed->entries;
  REQUIRE(e.size() == 6);
  CHECK(e[0].key == "uri");
  CHECK(e[0].value == "ldaps://dc1.contoso.com");
  CHECK(e[0].where == "spnscan.conf:3");
  CHECK(e[1].key == "ca-file");
  CHECK(e[1].value == "/etc/ssl/contoso-ca.pem");
  CHECK(e[2].key == "format"); // a leading "--" is forgiven
  CHECK(e[3].value == "spn-host-mismatch,malformed-spn");
  CHECK(e[4].value == "CN=spnscan reader,OU=Service Accounts,DC=contoso,DC=com");
  CHECK(e[5].value == "say \"x\"");
}

TEST_CASE("parse_config: a password is refused, naming the line and the way out") {
  const std::string refusal = error_of("uri = ldaps://dc1\npassword = hunter2\n");
  CHECK(refusal == "spnscan.conf:2: 'password': a config file may not hold a password (it is "
                   "read by cron, copied and backed up); put the password in a file of mode 0600 "
                   "and name it with password-file = PATH, or use sasl-mech = GSSAPI with keytab "
                   "= PATH");
  CHECK(refusal.find("hunter2") == std::string::npos);
  CHECK(error_of("bind-password = x\n")
            .starts_with("spnscan.conf:1: 'bind-password': a config "
                         "file may not hold a password"));
  CHECK(error_of("w = x\n").starts_with("spnscan.conf:1: 'w': a config file may not hold"));
  // The files that hold secrets are what a config should name.
  CHECK(parse_config("password-file = /etc/spnscan/pw\nkeytab = /etc/spnscan/keytab\n", "c")
            .has_value());
}

TEST_CASE("parse_config: keys in any case, values in single quotes") {
  const auto parsed = parse_config("Format = json\nURI='ldaps://dc1 x'\n", "c");
  REQUIRE(parsed.has_value());
  REQUIRE(parsed.value().entries.size() == 2);
  CHECK(parsed.value().entries[0].key == "format");
  CHECK(parsed.value().entries[1].key == "uri");
  CHECK(parsed.value().entries[1].value == "ldaps://dc1 x");
}

TEST_CASE("parse_config: malformed lines name file:line") {
  CHECK(error_of("[scan]\n") == "spnscan.conf:1: sections are not used: write key = value lines, "
                                "the keys being the long option names (spnscan.conf(5))");
  CHECK(error_of("\nuri ldaps://dc1\n") == "spnscan.conf:2: not key = value");
  CHECK(error_of("u ri = x\n") == "spnscan.conf:1: 'u ri' is not an option name (long option "
                                  "names such as uri or password-file)");
  CHECK(error_of("base = 'a'b'\n") ==
        "spnscan.conf:1: base: single quotes must enclose the whole value");
  CHECK(error_of("uri =\n") == "spnscan.conf:1: uri: empty value");
  CHECK(error_of("uri = \"\"\n") == "spnscan.conf:1: uri: empty value");
  CHECK(error_of("base = \"open\n") ==
        "spnscan.conf:1: base: the quoted value has no closing '\"'");
  CHECK(error_of("base = \"a\" b\n") == "spnscan.conf:1: base: text after the closing '\"'");
  CHECK(error_of("base = a\x1b[2Jb\n") == "spnscan.conf:1: base: a control character in the value");
}

TEST_CASE("config_files: --config must exist and must not be writable by others") {
  TempDir tmp;
  const std::string path = tmp.file("spnscan.conf");
  CHECK_THROWS_WITH(config_files(path, false),
                    "config file " + path + ": No such file or directory");
  write_text(path, "uri = ldaps://dc1\n");
  ::chmod(path.c_str(), 0666);
  CHECK_THROWS_WITH(config_files(path, false),
                    "config file " + path +
                        ": mode 0666: writable by group or others (whoever may change it can "
                        "point spnscan at their own server or switch off certificate checks): "
                        "chmod go-w it");
  ::chmod(path.c_str(), 0644);
  const auto files = config_files(path, false);
  REQUIRE(files.size() == 1);
  CHECK(files[0].entries.size() == 1);
  CHECK(config_files("", true).empty());
  CHECK_THROWS_AS(config_files(path, true), UsageError);
}
