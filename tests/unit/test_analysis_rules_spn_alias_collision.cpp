#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: spn-alias-collision HOST/web01 on WEB01$ and HTTP/web01 on a user") {
  const auto findings =
      of_rule(analyze_specs({computer("WEB01", {"HOST/web01", "HOST/web01.contoso.com"}),
                             user("svc_web", {"HTTP/web01.contoso.com"})}),
              "spn-alias-collision");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "HTTP/web01.contoso.com");
  CHECK(findings[0].account.sam_account_name == "svc_web");
  REQUIRE(findings[0].related.size() == 1);
  CHECK(findings[0].related[0].sam_account_name == "WEB01$");
  CHECK(keep_on(findings[0]) == "CN=WEB01,OU=Servers,DC=contoso,DC=com");
  CHECK(render(findings[0]).fix.setspn ==
        std::vector<std::string>{"setspn -D HTTP/web01.contoso.com svc_web"});
}

TEST_CASE("analyze: spn-alias-collision negatives") {
  // Same account holding both.
  CHECK(analyze_specs({computer("WEB02", {"HOST/web02", "HTTP/web02"})}).empty());
  // An HTTP/ SPN with no HOST/ for that name anywhere.
  CHECK(analyze_specs({computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/portal.contoso.com"})})
            .empty());
  // MSSQLSvc is not an alias of host.
  CHECK(analyze_specs({computer("SQL1", {"HOST/sql1"}), user("svc", {"MSSQLSvc/sql1"})}).empty());
  // Different port: http/web01:8080 is not covered by host/web01.
  CHECK(
      analyze_specs({computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/web01:8080"})}).empty());
}

TEST_CASE("analyze: Samba's dns-<dc> user with DNS/<dc> is not a finding") {
  auto dc = computer("DC2", {"HOST/dc2.contoso.com", "ldap/dc2.contoso.com"});
  dc.uac = "532480";
  CHECK(analyze_specs({dc, user("dns-dc2", {"DNS/dc2.contoso.com"})}).empty());
  // ... but DNS/dc2 on some other user is.
  CHECK(
      of_rule(analyze_specs({dc, user("dnsadmin", {"DNS/dc2.contoso.com"})}), "spn-alias-collision")
          .size() == 1);
}

TEST_CASE("analyze: the alias list comes from the directory's sPNMappings when present") {
  Directory dir;
  test::fill(dir, {computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/web01", "custom/web01"})});
  RawEntry mappings;
  mappings.dn = "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com";
  mappings[Attr::spn_mappings] = {"host=custom"};
  DirectoryBuilder(dir).add(mappings);
  const auto findings = of_rule(analyze(dir, {}), "spn-alias-collision");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "custom/web01");
}

TEST_CASE("analyze: spn-alias-collision severity follows the KDC: exact SPN first") {
  // HTTP/ on an application pool account next to HOST/ on the member server: the IIS setup.
  auto findings = of_rule(analyze_specs({computer("WEB01", {"HOST/web01.contoso.com"}),
                                         user("svc_web", {"HTTP/web01.contoso.com"})}),
                          "spn-alias-collision");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].severity == Severity::warning);
  CHECK_THAT(render(findings[0]).message, Catch::Contains("documented IIS setup"));
  // cifs runs as the machine: the file server can no longer decrypt its tickets.
  findings = of_rule(analyze_specs({computer("FS01", {"HOST/fs01.contoso.com"}),
                                    user("svc_files", {"cifs/fs01.contoso.com"})}),
                     "spn-alias-collision");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].severity == Severity::error);
  CHECK_THAT(render(findings[0]).message, Catch::Contains("runs as the machine"));
  // Any alias shadowing on a domain controller's host is an error, web classes too.
  Spec dc = computer("DC1", {"HOST/dc1.contoso.com"});
  dc.uac = "532480";
  findings = of_rule(analyze_specs({dc, user("svc_portal", {"HTTP/dc1.contoso.com"})}),
                     "spn-alias-collision");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].severity == Severity::error);
  CHECK(findings[0].related[0].domain_controller());
}
