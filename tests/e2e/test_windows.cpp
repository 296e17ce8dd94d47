// spnscan.exe (the MinGW cross-build of this tree, scripts/build-windows.sh) under Wine 8.0, held
// against the Linux build: the same inputs give the same bytes, the same findings and the same
// ends. What Wine cannot show (Negotiate as the logged-on user, Schannel's certificate checks)
// is said with a WARN naming it, never passed silently. Built only when CMake is given
// SPNSCAN_WINDOWS_EXE; the ctest group "wine: ..." runs the [wine] cases.

#include "run_binary.hpp"
#include "servers.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <sys/stat.h>

using namespace spnscan::e2e;
using Json = nlohmann::json;

namespace {

// A report without the two values that differ between any two runs: when it started (JSON's
// started_at, the header's time stamp) and how long it took (duration_ms, "took N ms").
std::string without_timing(const std::string& report) {
  static const std::regex json(R"re("(started_at|duration_ms)": ("[^"]*"|[0-9]+))re");
  static const std::regex stamp(R"re([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)re");
  static const std::regex took(R"re(took [0-9]+ ms)re");
  return std::regex_replace(
      std::regex_replace(std::regex_replace(report, json, "\"$1\": \"-\""), stamp, "-"), took,
      "took - ms");
}

// The findings of a JSON report, as text: what the two builds must agree on byte for byte.
std::string findings_of(const Result& r) {
  INFO("stdout: " << r.out.substr(0, 500) << "\nstderr: " << r.err);
  const Json report = Json::parse(r.out);
  return report["findings"].dump(1);
}

void explain_wine_limit(const std::string& what) {
  WARN("Wine 8.0 cannot show this; only real Windows can: " << what);
}

std::vector<std::string> reader_bind(const Slapd& server) {
  return {"-D", server.get("READER_DN"), "-y", server.get("READER_PASSWORD_FILE")};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

} // namespace

TEST_CASE("Windows build: every fixture export gives the Linux build's bytes", "[wine]") {
  const TempDir temp;
  // ldifde -u: UTF-16LE with a BOM, CRLF line ends.
  const std::string ldif = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif");
  std::string utf16 = "\xFF\xFE";
  for (const char c : ldif) {
    if (c == '\n') {
      utf16 += std::string("\r\0", 2);
    }
    utf16 += c;
    utf16 += '\0';
  }
  write_text(temp.file("ldifde.ldf"), utf16);
  for (const std::string& input :
       {std::string("fixtures/contoso.ldif"), std::string("fixtures/contoso-clean.ldif"),
        temp.file("ldifde.ldf")}) {
    for (const std::string format : {"json", "csv", "markdown"}) {
      INFO(input << " as " << format);
      const std::vector<std::string> args = {"scan", "--ldif", input, "--format", format};
      const Result linux_run = run(args);
      const Result windows_run = run_windows(args);
      INFO("Windows stderr: " << windows_run.err);
      CHECK(windows_run.status == linux_run.status);
      CHECK(!linux_run.out.empty());
      CHECK(without_timing(windows_run.out) == without_timing(linux_run.out));
    }
  }
  // The fixture's 39 findings, look-alikes included (the Windows build's table of ICU's answers).
  const Result r = run_windows({"scan", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  const Json report = Json::parse(r.out);
  CHECK(report["findings"].size() == 39);
  int lookalikes = 0;
  for (const auto& finding : report["findings"]) {
    lookalikes += finding["rule"] == "lookalike-spn" ? 1 : 0;
  }
  CHECK(lookalikes > 0);
}

TEST_CASE("Windows build: the other commands give the Linux build's bytes", "[wine]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"query", "--ldif", "fixtures/contoso.ldif", "SMTP/*"},
        std::vector<std::string>{"host", "--ldif", "fixtures/contoso.ldif", "hub1"},
        std::vector<std::string>{"list", "--ldif", "fixtures/contoso.ldif", "--format", "json"},
        std::vector<std::string>{"rules", "--format", "json"},
        std::vector<std::string>{"scan", "--ldif", "fixtures/contoso.ldif", "--color", "always"},
        std::vector<std::string>{"scan", "--ldif", "fixtures/no-such-file.ldif"},
        std::vector<std::string>{"scan", "--format", "yaml"}}) {
    INFO(args[0] << " " << args.back());
    const Result linux_run = run(args);
    const Result windows_run = run_windows(args);
    CHECK(windows_run.status == linux_run.status);
    CHECK(without_timing(windows_run.out) == without_timing(linux_run.out));
    CHECK(windows_run.err == linux_run.err);
  }
}

TEST_CASE("Windows build: scans slapd over LDAP, LDAPS and StartTLS with a simple bind", "[wine]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const std::vector<std::string> scan = {"scan", "--format", "json", "--timeout", "20"};
  const std::string expected = findings_of(
      run(plus(plus(scan, {"-H", server->get("LDAPS_URI"), "--ca-file", server->get("CA_FILE")}),
               reader_bind(*server))));
  std::string localhost = server->get("LDAP_URI");
  localhost.replace(localhost.find("127.0.0.1"), 9, "localhost");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    bool tls;
  };
  const std::vector<Case> cases = {
      {"ldap:// (--allow-plaintext-bind)",
       {"-H", server->get("LDAP_URI"), "--allow-plaintext-bind"},
       false},
      {"ldaps://", {"-H", server->get("LDAPS_URI")}, true},
      {"StartTLS", {"-H", localhost, "-Z"}, true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Result r = run_windows(plus(plus(scan, c.args), reader_bind(*server)));
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 1);
    CHECK(findings_of(r) == expected);
    const Json report = Json::parse(r.out);
    CHECK(report["scan"]["complete"] == true);
    CHECK(report["scan"]["accounts"] == 48);
    const std::string warnings = report["scan"]["warnings"].dump();
    if (c.tls) {
      // Wine's wldap32 checks no certificate: spnscan says so rather than imply it was checked.
      CHECK_THAT(warnings, Catch::Contains("running under Wine, whose wldap32 does not check the "
                                           "server's certificate"));
      explain_wine_limit("Schannel checking the DC's certificate against the Windows trust store");
    } else {
      CHECK_THAT(warnings, !Catch::Contains("certificate"));
    }
  }
}

TEST_CASE("Windows build: pages through more than 1000 accounts", "[wine]") {
  Slapd slapd(1200);
  if (!slapd.error().empty()) {
    skip(slapd.error());
    return;
  }
  const std::vector<std::string> args = {"scan",
                                         "--format",
                                         "json",
                                         "--timeout",
                                         "30",
                                         "--page-size",
                                         "500",
                                         "-H",
                                         slapd.get("LDAP_URI"),
                                         "--allow-plaintext-bind",
                                         "-D",
                                         slapd.get("READER_DN"),
                                         "-y",
                                         slapd.get("READER_PASSWORD_FILE")};
  const Result linux_run = run(args);
  const Result windows_run = run_windows(args);
  INFO("stderr: " << windows_run.err);
  REQUIRE(windows_run.status == linux_run.status);
  const Json report = Json::parse(windows_run.out);
  CHECK(report["scan"]["accounts"] == Json::parse(linux_run.out)["scan"]["accounts"]);
  CHECK(report["scan"]["accounts"].get<int>() > 1000);
  CHECK(findings_of(windows_run) == findings_of(linux_run));
}

TEST_CASE("Windows build: AD's hard cases end as on Linux (scripted responder)", "[wine]") {
  // Windows binds as the logged-on user without -D: both builds bind simply (the responder takes
  // any password; "bind-fail" refuses every one with AD's text).
  const TempDir temp;
  const std::string password = temp.file("pw");
  write_text(password, "wrong\n");
  chmod(password.c_str(), 0600);
  const std::vector<std::string> bind = {"-D", "scanner@ranged.test", "-y", password,
                                         "--allow-plaintext-bind"};
  struct Case {
    const char* scenario;
    std::vector<std::string> args;
    int status;
    const char* says; // in stderr of both builds
  };
  const std::vector<Case> cases = {
      {"ranged", {"--timeout", "10"}, 0, ""},
      {"range-fail",
       {"--timeout", "10"},
       3,
       "ranged retrieval of servicePrincipalName;range=1500-* for "},
      {"drop-mid-page", {"--timeout", "10"}, 3, " after 5 entries"},
      {"paged-fail-page2",
       {"--timeout", "10"},
       3,
       "(53); additional info: 00000057: LdapErr: DSID-0C090A71, comment: Error processing "
       "control, data 0, v4563 after 1000 entries"},
      {"stall", {"--timeout", "3"}, 3, " timed out after 3 s"},
      {"busy", {"--timeout", "10"}, 3, " (51)"},
      {"size-limit",
       {"--timeout", "10"},
       3,
       "(4); additional info: Size Limit Exceeded after 1000 entries"},
      {"bind-fail",
       {"--timeout", "10"},
       3,
       "(49); additional info: 80090308: LdapErr: DSID-0C09042F, comment: AcceptSecurityContext "
       "error, data 52e, v4563"},
      {"no-starttls", {"--timeout", "10", "-Z"}, 3, "StartTLS refused by ldap://127.0.0.1:"},
  };
  for (const Case& c : cases) {
    INFO("scenario " << c.scenario);
    std::vector<Result> results;
    for (const bool windows : {false, true}) {
      const auto responder = start_responder(c.scenario);
      if (!responder) {
        return;
      }
      std::vector<std::string> args = {"scan", "--format", "json", "-H", responder->uri()};
      args = plus(plus(args, c.args), bind);
      const auto start = std::chrono::steady_clock::now();
      results.push_back(windows ? run_windows(args) : run(args));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      INFO((windows ? "Windows" : "Linux") << " stderr: " << results.back().err);
      CHECK(results.back().status == c.status);
      CHECK_THAT(results.back().err, Catch::Contains(c.says));
      CHECK(seconds < 60);
    }
    // A complete scan, or the incomplete report written before the error: the same findings.
    if (!results[0].out.empty() || !results[1].out.empty()) {
      CHECK(findings_of(results[1]) == findings_of(results[0]));
      const Json linux_report = Json::parse(results[0].out);
      const Json windows_report = Json::parse(results[1].out);
      CHECK(windows_report["scan"]["complete"] == linux_report["scan"]["complete"]);
      CHECK(windows_report["scan"]["accounts"] == linux_report["scan"]["accounts"]);
      CHECK(windows_report["scan"]["spns"] == linux_report["scan"]["spns"]);
    }
  }
}

TEST_CASE("Windows build: continuation references are never dropped silently", "[wine]") {
  const TempDir temp;
  const std::string password = temp.file("pw");
  write_text(password, "any\n");
  chmod(password.c_str(), 0600);
  const auto responder = start_responder("referrals");
  if (!responder) {
    return;
  }
  const std::vector<std::string> args = {"scan",
                                         "--format",
                                         "json",
                                         "-H",
                                         responder->uri(),
                                         "-D",
                                         "scanner@ranged.test",
                                         "-y",
                                         password,
                                         "--allow-plaintext-bind"};
  const Result linux_run = run(args);
  const Result windows_run = run_windows(args);
  INFO("Windows stderr: " << windows_run.err);
  REQUIRE(linux_run.status == 0);
  CHECK(windows_run.status == 0);
  CHECK(findings_of(windows_run) == findings_of(linux_run));
  const Json linux_report = Json::parse(linux_run.out);
  const Json windows_report = Json::parse(windows_run.out);
  CHECK(windows_report["scan"]["complete"] == true);
  CHECK_THAT(linux_report["scan"]["warnings"].dump(),
             Catch::Contains("continuation reference to 'ldap://DomainDnsZones.ranged.test/"));
  // Wine 8.0's ldap_parse_reference hands libldap its own wrapper and always fails: the scan
  // says a reference could not be read instead of passing over it. Windows reads the URLs.
  CHECK_THAT(windows_report["scan"]["warnings"].dump(),
             Catch::Contains(": a continuation reference could not be decoded "
                             "(ldap_parse_reference: ") ||
                 Catch::Contains("continuation reference to "
                                 "'ldap://DomainDnsZones.ranged.test/"));
  explain_wine_limit("wldap32 decoding continuation references (their URLs in the warning)");
}

TEST_CASE("Windows build: TLS against a plain port ends within --timeout", "[wine]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  // Wine's TLS handshake against a server that does not speak TLS spins: spnscan's own deadline
  // ends it.
  const auto start = std::chrono::steady_clock::now();
  const Result r = run_windows(
      plus({"scan", "--timeout", "3", "-H", "ldaps://127.0.0.1:" + server->get("LDAP_PORT")},
           reader_bind(*server)));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("stderr: " << r.err);
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Catch::Contains("timed out after 3 s"));
  CHECK(r.out.empty());
  CHECK(seconds < 30);
}

TEST_CASE("Windows build: what only the libldap build does is refused with what to do", "[wine]") {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"--ca-file", "ca.pem", "-H", "ldaps://dc1"},
       "--ca-file is not used on Windows: Windows checks the server's certificate against its "
       "own trust store"},
      {{"-Y", "GSSAPI", "-H", "ldap://dc1"},
       "-Y GSSAPI is for the Linux build's SASL bind: on Windows, spnscan binds with Negotiate"},
      {{"-H", "ldap://dc1", "-D", "x", "-y", "pw", "--keytab", "k"}, "--keytab is for the Linux"},
      {{"-H", "ldapi://%2Fvar%2Frun%2Fldapi"}, "ldapi:// is a Unix socket; on Windows use"},
      {{"-H", "ldap://dc1", "-W"}, "-W given without -D: a password needs a simple bind (-D)"},
      {{"-H", "ldap://dc1", "-D", "reader@contoso.com", "-W"},
       "refusing a simple bind (-D) over an unencrypted connection to ldap://dc1: use ldaps://, "
       "-Z, no -D (Negotiate as the logged-on user, signed and sealed)"},
  };
  for (const Case& c : cases) {
    INFO(c.args[0] << " " << c.args[1]);
    const Result r = run_windows(plus({"scan"}, c.args));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(r.out.empty());
  }
}

TEST_CASE("Windows build: no -D is Negotiate as the logged-on user, which needs Windows",
          "[wine]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const Result r = run_windows({"scan", "-H", server->get("LDAP_URI")});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("binding as the logged-on user (Negotiate) needs Windows; "
                                    "Wine 8.0's Negotiate with the current user's credentials "
                                    "crashes"));
  explain_wine_limit("the bind with the logged-on user's Kerberos ticket (no -D), as setspn does");
}

TEST_CASE("Windows build: no -H finds the DC the way Windows clients do", "[wine]") {
  // Wine's prefix is joined to no domain: DsGetDcName fails and spnscan says what to do.
  const Result alone = run_windows({"scan", "--timeout", "3"});
  CHECK(alone.status == 2);
  CHECK_THAT(alone.err, Catch::Contains("no -H given and no domain controller found for this "
                                        "computer (DsGetDcName: error "));
  // The logon server of the user's session (Wine sets %LOGONSERVER% to its host's name), in
  // the user's DNS domain, when the locator has nothing.
  const TempDir temp;
  const std::string password = temp.file("pw");
  write_text(password, "any\n");
  chmod(password.c_str(), 0600);
  const Result logon = run_windows(
      {"scan", "-v", "--timeout", "3", "-D", "x", "-y", password, "--allow-plaintext-bind"},
      "USERDNSDOMAIN=invalid.test ");
  INFO("stderr: " << logon.err);
  CHECK(logon.status == 3);
  CHECK_THAT(logon.err, Catch::Contains("no -H: using ldap://") &&
                            Catch::Contains(".invalid.test (the logon server %LOGONSERVER% in "
                                            "%USERDNSDOMAIN% (DsGetDcName: error "));
  explain_wine_limit("DsGetDcName locating a DC of a joined domain");
}

TEST_CASE("Windows build: the platform code under the real binary", "[wine]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const TempDir temp;
  // A password file others may read: Wine derives the file's DACL from its mode, and the ACL
  // check refuses Everyone's read.
  const std::string open_file = temp.file("open.pw");
  write_text(open_file, slurp(server->get("READER_PASSWORD_FILE")));
  chmod(open_file.c_str(), 0644);
  const std::vector<std::string> scan = {"scan",
                                         "--timeout",
                                         "20",
                                         "-H",
                                         server->get("LDAP_URI"),
                                         "--allow-plaintext-bind",
                                         "-D",
                                         server->get("READER_DN")};
  const Result refused = run_windows(plus(scan, {"-y", open_file}));
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Catch::Contains("readable by Everyone (S-1-1-0) by its ACL; `icacls"));
  CHECK_THAT(refused.err, !Catch::Contains("chmod"));

  // -o replaces an existing report atomically: the new content, no temporary file left.
  const std::string report = temp.file("report.json");
  write_text(report, "old report\n");
  const Result written = run_windows(
      plus(scan, {"-y", server->get("READER_PASSWORD_FILE"), "--format", "json", "-o", report}));
  INFO("stderr: " << written.err);
  CHECK(written.status == 1);
  CHECK(Json::parse(slurp(report))["findings"].size() == 39);
  const Result listing = run_command("ls -A", {temp.path});
  CHECK(listing.out == "open.pw\nreport.json\n");

  // -W with no console (cron, a pipe): refused, never a hang.
  const Result prompt = run_windows(plus(scan, {"-W"}));
  CHECK(prompt.status == 2);
  CHECK_THAT(prompt.err, Catch::Contains("cannot prompt for a password: no terminal"));
}
