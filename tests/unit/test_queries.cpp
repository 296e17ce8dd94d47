#include "spnscan/analysis/queries.hpp"
#include "spnscan/error.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using test::computer;
using test::user;

namespace {
Directory sample() {
  Directory dir;
  test::fill(dir, {computer("WEB01", {"HOST/web01", "HOST/web01.contoso.com"}),
                   computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/HUB1"}),
                   user("Administrator", {"SMTP/hub1.contoso.com"}, 500),
                   user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433"})});
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
  CHECK(query_spns(dir, {"HTTP/*"}).empty());
  CHECK(query_spns(dir, {"*hub1*"}).size() == 3);
}

TEST_CASE("list_spns: by sAMAccountName with or without $, or by DN") {
  const auto dir = sample();
  std::vector<std::string> missing;
  auto rows = list_spns(dir, {"web01"}, missing);
  CHECK(rows.size() == 2);
  CHECK(missing.empty());
  rows = list_spns(dir, {"CN=Administrator,CN=Users,DC=contoso,DC=com", "nobody"}, missing);
  CHECK(rows.size() == 1);
  CHECK(missing == std::vector<std::string>{"nobody"});
}

TEST_CASE("all_spns: every value with its holder") {
  CHECK(all_spns(sample()).size() == 6);
}

TEST_CASE("check_spn: duplicate, alias collision, and none") {
  const auto dir = sample();
  auto c = check_spn(dir, "MSSQLSvc/SQL1.contoso.com.:1433", "svc_other");
  REQUIRE(c.size() == 1);
  CHECK(c[0].kind == "duplicate-spn");
  CHECK(c[0].holder.sam_account_name == "svc_sql");
  // Adding to the account that already holds it is no conflict.
  CHECK(check_spn(dir, "MSSQLSvc/sql1.contoso.com:1433", "svc_sql").empty());
  // http/web01 vs HOST/web01 on WEB01$ (and the reverse direction).
  c = check_spn(dir, "HTTP/web01", "svc_web");
  REQUIRE(c.size() == 1);
  CHECK(c[0].kind == "spn-alias-collision");
  CHECK(c[0].existing_spn == "HOST/web01");
  CHECK(check_spn(dir, "HTTP/web01", "WEB01").empty());
  CHECK(check_spn(dir, "HTTP/newsite.contoso.com", "svc_web").empty());
  REQUIRE_THROWS_AS(check_spn(dir, "HTTP", "svc_web"), InputError);
}
