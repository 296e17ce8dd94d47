#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: the seed (SMTP/SMTPSVC of HUB1 also on Administrator)") {
  const auto findings = analyze_specs(
      {computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com", "HOST/hub1"}),
       administrator({"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com"})});
  const auto smtp = of_rule(findings, "smtp-spn-on-non-machine-account");
  REQUIRE(smtp.size() == 2);
  CHECK(smtp[0].severity == Severity::error);
  CHECK(smtp[0].spn == "SMTP/hub1.contoso.com");
  CHECK(smtp[0].account.sam_account_name == "Administrator");
  CHECK(keep_on(smtp[0]) == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
  CHECK(remove_from(smtp[0]) ==
        std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
  CHECK(render(smtp[0]).message.find("event 1082") != std::string::npos);
  CHECK(render(smtp[0]).fix.setspn ==
        std::vector<std::string>{"setspn -D SMTP/hub1.contoso.com Administrator"});

  const auto dups = of_rule(findings, "duplicate-spn");
  REQUIRE(dups.size() == 2);
  for (const auto& d : dups) {
    // Remove from Administrator, never from the machine account.
    CHECK(d.account.sam_account_name == "Administrator");
    REQUIRE(d.related.size() == 1);
    CHECK(d.related[0].sam_account_name == "HUB1$");
    CHECK(keep_on(d) == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
    CHECK(render(d).keep_reason ==
          "HUB1$ (computer) is the computer that hub1.contoso.com names, and " +
              d.spn.substr(0, d.spn.find('/')) + "/ services run as the computer itself");
    CHECK(remove_from(d) ==
          std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
    CHECK(render(d).fix.ldif.find("dn: CN=HUB1") == std::string::npos);
    CHECK(d.choices.empty());
  }
  // One finding for the account, listing both values, and it agrees with the others: the
  // values belong on HUB1$, so no advice to run a service as a gMSA.
  const auto privileged = of_rule(findings, "privileged-account-with-spn");
  REQUIRE(privileged.size() == 1);
  CHECK(privileged[0].spns ==
        std::vector<std::string>{"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com"});
  CHECK(privileged[0].spn == "SMTP/hub1.contoso.com");
  CHECK(render(privileged[0])
            .message.find("belong on another account and only need removing from this "
                          "one: 'SMTP/hub1.contoso.com' (on HUB1$, the computer that "
                          "hub1.contoso.com names)") != std::string::npos);
  CHECK(render(privileged[0]).message.find("gMSA") == std::string::npos);
  CHECK(remove_from(privileged[0]) ==
        std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
  CHECK(keep_on(privileged[0]).empty());
  REQUIRE(privileged[0].related.size() == 1);
  CHECK(privileged[0].related[0].sam_account_name == "HUB1$");
}

TEST_CASE("analyze: smtp-spn-on-non-machine-account is not raised for machine accounts") {
  auto msa = computer("EXMSA", {"SMTP/exmsa.contoso.com"});
  msa.classes.push_back("msDS-ManagedServiceAccount");
  const auto findings =
      analyze_specs({computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/HUB1"}), msa});
  CHECK(of_rule(findings, "smtp-spn-on-non-machine-account").empty());
  CHECK(findings.empty());
}

TEST_CASE("analyze: smtp-spn-on-non-machine-account on a trust account, no machine named") {
  auto trust = user("FABRIKAM$", {"SMTPSVC/mail.fabrikam.com"});
  trust.uac = "2080";
  trust.sam_type = "805306370";
  const auto findings = of_rule(analyze_specs({trust}), "smtp-spn-on-non-machine-account");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].account.kind == AccountKind::trust);
  CHECK(keep_on(findings[0]).empty());
}
