#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: duplicate-spn is case-insensitive and ignores the host's trailing dot") {
  const auto findings = of_rule(analyze_specs({user("svc_app", {"HTTP/app.contoso.com."}),
                                               user("svc_app_new", {"http/APP.contoso.com"})}),
                                "duplicate-spn");
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.related.size() == 1);
  CHECK(f.spns == std::vector<std::string>{"HTTP/app.contoso.com.", "http/APP.contoso.com"});
  // Neither holder stands out: spnscan does not guess, and no single fix removes it from both.
  CHECK(keep_on(f).empty());
  CHECK(render(f).keep_reason.empty());
  CHECK(remove_from(f).empty());
  CHECK(f.removals.empty());
  CHECK(render(f).fix.setspn.empty());
  CHECK(render(f).fix.ldif.empty());
  CHECK(render(f).message.find("spnscan cannot decide which account should keep it") !=
        std::string::npos);
  // One choice per holder, each removing the value from the other holder, spelled as it holds it.
  REQUIRE(f.choices.size() == 2);
  CHECK(f.choices[0].keep.sam_account_name == "svc_app");
  CHECK(render(f).choices[0].fix.setspn ==
        std::vector<std::string>{"setspn -D http/APP.contoso.com svc_app_new"});
  CHECK(render(f).choices[0].fix.ldif.find("servicePrincipalName: http/APP.contoso.com\n") !=
        std::string::npos);
  CHECK(f.choices[1].keep.sam_account_name == "svc_app_new");
  CHECK(render(f).choices[1].fix.setspn ==
        std::vector<std::string>{"setspn -D HTTP/app.contoso.com. svc_app"});
  for (const auto& choice : f.choices) {
    REQUIRE(choice.removals.size() == 1);
    CHECK(choice.removals[0].account.dn != choice.keep.dn);
  }
}

TEST_CASE(
    "analyze: duplicate-spn: a disabled holder is a hint that orders the choices, not a decision") {
  auto old = user("svc_old", {"MSSQLSvc/sql2.contoso.com:1433"});
  old.uac = "514"; // disabled
  const auto findings = of_rule(
      analyze_specs({old, user("svc_new", {"MSSQLSvc/sql2.contoso.com:1433"})}), "duplicate-spn");
  REQUIRE(findings.size() == 1);
  CHECK(keep_on(findings[0]).empty());
  REQUIRE(findings[0].choices.size() == 2);
  CHECK(findings[0].choices[0].keep.sam_account_name == "svc_new");
  CHECK(findings[0].choices[0].hint == Hint::likely_only_enabled);
  CHECK(findings[0].choices[1].keep.sam_account_name == "svc_old");
  CHECK(findings[0].choices[1].hint == Hint::disabled);
}

TEST_CASE("analyze: duplicate-spn: the computer the host names keeps it, even when disabled") {
  auto web = computer("WEB01", {"HOST/web01", "HTTP/web01.contoso.com"});
  web.uac = "4098"; // disabled
  const auto findings =
      of_rule(analyze_specs({web, user("svc_web", {"HTTP/web01.contoso.com"})}), "duplicate-spn");
  REQUIRE(findings.size() == 1);
  CHECK(keep_on(findings[0]) == "CN=WEB01,OU=Servers,DC=contoso,DC=com");
  CHECK(render(findings[0]).keep_reason == "WEB01$ (computer, disabled) is the computer that "
                                           "web01.contoso.com names");
  CHECK(remove_from(findings[0]) ==
        std::vector<std::string>{"CN=svc_web,CN=Users,DC=contoso,DC=com"});
}

TEST_CASE("analyze: duplicate-spn: of two computers named by the host, the enabled one keeps it") {
  auto old = computer("SQL1", {"MSSQLSvc/sql1.contoso.com:1433"}, 2200);
  old.dn = "CN=SQL1,OU=Retired,DC=contoso,DC=com";
  old.uac = "4098";
  const auto findings = of_rule(
      analyze_specs({old, computer("SQL1", {"MSSQLSvc/sql1.contoso.com:1433"})}), "duplicate-spn");
  REQUIRE(findings.size() == 1);
  CHECK(keep_on(findings[0]) == "CN=SQL1,OU=Servers,DC=contoso,DC=com");
  CHECK(remove_from(findings[0]) ==
        std::vector<std::string>{"CN=SQL1,OU=Retired,DC=contoso,DC=com"});
}

TEST_CASE("analyze: duplicate-spn: a privileged holder never keeps it when another can") {
  auto admin = user("svc_sqladmin", {"MSSQLSvc/sql3.contoso.com:1433"});
  admin.admin_count = "1";
  const auto findings =
      of_rule(analyze_specs({admin, user("svc_sql3", {"MSSQLSvc/sql3.contoso.com:1433"})}),
              "duplicate-spn");
  REQUIRE(findings.size() == 1);
  CHECK(keep_on(findings[0]) == "CN=svc_sql3,CN=Users,DC=contoso,DC=com");
  CHECK(render(findings[0]).keep_reason ==
        "the other holder is a privileged, krbtgt or trust account, "
        "which must not run a service");
  // Three holders, two of them ordinary: undecided between those two; both choices remove it
  // from the privileged one.
  const auto three = of_rule(analyze_specs({admin, user("a", {"MSSQLSvc/sql3.contoso.com:1433"}),
                                            user("b", {"MSSQLSvc/sql3.contoso.com:1433"})}),
                             "duplicate-spn");
  REQUIRE(three.size() == 1);
  REQUIRE(three[0].choices.size() == 2);
  for (const auto& choice : three[0].choices) {
    CHECK(choice.removals.size() == 2);
    CHECK(std::any_of(choice.removals.begin(), choice.removals.end(), [](const Removal& r) {
      return r.account.sam_account_name == "svc_sqladmin";
    }));
  }
}

TEST_CASE("analyze: duplicate-spn negatives") {
  // Different ports, different SPNs.
  CHECK(of_rule(analyze_specs({user("a", {"HTTP/web:80"}), user("b", {"HTTP/web:8080"})}),
                "duplicate-spn")
            .empty());
  // One account holding a value twice (differing in case or trailing dot) is not a duplicate
  // across accounts.
  CHECK(of_rule(analyze_specs({user("a", {"HTTP/web", "http/WEB."})}), "duplicate-spn").empty());
  // The same DN read twice (two overlapping exports) is one account.
  CHECK(of_rule(analyze_specs({user("a", {"HTTP/web"}), user("a", {"HTTP/web"})}), "duplicate-spn")
            .empty());
  // Every domain's krbtgt holds kadmin/changepw.
  auto k1 = user("krbtgt", {"kadmin/changepw"}, 502);
  auto k2 = k1;
  k2.dn = "CN=krbtgt,CN=Users,DC=child,DC=contoso,DC=com";
  CHECK(analyze_specs({k1, k2}).empty());
}

TEST_CASE("analyze: kadmin/changepw on krbtgt and on a user is a duplicate") {
  auto k = user("krbtgt", {"kadmin/changepw"}, 502);
  CHECK(of_rule(analyze_specs({k, user("x", {"kadmin/changepw"})}), "duplicate-spn").size() == 1);
}
