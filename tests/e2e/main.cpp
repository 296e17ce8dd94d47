#define CATCH_CONFIG_RUNNER
#include "spnscan/platform/platform.hpp"

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  // The LDAP tests drive LdapSource in this process against servers that drop connections:
  // the same process setup as spnscan itself.
  spnscan::platform::prepare_process();
  return Catch::Session().run(argc, argv);
}
