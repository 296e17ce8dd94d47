#include "spnscan/report/fixes.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {
using test::account;

Removal removal(std::vector<std::string> values, std::string dn = "CN=a,DC=c",
                std::string sam = "a", AccountKind kind = AccountKind::user) {
  return Removal{account(std::move(dn), std::move(sam), kind), std::move(values)};
}

const AccountRef k_admin =
    account("CN=Administrator,CN=Users,DC=contoso,DC=com", "Administrator", AccountKind::user);
} // namespace

TEST_CASE("build_removal: the four forms for the seed") {
  const auto fix =
      build_removal({Removal{k_admin, {"SMTP/hub1.contoso.com"}}}, Aftercare::exchange);
  REQUIRE(fix.adsiedit.size() == 8);
  CHECK(fix.adsiedit[1].find("Default naming context") != std::string::npos);
  CHECK(fix.adsiedit[2] == "Expand DC=contoso,DC=com > CN=Users > CN=Administrator and select "
                           "CN=Administrator (distinguished name: "
                           "CN=Administrator,CN=Users,DC=contoso,DC=com).");
  CHECK(fix.adsiedit[3].find("Attribute Editor") != std::string::npos);
  CHECK(fix.adsiedit[4] == "In \"Values\", select 'SMTP/hub1.contoso.com' and click Remove. "
                           "Remove only this value.");
  CHECK(fix.adsiedit[5] == "Click OK, then Apply, then OK.");
  CHECK(fix.adsiedit[6] == "Let the change replicate to every domain controller (or run "
                           "repadmin /syncall /AdeP). Check that the value is gone: setspn -Q "
                           "SMTP/hub1.contoso.com");
  CHECK(fix.adsiedit[7].find("Microsoft Exchange Transport") != std::string::npos);
  CHECK(fix.setspn == std::vector<std::string>{"setspn -D SMTP/hub1.contoso.com Administrator"});
  CHECK(fix.powershell == std::vector<std::string>{
                              "Set-ADUser -Identity 'CN=Administrator,CN=Users,DC=contoso,DC=com' "
                              "-ServicePrincipalNames @{Remove='SMTP/hub1.contoso.com'}"});
  CHECK(fix.ldif == "dn: CN=Administrator,CN=Users,DC=contoso,DC=com\n"
                    "changetype: modify\n"
                    "delete: servicePrincipalName\n"
                    "servicePrincipalName: SMTP/hub1.contoso.com\n"
                    "-\n");
}

