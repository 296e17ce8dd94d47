#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("analyze: lookalike-spn: a zero-width space hides a duplicate") {
  const auto findings = of_rule(analyze_specs({computer("WEB01", {"HTTP/web01.contoso.com"}),
                                               user("attacker", {"HTTP/web01\u200B.contoso.com"})}),
                                "lookalike-spn");
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.severity == Severity::error);
  CHECK(f.account.sam_account_name == "attacker");
  REQUIRE(f.related.size() == 1);
  CHECK(f.related[0].sam_account_name == "WEB01$");
  CHECK(keep_on(f).empty()); // the value belongs nowhere; the real one stays put
  CHECK(f.removals[0].values == std::vector<std::string>{"HTTP/web01\u200B.contoso.com"});
  const auto words = render(f);
  CHECK_THAT(words.message, Catch::Contains("U+200B ZERO WIDTH SPACE"));
  CHECK_THAT(words.message, Catch::Contains("hidden duplicate"));
}

TEST_CASE("analyze: lookalike-spn: a Cyrillic letter reads as ASCII") {
  // U+0430 CYRILLIC SMALL LETTER A in "sql" -> "sqа"; U+0435 in "web".
  const auto findings =
      of_rule(analyze_specs({user("svc_sql", {"MSSQLSvc/sql1.contoso.com:1433"}),
                             user("svc_fake", {"MSSQLSvc/sql1.cont\u043Eso.com:1433"}),
                             user("svc_alone", {"HTTP/w\u0435b99"})}),
              "lookalike-spn");
  REQUIRE(findings.size() == 2);
  const auto fake = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.account.sam_account_name == "svc_fake";
  });
  REQUIRE(fake != findings.end());
  REQUIRE(fake->related.size() == 1);
  CHECK(fake->related[0].sam_account_name == "svc_sql");
  CHECK_THAT(render(*fake).message, Catch::Contains("CYRILLIC SMALL LETTER O"));
  const auto alone = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.account.sam_account_name == "svc_alone";
  });
  REQUIRE(alone != findings.end());
  CHECK(alone->related.empty());
  CHECK_THAT(render(*alone).message, Catch::Contains("looks like 'HTTP/web99'"));
}

TEST_CASE("analyze: lookalike-spn negatives") {
  // ASCII that a skeleton would fold ("rn" -> "m", "0" -> "O"), a real non-ASCII name, and
  // the plain names themselves.
  CHECK(of_rule(analyze_specs({user("svc_modern", {"HTTP/modern01.contoso.com"}),
                               user("svc_modem", {"HTTP/modem01.contoso.com"}),
                               user("svc_munich", {"HTTP/m\u00FCnchen.contoso.com"}),
                               user("svc_jp", {"HTTP/\u65E5\u672C.example"})}),
                "lookalike-spn")
            .empty());
}
