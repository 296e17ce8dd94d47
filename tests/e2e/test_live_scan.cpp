// The real binary against the fixture slapd loaded with fixtures/contoso.ldif: a live scan must
// give exactly the findings of the offline scan of the same LDIF, whatever the transport and bind.

#include "run_binary.hpp"
#include "servers.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sys/wait.h>
#include <tuple>

using namespace spnscan::e2e;
using Json = nlohmann::json;

namespace {

using Finding = std::tuple<std::string, std::string, std::string, std::string>; // id, rule, spn, dn

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return s;
}

// slapd returns attribute types in DNs lower-cased (cn=HUB1,ou=Servers,...): compare DNs
// case-insensitively, as AD does. The ids are computed from lower-cased DNs already.
std::set<Finding> findings(const Json& report) {
  std::set<Finding> out;
  for (const auto& f : report["findings"]) {
    out.insert({f["id"], f["rule"], f["spn"], lower(f["account"]["dn"].get<std::string>())});
  }
  return out;
}

std::set<Finding> offline() {
  const auto r = run({"scan", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  REQUIRE(r.status == 1);
  return findings(Json::parse(r.out));
}

Json live(std::vector<std::string> args, int expected_status = 1) {
  std::vector<std::string> all = {"scan", "--format", "json", "--timeout", "20"};
  all.insert(all.end(), args.begin(), args.end());
  const auto r = run(all);
  INFO(r.err);
  REQUIRE(r.status == expected_status);
  return Json::parse(r.out);
}

} // namespace

TEST_CASE("live scan: LDAPS with the test CA gives exactly the offline findings", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const Json report = live({"-H", server->get("LDAPS_URI"), "--ca-file", server->get("CA_FILE")});
  CHECK(findings(report) == offline());
  CHECK(findings(report).size() == 39);
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == 48);
  CHECK(report["scan"]["spns"] == 171);
  CHECK(report["scan"]["sources"] == Json::array({server->get("LDAPS_URI")}));
  CHECK(report["scan"]["spn_mappings"] == "directory");
}

TEST_CASE("live scan: StartTLS with a simple bind from a password file", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  // The certificate names localhost, so -H must too.
  std::string uri = server->get("LDAP_URI");
  uri.replace(uri.find("127.0.0.1"), 9, "localhost");
  const Json report = live({"-H", uri, "-Z", "--ca-file", server->get("CA_FILE"), "-D",
                            server->get("READER_DN"), "-y", server->get("READER_PASSWORD_FILE")});
  CHECK(findings(report) == offline());
}

