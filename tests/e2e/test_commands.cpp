#include "run_binary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

using namespace spnscan::e2e;
using Json = nlohmann::json;

TEST_CASE("rules: lists the seven rules with explanations") {
  const auto r = run({"rules", "--format", "json"});
  REQUIRE(r.status == 0);
  const Json doc = Json::parse(r.out);
  std::vector<std::string> ids;
  for (const auto& rule : doc["rules"]) {
    ids.push_back(rule["id"]);
    CHECK(rule["explanation"].get<std::string>().size() > 200);
  }
  CHECK(ids == std::vector<std::string>{
                   "smtp-spn-on-non-machine-account", "duplicate-spn", "spn-alias-collision",
                   "host-bound-spn-on-user-account", "privileged-account-with-spn", "malformed-spn",
                   "spn-host-mismatch", "delegation-to-unregistered-spn",
                   "service-account-weak-encryption", "service-account-without-aes-keys",
                   "lookalike-spn", "stale-host-spn", "spn-uniqueness-checks-disabled"});
  const auto text = run({"rules"});
  CHECK(text.out.find("duplicate-spn (error):") != std::string::npos);
}

TEST_CASE("query: who holds SMTP SPNs, over the whole directory (unlike setspn -L)") {
  auto r = run({"query", "SMTP*/hub1*", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  REQUIRE(r.status == 0);
  const Json doc = Json::parse(r.out);
  int on_admin = 0;
  for (const auto& row : doc["spns"]) {
    on_admin += row["account"]["sam_account_name"] == "Administrator";
  }
  CHECK(on_admin == 4);
  CHECK(doc["spns"].size() == 8);
  r = run({"query", "NOPE/*", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 1);
  CHECK(r.out == "No such SPN found.\n");
}

TEST_CASE("list: the SPNs of named accounts, like setspn -L") {
  auto r = run({"list", "Administrator", "--ldif", "fixtures/contoso.ldif", "--format", "csv"});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("SMTPSVC/HUB1") != std::string::npos);
  r = run({"list", "HUB1", "ghost", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 1);
  CHECK(r.out.find("No account named 'ghost'.") != std::string::npos);
  CHECK(r.out.find("exchangeMDB/") != std::string::npos);
}

TEST_CASE("list: an account named several ways is listed once; one without SPNs says so") {
  auto r = run({"list", "HUB1", "hub1$", "CN=HUB1,OU=Servers,DC=contoso,DC=com", "--ldif",
                "fixtures/contoso.ldif", "--format", "json"});
  REQUIRE(r.status == 0);
  CHECK(Json::parse(r.out)["spns"].size() == 10);
  r = run({"list", "WS002", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 0);
  CHECK(r.out == "CN=WS002,CN=Computers,DC=contoso,DC=com (WS002$) holds no SPN.\n");
  r = run({"list", "", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 2);
  CHECK(r.err == "spnscan: error: list: empty account name (give a sAMAccountName or a DN)\n");
}

TEST_CASE("query: a trailing dot is ignored as scan ignores it; an empty pattern is refused") {
  auto r =
      run({"query", "HTTP/app.contoso.com", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  REQUIRE(r.status == 0);
  std::set<std::string> values;
  const Json doc = Json::parse(r.out);
  for (const auto& row : doc["spns"]) {
    values.insert(row["spn"].get<std::string>());
  }
  CHECK(values == std::set<std::string>{"HTTP/app.contoso.com.", "http/APP.contoso.com"});
  r = run(
      {"query", "smtp/hub1.contoso.com.", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  CHECK(Json::parse(r.out)["spns"].size() == 2);
  r = run({"query", "", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 2);
  CHECK(r.err.find("query: empty pattern") != std::string::npos);
}

TEST_CASE("host: every SPN naming the machine, on any account, in every format") {
  // The seed: setspn -L HUB1 shows HUB1's own SPNs only; host shows Administrator's copies.
  auto r = run({"host", "HUB1", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 1); // some are not on HUB1$
  CHECK(r.out.find("CN=HUB1,OU=Servers,DC=contoso,DC=com  (HUB1$, computer)\n") == 0);
  CHECK(r.out.find("    SMTP/hub1.contoso.com   <- not on the machine's own account\n") !=
        std::string::npos);
  CHECK(r.out.find("4 of these 14 SPNs are not on the machine's own account") != std::string::npos);
  r = run({"host", "hub1.contoso.com.", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  const Json doc = Json::parse(r.out);
  std::size_t foreign = 0;
  for (const auto& row : doc["spns"]) {
    if (!row["on_machine_account"].get<bool>()) {
      ++foreign;
      CHECK(row["account"]["sam_account_name"] == "Administrator");
      CHECK(row["account"]["enabled"] == true);
    }
  }
  CHECK(doc["spns"].size() == 14);
  CHECK(foreign == 4);
  r = run({"host", "hub1", "--ldif", "fixtures/contoso.ldif", "--format", "csv"});
  CHECK(r.out.rfind("spn,account_dn,account_sam_account_name,account_kind,on_machine_account\r\n",
                    0) == 0);
  CHECK(r.out.find(",Administrator,user,no\r\n") != std::string::npos);
  for (const char* format : {"html", "markdown"}) {
    INFO(format);
    r = run({"host", "hub1", "--ldif", "fixtures/contoso.ldif", "--format", format});
    CHECK(r.status == 1);
    CHECK(r.out.find("(not the machine's own account)") != std::string::npos);
  }
  // Every SPN of UM1 is its own: exit 0. An unknown name: said, exit 1. An empty one: usage.
  CHECK(run({"host", "um1", "--ldif", "fixtures/contoso.ldif"}).status == 0);
  r = run({"host", "nosuch", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 1);
  CHECK(r.out.find("No computer account answers to 'nosuch'") != std::string::npos);
  r = run({"host", "", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 2);
  CHECK(r.err.find("host: empty host name") != std::string::npos);
}

TEST_CASE("dump | head -1 ends quietly") {
  TempDir dir;
  const std::string command = "cd '" SPNSCAN_SOURCE_DIR "' && '" SPNSCAN_BINARY
                              "' dump --ldif fixtures/contoso.ldif 2>'" +
                              dir.file("err") + "' | head -1 >/dev/null; echo ${PIPESTATUS[0]} >'" +
                              dir.file("status") + "'";
  const std::string bash = "bash -c " + quote(command);
  REQUIRE(std::system(bash.c_str()) == 0);
  CHECK(slurp(dir.file("err")).empty());
  CHECK(slurp(dir.file("status")) == "0\n");
}

TEST_CASE("dump: every SPN with its holder") {
  const auto r = run({"dump", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  REQUIRE(r.status == 0);
  CHECK(Json::parse(r.out)["spns"].size() == 171);
}

TEST_CASE("check: would adding an SPN conflict? It answers and never writes") {
  // jdoe exists and holds no SPN: the account check must know accounts without SPNs.
  auto r = run({"check", "HTTP/web01.contoso.com", "jdoe", "--ldif", "fixtures/contoso.ldif",
                "--format", "json"});
  CHECK(r.status == 1);
  const Json doc = Json::parse(r.out);
  CHECK(doc["conflict"] == true);
  std::set<std::string> kinds;
  for (const auto& c : doc["conflicts"]) {
    kinds.insert(c["kind"]);
  }
  CHECK(kinds == std::set<std::string>{"duplicate-spn", "spn-alias-collision"});
  r = run({"check", "HTTP/brandnew.contoso.com", "jdoe", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 0);
  CHECK(r.out.find("No conflict") != std::string::npos);
  r = run({"check", "HTTP", "jdoe", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "spnscan: error: 'HTTP' is not a valid SPN: no '/' between service class and host\n");
}

TEST_CASE("check: an account that does not exist is an error naming it, not 'no conflict'") {
  const auto r =
      run({"check", "HTTP/brandnew.contoso.com", "svc_new", "--ldif", "fixtures/contoso.ldif"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "spnscan: error: no account named 'svc_new' in the directory read (give its "
                 "sAMAccountName, with or without the $ of a computer, or its DN): spnscan cannot "
                 "check an SPN for an account that does not exist\n");
}

TEST_CASE("query on an incomplete export is an error, not an answer") {
  TempDir dir;
  write_text(dir.file("r.ldif"), "dn: CN=svc,DC=x\nservicePrincipalName;range=0-1499: HTTP/a\n");
  const auto r = run({"query", "HTTP/*", "--ldif", dir.file("r.ldif")});
  CHECK(r.status == 3);
  CHECK(r.err.find("incomplete") != std::string::npos);
}

TEST_CASE("--version and --help") {
  auto r = run({"--version"});
  CHECK(r.status == 0);
  CHECK(r.out.rfind("spnscan ", 0) == 0);
  r = run({"scan", "--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("--ldif") != std::string::npos);
}

TEST_CASE("list: operands after --ldif are accounts, not more files") {
  const auto r = run({"list", "--ldif", "fixtures/contoso.ldif", "HUB1", "Administrator"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("CN=Administrator") != std::string::npos);
  CHECK(r.out.find("CN=HUB1") != std::string::npos);
}

TEST_CASE("list: a name with invalid UTF-8 gives valid JSON, not a crash") {
  const auto r = run({"list", "\xff\xfe", "--ldif", "fixtures/contoso.ldif", "--format", "json"});
  CHECK(r.status == 1);
  CHECK(Json::parse(r.out)["notes"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
}
