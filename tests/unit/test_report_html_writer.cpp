#include "spnscan/report/html_writer.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace spnscan;
using namespace spnscan::test;

TEST_CASE("html_text: markup characters become entities, invisibles become visible") {
  CHECK(html_text("<script>alert('x')</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  CHECK(html_text("a&b \"c\"") == "a&amp;b &quot;c&quot;");
  CHECK(html_text("HTTP/web\xE2\x80\x8B") == "HTTP/web\\u{200B}");
}

TEST_CASE("html writer: one self-contained page: no script, no outside resource") {
  const auto contoso = scan_ldif(source_file("fixtures/contoso.ldif"));
  const std::string html = report("html", *contoso);
  CHECK(html.starts_with("<!DOCTYPE html>\n"));
  CHECK(html.ends_with("</body>\n</html>\n"));
  CHECK(html.find("Content-Security-Policy\" content=\"default-src 'none'; style-src "
                  "'unsafe-inline'\"") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  // No URL at all: inline SVG in HTML needs no namespace.
  CHECK_FALSE(std::regex_search(html, std::regex(R"((https?|ftp)://)")));
  // Summary with its chart, then the plan, then the findings.
  const auto summary = html.find("<h2>Summary</h2>");
  const auto chart = html.find("<svg width=");
  const auto plan = html.find("<h2>Action plan</h2>");
  const auto findings = html.find("<h2>Findings</h2>");
  REQUIRE(summary != std::string::npos);
  CHECK(summary < chart);
  CHECK(chart < plan);
  CHECK(plan < findings);
  CHECK(html.find("<strong>39 findings: 17 errors, 22 warnings, 0 info</strong>") !=
        std::string::npos);
  CHECK(html.find("<h3 id=\"step-1\">1. Administrator (user, the built-in Administrator (RID "
                  "500)): remove these 4 values; they belong on HUB1$ (computer)</h3>") !=
        std::string::npos);
}

TEST_CASE("html writer: hostile directory strings are escaped everywhere") {
  const auto hostile = scan_ldif(source_file("tests/data/ldif/hostile.ldif"));
  const std::string html = report("html", *hostile, false, true);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(html.find('\x1b') == std::string::npos);
  CHECK(html.find("\xE2\x80\xAE") == std::string::npos); // no raw bidi override
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(html.find("CN=\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt;,OU=x") != std::string::npos);
  CHECK(html.find("svc_&lt;b&gt;markup&lt;/b&gt;|`x`") != std::string::npos);
}
