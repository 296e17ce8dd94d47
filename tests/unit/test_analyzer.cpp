#include "spnscan/analysis/analyzer.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace spnscan;
using test::computer;
using test::user;

namespace {

std::vector<Finding> run(const std::vector<test::Spec>& specs, AnalyzerOptions options = {}) {
  Directory dir;
  test::fill(dir, specs);
  return analyze(dir, options);
}

std::vector<Finding> of_rule(const std::vector<Finding>& findings, std::string_view rule_id) {
  std::vector<Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.rule == rule_id; });
  return out;
}

test::Spec administrator(std::vector<std::string> spns) {
  auto a = user("Administrator", std::move(spns), 500);
  a.admin_count = "1";
  a.uac = "66048";
  return a;
}

} // namespace

// --- the seed: SMTP on Administrator --------------------------------------------------------

TEST_CASE("analyze: the seed (SMTP/SMTPSVC of HUB1 also on Administrator)") {
  const auto findings =
      run({computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com", "HOST/hub1"}),
           administrator({"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com"})});
  const auto smtp = of_rule(findings, rule::k_smtp_on_non_machine);
  REQUIRE(smtp.size() == 2);
  CHECK(smtp[0].severity == Severity::error);
  CHECK(smtp[0].spn == "SMTP/hub1.contoso.com");
  CHECK(smtp[0].account.sam_account_name == "Administrator");
  CHECK(smtp[0].keep_on == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
  CHECK(smtp[0].remove_from == std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
  CHECK(smtp[0].message.find("event 1082") != std::string::npos);
  CHECK(smtp[0].remediation.setspn == std::vector<std::string>{"setspn -D SMTP/hub1.contoso.com Administrator"});

  const auto dups = of_rule(findings, rule::k_duplicate);
  REQUIRE(dups.size() == 2);
  for (const auto& d : dups) {
    // Remove from Administrator, never from the machine account.
    CHECK(d.account.sam_account_name == "Administrator");
    REQUIRE(d.related.size() == 1);
    CHECK(d.related[0].sam_account_name == "HUB1$");
    CHECK(d.keep_on == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
    CHECK(d.keep_reason == "HUB1$ (computer) is the computer that hub1.contoso.com names, and " +
                               d.spn.substr(0, d.spn.find('/')) +
                               "/ services run as the computer itself");
    CHECK(d.remove_from == std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
    CHECK(d.remediation.ldif.find("dn: CN=HUB1") == std::string::npos);
    CHECK(d.choices.empty());
  }
  // One finding for the account, listing both values, and it agrees with the others: the
  // values belong on HUB1$, so no advice to run a service as a gMSA.
  const auto privileged = of_rule(findings, rule::k_privileged);
  REQUIRE(privileged.size() == 1);
  CHECK(privileged[0].spns ==
        std::vector<std::string>{"SMTP/hub1.contoso.com", "SMTPSVC/hub1.contoso.com"});
  CHECK(privileged[0].spn == "SMTP/hub1.contoso.com");
  CHECK(privileged[0].message.find("belong on another account and only need removing from this "
                                   "one: 'SMTP/hub1.contoso.com' (on HUB1$, the computer that "
                                   "hub1.contoso.com names)") != std::string::npos);
  CHECK(privileged[0].message.find("gMSA") == std::string::npos);
  CHECK(privileged[0].remove_from ==
        std::vector<std::string>{"CN=Administrator,CN=Users,DC=contoso,DC=com"});
  CHECK(privileged[0].keep_on.empty());
  REQUIRE(privileged[0].related.size() == 1);
  CHECK(privileged[0].related[0].sam_account_name == "HUB1$");
}

TEST_CASE("analyze: smtp-spn-on-non-machine-account is not raised for machine accounts") {
  auto msa = computer("EXMSA", {"SMTP/exmsa.contoso.com"});
  msa.classes.push_back("msDS-ManagedServiceAccount");
  const auto findings = run({computer("HUB1", {"SMTP/hub1.contoso.com", "SMTPSVC/HUB1"}), msa});
  CHECK(of_rule(findings, rule::k_smtp_on_non_machine).empty());
  CHECK(findings.empty());
}

TEST_CASE("analyze: smtp-spn-on-non-machine-account on a trust account, no machine named") {
  auto trust = user("FABRIKAM$", {"SMTPSVC/mail.fabrikam.com"});
  trust.uac = "2080";
  trust.sam_type = "805306370";
  const auto findings = of_rule(run({trust}), rule::k_smtp_on_non_machine);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].account.kind == AccountKind::trust);
  CHECK(findings[0].keep_on.empty());
}

// --- duplicate-spn ---------------------------------------------------------------------------

TEST_CASE("analyze: duplicate-spn is case-insensitive and ignores the host's trailing dot") {
  const auto findings =
      of_rule(run({user("svc_app", {"HTTP/app.contoso.com."}), user("svc_app_new", {"http/APP.contoso.com"})}),
              rule::k_duplicate);
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.related.size() == 1);
  CHECK(f.spns == std::vector<std::string>{"HTTP/app.contoso.com.", "http/APP.contoso.com"});
  // Neither holder stands out: spnscan does not guess, and no single fix removes it from both.
  CHECK(f.keep_on.empty());
  CHECK(f.keep_reason.empty());
  CHECK(f.remove_from.empty());
  CHECK(f.removals.empty());
  CHECK(f.remediation.setspn.empty());
  CHECK(f.remediation.ldif.empty());
  CHECK(f.message.find("spnscan cannot decide which account should keep it") != std::string::npos);
  // One choice per holder, each removing the value from the other holder, spelled as it holds it.
  REQUIRE(f.choices.size() == 2);
  CHECK(f.choices[0].keep.sam_account_name == "svc_app");
  CHECK(f.choices[0].remediation.setspn ==
        std::vector<std::string>{"setspn -D http/APP.contoso.com svc_app_new"});
  CHECK(f.choices[0].remediation.ldif.find("servicePrincipalName: http/APP.contoso.com\n") !=
        std::string::npos);
  CHECK(f.choices[1].keep.sam_account_name == "svc_app_new");
  CHECK(f.choices[1].remediation.setspn ==
        std::vector<std::string>{"setspn -D HTTP/app.contoso.com. svc_app"});
  for (const auto& choice : f.choices) {
    REQUIRE(choice.removals.size() == 1);
    CHECK(choice.removals[0].account.dn != choice.keep.dn);
  }
}

TEST_CASE("analyze: duplicate-spn: a disabled holder is a hint that orders the choices, not a decision") {
  auto old = user("svc_old", {"MSSQLSvc/sql2.contoso.com:1433"});
  old.uac = "514"; // disabled
  const auto findings =
      of_rule(run({old, user("svc_new", {"MSSQLSvc/sql2.contoso.com:1433"})}), rule::k_duplicate);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].keep_on.empty());
  REQUIRE(findings[0].choices.size() == 2);
  CHECK(findings[0].choices[0].keep.sam_account_name == "svc_new");
  CHECK(findings[0].choices[0].hint == "likely: the only enabled holder");
  CHECK(findings[0].choices[1].keep.sam_account_name == "svc_old");
  CHECK(findings[0].choices[1].hint == "disabled: no service can log on as it until it is enabled");
}

