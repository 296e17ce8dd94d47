#pragma once

#include "spnscan/util/expected.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// The sPNMappings aliases: "host=alerter,http,cifs,..." means the KDC treats host/X as also
// covering alerter/X, http/X, cifs/X. Names are kept lower-case.
class SpnMappings {
public:
  // The Windows default: host mapped to the 53 classes listed in ad-facts.md.
  static SpnMappings windows_default();

  // Parses the attribute's values ("x=a,b,c" each), or says which value is bad: one with no
  // '=' or an empty side.
  static Expected<SpnMappings> parse(const std::vector<std::string>& values);

  // Returns the target class (e.g. "host") that the alias class maps to, or nullopt.
  // Case-insensitive.
  std::optional<std::string_view> target_of(std::string_view alias_class) const;

private:
  std::map<std::string, std::string, std::less<>> m_alias_to_target;
};

} // namespace spnscan
