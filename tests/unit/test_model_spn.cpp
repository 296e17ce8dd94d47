#include "spnscan/model/spn.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {
std::string error_of(std::string_view text) {
  const auto r = parse_spn(text);
  REQUIRE_FALSE(r);
  return r.error();
}
Spn parsed(std::string_view text) {
  const auto r = parse_spn(text);
  REQUIRE(r);
  return r.value();
}
} // namespace

TEST_CASE("parse_spn: the documented shapes") {
  auto s = parsed("SMTP/hub1.contoso.com");
  CHECK(s.service_class == "SMTP");
  CHECK(s.host == "hub1.contoso.com");
  CHECK_FALSE(s.port);
  CHECK(s.service_name.empty());

  s = parsed("MSSQLSvc/sql1.contoso.com:1433");
  CHECK(s.host == "sql1.contoso.com");
  REQUIRE(s.port);
  CHECK(*s.port == 1433);

  s = parsed("ldap/dc1.contoso.com/contoso.com");
  CHECK(s.host == "dc1.contoso.com");
  CHECK(s.service_name == "contoso.com");

  s = parsed(
      "E3514235-4B06-11D1-AB04-00C04FC2DCD2/8e4b2a4c-9c2f-4d2b-a1b3-3f1f2c9d0e11/contoso.com");
  CHECK(s.service_class == "E3514235-4B06-11D1-AB04-00C04FC2DCD2");
  CHECK(s.service_name == "contoso.com");

  s = parsed("HOST/web01:8080/svc");
  CHECK(*s.port == 8080);
  CHECK(s.service_name == "svc");
}

TEST_CASE("parse_spn: each malformed shape has its own message") {
  CHECK(error_of("") == "empty value");
  CHECK(error_of("HTTP") == "no '/' between service class and host");
  CHECK(error_of("/") == "'/' alone: no service class and no host");
  CHECK(error_of("/web01") == "empty service class");
  CHECK(error_of("HTTP/") == "empty host");
  CHECK(error_of("HTTP/:80") == "empty host");
  CHECK(error_of("HTTP/web01:") == "bad port '' (must be 1-65535)");
  CHECK(error_of("HTTP/web01:99999") == "bad port '99999' (must be 1-65535)");
  CHECK(error_of("HTTP/web01:0") == "bad port '0' (must be 1-65535)");
  CHECK(error_of("HTTP/web01:8o") == "bad port '8o' (must be 1-65535)");
  CHECK(error_of("HTTP/web 01") == "whitespace at position 9");
  CHECK(error_of(" HTTP/web01") == "whitespace at position 1");
  CHECK(error_of("HTTP/web01\t") == "whitespace at position 11");
  CHECK(error_of("HTTP/web01\n") == "control character 0x0A at position 11");
  CHECK(error_of(std::string_view("HTTP/w\0b", 8)) == "control character 0x00 at position 7");
  CHECK(error_of("HTTP/web\x7f") == "control character 0x7F at position 9");
  CHECK(error_of("HTTP/web01/") == "empty service name after the second '/'");
  CHECK(error_of("HT:TP/web01") == "':' in service class");
}

TEST_CASE("spn_key: case-insensitive, trailing dot on the host ignored") {
  CHECK(spn_key("HTTP/App.Contoso.com.") == spn_key("http/app.contoso.com"));
  CHECK(spn_key("MSSQLSvc/SQL1.contoso.com.:1433") == "mssqlsvc/sql1.contoso.com:1433");
  CHECK(spn_key("ldap/DC1.contoso.com./CONTOSO") == "ldap/dc1.contoso.com/contoso");
  // Different port, different SPN; the trailing dot of the service name is not the host's.
  CHECK(spn_key("HTTP/web01:80") != spn_key("HTTP/web01:8080"));
  CHECK(spn_key("ldap/dc1/contoso.com.") != spn_key("ldap/dc1/contoso.com"));
  // A value that does not parse is compared lower-cased as is.
  CHECK(spn_key("HTTP") == "http");
}
