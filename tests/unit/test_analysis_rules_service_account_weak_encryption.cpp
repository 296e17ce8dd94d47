#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/report/render.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

namespace {

Spec service(const std::string& name, const std::string& types, const std::string& uac = "512") {
  Spec s = user(name, {"MSSQLSvc/sql1.contoso.com:1433"});
  s.encryption_types = types;
  s.uac = uac;
  return s;
}

} // namespace

TEST_CASE("analyze: service-account-weak-encryption: RC4 only is a warning, DES an error") {
  const auto findings =
      of_rule(analyze_specs({service("svc_rc4", "4"), service("svc_des", "3"),
                             service("svc_desonly", "", "2163200")}), // 0x210200: DES key only
              "service-account-weak-encryption");
  REQUIRE(findings.size() == 3);
  // Errors first.
  CHECK(findings[0].severity == Severity::error);
  CHECK(findings[1].severity == Severity::error);
  CHECK(findings[2].severity == Severity::warning);
  CHECK(findings[2].account.sam_account_name == "svc_rc4");
  REQUIRE(findings[2].settings.size() == 1);
  CHECK(findings[2].settings[0].attribute == "msDS-SupportedEncryptionTypes");
  CHECK(findings[2].settings[0].old_value == "4");
  CHECK(findings[2].settings[0].value == "24");
  const auto des_only = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.account.sam_account_name == "svc_desonly";
  });
  REQUIRE(des_only != findings.end());
  REQUIRE(des_only->settings.size() == 2);
  CHECK(des_only->settings[1].attribute == "userAccountControl");
  CHECK(des_only->settings[1].value == "66048"); // 0x10200: USE_DES_KEY_ONLY cleared
  const auto words = render(findings[2]);
  CHECK_THAT(words.message, Catch::Contains("RC4-HMAC"));
  CHECK_THAT(words.message, Catch::Contains("KB5073381"));
  CHECK_THAT(words.fix.ldif, Catch::Contains("replace: msDS-SupportedEncryptionTypes\n"
                                             "msDS-SupportedEncryptionTypes: 24\n"));
}

TEST_CASE("analyze: service-account-weak-encryption negatives") {
  Spec machine = computer("SQL1", {"MSSQLSvc/sql1.contoso.com:1433"});
  machine.encryption_types = "4";
  Spec no_spn = user("plain", {});
  no_spn.encryption_types = "4";
  no_spn.delegate_to = {"HTTP/x"}; // kept, but holds no SPN
  CHECK(of_rule(analyze_specs({service("svc_aes", "28"), service("svc_default", ""),
                               service("svc_zero", "0"), service("svc_aes_rc4", "31"), machine,
                               no_spn}),
                "service-account-weak-encryption")
            .empty());
}
