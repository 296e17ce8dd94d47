// The real binary against the fixture slapd loaded with fixtures/contoso.ldif: a live scan must
// give exactly the findings of the offline scan of the same LDIF, whatever the transport and bind.

#include "run_binary.hpp"
#include "servers.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
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

// The fixture slapd, started once for this process; null (and the test skipped) if it cannot start.
Slapd* contoso() {
  static Slapd server(std::string(SPNSCAN_SOURCE_DIR) + "/fixtures/contoso.ldif");
  if (!server.error().empty()) {
    skip(server.error());
    return nullptr;
  }
  return &server;
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
  CHECK(findings(report).size() == 30);
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == 37);
  CHECK(report["scan"]["spns"] == 151);
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
  args = {"check", "HTTP/web01.contoso.com", "svc_new"};
  args.insert(args.end(), source.begin(), source.end());
  CHECK(run(args).status == 1);
}

TEST_CASE("live scan: a connection dropped after page 1 is exit 3 and an incomplete report", "[ldap]") {
  for (const std::string scenario : {"drop-after-first-page", "drop-mid-page", "disconnect-notice"}) {
    const auto responder = start_responder(scenario);
    if (!responder) {
      return;
    }
    TempDir dir;
    const std::string out = dir.file("report.json");
    write_text(out, "{\"last\": \"good\"}\n");
    const auto r = run({"scan", "-H", responder->uri(), "--format", "json", "-o", out, "--timeout", "10"});
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
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.status == 3);
  CHECK(r.err.find("timed out after 2 s") != std::string::npos);
  CHECK(seconds < 20);
}
