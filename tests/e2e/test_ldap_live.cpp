// Live-LDAP tests: LdapSource against tests/support/ldap_responder.py (AD's hard cases) and a
// private slapd (tests/support/slapd-fixture.sh). A server that cannot start makes the test
// SKIP visibly: WARN("SKIPPED: ...") plus a line in $SPNSCAN_SKIP_LOG, so CI can fail on skips.

#include "servers.hpp"
#include "spnscan/error.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/source/ldap/ldap_source.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace spnscan;
using namespace spnscan::e2e;

namespace {

// The outcome of one LdapSource::read.
struct Scan {
  Directory directory;
  std::optional<std::string> error; // what() of the DirectoryError, if any
  double seconds = 0;

  std::optional<std::uint32_t> spn_count(std::string_view sam) const {
    for (std::size_t i = 0; i < directory.account_count(); ++i) {
      const AccountView view = directory.account(i);
      if (view.sam_account_name == sam) {
        return view.spn_count;
      }
    }
    return std::nullopt;
  }
  bool has_warning(std::string_view text) const {
    for (const auto& warning : directory.info().warnings) {
      if (warning.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

std::unique_ptr<Scan> scan(const LdapOptions& options) {
  auto result = std::make_unique<Scan>();
  DirectoryBuilder builder(result->directory);
  const auto start = std::chrono::steady_clock::now();
  try {
    LdapSource source(options);
    source.read(builder);
  } catch (const DirectoryError& error) {
    result->error = error.what();
  }
  builder.finish();
  result->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

LdapOptions responder_options(const Responder& responder) {
  LdapOptions options;
  options.uri = responder.uri();
  options.timeout_seconds = 5;
  return options;
}

} // namespace

TEST_CASE("LdapSource: ranged values are completed (responder 'ranged')", "[ldap]") {
  const auto responder = start_responder("ranged");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE_FALSE(result->error);
  CHECK(result->directory.info().complete);
  CHECK(result->spn_count("svc-1") == 1u);
  CHECK(result->spn_count("svc-1499") == 1499u);
  CHECK(result->spn_count("svc-1500") == 1500u);
  CHECK(result->spn_count("svc-1501") == 1501u);
  CHECK(result->spn_count("svc-5000") == 5000u);
  CHECK(result->directory.info().spn_mappings_from_directory);
  // 1107 SPN holders over two pages.
  CHECK(result->directory.account_count() == 1107u);
  for (std::size_t i = 0; i < result->directory.account_count(); ++i) {
    CHECK_FALSE(result->directory.account(i).spns_truncated);
  }
}

TEST_CASE("LdapSource: a ranged follow-up failure is an error, not a silent drop", "[ldap]") {
  const auto responder = start_responder("range-fail");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE(result->error);
  CHECK_THAT(*result->error,
             Catch::StartsWith("ranged retrieval of servicePrincipalName;range=1500-* for "));
  CHECK_THAT(*result->error, Catch::Contains("failed: Server is unavailable (52)"));
  CHECK_FALSE(result->directory.info().complete);
  CHECK_THAT(result->directory.info().incomplete_reason, Catch::EndsWith(" entries"));
}

TEST_CASE("LdapSource: a connection dropped mid-page leaves an incomplete scan", "[ldap]") {
  const auto responder = start_responder("drop-mid-page");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE(result->error);
  CHECK(*result->error ==
        "paged search of DC=ranged,DC=test failed: Can't contact LDAP server (-1) after 5 "
        "entries");
  CHECK_FALSE(result->directory.info().complete);
  CHECK(result->directory.info().incomplete_reason == *result->error);
}

TEST_CASE("LdapSource: a stale cookie on page 2 fails with AD's text", "[ldap]") {
  const auto responder = start_responder("paged-fail-page2");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE(result->error);
  CHECK(*result->error ==
        "paged search of DC=ranged,DC=test failed: Server is unwilling to perform (53); "
        "additional info: 00000057: LdapErr: DSID-0C090A71, comment: Error processing "
        "control, data 0, v4563 after 1000 entries");
  CHECK_FALSE(result->directory.info().complete);
}

TEST_CASE("LdapSource: a server that never answers times out within --timeout", "[ldap]") {
  const auto responder = start_responder("stall");
  if (!responder) {
    return;
  }
  LdapOptions options = responder_options(*responder);
  options.timeout_seconds = 2;
  const auto result = scan(options);
  REQUIRE(result->error);
  CHECK(*result->error == "RootDSE search timed out after 2 s");
  // A bound, not a benchmark: it proves the 2 s timeout ends the wait (generous for a loaded CI).
  CHECK(result->seconds < 15);
}

TEST_CASE("LdapSource: a search that never answers times out and is incomplete", "[ldap]") {
  const auto responder = start_responder("stall-search");
  if (!responder) {
    return;
  }
  LdapOptions options = responder_options(*responder);
  options.timeout_seconds = 2;
  options.base = "DC=ranged,DC=test";
  const auto result = scan(options);
  REQUIRE(result->error);
  CHECK_THAT(*result->error, Catch::Contains("timed out after 2 s"));
  CHECK(result->seconds < 15);
}

TEST_CASE("LdapSource: busy server", "[ldap]") {
  const auto responder = start_responder("busy");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE(result->error);
  CHECK_THAT(*result->error, Catch::Contains("failed: Server is busy (51)"));
}

TEST_CASE("LdapSource: bind failure shows AD's diagnostic", "[ldap]") {
  const auto responder = start_responder("bind-fail");
  if (!responder) {
    return;
  }
  const TempDir temp;
  const std::string dir = temp.path;
  const std::string password_file = dir + "/pw";
  std::ofstream(password_file) << "wrong\n";
  chmod(password_file.c_str(), 0600);
  LdapOptions options = responder_options(*responder);
  options.bind_dn = "scanner@ranged.test";
  options.password_file = password_file;
  options.allow_plaintext_bind = true;
  const auto result = scan(options);
  std::remove(password_file.c_str());
  rmdir(dir.c_str());
  REQUIRE(result->error);
  CHECK(*result->error ==
        "ldap_sasl_bind(SIMPLE) failed: Invalid credentials (49); additional info: 80090308: "
        "LdapErr: DSID-0C09042F, comment: AcceptSecurityContext error, data 52e, v4563");
}

TEST_CASE("LdapSource: continuation references become warnings", "[ldap]") {
  const auto responder = start_responder("referrals");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE_FALSE(result->error);
  CHECK(
      result->has_warning(": continuation reference to "
                          "'ldap://DomainDnsZones.ranged.test/DC=DomainDnsZones,DC=ranged,DC=test' "
                          "not followed: the scan does not cover "
                          "'DC=DomainDnsZones,DC=ranged,DC=test'"));
  CHECK(
      result->has_warning(": continuation reference to "
                          "'ldap://ForestDnsZones.ranged.test/DC=ForestDnsZones,DC=ranged,DC=test' "
                          "not followed"));
  // The Configuration partition holds no account, and its sPNMappings entry was read with a
  // search of its own: the reference to it is no gap.
  CHECK(result->directory.info().spn_mappings_from_directory);
  CHECK_FALSE(result->has_warning("CN=Configuration"));
  CHECK(result->directory.info().warnings.size() == 2);
}

TEST_CASE("LdapSource: a server that ignores paging stops at its size limit: incomplete",
          "[ldap]") {
  const auto responder = start_responder("size-limit");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE(result->error);
  CHECK(*result->error ==
        "paged search of DC=ranged,DC=test failed: Size limit exceeded (4); additional info: "
        "Size Limit Exceeded after 1000 entries");
  CHECK_FALSE(result->directory.info().complete);
}

TEST_CASE("LdapSource: StartTLS refused is fatal, never cleartext", "[ldap]") {
  const auto responder = start_responder("no-starttls");
  if (!responder) {
    return;
  }
  LdapOptions options = responder_options(*responder);
  options.starttls = true;
  const auto result = scan(options);
  REQUIRE(result->error);
  CHECK_THAT(*result->error, Catch::StartsWith("StartTLS refused by " + responder->uri() + ": "));
  CHECK(result->directory.account_count() == 0u);
}

TEST_CASE("LdapSource: paging over more than 1000 accounts (slapd)", "[ldap]") {
  Slapd slapd(1200);
  if (!slapd.error().empty()) {
    skip(slapd.error());
    return;
  }
  LdapOptions options;
  options.uri = slapd.get("LDAP_URI");
  options.timeout_seconds = 10;
  const auto result = scan(options);
  REQUIRE_FALSE(result->error);
  CHECK(result->directory.account_count() == 1200u);
  CHECK(result->directory.spn_count() == 2400u);
  CHECK(result->has_warning("sPNMappings not readable"));

  SECTION("simple bind over ldaps with the test CA") {
    LdapOptions tls = options;
    tls.uri = slapd.get("LDAPS_URI");
    tls.ca_file = slapd.get("CA_FILE");
    tls.bind_dn = slapd.get("READER_DN");
    tls.password_file = slapd.get("READER_PASSWORD_FILE");
    const auto bound = scan(tls);
    REQUIRE_FALSE(bound->error);
    CHECK(bound->directory.account_count() == 1200u);
  }
  SECTION("StartTLS with the test CA") {
    LdapOptions tls = options;
    tls.uri = "ldap://localhost:" + slapd.get("LDAP_PORT");
    tls.starttls = true;
    tls.ca_file = slapd.get("CA_FILE");
    const auto bound = scan(tls);
    REQUIRE_FALSE(bound->error);
    CHECK(bound->directory.account_count() == 1200u);
  }
  SECTION("a certificate for another host name fails") {
    LdapOptions tls = options;
    tls.uri = "ldaps://127.0.0.1:" + slapd.get("LDAPS_PORT");
    tls.ca_file = slapd.get("CA_FILE");
    const auto failed = scan(tls);
    REQUIRE(failed->error);
    CHECK_THAT(*failed->error, Catch::StartsWith("connect to ldaps://127.0.0.1:"));
  }
  SECTION("an unknown CA fails") {
    LdapOptions tls = options;
    tls.uri = slapd.get("LDAPS_URI");
    const auto failed = scan(tls);
    REQUIRE(failed->error);
    CHECK_THAT(*failed->error, Catch::StartsWith("connect to " + slapd.get("LDAPS_URI")));
  }
  SECTION("--insecure-skip-verify connects and warns") {
    LdapOptions tls = options;
    tls.uri = slapd.get("LDAPS_URI");
    tls.tls_verify = false;
    const auto insecure = scan(tls);
    REQUIRE_FALSE(insecure->error);
    CHECK(insecure->has_warning("TLS certificate verification is OFF"));
  }
  SECTION("EXTERNAL over ldapi") {
    LdapOptions local = options;
    local.uri = slapd.get("LDAPI_URI");
    local.sasl_mech = "EXTERNAL";
    const auto bound = scan(local);
    REQUIRE_FALSE(bound->error);
    CHECK(bound->directory.account_count() == 1200u);
  }
  SECTION("LDAPTLS_REQCERT=never and ./ldaprc cannot weaken verification") {
    // libldap reads the environment and ldaprc once per process, so a child runs the check.
    char self[4096] = {};
    REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
    const TempDir temp;
    const std::string dir = temp.path;
    std::ofstream(dir + "/ldaprc") << "TLS_REQCERT never\n";
    const std::string command = "cd '" + dir + "' && LDAPTLS_REQCERT=never SPNSCAN_CHILD_URI='" +
                                slapd.get("LDAPS_URI") + "' '" + self +
                                "' '[.ldap-reqcert-child]' > /dev/null 2>&1";
    const int status = std::system(command.c_str());
    std::remove((dir + "/ldaprc").c_str());
    rmdir(dir.c_str());
    CHECK(status == 0);
  }
  SECTION("a simple bind in cleartext is refused client-side") {
    LdapOptions plain = options;
    plain.bind_dn = slapd.get("READER_DN");
    plain.password_file = slapd.get("READER_PASSWORD_FILE");
    CHECK_THROWS_WITH(LdapSource(plain),
                      "refusing a simple bind (-D) over an unencrypted connection to " +
                          options.uri + ": use ldaps://, -Z, -Y GSSAPI, or --allow-plaintext-bind");
  }
}

TEST_CASE("LdapSource: StartTLS against a server without TLS is fatal (slapd --no-tls)", "[ldap]") {
  Slapd slapd(3, false);
  if (!slapd.error().empty()) {
    skip(slapd.error());
    return;
  }
  LdapOptions options;
  options.uri = slapd.get("LDAP_URI");
  options.starttls = true;
  options.timeout_seconds = 10;
  const auto result = scan(options);
  REQUIRE(result->error);
  CHECK_THAT(*result->error, Catch::StartsWith("StartTLS refused by " + options.uri + ": "));
  CHECK(result->directory.account_count() == 0u);
}

TEST_CASE("LdapSource: other server faults end the scan with their text", "[ldap]") {
  const auto run = [](const std::string& scenario, bool bind) -> std::string {
    const auto responder = start_responder(scenario);
    if (!responder) {
      return "(skipped)";
    }
    LdapOptions options = responder_options(*responder);
    const TempDir temp;
    const std::string dir = temp.path;
    if (bind) {
      std::ofstream(dir + "/pw") << "secret\n";
      chmod((dir + "/pw").c_str(), 0600);
      options.bind_dn = "scanner@ranged.test";
      options.password_file = dir + "/pw";
      options.allow_plaintext_bind = true;
    }
    const auto result = scan(options);
    return result->error.value_or("(no error)");
  };
  const std::string skipped = "(skipped)";
  std::string text = run("strong-auth", true);
  if (text != skipped) {
    CHECK_THAT(text, Catch::StartsWith("ldap_sasl_bind(SIMPLE) failed: Strong(er) authentication "
                                       "required (8); additional info: 00002028: "));
    CHECK_THAT(text, Catch::EndsWith(
                         " (the server requires signing or TLS: use ldaps://, -Z or -Y GSSAPI)"));
  }
  text = run("time-limit", false);
  if (text != skipped) {
    CHECK_THAT(text, Catch::StartsWith(
                         "paged search of DC=ranged,DC=test failed: Time limit exceeded (3)"));
    CHECK_THAT(text, Catch::EndsWith(" after 1000 entries"));
  }
  // The ranged follow-up for svc-1501 (entry 6) is the first request the closed connection
  // fails, so the text names it; either way nothing is presented as complete.
  text = run("drop-after-first-page", false);
  if (text != skipped) {
    CHECK_THAT(text, Catch::Contains(" failed: Can't contact LDAP server (-1) after "));
  }
  text = run("disconnect-notice", false);
  if (text != skipped) {
    // libldap hands the notice (code 52) to whichever operation is pending, or sees the
    // connection close first (-1): the timing decides, and both must end the scan.
    CHECK_THAT(text, Catch::Contains(" failed: Can't contact LDAP server (-1) after ") ||
                         Catch::Contains(" failed: Server is unavailable (52) after "));
  }
}

TEST_CASE("LdapSource: a case-different duplicate inside a later range is read", "[ldap]") {
  const auto responder = start_responder("ranged-duplicate");
  if (!responder) {
    return;
  }
  const auto result = scan(responder_options(*responder));
  REQUIRE_FALSE(result->error);
  CHECK(result->spn_count("svc-5000") == 5000u);
  CHECK(result->spn_count("svc-dup") == 1u);
  bool found = false;
  for (std::size_t i = 0; i < result->directory.spn_count(); ++i) {
    found = found || result->directory.spn(i) == "HTTP/svc-5000-4321.ranged.test";
  }
  CHECK(found);
}

// Run only by the test above, in a child with LDAPTLS_REQCERT=never and an ldaprc saying the
// same: the unknown test CA must still be refused.
TEST_CASE("LdapSource child: verification despite LDAPTLS_REQCERT", "[.ldap-reqcert-child]") {
  const char* uri = std::getenv("SPNSCAN_CHILD_URI");
  if (uri == nullptr) {
    SUCCEED("runs only as the child of the LDAPTLS_REQCERT section");
    return;
  }
  LdapOptions options;
  options.uri = uri;
  options.timeout_seconds = 10;
  const auto result = scan(options);
  REQUIRE(result->error);
  CHECK_THAT(*result->error, Catch::StartsWith(std::string("connect to ") + uri));
}
