#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("describe: an account as prose names it") {
  AccountRef admin = account("CN=Administrator,CN=Users,DC=x", "Administrator");
  admin.rid = 500;
  admin.privileged = true;
  CHECK(describe(admin) == "Administrator (user, the built-in Administrator (RID 500))");
  AccountRef svc = account("CN=svc,DC=x", "svc");
  svc.privileged = true;
  svc.disabled = true;
  CHECK(describe(svc) == "svc (user, privileged: adminCount=1, disabled)");
  CHECK(describe(account("CN=a\u202Eb,DC=x", "", AccountKind::computer)) ==
        "CN=a\\u{202E}b,DC=x (computer)");
}

TEST_CASE(
    "render: every finding of the fixture has words, a reason with its keeper, a fix or choices") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  for (const auto& f : contoso->findings) {
    INFO(f.id);
    const RenderedFinding words = render(f);
    CHECK_FALSE(words.message.empty());
    CHECK(words.keep_reason.empty() == !f.keeper);
    if (f.choices.empty()) {
      CHECK_FALSE(words.fix.ldif.empty());
      CHECK(words.fix.setspn.size() >= f.removals.size());
    } else {
      CHECK(words.fix.ldif.empty());
      REQUIRE(words.choices.size() == f.choices.size());
      for (const auto& choice : words.choices) {
        CHECK_FALSE(choice.fix.ldif.empty());
      }
    }
  }
}

TEST_CASE("render: the keep reasons and hints, worded in one place") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  std::set<std::string> reasons;
  for (const auto& f : contoso->findings) {
    if (f.keeper) {
      reasons.insert(render(f).keep_reason);
    }
  }
  CHECK(reasons.count("HUB1$ (computer) is the Exchange server that hub1.contoso.com names: SMTP/ "
                      "and SMTPSVC/ belong to its computer account") == 1);
  CHECK(reasons.count("WEB01$ (computer) is the computer that web01.contoso.com names") == 1);
}
