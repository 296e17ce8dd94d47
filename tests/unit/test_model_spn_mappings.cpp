#include "spnscan/model/spn_mappings.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

TEST_CASE("SpnMappings::parse: defaults, several values, and bad values") {
  const auto d = SpnMappings::windows_default();
  for (const char* alias : {"alerter", "http", "www", "cifs", "rpcss", "dns", "time", "msdtc"}) {
    CHECK(d.target_of(alias) == std::string_view("host"));
  }
  CHECK(d.target_of("CIFS") == std::string_view("host"));
  CHECK_FALSE(d.target_of("MSSQLSvc"));
  CHECK_FALSE(d.target_of("host"));

  const auto m = SpnMappings::parse({"host=http, cifs", "other=foo"});
  REQUIRE(m);
  CHECK(m->target_of("http") == std::string_view("host"));
  CHECK(m->target_of("FOO") == std::string_view("other"));
  CHECK(SpnMappings::parse({"hostonly"}).error() == "sPNMappings value 'hostonly' has no '='");
  CHECK(SpnMappings::parse({"=a,b"}).error() ==
        "sPNMappings value '=a,b' has an empty class before '='");
  CHECK(SpnMappings::parse({"host="}).error() ==
        "sPNMappings value 'host=' lists no alias after '='");
}