TEST_CASE("analyze: duplicate-spn: the computer the host names keeps it, even when disabled") {
  auto web = computer("WEB01", {"HOST/web01", "HTTP/web01.contoso.com"});
  web.uac = "4098"; // disabled
  const auto findings =
      of_rule(run({web, user("svc_web", {"HTTP/web01.contoso.com"})}), rule::k_duplicate);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].keep_on == "CN=WEB01,OU=Servers,DC=contoso,DC=com");
  CHECK(findings[0].keep_reason == "WEB01$ (computer, disabled) is the computer that "
                                   "web01.contoso.com names");
  CHECK(findings[0].remove_from == std::vector<std::string>{"CN=svc_web,CN=Users,DC=contoso,DC=com"});
}

TEST_CASE("analyze: duplicate-spn: of two computers named by the host, the enabled one keeps it") {
  auto old = computer("SQL1", {"MSSQLSvc/sql1.contoso.com:1433"}, 2200);
  old.dn = "CN=SQL1,OU=Retired,DC=contoso,DC=com";
  old.uac = "4098";
  const auto findings = of_rule(run({old, computer("SQL1", {"MSSQLSvc/sql1.contoso.com:1433"})}),
                                rule::k_duplicate);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].keep_on == "CN=SQL1,OU=Servers,DC=contoso,DC=com");
  CHECK(findings[0].remove_from == std::vector<std::string>{"CN=SQL1,OU=Retired,DC=contoso,DC=com"});
}