TEST_CASE("live scan: -v tells each step on stderr, never the password", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  std::string uri = server->get("LDAP_URI");
  uri.replace(uri.find("127.0.0.1"), 9, "localhost");
  const auto r = run({"scan", "--format", "json", "--timeout", "20", "-v", "-H", uri, "-Z",
                      "--ca-file", server->get("CA_FILE"), "-D", server->get("READER_DN"), "-y",
                      server->get("READER_PASSWORD_FILE"), "--page-size", "10"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(findings(Json::parse(r.out)) == offline());
  CHECK(r.err.find("] connected to " + uri) != std::string::npos);
  CHECK(r.err.find("] StartTLS established") != std::string::npos);
  CHECK(r.err.find("] searching ") != std::string::npos);
  CHECK(r.err.find("] page 2 read, ") != std::string::npos);
  CHECK(r.err.find("] sPNMappings read from ") != std::string::npos);
  const std::string password = slurp(server->get("READER_PASSWORD_FILE"));
  REQUIRE(password.size() > 4);
  CHECK(r.err.find(password.substr(0, password.find('\n'))) == std::string::npos);
}

TEST_CASE("live scan: a progress line on a terminal's stderr only, and none with -q", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  TempDir dir;
  const std::vector<std::string> args = {
      "scan",      "--no-config",          "-H",          server->get("LDAPS_URI"),
      "--ca-file", server->get("CA_FILE"), "--page-size", "10",
      "-o",        dir.file("report.txt")};
  // script(1) gives spnscan a terminal; what it wrote there comes back on script's stdout.
  const auto on_terminal = [&](const std::vector<std::string>& extra) {
    std::string command = quote(SPNSCAN_BINARY);
    for (const auto& a : args) {
      command += " " + quote(a);
    }
    for (const auto& a : extra) {
      command += " " + quote(a);
    }
    Result r;
    const std::string shell = "script -qefc " + quote(command) + " /dev/null </dev/null";
    FILE* pipe = popen(shell.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      r.out.append(buffer, n);
    }
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  };
  const Result tty = on_terminal({});
  INFO(tty.out);
  CHECK(tty.status == 1);
  CHECK(tty.out.find("\r\x1b[Kspnscan: reading: ") != std::string::npos);
  CHECK(tty.out.find(" entries, ") != std::string::npos);
  CHECK(tty.out.find("spnscan: wrote " + dir.file("report.txt")) != std::string::npos);
  const Result quiet = on_terminal({"-q"});
  CHECK(quiet.status == 1);
  CHECK(quiet.out.find("spnscan: reading: ") == std::string::npos);
  CHECK(quiet.out.find("spnscan: wrote") == std::string::npos);
  // Not a terminal: the one line about the report, no progress.
  const auto piped = run(args);
  CHECK(piped.err.find("reading: ") == std::string::npos);
  CHECK(piped.err.rfind("spnscan: wrote ", 0) == 0);
}

TEST_CASE("live scan: SASL EXTERNAL over ldapi://", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const Json report = live({"-H", server->get("LDAPI_URI"), "-Y", "EXTERNAL"});
  CHECK(findings(report) == offline());
}

TEST_CASE("live scan: a simple bind over cleartext is refused before anything is sent", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const auto r = run({"scan", "-H", server->get("LDAP_URI"), "-D", server->get("READER_DN"), "-y",
                      server->get("READER_PASSWORD_FILE")});
  CHECK(r.status == 2);
  CHECK(r.err.find("--allow-plaintext-bind") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("live scan: TLS verification fails for a wrong host name and without the CA", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  std::string by_ip = server->get("LDAPS_URI");
  by_ip.replace(by_ip.find("localhost"), 9, "127.0.0.1");
  auto r = run({"scan", "-H", by_ip, "--ca-file", server->get("CA_FILE"), "--timeout", "10"});
  CHECK(r.status == 3);
  CHECK(r.out.empty());
  r = run({"scan", "-H", server->get("LDAPS_URI"), "--timeout", "10"}, "LDAPTLS_REQCERT=never ");
  CHECK(r.status == 3);
  // Turned off explicitly, it connects and says so in the report.
  r = run({"scan", "-H", by_ip, "--insecure-skip-verify", "--format", "json", "--timeout", "10"});
  CHECK(r.status == 1);
  bool warned = false;
  const Json report = Json::parse(r.out);
  for (const auto& w : report["scan"]["warnings"]) {
    warned = warned || w.get<std::string>().find("verification") != std::string::npos;
  }
  CHECK(warned);
}

TEST_CASE("live query, list and check use the directory too", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  const std::vector<std::string> source = {"-H", server->get("LDAPS_URI"), "--ca-file",
                                           server->get("CA_FILE")};
  std::vector<std::string> args = {"query", "SMTP/*"};
  args.insert(args.end(), source.begin(), source.end());
  auto r = run(args);
  CHECK(r.status == 0);
  CHECK(lower(r.out).find("cn=administrator,cn=users,dc=contoso,dc=com") != std::string::npos);
  // jdoe holds no SPN: the live search must find it by name to answer.
  args = {"check", "HTTP/web01.contoso.com", "jdoe"};
  args.insert(args.end(), source.begin(), source.end());
  CHECK(run(args).status == 1);
  args = {"check", "HTTP/brandnew.contoso.com", "jdoe"};
  args.insert(args.end(), source.begin(), source.end());
  CHECK(run(args).status == 0);
  args = {"check", "HTTP/brandnew.contoso.com", "svc_new"};
  args.insert(args.end(), source.begin(), source.end());
  r = run(args);
  CHECK(r.status == 2);
  CHECK(r.err.find("no account named 'svc_new'") != std::string::npos);
  args = {"list", "WS002"};
  args.insert(args.end(), source.begin(), source.end());
  r = run(args);
  CHECK(r.status == 0);
  CHECK(lower(r.out) == "cn=ws002,cn=computers,dc=contoso,dc=com (ws002$) holds no spn.\n");
  // host: the same answer live as from the export.
  args = {"host", "hub1", "--format", "json"};
  args.insert(args.end(), source.begin(), source.end());
  r = run(args);
  CHECK(r.status == 1);
  const auto offline = run({"host", "hub1", "--format", "json", "--ldif", "fixtures/contoso.ldif"});
  std::multiset<std::pair<std::string, bool>> live_rows;
  std::multiset<std::pair<std::string, bool>> offline_rows;
  const Json live_json = Json::parse(r.out);
  const Json offline_json = Json::parse(offline.out);
  for (const auto& row : live_json["spns"]) {
    live_rows.insert({row["spn"].get<std::string>(), row["on_machine_account"].get<bool>()});
  }
  for (const auto& row : offline_json["spns"]) {
    offline_rows.insert({row["spn"].get<std::string>(), row["on_machine_account"].get<bool>()});
  }
  CHECK(live_rows == offline_rows);
  CHECK(live_rows.size() == 14);
}

TEST_CASE("live scan: a search that finds no SPN at all is exit 3, never clean", "[ldap]") {
  Slapd* const server = contoso();
  if (server == nullptr) {
    return;
  }
  // The Configuration container holds the sPNMappings entry and no account.
  const Json report = live({"-H", server->get("LDAPS_URI"), "--ca-file", server->get("CA_FILE"),
                            "-b", "CN=Configuration,DC=contoso,DC=com"},
                           3);
  CHECK(report["scan"]["complete"] == false);
  const std::string reason = report["scan"]["incomplete_reason"];
  CHECK(reason.find("entries read, none holding a servicePrincipalName. Every Active Directory "
                    "domain has SPNs on its domain controllers and on krbtgt, so the search base "
                    "(-b CN=Configuration,DC=contoso,DC=com) or the read permissions of the bind "
                    "are probably wrong") != std::string::npos);
  CHECK(report["findings"].empty());
}

TEST_CASE("live scan: a connection dropped after page 1 is exit 3 and an incomplete report",
          "[ldap]") {
  for (const std::string scenario :
       {"drop-after-first-page", "drop-mid-page", "disconnect-notice"}) {
    const auto responder = start_responder(scenario);
    if (!responder) {
      return;
    }
    TempDir dir;
    const std::string out = dir.file("report.json");
    write_text(out, "{\"last\": \"good\"}\n");
    const auto r =
        run({"scan", "-H", responder->uri(), "--format", "json", "-o", out, "--timeout", "10"});
    INFO(scenario << ": " << r.err);
    CHECK(r.status == 3);
    CHECK(r.err.find("spnscan: error:") != std::string::npos);
    // The last complete report is kept; the partial one sits beside it, marked incomplete.
    CHECK(slurp(out) == "{\"last\": \"good\"}\n");
    const Json partial = Json::parse(slurp(out + ".incomplete"));
    CHECK(partial["scan"]["complete"] == false);
    CHECK_FALSE(partial["scan"]["incomplete_reason"].get<std::string>().empty());
  }
}

TEST_CASE("live scan: a server that never answers cannot hang a cron job", "[ldap]") {
  const auto responder = start_responder("stall");
  if (!responder) {
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto r = run({"scan", "-H", responder->uri(), "--timeout", "2"});
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.status == 3);
  CHECK(r.err.find("timed out after 2 s") != std::string::npos);
  CHECK(seconds < 20);
}

namespace {

// Runs ldapmodify as the fixture's admin over ldapi:// on `ldif`; returns its exit status and
// fills `output` with what it printed.
int ldapmodify(const Slapd& server, const std::string& ldif, std::string& output) {
  TempDir dir;
  write_text(dir.file("change.ldif"), ldif);
  const std::string command = "ldapmodify -Q -Y EXTERNAL -H " + quote(server.get("LDAPI_URI")) +
                              " -f " + quote(dir.file("change.ldif")) + " >" +
                              quote(dir.file("out")) + " 2>&1";
  const int raw = std::system(command.c_str());
  output = slurp(dir.file("out"));
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

} // namespace

TEST_CASE("live scan: every LDIF fix applies with ldapmodify as printed (values exact)", "[ldap]") {
  Slapd server(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif", true, true);
  if (!server.error().empty()) {
    skip(server.error());
    return;
  }
  const Json report = live({"-H", server.get("LDAPI_URI"), "-Y", "EXTERNAL"});
  std::size_t applied = 0;
  for (const auto& f : report["findings"]) {
    std::vector<std::string> fixes;
    if (!f["remediation"]["ldif"].get<std::string>().empty()) {
      fixes.push_back(f["remediation"]["ldif"]);
    }
    for (const auto& choice : f["remediation"]["choices"]) {
      fixes.push_back(choice["remediation"]["ldif"]);
    }
    REQUIRE_FALSE(fixes.empty());
    for (const auto& ldif : fixes) {
      INFO(f["id"].get<std::string>() << "\n" << ldif);
      std::string output;
      // The fix deletes exactly the values the account holds: ldapmodify accepts it (a wrong
      // spelling would be noSuchAttribute)...
      CHECK(ldapmodify(server, ldif, output) == 0);
      INFO(output);
      // ... and putting the same values back restores the directory for the next fix: the
      // removed values (SPNs, delegation targets) and the attributes the fix set.
      std::string restore = replace_all(ldif, "delete: ", "add: ");
      if (!f["set"].empty()) {
        restore.clear();
        for (const auto& set : f["set"]) {
          const std::string attribute = set["attribute"];
          const std::string old_value = set["old_value"];
          restore += "dn: " + set["dn"].get<std::string>() +
                     "\nchangetype: modify\nreplace: " + attribute + "\n" +
                     (old_value.empty() ? "" : attribute + ": " + old_value + "\n") + "-\n\n";
        }
      }
      CHECK(ldapmodify(server, restore, output) == 0);
      ++applied;
    }
  }
  // 37 decided findings with one fix each, two undecided duplicates with two choices each.
  CHECK(applied == 37 + 2 * 2);
  // Nothing was lost on the way: the directory gives the same findings again.
  const Json again = live({"-H", server.get("LDAPI_URI"), "-Y", "EXTERNAL"});
  CHECK(findings(again) == findings(report));
}
