#include "spnscan/analysis/remediation.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {
AccountRef account(std::string dn, std::string sam, AccountKind kind) {
  AccountRef a;
  a.dn = std::move(dn);
  a.sam_account_name = std::move(sam);
  a.kind = kind;
  return a;
}
} // namespace

TEST_CASE("build_removal: the four forms for the seed") {
  const auto fix = build_removal(
      "SMTP/hub1.contoso.com",
      {account("CN=Administrator,CN=Users,DC=contoso,DC=com", "Administrator", AccountKind::user)},
      Aftercare::exchange);
  REQUIRE(fix.adsiedit.size() == 8);
  CHECK(fix.adsiedit[0].rfind("1. ", 0) == 0);
  CHECK(fix.adsiedit[1].find("Default naming context") != std::string::npos);
  CHECK(fix.adsiedit[2] == "3. Expand DC=contoso,DC=com > CN=Users > CN=Administrator and select "
                           "CN=Administrator (distinguished name: "
                           "CN=Administrator,CN=Users,DC=contoso,DC=com).");
  CHECK(fix.adsiedit[3].find("Attribute Editor") != std::string::npos);
  CHECK(fix.adsiedit[4] == "5. In \"Values\", select SMTP/hub1.contoso.com and click Remove. "
                           "Remove only this value.");
  CHECK(fix.adsiedit[5] == "6. Click OK, then Apply, then OK.");
  CHECK(fix.adsiedit[6].find("replicate") != std::string::npos);
  CHECK(fix.adsiedit[7].find("Microsoft Exchange Transport") != std::string::npos);
  CHECK(fix.setspn == std::vector<std::string>{"setspn -D SMTP/hub1.contoso.com Administrator"});
  CHECK(fix.powershell ==
        std::vector<std::string>{"Set-ADUser -Identity 'CN=Administrator,CN=Users,DC=contoso,DC=com' "
                                 "-ServicePrincipalNames @{Remove='SMTP/hub1.contoso.com'}"});
  CHECK(fix.ldif == "dn: CN=Administrator,CN=Users,DC=contoso,DC=com\n"
                    "changetype: modify\n"
                    "delete: servicePrincipalName\n"
                    "servicePrincipalName: SMTP/hub1.contoso.com\n"
                    "-\n");
}

TEST_CASE("build_removal: the PowerShell cmdlet follows the account kind") {
  const auto ps = [](AccountKind kind) {
    return build_removal("HTTP/x", {account("CN=A,DC=c", "A$", kind)}, Aftercare::generic)
        .powershell.front();
  };
  CHECK(ps(AccountKind::computer).rfind("Set-ADComputer -Identity 'CN=A,DC=c'", 0) == 0);
  CHECK(ps(AccountKind::domain_controller).rfind("Set-ADComputer", 0) == 0);
  CHECK(ps(AccountKind::group_managed_service_account).rfind("Set-ADServiceAccount", 0) == 0);
  CHECK(ps(AccountKind::managed_service_account).rfind("Set-ADServiceAccount", 0) == 0);
  CHECK(ps(AccountKind::trust) ==
        "Set-ADObject -Identity 'CN=A,DC=c' -Remove @{servicePrincipalName='HTTP/x'}");
}

TEST_CASE("build_removal: setspn names machine accounts without the $") {
  const auto fix = build_removal("TERMSRV/web01", {account("CN=APP2,DC=c", "APP2$", AccountKind::computer)},
                                 Aftercare::generic);
  CHECK(fix.setspn.front() == "setspn -D TERMSRV/web01 APP2");
}

TEST_CASE("build_removal: crafted values never reach a command line") {
  // A value any user could plant through a computer account they created.
  const std::string evil = "HTTP/x\" & del /q C:\\ & \"";
  const auto fix = build_removal(evil, {account("CN=O'Brien,DC=c", "obrien", AccountKind::user)},
                                 Aftercare::generic);
  CHECK(fix.setspn.front().rfind("# not shown:", 0) == 0);
  // PowerShell single quotes: the ' in the DN is doubled, the value is inert inside '...'.
  CHECK(fix.powershell.front() == "Set-ADUser -Identity 'CN=O''Brien,DC=c' -ServicePrincipalNames "
                                  "@{Remove='HTTP/x\" & del /q C:\\ & \"'}");
  const auto ctl = build_removal("HTTP/x\n", {account("CN=a,DC=c", "a", AccountKind::user)},
                                 Aftercare::generic);
  CHECK(ctl.powershell.front().rfind("# not shown:", 0) == 0);
  // LDIF carries it base64-encoded (RFC 2849 SAFE-STRING rules).
  CHECK(ctl.ldif.find("servicePrincipalName:: SFRUUC94Cg==\n") != std::string::npos);
  CHECK(ctl.adsiedit[4].find("unprintable") != std::string::npos);
}

TEST_CASE("build_removal: one ADSI Edit walk and one LDIF record per account") {
  const auto fix = build_removal("HTTP/a", {account("CN=x,DC=c", "x", AccountKind::user),
                                            account("CN=y,DC=c", "y", AccountKind::user)},
                                 Aftercare::generic);
  CHECK(fix.setspn.size() == 2);
  CHECK(fix.ldif == "dn: CN=x,DC=c\nchangetype: modify\ndelete: servicePrincipalName\n"
                    "servicePrincipalName: HTTP/a\n-\n\n"
                    "dn: CN=y,DC=c\nchangetype: modify\ndelete: servicePrincipalName\n"
                    "servicePrincipalName: HTTP/a\n-\n");
  CHECK(fix.adsiedit.size() == 2 + 4 * 2 + 2);
}

TEST_CASE("split_dn and dn_domain") {
  CHECK(split_dn("CN=Smith\\, John,OU=Sales,DC=contoso,DC=com") ==
        std::vector<std::string>{"CN=Smith\\, John", "OU=Sales", "DC=contoso", "DC=com"});
  CHECK(dn_domain("CN=x,OU=y,DC=child,DC=contoso,DC=com") == "child.contoso.com");
  CHECK(dn_domain("CN=x,O=org").empty());
}