TEST_CASE("analyze: duplicate-spn: a privileged holder never keeps it when another can") {
  auto admin = user("svc_sqladmin", {"MSSQLSvc/sql3.contoso.com:1433"});
  admin.admin_count = "1";
  const auto findings = of_rule(run({admin, user("svc_sql3", {"MSSQLSvc/sql3.contoso.com:1433"})}),
                                rule::k_duplicate);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].keep_on == "CN=svc_sql3,CN=Users,DC=contoso,DC=com");
  CHECK(findings[0].keep_reason == "the other holder is a privileged, krbtgt or trust account, "
                                   "which must not run a service");
  // Three holders, two of them ordinary: undecided between those two; both choices remove it
  // from the privileged one.
  const auto three = of_rule(run({admin, user("a", {"MSSQLSvc/sql3.contoso.com:1433"}),
                                  user("b", {"MSSQLSvc/sql3.contoso.com:1433"})}),
                             rule::k_duplicate);
  REQUIRE(three.size() == 1);
  REQUIRE(three[0].choices.size() == 2);
  for (const auto& choice : three[0].choices) {
    CHECK(choice.removals.size() == 2);
    CHECK(std::any_of(choice.removals.begin(), choice.removals.end(),
                      [](const Removal& r) { return r.account.sam_account_name == "svc_sqladmin"; }));
  }
}

TEST_CASE("analyze: duplicate-spn negatives") {
  // Different ports, different SPNs.
  CHECK(of_rule(run({user("a", {"HTTP/web:80"}), user("b", {"HTTP/web:8080"})}), rule::k_duplicate)
            .empty());
  // One account holding a value twice (differing in case or trailing dot) is not a duplicate
  // across accounts.
  CHECK(of_rule(run({user("a", {"HTTP/web", "http/WEB."})}), rule::k_duplicate).empty());
  // The same DN read twice (two overlapping exports) is one account.
  CHECK(of_rule(run({user("a", {"HTTP/web"}), user("a", {"HTTP/web"})}), rule::k_duplicate).empty());
  // Every domain's krbtgt holds kadmin/changepw.
  auto k1 = user("krbtgt", {"kadmin/changepw"}, 502);
  auto k2 = k1;
  k2.dn = "CN=krbtgt,CN=Users,DC=child,DC=contoso,DC=com";
  CHECK(run({k1, k2}).empty());
}

TEST_CASE("analyze: kadmin/changepw on krbtgt and on a user is a duplicate") {
  auto k = user("krbtgt", {"kadmin/changepw"}, 502);
  CHECK(of_rule(run({k, user("x", {"kadmin/changepw"})}), rule::k_duplicate).size() == 1);
}

// --- spn-alias-collision --------------------------------------------------------------------

TEST_CASE("analyze: spn-alias-collision HOST/web01 on WEB01$ and HTTP/web01 on a user") {
  const auto findings = of_rule(run({computer("WEB01", {"HOST/web01", "HOST/web01.contoso.com"}),
                                     user("svc_web", {"HTTP/web01.contoso.com"})}),
                                rule::k_alias_collision);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "HTTP/web01.contoso.com");
  CHECK(findings[0].account.sam_account_name == "svc_web");
  REQUIRE(findings[0].related.size() == 1);
  CHECK(findings[0].related[0].sam_account_name == "WEB01$");
  CHECK(findings[0].keep_on == "CN=WEB01,OU=Servers,DC=contoso,DC=com");
  CHECK(findings[0].remediation.setspn ==
        std::vector<std::string>{"setspn -D HTTP/web01.contoso.com svc_web"});
}