TEST_CASE("build_removal: the PowerShell cmdlet follows the account kind") {
  const auto ps = [](AccountKind kind) {
    return build_removal({removal({"HTTP/x"}, "CN=A,DC=c", "A$", kind)}, Aftercare::generic)
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
  const auto fix =
      build_removal({removal({"TERMSRV/web01"}, "CN=APP2,DC=c", "APP2$", AccountKind::computer)},
                    Aftercare::generic);
  CHECK(fix.setspn.front() == "setspn -D TERMSRV/web01 APP2");
}

TEST_CASE("build_removal: each account's values, as that account holds them") {
  const auto fix =
      build_removal({removal({"HTTP/app.contoso.com.", "http/APP.contoso.com"}, "CN=x,DC=c", "x"),
                     removal({"Http/App.Contoso.Com"}, "CN=y,DC=c", "y")},
                    Aftercare::generic);
  CHECK(fix.setspn == std::vector<std::string>{"setspn -D HTTP/app.contoso.com. x",
                                               "setspn -D http/APP.contoso.com x",
                                               "setspn -D Http/App.Contoso.Com y"});
  CHECK(fix.powershell ==
        std::vector<std::string>{"Set-ADUser -Identity 'CN=x,DC=c' -ServicePrincipalNames "
                                 "@{Remove='HTTP/app.contoso.com.','http/APP.contoso.com'}",
                                 "Set-ADUser -Identity 'CN=y,DC=c' -ServicePrincipalNames "
                                 "@{Remove='Http/App.Contoso.Com'}"});
  CHECK(fix.ldif == "dn: CN=x,DC=c\nchangetype: modify\ndelete: servicePrincipalName\n"
                    "servicePrincipalName: HTTP/app.contoso.com.\n"
                    "servicePrincipalName: http/APP.contoso.com\n-\n\n"
                    "dn: CN=y,DC=c\nchangetype: modify\ndelete: servicePrincipalName\n"
                    "servicePrincipalName: Http/App.Contoso.Com\n-\n");
  CHECK(fix.adsiedit.size() == 2 + 4 * 2 + 2);
  CHECK(fix.adsiedit[4] == "In \"Values\", select 'HTTP/app.contoso.com.' and click Remove; "
                           "then select 'http/APP.contoso.com' and click Remove. Remove only "
                           "these values.");
}

TEST_CASE("build_removal: ordinary names keep their commands, quoted for each shell") {
  const auto fix = build_removal(
      {removal({"HTTP/web01"}, "CN=Smith\\, John,OU=Sales,DC=contoso,DC=com", "John Smith"),
       removal({"HTTP/web01"}, "CN=Jürgen Müller,OU=Sales,DC=contoso,DC=com", "jmüller"),
       removal({"HTTP/web01"}, "CN=Dana O'Brien,OU=Sales,DC=contoso,DC=com", "o'brien"),
       removal({"HTTP/web 01"}, "CN=Pat O\u2019Neil,OU=Sales,DC=contoso,DC=com", "poneil")},
      Aftercare::generic);
  CHECK(fix.setspn == std::vector<std::string>{
                          "setspn -D HTTP/web01 \"John Smith\"", "setspn -D HTTP/web01 \"jmüller\"",
                          "setspn -D HTTP/web01 \"o'brien\"", "setspn -D \"HTTP/web 01\" poneil"});
  CHECK(fix.powershell ==
        std::vector<std::string>{
            "Set-ADUser -Identity 'CN=Smith\\, John,OU=Sales,DC=contoso,DC=com' "
            "-ServicePrincipalNames @{Remove='HTTP/web01'}",
            "Set-ADUser -Identity 'CN=Jürgen Müller,OU=Sales,DC=contoso,DC=com' "
            "-ServicePrincipalNames @{Remove='HTTP/web01'}",
            "Set-ADUser -Identity 'CN=Dana O''Brien,OU=Sales,DC=contoso,DC=com' "
            "-ServicePrincipalNames @{Remove='HTTP/web01'}",
            "Set-ADUser -Identity 'CN=Pat O\u2019\u2019Neil,OU=Sales,DC=contoso,DC=com' "
            "-ServicePrincipalNames @{Remove='HTTP/web 01'}"});
  // LDIF: base64 for the non-ASCII DN, with a comment saying what it is.
  CHECK(fix.ldif.find("# base64 below: CN=Jürgen Müller,OU=Sales,DC=contoso,DC=com\n"
                      "dn:: Q049SsO8cmdlbiBNw7xsbGVyLE9VPVNhbGVzLERDPWNvbnRvc28sREM9Y29t\n") !=
        std::string::npos);
}

TEST_CASE("build_removal: crafted values never reach a command line unquoted") {
  // A value any user could plant through a computer account they created.
  const std::string evil = "HTTP/x\" & del /q C:\\ & \"";
  const auto fix =
      build_removal({removal({evil}, "CN=O'Brien,DC=c", "obrien")}, Aftercare::generic);
  CHECK(fix.setspn.front() == "REM not shown for obrien ('HTTP/x\" & del /q C:\\ & \"'): the value "
                              "holds a double quote (\"), which cmd.exe cannot quote; use the "
                              "PowerShell or LDIF form");
  // PowerShell single quotes: the ' in the DN is doubled, the value is inert inside '...'.
  CHECK(fix.powershell.front() == "Set-ADUser -Identity 'CN=O''Brien,DC=c' -ServicePrincipalNames "
                                  "@{Remove='HTTP/x\" & del /q C:\\ & \"'}");
  CHECK(build_removal({removal({"HTTP/%PATH%"})}, Aftercare::generic)
            .setspn.front()
            .find("holds '%', which cmd.exe expands even inside quotes") != std::string::npos);
}

TEST_CASE("build_removal: control and invisible characters are spelled out, never hidden") {
  const auto ctl = build_removal({removal({"HTTP/x\n"})}, Aftercare::generic);
  CHECK(ctl.setspn.front() == "REM not shown for a ('HTTP/x\\x0A'): the value holds U+000A LINE "
                              "FEED, which a cmd.exe command line cannot carry visibly; use the "
                              "PowerShell or LDIF form");
  CHECK(ctl.powershell.front() == "Set-ADUser -Identity 'CN=a,DC=c' -ServicePrincipalNames "
                                  "@{Remove=('HTTP/x' + [char]0x000A)}");
  // LDIF carries it base64-encoded (RFC 2849 SAFE-STRING rules), with what it holds above.
  CHECK(ctl.ldif == "# base64 below: CN=a,DC=c; 'HTTP/x\\x0A'\n"
                    "dn: CN=a,DC=c\nchangetype: modify\ndelete: servicePrincipalName\n"
                    "servicePrincipalName:: SFRUUC94Cg==\n-\n");

  const auto zw = build_removal({removal({"HTTP/web\u200B01"})}, Aftercare::generic);
  CHECK(zw.powershell.front() == "Set-ADUser -Identity 'CN=a,DC=c' -ServicePrincipalNames "
                                 "@{Remove=('HTTP/web' + [char]0x200B + '01')}");
  CHECK(zw.setspn.front().find("holds U+200B ZERO WIDTH SPACE") != std::string::npos);
  CHECK(zw.adsiedit[4] == "In \"Values\", select 'HTTP/web\\u{200B}01' and click Remove (it "
                          "holds U+200B ZERO WIDTH SPACE, which ADSI Edit does not show: it "
                          "looks like other values; compare the lengths, or use the PowerShell "
                          "or LDIF form). Remove only this value.");
  // Invalid UTF-8 cannot be a PowerShell string: only the LDIF carries it.
  const auto bad = build_removal({removal({"HTTP/\xFF"})}, Aftercare::generic);
  CHECK(bad.powershell.front() == "# not shown for a ('HTTP/\\xFF'): the value holds the byte "
                                  "0xFF, which is not valid UTF-8, which no PowerShell string can "
                                  "hold; use the LDIF form");
  CHECK(bad.ldif.find("servicePrincipalName:: SFRUUC//\n") != std::string::npos);
}

TEST_CASE("build_removal: size stays linear for long values and many values") {
  const std::string huge = "HTTP/" + std::string(10000, 'a');
  const auto fix = build_removal({removal({huge})}, Aftercare::generic);
  CHECK(fix.setspn.front().find("the command is longer than cmd.exe's 8191 characters") !=
        std::string::npos);
  CHECK(fix.adsiedit[4].find("(10005 bytes)") != std::string::npos);
  const auto longer =
      build_removal({removal({"HTTP/" + std::string(40000, 'a')})}, Aftercare::generic);
  CHECK(longer.powershell.front().find("makes a command longer than Windows' 32767 characters; "
                                       "use the LDIF form") != std::string::npos);
  CHECK(longer.powershell.front().size() < 300);
  CHECK(fix.adsiedit[4].size() < 300);
  CHECK(fix.ldif.find(huge) != std::string::npos);

  std::vector<std::string> many;
  for (int i = 0; i < 2500; ++i) {
    many.push_back("HTTP/h" + std::to_string(i));
  }
  const auto lots = build_removal({removal(many)}, Aftercare::generic);
  CHECK(lots.setspn.size() == 2500);
  CHECK(lots.powershell.size() == 3); // 1000 values a command
  CHECK(lots.adsiedit[4] == "In \"Values\", remove the 2500 values this finding lists (too "
                            "many to pick by hand: the PowerShell or LDIF form removes exactly "
                            "them).");
}

TEST_CASE("cmd_argument") {
  CHECK(*cmd_argument("HTTP/web01.contoso.com:443") == "HTTP/web01.contoso.com:443");
  CHECK(*cmd_argument("svc web") == "\"svc web\"");
  CHECK(*cmd_argument("o'brien") == "\"o'brien\"");
  CHECK(*cmd_argument("a&b|c<d>e^f") == "\"a&b|c<d>e^f\"");
  CHECK_FALSE(cmd_argument("a\"b").has_value());
  CHECK_FALSE(cmd_argument("a%b").has_value());
  CHECK_FALSE(cmd_argument("a\tb").has_value());
  CHECK_FALSE(cmd_argument("").has_value());
  CHECK(cmd_argument("a\u00A0b").error() ==
        "holds U+00A0 NO-BREAK SPACE, which a cmd.exe command line cannot carry visibly");
}

TEST_CASE("powershell_string") {
  CHECK(*powershell_string("plain") == "'plain'");
  CHECK(*powershell_string("") == "''");
  CHECK(*powershell_string("it's") == "'it''s'");
  CHECK(*powershell_string("$(evil) `n") == "'$(evil) `n'");
  CHECK(*powershell_string("\u202Eab") == "([char]0x202E + 'ab')");
  CHECK(*powershell_string("a\U000E0041") == "('a' + [char]::ConvertFromUtf32(0xE0041))");
  CHECK_FALSE(powershell_string("\xC3").has_value());
}

TEST_CASE("prose_value") {
  CHECK(prose_value("HTTP/x") == "'HTTP/x'");
  CHECK(prose_value("HTTP/x ") == "'HTTP/x\\x20'");
  CHECK(prose_value(std::string(200, 'b')) == "'" + std::string(60, 'b') + "...' (200 bytes)");
}

TEST_CASE("split_dn") {
  CHECK(split_dn("CN=Smith\\, John,OU=Sales,DC=contoso,DC=com") ==
        std::vector<std::string>{"CN=Smith\\, John", "OU=Sales", "DC=contoso", "DC=com"});
  CHECK(split_dn("CN=x, OU=y").size() == 2);
  CHECK(split_dn("").empty());
}
