#include "spnscan/report/markdown_writer.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("markdown_text and markdown_code: nothing from the directory becomes markup") {
  CHECK(markdown_text("[click](http://evil.example/)") == "\\[click\\](http://evil.example/)");
  CHECK(markdown_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;");
  CHECK(markdown_text("a|b *c* _d_ `e` #f ~g !h \\i &j") ==
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\#f \\~g \\!h \\\\i &amp;j");
  CHECK(markdown_text("ESC\x1b[2J") == "ESC\\\\x1B\\[2J");
  CHECK(markdown_code("HTTP/web01") == "`HTTP/web01`");
  CHECK(markdown_code("a`b") == "``a`b``");
  CHECK(markdown_code("`x") == "`` `x ``");
  CHECK(markdown_code("a|b") == "`a\\|b`");
}

TEST_CASE("markdown writer: summary and plan as tables, fixes as code blocks") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string md = report("markdown", *contoso);
  const auto summary = md.find("## Summary\n\n39 findings: 17 errors, 22 warnings, 0 info\n\n"
                               "| Rule | Error | Warning | Info |\n|---|--:|--:|--:|\n");
  const auto plan = md.find("## Action plan\n\nRemove 26 values from 14 accounts; 2 SPNs need a "
                            "decision first.\n");
  const auto findings = md.find("## Findings\n");
  REQUIRE(summary != std::string::npos);
  REQUIRE(plan != std::string::npos);
  REQUIRE(findings != std::string::npos);
  CHECK(summary < plan);
  CHECK(plan < findings);
  CHECK(md.find("| `smtp-spn-on-non-machine-account` | 5 | 0 | 0 |\n") != std::string::npos);
  CHECK(md.find("| Step | Account | Remove | Why |\n|--:|---|---|---|\n| 1 | Administrator") !=
        std::string::npos);
  CHECK(md.find("### 1. Administrator (user, the built-in Administrator (RID 500)): remove these "
                "4 values; they belong on HUB1$ (computer)\n") != std::string::npos);
  CHECK(md.find("```bat\nsetspn -D SMTP/HUB1 Administrator\nsetspn -D SMTP/hub1.contoso.com "
                "Administrator\n") != std::string::npos);
  CHECK(md.find("```ldif\ndn: CN=Administrator,CN=Users,DC=contoso,DC=com\n") != std::string::npos);
  CHECK(md.find("- Fix: action plan step 1\n") != std::string::npos);
  // The per-finding fix comes with --details only.
  CHECK(md.find("- Id: ") == std::string::npos);
  CHECK(report("markdown", *contoso, false, true).find("- Id: `duplicate-spn:") !=
        std::string::npos);
}

TEST_CASE("markdown_prose: what a renderer interprets, without code spans and fenced blocks") {
  CHECK(markdown_prose("a `<b>` c\n```bat\n<script>\n```\nd ``x`y`` e\n") == "a  c\nd  e\n");
  CHECK(markdown_prose("\\`<b>\\` `x`\n") == "\\`<b>\\` \n");
  CHECK(markdown_prose("no code <b>\n") == "no code <b>\n");
}

TEST_CASE("markdown writer: hostile directory strings stay text") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  const std::string md = report("markdown", *hostile, false, true);
  // Code spans and blocks show their text literally (CommonMark): commands and values keep
  // their characters there. Everywhere else nothing may become markup.
  const std::string prose = markdown_prose(md);
  CHECK(prose.find("<script") == std::string::npos);
  CHECK(prose.find("<img") == std::string::npos);
  CHECK(prose.find("<b>") == std::string::npos);
  // A link needs an unescaped "](": every one in the prose is escaped.
  for (auto at = prose.find("](http://evil"); at != std::string::npos;
       at = prose.find("](http://evil", at + 1)) {
    CHECK((at > 0 && prose[at - 1] == '\\'));
  }
  CHECK(prose.find("\\](http://evil") != std::string::npos);
  CHECK(md.find('\x1b') == std::string::npos);
  CHECK(prose.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(md.find("`<img src=x onerror=alert(1)>`") != std::string::npos);
  CHECK(prose.find("svc\\_&lt;b&gt;markup&lt;/b&gt;\\|\\`x\\`") != std::string::npos);
}