TEST_CASE("analyze: spn-alias-collision negatives") {
  // Same account holding both.
  CHECK(run({computer("WEB02", {"HOST/web02", "HTTP/web02"})}).empty());
  // An HTTP/ SPN with no HOST/ for that name anywhere.
  CHECK(run({computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/portal.contoso.com"})}).empty());
  // MSSQLSvc is not an alias of host.
  CHECK(run({computer("SQL1", {"HOST/sql1"}), user("svc", {"MSSQLSvc/sql1"})}).empty());
  // Different port: http/web01:8080 is not covered by host/web01.
  CHECK(run({computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/web01:8080"})}).empty());
}

TEST_CASE("analyze: Samba's dns-<dc> user with DNS/<dc> is not a finding") {
  auto dc = computer("DC2", {"HOST/dc2.contoso.com", "ldap/dc2.contoso.com"});
  dc.uac = "532480";
  CHECK(run({dc, user("dns-dc2", {"DNS/dc2.contoso.com"})}).empty());
  // ... but DNS/dc2 on some other user is.
  CHECK(of_rule(run({dc, user("dnsadmin", {"DNS/dc2.contoso.com"})}), rule::k_alias_collision).size() == 1);
}

TEST_CASE("analyze: the alias list comes from the directory's sPNMappings when present") {
  Directory dir;
  test::fill(dir, {computer("WEB01", {"HOST/web01"}), user("svc", {"HTTP/web01", "custom/web01"})});
  RawEntry mappings;
  mappings.dn = "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com";
  mappings[Attr::spn_mappings] = {"host=custom"};
  DirectoryBuilder(dir).add(mappings);
  const auto findings = of_rule(analyze(dir, {}), rule::k_alias_collision);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "custom/web01");
}

// --- host-bound-spn-on-user-account ----------------------------------------------------------

TEST_CASE("analyze: host-bound-spn-on-user-account") {
  const auto findings = of_rule(run({user("svc_batch", {"HOST/batch01.contoso.com", "cifs/nas01",
                                                        "exchangeMDB/outlook.contoso.com"})}),
                                rule::k_host_bound_on_user);
  CHECK(findings.size() == 3);
  for (const auto& f : findings) {
    CHECK(f.severity == Severity::warning);
  }
  // Negatives: on machine accounts, and classes not in the list.
  CHECK(of_rule(run({computer("BATCH01", {"HOST/batch01", "cifs/batch01"}),
                     user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433", "HTTP/x"})}),
                rule::k_host_bound_on_user)
            .empty());
}

TEST_CASE("analyze: --host-bound-classes replaces the list") {
  AnalyzerOptions options;
  options.host_bound_classes = {"MSSQLSvc"};
  const auto findings =
      of_rule(run({user("svc", {"MSSQLSvc/sql1:1433", "HOST/x"})}, options), rule::k_host_bound_on_user);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].spn == "MSSQLSvc/sql1:1433");
}

// --- privileged-account-with-spn ---------------------------------------------------------------

TEST_CASE("analyze: privileged-account-with-spn") {
  auto admin = user("svc_sqladmin", {"MSSQLSvc/sql3.contoso.com:1433", "MSSQLSvc/sql3.contoso.com"});
  admin.admin_count = "1";
  const auto findings = of_rule(run({admin}), rule::k_privileged);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].message.find("Kerberoasting") != std::string::npos);
  CHECK(findings[0].message.find("These values are only on this account: "
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
  CHECK(run({krbtgt, dc, user("svc", {"HTTP/ok"})}).empty());
}

TEST_CASE("analyze: privileged-account-with-spn is one finding per account, however many SPNs") {
  std::vector<std::string> spns;
  for (int i = 0; i < 5000; ++i) {
    spns.push_back("HTTP/host" + std::to_string(i) + ".contoso.com");
  }
  auto admin = user("svc_many", spns);
  admin.admin_count = "1";
  const auto findings = run({admin});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == rule::k_privileged);
  CHECK(findings[0].spns.size() == 5000);
  CHECK(findings[0].message.size() < 2000); // lists ten values, then "and 4990 more"
  CHECK(findings[0].message.find("and 4990 more") != std::string::npos);
  // The id does not depend on which value comes first.
  auto reordered = admin;
  std::reverse(reordered.spns.begin(), reordered.spns.end());
  CHECK(run({reordered})[0].id == findings[0].id);
}

// --- malformed-spn -----------------------------------------------------------------------------

TEST_CASE("analyze: malformed-spn, and a malformed value triggers no other rule") {
  const auto findings = run({user("svc_typo", {"HTTP", "HOST/", "SMTP/hub 1"})});
  REQUIRE(findings.size() == 3);
  for (const auto& f : findings) {
    CHECK(f.rule == rule::k_malformed);
  }
  CHECK(findings[0].message.find("is not a valid SPN") != std::string::npos);
  CHECK(run({user("svc_ok", {"HTTP/ok.contoso.com"})}).empty());
}

// --- spn-host-mismatch -------------------------------------------------------------------------

TEST_CASE("analyze: spn-host-mismatch by dNSHostName and by short name") {
  const auto findings = of_rule(run({computer("WEB01", {"HOST/web01"}),
                                     computer("APP2", {"TERMSRV/web01.contoso.com", "TERMSRV/WEB01"})}),
                                rule::k_host_mismatch);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].account.sam_account_name == "APP2$");
  CHECK(findings[0].related[0].sam_account_name == "WEB01$");
}

TEST_CASE("analyze: spn-host-mismatch negatives") {
  // Its own names; a name that is no account (cluster, load-balanced name); users are not checked.
  CHECK(run({computer("WEB01", {"HOST/web01", "HOST/WEB01.contoso.com."}),
             computer("APP3", {"HTTP/webfarm.contoso.com"}), user("svc", {"MSSQLSvc/web01:1433"})})
            .empty());
  // web01.fabrikam.com is not WEB01 of contoso.
  CHECK(run({computer("WEB01", {"HOST/web01"}), computer("APP2", {"TERMSRV/web01.fabrikam.com"})}).empty());
}

// --- options, ids, order -----------------------------------------------------------------------

TEST_CASE("analyze: disabled rules are not applied") {
  AnalyzerOptions options;
  options.disabled_rules = {std::string(rule::k_privileged), std::string(rule::k_duplicate)};
  const auto findings = run({computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"})}, options);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == rule::k_smtp_on_non_machine);
}

TEST_CASE("analyze: ids are stable whatever the order of the accounts") {
  const auto a = run({computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"})});
  const auto b = run({administrator({"smtp/HUB1"}), computer("HUB1", {"SMTP/hub1"})});
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
  }
  CHECK(a[0].id.rfind("smtp-spn-on-non-machine-account:", 0) == 0);
}

TEST_CASE("analyze: findings are sorted errors first") {
  const auto findings = run({computer("HUB1", {"SMTP/hub1"}), administrator({"SMTP/hub1"}),
                             user("typo", {"HTTP"})});
  REQUIRE(findings.size() == 4); // smtp, duplicate, privileged, malformed
  CHECK(findings.front().severity == Severity::error);
  CHECK(findings.back().severity == Severity::warning);
  CHECK(std::is_sorted(findings.begin(), findings.end(), [](const Finding& x, const Finding& y) {
    return x.severity > y.severity;
  }));
}

TEST_CASE("analyze: the findings do not depend on the number of threads") {
  // Conflicts spread over the whole account range, so both halves of a split find some, and
  // duplicates and alias pairs cross the split point.
  std::vector<test::Spec> specs;
  for (int i = 0; i < 3000; ++i) {
    const std::string name = "WS" + std::to_string(i);
    specs.push_back(computer(name, {"HOST/" + name, "RestrictedKrbHost/" + name}, 3000 + static_cast<std::uint32_t>(i)));
    if (i % 300 == 7) {
      specs.push_back(user("svc" + std::to_string(i), {"HTTP/" + name, "SMTP/" + name, "MSSQLSvc/db:1433"},
                           9000 + static_cast<std::uint32_t>(i)));
    }
  }
  specs.push_back(user("typo", {"HTTP"}));
  Directory dir;
  test::fill(dir, specs);
  AnalyzerOptions one;
  one.threads = 1;
  AnalyzerOptions two;
  two.threads = 2;
  AnalyzerOptions three;
  three.threads = 3;
  const auto a = analyze(dir, one);
  const auto b = analyze(dir, two);
  const auto c = analyze(dir, three);
  REQUIRE(a.size() == 10 /* alias */ + 10 /* smtp */ + 1 /* duplicate */ + 1 /* malformed */);
  REQUIRE(b.size() == a.size());
  REQUIRE(c.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].id == c[i].id);
    CHECK(a[i].message == b[i].message);
    CHECK(a[i].related.size() == b[i].related.size());
  }
}
