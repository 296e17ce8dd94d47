#include "spnscan/error.hpp"
#include "spnscan/source/ldap/ldap_options.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace spnscan;

namespace {

LdapOptions base_options() {
  LdapOptions options;
  options.uri = "ldaps://dc1.contoso.com";
  return options;
}

std::string usage_error_of(const LdapOptions& options, LdapClient client = LdapClient::openldap) {
  try {
    validate(options, client);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(no error)";
}

// A file in a fresh temporary directory, removed with it.
class TempFile {
public:
  TempFile(const std::string& content, mode_t mode) {
    char pattern[] = "/tmp/spnscan-ldap-test-XXXXXX";
    const char* dir = mkdtemp(pattern);
    REQUIRE(dir != nullptr);
    m_dir = dir;
    m_path = m_dir + "/password";
    std::ofstream(m_path, std::ios::binary) << content;
    REQUIRE(chmod(m_path.c_str(), mode) == 0);
  }
  ~TempFile() {
    unlink(m_path.c_str());
    rmdir(m_dir.c_str());
  }
  const std::string& path() const { return m_path; }

private:
  std::string m_dir;
  std::string m_path;
};

} // namespace

TEST_CASE("validate: accepts plain choices") {
  LdapOptions options = base_options();
  CHECK_NOTHROW(validate(options)); // anonymous over ldaps
  options.bind_dn = "scanner@contoso.com";
  options.password_file = "/etc/spnscan/password";
  CHECK_NOTHROW(validate(options));
  options = base_options();
  options.uri = "ldap://dc1.contoso.com";
  options.sasl_mech = "GSSAPI";
  options.sasl_canonicalize = true;
  options.keytab = "/etc/spnscan/spnscan.keytab";
  CHECK_NOTHROW(validate(options));
  options.uri = "ldap://dc1.contoso.com";
  options.starttls = true;
  options.sasl_mech.clear();
  options.sasl_canonicalize = false;
  options.keytab.clear();
  options.bind_dn = "CN=scanner,CN=Users,DC=contoso,DC=com";
  options.prompt_password = true;
  CHECK_NOTHROW(validate(options));
}

TEST_CASE("validate: clashing options name both") {
  LdapOptions options = base_options();
  options.bind_dn = "scanner@contoso.com";
  options.prompt_password = true;
  options.password_file = "pw";
  CHECK(usage_error_of(options) ==
        "-W and -y both given: choose a password prompt (-W) or a password file (-y)");

  options = base_options();
  options.bind_dn = "scanner@contoso.com";
  options.sasl_mech = "GSSAPI";
  CHECK(usage_error_of(options) ==
        "-D and -Y both given: -D is for a simple bind; a SASL bind takes its identity from -U");

  options = base_options();
  options.starttls = true;
  CHECK(usage_error_of(options) ==
        "-Z and an ldaps:// URI both given: StartTLS needs an ldap:// URI (ldaps:// is TLS "
        "already)");
  options.uri = "ldapi:///";
  CHECK(usage_error_of(options) ==
        "-Z and an ldapi:// URI both given: StartTLS needs an ldap:// URI");

  options = base_options();
  options.bind_dn = "scanner@contoso.com";
  CHECK(usage_error_of(options) ==
        "-D given without a password source: add -W (prompt) or -y FILE");

  options = base_options();
  options.password_file = "pw";
  CHECK(usage_error_of(options) ==
        "-y given without -D or -Y: a password needs a simple bind (-D) or a SASL mechanism "
        "(-Y)");

  options = base_options();
  options.sasl_authcid = "scanner";
  CHECK(usage_error_of(options) == "-U given without -Y: -U, -R, -X, -O and --sasl-canonicalize "
                                   "only apply to a SASL bind");
  options = base_options();
  options.sasl_secprops = "maxssf=0";
  CHECK(usage_error_of(options) == "-O given without -Y: -U, -R, -X, -O and --sasl-canonicalize "
                                   "only apply to a SASL bind");
  options = base_options();
  options.sasl_canonicalize = true;
  CHECK(usage_error_of(options) == "--sasl-canonicalize given without -Y: -U, -R, -X, -O and "
                                   "--sasl-canonicalize only apply to a SASL bind");
  options = base_options();
  options.sasl_mech = "EXTERNAL";
  options.keytab = "/etc/spnscan/spnscan.keytab";
  CHECK(usage_error_of(options) ==
        "--keytab given without -Y GSSAPI: a keytab only serves a Kerberos bind");

  options = base_options();
  options.uri = "ldapi:///";
  options.forest = true;
  CHECK(usage_error_of(options) ==
        "--forest and an ldapi:// URI both given: the Global Catalog is reached over ldap:// "
        "or ldaps://");
}

TEST_CASE("validate: values out of range") {
  LdapOptions options = base_options();
  options.page_size = 0;
  CHECK(usage_error_of(options) == "--page-size 0 is out of range 1..100000");
  options.page_size = 100001;
  CHECK(usage_error_of(options) == "--page-size 100001 is out of range 1..100000");
  options.page_size = 100000;
  CHECK_NOTHROW(validate(options));

  options = base_options();
  options.timeout_seconds = 0;
  CHECK(usage_error_of(options) == "--timeout 0 is out of range: give at least 1 second");
  options.timeout_seconds = -5;
  CHECK(usage_error_of(options) == "--timeout -5 is out of range: give at least 1 second");
}

TEST_CASE("validate: the URI") {
  LdapOptions options = base_options();
  options.uri.clear();
  CHECK(usage_error_of(options) ==
        "-H is required: give the directory's URI, e.g. -H ldaps://dc1.example.com");
  options.uri = "http://dc1.contoso.com";
  CHECK(usage_error_of(options) ==
        "-H 'http://dc1.contoso.com': unsupported scheme 'http'; use ldap://, ldaps:// or "
        "ldapi://");
  options.uri = "dc1.contoso.com";
  CHECK(usage_error_of(options) ==
        "-H 'dc1.contoso.com': unsupported scheme ''; use ldap://, ldaps:// or ldapi://");
  options.uri = "ldap://dc1 ldap://dc2";
  CHECK(usage_error_of(options) == "-H 'ldap://dc1 ldap://dc2': give exactly one URI");
  options.uri = "LDAPS://DC1.contoso.com";
  CHECK_NOTHROW(validate(options));
}

TEST_CASE("validate: a simple bind in cleartext is refused before any password is read") {
  LdapOptions options = base_options();
  options.uri = "ldap://dc1.contoso.com";
  options.bind_dn = "scanner@contoso.com";
  options.password_file = "/nonexistent/password";
  CHECK(usage_error_of(options) ==
        "refusing a simple bind (-D) over an unencrypted connection to ldap://dc1.contoso.com: "
        "use ldaps://, -Z, -Y GSSAPI, or --allow-plaintext-bind");
  options.allow_plaintext_bind = true;
  CHECK_NOTHROW(validate(options));
  options.allow_plaintext_bind = false;
  options.starttls = true;
  CHECK_NOTHROW(validate(options));
  options.starttls = false;
  options.uri = "ldapi://%2Frun%2Fslapd%2Fldapi";
  CHECK_NOTHROW(validate(options));
}

TEST_CASE("validate for wldap32: no -H finds the DC, no -D binds as the logged-on user") {
  LdapOptions options;
  CHECK(usage_error_of(options) ==
        "-H is required: give the directory's URI, e.g. -H ldaps://dc1.example.com");
  CHECK(usage_error_of(options, LdapClient::wldap32) == "(no error)"); // Negotiate, DC found
  options.uri = "ldap://dc1.contoso.com";
  CHECK(usage_error_of(options, LdapClient::wldap32) == "(no error)"); // signed and sealed
  options.bind_dn = "reader@contoso.com";
  options.prompt_password = true;
  CHECK_THAT(usage_error_of(options, LdapClient::wldap32),
             Catch::StartsWith("refusing a simple bind (-D) over an unencrypted connection to "
                               "ldap://dc1.contoso.com: use ldaps://, -Z, no -D (Negotiate as "
                               "the logged-on user, signed and sealed)"));
  options.uri.clear();
  CHECK_THAT(usage_error_of(options, LdapClient::wldap32),
             Catch::StartsWith("refusing a simple bind (-D) over an unencrypted connection to "
                               "the domain controller:"));
  options.starttls = true;
  CHECK_THAT(usage_error_of(options, LdapClient::wldap32),
             Catch::StartsWith("-Z needs -H: give the domain controller's ldap:// URI"));
  options.uri = "ldap://dc1.contoso.com";
  CHECK(usage_error_of(options, LdapClient::wldap32) == "(no error)");
  options = {};
  options.prompt_password = true;
  CHECK(usage_error_of(options, LdapClient::wldap32) ==
        "-W given without -D: a password needs a simple bind (-D); with no -D spnscan binds as "
        "the logged-on user");
  options.uri = "ldaps://dc1.contoso.com";
  CHECK(usage_error_of(options) == "-W given without -D or -Y: a password needs a simple bind "
                                   "(-D) or a SASL mechanism (-Y)");
}

TEST_CASE("validate for wldap32: libldap's choices are refused with what to do instead") {
  const auto refused = [](void (*change)(LdapOptions&)) {
    LdapOptions options = base_options();
    change(options);
    return usage_error_of(options, LdapClient::wldap32);
  };
  CHECK_THAT(refused([](LdapOptions& o) { o.ca_file = "ca.pem"; }),
             Catch::StartsWith("--ca-file is not used on Windows: Windows checks the server's "
                               "certificate against its own trust store; import the CA into "
                               "the computer's Trusted Root Certification Authorities"));
  CHECK_THAT(refused([](LdapOptions& o) { o.sasl_mech = "GSSAPI"; }),
             Catch::StartsWith("-Y GSSAPI is for the Linux build's SASL bind: on Windows, "
                               "spnscan binds with Negotiate (Kerberos) as the logged-on user"));
  CHECK_THAT(refused([](LdapOptions& o) { o.keytab = "/etc/krb5.keytab"; }),
             Catch::StartsWith("--keytab is for the Linux build's SASL bind"));
  CHECK_THAT(refused([](LdapOptions& o) { o.sasl_secprops = "maxssf=0"; }),
             Catch::StartsWith("-O is for the Linux build's SASL bind"));
  CHECK_THAT(refused([](LdapOptions& o) { o.uri = "ldapi://%2Fvar%2Frun%2Fldapi"; }),
             Catch::EndsWith("ldapi:// is a Unix socket; on Windows use ldap:// or ldaps://"));
  // The same options are the Linux build's own.
  LdapOptions options = base_options();
  options.ca_file = "ca.pem";
  CHECK(usage_error_of(options) == "(no error)");
  options.sasl_mech = "GSSAPI";
  options.keytab = "/etc/krb5.keytab";
  CHECK(usage_error_of(options) == "(no error)");
}

TEST_CASE("connection_protected: ldaps, ldapi and StartTLS") {
  LdapOptions options = base_options();
  CHECK(connection_protected(options));
  options.uri = "ldapi:///";
  CHECK(connection_protected(options));
  options.uri = "ldap://dc1";
  CHECK_FALSE(connection_protected(options));
  options.starttls = true;
  CHECK(connection_protected(options));
}

TEST_CASE("uri_scheme: lower case, empty without ://") {
  CHECK(uri_scheme("LDAPS://dc1") == "ldaps");
  CHECK(uri_scheme("ldapi:///") == "ldapi");
  CHECK(uri_scheme("dc1:389").empty());
}

TEST_CASE("effective_uri: --forest puts in the Global Catalog port") {
  LdapOptions options = base_options();
  options.uri = "ldap://dc1.contoso.com";
  CHECK(effective_uri(options) == "ldap://dc1.contoso.com"); // no --forest: unchanged
  options.forest = true;
  CHECK(effective_uri(options) == "ldap://dc1.contoso.com:3268");
  options.uri = "ldaps://dc1.contoso.com/";
  CHECK(effective_uri(options) == "ldaps://dc1.contoso.com:3269/");
  options.uri = "ldaps://dc1.contoso.com:636";
  CHECK(effective_uri(options) == "ldaps://dc1.contoso.com:636"); // an explicit port wins
  options.uri = "ldap://[2001:db8::1]";
  CHECK(effective_uri(options) == "ldap://[2001:db8::1]:3268");
  options.uri = "ldap://[2001:db8::1]:389";
  CHECK(effective_uri(options) == "ldap://[2001:db8::1]:389");
  options.uri = "ldap:///";
  CHECK(effective_uri(options) == "ldap:///");
}

TEST_CASE("strip_one_newline: one LF or CRLF only") {
  std::string text = "secret\n";
  strip_one_newline(text);
  CHECK(text == "secret");
  text = "secret\r\n";
  strip_one_newline(text);
  CHECK(text == "secret");
  text = "secret\n\n";
  strip_one_newline(text);
  CHECK(text == "secret\n");
  text = "secret \t";
  strip_one_newline(text);
  CHECK(text == "secret \t");
  text = "secret\r";
  strip_one_newline(text);
  CHECK(text == "secret\r");
  text.clear();
  strip_one_newline(text);
  CHECK(text.empty());
}

TEST_CASE("read_password_file: strips one newline, refuses readable files") {
  {
    TempFile file("p@ss word\n\n", 0600);
    CHECK(read_password_file(file.path()) == "p@ss word\n");
  }
  {
    TempFile file("p@ss\r\n", 0400);
    CHECK(read_password_file(file.path()) == "p@ss");
  }
  {
    TempFile file("p@ss", 0600);
    CHECK(read_password_file(file.path()) == "p@ss");
  }
  {
    TempFile file("p@ss\n", 0644);
    try {
      read_password_file(file.path());
      FAIL("no error for a group/world readable password file");
    } catch (const UsageError& error) {
      CHECK(std::string(error.what()) ==
            "password file '" + file.path() +
                "': mode 0644: readable by group or others; chmod 600 it");
    }
  }
  {
    TempFile file("\n", 0600);
    try {
      read_password_file(file.path());
      FAIL("no error for an empty password file");
    } catch (const UsageError& error) {
      CHECK(std::string(error.what()) == "password file '" + file.path() + "' is empty");
    }
  }
  CHECK_THROWS_AS(read_password_file("/nonexistent/spnscan/password"), UsageError);
}

TEST_CASE("parse_range_option: bounded, open and malformed ranges") {
  CHECK(parse_range_option("range=0-1499").value() == ValueRange{0, 1499, false});
  CHECK(parse_range_option("Range=1500-*").value() == ValueRange{1500, 0, true});
  CHECK(parse_range_option("binary;range=3000-4499").value() == ValueRange{3000, 4499, false});
  CHECK(parse_range_option("range=0-0").value() == ValueRange{0, 0, false});
  CHECK(parse_range_option("").error() == "no range option in ''");
  CHECK_FALSE(parse_range_option("binary").has_value());
  CHECK(parse_range_option("range=10-5").error() == "malformed option 'range=10-5'");
  CHECK_FALSE(parse_range_option("range=-5").has_value());
  CHECK_FALSE(parse_range_option("range=a-b").has_value());
  CHECK_FALSE(parse_range_option("range=5").has_value());
  CHECK_FALSE(parse_range_option("range=1-2x").has_value());
  CHECK_FALSE(parse_range_option("range=99999999999999999999-*").has_value());
}
