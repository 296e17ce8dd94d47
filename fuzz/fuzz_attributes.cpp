// libFuzzer target: the other values a directory server or an export hands spnscan to parse:
// sPNMappings values (one per line of the input), the range option of a ranged attribute
// (servicePrincipalName;range=1500-*) and binary objectSids. Each parser gives a value or says
// what is wrong; never both, never neither.

#include "spnscan/model/account.hpp"
#include "spnscan/model/spn_mappings.hpp"
#include "spnscan/source/ldap/ldap_options.hpp"

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
  const auto mappings = SpnMappings::parse(values);
  if (mappings) {
    // Every alias a value lists resolves to a class.
    for (const auto& value : values) {
      const auto eq = value.find('=');
      std::string_view list = std::string_view(value).substr(eq + 1);
      const auto comma = list.find(',');
      std::string_view first = list.substr(0, comma);
      while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) {
        first.remove_prefix(1);
      }
      while (!first.empty() &&
             (first.back() == ' ' || first.back() == '\t' || first.back() == '\r')) {
        first.remove_suffix(1);
      }
      if (!first.empty() && !mappings->target_of(first)) {
        std::abort();
      }
    }
  } else if (mappings.error().empty()) {
    std::abort();
  }

  if (const auto range = parse_range_option(text)) {
    if (!range->last && range->high < range->low) {
      std::abort();
    }
  } else if (range.error().empty()) {
    std::abort();
  }

  const auto rid = sid_rid(text);
  if (!rid && rid.error().empty()) {
    std::abort();
  }
  return 0;
}
