// libFuzzer target: the other values a directory server or an export hands spnscan to parse:
// sPNMappings values (one per line of the input), the range option of a ranged attribute
// (servicePrincipalName;range=1500-*) and binary objectSids.

#include "spnscan/model/account.hpp"
#include "spnscan/model/spn_mappings.hpp"
#include "spnscan/source/ldap_options.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spnscan;
  const std::string text(reinterpret_cast<const char*>(data), size);

  std::vector<std::string> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    values.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  SpnMappings mappings;
  if (!SpnMappings::parse(values, mappings)) {
    for (const auto& [target, aliases] : mappings.targets()) {
      for (const auto& alias : aliases) {
        if (!mappings.target_of(alias)) {
          std::abort(); // every alias listed must resolve
        }
      }
    }
  }

  if (const auto range = parse_range_option(text)) {
    if (!range->last && range->high < range->low) {
      std::abort();
    }
  }

  const auto rid = sid_rid(text);
  const auto sid = sid_to_string(text);
  if (rid && !sid) {
    std::abort(); // both read the same binary form; a SID without sub-authorities has no RID
  }
  if (sid && sid->rfind("S-1-", 0) != 0) {
    std::abort();
  }
  return 0;
}
