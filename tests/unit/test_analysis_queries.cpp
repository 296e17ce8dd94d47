#include "spnscan/analysis/queries.hpp"
#include "spnscan/error.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using test::computer;
using test::user;

namespace {
// The directory as `check` and `list` read it: accounts asked about are kept even without SPNs.
Directory sample(std::vector<std::string> wanted = {}) {
  Directory dir;
  DirectoryBuilder builder(dir);
  builder.keep_accounts_named(std::move(wanted));
  for (const auto& spec : {computer("WEB01", {"HOST/web01", "HOST/web01.contoso.com"}),
                           computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/HUB1"}),
                           user("Administrator", {"SMTP/hub1.contoso.com"}, 500),
                           user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433"}), user("svc_web", {}),
                           user("svc_other", {}), user("svc_app", {"HTTP/app.contoso.com."})}) {
    builder.add(test::entry(spec));
  }
  return dir;
}
} // namespace

TEST_CASE("wildcard_match") {
  CHECK(wildcard_match("SMTP/*", "smtp/hub1.contoso.com"));
  CHECK(wildcard_match("*hub1*", "SMTPSVC/HUB1"));
  CHECK(wildcard_match("*", ""));
  CHECK(wildcard_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(wildcard_match("a*b*c", "axxbyy"));
  CHECK_FALSE(wildcard_match("SMTP/*", "SMTPSVC/HUB1"));
  CHECK(wildcard_match("HOST/web01", "host/WEB01"));
}

TEST_CASE("query_spns: every holder of the whole directory, like setspn -Q") {
  const auto dir = sample();
  const auto rows = query_spns(dir, {"smtp/HUB1.contoso.com"});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].account.sam_account_name == "Administrator");
  CHECK(rows[1].account.sam_account_name == "HUB1$");
  CHECK(query_spns(dir, {"HTTP/web01*"}).empty());
  CHECK(query_spns(dir, {"*hub1*"}).size() == 3);
}

TEST_CASE("query_spns: a trailing dot on the host and the port's zeros are ignored, as in scan") {
  const auto dir = sample();
  auto rows = query_spns(dir, {"HTTP/app.contoso.com"});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].spn == "HTTP/app.contoso.com."); // as the account holds it
  CHECK(query_spns(dir, {"smtp/hub1.contoso.com."}).size() == 2);
  CHECK(query_spns(dir, {"MSSQLSvc/sql1.contoso.com:01433"}).size() == 1);
  CHECK(query_spns(dir, {"HTTP/app.contoso.co"}).empty());
}

TEST_CASE("list_spns: by sAMAccountName with or without $, or by DN, each account once") {
  const auto dir = sample({"web01", "WEB01$", "CN=WEB01,OU=Servers,DC=contoso,DC=com",
                           "CN=Administrator,CN=Users,DC=contoso,DC=com", "nobody", "svc_web"});
  std::vector<std::string> missing;
  std::vector<AccountRef> empty;
  auto rows =
      list_spns(dir, {"web01", "WEB01$", "CN=WEB01,OU=Servers,DC=contoso,DC=com"}, missing, empty);
  CHECK(rows.size() == 2);
  CHECK(missing.empty());
  CHECK(empty.empty());
  rows = list_spns(dir, {"CN=Administrator,CN=Users,DC=contoso,DC=com", "nobody", "svc_web"},
                   missing, empty);
  CHECK(rows.size() == 1);
  CHECK(missing == std::vector<std::string>{"nobody"});
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].sam_account_name == "svc_web");
}

TEST_CASE("all_spns: every value with its holder") {
  CHECK(all_spns(sample()).size() == 7);
}

