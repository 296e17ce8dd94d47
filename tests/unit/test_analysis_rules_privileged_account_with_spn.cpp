#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: privileged-account-with-spn") {
  auto admin =
      user("svc_sqladmin", {"MSSQLSvc/sql3.contoso.com:1433", "MSSQLSvc/sql3.contoso.com"});
  admin.admin_count = "1";
  const auto findings = of_rule(analyze_specs({admin}), "privileged-account-with-spn");
  REQUIRE(findings.size() == 1);
  CHECK(render(findings[0]).message.find("Kerberoasting") != std::string::npos);
  CHECK(render(findings[0])
            .message.find("These values are only on this account: "
                          "'MSSQLSvc/sql3.contoso.com:1433', 'MSSQLSvc/sql3.contoso.com'. "
                          "Run that service as a gMSA") != std::string::npos);
  CHECK(findings[0].spns.size() == 2);
  REQUIRE(findings[0].removals.size() == 1);
  CHECK(findings[0].removals[0].values == findings[0].spns);
  // Negatives: krbtgt (RID 502, adminCount=1) with kadmin/changepw; a privileged machine
  // account; an unprivileged user.
  auto krbtgt = user("krbtgt", {"kadmin/changepw"}, 502);
  krbtgt.admin_count = "1";
  krbtgt.uac = "514";
  auto dc = computer("DC1", {"ldap/dc1"});
  dc.admin_count = "1";
  dc.uac = "532480";
  CHECK(analyze_specs({krbtgt, dc, user("svc", {"HTTP/ok"})}).empty());
}

TEST_CASE("analyze: privileged-account-with-spn is one finding per account, however many SPNs") {
  std::vector<std::string> spns;
  for (int i = 0; i < 5000; ++i) {
    spns.push_back("HTTP/host" + std::to_string(i) + ".contoso.com");
  }
  auto admin = user("svc_many", spns);
  admin.admin_count = "1";
  const auto findings = analyze_specs({admin});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule_id() == "privileged-account-with-spn");
  CHECK(findings[0].spns.size() == 5000);
  CHECK(render(findings[0]).message.size() < 2000); // lists ten values, then "and 4990 more"
  CHECK(render(findings[0]).message.find("and 4990 more") != std::string::npos);
  // The id does not depend on which value comes first.
  auto reordered = admin;
  std::reverse(reordered.spns.begin(), reordered.spns.end());
  CHECK(analyze_specs({reordered})[0].id == findings[0].id);
}

TEST_CASE("analyze: privileged-account-with-spn tells values that belong elsewhere from its own") {
  // Interleaved: two values that belong on HUB1 (the computer their host names), one that
  // svc_web also holds and keeps, and two that are only on Administrator.
  const auto findings = of_rule(
      analyze_specs({computer("HUB1", {"SMTP/hub1"}), user("svc_web", {"HTTP/web.contoso.com"}),
                     administrator({"HTTP/only1", "SMTP/hub1", "HTTP/web.contoso.com", "HTTP/only2",
                                    "SMTPSVC/hub1"})}),
      "privileged-account-with-spn");
  REQUIRE(findings.size() == 1);
  const std::string message = render(findings[0]).message;
  INFO(message);
  CHECK(message.find("These values belong on another account and only need removing from this "
                     "one: 'SMTP/hub1' (on HUB1$, the computer that hub1 names), "
                     "'HTTP/web.contoso.com' (on svc_web, which also holds it), 'SMTPSVC/hub1' "
                     "(on HUB1$, the computer that hub1 names).") != std::string::npos);
  CHECK(message.find("These values are only on this account: 'HTTP/only1', 'HTTP/only2'.") !=
        std::string::npos);
  CHECK(findings[0].related.size() == 2);
  REQUIRE(findings[0].removals.size() == 1);
  CHECK(findings[0].removals[0].values == findings[0].spns); // every value comes off the account
}