TEST_CASE("check_spn: duplicate, alias collision, and none") {
  auto dir = sample({"svc_other"});
  auto c = check_spn(dir, "MSSQLSvc/SQL1.contoso.com.:1433", "svc_other");
  REQUIRE(c.size() == 1);
  CHECK(c[0].kind == "duplicate-spn");
  CHECK(c[0].holder.sam_account_name == "svc_sql");
  // Adding to the account that already holds it is no conflict.
  dir = sample({"svc_sql"});
  CHECK(check_spn(dir, "MSSQLSvc/sql1.contoso.com:1433", "svc_sql").empty());
  // http/web01 vs HOST/web01 on WEB01$ (and the reverse direction).
  dir = sample({"svc_web"});
  c = check_spn(dir, "HTTP/web01", "svc_web");
  REQUIRE(c.size() == 1);
  CHECK(c[0].kind == "spn-alias-collision");
  CHECK(c[0].existing_spn == "HOST/web01");
  CHECK(check_spn(dir, "HTTP/newsite.contoso.com", "svc_web").empty());
  CHECK(check_spn(sample({"WEB01"}), "HTTP/web01", "WEB01").empty());
  REQUIRE_THROWS_AS(check_spn(dir, "HTTP", "svc_web"), InputError);
}

TEST_CASE("check_spn: an account that does not exist is an error naming it, not 'no conflict'") {
  const auto dir = sample({"svc_typo"});
  CHECK_THROWS_WITH(check_spn(dir, "HTTP/newsite.contoso.com", "svc_typo"),
                    "no account named 'svc_typo' in the directory read (give its "
                    "sAMAccountName, with or without the $ of a computer, or its DN): spnscan "
                    "cannot check an SPN for an account that does not exist");
}

TEST_CASE("check_spn: a name that fits two accounts asks for the DN") {
  Directory dir;
  DirectoryBuilder builder(dir);
  builder.keep_accounts_named({"svc_dup"});
  auto a = user("svc_dup", {});
  auto b = user("svc_dup", {});
  b.dn = "CN=svc_dup,OU=Other,DC=contoso,DC=com";
  builder.add(test::entry(a));
  builder.add(test::entry(b));
  CHECK_THROWS_WITH(check_spn(dir, "HTTP/x", "svc_dup"),
                    "'svc_dup' names 2 accounts (CN=svc_dup,CN=Users,DC=contoso,DC=com; "
                    "CN=svc_dup,OU=Other,DC=contoso,DC=com): give the DN");
}

TEST_CASE("host_spns: every SPN naming the host, the machine's own first, the others marked") {
  const Directory dir = sample();
  std::vector<std::string> no_machine;
  // By short name: HUB1's FQDN SPNs count too; Administrator's copy is not on HUB1$.
  auto rows = host_spns(dir, {"hub1"}, no_machine);
  CHECK(no_machine.empty());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].account.sam_account_name == "HUB1$");
  CHECK(rows[0].on_machine == true);
  CHECK(rows[1].account.sam_account_name == "HUB1$");
  CHECK(rows[2].account.sam_account_name == "Administrator");
  CHECK(rows[2].spn == "SMTP/hub1.contoso.com");
  CHECK(rows[2].on_machine == false);
  // By FQDN with a trailing dot, in another case: the same rows.
  CHECK(host_spns(dir, {"HUB1.contoso.com."}, no_machine).size() == 3);
  // A name no computer has: listed by that name only, and said so.
  rows = host_spns(dir, {"app.contoso.com"}, no_machine);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].on_machine == false);
  CHECK(no_machine == std::vector<std::string>{"app.contoso.com"});
}

TEST_CASE("host_spns: a machine's names added with netdom computername /add") {
  Directory dir;
  DirectoryBuilder builder(dir);
  auto file2 = computer("FILE2", {"HOST/file2.contoso.com"});
  file2.additional_dns = {"files.contoso.com"};
  builder.add(test::entry(file2));
  builder.add(test::entry(user("svc_files", {"cifs/files.contoso.com"})));
  std::vector<std::string> no_machine;
  // "files" is the first label of FILE2's msDS-AdditionalDnsHostName.
  const auto rows = host_spns(dir, {"files"}, no_machine);
  CHECK(no_machine.empty());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].spn == "HOST/file2.contoso.com");
  CHECK(rows[0].on_machine == true);
  CHECK(rows[1].spn == "cifs/files.contoso.com");
  CHECK(rows[1].on_machine == false);
}
